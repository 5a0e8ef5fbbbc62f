/**
 * The one config object of the monitoring pack (monitoring-mixin shape: config in, files out).
 * Every threshold, window, `for`, severity and dashboard setting lives here so that a team can tune the
 * pack with a small JSON file (`mapwatch rules --config tuned.json`) instead of editing generated YAML.
 */
import { parseDuration } from './duration.js';

export type Severity = 'critical' | 'warning' | 'info';

/**
 * The rule engine the files are written for (`mapwatch rules --target`): Prometheus 2.42+ (closed range
 * selectors), Prometheus 3 (left-open range selectors) or VictoriaMetrics' vmalert (MetricsQL, left-open
 * windows, no `keep_firing_for`). Thanos and Mimir rulers take the `prometheus` flavour (docs/pack.md).
 */
export const TARGETS = ['prometheus', 'prometheus3', 'vmalert'] as const;
export type Target = (typeof TARGETS)[number];
/**
 * Why each default severity is what it is (docs/pack.md, "Severities"): critical only where users feel it
 * now or within the hour, and a prediction only together with little headroom now.
 */
export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

/** Stable keys of the alerts; the rule names are derived in alerts.ts. */
export const ALERT_KEYS = [
  'growth',
  'freshLeak',
  'growthCeiling',
  'leakSuspect',
  'instancesGrowing',
  'declaredMax',
  'memoryNearLimit',
  'restartNearLimit',
  'lockStuck',
  'lockStorm',
  'lockWaitsLong',
  'lockTimeouts',
  'promotionChurn',
  'cacheIneffective',
  'loadStampede',
  'loadsFailing',
  'registryOverflow',
  'metricsAbsent',
  'jobMetricsAbsent',
  'collectErrors',
  'scrapeSlow',
  'samplesGrowing',
] as const;
export type AlertKey = (typeof ALERT_KEYS)[number];

export interface AlertTiming {
  /** How long the condition must hold before the alert fires. */
  for: string;
  /** How long a firing alert stays firing after its condition clears (anti-flap); null for none. */
  keepFiringFor: string | null;
  severity: Severity;
}

