/**
 * The detector's evidence, each piece a small test a maintainer can state in one sentence:
 *
 * - **floor**: the entry count's floor rises by more than its noise: the window is cut into six blocks,
 *   each block's floor is the mean of its buckets' lowest counts, and the least-squares slope through
 *   the six must stand at least three standard errors above zero and add up to a minimum rise (whatever
 *   comes and goes, a leak leaves entries behind that never leave);
 * - **survival**: the oldest sampled entry is older than the window (nothing that old was removed during
 *   it) and its age grew with the window; a map bounded by TTL, eviction or clearing keeps its oldest
 *   entries younger than its bound, or their age flat at it;
 * - **net flow**: inserts outpaced deletes (all causes) by at least half the floor's rise, between the
 *   same first and last blocks (block means, so one busy minute at either end does not decide it);
 * - **pace**: the growth kept its pace: the late half of the window grew nearly as much as the early
 *   half (a cache filling a bounded key space slows down as it fills; a leak does not);
 * - **bound**: a declared `maxEntries` not exceeded, or a declared TTL that the oldest entry respects;
 * - **one step**: the floor's rise was made within a few buckets (a bulk load), between flat floors, not
 *   over the window; the jump stands far above the floors' other moves.
 *
 * This module only measures; the detector (leak-detector.ts) combines the pieces into a state.
 */
import type { BucketEvidence, BucketRing } from './ring.js';

/** What one evaluation of a window found. `undefined` fields are evidence that was not available. */
export interface WindowEvidence {
  readonly spanMs: number;
  /** The floor at the window's start and end: the fitted line at the first and last blocks' centres. */
  readonly level0: number;
  readonly level1: number;
  /** level1 - level0: the fitted rise of the floor across the window. */
  readonly rise: number;
  /**
   * The floor rises by more than its noise (the slope's t statistic, slope over its standard error, at
   * least `minTrendT`) and by at least the smallest rise that counts (absolute and relative to the
   * starting floor).
   */
  readonly rising: boolean;
  /** Growth of the floor, entries per ms (the fitted slope). */
  readonly slopePerMs: number;
  /** Lowest entry count of each third of the window (the day-long window's steadiness test). */
  readonly floor0: number;
  readonly floor1: number;
  readonly floor2: number;
  /** Floors rise third after third, by at least the threshold overall. */
  readonly floorsRising: boolean;
  readonly entries: number;
  readonly ageSeconds: number | undefined;
  /** The oldest sampled entry's age at the window's start (0 before any was sampled). */
  readonly startAgeSeconds: number;
  /**
   * The oldest sampled entry is older than `minSurvival` of the window, and its age grew by at least
   * MIN_AGE_GROWTH of the window during it, counting the pieces that grew (see ageGrowthSeconds).
   */
  readonly survived: boolean | undefined;
  /** Survival failed only because the oldest age stayed flat: old enough, but not growing. */
  readonly ageFlat: boolean;
  readonly inserts: number | undefined;
  readonly deletes: number | undefined;
  /** Net inserts between the first and last blocks cover `minNetShare` of the rise, and are positive. */
  readonly netPositive: boolean | undefined;
  /**
   * Why there is no net flow (inserts, deletes and netPositive undefined): no counters, counters that
   * do not cover the window, or counters that cannot be this map's (the entries grew more than the
   * inserts). Undefined when the counters were used.
   */
  readonly countersMissing: Exclude<CounterCoverage, 'present'> | 'inconsistent' | undefined;
  /** Late half over early half of the window's growth (net flow, or entries without counters). */
  readonly lateToEarly: number;
  /**
   * When the floor rose in one step (see findStep; looked for only when measureWindow is asked to):
   * the time of the step, ms (the start of the first bucket after it), and its size in entries.
   * Undefined when the rise is a trend, or the floor fell.
   */
  readonly stepAtMs: number | undefined;
  readonly stepSize: number;
}

/** Whether a window's insert/delete counters can be read: 'stale' when they do not cover the whole window. */
export type CounterCoverage = 'present' | 'absent' | 'stale';

