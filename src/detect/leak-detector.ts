/**
 * LeakDetector: tells a map that grows without bound from the shapes that only look like growth, from
 * a target's first hour, and says why.
 *
 * Pure and deterministic: it is fed `(seriesKey, timestampMs, observation)` and never reads a clock.
 * Per series it keeps two fixed rings of time buckets (5 min x 28 and 1 h x 26 by default; about 3.7 KB)
 * and re-evaluates when a bucket completes, reading a bounded number of buckets.
 *
 * States, from the evidence of evidence.ts:
 * - `collecting`: less than `minWindowMs` + `warmupMs` observed; nothing is known yet (never shown as ok).
 * - `leak`, the fresh path: over the last window (up to `windowMs`), the floor rose by more than its
 *   noise (a least-squares slope 2.5 standard errors above zero through six blocks), the oldest sampled entry is older than the window (survival), inserts outpaced deletes (net flow),
 *   and the growth kept its pace; held for `holdMs`. Needs survival ages: without them a cache filling up
 *   or the rising half of a daily cycle with expiry cannot be told from a leak within hours. A rise made
 *   in one step (a bulk load) votes only when another step came within six hours before it.
 * - `leak`, the long path: over a day (`longWindowMs`), floors rising third after third in steady steps,
 *   which a filling cache or a daily cycle cannot do; the only path open to a series of entries alone.
 * - `growing`: the floor rises and no bound was seen, but the evidence above is incomplete.
 * - `ok`: no rise, or a bound explains it (a declared `maxEntries` not exceeded, a declared TTL the oldest
 *   entry respects, or the oldest entries leaving within the window).
 * Once `leak`, a series stays `leak` while its floor keeps rising over the fresh window or over the last
 * six hours (hysteresis: a vote that drops for a noisy window is no evidence of a fix), and leaves it at
 * once when it is within a declared bound, its fresh window fell by more than the six hours rose, or its
 * oldest age stays flat.
 */
import type { LeakState } from '../conventions.js';
import { formatCount, formatDuration } from './format.js';
import {
  leastRise,
  measureWindow,
  TREND_BLOCKS,
  type CounterCoverage,
  type EvidenceSettings,
  type WindowEvidence,
} from './evidence.js';
import type { LeakVerdictDetail, Observation } from './observation.js';
import { freshVote } from './fresh-vote.js';
import { describeBoundSeen, describeMissing, describeRise, leakReason } from './reasons.js';
import { BucketRing, RingViews } from './ring.js';
import { describeValue, optionalOptions } from '../describe-value.js';

export type { LeakVerdictDetail, Observation } from './observation.js';