export interface PackConfig {
  /** The rule engine: `prometheus` (2.42+), `prometheus3` or `vmalert`; see TARGETS. */
  target: Target;
  /** PromQL matchers added to every selector, e.g. `job=~"checkout-.*"`. Default: every job. */
  selector: string;
  /**
   * Topology labels every aggregation keeps on top of job, instance and map_name (`by (...)` keeps a label
   * where a series has it and leaves it out where it does not, so absent labels cost nothing).
   */
  groupBy: string[];
  /** Static labels added to every alert (owner, team, tier), e.g. `{ "team": "payments" }`. */
  alertLabels: Record<string, string>;
  /**
   * Map names that grow by design (a catalogue filling up, a registry of every tenant): the growth alerts
   * (signal `growth` and `instances`) skip them. The memory alerts still name them.
   */
  excludeMaps: string[];
  /** Rule group evaluation interval. Windows must be multiples of it. */
  evaluationInterval: string;
  /** Base URL of runbook.md; each alert links to `<base>#<anchor>`. */
  runbookBaseUrl: string;
  /** Base URL of Grafana; each alert's `dashboard_url` opens the dashboards there with its job and instance. */
  grafanaBaseUrl: string;
  /**
   * Record the long windows the growth alerts read (`instance_map:…` / `job_map:…` series, evaluated in
   * the growth group before its alerts) and read the recorded series in the alerts. `false` writes the
   * same alerts with every window inline and no recording rule.
   */
  recordingRules: boolean;
  growth: {
    /** Floor window: the floor is the lowest entry count in it, compared with the window before. */
    window: string;
    /** Minimum rise of the floor (and of inserts minus deletes) over one window, in entries. */
    minFloorRise: number;
    /**
     * "Yesterday": the entry count must exceed the job's peak over this window, taken one window ago
     * (the highest count of any instance of the job for that map name), so daily cycles and refills
     * after a restart, under the same or a new instance label, stay silent.
     */
    peakWindow: string;
    /** Window fed to predict_linear; long, so a daily ramp is not extrapolated. */
    predictWindow: string;
    /** How far ahead predict_linear looks. */
    predictHorizon: string;
    /** Entry count a map must never reach (critical tier). */
    ceiling: number;
    /** Per-map ceilings by map name, overriding `ceiling`. */
    ceilings: Record<string, number>;
    /**
     * The critical tier pages only when little headroom is left now: the map must hold at least this share
     * of its ceiling, whatever the prediction says.
     */
    pageAboveShare: number;
  };
  /**
   * The fresh-target leak alert, built on entry survival: needs no day of history, only `window` of the
   * target's own samples.
   */
  fresh: {
    /** Survival window: the oldest sampled entry must age by `ageRatio` of it within it. */
    window: string;
    /** Share of `window` the oldest sampled entry must age by (1 = nothing old removed at all). */
    ageRatio: number;
    /** Inserts minus deletes over `window` must reach this share of the entries now... */
    minNetShare: number;
    /** ...and at least this many entries. */
    minNetInserts: number;
    /** Floor window: the lowest entry count in it must be above the one `floorOffset` earlier. */
    floorWindow: string;
    floorOffset: string;
    /** An oldest sampled entry within the declared TTL times this slack is within the bound. */
    ttlSlack: number;
  };
  leak: { /** The detector's verdict must be 1 in every sample of this window. */ holdWindow: string };
  instances: {
    window: string;
    minFloorRise: number;
    /** The instance count must exceed its peak over this window, one window ago (see growth.peakWindow). */
    peakWindow: string;
  };
  /**
   * The symptom side of a leak: process memory against its limit, and restarts. Series are per scrape
   * target (joined on job, instance and the groupBy labels); see docs/pack.md for what to export.
   */
  memory: {
    /** Memory in use, per target (prom-client default: the V8 heap in use). */
    usageSeries: string;
    /** The limit of `usageSeries`, per target; '' to use `limitBytes` instead. */
    limitSeries: string;
    /** A fixed limit in bytes, used when `limitSeries` is '' (a container limit shared by every target). */
    limitBytes: number;
    /** Start time of the process, per target: a change is a restart. */
    startTimeSeries: string;
    /** Share of the limit in use at which the process is near its limit. */
    ratio: number;
    /** A map grew when inserts minus deletes over this window reach `minNetShare` of its entries... */
    window: string;
    minNetShare: number;
    /** ...and at least this many entries. */
    minNetInserts: number;
    /** Restarts, the memory peak before them and the growth before them are looked for in this window. */
    restartWindow: string;
  };
  lock: {
    /** A lock with waiters in every sample of this window and no grant in it is stuck. */
    stuckWindow: string;
    window: string;
    /**
     * Tasks waiting on average over the window: the seconds spent waiting per second of wall time (Little's
     * law: the mean queue length is the waiting time accrued per unit of time).
     */
    stormWaiters: number;
    /** ...while each contended acquisition waits this long on average (a queue that moves slowly). */
    stormMeanWaitSeconds: number;
    waitQuantile: number;
    longWaitSeconds: number;
    /** Contended acquisitions per second below which quantiles are noise. */
    minContendedPerSecond: number;
    timeoutWindow: string;
    /** Share of lock acquisitions (grants plus abandons) abandoned by timeout or abort... */
    timeoutRatio: number;
    /** ...and at least this many of them in the window. */
    minTimeouts: number;
  };
  promotion: { window: string; copiedPerLookup: number; minPromotionsPerSecond: number };
  cache: { window: string; missRatio: number; minLookupsPerSecond: number };
  loads: {
    window: string;
    joinsPerLoad: number;
    minJoinsPerSecond: number;
    failureRatio: number;
    minLoadsPerSecond: number;
  };
  registry: { /** Names folded into `_other` within this window are reported. */ overflowWindow: string };
  absence: {
    /**
     * A target (or, for a job without `up` series, such as services that push OTLP, every instance of the job)
     * that exported a mapwatch metric within this window and stopped is reported.
     */
    lookback: string;
  };
  /** The exporter's own health. */
  exporter: {
    /** Collect errors are counted over this window. */
    errorsWindow: string;
    /** Average scrape duration over `window` above this many seconds is slow. */
    maxScrapeSeconds: number;
    window: string;
    /** Samples per scrape: the lowest count over `growthWindow` against the highest one window earlier. */
    growthWindow: string;
    /** Growth by at least this share... */
    sampleGrowthRatio: number;
    /** ...and at least this many samples. */
    minSampleGrowth: number;
  };
  alerts: Record<AlertKey, AlertTiming>;
  dashboards: { uidPrefix: string; refresh: string; timeFrom: string; tags: string[] };
}

