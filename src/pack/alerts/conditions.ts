/**
 * The conditions alerts share, each built from the config and the windowed terms: floors and net inserts,
 * yesterday's peak, the declared bounds, the ceilings, process memory, and the ratios and quantiles of the
 * lock, cache and loading alerts. A rule and the panel that draws it call the same function.
 */
import { LABELS, METRICS, type MetricSpec } from '../../conventions.js';
import { type PackConfig } from '../config.js';
import { parseDuration } from '../duration.js';
import { by, histogramSeries, jobMapLabels, mapLabels, num, on } from '../promql.js';
import { PROMETHEUS_SERIES } from '../series.js';
import {
  byMap,
  byTarget,
  excluded,
  labelValue,
  mapSeries,
  onMap,
  onTarget,
  targetSeries,
} from './selectors.js';
import { type Terms } from './terms.js';
import { type ScopedConfig } from './types.js';

const { scrapeDuration, scrapeSamples } = PROMETHEUS_SERIES;

/** Rise of the floor (lowest value in a window) against the window just before it. */
export function floorRise(t: Terms, m: MetricSpec, window: string, extra: string[] = []): string {
  return (
    `${t.perInstance(m, 'min_over_time', window, undefined, extra)}\n` +
    `  - ${t.perInstance(m, 'min_over_time', window, window)}`
  );
}

/** Entries the map gained from writes in the window: inserts minus deletes (deletes may never have been emitted). */
export function netInserts(t: Terms, window: string, extra: string[] = []): string {
  const ins = t.perInstance(METRICS.inserts, 'increase', window, undefined, extra);
  const del = t.perInstance(METRICS.deletes, 'increase', window);
  return `${ins}\n  - (${del} or 0 * ${ins})`;
}

/** `sum by (...) (rate(series{...}[w]))`. */
export function rateSum(c: PackConfig, series: string, window: string, ...extra: string[]): string {
  return `sum ${byMap(c)} (rate(${mapSeries(c, series, ...extra)}[${window}]))`;
}

/** `sum by (...) (increase(series{...}[w]))`. */
export function increaseSum(c: PackConfig, series: string, window: string, ...extra: string[]): string {
  return `sum ${byMap(c)} (increase(${mapSeries(c, series, ...extra)}[${window}]))`;
}

/** Entries of the map now, summed over its series. */
export const entriesNow = (c: PackConfig, ...extra: string[]) =>
  `sum ${byMap(c)} (${mapSeries(c, METRICS.entries.name, ...extra)})`;

/**
 * The count now is above the job's peak of "yesterday" (the peak window, one peak window ago, of any
 * instance of the job). Daily cycles and refills after a restart stay below it, also under a new instance
 * label; a leak does not. No data from yesterday means no alert.
 */
export function aboveYesterdaysPeak(c: PackConfig, t: Terms, m: MetricSpec, peakWindow: string): string {
  return (
    `sum ${byMap(c)} (${mapSeries(c, m.name)})\n` +
    `  > ${on(jobMapLabels(c.groupBy))} group_left\n  ${t.jobPeak(m, peakWindow)}`
  );
}

/** Within its declared maxEntries: never a leak. Maps that declare none export no bound series. */
export function withinDeclaredMax(c: PackConfig): string {
  return `${entriesNow(c)}\n  <= ${onMap(c)} sum ${byMap(c)} (${mapSeries(c, METRICS.declaredMaxEntries.name)})`;
}

/** Oldest sampled entry within the declared TTL (times the slack): bounded in age, never a leak. */
export function withinDeclaredTtl(c: PackConfig): string {
  return (
    `max ${byMap(c)} (${mapSeries(c, METRICS.oldestSampledAge.name)})\n` +
    `  <= ${onMap(c)} max ${byMap(c)} (${mapSeries(c, METRICS.declaredTtl.name)}) * ${num(c.fresh.ttlSlack)}`
  );
}

/**
 * MapwatchMapLeakFreshTarget: of the floor's rise over two floor offsets, the earlier offset must carry
 * at least this share. A steady leak puts about half in each; a bulk load puts all of it in one, and
 * a target's warm-up beside it very little in the other.
 */
export const FRESH_EARLIER_RISE_SHARE = 0.25;

/** Seconds the oldest sampled entry must age by within the fresh window. */
export function freshAgeThreshold(c: PackConfig): number {
  return Math.round(parseDuration(c.fresh.window) * c.fresh.ageRatio * 1000) / 1000;
}