export interface LeakDetectorOptions {
  /** Series held at once; past it the least recently observed series is forgotten. Default 2000. */
  maxSeries?: number;
  /** Width of the fine buckets, ms (at least 1 s). Default 5 min. */
  bucketMs?: number;
  /** The fresh window: the longest span the fresh tests read, ms. Default 2 h. */
  windowMs?: number;
  /** No verdict before this much plus `warmupMs` was observed, ms (`collecting` until then). Default 1 h. */
  minWindowMs?: number;
  /** A fresh leak vote must hold this long before the state turns to `leak`, ms. Default 20 min. */
  holdMs?: number;
  /** The long window (read from hourly buckets), ms. Default 24 h. */
  longWindowMs?: number;
  /** Smallest floor rise over a window, as a share of the starting floor. Default 0.002 (0.2 %). */
  minRelRise?: number;
  /** Smallest floor rise over a window, in entries. Default 3. */
  minAbsRise?: number;
  /** Survival: the oldest sampled entry must be at least this share of the window old. Default 0.85. */
  minSurvival?: number;
  /** Net flow: inserts - deletes over the window must cover this share of the floor's rise. Default 0.5. */
  minNetShare?: number;
  /**
   * A series' first minutes are its warm-up (a cache filling its working set, requests in flight): the
   * fresh window starts no earlier than this after the first observation, ms. Default 15 min.
   */
  warmupMs?: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Ring indices are relative to a series' first bucket and held in 32 bits. */
const MAX_RELATIVE_BUCKET = 2 ** 30;
/** Timestamps beyond what a Date can hold are refused (ignored), so bucket arithmetic stays exact. */
const MAX_TIMESTAMP_MS = 8.64e15;
/**
 * An oldest age beyond the span two accepted timestamps can have is no age: it is read as absent. The
 * rings hold ages as 32-bit floats, which turn anything past 3.4e38 into Infinity (reasons then read
 * "Infinity d old").
 */
const MAX_AGE_SECONDS = (2 * MAX_TIMESTAMP_MS) / 1000;
/**
 * Largest entry count or counter taken (as `mapwatch analyze` reads its input): a count past it is no
 * map's (V8 holds 2^24 entries per Map), and past 3.4e38 the rings' 32-bit floats held Infinity and the
 * floors read NaN.
 */
const MAX_ENTRIES = 2 ** 53;
/**
 * Pace over the day-long window, cut in thirds of 8 h, across which traffic cycles do move: the late
 * half must grow at least this share of the early half, and no more than 1/that (a cycle turning).
 * The fresh path asks more (fresh-vote.ts).
 */
const MIN_LATE_TO_EARLY_LONG = 0.5;
/**
 * The day-long window must rise by at least this share of its base: day-to-day drift of a bounded
 * map's floor (a sawtooth's trough, a burst's aftermath) is a percent or two, a leak of even 0.2 %/h
 * is 5 % a day.
 */
const LONG_MIN_REL_RISE = 0.03;
/**
 * The floor's slope must stand this many standard errors above zero (6 blocks, 4 degrees of freedom:
 * about a 3 % chance for a flat, noisy floor at one evaluation, before the hold and the other tests).
 */
const MIN_TREND_T = 2.5;
/** Declared TTL slack: ages are read at scrapes and expiry may run on a timer. */
const TTL_SLACK = 1.1;
/**
 * Hourly buckets of the hold window: a leak stays `leak` while the floor rose across them (by the
 * smallest rise that counts), even when the fresh window's did not, unless that one fell by more.
 * Under churn of a map's whole size an hour, a slow leak (0.5 %/h) rises less in 2 h than the floor's
 * noise, so one fresh window in three or four read flat and ended the verdict (the scenario suite's
 * slow-leak-heavy-churn went leak, ok, leak... for 30 h); six hours of hourly floors see it through.
 * The price: a leak that truly stops, its floor flat, stays `leak` until the six hours hold no rise,
 * about six hours after the stop.
 */
const HOLD_WINDOW_HOURS = 6;
/**
 * A rise made in one step (a bulk load, evidence.ts findStep) votes for a leak only when another step
 * came within this time before it: a map that grows in batches repeats its steps; a load at start-up
 * or a reference table loaded once does not.
 */
const STEP_REPEAT_MS = 6 * HOUR;
/** Two step times closer than this are the same step, seen by windows that slid over it. */
const SAME_STEP_MS = 30 * MINUTE;

/**
 * Remembers the window's step (every step of a rising window, whatever else the window shows: the first
 * batch of a leak may come before its survival evidence) and says whether it repeats another distinct
 * step within STEP_REPEAT_MS. The same step seen again keeps its first answer.
 */
function noteStep(s: SeriesState, at: number): boolean {
  const apart = Math.abs(at - s.stepAtMs); // NaN before any step
  if (apart <= SAME_STEP_MS) return s.stepRepeats;
  const repeats = apart <= STEP_REPEAT_MS;
  if (!(at < s.stepAtMs)) {
    s.stepAtMs = at;
    s.stepRepeats = repeats;
  }
  return repeats;
}

/** What a verdict without the fresh window says of it. */
const SPARSE = 'each of its six blocks needs an observation';

interface Resolved extends EvidenceSettings {
  readonly maxSeries: number;
  readonly bucketMs: number;
  readonly windowBuckets: number;
  readonly minWindowMs: number;
  readonly holdMs: number;
  readonly longBuckets: number;
  readonly warmupMs: number;
}

function positive(name: string, value: number, integer = false): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(
      `mapwatch: LeakDetector option ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${describeValue(value)}`,
    );
  }
  return value;
}