export type DeepPartial<T> = T extends readonly (infer _U)[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export const defaultConfig: PackConfig = {
  target: 'prometheus',
  selector: 'job=~".+"',
  groupBy: ['cluster', 'namespace'],
  alertLabels: {},
  excludeMaps: [],
  evaluationInterval: '1m',
  runbookBaseUrl: 'https://github.com/mapwatch/mapwatch/blob/main/alerts/runbook.md',
  grafanaBaseUrl: 'http://localhost:3000',
  recordingRules: true,
  growth: {
    window: '6h',
    minFloorRise: 100,
    peakWindow: '1d',
    predictWindow: '6h',
    predictHorizon: '4h',
    ceiling: 1_000_000,
    ceilings: {},
    pageAboveShare: 0.8,
  },
  fresh: {
    window: '2h',
    ageRatio: 0.9,
    minNetShare: 0.02,
    minNetInserts: 100,
    floorWindow: '30m',
    floorOffset: '1h',
    ttlSlack: 1.5,
  },
  leak: { holdWindow: '15m' },
  instances: { window: '6h', minFloorRise: 10, peakWindow: '1d' },
  memory: {
    usageSeries: 'nodejs_heap_size_used_bytes',
    limitSeries: 'nodejs_heap_size_limit_bytes',
    limitBytes: 0,
    startTimeSeries: 'process_start_time_seconds',
    ratio: 0.9,
    window: '2h',
    minNetShare: 0.02,
    minNetInserts: 100,
    restartWindow: '1h',
  },
  lock: {
    stuckWindow: '5m',
    window: '5m',
    stormWaiters: 10,
    stormMeanWaitSeconds: 0.1,
    waitQuantile: 0.99,
    longWaitSeconds: 0.5,
    minContendedPerSecond: 0.1,
    timeoutWindow: '10m',
    timeoutRatio: 0.05,
    minTimeouts: 5,
  },
  promotion: { window: '15m', copiedPerLookup: 1, minPromotionsPerSecond: 0.1 },
  cache: { window: '30m', missRatio: 0.9, minLookupsPerSecond: 1 },
  loads: { window: '10m', joinsPerLoad: 10, minJoinsPerSecond: 1, failureRatio: 0.1, minLoadsPerSecond: 0.1 },
  registry: { overflowWindow: '1h' },
  absence: { lookback: '1d' },
  exporter: {
    errorsWindow: '15m',
    maxScrapeSeconds: 1,
    window: '10m',
    growthWindow: '1h',
    sampleGrowthRatio: 1.5,
    minSampleGrowth: 1000,
  },
  alerts: {
    growth: { for: '2h', keepFiringFor: '15m', severity: 'warning' },
    freshLeak: { for: '30m', keepFiringFor: '15m', severity: 'warning' },
    growthCeiling: { for: '30m', keepFiringFor: '15m', severity: 'critical' },
    leakSuspect: { for: '15m', keepFiringFor: '15m', severity: 'warning' },
    instancesGrowing: { for: '2h', keepFiringFor: '15m', severity: 'warning' },
    declaredMax: { for: '15m', keepFiringFor: null, severity: 'warning' },
    memoryNearLimit: { for: '10m', keepFiringFor: '10m', severity: 'critical' },
    restartNearLimit: { for: '5m', keepFiringFor: null, severity: 'critical' },
    lockStuck: { for: '5m', keepFiringFor: null, severity: 'critical' },
    lockStorm: { for: '5m', keepFiringFor: '5m', severity: 'warning' },
    lockWaitsLong: { for: '15m', keepFiringFor: '10m', severity: 'warning' },
    lockTimeouts: { for: '5m', keepFiringFor: null, severity: 'warning' },
    promotionChurn: { for: '30m', keepFiringFor: null, severity: 'info' },
    cacheIneffective: { for: '1h', keepFiringFor: null, severity: 'info' },
    loadStampede: { for: '15m', keepFiringFor: null, severity: 'info' },
    loadsFailing: { for: '10m', keepFiringFor: '5m', severity: 'warning' },
    registryOverflow: { for: '5m', keepFiringFor: null, severity: 'warning' },
    metricsAbsent: { for: '10m', keepFiringFor: null, severity: 'warning' },
    jobMetricsAbsent: { for: '10m', keepFiringFor: null, severity: 'warning' },
    collectErrors: { for: '5m', keepFiringFor: null, severity: 'warning' },
    scrapeSlow: { for: '15m', keepFiringFor: null, severity: 'warning' },
    samplesGrowing: { for: '15m', keepFiringFor: null, severity: 'warning' },
  },
  dashboards: { uidPrefix: 'mapwatch', refresh: '30s', timeFrom: 'now-6h', tags: ['mapwatch'] },
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges `partial` over `base`, refusing keys the base does not have and values of another type. */
function merge(base: unknown, partial: unknown, path: string): unknown {
  if (partial === undefined) return structuredClone(base);
  // The free-form records: map name -> ceiling, label name -> value.
  const records: Record<string, ['number' | 'string', string]> = {
    'growth.ceilings': ['number', 'map name -> number'],
    alertLabels: ['string', 'label name -> string'],
  };
  const record = records[path];
  if (record) {
    const [type, what] = record;
    if (!isPlainObject(partial)) throw new ConfigError(`${path} must be an object of ${what}`);
    for (const [k, v] of Object.entries(partial)) {
      if (typeof v !== type)
        throw new ConfigError(`${path}.${k} must be a ${type}, got ${JSON.stringify(v)}`);
    }
    return { ...partial };
  }
  if (isPlainObject(base)) {
    if (!isPlainObject(partial)) throw new ConfigError(`${path || 'config'} must be an object`);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(partial)) {
      if (!(key in base)) {
        const known = Object.keys(base).join(', ');
        throw new ConfigError(`unknown key '${path ? `${path}.` : ''}${key}'; known keys here: ${known}`);
      }
    }
    for (const key of Object.keys(base))
      out[key] = merge(base[key], partial[key], path ? `${path}.${key}` : key);
    return out;
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(partial) || !partial.every((x) => typeof x === 'string')) {
      throw new ConfigError(`${path} must be an array of strings`);
    }
    return [...partial];
  }
  // keepFiringFor is the one nullable leaf.
  if (path.endsWith('.keepFiringFor') && (partial === null || typeof partial === 'string')) return partial;
  if (typeof partial !== typeof base) {
    throw new ConfigError(`${path} must be a ${typeof base}, got ${JSON.stringify(partial)}`);
  }
  return partial;
}