/** The per-map ceilings, sorted, and the matchers of the maps that use the default ceiling. */
export function ceilingClauses(c: PackConfig): { overrides: Array<[string, number]>; others: string[] } {
  const overrides = Object.entries(c.growth.ceilings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { overrides, others: overrides.map(([name]) => `${LABELS.mapName}!=${labelValue(name)}`) };
}

/** `term(matchers) <op> share * ceiling`, one clause per map with its own ceiling. */
export function perCeiling(
  c: PackConfig,
  term: (...x: string[]) => string,
  op: '>' | '>=',
  share = 1,
): string {
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
export function ceilingCrossed(c: PackConfig, t: Terms): string {
  return perCeiling(c, (...x) => t.predicted(...excluded(c), ...x), '>');
}

/** The entries now at or above `pageAboveShare` of the map's ceiling (little headroom left now). */
export function littleHeadroom(c: PackConfig): string {
  return perCeiling(c, (...x) => entriesNow(c, ...x), '>=', c.growth.pageAboveShare);
}

/** The memory limit per target: the limit series, or the fixed limit in bytes. */
export function memoryLimit(c: ScopedConfig): string {
  return c.memory.limitSeries
    ? `max ${byTarget(c)} (${targetSeries(c, c.memory.limitSeries)})`
    : num(c.memory.limitBytes);
}

/** Memory in use over its limit, per target; `usage` reads the usage series per target. */
export function memoryShare(c: ScopedConfig, usage: (sel: string) => string): string {
  return `${usage(targetSeries(c, c.memory.usageSeries))} / ${memoryLimit(c)}`;
}

/** A per-target value put on every map of the target: `0 * entries + on (target) group_left value`. */
export function onEveryMap(c: PackConfig, perTarget: string): string {
  return `0 * ${entriesNow(c)}\n  + ${onTarget(c)} group_left ()\n  (${perTarget})`;
}

/** The map grew over `window`: inserts minus deletes reach `memory.minNetShare` of its entries (and minNetInserts). */
export function mapGrew(c: PackConfig, t: Terms): string {
  return (
    `(\n  ${netInserts(t, c.memory.window)}\n) >= ${onMap(c)} ` +
    `clamp_min(${num(c.memory.minNetShare)} * ${entriesNow(c)}, ${num(c.memory.minNetInserts)})`
  );
}

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

/**
 * `fn` of the ratios and quantiles below: the rules use rate(); the panels drawing the alert's own window use
 * increase(), the same ratio, since Grafana's dashboard linter asks every rate() of a panel for $__rate_interval.
 */
export type WindowFn = 'rate' | 'increase';
export const windowSum = (fn: WindowFn) => (fn === 'rate' ? rateSum : increaseSum);

export function waitQuantile(c: PackConfig, fn: WindowFn = 'rate'): string {
  const h = histogramSeries(METRICS.lockWaitDuration);
  const labels = [...mapLabels(c.groupBy), 'le'];
  return `histogram_quantile(${c.lock.waitQuantile}, sum ${by(labels)} (${fn}(${mapSeries(c, h.bucket)}[${c.lock.window}])))`;
}

/** Acquisitions abandoned over every attempt (grants plus abandons); no grant at all is an empty sum. */
export function timeoutShare(c: PackConfig): string {
  const w = c.lock.timeoutWindow;
  const timeouts = increaseSum(c, METRICS.lockTimeouts.name, w);
  return `${timeouts}\n  / (\n    (${increaseSum(c, METRICS.lockAcquisitions.name, w)} or 0 * ${timeouts})\n    + ${timeouts}\n  )`;
}

export function churn(c: PackConfig, fn: WindowFn = 'rate'): string {
  const w = c.promotion.window;
  const sum = windowSum(fn);
  return `${sum(c, METRICS.copiedEntries.name, w)}\n  / ${sum(c, METRICS.lookups.name, w)}`;
}

export function missRatio(c: PackConfig, fn: WindowFn = 'rate'): string {
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
    `sum ${byMap(c)} (increase(${mapSeries(c, METRICS.deletes.name, `${LABELS.cause}=~"evict|expire"`)}[${window}])) > 0\n` +
    `  or count ${byMap(c)} (${mapSeries(c, METRICS.entries.name, `${LABELS.mapKind}="loading"`)})`
  );
}

export function joinsPerLoad(c: PackConfig, fn: WindowFn = 'rate'): string {
  const w = c.loads.window;
  const sum = windowSum(fn);
  return `${sum(c, METRICS.loadJoins.name, w)}\n  / ${sum(c, METRICS.loads.name, w)}`;
}

export function failureRatio(c: PackConfig, fn: WindowFn = 'rate'): string {
  const w = c.loads.window;
  const sum = windowSum(fn);
  return `${sum(c, METRICS.loads.name, w, `${LABELS.result}="failure"`)}\n  / ${sum(c, METRICS.loads.name, w)}`;
}

export function scrapeSeconds(c: ScopedConfig): string {
  return `max ${byTarget(c)} (avg_over_time(${targetSeries(c, scrapeDuration)}[${c.exporter.window}]))`;
}

/**
 * The lowest samples per scrape over the growth window, less (or over) the lowest of the window before: floors,
 * as for the entries, since the two closed ranges share their boundary sample. A failed scrape records 0
 * samples: as a divisor that made the ratio +Inf, so a single failed scrape paged an hour later; the ratio
 * is only taken over a floor above 0.
 */
export function sampleGrowth(c: ScopedConfig, op: '-' | '/'): string {
  const w = c.exporter.growthWindow;
  const sel = targetSeries(c, scrapeSamples);
  const before = `min ${byTarget(c)} (min_over_time(${sel}[${w}] offset ${w}))`;
  return `min ${byTarget(c)} (min_over_time(${sel}[${w}]))\n  ${op} ${op === '/' ? `(${before} > 0)` : before}`;
}