export interface EvidenceSettings {
  /** The floor's slope must be at least this many standard errors above zero. */
  readonly minTrendT: number;
  readonly minAbsRise: number;
  readonly minRelRise: number;
  readonly minSurvival: number;
  readonly minNetShare: number;
}

/**
 * Measures the window of buckets [from, to] of `ring` (complete buckets). `start` is the evidence at the
 * window's opening instant, `end` at its last observation; times are ms. Returns undefined when a third
 * of the window holds no observation (a gap: no evidence either way). With `steps`, it also looks for a
 * rise made in one step (findStep; the fresh window only, where buckets are minutes wide).
 */
export function measureWindow(
  ring: BucketRing,
  from: number,
  to: number,
  start: { atMs: number; ev: BucketEvidence },
  end: { atMs: number; ev: BucketEvidence },
  counters: CounterCoverage,
  settings: EvidenceSettings,
  steps = false,
): WindowEvidence | undefined {
  const n = to - from + 1;
  if (n < TREND_BLOCKS) return undefined;
  const third = Math.floor(n / 3);
  const f0 = ring.minOver(from, from + third - 1);
  const f1 = ring.minOver(from + third, to - third);
  const f2 = ring.minOver(to - third + 1, to);
  const trend = blockTrend(ring, from, n);
  if (Number.isNaN(f0) || Number.isNaN(f1) || Number.isNaN(f2) || trend === undefined) return undefined;
  const spanMs = end.atMs - start.atMs;
  const floorRise = f2 - f0;
  // The blocks' centres are (TREND_BLOCKS - 1) blocks apart: the fitted line's rise between them.
  const centresMs = ((TREND_BLOCKS - 1) / TREND_BLOCKS) * spanMs;
  const rise = trend.slopePerBlock * (TREND_BLOCKS - 1);
  const base = trend.level0;
  const rising = trend.t >= settings.minTrendT && rise >= leastRise(settings, base);
  const floorsRising = f1 > f0 && f2 > f1 && floorRise >= leastRise(settings, f0);
  const slopePerMs = centresMs > 0 ? rise / centresMs : 0;

  const ageSeconds = Number.isNaN(end.ev.ageSeconds) ? undefined : end.ev.ageSeconds;
  const startAgeSeconds = Number.isNaN(start.ev.ageSeconds) ? 0 : start.ev.ageSeconds;
  // Old enough is not enough: the oldest age must also have grown with the window. Where entries live
  // about as long as the window or longer (an undeclared TTL of 2 h under a 2 h window), the oldest age
  // stays at the TTL, flat, while entries of that age leave all along; its floor's noise then read as a
  // leak every few hours. A leak's oldest entries stay, so their age grows with time.
  const oldEnough = ageSeconds !== undefined && ageSeconds * 1000 >= settings.minSurvival * spanMs;
  const ageFlat =
    ageSeconds !== undefined &&
    ageGrowthSeconds(ring, from, n, startAgeSeconds) * 1000 < MIN_AGE_GROWTH * spanMs;
  const survived = ageSeconds === undefined ? undefined : oldEnough && !ageFlat;

  let inserts: number | undefined;
  let deletes: number | undefined;
  let netPositive: boolean | undefined;
  let countersMissing: WindowEvidence['countersMissing'] = counters === 'present' ? undefined : counters;
  if (counters === 'present') {
    inserts = end.ev.inserts - start.ev.inserts;
    deletes = end.ev.deletes - start.ev.deletes;
    // Entries cannot grow by more than was inserted: counters that say so count something else (a map
    // whose stats are never bumped, a family scraped from another process). Read as no counters.
    const grew = end.ev.entries - start.ev.entries;
    if (grew > inserts + Math.max(settings.minAbsRise, 0.1 * inserts)) {
      inserts = deletes = undefined;
      countersMissing = 'inconsistent';
    } else {
      const net = trend.net1 - trend.net0;
      netPositive = inserts > 0 && net > 0 && net >= settings.minNetShare * Math.max(rise, 0);
    }
  }
  const hasCounters = countersMissing === undefined;

  // Pace: growth as net flow where counters exist (exact), else as the entry count's change.
  const grown = (ev: BucketEvidence): number => (hasCounters ? ev.inserts - ev.deletes : ev.entries);
  const mid = ring.evidenceAtOrBefore(from + Math.floor(n / 2) - 1, from);
  const early = mid ? grown(mid) - grown(start.ev) : NaN;
  const late = mid ? grown(end.ev) - grown(mid) : NaN;
  const lateToEarly = early > 0 ? late / early : late > 0 ? Infinity : 0;
  const step = steps && trend.slopePerBlock > 0 ? findStep(ring, from, to) : undefined;
  return {
    spanMs,
    level0: trend.level0,
    level1: trend.level0 + rise,
    rise,
    rising,
    slopePerMs,
    // Three fields, not a tuple: a verdict keeps its window's evidence, and an array costs ~70 bytes.
    floor0: f0,
    floor1: f1,
    floor2: f2,
    floorsRising,
    entries: end.ev.entries,
    ageSeconds,
    startAgeSeconds,
    survived,
    ageFlat: oldEnough && ageFlat,
    inserts,
    deletes,
    netPositive,
    countersMissing,
    lateToEarly,
    stepAtMs: step === undefined ? undefined : start.atMs + ((step.bucket - from) / n) * spanMs,
    stepSize: step?.size ?? 0,
  };
}

