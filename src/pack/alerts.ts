/**
 * Config -> Prometheus rule groups. Each alert is one entry of ALERT_DEFS: its name, static summary,
 * templated description and expression builder. Anti-flap is built into the expressions (floors with
 * min_over_time, averages over windows, threshold AND trend) and into `for` / `keep_firing_for` from config.
 * Values appear only in annotations; labels are static so that an alert's identity never changes.
 *
 * The long windows of the growth alerts are read through `Terms`: with `recordingRules` on they become
 * recording rules (`instance_map:<metric>:<op><window>`, `job_map:<metric>:<op>`, Prometheus'
 * level:metric:operations naming), evaluated in the alerts' own group just before them so that an alert
 * sees the recorded value of the same evaluation; with it off, the same windows are written inline.
 */
import { LABELS, METRICS, type MetricSpec } from '../conventions.js';
import { type AlertKey, type PackConfig, type Severity } from './config.js';
import { formatDuration, parseDuration } from './duration.js';
import { by, histogramSeries, jobMapLabels, mapLabels, num, on, selector, targetLabels } from './promql.js';

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
  expr: (c: PackConfig, t: Terms) => string;
}

export interface PromRule {
  alert: string;
  expr: string;
  for: string;
  keep_firing_for?: string;
  labels: { severity: Severity; signal: string };
  annotations: { summary: string; description: string; runbook_url: string };
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

/** Selector of a series with the configured matchers plus `extra`. */
const s = (c: PackConfig, series: string, ...extra: string[]) => selector(series, c.selector, ...extra);
const G = (c: PackConfig) => by(mapLabels(c.groupBy));
const ON = (c: PackConfig) => on(mapLabels(c.groupBy));
const J = (c: PackConfig) => by(jobMapLabels(c.groupBy));

/**
 * Name of a recorded series, Prometheus style: `level:metric:operations`. The level names the labels
 * kept (`instance_map`: job, instance, map_name; `job_map`: job, map_name; plus the groupBy labels), the
 * metric is the table's name (a counter without `_total` once rated), the operations the window.
 */
export function recordName(level: 'instance_map' | 'job_map', m: MetricSpec, op: string): string {
  const base = m.type === 'counter' ? m.name.replace(/_total$/, '') : m.name;
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

  /** `sum by (job, instance, map_name) (fn(metric[window]))`, `offset` ago. */
  perInstance(m: MetricSpec, fn: 'min_over_time' | 'increase', window: string, offset?: string): string {
    const c = this.c;
    const inline = (o?: string) =>
      `sum ${G(c)} (${fn}(${s(c, m.name)}[${window}]${o ? ` offset ${o}` : ''}))`;
    if (!c.recordingRules) return inline(offset);
    const name = this.record(recordName('instance_map', m, `${fn}${window}`), inline());
    return offset ? `${name} offset ${offset}` : name;
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
}

/** Rise of the floor (lowest value in a window) against the window just before it. */
function floorRise(t: Terms, m: MetricSpec, window: string): string {
  return `${t.perInstance(m, 'min_over_time', window)}\n  - ${t.perInstance(m, 'min_over_time', window, window)}`;
}

/** Entries the map gained from writes in the window: inserts minus deletes (deletes may never have been emitted). */
function netInserts(t: Terms, window: string): string {
  const ins = t.perInstance(METRICS.inserts, 'increase', window);
  const del = t.perInstance(METRICS.deletes, 'increase', window);
  return `${ins}\n  - (${del} or 0 * ${ins})`;
}

/** `sum by (...) (rate(series{...}[w]))`. */
function rateSum(c: PackConfig, series: string, window: string, ...extra: string[]): string {
  return `sum ${G(c)} (rate(${s(c, series, ...extra)}[${window}]))`;
}

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
  return (
    `sum ${G(c)} (${s(c, METRICS.entries.name)})\n` +
    `  <= ${ON(c)} sum ${G(c)} (${s(c, METRICS.declaredMaxEntries.name)})`
  );
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

/** Escapes a label value for a PromQL string literal. */
const labelValue = (v: string) => JSON.stringify(v);

/** predict_linear of the entries compared with the ceiling, one clause per map with its own ceiling. */
function ceilingCrossed(c: PackConfig, t: Terms): string {
  const overrides = Object.entries(c.growth.ceilings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (overrides.length === 0) return `${t.predicted()} > ${num(c.growth.ceiling)}`;
  const others = overrides.map(([name]) => `${LABELS.mapName}!=${labelValue(name)}`);
  return (
    `(\n  ${t.predicted(...others)} > ${num(c.growth.ceiling)}\n` +
    overrides
      .map(
        ([name, ceiling]) =>
          `  or ${t.predicted(`${LABELS.mapName}=${labelValue(name)}`)} > ${num(ceiling)}\n`,
      )
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
      `entries than any instance of its job at its peak of the ${c.growth.peakWindow} that ended ${c.growth.peakWindow} ago. ` +
      'No declared bound (maxEntries, TTL) holds it.',
    expr: (c, t) =>
      `(\n  ${floorRise(t, METRICS.entries, c.growth.window)}\n) >= ${num(c.growth.minFloorRise)}\n` +
      `and ${ON(c)}\n(\n  ${netInserts(t, c.growth.window)}\n) >= ${num(c.growth.minFloorRise)}\n` +
      `and ${ON(c)}\n(\n  ${aboveYesterdaysPeak(c, t, METRICS.entries, c.growth.peakWindow)}\n)\n` +
      `unless ${ON(c)}\n(\n  ${withinDeclaredMax(c)}\n)\n` +
      `unless ${ON(c)}\n(\n  ${withinDeclaredTtl(c)}\n)`,
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
      `${WHERE.charAt(0).toUpperCase()}${WHERE.slice(1)} gained {{ $value | humanize }} entries (inserts minus deletes) ` +
      `over the last ${c.fresh.window} while its oldest sampled entry aged by at least ` +
      `${Math.round(c.fresh.ageRatio * 100)}% of that time (nothing old was removed), and its floor over ` +
      `${c.fresh.floorWindow} rose against ${c.fresh.floorOffset} earlier. It declares no bound it is within ` +
      '(maxEntries, TTL).',
    expr: (c, t) => {
      const age = s(c, METRICS.oldestSampledAge.name);
      const minNet =
        `clamp_min(${num(c.fresh.minNetShare)} * sum ${G(c)} (${s(c, METRICS.entries.name)}), ` +
        `${num(c.fresh.minNetInserts)})`;
      const floor = (offset?: string) =>
        t.perInstance(METRICS.entries, 'min_over_time', c.fresh.floorWindow, offset);
      return (
        `(\n  ${netInserts(t, c.fresh.window)}\n) >= ${ON(c)} ${minNet}\n` +
        `and ${ON(c)}\n(\n  max ${G(c)} (${age})\n  - max ${G(c)} (${age} offset ${c.fresh.window})\n) ` +
        `>= ${num(freshAgeThreshold(c))}\n` +
        `and ${ON(c)}\n(\n  ${floor()}\n  - ${floor(c.fresh.floorOffset)}\n) > 0\n` +
        `unless ${ON(c)}\n(\n  ${withinDeclaredMax(c)}\n)\n` +
        `unless ${ON(c)}\n(\n  ${withinDeclaredTtl(c)}\n)`
      );
    },
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
        `; its floor is rising and it is above its job's peak of the ${c.growth.peakWindow} that ended ${c.growth.peakWindow} ago.`
      );
    },
    expr: (c, t) =>
      `${ceilingCrossed(c, t)}\n` +
      `and ${ON(c)}\n(\n  ${floorRise(t, METRICS.entries, c.growth.window)}\n) >= ${num(c.growth.minFloorRise)}\n` +
      `and ${ON(c)}\n(\n  ${aboveYesterdaysPeak(c, t, METRICS.entries, c.growth.peakWindow)}\n)`,
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
      `still rising and above its job's peak of the ${c.instances.peakWindow} that ended ${c.instances.peakWindow} ago: the objects that own these ` +
      'maps are not being released.',
    expr: (c, t) => {
      const half = formatDuration(parseDuration(c.instances.window) / 2);
      return (
        `(\n  ${floorRise(t, METRICS.instances, c.instances.window)}\n) >= ${num(c.instances.minFloorRise)}\n` +
        `and ${ON(c)}\n(\n  ${floorRise(t, METRICS.instances, half)}\n) > 0\n` +
        `and ${ON(c)}\n(\n  ${aboveYesterdaysPeak(c, t, METRICS.instances, c.instances.peakWindow)}\n)`
      );
    },
  },
  {
    key: 'declaredMax',
    name: 'MapwatchMapAboveDeclaredMax',
    group: 'mapwatch-growth',
    signal: 'bound',
    scope: 'map',
    summary: 'A map holds more entries than the maximum it declares.',
    description: () =>
      `${WHERE.charAt(0).toUpperCase()}${WHERE.slice(1)} holds {{ $value | humanize }} entries, more than the ` +
      'maxEntries its live maps declare: the bound is not enforced, or the map counts what it does not bound.',
    expr: (c) =>
      `sum ${G(c)} (${s(c, METRICS.entries.name)})\n` +
      `  > ${ON(c)} sum ${G(c)} (${s(c, METRICS.declaredMaxEntries.name)})`,
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

export function buildRule(def: AlertDef, c: PackConfig, terms: Terms = new Terms(c)): PromRule {
  const timing = c.alerts[def.key];
  const rule: PromRule = {
    alert: def.name,
    expr: def.expr(c, terms),
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

/** The alerting rules of the config, in group order (no recording rules). */
export function buildAlertRules(c: PackConfig): PromRule[] {
  const terms = new Terms(c);
  return GROUP_ORDER.flatMap((name) =>
    ALERT_DEFS.filter((d) => d.group === name).map((d) => buildRule(d, c, terms)),
  );
}

/**
 * The rule groups. Recording rules come first in the group of the alerts that read them: rules of a group
 * are evaluated in order, each seeing what the ones before it wrote at the same evaluation.
 */
export function buildRuleGroups(c: PackConfig): RuleGroup[] {
  const terms = new Terms(c);
  return GROUP_ORDER.map((name) => {
    const alerts = ALERT_DEFS.filter((d) => d.group === name).map((d) => buildRule(d, c, terms));
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
