/**
 * Reading recorded series for `mapwatch analyze`: a Prometheus `query_range` response (a matrix), or a
 * `timestamp,value` CSV, into raw series; then grouping those series into one row per map identity.
 *
 * Every input takes bounded time: the caller caps the text's size, timestamps outside 1970..2200 are
 * refused, and nothing loops over time itself (only over the samples given).
 *
 * CSV rules: one `timestamp,value` pair per line; an optional header line (a first line whose timestamp
 * is not a number); blank lines and lines starting with `#` are skipped. Timestamps are Unix time in
 * seconds, or in milliseconds when their magnitude is at least 1e11 (1e11 s is the year 5138, 1e11 ms is
 * 1973, so the two cannot be confused for real data). Fractions are allowed. A CSV is one series of
 * entries.
 *
 * Samples, both formats: points are sorted by time; of several points with one timestamp the last one
 * in the input wins. A value that is NaN or infinite (`NaN`, `+Inf`, `-Inf`, as Prometheus writes them),
 * negative (counts, ages and ratios never are) or above 2^53 is skipped and counted in `SkipCounts`; any
 * other value that is not a number is refused.
 */
import { METRICS, LABELS } from '../../conventions.js';
import { describeText, show } from './describe.js';
import { labelKey, sortedLabelEntries } from '../../export/samples.js';

export interface Point {
  /** ms since epoch */
  readonly t: number;
  readonly v: number;
}

export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  /** Sorted by time, one point per timestamp. */
  readonly points: readonly Point[];
}

/** Samples dropped while reading, by why. */
export interface SkipCounts {
  /** NaN, +Inf or -Inf. */
  nonFinite: number;
  /** Below zero. */
  negative: number;
  /** Above 2^53: no map holds that many entries, and such numbers are no longer exact. */
  tooLarge: number;
  /** Earlier points replaced by a later one with the same timestamp (the last one wins). */
  duplicates: number;
}

export interface ParsedInput {
  readonly series: Series[];
  readonly skipped: SkipCounts;
}

/** Bad input: the message (one line) says what is wrong and what is expected. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Earliest and latest accepted timestamps, ms since epoch: 1970-01-01 and 2200-01-01 (UTC). */
export const MIN_TIME_MS = 0;
export const MAX_TIME_MS = Date.UTC(2200, 0, 1);
/** Largest accepted value: 2^53. */
export const MAX_VALUE = 2 ** 53;

const EXPECTED_JSON =
  'expected a Prometheus /api/v1/query_range response: {"status":"success","data":{"resultType":"matrix","result":[{"metric":{...},"values":[[<unix seconds>,"<value>"],...]}]}}';
const EXPECTED_CSV =
  'expected "timestamp,value" per line (Unix seconds, or milliseconds when >= 1e11), an optional header';

export function emptySkipCounts(): SkipCounts {
  return { nonFinite: 0, negative: 0, tooLarge: 0, duplicates: 0 };
}