function share(name: string, value: number): number {
  if (!(value >= 0 && value <= 1))
    throw new RangeError(
      `mapwatch: LeakDetector option ${name} must be from 0 to 1, got ${describeValue(value)}`,
    );
  return value;
}

function nonNegativeOption(name: string, value: number): number {
  if (!(value >= 0 && value < Infinity))
    throw new RangeError(
      `mapwatch: LeakDetector option ${name} must be a number >= 0, got ${describeValue(value)}`,
    );
  return value;
}

function resolve(o: LeakDetectorOptions): Resolved {
  const bucketMs = positive('bucketMs', o.bucketMs ?? 5 * MINUTE);
  if (bucketMs < 1000)
    throw new RangeError(
      `mapwatch: LeakDetector option bucketMs must be at least 1000 (1 s), got ${bucketMs}`,
    );
  const windowMs = positive('windowMs', o.windowMs ?? 2 * HOUR);
  const minWindowMs = positive('minWindowMs', o.minWindowMs ?? HOUR);
  const holdMs = o.holdMs ?? 20 * MINUTE;
  if (!(holdMs >= 0))
    throw new RangeError(`mapwatch: LeakDetector option holdMs must be >= 0, got ${holdMs}`);
  const longWindowMs = positive('longWindowMs', o.longWindowMs ?? 24 * HOUR);
  // The floor's trend is fitted through TREND_BLOCKS blocks of at least one bucket (evidence.ts): a
  // shorter window could never give a verdict.
  if (windowMs % bucketMs !== 0 || windowMs / bucketMs < TREND_BLOCKS || windowMs / bucketMs > 10_000)
    throw new RangeError(
      `mapwatch: LeakDetector windowMs must be ${TREND_BLOCKS} to 10,000 whole buckets (bucketMs)`,
    );
  if (minWindowMs > windowMs) throw new RangeError('mapwatch: LeakDetector minWindowMs must be <= windowMs');
  if (minWindowMs < TREND_BLOCKS * bucketMs)
    throw new RangeError(
      `mapwatch: LeakDetector minWindowMs must be at least ${TREND_BLOCKS} buckets (${TREND_BLOCKS} x bucketMs)`,
    );
  if (longWindowMs % HOUR !== 0 || longWindowMs / HOUR < TREND_BLOCKS || longWindowMs / HOUR > 1000)
    throw new RangeError(`mapwatch: LeakDetector longWindowMs must be ${TREND_BLOCKS} to 1,000 whole hours`);
  return {
    maxSeries: positive('maxSeries', o.maxSeries ?? 2000, true),
    bucketMs,
    windowBuckets: windowMs / bucketMs,
    minWindowMs,
    holdMs,
    longBuckets: longWindowMs / HOUR,
    minTrendT: MIN_TREND_T,
    minRelRise: share('minRelRise', o.minRelRise ?? 0.002),
    minAbsRise: positive('minAbsRise', o.minAbsRise ?? 3),
    minSurvival: share('minSurvival', o.minSurvival ?? 0.85),
    minNetShare: share('minNetShare', o.minNetShare ?? 0.5),
    warmupMs: nonNegativeOption('warmupMs', o.warmupMs ?? 15 * MINUTE),
  };
}