/** The smallest rise of a floor starting at `level` that counts: absolute, and relative to the level. */
export function leastRise(settings: EvidenceSettings, level: number): number {
  return Math.max(settings.minAbsRise, settings.minRelRise * Math.max(level, 0));
}

/**
 * The first bucket of block `i` (0 to TREND_BLOCKS) when the `n` buckets from `from` are cut into
 * TREND_BLOCKS blocks: block i ends just before block i + 1 starts.
 */
function blockStart(from: number, n: number, i: number): number {
  return from + Math.floor((i * n) / TREND_BLOCKS);
}

/**
 * How much the oldest sampled age grew over the window, from its start and the last observation of each
 * of the six blocks, counting rises only. A fall means the oldest sampled entry left the sample, and the
 * sample is a reservoir, which also lets old entries go as it admits new ones: that says nothing either
 * way, so the growth before and after it still counts. Measured end to end instead, a slow leak under
 * churn lost its leak verdict a few times a day to such a fall (its age, net, looked flat).
 */
function ageGrowthSeconds(ring: BucketRing, from: number, n: number, startAgeSeconds: number): number {
  let grown = 0;
  let previous = startAgeSeconds;
  for (let i = 1; i <= TREND_BLOCKS; i++) {
    const age = ring.evidenceAtOrBefore(blockStart(from, n, i) - 1, from)?.ageSeconds;
    if (age === undefined || Number.isNaN(age)) continue;
    if (age > previous) grown += age - previous;
    previous = age;
  }
  return grown;
}

/**
 * The oldest sampled age must grow by at least this share of the window during it (see measureWindow).
 * Half, not all: the sample is a reservoir, and the oldest entry of a leak may be replaced by a slightly
 * younger one of the same leak.
 */
export const MIN_AGE_GROWTH = 0.5;

/**
 * Blocks a window is cut into for the floor's trend: six points give a slope and its standard error (4
 * degrees of freedom), and blocks of 10 to 20 minutes average out churn that comes and goes within
 * minutes.
 */
export const TREND_BLOCKS = 6;
const scratch = new Float64Array(2);
const blockFloors = new Float64Array(TREND_BLOCKS);

interface BlockTrend {
  /** Fitted floor at the first block's centre. */
  readonly level0: number;
  readonly slopePerBlock: number;
  readonly t: number;
  /** Mean net flow (cumulative inserts - deletes) over the first and the last block. */
  readonly net0: number;
  readonly net1: number;
}

