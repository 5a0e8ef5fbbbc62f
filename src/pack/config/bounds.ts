/**
 * The ranges of the numeric and duration options. Outside them the generator either writes rules promtool
 * refuses, trips its own self-checks (a threshold too fine for the test data to sit clear of it) or spends
 * unbounded time and memory simulating the windows; inside them it finishes within seconds. docs/pack.md
 * lists the same ranges.
 */
import { parseDuration } from '../duration.js';
import type { PackConfig } from './schema.js';

/** An inclusive range of a number, and what the number counts (for the message). */
export interface Range {
  min: number;
  max: number;
  what: string;
}

const COUNT = (max: number): Range => ({ min: 1, max, what: 'a count' });
const RATE: Range = { min: 0.001, max: 1e6, what: 'per second' };
const SECONDS: Range = { min: 0.001, max: 3600, what: 'seconds' };
/** Shares and ratios: a floor of 0.001 keeps thresholds printable and the test data clear of them. */
const SHARE: Range = { min: 0.001, max: 0.999, what: 'a share' };
/** Net inserts as a share of the entries: above a fifth, the tests' leaking maps cannot reach it. */
const NET_SHARE: Range = { min: 0.001, max: 0.2, what: 'a share' };
/** Entry counts stay exact integers in float64 (and in PromQL) below 2^53. */
const ENTRIES: Range = { min: 1, max: 1e15, what: 'entries' };

/**
 * The numeric options and their ranges. Where a maximum is tighter than the option's meaning allows, the
 * generator's test shapes cannot exercise beyond it (a wait above 5 s lies past the last finite lock-wait
 * bucket but one; the test exporter's samples grow by at most half; a fresh target's oldest entry ages by at
 * most 95% of the window), and the generator would refuse to write untested rules.
 */
export function numberRanges(c: PackConfig): Array<[string, number, Range]> {
  return [
    ['growth.minFloorRise', c.growth.minFloorRise, { ...ENTRIES, min: 10 }],
    ['growth.ceiling', c.growth.ceiling, ENTRIES],
    ...Object.entries(c.growth.ceilings).map(([k, v]): [string, number, Range] => [
      `growth.ceilings.${k}`,
      v,
      ENTRIES,
    ]),
    ['growth.pageAboveShare', c.growth.pageAboveShare, { ...SHARE, max: 1 }],
    ['fresh.ageRatio', c.fresh.ageRatio, { ...SHARE, min: 0.5, max: 0.95 }],
    ['fresh.minNetShare', c.fresh.minNetShare, NET_SHARE],
    ['fresh.minNetInserts', c.fresh.minNetInserts, COUNT(1e6)],
    ['fresh.ttlSlack', c.fresh.ttlSlack, { min: 1, max: 100, what: 'times the TTL' }],
    ['instances.minFloorRise', c.instances.minFloorRise, COUNT(1e6)],
    ['memory.ratio', c.memory.ratio, { ...SHARE, min: 0.5 }],
    ['memory.minNetShare', c.memory.minNetShare, NET_SHARE],
    ['memory.minNetInserts', c.memory.minNetInserts, COUNT(1e6)],
    ['lock.stormWaiters', c.lock.stormWaiters, { min: 0.001, max: 1e6, what: 'waiting tasks' }],
    ['lock.stormMeanWaitSeconds', c.lock.stormMeanWaitSeconds, SECONDS],
    ['lock.waitQuantile', c.lock.waitQuantile, { min: 0.5, max: 0.999, what: 'a quantile' }],
    ['lock.longWaitSeconds', c.lock.longWaitSeconds, { ...SECONDS, max: 5 }],
    ['lock.minContendedPerSecond', c.lock.minContendedPerSecond, RATE],
    ['lock.timeoutRatio', c.lock.timeoutRatio, SHARE],
    ['lock.minTimeouts', c.lock.minTimeouts, COUNT(1e6)],
    ['promotion.copiedPerLookup', c.promotion.copiedPerLookup, { min: 0.1, max: 1e6, what: 'a ratio' }],
    ['promotion.minPromotionsPerSecond', c.promotion.minPromotionsPerSecond, { ...RATE, min: 0.01 }],
    ['cache.missRatio', c.cache.missRatio, SHARE],
    ['cache.minLookupsPerSecond', c.cache.minLookupsPerSecond, RATE],
    ['loads.joinsPerLoad', c.loads.joinsPerLoad, { min: 1, max: 1e6, what: 'joins per load' }],
    ['loads.minJoinsPerSecond', c.loads.minJoinsPerSecond, RATE],
    ['loads.failureRatio', c.loads.failureRatio, SHARE],
    ['loads.minLoadsPerSecond', c.loads.minLoadsPerSecond, RATE],
    ['exporter.maxScrapeSeconds', c.exporter.maxScrapeSeconds, SECONDS],
    ['exporter.sampleGrowthRatio', c.exporter.sampleGrowthRatio, { min: 1.01, max: 1.5, what: 'a ratio' }],
    ['exporter.minSampleGrowth', c.exporter.minSampleGrowth, COUNT(1e6)],
  ];
}

