/**
 * Config -> Prometheus rule groups. Each alert is one entry of ALERT_DEFS: its name, static summary,
 * templated description, expression builder and the panel that shows its own condition. Anti-flap is built
 * into the expressions (floors with min_over_time, averages over windows, threshold AND trend) and into
 * `for` / `keep_firing_for` from config. Values appear only in annotations; labels are static so that an
 * alert's identity never changes.
 *
 * An expression is its value condition (the quantity `$value` shows, compared with its threshold) followed by
 * its guards, each on a line of its own that starts with `and on (...)` or `unless on (...)`; the promtool
 * tests pin every guard (rule-tests.ts) and delete each in turn (test/pack/promtool.test.ts).
 *
 * The long windows of the growth alerts are read through `Terms`: with `recordingRules` on they become
 * recording rules (`instance_map:<metric>:<op><window>`, `job_map:<metric>:<op>`, `instance:<metric>:count`,
 * Prometheus' level:metric:operations naming), evaluated in the alerts' own group just before them so that
 * an alert sees the recorded value of the same evaluation; with it off, the same windows are written inline.
 */
import { LABELS, METRICS, type MetricSpec } from '../conventions.js';
import { type AlertKey, type PackConfig, type Severity } from './config.js';
import { formatDuration, parseDuration } from './duration.js';
import { ceilingVariable, live } from './live.js';
import { by, histogramSeries, jobMapLabels, mapLabels, num, on, selector, targetLabels } from './promql.js';
import { PROMETHEUS_SERIES } from './series.js';

/** Which rule group an alert lives in. */
export type RuleGroupName = 'mapwatch-growth' | 'mapwatch-locks' | 'mapwatch-shape' | 'mapwatch-meta';

/** The quantity an alert compares, as a dashboard panel draws it: the expression and its threshold. */
export interface ConditionPanel {
  expr: string;
  /** The alert's threshold on that quantity, drawn as a line; absent where it is not a fixed number. */
  threshold?: number;
  unit: string;
  /** The quantity is per target, not per map (the memory alerts): its legend names the instance only. */
  perTarget?: boolean;
}

export interface AlertDef {
  key: AlertKey;
  name: string;
  group: RuleGroupName;
  /**
   * Value of the `signal` label. Alertmanager inhibits a warning by a critical alert of the same signal on
   * the same map (see alertmanager.ts), so related alerts share it.
   */
  signal: string;
  /** `map`: one alert per map name; `target`: one per scrape target (registry-wide signals). */
  scope: 'map' | 'target';
  /** A target-scope alert that is per job (job and groupBy labels, no instance): one alert for the job. */
  perJob?: true;
  summary: string;
  description: (c: PackConfig) => string;
  expr: (c: PackConfig, t: Terms) => string;
  /**
   * The alert's own condition for its dashboard panel, built with the same helpers from a config whose
   * selector carries the dashboard's variables (see dashboards.ts).
   */
  panel: (c: PackConfig, t: Terms) => ConditionPanel;
}

export interface PromRule {
  alert: string;
  expr: string;
  for: string;
  keep_firing_for?: string;
  labels: { severity: Severity | 'none'; signal: string } & Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string; dashboard_url: string };
}

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface RuleGroup {
  name: RuleGroupName;
  interval: string;
  rules: Array<RecordingRule | PromRule>;
}

const WHERE = 'map {{ $labels.map_name }} (job {{ $labels.job }}, instance {{ $labels.instance }})';
const CWHERE = `${WHERE.charAt(0).toUpperCase()}${WHERE.slice(1)}`;
const TARGET = 'job {{ $labels.job }}, instance {{ $labels.instance }}';
const CTARGET = `J${TARGET.slice(1)}`;

/**
 * A config as the dashboards build panels from it: `targetSelector` holds the matchers of series that are
 * per scrape target (process memory, scrape health, registry metrics), which carry no map_name.
 */
export type ScopedConfig = PackConfig & { targetSelector?: string };

/** Selector of a series of a map with the configured matchers plus `extra`. */
const s = (c: PackConfig, series: string, ...extra: string[]) => selector(series, c.selector, ...extra);
/** Selector of a series of a scrape target (no map_name). */
const ts = (c: ScopedConfig, series: string, ...extra: string[]) =>
  selector(series, c.targetSelector ?? c.selector, ...extra);
const G = (c: PackConfig) => by(mapLabels(c.groupBy));
const ON = (c: PackConfig) => on(mapLabels(c.groupBy));
const J = (c: PackConfig) => by(jobMapLabels(c.groupBy));
const T = (c: PackConfig) => by(targetLabels(c.groupBy));
/** The labels of a job: job and the groupBy labels. */
const jobLabels = (c: PackConfig) => ['job', ...c.groupBy];
const JB = (c: PackConfig) => by(jobLabels(c));
const ONT = (c: PackConfig) => on(targetLabels(c.groupBy));

/** Escapes a label value for a PromQL string literal. */
const labelValue = (v: string) => JSON.stringify(v);

/** `map_name!~"a|b"` for the maps that grow by design (`excludeMaps`), or nothing. */
export function excluded(c: PackConfig): string[] {
  if (c.excludeMaps.length === 0) return [];
  const re = c.excludeMaps.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return [`${LABELS.mapName}!~${labelValue(re)}`];
}

/**
 * Name of a recorded series, Prometheus style: `level:metric:operations`. The level names the labels
 * kept (`instance_map`: job, instance, map_name; `job_map`: job, map_name; `instance`: job, instance; plus
 * the groupBy labels), the metric is the table's name (a counter without `_total` once rated), the
 * operations the window.
 */
export function recordName(
  level: 'instance_map' | 'job_map' | 'instance' | 'job',
  m: MetricSpec | string,
  op: string,
): string {
  const name = typeof m === 'string' ? m : m.name;
  const counter = typeof m !== 'string' && m.type === 'counter';
  const base = counter && op !== 'count' ? name.replace(/_total$/, '') : name;
  return `${level}:${base}:${op}`;
}

/**
 * The windowed terms of the growth alerts, recorded or inline (`recordingRules`). Recording rules are
 * collected in the order the alerts first use them, so a rule reading another recorded series comes
 * after it in the group.
 */
export class Terms {
  private readonly pending: RecordingRule[] = [];
  private readonly seen = new Set<string>();
  constructor(readonly c: PackConfig) {}

  private record(name: string, expr: string): string {
    if (!this.seen.has(name)) {
      this.seen.add(name);
      this.pending.push({ record: name, expr });
    }
    return name;
  }

  /** The recording rules used since the last call. */
  take(): RecordingRule[] {
    return this.pending.splice(0);
  }

  /**
   * `sum by (job, instance, map_name) (fn(metric[window]))`, `offset` ago, for the maps `extra` selects
   * (recorded series are recorded for every map and filtered where they are read).
   */
  perInstance(
    m: MetricSpec,
    fn: 'min_over_time' | 'max_over_time' | 'increase',
    window: string,
    offset?: string,
    extra: string[] = [],
  ): string {
    const c = this.c;
    const off = offset ? ` offset ${offset}` : '';
    if (!c.recordingRules) return `sum ${G(c)} (${fn}(${s(c, m.name, ...extra)}[${window}]${off}))`;
    const name = this.record(
      recordName('instance_map', m, `${fn}${window}`),
      `sum ${G(c)} (${fn}(${s(c, m.name)}[${window}]))`,
    );
    return `${extra.length ? `${name}{${extra.join(', ')}}` : name}${off}`;
  }