/** Parses either format: JSON when the first non-blank character is `{` or `[`, CSV otherwise. */
export function parseSeriesText(text: string, source: string): ParsedInput {
  const body = stripBom(text);
  const trimmed = body.trimStart();
  if (trimmed.length === 0) throw new InputError(`${source} is empty; ${EXPECTED_JSON}, or ${EXPECTED_CSV}`);
  return trimmed.startsWith('{') || trimmed.startsWith('[')
    ? parseQueryRange(body, source)
    : parseCsv(body, source);
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function parseQueryRange(text: string, source: string): ParsedInput {
  let doc: unknown;
  try {
    doc = JSON.parse(stripBom(text));
  } catch (err) {
    // V8 quotes a piece of the input, which may hold line breaks: keep the message on one line.
    const why = (err as Error).message.replace(/\s+/g, ' ').slice(0, 200);
    throw new InputError(`${source} is not valid JSON (${why}); ${EXPECTED_JSON}`);
  }
  if (!isRecord(doc)) throw new InputError(`${source}: the JSON is not an object; ${EXPECTED_JSON}`);
  if (doc.status === 'error') {
    throw new InputError(
      `${source} is a Prometheus error response (${describeText(doc.errorType)}: ${describeText(doc.error)}); re-run the query`,
    );
  }
  const data = doc.data;
  if (!isRecord(data)) throw new InputError(`${source}: no "data" object; ${EXPECTED_JSON}`);
  if (data.resultType !== 'matrix') {
    throw new InputError(
      `${source}: resultType is ${show(data.resultType)}, not "matrix" (use /api/v1/query_range, not /api/v1/query); ${EXPECTED_JSON}`,
    );
  }
  if (!Array.isArray(data.result))
    throw new InputError(`${source}: data.result is not an array; ${EXPECTED_JSON}`);
  return parseMatrix(data.result, source);
}

/**
 * The `data.result` array of a matrix response. Items with the same label set (a series split over
 * several responses) are merged into one series.
 */
export function parseMatrix(result: readonly unknown[], source: string): ParsedInput {
  const skipped = emptySkipCounts();
  const merged = new Map<string, { labels: Record<string, string>; points: Point[] }>();
  result.forEach((item: unknown, i: number) => {
    if (!isRecord(item) || !isRecord(item.metric) || !Array.isArray(item.values)) {
      throw new InputError(
        `${source}: data.result[${i}] needs "metric" (object) and "values" (array); ${EXPECTED_JSON}`,
      );
    }
    const labels = readLabels(item.metric, `${source}: data.result[${i}].metric`);
    const key = labelKey(labels);
    let target = merged.get(key);
    if (!target) {
      target = { labels, points: [] };
      merged.set(key, target);
    }
    const points = target.points;
    item.values.forEach((pair: unknown, j: number) => {
      const where = `${source}: data.result[${i}].values[${j}]`;
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new InputError(`${where} is not a [timestamp, "value"] pair; ${EXPECTED_JSON}`);
      }
      const seconds = toNumber(pair[0]);
      if (seconds === undefined || !Number.isFinite(seconds)) {
        throw new InputError(`${where} has a bad timestamp ${show(pair[0])}; expected Unix seconds`);
      }
      const t = seconds * 1000;
      checkTime(t, `${where} has timestamp ${show(pair[0])}`, 'seconds', 'json');
      const v = readValue(pair[1], skipped);
      if (v === 'bad') {
        throw new InputError(
          `${where} has a bad value ${show(pair[1])}; expected a number as a string ("12", "NaN", "+Inf")`,
        );
      }
      if (v !== undefined) points.push({ t, v });
    });
  });
  const series = [...merged.values()].map((s) => ({
    labels: s.labels,
    points: normalize(s.points, skipped),
  }));
  return { series, skipped };
}

/**
 * A series' labels. Prometheus writes every label value as a string; anything else is refused, naming
 * the label, rather than converted with String() (which overflows the stack on a deeply nested array).
 */
function readLabels(metric: Record<string, unknown>, where: string): Record<string, string> {
  // No prototype: a label named __proto__ (JSON.parse makes it an own key) is then a label like any
  // other; on `{}` the assignment set the prototype instead, and two series merged into one.
  const labels = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(metric)) {
    if (typeof v !== 'string') {
      throw new InputError(
        `${where} label ${show(k)} has the value ${show(v)}, not a string; label values are strings ("api")`,
      );
    }
    labels[k] = v;
  }
  return labels;
}

export function parseCsv(text: string, source: string): ParsedInput {
  const skipped = emptySkipCounts();
  const points: Point[] = [];
  const lines = stripBom(text).split(/\r?\n/);
  let sawContent = false;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(',').map((f) => f.trim());
    const isFirst = !sawContent;
    sawContent = true;
    if (fields.length !== 2) {
      throw new InputError(`${source}:${n + 1}: ${fields.length} fields in ${show(line)}; ${EXPECTED_CSV}`);
    }
    const [ts, vs] = fields as [string, string];
    const raw = toNumber(ts);
    if (raw === undefined || !Number.isFinite(raw)) {
      if (isFirst) continue; // the header
      throw new InputError(`${source}:${n + 1}: timestamp ${show(ts)} is not a number; ${EXPECTED_CSV}`);
    }
    const ms = Math.abs(raw) >= 1e11;
    const t = ms ? raw : raw * 1000;
    checkTime(t, `${source}:${n + 1}: timestamp ${show(ts)}`, ms ? 'milliseconds' : 'seconds', 'csv');
    const v = readValue(vs, skipped);
    if (v === 'bad')
      throw new InputError(`${source}:${n + 1}: value ${show(vs)} is not a number; ${EXPECTED_CSV}`);
    if (v !== undefined) points.push({ t, v });
  }
  if (points.length === 0 && skipped.nonFinite + skipped.negative + skipped.tooLarge === 0)
    throw new InputError(`${source}: no data rows; ${EXPECTED_CSV}`);
  return { series: [{ labels: { source }, points: normalize(points, skipped) }], skipped };
}