class SeriesState {
  readonly fine: BucketRing;
  readonly coarse: BucketRing;
  /** Absolute bucket numbers of the first observation in each ring (ring indices are relative). */
  readonly fineBase: number;
  readonly coarseBase: number;
  readonly first: { atMs: number; entries: number; ageSeconds: number };
  lastMs: number;
  lastEntries = 0;
  hasCounters = false;
  /** When insert/delete counters were first and last observed (NaN before): a window uses them only where they cover it. */
  countersFromMs = NaN;
  countersAtMs = NaN;
  rawInserts = 0;
  rawDeletes = 0;
  cumInserts = 0;
  cumDeletes = 0;
  maxEntries: number | undefined = undefined;
  ttlSeconds: number | undefined = undefined;
  /** When the fresh vote started holding without a break (NaN while it does not hold). */
  voteSinceMs = NaN;
  /** The long window's last evaluation (refreshed when an hourly bucket completes). */
  long: { vote: boolean; w: WindowEvidence } | undefined = undefined;
  /**
   * The floor's fitted rise over the last HOLD_WINDOW_HOURS hourly buckets, when it reaches the smallest
   * rise that counts (absolute and relative, as a fresh window's); else 0.
   */
  heldRise = 0;
  /** The latest distinct one-step rise (NaN when none), and whether it repeated an earlier one: noteStep. */
  stepAtMs = NaN;
  stepRepeats = false;
  state: LeakState = 'collecting';
  leakSinceMs = NaN;
  verdict: LeakVerdictDetail;

  constructor(cfg: Resolved, t: number, entries: number, ageSeconds: number) {
    // Both rings on one set of views: a buffer and each view cost as much as a few buckets.
    const fineBuckets = cfg.windowBuckets + 4;
    const coarseBuckets = cfg.longBuckets + 2;
    const views = new RingViews(fineBuckets + coarseBuckets);
    this.fine = new BucketRing(cfg.bucketMs, fineBuckets, views, 0);
    this.coarse = new BucketRing(HOUR, coarseBuckets, views, fineBuckets);
    this.fineBase = Math.floor(t / cfg.bucketMs);
    this.coarseBase = Math.floor(t / HOUR);
    this.first = { atMs: t, entries, ageSeconds };
    this.lastMs = t;
    this.verdict = collecting(0, cfg.minWindowMs + cfg.warmupMs);
  }
}

/**
 * A verdict whose reason is written only when someone reads it: formatting numbers costs more than the
 * whole evaluation, and the exporters never read the reason (the debug page and analyze do).
 */
function verdict(state: LeakState, growthPerSecond: number, explain: () => string): LeakVerdictDetail {
  return new LazyVerdict(state, growthPerSecond, explain);
}

class LazyVerdict implements LeakVerdictDetail {
  readonly suspect: boolean;
  private explained: string | undefined;
  constructor(
    readonly state: LeakState,
    readonly growthPerSecond: number,
    private readonly explain: () => string,
  ) {
    this.suspect = state === 'leak';
  }
  get reason(): string {
    return (this.explained ??= this.explain());
  }
  /** A verdict logged or serialised shows its reason, not its closure. */
  toJSON(): { state: LeakState; suspect: boolean; growthPerSecond: number; reason: string } {
    return {
      state: this.state,
      suspect: this.suspect,
      growthPerSecond: this.growthPerSecond,
      reason: this.reason,
    };
  }
}

function collecting(seenMs: number, needMs: number): LeakVerdictDetail {
  return verdict(
    'collecting',
    0,
    () => `collecting: ${formatDuration(seenMs)} observed, a verdict needs ${formatDuration(needMs)}`,
  );
}

const nonNegative = (v: number | undefined): v is number => typeof v === 'number' && v >= 0 && v < Infinity;
const countable = (v: number | undefined): v is number => nonNegative(v) && v <= MAX_ENTRIES;

export class LeakDetector {
  private readonly cfg: Resolved;
  /** Past `maxSeries`, the series observed least recently (smallest `lastMs`) are evicted, a tenth at a time. */
  private readonly series = new Map<string, SeriesState>();
  private evictedCount = 0;

  constructor(options?: LeakDetectorOptions) {
    this.cfg = resolve(optionalOptions(options, 'new LeakDetector()'));
  }

  /** Series currently held. */
  get size(): number {
    return this.series.size;
  }

  /** Series forgotten because of the `maxSeries` cap. */
  get evicted(): number {
    return this.evictedCount;
  }

  /** How long a series must be observed before any verdict (warm-up and the shortest window), ms. */
  get minObservedMs(): number {
    return this.cfg.minWindowMs + this.cfg.warmupMs;
  }