  /** `sum by (job, instance, map_name) (predict_linear(entries[predictWindow], horizon))`, per map selector. */
  predicted(...extra: string[]): string {
    const c = this.c;
    const w = c.growth.predictWindow;
    const horizon = num(parseDuration(c.growth.predictHorizon));
    const inline = (...x: string[]) =>
      `sum ${G(c)} (predict_linear(${s(c, METRICS.entries.name, ...x)}[${w}], ${horizon}))`;
    if (!c.recordingRules) return inline(...extra);
    const name = this.record(
      recordName('instance_map', METRICS.entries, `predict_linear${w}_${c.growth.predictHorizon}`),
      inline(),
    );
    return extra.length ? `${name}{${extra.join(', ')}}` : name;
  }

  /**
   * The job's peak of `metric` (summed per instance, highest instance) over `window`, one window ago:
   * "yesterday" of any instance of the job, so a new instance label (a restart, a new pod) keeps it.
   */
  jobPeak(m: MetricSpec, window: string): string {
    const c = this.c;
    if (!c.recordingRules) {
      return `max ${J(c)} (sum ${G(c)} (max_over_time(${s(c, m.name)}[${window}] offset ${window})))`;
    }
    const max = this.record(recordName('job_map', m, 'max'), `max ${J(c)} (sum ${G(c)} (${s(c, m.name)}))`);
    const peak = this.record(
      recordName('job_map', m, `max_over_time${window}`),
      `max_over_time(${max}[${window}])`,
    );
    return `${peak} offset ${window}`;
  }

  /**
   * Per target: the series of `m` it exported within `lookback` and none of them now, labelled with
   * `metric`. Recorded as one count per target (`instance:<metric>:count`), so the lookback reads one
   * series per target instead of every series of the family.
   */
  familyGone(m: MetricSpec, lookback: string): string {
    const c = this.c;
    const tag = (x: string) => `label_replace(${x}, "metric", ${labelValue(m.name)}, "", "")`;
    if (!c.recordingRules) {
      const sel = ts(c, m.name);
      return tag(`count ${T(c)} (present_over_time(${sel}[${lookback}])) unless count ${T(c)} (${sel})`);
    }
    const n = this.record(recordName('instance', m, 'count'), `count ${T(c)} (${ts(c, m.name)})`);
    return tag(`max_over_time(${n}[${lookback}]) unless ${n}`);
  }

  /**
   * Per job: the series of `m` its instances exported within `lookback` and none of them now, labelled with
   * `metric`. Recorded as one count per job (`job:<metric>:count`, the sum of the per-target counts), so the
   * lookback reads one series per job.
   */
  jobFamilyGone(m: MetricSpec, lookback: string): string {
    const c = this.c;
    const tag = (x: string) => `label_replace(${x}, "metric", ${labelValue(m.name)}, "", "")`;
    if (!c.recordingRules) {
      const sel = ts(c, m.name);
      return tag(`count ${JB(c)} (present_over_time(${sel}[${lookback}])) unless count ${JB(c)} (${sel})`);
    }
    const n = this.record(recordName('instance', m, 'count'), `count ${T(c)} (${ts(c, m.name)})`);
    const j = this.record(recordName('job', m, 'count'), `sum ${JB(c)} (${n})`);
    return tag(`max_over_time(${j}[${lookback}]) unless ${j}`);
  }

  /**
   * Per job: it had `up` series (Prometheus or vmagent scraped it) within `lookback`. Recorded as one count
   * of targets per job (`job:up:count`).
   */
  jobScraped(lookback: string): string {
    const c = this.c;
    const sel = ts(c, PROMETHEUS_SERIES.up);
    if (!c.recordingRules) return `count ${JB(c)} (present_over_time(${sel}[${lookback}]))`;
    const n = this.record(recordName('job', PROMETHEUS_SERIES.up, 'count'), `count ${JB(c)} (${sel})`);
    return `max_over_time(${n}[${lookback}])`;
  }
}

/** Rise of the floor (lowest value in a window) against the window just before it. */
function floorRise(t: Terms, m: MetricSpec, window: string, extra: string[] = []): string {
  return (
    `${t.perInstance(m, 'min_over_time', window, undefined, extra)}\n` +
    `  - ${t.perInstance(m, 'min_over_time', window, window)}`
  );
}

/** Entries the map gained from writes in the window: inserts minus deletes (deletes may never have been emitted). */
function netInserts(t: Terms, window: string, extra: string[] = []): string {
  const ins = t.perInstance(METRICS.inserts, 'increase', window, undefined, extra);
  const del = t.perInstance(METRICS.deletes, 'increase', window);
  return `${ins}\n  - (${del} or 0 * ${ins})`;
}

/** `sum by (...) (rate(series{...}[w]))`. */
function rateSum(c: PackConfig, series: string, window: string, ...extra: string[]): string {
  return `sum ${G(c)} (rate(${s(c, series, ...extra)}[${window}]))`;
}

/** `sum by (...) (increase(series{...}[w]))`. */
function increaseSum(c: PackConfig, series: string, window: string, ...extra: string[]): string {
  return `sum ${G(c)} (increase(${s(c, series, ...extra)}[${window}]))`;
}

/** Entries of the map now, summed over its series. */
const entriesNow = (c: PackConfig, ...extra: string[]) =>
  `sum ${G(c)} (${s(c, METRICS.entries.name, ...extra)})`;

/**
 * The count now is above the job's peak of "yesterday" (the peak window, one peak window ago, of any
 * instance of the job). Daily cycles and refills after a restart stay below it, also under a new instance
 * label; a leak does not. No data from yesterday means no alert.
 */
function aboveYesterdaysPeak(c: PackConfig, t: Terms, m: MetricSpec, peakWindow: string): string {
  return (
    `sum ${G(c)} (${s(c, m.name)})\n` +
    `  > ${on(jobMapLabels(c.groupBy))} group_left\n  ${t.jobPeak(m, peakWindow)}`
  );
}

/** Within its declared maxEntries: never a leak. Maps that declare none export no bound series. */
function withinDeclaredMax(c: PackConfig): string {
  return `${entriesNow(c)}\n  <= ${ON(c)} sum ${G(c)} (${s(c, METRICS.declaredMaxEntries.name)})`;
}

/** Oldest sampled entry within the declared TTL (times the slack): bounded in age, never a leak. */
function withinDeclaredTtl(c: PackConfig): string {
  return (
    `max ${G(c)} (${s(c, METRICS.oldestSampledAge.name)})\n` +
    `  <= ${ON(c)} max ${G(c)} (${s(c, METRICS.declaredTtl.name)}) * ${num(c.fresh.ttlSlack)}`
  );
}

