/**
 * The metric table is the one source of truth; these checks keep it internally consistent and prove
 * that every export path lands on the same Prometheus names.
 */
import { describe, expect, it } from 'vitest';
import { ALL_METRICS, LABELS, metricBySeriesName, seriesNames, type MetricSpec } from '../src/conventions.js';
import { missingBuilders } from '../src/export/samples.js';

/**
 * The OpenTelemetry Collector's Prometheus normalisation (pkg/translator/prometheus, `add_metric_suffixes`
 * on), restated from its documented rules: split the name into alphanumeric tokens; append the main
 * unit's Prometheus word unless the unit is in braces or the word is already a token; for `a/b` units
 * append `per_<b word>` likewise; append `total` to monotonic sums (moving an existing `total` token to
 * the end); append `ratio` to gauges with unit `1`.
 */
const UNIT_WORDS: Record<string, string> = {
  s: 'seconds',
  ms: 'milliseconds',
  By: 'bytes',
  '1': '',
  '%': 'percent',
};
const PER_UNIT_WORDS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day' };

function collectorName(m: MetricSpec): string {
  let tokens = m.otelName.split(/[^a-zA-Z0-9]+/).filter(Boolean);
  const [main = '', per] = m.unit.split('/', 2);
  const addWord = (word: string, prefix?: string) => {
    const clean = word
      .split(/[^a-zA-Z0-9]+/)
      .filter(Boolean)
      .join('_');
    if (clean && !tokens.includes(clean)) tokens = prefix ? [...tokens, prefix, clean] : [...tokens, clean];
  };
  if (main.trim() && !/[{}]/.test(main)) addWord(UNIT_WORDS[main.trim()] ?? main.trim());
  if (per?.trim() && !/[{}]/.test(per)) addWord(PER_UNIT_WORDS[per.trim()] ?? per.trim(), 'per');
  if (m.type === 'counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (m.unit === '1' && m.type === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  return tokens.join('_');
}

/**
 * The current translator, prometheus/otlptranslator's `UnderscoreEscapingWithSuffixes` (what the
 * collector's prometheus exporters use today), restated from its source: the name splits on every
 * character outside `[a-zA-Z0-9:]` (so on `_` too); the unit splits once at `/`; a part containing `{` or
 * `}` adds nothing; the main part adds its word unless that word is a token already; the per part adds
 * `per_<word>` unless `per_<word>` is a token, which it can never be after splitting on `_`: so a name
 * ending in `per_second` with unit `…/s` gets `per_second` twice. Then `total` and `ratio` as before.
 */
const UNIT_WORDS_NOW: Record<string, string> = { ...UNIT_WORDS, d: 'days', h: 'hours', min: 'minutes' };
const PER_UNIT_WORDS_NOW: Record<string, string> = { ...PER_UNIT_WORDS, w: 'week', mo: 'month', y: 'year' };

function otlpTranslatorName(m: MetricSpec): string {
  let tokens = m.otelName.split(/[^a-zA-Z0-9:]+/).filter(Boolean);
  const [mainRaw = '', perRaw] = m.unit.split(/\/(.*)/s, 2);
  const main = mainRaw.trim();
  const per = perRaw?.trim() ?? '';
  const mainWord = main && !/[{}]/.test(main) ? (UNIT_WORDS_NOW[main] ?? main) : '';
  const perWord = per && !/[{}]/.test(per) ? `per_${PER_UNIT_WORDS_NOW[per] ?? per}` : '';
  if (mainWord && !tokens.includes(mainWord)) tokens.push(mainWord);
  if (perWord && !tokens.includes(perWord)) tokens.push(perWord);
  if (m.type === 'counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (m.unit === '1' && m.type === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  return tokens.join('_');
}

/** The OTel JS Prometheus exporter: invalid characters become `_`, monotonic sums get `_total`. */
function otelJsExporterName(m: MetricSpec): string {
  const base = m.otelName.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/_+/g, '_');
  return m.type === 'counter' && !base.endsWith('_total') ? `${base}_total` : base;
}

/** The fields of a table row that the translators do not read. */
const base = {
  key: 'x',
  name: '',
  labels: [],
  help: 'X.',
  family: 'map',
  aggregate: 'sum',
} as const;

describe('the metric table', () => {
  it('has unique Prometheus and OTel names, valid and prefixed', () => {
    const names = ALL_METRICS.map((m) => m.name);
    const otel = ALL_METRICS.map((m) => m.otelName);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(otel).size).toBe(otel.length);
    for (const m of ALL_METRICS) {
      expect(m.name).toMatch(/^mapwatch_[a-z_]+[a-z]$/);
      expect(m.otelName).toMatch(/^mapwatch\.[a-z_.]+[a-z]$/);
      expect(m.help).toMatch(/^[A-Z].*\.$/);
      expect(m.name.endsWith('_total')).toBe(m.type === 'counter');
      expect(m.buckets !== undefined).toBe(m.type === 'histogram');
    }
  });

  it('no series name of one metric collides with another metric', () => {
    const all = ALL_METRICS.flatMap(seriesNames);
    expect(new Set(all).size).toBe(all.length);
    for (const m of ALL_METRICS) for (const s of seriesNames(m)) expect(metricBySeriesName(s)).toBe(m);
  });

  it('uses only the declared label names, with map_name first wherever a map is meant', () => {
    const declared = new Set<string>(Object.values(LABELS));
    for (const m of ALL_METRICS) {
      for (const l of m.labels) expect(declared.has(l), `${m.name} label ${l}`).toBe(true);
      if (m.family !== 'registry') expect(m.labels[0]).toBe(LABELS.mapName);
    }
  });

  it('has a sample builder for every metric', () => {
    expect(missingBuilders()).toEqual([]);
  });

  it.each(ALL_METRICS.map((m) => [m.name, m] as const))(
    '%s: the OTel JS exporter, the older collector rule and the current translator all give the name',
    (name, m) => {
      expect(otelJsExporterName(m)).toBe(name);
      expect(collectorName(m)).toBe(name);
      expect(otlpTranslatorName(m)).toBe(name);
    },
  );

  it('the collector rule port behaves as documented on known examples', () => {
    expect(collectorName({ ...base, otelName: 'http.server.duration', unit: 's', type: 'histogram' })).toBe(
      'http_server_duration_seconds',
    );
    expect(collectorName({ ...base, otelName: 'system.cpu.utilization', unit: '1', type: 'gauge' })).toBe(
      'system_cpu_utilization_ratio',
    );
    expect(collectorName({ ...base, otelName: 'requests', unit: '{request}', type: 'counter' })).toBe(
      'requests_total',
    );
    expect(collectorName({ ...base, otelName: 'net.io', unit: 'By/s', type: 'gauge' })).toBe(
      'net_io_bytes_per_second',
    );
  });

  it('the current translator port behaves as its source does on known examples', () => {
    const name = (otelName: string, unit: string, type: 'gauge' | 'counter' | 'histogram') =>
      otlpTranslatorName({ ...base, otelName, unit, type });
    expect(name('http.server.request.duration', 's', 'histogram')).toBe(
      'http_server_request_duration_seconds',
    );
    expect(name('memory.usage', 'By', 'gauge')).toBe('memory_usage_bytes');
    expect(name('requests.count', '1', 'counter')).toBe('requests_count_total');
    expect(name('net.io', 'By/s', 'gauge')).toBe('net_io_bytes_per_second');
    // The case issue 10 found: a name ending in per_second with a `/s` unit gets the suffix twice.
    expect(name('mapwatch.map.growth.per_second', '{entry}/s', 'gauge')).toBe(
      'mapwatch_map_growth_per_second_per_second',
    );
  });
});