  forget(seriesKey: string): void {
    this.series.delete(seriesKey);
  }

  /** The last verdict of a series, or undefined if unknown. */
  verdict(seriesKey: string): LeakVerdictDetail | undefined {
    return this.series.get(seriesKey)?.verdict;
  }

  /**
   * Feeds one observation and returns the series' verdict. Observations must come in time order; an
   * older one, a non-finite or out-of-range timestamp, or a non-finite or negative entry count is
   * ignored (the verdict stands). Counters are cumulative; a decrease is a restart and is corrected.
   * The short form `observe(key, t, entries, inserts?, deletes?)` is kept for entries-and-counters callers.
   */
  observe(
    seriesKey: string,
    timestampMs: number,
    observation: Observation | number,
    inserts?: number,
    deletes?: number,
  ): LeakVerdictDetail {
    const obs: Observation =
      typeof observation === 'number' ? { entries: observation, inserts, deletes } : observation;
    const { entries } = obs;
    const known = this.series.get(seriesKey);
    if (
      !(Math.abs(timestampMs) <= MAX_TIMESTAMP_MS) ||
      !countable(entries) ||
      (known !== undefined && timestampMs < known.lastMs)
    ) {
      return known?.verdict ?? collecting(0, this.cfg.minWindowMs + this.cfg.warmupMs);
    }
    const age =
      nonNegative(obs.oldestAgeSeconds) && obs.oldestAgeSeconds <= MAX_AGE_SECONDS
        ? obs.oldestAgeSeconds
        : NaN;
    let s = known;
    // A jump of more than MAX_RELATIVE_BUCKET buckets (decades at the smallest bucket) starts the series
    // afresh: the rings index buckets relative to the first, in 32 bits.
    if (s !== undefined && Math.floor(timestampMs / this.cfg.bucketMs) - s.fineBase > MAX_RELATIVE_BUCKET) {
      this.series.delete(seriesKey);
      s = undefined;
    }
    if (s === undefined) {
      if (this.series.size >= this.cfg.maxSeries) this.evictStalest();
      s = new SeriesState(this.cfg, timestampMs, entries, age);
      this.series.set(seriesKey, s);
    }

    // Counters past MAX_ENTRIES are read as absent, as analyze skips them: two resets near the largest
    // double summed their corrections to Infinity, and the reasons read "NaN inserts".
    if (countable(obs.inserts) && countable(obs.deletes)) {
      this.count(s, obs.inserts, obs.deletes);
      if (Number.isNaN(s.countersFromMs)) s.countersFromMs = timestampMs;
      s.countersAtMs = timestampMs;
    }
    s.maxEntries = nonNegative(obs.maxEntries) ? obs.maxEntries : undefined;
    s.ttlSeconds = nonNegative(obs.ttlSeconds) && obs.ttlSeconds > 0 ? obs.ttlSeconds : undefined;
    s.lastMs = timestampMs;
    s.lastEntries = entries;

    const fineOpened = s.fine.add(
      Math.floor(timestampMs / this.cfg.bucketMs) - s.fineBase,
      entries,
      s.cumInserts,
      s.cumDeletes,
      age,
    );
    const coarseOpened = s.coarse.add(
      Math.floor(timestampMs / HOUR) - s.coarseBase,
      entries,
      s.cumInserts,
      s.cumDeletes,
      age,
    );
    if (fineOpened || coarseOpened) s.verdict = this.decide(s, timestampMs, coarseOpened);
    else if (s.state === 'collecting')
      s.verdict = collecting(timestampMs - s.first.atMs, this.cfg.minWindowMs + this.cfg.warmupMs);
    return s.verdict;
  }

  /** Forgets the series observed least recently. O(series), and only when a new series meets the cap. */
  private evictStalest(): void {
    // A tenth at a time, the stalest first: a stream of new keys past the cap costs amortised
    // O(log maxSeries) per key, not a scan of every series per key.
    const count = Math.max(1, Math.ceil(this.cfg.maxSeries / 10));
    const lastSeen = Float64Array.from(this.series.values(), (state) => state.lastMs).sort();
    const cutoff = lastSeen[Math.min(count, lastSeen.length) - 1]!;
    let left = count;
    for (const [key, state] of this.series) {
      if (left === 0) break;
      if (state.lastMs <= cutoff) {
        this.series.delete(key);
        this.evictedCount++;
        left--;
      }
    }
  }