/** Seconds the oldest sampled entry must age by within the fresh window. */
export function freshAgeThreshold(c: PackConfig): number {
  return Math.round(parseDuration(c.fresh.window) * c.fresh.ageRatio * 1000) / 1000;
}

/** The per-map ceilings, sorted, and the matchers of the maps that use the default ceiling. */
function ceilingClauses(c: PackConfig): { overrides: Array<[string, number]>; others: string[] } {
  const overrides = Object.entries(c.growth.ceilings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { overrides, others: overrides.map(([name]) => `${LABELS.mapName}!=${labelValue(name)}`) };
}

/** `term(matchers) <op> share * ceiling`, one clause per map with its own ceiling. */
function perCeiling(c: PackConfig, term: (...x: string[]) => string, op: '>' | '>=', share = 1): string {
  const { overrides, others } = ceilingClauses(c);
  const limit = (v: number) => num(Math.round(v * share * 1e6) / 1e6);
  if (overrides.length === 0) return `${term()} ${op} ${limit(c.growth.ceiling)}`;
  return (
    `(\n  ${term(...others)} ${op} ${limit(c.growth.ceiling)}\n` +
    overrides
      .map(
        ([name, ceiling]) =>
          `  or ${term(`${LABELS.mapName}=${labelValue(name)}`)} ${op} ${limit(ceiling)}\n`,
      )
      .join('') +
    ')'
  );
}

/** predict_linear of the entries compared with the ceiling, one clause per map with its own ceiling. */
function ceilingCrossed(c: PackConfig, t: Terms): string {
  return perCeiling(c, (...x) => t.predicted(...excluded(c), ...x), '>');
}

/** The entries now at or above `pageAboveShare` of the map's ceiling (little headroom left now). */
function littleHeadroom(c: PackConfig): string {
  return perCeiling(c, (...x) => entriesNow(c, ...x), '>=', c.growth.pageAboveShare);
}

/** The memory limit per target: the limit series, or the fixed limit in bytes. */
function memoryLimit(c: ScopedConfig): string {
  return c.memory.limitSeries ? `max ${T(c)} (${ts(c, c.memory.limitSeries)})` : num(c.memory.limitBytes);
}

/** Memory in use over its limit, per target; `usage` reads the usage series per target. */
function memoryShare(c: ScopedConfig, usage: (sel: string) => string): string {
  return `${usage(ts(c, c.memory.usageSeries))} / ${memoryLimit(c)}`;
}

/** A per-target value put on every map of the target: `0 * entries + on (target) group_left value`. */
function onEveryMap(c: PackConfig, perTarget: string): string {
  return `0 * ${entriesNow(c)}\n  + ${ONT(c)} group_left ()\n  (${perTarget})`;
}

/** The map grew over `window`: inserts minus deletes reach `memory.minNetShare` of its entries (and minNetInserts). */
function mapGrew(c: PackConfig, t: Terms): string {
  return (
    `(\n  ${netInserts(t, c.memory.window)}\n) >= ${ON(c)} ` +
    `clamp_min(${num(c.memory.minNetShare)} * ${entriesNow(c)}, ${num(c.memory.minNetInserts)})`
  );
}

/** A mapwatch target: it exports the registry gauge (so the scrape health alerts are about mapwatch targets). */
const mapwatchTarget = (c: ScopedConfig) => `count ${T(c)} (${ts(c, METRICS.registryMaps.name)})`;

/** Families a target with maps exports in every scrape: one of them gone is a collection that failed. */
export const ALWAYS_EXPORTED: readonly MetricSpec[] = [
  METRICS.entries,
  METRICS.instances,
  METRICS.lookups,
  METRICS.inserts,
  METRICS.updates,
  METRICS.deletes,
  METRICS.registryMaps,
  METRICS.registryOverflow,
  METRICS.collectErrors,
];

const { scrapeDuration, scrapeSamples, up, alerts: ALERTS } = PROMETHEUS_SERIES;

export const ALERT_DEFS: readonly AlertDef[] = [
  {
    key: 'growth',
    name: 'MapwatchMapGrowingUnbounded',
    group: 'mapwatch-growth',
    signal: 'growth',
    scope: 'map',
    summary:
      "A map keeps growing: its floor rises, inserts outpace deletes and it is above yesterday's peak.",
    description: (c) =>
      `The lowest entry count of ${WHERE} rose by {{ $value | humanize }} entries against the previous ` +
      `${c.growth.window}; it holds ${live(c, { kind: 'entries' })} entries now and grows ` +
      `${live(c, { kind: 'growthPerHour', window: c.growth.window })} entries per hour (trend of the last ${c.growth.window}). ` +
      `Inserts outpaced deletes over the last ${c.growth.window}, and it holds more ` +
      `entries than any instance of its job at its peak of the ${c.growth.peakWindow} that ended ${c.growth.peakWindow} ago. ` +
      'No declared bound (maxEntries, TTL) holds it.',
    expr: (c, t) =>
      `(\n  ${floorRise(t, METRICS.entries, c.growth.window, excluded(c))}\n) >= ${num(c.growth.minFloorRise)}\n` +
      `and ${ON(c)}\n(\n  ${netInserts(t, c.growth.window)}\n) >= ${num(c.growth.minFloorRise)}\n` +
      `and ${ON(c)}\n(\n  ${aboveYesterdaysPeak(c, t, METRICS.entries, c.growth.peakWindow)}\n)\n` +
      `unless ${ON(c)}\n(\n  ${withinDeclaredMax(c)}\n)\n` +
      `unless ${ON(c)}\n(\n  ${withinDeclaredTtl(c)}\n)`,
    panel: (c, t) => ({
      expr: floorRise(t, METRICS.entries, c.growth.window),
      threshold: c.growth.minFloorRise,
      unit: METRICS.entries.grafanaUnit,
    }),
  },
  {
    key: 'freshLeak',
    name: 'MapwatchMapLeakFreshTarget',
    group: 'mapwatch-growth',
    signal: 'growth',
    scope: 'map',
    summary:
      'A map keeps every old entry while it grows, with no declared bound: a leak, seen without a day of history.',
    description: (c) =>
      `${CWHERE} gained {{ $value | humanize }} entries (inserts minus deletes) over the last ${c.fresh.window} ` +
      `and holds ${live(c, { kind: 'entries' })} entries now, while its oldest sampled entry aged by at least ` +
      `${Math.round(c.fresh.ageRatio * 100)}% of that time (nothing old was removed), and its floor over ` +
      `${c.fresh.floorWindow} rose against ${c.fresh.floorOffset} earlier. It declares no bound it is within ` +
      '(maxEntries, TTL).',
    expr: (c, t) => {
      const age = s(c, METRICS.oldestSampledAge.name);
      const minNet =
        `clamp_min(${num(c.fresh.minNetShare)} * ${entriesNow(c)}, ` + `${num(c.fresh.minNetInserts)})`;
      const floor = (offset?: string) =>
        t.perInstance(METRICS.entries, 'min_over_time', c.fresh.floorWindow, offset);
      return (
        `(\n  ${netInserts(t, c.fresh.window, excluded(c))}\n) >= ${ON(c)} ${minNet}\n` +
        `and ${ON(c)}\n(\n  max ${G(c)} (${age})\n  - max ${G(c)} (${age} offset ${c.fresh.window})\n) ` +
        `>= ${num(freshAgeThreshold(c))}\n` +
        `and ${ON(c)}\n(\n  ${floor()}\n  - ${floor(c.fresh.floorOffset)}\n) > 0\n` +
        `unless ${ON(c)}\n(\n  ${withinDeclaredMax(c)}\n)\n` +
        `unless ${ON(c)}\n(\n  ${withinDeclaredTtl(c)}\n)`
      );
    },
    panel: (c, t) => ({ expr: netInserts(t, c.fresh.window), unit: METRICS.entries.grafanaUnit }),
  },
  {
    key: 'growthCeiling',
    name: 'MapwatchMapCeilingPredicted',
    group: 'mapwatch-growth',
    signal: 'growth',
    scope: 'map',
    summary: 'A growing map close to its entry ceiling is predicted to cross it soon.',
    description: (c) => {
      const overridden = Object.keys(c.growth.ceilings).length > 0;
      return (
        ceilingVariable(c) +
        `Extrapolating its last ${c.growth.predictWindow}, ${WHERE} is predicted to hold {{ $value | humanize }} ` +
        `entries within ${c.growth.predictHorizon}, above ` +
        (overridden
          ? `its ceiling (${num(c.growth.ceiling)} unless set per map)`
          : `the ceiling of ${num(c.growth.ceiling)}`) +
        `. It holds ${live(c, { kind: 'entries' })} entries now (at least ${Math.round(c.growth.pageAboveShare * 100)}% of its ceiling), ` +
        `grows ${live(c, { kind: 'growthPerHour', window: c.growth.predictWindow })} entries per hour and reaches its ceiling in ` +
        `${live(c, { kind: 'timeToCeiling' })} at that pace. Its floor is rising and it is above its job's peak of the ` +
        `${c.growth.peakWindow} that ended ${c.growth.peakWindow} ago.`
      );
    },
    expr: (c, t) =>
      `${ceilingCrossed(c, t)}\n` +
      `and ${ON(c)}\n(\n  ${floorRise(t, METRICS.entries, c.growth.window)}\n) >= ${num(c.growth.minFloorRise)}\n` +
      `and ${ON(c)}\n(\n  ${aboveYesterdaysPeak(c, t, METRICS.entries, c.growth.peakWindow)}\n)\n` +
      `and ${ON(c)}\n${littleHeadroom(c)}`,
    panel: (c, t) => ({
      expr: t.predicted(),
      threshold: c.growth.ceiling,
      unit: METRICS.entries.grafanaUnit,
    }),
  },
  {
    key: 'leakSuspect',
    name: 'MapwatchMapLeakSuspected',
    group: 'mapwatch-growth',
    signal: 'growth',
    scope: 'map',
    summary: 'The in-process leak detector suspects a map of leaking.',
    description: (c) =>
      `The leak detector inside the service has held its leak verdict on ${WHERE} in every sample of the last ` +
      `${c.leak.holdWindow}: the map grows {{ $value | humanize }} entries per hour by the detector's rate and holds ` +
      `${live(c, { kind: 'entries' })} entries now. The detector's reason is on /debug/maps of the instance.`,
    expr: (c) =>
      `max ${G(c)} (${s(c, METRICS.growthPerSecond.name, ...excluded(c))}) * 3600\n` +
      `and ${ON(c)}\n(\n  max ${G(c)} (min_over_time(${s(c, METRICS.leakSuspect.name)}[${c.leak.holdWindow}])) == 1\n)`,
    panel: (c) => ({
      expr: `max ${G(c)} (min_over_time(${s(c, METRICS.leakSuspect.name)}[${c.leak.holdWindow}]))`,
      threshold: 1,
      unit: METRICS.leakSuspect.grafanaUnit,
    }),
  },
  {
    key: 'instancesGrowing',
    name: 'MapwatchMapInstancesGrowing',
    group: 'mapwatch-growth',
    signal: 'instances',
    scope: 'map',
    summary: 'The number of live maps with one name keeps growing.',
    description: (c) =>
      `The lowest count of live maps named {{ $labels.map_name }} (job {{ $labels.job }}, instance ` +
      `{{ $labels.instance }}) rose by {{ $value | humanize }} against the previous ${c.instances.window} to ` +
      `${live(c, { kind: 'instances' })} live maps now, is still rising and above its job's peak of the ` +
      `${c.instances.peakWindow} that ended ${c.instances.peakWindow} ago: the objects that own these maps are not being released.`,
    expr: (c, t) => {
      const half = formatDuration(parseDuration(c.instances.window) / 2);
      return (
        `(\n  ${floorRise(t, METRICS.instances, c.instances.window, excluded(c))}\n) >= ${num(c.instances.minFloorRise)}\n` +
        `and ${ON(c)}\n(\n  ${floorRise(t, METRICS.instances, half)}\n) > 0\n` +
        `and ${ON(c)}\n(\n  ${aboveYesterdaysPeak(c, t, METRICS.instances, c.instances.peakWindow)}\n)`
      );
    },
    panel: (c, t) => ({
      expr: floorRise(t, METRICS.instances, c.instances.window),
      threshold: c.instances.minFloorRise,
      unit: METRICS.instances.grafanaUnit,
    }),
  },
  {
    key: 'declaredMax',
    name: 'MapwatchMapAboveDeclaredMax',
    group: 'mapwatch-growth',
    signal: 'bound',
    scope: 'map',
    summary: 'A map holds more entries than the maximum it declares.',
    description: (c) =>
      `${CWHERE} holds {{ $value | humanize }} entries, more than the ${live(c, { kind: 'declaredMax' })} ` +
      'its live maps declare (maxEntries): the bound is not enforced, or the map counts what it does not bound.',
    expr: (c) => `${entriesNow(c)}\n  > ${ON(c)} sum ${G(c)} (${s(c, METRICS.declaredMaxEntries.name)})`,
    panel: (c) => ({
      expr: `${entriesNow(c)}\n  / ${ON(c)} sum ${G(c)} (${s(c, METRICS.declaredMaxEntries.name)})`,
      threshold: 1,
      unit: 'percentunit',
    }),
  },
  {
    key: 'memoryNearLimit',
    name: 'MapwatchProcessMemoryNearLimit',
    group: 'mapwatch-growth',
    signal: 'memory',
    scope: 'map',
    summary: 'A process is close to its memory limit while one of its maps grows.',
    description: (c) =>
      `${CTARGET} uses {{ $value | humanizePercentage }} of its memory limit (${c.memory.usageSeries} against ` +
      `${c.memory.limitSeries || `${num(c.memory.limitBytes)} bytes`}), and its map {{ $labels.map_name }} gained at least ` +
      `${Math.round(c.memory.minNetShare * 100)}% of its entries over the last ${c.memory.window}: it holds ` +
      `${live(c, { kind: 'entries' })} entries and grows ${live(c, { kind: 'growthPerHour', window: c.memory.window })} ` +
      'entries per hour. The process is about to be killed for memory or to stall in garbage collection.',
    expr: (c, t) =>
      `(\n  ${onEveryMap(
        c,
        memoryShare(c, (u) => `max ${T(c)} (${u})`),
      )}\n) >= ${num(c.memory.ratio)}\n` + `and ${ON(c)}\n${mapGrew(c, t)}`,
    panel: (c) => ({
      expr: memoryShare(c, (u) => `max ${T(c)} (${u})`),
      threshold: c.memory.ratio,
      unit: 'percentunit',
      perTarget: true,
    }),
  },
  {
    key: 'restartNearLimit',
    name: 'MapwatchProcessRestartedNearLimit',
    group: 'mapwatch-growth',
    signal: 'memory',
    scope: 'map',
    summary:
      'A process restarted after its memory neared its limit while one of its maps grew: an out-of-memory cycle.',
    description: (c) =>
      `${CTARGET} restarted in the last ${c.memory.restartWindow} after its memory reached ` +
      `${Math.round(c.memory.ratio * 100)}% of its limit, and its map {{ $labels.map_name }} had grown before the restart ` +
      `(restarts: {{ $value | humanize }} in the last ${c.memory.restartWindow}, ${live(c, { kind: 'restarts', window: '1d' })} in the last day). ` +
      `The map holds ${live(c, { kind: 'entries' })} entries again now: it will grow to the limit again.`,
    expr: (c, t) => {
      const w = c.memory.restartWindow;
      const restarts = `sum ${T(c)} (changes(${ts(c, c.memory.startTimeSeries)}[${w}]))`;
      const peak = memoryShare(c, (u) => `max ${T(c)} (max_over_time(${u}[${w}]))`);
      // Inserts minus deletes over the window count the growth before the restart too (increase() adds
      // across the counter reset); what the map regained since the restart is its entries now.
      const before = `${netInserts(t, w)}\n  - ${entriesNow(c)}`;
      const minGrowth =
        `clamp_min(${num(c.memory.minNetShare)} * ${t.perInstance(METRICS.entries, 'max_over_time', w)}, ` +
        `${num(c.memory.minNetInserts)})`;
      return (
        `(\n  ${onEveryMap(c, restarts)}\n) >= 1\n` +
        `and ${ONT(c)}\n(\n  ${peak}\n) >= ${num(c.memory.ratio)}\n` +
        `and ${ON(c)}\n(\n  ${before}\n) >= ${ON(c)} ${minGrowth}`
      );
    },
    panel: (c) => ({
      expr: `sum ${T(c)} (changes(${ts(c, c.memory.startTimeSeries)}[${c.memory.restartWindow}]))`,
      threshold: 1,
      unit: 'short',
      perTarget: true,
    }),
  },
  {
    key: 'lockStuck',
    name: 'MapwatchLockStuck',
    group: 'mapwatch-locks',
    signal: 'lock',
    scope: 'map',
    summary: 'Tasks wait for a map lock that is granted to nobody: the lock is stuck.',
    description: (c) =>
      `At least {{ $value }} tasks waited for the lock of ${WHERE} in every sample of the last ` +
      `${c.lock.stuckWindow}, and the lock was not granted once in that time. A holder never released it.`,
    expr: (c) =>
      // Waiting time is credited only on grant or abandon, so a stuck lock shows in no wait metric: only the
      // waiter gauge stays up while the grant counter stands still (or never existed).
      `min ${G(c)} (min_over_time(${s(c, METRICS.lockWaiters.name)}[${c.lock.stuckWindow}])) > 0\n` +
      `unless ${ON(c)}\n` +
      `${increaseSum(c, METRICS.lockAcquisitions.name, c.lock.stuckWindow)} > 0`,
    panel: (c) => ({
      expr: `min ${G(c)} (min_over_time(${s(c, METRICS.lockWaiters.name)}[${c.lock.stuckWindow}]))`,
      unit: METRICS.lockWaiters.grafanaUnit,
    }),
  },
  {
    key: 'lockStorm',
    name: 'MapwatchLockStorm',
    group: 'mapwatch-locks',
    signal: 'lock',
    scope: 'map',
    summary: 'Tasks queue on a map lock: many wait at once, and each waits long.',
    description: (c) =>
      `On average {{ $value | humanize }} tasks waited for the lock of ${WHERE} over the last ${c.lock.window} ` +
      `(seconds spent waiting per second), and each contended acquisition waited ${num(c.lock.stormMeanWaitSeconds)}s ` +
      'or more on average. Requests that need this map queue behind each other.',
    expr: (c) => {
      const wait = rateSum(c, METRICS.lockWaitSeconds.name, c.lock.window);
      const contended = rateSum(
        c,
        METRICS.lockAcquisitions.name,
        c.lock.window,
        `${LABELS.contended}="true"`,
      );
      // By Little's law the waiting time accrued per second is the mean number of waiting tasks: one
      // condition, not two. The second asks how long each of them waits.
      return (
        `${wait} >= ${num(c.lock.stormWaiters)}\n` +
        `and ${ON(c)}\n(\n  ${wait}\n  / ${contended}\n) >= ${num(c.lock.stormMeanWaitSeconds)}`
      );
    },
    panel: (c) => ({
      // The same rate as increase() over the window's seconds: Grafana's dashboard linter asks every rate()
      // of a panel to run over $__rate_interval, and this panel draws the alert's own window.
      expr: `${increaseSum(c, METRICS.lockWaitSeconds.name, c.lock.window)}\n  / ${num(parseDuration(c.lock.window))}`,
      threshold: c.lock.stormWaiters,
      unit: 'short',
    }),
  },
  {
    key: 'lockWaitsLong',
    name: 'MapwatchLockWaitsLong',
    group: 'mapwatch-locks',
    signal: 'lock',
    scope: 'map',
    summary: 'Contended lock acquisitions on a map wait too long.',
    description: (c) =>
      `The ${c.lock.waitQuantile * 100}th percentile wait for the lock of ${WHERE} is {{ $value | humanize }}s ` +
      `over ${c.lock.window}, above ${num(c.lock.longWaitSeconds)}s.`,
    expr: (c) =>
      `${waitQuantile(c)} > ${num(c.lock.longWaitSeconds)}\n` +
      `and ${ON(c)}\n${rateSum(c, histogramSeries(METRICS.lockWaitDuration).count, c.lock.window)} > ${num(c.lock.minContendedPerSecond)}`,
    panel: (c) => ({ expr: waitQuantile(c, 'increase'), threshold: c.lock.longWaitSeconds, unit: 's' }),
  },
  {
    key: 'lockTimeouts',
    name: 'MapwatchLockTimeouts',
    group: 'mapwatch-locks',
    signal: 'lock',
    scope: 'map',
    summary: 'A share of the lock acquisitions on a map time out or are aborted.',
    description: (c) =>
      `{{ $value | humanizePercentage }} of the acquisitions of the lock of ${WHERE} were abandoned (timeout or ` +
      `abort) in the last ${c.lock.timeoutWindow}, at least ${num(c.lock.minTimeouts)} of them. Each is an operation ` +
      'that failed waiting.',
    expr: (c) =>
      `(\n  ${timeoutShare(c)}\n) >= ${num(c.lock.timeoutRatio)}\n` +
      `and ${ON(c)}\n${increaseSum(c, METRICS.lockTimeouts.name, c.lock.timeoutWindow)} >= ${num(c.lock.minTimeouts)}`,
    panel: (c) => ({ expr: timeoutShare(c), threshold: c.lock.timeoutRatio, unit: 'percentunit' }),
  },
  {
    key: 'promotionChurn',
    name: 'MapwatchPromotionChurn',
    group: 'mapwatch-shape',
    signal: 'read_mostly',
    scope: 'map',
    summary: 'A read-mostly map churns: it copies entries on promotions faster than it is read.',
    description: (c) =>
      `The read-mostly map {{ $labels.map_name }} (job {{ $labels.job }}, instance {{ $labels.instance }}) copied ` +
      `{{ $value | humanize }} entries per lookup over ${c.promotion.window} while promoting more than ` +
      `${c.promotion.minPromotionsPerSecond} times per second. The load is too write-heavy for this map type.`,
    expr: (c) =>
      `${churn(c)}\n  > ${num(c.promotion.copiedPerLookup)}\n` +
      `and ${ON(c)}\n${rateSum(c, METRICS.promotions.name, c.promotion.window)} > ${num(c.promotion.minPromotionsPerSecond)}`,
    panel: (c) => ({ expr: churn(c, 'increase'), threshold: c.promotion.copiedPerLookup, unit: 'short' }),
  },
  {
    key: 'cacheIneffective',
    name: 'MapwatchCacheIneffective',
    group: 'mapwatch-shape',
    signal: 'cache',
    scope: 'map',
    summary: 'A cache (a map that evicts or expires, or a loading map) misses almost every lookup.',
    description: (c) =>
      `{{ $value | humanizePercentage }} of lookups in ${WHERE} missed over ${c.cache.window}, at more than ` +
      `${c.cache.minLookupsPerSecond} lookups per second, with ${live(c, { kind: 'entries' })} entries cached. ` +
      'The cache costs memory and saves little.',
    expr: (c) =>
      `${missRatio(c)}\n  > ${c.cache.missRatio}\n` +
      `and ${ON(c)}\n${rateSum(c, METRICS.lookups.name, c.cache.window)} > ${num(c.cache.minLookupsPerSecond)}\n` +
      `and ${ON(c)}\n(\n  ${isCache(c, c.cache.window)}\n)`,
    panel: (c) => ({ expr: missRatio(c, 'increase'), threshold: c.cache.missRatio, unit: 'percentunit' }),
  },
  {
    key: 'loadStampede',
    name: 'MapwatchLoadStampede',
    group: 'mapwatch-shape',
    signal: 'loading',
    scope: 'map',
    summary: 'Many callers pile onto the same in-flight loads of a loading map (absorbed by single-flight).',
    description: (c) =>
      `Each load of ${WHERE} was joined by {{ $value | humanize }} waiting callers on average over ` +
      `${c.loads.window}. Single-flight absorbed the stampede (one load per key), so the backend was spared; ` +
      'the joiners waited for the load. Hot keys expire or miss together.',
    expr: (c) =>
      `${joinsPerLoad(c)}\n  > ${num(c.loads.joinsPerLoad)}\n` +
      `and ${ON(c)}\n${rateSum(c, METRICS.loadJoins.name, c.loads.window)} > ${num(c.loads.minJoinsPerSecond)}`,
    panel: (c) => ({ expr: joinsPerLoad(c, 'increase'), threshold: c.loads.joinsPerLoad, unit: 'short' }),
  },
  {
    key: 'loadsFailing',
    name: 'MapwatchLoadsFailing',
    group: 'mapwatch-shape',
    signal: 'loading',
    scope: 'map',
    summary: 'The loader of a loading map fails often.',
    description: (c) =>
      `{{ $value | humanizePercentage }} of loader calls of ${WHERE} failed over ${c.loads.window}; ` +
      'callers of the failing keys got errors.',
    expr: (c) =>
      `${failureRatio(c)}\n  > ${c.loads.failureRatio}\n` +
      `and ${ON(c)}\n${rateSum(c, METRICS.loads.name, c.loads.window)} > ${num(c.loads.minLoadsPerSecond)}`,
    panel: (c) => ({
      expr: failureRatio(c, 'increase'),
      threshold: c.loads.failureRatio,
      unit: 'percentunit',
    }),
  },
  {
    key: 'registryOverflow',
    name: 'MapwatchRegistryOverflow',
    group: 'mapwatch-meta',
    signal: 'registry',
    scope: 'target',
    summary: 'The mapwatch registry is full and folds new map names into one series.',
    description: (c) =>
      `{{ $value | humanize }} maps of ${TARGET} were folded into map_name="_other" in the last ` +
      `${c.registry.overflowWindow} (or since the target appeared, if that is more recent): map names are unbounded or the cap is too low.`,
    expr: (c) => {
      const o = ts(c, METRICS.registryOverflow.name);
      // increase() misses names folded before the target's first scrape (a counter born above 0): a series
      // that is new within the window and above 0 counts too.
      return (
        `(\n  sum ${T(c)} (increase(${o}[${c.registry.overflowWindow}])) > 0\n` +
        `  or (max ${T(c)} (${o}) > 0 unless max ${T(c)} (${o} offset ${c.registry.overflowWindow}))\n)`
      );
    },
    panel: (c) => ({
      expr: `sum ${T(c)} (increase(${ts(c, METRICS.registryOverflow.name)}[${c.registry.overflowWindow}]))`,
      threshold: 1,
      unit: 'short',
    }),
  },
  {
    key: 'metricsAbsent',
    name: 'MapwatchMetricsAbsent',
    group: 'mapwatch-meta',
    signal: 'absence',
    scope: 'target',
    summary: 'A target that exported a mapwatch metric stopped exporting it.',
    description: (c) =>
      `${CTARGET} is up and exported {{ $value | humanize }} series of {{ $labels.metric }} within the last ` +
      `${c.absence.lookback}, and none now. The exporter was unregistered or a deploy dropped it (every mapwatch ` +
      'metric gone), or collecting this one metric fails (see MapwatchExporterCollectErrors); dashboards and alerts that read it are blind.',
    expr: (c, t) =>
      `(\n  ${ALWAYS_EXPORTED.map((m) => t.familyGone(m, c.absence.lookback)).join('\n  or ')}\n)\n` +
      `and ${ONT(c)} (${ts(c, up)} == 1)`,
    panel: (c) => ({
      // A counter's series are counted through rate() (Grafana's dashboard linter reads no counter raw).
      expr: ALWAYS_EXPORTED.map((m) => {
        const series = m.type === 'counter' ? `rate(${ts(c, m.name)}[$__rate_interval])` : ts(c, m.name);
        return `label_replace(count ${T(c)} (${series}), "metric", ${labelValue(m.name)}, "", "")`;
      }).join('\n  or '),
      unit: 'short',
    }),
  },
  {
    key: 'jobMetricsAbsent',
    name: 'MapwatchJobMetricsAbsent',
    group: 'mapwatch-meta',
    signal: 'absence',
    scope: 'target',
    perJob: true,
    summary: 'No instance of a job that pushes its metrics exports a mapwatch metric any more.',
    description: (c) =>
      `No instance of job {{ $labels.job }} exports {{ $labels.metric }} now; its instances exported ` +
      `{{ $value | humanize }} series of it within the last ${c.absence.lookback}. The job has no \`up\` series in that ` +
      'time: its services push their metrics (OTLP through a collector), so MapwatchMetricsAbsent cannot see them. ' +
      'The services stopped, their exporter was removed, or the path from them to the storage broke.',
    expr: (c, t) =>
      `(\n  ${ALWAYS_EXPORTED.map((m) => t.jobFamilyGone(m, c.absence.lookback)).join('\n  or ')}\n)\n` +
      `unless ${on(jobLabels(c))}\n${t.jobScraped(c.absence.lookback)}`,
    panel: (c) => ({
      // A counter's series are counted through rate() (Grafana's dashboard linter reads no counter raw).
      expr: ALWAYS_EXPORTED.map((m) => {
        const series = m.type === 'counter' ? `rate(${ts(c, m.name)}[$__rate_interval])` : ts(c, m.name);
        return `label_replace(count ${JB(c)} (${series}), "metric", ${labelValue(m.name)}, "", "")`;
      }).join('\n  or '),
      unit: 'short',
    }),
  },
  {
    key: 'collectErrors',
    name: 'MapwatchExporterCollectErrors',
    group: 'mapwatch-meta',
    signal: 'exporter',
    scope: 'target',
    summary: 'Collecting some mapwatch metrics fails: they are left out of scrapes.',
    description: (c) =>
      `{{ printf "%.0f" $value }} collections of mapwatch metrics failed on ${TARGET} in the last ` +
      `${c.exporter.errorsWindow}. Each failing metric is left out of that scrape; the service's stderr names it ` +
      '("mapwatch: collecting <metric> failed").',
    expr: (c) =>
      `sum ${T(c)} (increase(${ts(c, METRICS.collectErrors.name)}[${c.exporter.errorsWindow}])) > 0`,
    panel: (c) => ({
      expr: `sum ${T(c)} (increase(${ts(c, METRICS.collectErrors.name)}[${c.exporter.errorsWindow}]))`,
      threshold: 1,
      unit: 'short',
    }),
  },
  {
    key: 'scrapeSlow',
    name: 'MapwatchExporterScrapeSlow',
    group: 'mapwatch-meta',
    signal: 'exporter',
    scope: 'target',
    summary: 'Scraping a target that exports mapwatch metrics is slow.',
    description: (c) =>
      `A scrape of ${TARGET} took {{ $value | humanize }}s on average over the last ${c.exporter.window}, ` +
      `above ${num(c.exporter.maxScrapeSeconds)}s. Slow scrapes time out and leave gaps in every series of the target.`,
    expr: (c) =>
      `${scrapeSeconds(c)} > ${num(c.exporter.maxScrapeSeconds)}\n` + `and ${ONT(c)}\n${mapwatchTarget(c)}`,
    panel: (c) => ({ expr: scrapeSeconds(c), threshold: c.exporter.maxScrapeSeconds, unit: 's' }),
  },
  {
    key: 'samplesGrowing',
    name: 'MapwatchExporterSamplesGrowing',
    group: 'mapwatch-meta',
    signal: 'exporter',
    scope: 'target',
    summary: 'A target that exports mapwatch metrics returns ever more samples per scrape.',
    description: (c) =>
      `${CTARGET} returned at least {{ $value | humanize }} more samples per scrape over the last ` +
      `${c.exporter.growthWindow} than at the lowest of the ${c.exporter.growthWindow} before (a ` +
      `${Math.round((c.exporter.sampleGrowthRatio - 1) * 100)}% rise or more): series are multiplying, by map names or by other labels.`,
    expr: (c) =>
      `(\n  ${sampleGrowth(c, '-')}\n) >= ${num(c.exporter.minSampleGrowth)}\n` +
      `and ${ONT(c)}\n(\n  ${sampleGrowth(c, '/')}\n) >= ${num(c.exporter.sampleGrowthRatio)}\n` +
      `and ${ONT(c)}\n${mapwatchTarget(c)}`,
    panel: (c) => ({ expr: sampleGrowth(c, '-'), threshold: c.exporter.minSampleGrowth, unit: 'short' }),
  },
];

/**
 * `fn` of the ratios and quantiles below: the rules use rate(); the panels drawing the alert's own window use
 * increase(), the same ratio, since Grafana's dashboard linter asks every rate() of a panel for $__rate_interval.
 */
type WindowFn = 'rate' | 'increase';
const windowSum = (fn: WindowFn) => (fn === 'rate' ? rateSum : increaseSum);

function waitQuantile(c: PackConfig, fn: WindowFn = 'rate'): string {
  const h = histogramSeries(METRICS.lockWaitDuration);
  const labels = [...mapLabels(c.groupBy), 'le'];
  return `histogram_quantile(${c.lock.waitQuantile}, sum ${by(labels)} (${fn}(${s(c, h.bucket)}[${c.lock.window}])))`;
}

/** Acquisitions abandoned over every attempt (grants plus abandons); no grant at all is an empty sum. */
function timeoutShare(c: PackConfig): string {
  const w = c.lock.timeoutWindow;
  const timeouts = increaseSum(c, METRICS.lockTimeouts.name, w);
  return `${timeouts}\n  / (\n    (${increaseSum(c, METRICS.lockAcquisitions.name, w)} or 0 * ${timeouts})\n    + ${timeouts}\n  )`;
}

function churn(c: PackConfig, fn: WindowFn = 'rate'): string {
  const w = c.promotion.window;
  const sum = windowSum(fn);
  return `${sum(c, METRICS.copiedEntries.name, w)}\n  / ${sum(c, METRICS.lookups.name, w)}`;
}

function missRatio(c: PackConfig, fn: WindowFn = 'rate'): string {
  const w = c.cache.window;
  const sum = windowSum(fn);
  return `${sum(c, METRICS.lookups.name, w, `${LABELS.result}="miss"`)}\n  / ${sum(c, METRICS.lookups.name, w)}`;
}

/**
 * Only caches: maps that evict or expire entries, or loading maps. A membership set (a blocklist checked
 * with has()) misses by design.
 */
export function isCache(c: PackConfig, window: string): string {
  return (
    `sum ${G(c)} (increase(${s(c, METRICS.deletes.name, `${LABELS.cause}=~"evict|expire"`)}[${window}])) > 0\n` +
    `  or count ${G(c)} (${s(c, METRICS.entries.name, `${LABELS.mapKind}="loading"`)})`
  );
}

function joinsPerLoad(c: PackConfig, fn: WindowFn = 'rate'): string {
  const w = c.loads.window;
  const sum = windowSum(fn);
  return `${sum(c, METRICS.loadJoins.name, w)}\n  / ${sum(c, METRICS.loads.name, w)}`;
}

function failureRatio(c: PackConfig, fn: WindowFn = 'rate'): string {
  const w = c.loads.window;
  const sum = windowSum(fn);
  return `${sum(c, METRICS.loads.name, w, `${LABELS.result}="failure"`)}\n  / ${sum(c, METRICS.loads.name, w)}`;
}

function scrapeSeconds(c: ScopedConfig): string {
  return `max ${T(c)} (avg_over_time(${ts(c, scrapeDuration)}[${c.exporter.window}]))`;
}

/**
 * The lowest samples per scrape over the growth window, less (or over) the lowest of the window before: floors,
 * as for the entries, since the two closed ranges share their boundary sample.
 */
function sampleGrowth(c: ScopedConfig, op: '-' | '/'): string {
  const w = c.exporter.growthWindow;
  const sel = ts(c, scrapeSamples);
  return `min ${T(c)} (min_over_time(${sel}[${w}]))\n  ${op} min ${T(c)} (min_over_time(${sel}[${w}] offset ${w}))`;
}

/** The info inhibitor's name: it holds info alerts back until a warning or critical alert fires for the job. */
export const INFO_INHIBITOR = 'MapwatchInfoInhibitor';

/**
 * kube-prometheus' InfoInhibitor for mapwatch: fires (severity `none`, routed nowhere) for every job with
 * firing mapwatch info alerts and no firing mapwatch warning or critical alert; Alertmanager inhibits the
 * info alerts of that job with it. Info alerts thus reach a receiver only as context of a real problem.
 */
export function infoInhibitorRule(c: PackConfig): PromRule {
  const labels = ['job', ...c.groupBy];
  const alerts = (severity: string) =>
    `count ${by(labels)} (${selector(ALERTS, c.selector, 'alertname=~"Mapwatch.*"', 'alertstate="firing"', severity)})`;
  return {
    alert: INFO_INHIBITOR,
    expr: `${alerts('severity="info"')}\nunless ${on(labels)}\n${alerts('severity=~"warning|critical"')}`,
    for: c.evaluationInterval,
    labels: { severity: 'none', signal: 'inhibitor', ...sortedLabels(c.alertLabels) },
    annotations: {
      summary:
        'Mapwatch info alerts are held back: no mapwatch warning or critical alert fires for their job.',
      description:
        '{{ $value }} mapwatch info alerts fire for job {{ $labels.job }} and no warning or critical one does. ' +
        'Alertmanager inhibits them with this alert, which is routed nowhere; they show up as context once a real problem fires.',
      runbook_url: `${c.runbookBaseUrl}#${runbookAnchor(INFO_INHIBITOR)}`,
      dashboard_url: dashboardUrl(c, 'target'),
    },
  };
}

function sortedLabels(l: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(l)
      .sort()
      .map((k) => [k, l[k] as string]),
  );
}