/** A JSON number, or a string holding one; undefined for anything else. */
function toNumber(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  if (typeof x !== 'string' || x.trim() === '') return undefined;
  const n = Number(x);
  return Number.isNaN(n) ? undefined : n;
}

const NON_FINITE = /^[+-]?(?:inf|infinity|nan)$/i;

/** The value to keep, undefined when skipped (and counted), 'bad' when not a number at all. */
function readValue(x: unknown, skipped: SkipCounts): number | undefined | 'bad' {
  if (typeof x === 'string' && NON_FINITE.test(x.trim())) {
    skipped.nonFinite++;
    return undefined;
  }
  const v = toNumber(x);
  if (v === undefined) return 'bad';
  if (!Number.isFinite(v)) skipped.nonFinite++;
  else if (v < 0) skipped.negative++;
  else if (v > MAX_VALUE) skipped.tooLarge++;
  else return v;
  return undefined;
}

/**
 * Refuses a time outside 1970..2200. `format`: a CSV takes Unix seconds or milliseconds (>= 1e11); a
 * query_range answer always has seconds, as Prometheus writes them (its message once offered the CSV's
 * milliseconds rule, and then refused 1700000000000).
 */
function checkTime(t: number, what: string, unit: 'seconds' | 'milliseconds', format: 'csv' | 'json'): void {
  if (!(t >= MIN_TIME_MS && t <= MAX_TIME_MS)) {
    const expected =
      format === 'csv'
        ? 'expected Unix seconds, or milliseconds when >= 1e11'
        : 'a query_range answer has Unix seconds, as Prometheus writes them (divide milliseconds by 1000)';
    throw new InputError(`${what} is outside 1970..2200 (read as Unix ${unit}); ${expected}`);
  }
}

/** Sorts by time (stably) and keeps the last point of each timestamp. */
function normalize(points: Point[], skipped: SkipCounts): Point[] {
  const sorted = points.map((p, i) => ({ p, i })).sort((a, b) => a.p.t - b.p.t || a.i - b.i);
  const out: Point[] = [];
  for (const { p } of sorted) {
    if (out.length > 0 && out[out.length - 1]!.t === p.t) {
      out[out.length - 1] = p;
      skipped.duplicates++;
    } else out.push(p);
  }
  return out;
}

/** `{map_name="users", job="api"}`, `__name__` first as the metric name. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const { __name__: name, ...rest } = labels;
  const inner = Object.entries(rest)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  return `${name ?? ''}{${inner}}`;
}

// ---------------------------------------------------------------------------------------------------
// One row per map identity.

/**
 * The families `analyze` reads, by the Observation field (or row field) each one feeds. Only entries is
 * required; the never-read ratio is read and grouped but the detector's Observation has no field for it.
 */
export const FAMILIES = {
  entries: METRICS.entries,
  inserts: METRICS.inserts,
  deletes: METRICS.deletes,
  oldestAgeSeconds: METRICS.oldestSampledAge,
  neverReadRatio: METRICS.sampledNeverRead,
  instances: METRICS.instances,
  maxEntries: METRICS.declaredMaxEntries,
  ttlSeconds: METRICS.declaredTtl,
} as const;
export type FamilyKey = keyof typeof FAMILIES;
export const FAMILY_KEYS = Object.keys(FAMILIES) as FamilyKey[];

/** Labels that do not tell maps apart: entries are summed over kinds, deletes over causes. */
export const NON_IDENTITY_LABELS: readonly string[] = ['__name__', LABELS.mapKind, LABELS.cause];

/** One map identity: its entries and whatever other families the input held for it. */
export interface MapRow {
  /** The identity: the series' labels without `__name__`, `map_kind` and `cause`. */
  readonly labels: Readonly<Record<string, string>>;
  /** Sorted by time; entries summed over `map_kind` at each timestamp. */
  readonly entries: readonly Point[];
  /** The other families, sorted by time; deletes summed over `cause`. Counters stay cumulative. */
  readonly families: Readonly<Partial<Record<Exclude<FamilyKey, 'entries'>, readonly Point[]>>>;
}