  /** Reset-corrected cumulative counters (a decrease is a restart of the counting process). */
  private count(s: SeriesState, inserts: number, deletes: number): void {
    if (!s.hasCounters) {
      // Counting starts at the first observation: what happened before is nobody's business here.
      s.hasCounters = true;
      s.rawInserts = inserts;
      s.rawDeletes = deletes;
    }
    const reset = inserts < s.rawInserts || deletes < s.rawDeletes;
    s.cumInserts += reset ? inserts : inserts - s.rawInserts;
    s.cumDeletes += reset ? deletes : deletes - s.rawDeletes;
    s.rawInserts = inserts;
    s.rawDeletes = deletes;
  }

  /** Evaluates the window ending with the last complete bucket of `ring`. */
  private window(
    s: SeriesState,
    ring: BucketRing,
    base: number,
    buckets: number,
    warmupMs: number,
    steps = false,
  ): WindowEvidence | undefined {
    const to = ring.newest - 1;
    if (to < 0) return undefined;
    const warmup = Math.ceil((s.first.atMs + warmupMs) / ring.widthMs) - base;
    const from = Math.max(0, to - buckets + 1, ring.oldest, warmup);
    const endEv = ring.evidenceAtOrBefore(to, from);
    if (!endEv) return undefined;
    const endMs = Math.min(s.lastMs, (base + to + 1) * ring.widthMs);
    let start: { atMs: number; ev: typeof endEv };
    if (from === 0) {
      const f = s.first;
      start = {
        atMs: f.atMs,
        ev: { bucket: 0, entries: f.entries, inserts: 0, deletes: 0, ageSeconds: f.ageSeconds },
      };
    } else {
      const ev = ring.evidenceAtOrBefore(from - 1, from - 3);
      if (!ev) return undefined;
      start = { atMs: (base + ev.bucket + 1) * ring.widthMs, ev };
    }
    // Counters count for this window only if they were there at its start and in its last bucket:
    // counters that stopped arriving (or began mid-window) would read as no inserts and no deletes.
    const counters: CounterCoverage = !s.hasCounters
      ? 'absent'
      : s.countersFromMs > start.atMs || s.countersAtMs < (base + to) * ring.widthMs
        ? 'stale'
        : 'present';
    return measureWindow(ring, from, to, start, { atMs: endMs, ev: endEv }, counters, this.cfg, steps);
  }