/** `v` printed for a message: plain decimals, no exponent for the usual magnitudes. */
const show = (v: number) => (Math.abs(v) >= 1e6 ? v.toExponential() : String(v));

/** Why `v` is outside `r`, or undefined. */
export function rangeError(path: string, v: number, r: Range): string | undefined {
  if (Number.isFinite(v) && v >= r.min && v <= r.max) return undefined;
  return `${path} must be a number from ${show(r.min)} to ${show(r.max)} (${r.what}); got ${show(v)}`;
}

/**
 * Prometheus' duration grammar (model.ParseDuration): units from the largest to the smallest, each at most
 * once. The pack's parseDuration also reads `1s1m`, which Prometheus refuses.
 */
const PROM_DURATION = /^(?:\d+y)?(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?$/;

/** Seconds of a duration the rules and the promtool tests can carry, or an error. */
export function durationSeconds(v: string): { seconds: number } | { error: string } {
  if (v === '' || !PROM_DURATION.test(v)) {
    return { error: "must be a Prometheus duration such as '30s', '5m' or '1h30m' (units largest first)" };
  }
  const seconds = parseDuration(v);
  // The test files state every time as a duration of whole seconds.
  if (!Number.isInteger(seconds)) return { error: 'must be a whole number of seconds' };
  return { seconds };
}

/** An inclusive range of a duration, in seconds. */
export type DurationRange = [min: number, max: number];

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;

/**
 * Why each duration has the bound it has: the generator simulates every test at every step, so its time grows
 * with windows over the step; these maxima keep `rules` within a few seconds at the smallest interval.
 */
export const DURATION_RANGES = {
  evaluationInterval: [5, 15 * MINUTE],
  refresh: [5, DAY],
  /** Floor, peak, prediction and absence windows: the day-scale tests run on a coarser step. */
  long: [1, 7 * DAY],
  /** How far predict_linear looks ahead: beyond a day the tests' fast leak reaches no ceiling in time. */
  horizon: [1, DAY],
  /** Windows of rates and quantiles, evaluated on the config's own step. */
  short: [1, 6 * HOUR],
  /** `for` and `keep_firing_for`. */
  timing: [1, DAY],
} satisfies Record<string, DurationRange>;

/** Why `seconds` is outside `r`, or undefined. */
export function durationRangeError(
  path: string,
  v: string,
  seconds: number,
  r: DurationRange,
): string | undefined {
  if (seconds >= r[0] && seconds <= r[1]) return undefined;
  const fmt = (s: number) =>
    s % DAY === 0
      ? `${s / DAY}d`
      : s % HOUR === 0
        ? `${s / HOUR}h`
        : s % MINUTE === 0
          ? `${s / MINUTE}m`
          : `${s}s`;
  return `${path} must be from ${fmt(r[0])} to ${fmt(r[1])}; got '${v}'`;
}

/** A fixed memory limit: at least 1 MiB (no Node.js process runs in less), at most 1 PiB. */
export const LIMIT_BYTES: Range = { min: 2 ** 20, max: 2 ** 50, what: 'bytes' };

/**
 * Day-scale windows span at most this many evaluations: their tests usually run on a coarser step, but on the
 * config's own one when the windows share no larger divisor. 5760 is a day at 15s, the most common evaluation
 * interval, with the default windows: about 3 s in the usual case, 29 s in that worst one (a week at 1m ran
 * 46 s, a year out of memory).
 */
export const MAX_LONG_STEPS = 5760;

/**
 * The longest other window plus the longest `for` plus the longest `keep_firing_for` span at most this many
 * evaluations: the tests of those alerts run on the config's step, in time growing with the square of it.
 * 1440 takes the default windows at a 15s interval (about 840 evaluations).
 */
export const MAX_SPAN_STEPS = 1440;