const MATCHER = String.raw`\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*`;
const SELECTOR_RE = new RegExp(`^${MATCHER}(?:,${MATCHER})*$`);
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Labels the pack sets or reads itself; alertLabels must not overwrite them. */
const RESERVED_LABELS = ['alertname', 'severity', 'signal', 'job', 'instance', 'map_name', 'metric'];

/** Checks values a type cannot express; messages say what to write instead. */
function validate(c: PackConfig): void {
  const fail = (msg: string): never => {
    throw new ConfigError(msg);
  };
  if (!(TARGETS as readonly string[]).includes(c.target)) {
    fail(`target must be one of ${TARGETS.join(', ')}; got '${c.target}'`);
  }
  if (!SELECTOR_RE.test(c.selector)) {
    fail(`selector must be PromQL matchers without braces, like 'job=~"checkout-.*"'; got '${c.selector}'`);
  }
  for (const l of c.groupBy) {
    if (!LABEL_RE.test(l)) fail(`groupBy: '${l}' is not a Prometheus label name`);
    if (['job', 'instance', 'map_name'].includes(l)) fail(`groupBy: '${l}' is always kept; remove it`);
  }
  for (const [k, v] of Object.entries(c.alertLabels)) {
    if (!LABEL_RE.test(k) || k.startsWith('__')) fail(`alertLabels: '${k}' is not a Prometheus label name`);
    if (RESERVED_LABELS.includes(k) || c.groupBy.includes(k)) {
      fail(`alertLabels: '${k}' is set by the pack or by the series; pick another label name`);
    }
    if (v === '') fail(`alertLabels.${k} must not be empty (an empty value removes the label)`);
  }
  for (const name of c.excludeMaps) if (name === '') fail('excludeMaps: map names must not be empty');
  for (const [p, v] of [
    ['memory.usageSeries', c.memory.usageSeries],
    ['memory.startTimeSeries', c.memory.startTimeSeries],
  ] as const) {
    if (!METRIC_RE.test(v)) fail(`${p} must be a Prometheus metric name; got '${v}'`);
  }
  if (c.memory.limitSeries !== '' && !METRIC_RE.test(c.memory.limitSeries)) {
    fail(`memory.limitSeries must be a Prometheus metric name or ''; got '${c.memory.limitSeries}'`);
  }
  if (c.memory.limitSeries === '' && !(Number.isFinite(c.memory.limitBytes) && c.memory.limitBytes > 0)) {
    fail("memory.limitBytes must be a positive number of bytes when memory.limitSeries is ''");
  }
  if (c.memory.limitSeries !== '' && c.memory.limitBytes !== 0) {
    fail("set either memory.limitSeries or memory.limitBytes (with memory.limitSeries: '')");
  }
  const interval = parseDuration(c.evaluationInterval);
  const checkDuration = (path: string, v: string, multiple: boolean) => {
    let s: number;
    try {
      s = parseDuration(v);
    } catch {
      return fail(`${path} must be a Prometheus duration such as '30s', '5m' or '1h'; got '${v}'`);
    }
    if (s <= 0) fail(`${path} must be positive`);
    if (multiple && s % interval !== 0) {
      fail(`${path} (${v}) must be a multiple of evaluationInterval (${c.evaluationInterval})`);
    }
  };
  checkDuration('evaluationInterval', c.evaluationInterval, false);
  const windows: Array<[string, string]> = [
    ['growth.window', c.growth.window],
    ['growth.peakWindow', c.growth.peakWindow],
    ['growth.predictWindow', c.growth.predictWindow],
    ['growth.predictHorizon', c.growth.predictHorizon],
    ['fresh.window', c.fresh.window],
    ['fresh.floorWindow', c.fresh.floorWindow],
    ['fresh.floorOffset', c.fresh.floorOffset],
    ['leak.holdWindow', c.leak.holdWindow],
    ['memory.window', c.memory.window],
    ['memory.restartWindow', c.memory.restartWindow],
    ['instances.window', c.instances.window],
    ['instances.peakWindow', c.instances.peakWindow],
    ['lock.stuckWindow', c.lock.stuckWindow],
    ['lock.window', c.lock.window],
    ['lock.timeoutWindow', c.lock.timeoutWindow],
    ['promotion.window', c.promotion.window],
    ['cache.window', c.cache.window],
    ['loads.window', c.loads.window],
    ['registry.overflowWindow', c.registry.overflowWindow],
    ['absence.lookback', c.absence.lookback],
    ['exporter.errorsWindow', c.exporter.errorsWindow],
    ['exporter.window', c.exporter.window],
    ['exporter.growthWindow', c.exporter.growthWindow],
  ];
  for (const [p, v] of windows) checkDuration(p, v, true);
  if ((parseDuration(c.instances.window) / interval) % 2 !== 0) {
    fail('instances.window must be an even multiple of evaluationInterval (its half is the recent window)');
  }
  for (const key of ALERT_KEYS) {
    const a = c.alerts[key];
    checkDuration(`alerts.${key}.for`, a.for, true);
    if (a.keepFiringFor !== null) checkDuration(`alerts.${key}.keepFiringFor`, a.keepFiringFor, true);
    if (!SEVERITIES.includes(a.severity)) {
      fail(`alerts.${key}.severity must be one of ${SEVERITIES.join(', ')}; got '${a.severity}'`);
    }
  }
  const positives: Array<[string, number]> = [
    ['growth.minFloorRise', c.growth.minFloorRise],
    ['growth.ceiling', c.growth.ceiling],
    ['fresh.minNetInserts', c.fresh.minNetInserts],
    ['fresh.ttlSlack', c.fresh.ttlSlack],
    ...Object.entries(c.growth.ceilings).map(([k, v]): [string, number] => [`growth.ceilings.${k}`, v]),
    ['instances.minFloorRise', c.instances.minFloorRise],
    ['lock.stormWaiters', c.lock.stormWaiters],
    ['lock.stormMeanWaitSeconds', c.lock.stormMeanWaitSeconds],
    ['memory.minNetInserts', c.memory.minNetInserts],
    ['exporter.maxScrapeSeconds', c.exporter.maxScrapeSeconds],
    ['exporter.minSampleGrowth', c.exporter.minSampleGrowth],
    ['lock.longWaitSeconds', c.lock.longWaitSeconds],
    ['lock.minContendedPerSecond', c.lock.minContendedPerSecond],
    ['lock.minTimeouts', c.lock.minTimeouts],
    ['promotion.copiedPerLookup', c.promotion.copiedPerLookup],
    ['promotion.minPromotionsPerSecond', c.promotion.minPromotionsPerSecond],
    ['cache.minLookupsPerSecond', c.cache.minLookupsPerSecond],
    ['loads.joinsPerLoad', c.loads.joinsPerLoad],
    ['loads.minJoinsPerSecond', c.loads.minJoinsPerSecond],
    ['loads.minLoadsPerSecond', c.loads.minLoadsPerSecond],
  ];
  for (const [p, v] of positives) if (!(Number.isFinite(v) && v > 0)) fail(`${p} must be a positive number`);
  const ratios: Array<[string, number]> = [
    ['lock.waitQuantile', c.lock.waitQuantile],
    ['fresh.minNetShare', c.fresh.minNetShare],
    ['memory.minNetShare', c.memory.minNetShare],
    ['lock.timeoutRatio', c.lock.timeoutRatio],
    ['cache.missRatio', c.cache.missRatio],
    ['loads.failureRatio', c.loads.failureRatio],
  ];
  for (const [p, v] of ratios) if (!(v > 0 && v < 1)) fail(`${p} must be between 0 and 1 (exclusive)`);
  for (const [p, v] of [
    ['fresh.ageRatio', c.fresh.ageRatio],
    ['growth.pageAboveShare', c.growth.pageAboveShare],
    ['memory.ratio', c.memory.ratio],
  ] as const) {
    if (!(v > 0 && v <= 1)) fail(`${p} must be above 0 and at most 1`);
  }
  if (!(c.exporter.sampleGrowthRatio > 1)) fail('exporter.sampleGrowthRatio must be above 1');
  if (c.fresh.ttlSlack < 1) fail('fresh.ttlSlack must be at least 1 (the TTL itself)');
  if (parseDuration(c.fresh.floorOffset) < parseDuration(c.fresh.floorWindow)) {
    fail('fresh.floorOffset must be at least fresh.floorWindow (the two floors must not overlap)');
  }
  if (!/^https?:\/\/\S+$/.test(c.runbookBaseUrl) || c.runbookBaseUrl.includes('#')) {
    fail('runbookBaseUrl must be an http(s) URL without a #fragment (anchors are appended per alert)');
  }
  if (!/^https?:\/\/[^\s?#]+$/.test(c.grafanaBaseUrl) || c.grafanaBaseUrl.endsWith('/')) {
    fail(
      "grafanaBaseUrl must be an http(s) URL without a trailing '/', query or #fragment, like 'https://grafana.example.com'",
    );
  }
  if (!/^[a-z0-9-]{1,20}$/.test(c.dashboards.uidPrefix)) {
    fail('dashboards.uidPrefix must be 1-20 characters of a-z, 0-9 and - (Grafana uids are at most 40)');
  }
  checkDuration('dashboards.refresh', c.dashboards.refresh, false);
}

/**
 * Whether the target's promtool tests are computed with left-open range selectors, `(t - w, t]` (Prometheus 3).
 * vmalert's tests run on promtool like the default flavour's; VictoriaMetrics' own (left-open) evaluation is
 * checked end to end (test/e2e/victoria-metrics.test.ts).
 */
export function leftOpenRanges(c: PackConfig): boolean {
  return c.target === 'prometheus3';
}

/** Merges a partial config over the defaults, validates it and returns a complete config. */
export function resolveConfig(partial: unknown = {}, base: PackConfig = defaultConfig): PackConfig {
  const merged = merge(base, partial, '') as PackConfig;
  validate(merged);
  // vmalert (1.79) refuses `keep_firing_for` as an unknown field: its flavour has none, and the tests expect none.
  if (merged.target === 'vmalert') for (const key of ALERT_KEYS) merged.alerts[key].keepFiringFor = null;
  return merged;
}

/**
 * Same rules, shrunk for an end-to-end test where Prometheus scrapes every second and the whole run takes
 * a few minutes: growth, leak and lock-storm alerts can fire within about a minute of the fault starting.
 */
export const fastConfig: PackConfig = resolveConfig({
  evaluationInterval: '5s',
  growth: {
    window: '30s',
    minFloorRise: 20,
    peakWindow: '30s',
    predictWindow: '30s',
    predictHorizon: '5m',
    ceiling: 100_000,
  },
  fresh: { window: '1m', minNetInserts: 20, floorWindow: '10s', floorOffset: '20s' },
  leak: { holdWindow: '15s' },
  instances: { window: '30s', minFloorRise: 5, peakWindow: '30s' },
  memory: { window: '1m', restartWindow: '30s' },
  lock: { stuckWindow: '15s', window: '15s', timeoutWindow: '30s', minTimeouts: 1 },
  promotion: { window: '30s' },
  cache: { window: '30s' },
  loads: { window: '30s' },
  registry: { overflowWindow: '30s' },
  absence: { lookback: '2m' },
  exporter: { errorsWindow: '30s', window: '30s', growthWindow: '30s' },
  alerts: {
    growth: { for: '15s', keepFiringFor: '30s' },
    freshLeak: { for: '15s', keepFiringFor: '30s' },
    growthCeiling: { for: '15s', keepFiringFor: '30s' },
    leakSuspect: { for: '10s', keepFiringFor: '30s' },
    instancesGrowing: { for: '15s', keepFiringFor: '30s' },
    declaredMax: { for: '15s' },
    memoryNearLimit: { for: '15s', keepFiringFor: '15s' },
    restartNearLimit: { for: '5s' },
    lockStuck: { for: '10s' },
    lockStorm: { for: '10s', keepFiringFor: '15s' },
    lockWaitsLong: { for: '15s', keepFiringFor: '15s' },
    lockTimeouts: { for: '5s' },
    promotionChurn: { for: '15s' },
    cacheIneffective: { for: '30s' },
    loadStampede: { for: '15s' },
    loadsFailing: { for: '15s', keepFiringFor: '15s' },
    registryOverflow: { for: '5s' },
    metricsAbsent: { for: '15s' },
    jobMetricsAbsent: { for: '15s' },
    collectErrors: { for: '5s' },
    scrapeSlow: { for: '15s' },
    samplesGrowing: { for: '15s' },
  },
});