  private decide(s: SeriesState, nowMs: number, coarseOpened: boolean): LeakVerdictDetail {
    const seen = nowMs - s.first.atMs;
    const need = this.cfg.minWindowMs + this.cfg.warmupMs;
    if (seen < need) return collecting(seen, need);
    // The long window changes only when an hourly bucket completes: evaluated then, remembered between,
    // whatever the fresh window holds (observations too sparse for it still fill hourly buckets).
    if (coarseOpened) {
      s.long = this.longVote(s);
      const held = this.window(s, s.coarse, s.coarseBase, HOLD_WINDOW_HOURS, 0);
      s.heldRise = held !== undefined && held.rise >= leastRise(this.cfg, held.level0) ? held.rise : 0;
    }
    const long = s.long;
    const w = this.window(s, s.fine, s.fineBase, this.cfg.windowBuckets, this.cfg.warmupMs, true);
    if (w === undefined || w.spanMs < this.cfg.minWindowMs * 0.9)
      return this.decideWithoutFresh(s, nowMs, seen);

    const bound = this.bound(s, w);
    const fresh = freshVote(w);
    // Steps are remembered whatever the bound says: a load while within a declared bound is still a step
    // that a later one, past the bound, repeats. The one-step reason is reached only without a bound.
    const repeats = w.stepAtMs === undefined || !w.rising ? true : noteStep(s, w.stepAtMs);
    const oneStep = fresh.vote && !repeats;
    const voting = fresh.vote && bound === undefined && repeats;
    if (!voting) s.voteSinceMs = NaN;
    else if (Number.isNaN(s.voteSinceMs)) s.voteSinceMs = nowMs;

    let state: LeakState;
    let explain: () => string;
    const mapAgeMs = s.lastMs - s.first.atMs;
    if (bound !== undefined) {
      state = 'ok';
      explain = bound;
    } else if (voting && nowMs - s.voteSinceMs >= this.cfg.holdMs) {
      // Held for holdMs of time, not for a count of evaluations: one every 5 min or one an hour.
      state = 'leak';
      explain = () => leakReason(w, mapAgeMs);
    } else if (long?.vote) {
      state = 'leak';
      explain = () => `over ${formatDuration(long.w.spanMs)}: ${leakReason(long.w, mapAgeMs)}`;
    } else if (s.state === 'leak' && (w.rise > 0 || -w.rise < s.heldRise) && !w.ageFlat) {
      // A noisy window is no evidence of a fix, and a young oldest entry may be churn sampled beside a
      // slow leak; but a fresh window that fell by more than the last six hours rose is (a clean-up, a
      // clear), and an oldest age that stays flat, as old as the window, is a cache done filling toward
      // an undeclared TTL: its entries of that age leave all along.
      state = 'leak';
      const since = nowMs - s.leakSinceMs;
      const recent = s.heldRise;
      explain = () =>
        w.rise > 0
          ? `still rising: ${describeRise(w)}; leak since ${formatDuration(since)}`
          : `still rising over the last ${HOLD_WINDOW_HOURS} h (floor +${formatCount(recent)}), not over the ` +
            `last ${formatDuration(w.spanMs)} (${describeRise(w)}); leak since ${formatDuration(since)}`;
    } else if (oneStep) {
      state = 'growing';
      const stepAgoMs = nowMs - (w.stepAtMs ?? nowMs);
      explain = () =>
        `${describeRise(w)}; one step of +${formatCount(w.stepSize)} entries about ${formatDuration(stepAgoMs)} ` +
        `ago between flat floors: a load, not a leak, unless a step repeats within ${STEP_REPEAT_MS / HOUR} h`;
    } else if (w.rising && fresh.boundSeen === undefined) {
      state = 'growing';
      explain = () => `${describeRise(w)}; ${describeMissing(w, fresh)}`;
    } else {
      state = 'ok';
      const seenBound = fresh.boundSeen;
      explain = () =>
        seenBound !== undefined
          ? describeBoundSeen(w, seenBound)
          : w.rise > 0
            ? `no sustained growth: ${describeRise(w)}, within the noise`
            : `no growth: ${describeRise(w)}`;
    }
    return this.settle(s, nowMs, state, w.slopePerMs * 1000, explain);
  }