/** GitHub's heading anchor of `## <name>` in runbook.md. */
export function runbookAnchor(name: string): string {
  return name.toLowerCase();
}

/**
 * The dashboard an alert opens: the map drill-down for one map, the overview for a target, with the
 * alert's job, instance, map and groupBy labels as the dashboard's variables.
 */
export function dashboardUrl(c: PackConfig, scope: 'map' | 'target', perJob = false): string {
  const q = (variable: string, label: string) => `var-${variable}={{ $labels.${label} | urlquery }}`;
  const vars = [
    ...c.groupBy.map((l) => q(l, l)),
    q('job', 'job'),
    ...(perJob ? [] : [q('instance', 'instance')]),
  ];
  if (scope === 'map') vars.push(q('map', LABELS.mapName));
  const [uid, slug] = scope === 'map' ? ['map', 'mapwatch-map'] : ['overview', 'mapwatch-overview'];
  return `${c.grafanaBaseUrl}/d/${c.dashboards.uidPrefix}-${uid}/${slug}?${vars.join('&')}`;
}

export function alertDef(key: AlertKey): AlertDef {
  const def = ALERT_DEFS.find((d) => d.key === key);
  if (!def) throw new Error(`no alert '${key}'`);
  return def;
}

export function buildRule(def: AlertDef, c: PackConfig, terms: Terms = new Terms(c)): PromRule {
  const timing = c.alerts[def.key];
  const rule: PromRule = {
    alert: def.name,
    expr: def.expr(c, terms),
    for: timing.for,
    labels: { severity: timing.severity, signal: def.signal, ...sortedLabels(c.alertLabels) },
    annotations: {
      summary: def.summary,
      description: def.description(c),
      runbook_url: `${c.runbookBaseUrl}#${runbookAnchor(def.name)}`,
      dashboard_url: dashboardUrl(c, def.scope, def.perJob),
    },
  };
  if (timing.keepFiringFor !== null) {
    // Insert after `for` so the YAML reads in a natural order.
    return {
      alert: rule.alert,
      expr: rule.expr,
      for: rule.for,
      keep_firing_for: timing.keepFiringFor,
      labels: rule.labels,
      annotations: rule.annotations,
    };
  }
  return rule;
}

