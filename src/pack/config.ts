/**
 * The one config object of the monitoring pack (monitoring-mixin shape: config in, files out).
 * Every threshold, window, `for`, severity and dashboard setting lives here so that a team can tune the
 * pack with a small JSON file (`mapwatch rules --config tuned.json`) instead of editing generated YAML.
 */
import { ALERT_KEYS, type PackConfig } from './config/schema.js';
import { merge, validate } from './config/validate.js';

// The shape lives in config/schema.ts and the checks in config/validate.ts; this module is their entry.
export {
  ALERT_KEYS,
  RESOURCE_LABELS,
  SEVERITIES,
  TARGETS,
  type AlertKey,
  type AlertTiming,
  type DeepPartial,
  type PackConfig,
  type Severity,
  type Target,
} from './config/schema.js';
export { ConfigError } from './config/validate.js';

export const defaultConfig: PackConfig = {
  target: 'prometheus',
  selector: 'job=~".+"',
  groupBy: ['cluster', 'namespace'],
  alertLabels: {},
  resourceLabels: {},
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