  /**
   * The fresh window holds no evidence (a gap, or observations further apart than its blocks): the
   * day-long window decides once it has been observed, else the last verdict stands (a gap is no
   * evidence either way), else the series is still collecting and the reason says why.
   */
  private decideWithoutFresh(s: SeriesState, nowMs: number, seen: number): LeakVerdictDetail {
    s.voteSinceMs = NaN; // a window without evidence breaks the hold: the vote was not seen holding
    const long = s.long;
    const mapAgeMs = s.lastMs - s.first.atMs;
    if (long !== undefined) {
      const lw = long.w;
      const bound = this.bound(s, lw);
      if (bound !== undefined) return this.settle(s, nowMs, 'ok', lw.slopePerMs * 1000, bound);
      if (long.vote) {
        const explain = () => `over ${formatDuration(lw.spanMs)}: ${leakReason(lw, mapAgeMs)}`;
        return this.settle(s, nowMs, 'leak', lw.slopePerMs * 1000, explain);
      }
      // The long window judges again at every hourly bucket. Returning the standing verdict here kept a
      // leak that was cleared, sampled every 30 min, as `leak` with its old reason for good (#9 notes).
      // Left only on evidence of a fall, as the fresh path leaves it: a day's fitted slope alone changes
      // sign with the hour on a map whose daily cycle is larger than its daily leak (found by review).
      if (
        s.state === 'leak' &&
        (lw.rise > -leastRise(this.cfg, lw.level0) || s.heldRise > 0) &&
        !lw.ageFlat
      ) {
        const since = nowMs - s.leakSinceMs;
        const explain = () =>
          `over ${formatDuration(lw.spanMs)}: still rising: ${describeRise(lw)}; leak since ${formatDuration(since)} (${SPARSE})`;
        return this.settle(s, nowMs, 'leak', lw.slopePerMs * 1000, explain);
      }
      const state: LeakState = lw.rising ? 'growing' : 'ok';
      const explain = () =>
        `over ${formatDuration(lw.spanMs)}: ${describeRise(lw)}${lw.rising ? '; not steady enough for a leak' : ''} (${SPARSE})`;
      return this.settle(s, nowMs, state, lw.slopePerMs * 1000, explain);
    }
    if (s.state !== 'collecting') return s.verdict;
    const need = this.cfg.minWindowMs + this.cfg.warmupMs;
    const longMs = this.cfg.longBuckets * HOUR;
    return verdict(
      'collecting',
      0,
      () =>
        `collecting: ${formatDuration(seen)} observed, ${formatDuration(need)} needed, but the last ` +
        `${formatDuration(this.cfg.windowBuckets * this.cfg.bucketMs)} window has a gap (${SPARSE}); ` +
        `the ${formatDuration(longMs)} window decides once observed (it needs an observation every hour)`,
    );
  }

  private settle(
    s: SeriesState,
    nowMs: number,
    state: LeakState,
    growthPerSecond: number,
    explain: () => string,
  ): LeakVerdictDetail {
    if (state === 'leak' && s.state !== 'leak') s.leakSinceMs = nowMs;
    s.state = state;
    return verdict(state, growthPerSecond, explain);
  }

  /** A declared bound that explains the series (as its reason); undefined when none does. */
  private bound(s: SeriesState, w: WindowEvidence): (() => string) | undefined {
    const { lastEntries: entries, maxEntries: max, ttlSeconds: ttl } = s;
    if (max !== undefined && entries <= max)
      return () => `within its declared bound: ${formatCount(entries)} of ${formatCount(max)} entries`;
    // A declared TTL is a declaration, not a limit (a plain map enforces none): it bounds the map only
    // where the oldest sampled entry shows it is kept. Without ages nothing can check it.
    const age = w.ageSeconds;
    if (ttl !== undefined && age !== undefined && age <= ttl * TTL_SLACK + (2 * this.cfg.bucketMs) / 1000) {
      return () =>
        `within its declared TTL: oldest sampled entry ${formatDuration(age * 1000)} old, TTL ${formatDuration(ttl * 1000)}`;
    }
    return undefined;
  }

  /** The day-long window on hourly buckets: the only leak path for entries alone. */
  private longVote(s: SeriesState): { vote: boolean; w: WindowEvidence } | undefined {
    if (s.coarse.newest - 1 < this.cfg.longBuckets) return undefined; // needs the whole window observed
    const w = this.window(s, s.coarse, s.coarseBase, this.cfg.longBuckets, 0);
    if (w === undefined) return undefined;
    const { floor0: f0, floor1: f1, floor2: f2 } = w;
    const floorRise = f2 - f0;
    const steady = Math.max(f1 - f0, f2 - f1) <= 0.75 * floorRise; // not one step (a bulk load)
    const vote =
      w.floorsRising &&
      floorRise >= LONG_MIN_REL_RISE * f0 &&
      steady &&
      w.netPositive !== false &&
      w.survived !== false &&
      w.lateToEarly >= MIN_LATE_TO_EARLY_LONG &&
      w.lateToEarly <= 1 / MIN_LATE_TO_EARLY_LONG;
    return { vote, w };
  }
}