export interface GroupedInput {
  /** Sorted by their formatted identity, so the order never depends on the input's order. */
  readonly rows: MapRow[];
  /** Series of metrics `analyze` does not read, by metric name. */
  readonly ignored: ReadonlyMap<string, number>;
  /** Identities that had other families but no entries series (not analyzed). */
  readonly withoutEntries: number;
}

const FAMILY_BY_NAME = new Map<string, FamilyKey>(FAMILY_KEYS.map((k) => [FAMILIES[k].name, k]));

/**
 * Groups raw series into rows. A series without `__name__` (a CSV, or the result of `sum(...)`) is
 * entries. Entries are summed over `map_kind` at each timestamp (the kinds with a sample there, as
 * PromQL's `sum` does); deletes are summed over `cause`, each cause counting with its latest value at or
 * before the timestamp (a counter does not drop because one cause missed a sample). The other
 * families have neither label, so they hold one series per identity.
 */
export function groupRows(series: readonly Series[]): GroupedInput {
  const ignored = new Map<string, number>();
  const byIdentity = new Map<
    string,
    { labels: Record<string, string>; parts: Map<FamilyKey, { key: string; points: readonly Point[] }[]> }
  >();
  for (const s of series) {
    const name = s.labels.__name__;
    const family = name === undefined ? 'entries' : FAMILY_BY_NAME.get(name);
    if (family === undefined) {
      ignored.set(name!, (ignored.get(name!) ?? 0) + 1);
      continue;
    }
    // Labels in name order, so that neither the row nor its key depends on the input's label order.
    // No prototype, as readLabels: a label named __proto__ stays a label (found by review).
    const identity = Object.create(null) as Record<string, string>;
    for (const [k, v] of sortedLabelEntries(s.labels)) if (!NON_IDENTITY_LABELS.includes(k)) identity[k] = v;
    const key = JSON.stringify(Object.entries(identity));
    let group = byIdentity.get(key);
    if (!group) {
      group = { labels: identity, parts: new Map() };
      byIdentity.set(key, group);
    }
    const list = group.parts.get(family) ?? [];
    list.push({ key: labelKey(s.labels), points: s.points });
    group.parts.set(family, list);
  }
  const rows: MapRow[] = [];
  let withoutEntries = 0;
  for (const { labels, parts } of byIdentity.values()) {
    const entries = parts.get('entries');
    if (!entries) {
      withoutEntries++;
      continue;
    }
    // Summed in label order: floating-point sums then never depend on the order of the input's series.
    const ordered = (list: { key: string; points: readonly Point[] }[]) =>
      [...list].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((x) => x.points);
    const families: Partial<Record<Exclude<FamilyKey, 'entries'>, readonly Point[]>> = {};
    for (const [family, list] of parts) {
      if (family !== 'entries')
        families[family] = sumSeries(ordered(list), family === 'deletes' ? 'carry' : 'exact');
    }
    rows.push({ labels, entries: sumSeries(ordered(entries), 'exact'), families });
  }
  const keyed = rows.map((r) => ({ r, k: formatLabels(r.labels) }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return { rows: keyed.map((x) => x.r), ignored, withoutEntries };
}

/**
 * Sums sorted series over the union of their timestamps. `exact`: the series with a point at that
 * timestamp. `carry`: every series that has started, with its latest value at or before it.
 * O(n log n) in the number of points, whatever the number of series.
 */
export function sumSeries(list: readonly (readonly Point[])[], mode: 'exact' | 'carry'): Point[] {
  if (list.length === 1) return [...list[0]!];
  if (mode === 'exact') {
    const sums = new Map<number, number>();
    for (const pts of list) for (const p of pts) sums.set(p.t, (sums.get(p.t) ?? 0) + p.v);
    return [...sums].map(([t, v]) => ({ t, v })).sort((a, b) => a.t - b.t);
  }
  const events = list.flatMap((pts, i) => pts.map((p) => ({ t: p.t, v: p.v, i })));
  events.sort((a, b) => a.t - b.t);
  const latest = list.map(() => 0);
  let total = 0;
  const out: Point[] = [];
  for (let e = 0; e < events.length;) {
    const t = events[e]!.t;
    for (; e < events.length && events[e]!.t === t; e++) {
      const { v, i } = events[e]!;
      total += v - latest[i]!;
      latest[i] = v;
    }
    out.push({ t, v: total });
  }
  return out;
}