const GROUP_ORDER: readonly RuleGroupName[] = [
  'mapwatch-growth',
  'mapwatch-locks',
  'mapwatch-shape',
  'mapwatch-meta',
];

/** The alerting rules of the config, in group order (no recording rules), the info inhibitor last. */
export function buildAlertRules(c: PackConfig): PromRule[] {
  return buildRuleGroups(c).flatMap((g) => g.rules.filter((r): r is PromRule => 'alert' in r));
}

/**
 * The rule groups. Recording rules come first in the group of the alerts that read them: rules of a group
 * are evaluated in order, each seeing what the ones before it wrote at the same evaluation.
 */
export function buildRuleGroups(c: PackConfig): RuleGroup[] {
  const terms = new Terms(c);
  return GROUP_ORDER.map((name) => {
    const alerts = ALERT_DEFS.filter((d) => d.group === name).map((d) => buildRule(d, c, terms));
    if (name === 'mapwatch-meta') alerts.push(infoInhibitorRule(c));
    return { name, interval: c.evaluationInterval, rules: [...terms.take(), ...alerts] };
  });
}

/** The recording rules of the config (none when `recordingRules` is off). */
export function buildRecordingRules(c: PackConfig): RecordingRule[] {
  return buildRuleGroups(c).flatMap((g) => g.rules.filter((r): r is RecordingRule => 'record' in r));
}

/**
 * The job's peak of yesterday as the growth alerts read it (the recorded series with its offset, or the
 * inline expression), for tests that check the history it keeps.
 */
export function yesterdaysJobPeak(c: PackConfig, m: MetricSpec, window: string): string {
  return new Terms(c).jobPeak(m, window);
}

/** Series the rules read that are not mapwatch's: Prometheus' own and the process metrics of the config. */
export function externalSeries(c: PackConfig): string[] {
  const m = c.memory;
  return [
    ...Object.values(PROMETHEUS_SERIES),
    m.usageSeries,
    m.startTimeSeries,
    ...(m.limitSeries ? [m.limitSeries] : []),
  ];
}
