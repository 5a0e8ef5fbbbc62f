/**
 * Config -> Prometheus rule groups. Each alert is one entry of ALERTS_DEF: its name, static summary,
 * templated description and expression builder. Anti-flap is built into the expressions (floors with
 * min_over_time, averages over windows, threshold AND trend) and into `for` / `keep_firing_for` from config.
 * Values appear only in annotations; labels are static so that an alert's identity never changes.
 */
import { LABELS, METRICS } from '../conventions.js';
import { type AlertKey, type PackConfig, type Severity } from './config.js';
import { formatDuration, parseDuration } from './duration.js';
import { by, histogramSeries, mapLabels, num, on, selector, targetLabels } from './promql.js';

/** Which rule group an alert lives in. */
export type RuleGroupName = 'mapwatch-growth' | 'mapwatch-locks' | 'mapwatch-shape' | 'mapwatch-meta';

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
  summary: string;
  description: (c: PackConfig) => string;
  expr: (c: PackConfig) => string;
}

export interface PromRule {
  alert: string;
  expr: string;
  for: string;
  keep_firing_for?: string;
  labels: { severity: Severity; signal: string };
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup {
  name: RuleGroupName;
  interval: string;
  rules: PromRule[];
}

const WHERE = 'map {{ $labels.map_name }} (job {{ $labels.job }}, instance {{ $labels.instance }})';

/** Selector of a series with the configured matchers plus `extra`. */
const s = (c: PackConfig, series: string, ...extra: string[]) => selector(series, c.selector, ...extra);
const G = (c: PackConfig) => by(mapLabels(c.groupBy));
const ON = (c: PackConfig) => on(mapLabels(c.groupBy));

/** Rise of the floor (lowest value in a window) against the window just before it. */
function floorRise(c: PackConfig, series: string, window: string): string {
  return (
    `sum ${G(c)} (min_over_time(${s(c, series)}[${window}]))\n` +
    `  - sum ${G(c)} (min_over_time(${s(c, series)}[${window}] offset ${window}))`
  );
}

/** Entries the map gained from writes in the window: inserts minus deletes (deletes may never have been emitted). */
function netInserts(c: PackConfig, window: string): string {
  const ins = `sum ${G(c)} (increase(${s(c, METRICS.inserts.name)}[${window}]))`;
  const del = `sum ${G(c)} (increase(${s(c, METRICS.deletes.name)}[${window}]))`;
  return `${ins}\n  - (${del} or 0 * ${ins})`;
}

/** `sum by (...) (rate(series{...}[w]))`. */
function rateSum(c: PackConfig, series: string, window: string, ...extra: string[]): string {
  return `sum ${G(c)} (rate(${s(c, series, ...extra)}[${window}]))`;
}

/**
 * The count now is above its peak of "yesterday" (the peak window, one peak window ago). Daily cycles and
 * refills after a restart stay below it; a leak does not. No data from yesterday means no alert.
 */
function aboveYesterdaysPeak(c: PackConfig, series: string, peakWindow: string): string {
  return (
    `sum ${G(c)} (${s(c, series)})
` + `  > sum ${G(c)} (max_over_time(${s(c, series)}[${peakWindow}] offset ${peakWindow}))`
  );
}

/** Escapes a label value for a PromQL string literal. */
const labelValue = (v: string) => JSON.stringify(v);

/** predict_linear of the entries compared with the ceiling, one clause per map with its own ceiling. */
function ceilingCrossed(c: PackConfig): string {
  const pred = (...extra: string[]) =>
    `sum ${G(c)} (predict_linear(${s(c, METRICS.entries.name, ...extra)}[${c.growth.predictWindow}], ` +
    `${num(parseDuration(c.growth.predictHorizon))}))`;
  const overrides = Object.entries(c.growth.ceilings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (overrides.length === 0) return `${pred()} > ${num(c.growth.ceiling)}`;
  const others = overrides.map(([name]) => `${LABELS.mapName}!=${labelValue(name)}`);
  return (
    `(\n  ${pred(...others)} > ${num(c.growth.ceiling)}\n` +
    overrides
      .map(([name, ceiling]) => `  or ${pred(`${LABELS.mapName}=${labelValue(name)}`)} > ${num(ceiling)}\n`)
      .join('') +
    ')'
  );
}

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
      `${c.growth.window}, inserts outpaced deletes over the last ${c.growth.window}, and it holds more ` +
      `entries than at its peak of the ${c.growth.peakWindow} that ended ${c.growth.peakWindow} ago. Nothing is bounding it.`,
    expr: (c) =>
      `(\n  ${floorRise(c, METRICS.entries.name, c.growth.window)}\n) >= ${num(c.growth.minFloorRise)}\n` +
      `and ${ON(c)}\n(\n  ${netInserts(c, c.growth.window)}\n) >= ${num(c.growth.minFloorRise)}\n` +
      `and ${ON(c)}\n(\n  ${aboveYesterdaysPeak(c, METRICS.entries.name, c.growth.peakWindow)}\n)`,
  },
  {
    key: 'growthCeiling',
    name: 'MapwatchMapCeilingPredicted',
    group: 'mapwatch-growth',
    signal: 'growth',
    scope: 'map',
    summary: 'A growing map is predicted to cross its entry ceiling soon.',
    description: (c) => {
      const overridden = Object.keys(c.growth.ceilings).length > 0;
      return (
        `Extrapolating its last ${c.growth.predictWindow}, ${WHERE} is predicted to hold {{ $value | humanize }} ` +
        `entries within ${c.growth.predictHorizon}, above ` +
        (overridden
          ? `its ceiling (${num(c.growth.ceiling)} unless set per map)`
          : `the ceiling of ${num(c.growth.ceiling)}`) +
        `; its floor is rising and it is above its peak of the ${c.growth.peakWindow} that ended ${c.growth.peakWindow} ago.`
      );
    },
    expr: (c) =>
      `${ceilingCrossed(c)}\n` +
      `and ${ON(c)}\n(\n  ${floorRise(c, METRICS.entries.name, c.growth.window)}\n) >= ${num(c.growth.minFloorRise)}\n` +
      `and ${ON(c)}\n(\n  ${aboveYesterdaysPeak(c, METRICS.entries.name, c.growth.peakWindow)}\n)`,
  },
  {
    key: 'leakSuspect',
    name: 'MapwatchMapLeakSuspected',
    group: 'mapwatch-growth',
    signal: 'growth',
    scope: 'map',
    summary: 'The in-process leak detector suspects a map of leaking.',
    description: (c) =>
      `The leak detector inside the service has flagged ${WHERE} as growing without bound in every sample ` +
      `of the last ${c.leak.holdWindow} (verdict {{ $value }}). See the growth rate panel for entries per second.`,
    expr: (c) => `max ${G(c)} (min_over_time(${s(c, METRICS.leakSuspect.name)}[${c.leak.holdWindow}])) == 1`,
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
      `{{ $labels.instance }}) rose by {{ $value | humanize }} against the previous ${c.instances.window}, is ` +
      `still rising and above its peak of the ${c.instances.peakWindow} that ended ${c.instances.peakWindow} ago: the objects that own these ` +
      'maps are not being released.',
    expr: (c) => {
      const half = formatDuration(parseDuration(c.instances.window) / 2);
      return (
        `(\n  ${floorRise(c, METRICS.instances.name, c.instances.window)}\n) >= ${num(c.instances.minFloorRise)}\n` +
        `and ${ON(c)}\n(\n  ${floorRise(c, METRICS.instances.name, half)}\n) > 0\n` +
        `and ${ON(c)}\n(\n  ${aboveYesterdaysPeak(c, METRICS.instances.name, c.instances.peakWindow)}\n)`
      );
    },
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
      `sum ${G(c)} (increase(${s(c, METRICS.lockAcquisitions.name)}[${c.lock.stuckWindow}])) > 0`,
  },
  {
    key: 'lockStorm',
    name: 'MapwatchLockStorm',
    group: 'mapwatch-locks',
    signal: 'lock',
    scope: 'map',
    summary: 'Tasks are queueing on a map lock: waiting time and waiters are both high.',
    description: (c) =>
      `Tasks spent {{ $value | humanize }}s per second waiting for the lock of ${WHERE}, with at least ` +
      `${num(c.lock.stormWaiters)} tasks queued on average over ${c.lock.window}.`,
    expr: (c) =>
      `${rateSum(c, METRICS.lockWaitSeconds.name, c.lock.window)} > ${num(c.lock.stormWaitSecondsPerSecond)}\n` +
      `and ${ON(c)}\n` +
      // The waiter gauge drains and refills between scrapes; an average over the window is stable.
      `max ${G(c)} (avg_over_time(${s(c, METRICS.lockWaiters.name)}[${c.lock.window}])) >= ${num(c.lock.stormWaiters)}`,
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
    expr: (c) => {
      const h = histogramSeries(METRICS.lockWaitDuration);
      const labels = [...mapLabels(c.groupBy), 'le'];
      return (
        `histogram_quantile(${c.lock.waitQuantile}, sum ${by(labels)} (rate(${s(c, h.bucket)}[${c.lock.window}]))) ` +
        `> ${num(c.lock.longWaitSeconds)}\n` +
        `and ${ON(c)}\n${rateSum(c, h.count, c.lock.window)} > ${num(c.lock.minContendedPerSecond)}`
      );
    },
  },
  {
    key: 'lockTimeouts',
    name: 'MapwatchLockTimeouts',
    group: 'mapwatch-locks',
    signal: 'lock',
    scope: 'map',
    summary: 'Lock acquisitions on a map are timing out or being aborted.',
    description: (c) =>
      // increase() extrapolates; a count of acquisitions reads better rounded.
      `{{ printf "%.0f" $value }} acquisitions of the lock of ${WHERE} were abandoned (timeout or abort) ` +
      `in the last ${c.lock.timeoutWindow}. Each is a request that failed waiting.`,
    expr: (c) =>
      `sum ${G(c)} (increase(${s(c, METRICS.lockTimeouts.name)}[${c.lock.timeoutWindow}])) >= ${num(c.lock.minTimeouts)}`,
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
      `${rateSum(c, METRICS.copiedEntries.name, c.promotion.window)}\n  / ${rateSum(c, METRICS.lookups.name, c.promotion.window)}\n` +
      `  > ${num(c.promotion.copiedPerLookup)}\n` +
      `and ${ON(c)}\n${rateSum(c, METRICS.promotions.name, c.promotion.window)} > ${num(c.promotion.minPromotionsPerSecond)}`,
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
      `${c.cache.minLookupsPerSecond} lookups per second. The cache costs memory and saves little.`,
    expr: (c) =>
      `${rateSum(c, METRICS.lookups.name, c.cache.window, `${LABELS.result}="miss"`)}\n` +
      `  / ${rateSum(c, METRICS.lookups.name, c.cache.window)}\n  > ${c.cache.missRatio}\n` +
      `and ${ON(c)}\n${rateSum(c, METRICS.lookups.name, c.cache.window)} > ${num(c.cache.minLookupsPerSecond)}\n` +
      // Only caches: maps that evict or expire entries, or loading maps. A membership set (a blocklist
      // checked with has()) misses by design.
      `and ${ON(c)}\n(\n  sum ${G(c)} (increase(${s(c, METRICS.deletes.name, `${LABELS.cause}=~"evict|expire"`)}[${c.cache.window}])) > 0\n` +
      `  or count ${G(c)} (${s(c, METRICS.entries.name, `${LABELS.mapKind}="loading"`)})\n)`,
  },
  {
    key: 'loadStampede',
    name: 'MapwatchLoadStampede',
    group: 'mapwatch-shape',
    signal: 'loading',
    scope: 'map',
    summary: 'Many callers pile onto the same in-flight loads of a loading map.',
    description: (c) =>
      `Each load of ${WHERE} was joined by {{ $value | humanize }} waiting callers on average over ` +
      `${c.loads.window}. Single-flight absorbs the stampede, but hot keys expire or miss together.`,
    expr: (c) =>
      `${rateSum(c, METRICS.loadJoins.name, c.loads.window)}\n  / ${rateSum(c, METRICS.loads.name, c.loads.window)}\n` +
      `  > ${num(c.loads.joinsPerLoad)}\n` +
      `and ${ON(c)}\n${rateSum(c, METRICS.loadJoins.name, c.loads.window)} > ${num(c.loads.minJoinsPerSecond)}`,
  },
  {
    key: 'loadsFailing',
    name: 'MapwatchLoadsFailing',
    group: 'mapwatch-shape',
    signal: 'loading',
    scope: 'map',
    summary: 'The loader of a loading map fails often.',
    description: (c) =>
      `{{ $value | humanizePercentage }} of loader calls of ${WHERE} failed over ${c.loads.window}.`,
    expr: (c) =>
      `${rateSum(c, METRICS.loads.name, c.loads.window, `${LABELS.result}="failure"`)}\n` +
      `  / ${rateSum(c, METRICS.loads.name, c.loads.window)}\n  > ${c.loads.failureRatio}\n` +
      `and ${ON(c)}\n${rateSum(c, METRICS.loads.name, c.loads.window)} > ${num(c.loads.minLoadsPerSecond)}`,
  },
  {
    key: 'registryOverflow',
    name: 'MapwatchRegistryOverflow',
    group: 'mapwatch-meta',
    signal: 'registry',
    scope: 'target',
    summary: 'The mapwatch registry is full and folds new map names into one series.',
    description: () =>
      `{{ $value | humanize }} maps of job {{ $labels.job }}, instance {{ $labels.instance }} have been folded ` +
      'into map_name="_other" since the process started: map names are unbounded or the cap is too low.',
    // A state, not a rate: overflow often happens at start-up, before the first scrape, and the counter
    // stays flat afterwards. The alert holds until the process restarts with fewer names.
    expr: (c) => `max ${by(targetLabels(c.groupBy))} (${s(c, METRICS.registryOverflow.name)}) > 0`,
  },
  {
    key: 'metricsAbsent',
    name: 'MapwatchMetricsAbsent',
    group: 'mapwatch-meta',
    signal: 'absence',
    scope: 'target',
    summary: 'A target that exported mapwatch metrics stopped exporting them.',
    description: (c) =>
      `Job {{ $labels.job }}, instance {{ $labels.instance }} is up but has exported no mapwatch metrics ` +
      `although it did within the last ${c.absence.lookback} ({{ $value }} registry series gone). ` +
      'The exporter was unregistered or a deploy dropped it; dashboards and alerts for it are blind.',
    expr: (c) => {
      const t = targetLabels(c.groupBy);
      const rm = s(c, METRICS.registryMaps.name);
      return (
        `(\n  count ${by(t)} (present_over_time(${rm}[${c.absence.lookback}]))\n  unless count ${by(t)} (${rm})\n)\n` +
        `and ${on(['job', 'instance'])} (${selector('up', c.selector)} == 1)`
      );
    },
  },
];

/** GitHub's heading anchor of `## <name>` in runbook.md. */
export function runbookAnchor(name: string): string {
  return name.toLowerCase();
}

export function alertDef(key: AlertKey): AlertDef {
  const def = ALERT_DEFS.find((d) => d.key === key);
  if (!def) throw new Error(`no alert '${key}'`);
  return def;
}

export function buildRule(def: AlertDef, c: PackConfig): PromRule {
  const timing = c.alerts[def.key];
  const rule: PromRule = {
    alert: def.name,
    expr: def.expr(c),
    for: timing.for,
    labels: { severity: timing.severity, signal: def.signal },
    annotations: {
      summary: def.summary,
      description: def.description(c),
      runbook_url: `${c.runbookBaseUrl}#${runbookAnchor(def.name)}`,
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

export function buildRuleGroups(c: PackConfig): RuleGroup[] {
  return GROUP_ORDER.map((name) => ({
    name,
    interval: c.evaluationInterval,
    rules: ALERT_DEFS.filter((d) => d.group === name).map((d) => buildRule(d, c)),
  }));
}