/** Least-squares line through the blocks' mean floors; undefined when a block holds no observation. */
function blockTrend(ring: BucketRing, from: number, n: number): BlockTrend | undefined {
  const k = TREND_BLOCKS;
  const xm = (k - 1) / 2;
  let sumY = 0;
  let sxy = 0;
  let sxx = 0;
  let net0 = NaN;
  let net1 = NaN;
  for (let i = 0; i < k; i++) {
    const a = blockStart(from, n, i);
    const b = blockStart(from, n, i + 1) - 1;
    if (ring.meansOver(a, b, scratch) === 0) return undefined;
    const y = scratch[0]!;
    if (i === 0) net0 = scratch[1]!;
    if (i === k - 1) net1 = scratch[1]!;
    blockFloors[i] = y;
    sumY += y;
    sxy += (i - xm) * y;
    sxx += (i - xm) ** 2;
  }
  const ym = sumY / k;
  const slope = sxy / sxx;
  let rss = 0;
  for (let i = 0; i < k; i++) rss += (blockFloors[i]! - ym - slope * (i - xm)) ** 2;
  const se = Math.sqrt(rss / (k - 2) / sxx);
  const t = se > 0 ? slope / se : slope > 0 ? Infinity : slope < 0 ? -Infinity : 0;
  return { level0: ym - slope * xm, slopePerBlock: slope, t, net0, net1 };
}

/**
 * One step: the floor rose by at least this share of the window's rise (its last bucket's floor less its
 * first's) within STEP_MOVES neighbouring buckets, and moved by at most 1 - STEP_SHARE of that jump
 * before it and after it (flat floors on both sides)...
 */
const STEP_SHARE = 0.7;
/** ...and the jump is at least this many times the median move between neighbouring bucket floors. */
const STEP_OVER_NOISE = 6;
/** A load spans at most this many bucket boundaries (an observation may land mid-load: two moves). */
const STEP_MOVES = 3;
/** At least this many buckets after the step, so a ramp that has just begun is not taken for one. */
const STEP_BUCKETS_AFTER = 2;
/** Scratch of findStep, grown to the widest window seen: each bucket's floor, its bucket, their moves. */
let floors = new Float64Array(64);
let bucketOf = new Int32Array(64);
let moves = new Float64Array(64);

/**
 * The window's rise made in one step (a bulk load, a batch): see STEP_SHARE. A ramp fails it (it keeps
 * rising after any few buckets), and so does churn noise (a jump no larger than the floors' other
 * moves). Buckets with no observation are skipped. Called per evaluation of the fine window: one pass
 * over its bucket floors, and a sort of their moves only when a step qualifies otherwise; no allocation
 * once the scratch is as wide as the window.
 */
function findStep(ring: BucketRing, from: number, to: number): { bucket: number; size: number } | undefined {
  if (floors.length < to - from + 1) {
    floors = new Float64Array(to - from + 1);
    bucketOf = new Int32Array(to - from + 1);
    moves = new Float64Array(to - from + 1);
  }
  let n = 0;
  for (let b = from; b <= to; b++) {
    const floor = ring.minOver(b, b);
    if (Number.isNaN(floor)) continue;
    floors[n] = floor;
    bucketOf[n++] = b;
  }
  if (n < STEP_MOVES + STEP_BUCKETS_AFTER + 1) return undefined;
  const rise = floors[n - 1]! - floors[0]!;
  if (!(rise > 0)) return undefined;
  // The largest rise within STEP_MOVES moves, ending at least STEP_BUCKETS_AFTER before the last bucket.
  let jump = 0;
  let start = -1;
  let end = -1;
  for (let a = 0; a + 1 < n - STEP_BUCKETS_AFTER; a++) {
    for (let k = 1; k <= STEP_MOVES && a + k < n - STEP_BUCKETS_AFTER + 1; k++) {
      const d = floors[a + k]! - floors[a]!;
      if (d > jump) {
        jump = d;
        start = a;
        end = a + k;
      }
    }
  }
  if (start < 0 || jump < STEP_SHARE * rise) return undefined;
  const slack = (1 - STEP_SHARE) * jump;
  if (Math.abs(floors[start]! - floors[0]!) > slack || Math.abs(floors[n - 1]! - floors[end]!) > slack)
    return undefined;
  for (let i = 1; i < n; i++) moves[i - 1] = Math.abs(floors[i]! - floors[i - 1]!);
  const sorted = moves.subarray(0, n - 1).sort();
  if (jump < STEP_OVER_NOISE * sorted[(n - 1) >> 1]!) return undefined;
  return { bucket: bucketOf[end]!, size: jump };
}
