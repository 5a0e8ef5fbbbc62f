/**
 * LeakDetector: tells a map that grows without bound from the shapes that only look like growth.
 *
 * Pure and deterministic: it is fed `(seriesKey, timestampMs, entries, inserts?, deletes?)` and never
 * reads a clock. Per series it keeps two fixed-size rings of time buckets (fine: 1 min x 370, coarse:
 * 15 min x 300 by default) holding the lowest entry count seen in each bucket, the "floor". Work per
 * observation is O(1) amortised: scales are re-evaluated only when a bucket of their ring completes,
 * and each evaluation reads a bounded number of buckets.
 *
 * The idea: whatever comes and goes (churn, bursts, TTL expiry, LRU eviction, the daily cycle), a leak
 * leaves behind entries that never leave, so the floor keeps rising. At each of several time scales the
 * span is cut into k consecutive windows; the scale votes "leak" when the floor of every window is
 * higher than the floor of the one before, the rise is large against the base size, steady (no single
 * step makes it, it does not die out) and, when counters are fed, inserts outpaced deletes by about as
 * much. Shapes that are periodic (diurnal, sawtooth, periodic clear) cannot rise in every window once the
 * span exceeds their period; a bulk load is one step; a warm-up decelerates and starts from near-empty.
 * Short scales catch slow leaks early but are only trusted for slow relative rates and a map that was
 * not near-empty (the rising half of a daily cycle, a cache filling up, look exactly like growth for a
 * few hours); longer scales lift those limits, and so does a day of history: once the floor has climbed
 * clear above everything the previous 24 h held, no warm-up or daily rise explains it (the fast path).
 * A longer scale that sees the rise dying out vetoes the shorter ones. Once suspect, a series stays
 * suspect until the scale that flagged it sees the floor stop rising over its span (hysteresis).
 */
import { BucketRing } from './ring.js';
import { median, theilSen } from './robust.js';
import { formatCount, formatDuration, formatPercent } from './format.js';

/** One time scale: `windows` consecutive windows of `windowMs` each. */
export interface LeakScale {
  readonly windowMs: number;
  readonly windows: number;
  /**
   * Highest rise of the floor, relative to its base, per hour that this scale may call a leak.
   * Faster rises over a short span are what a daily cycle's rising half looks like; a longer scale
   * decides those. Default: no limit.
   */
  readonly maxRelRatePerHour?: number;
  /**
   * Smallest ratio base/end of the floor this scale accepts; below it the floor more than grew from
   * near-empty within the span (warm-up, a cache filling, a map cleared at night), which only a longer
   * scale may call a leak. Default 0 (no guard).
   */
  readonly minBaseRatio?: number;
}

export interface LeakDetectorOptions {
  /** Series held at once; past it the least recently observed series is forgotten. Default 2000. */
  maxSeries?: number;
  /** Fine ring: bucket width (ms) and number of buckets. Default 60 s x 370 (6 h). */
  fineBucketMs?: number;
  fineBuckets?: number;
  /** Coarse ring: bucket width (ms) and number of buckets. Default 15 min x 300 (75 h). */
  coarseBucketMs?: number;
  coarseBuckets?: number;
  /** Time scales, shortest first. Each must fit in one ring and use whole buckets of it. */
  scales?: readonly LeakScale[];
  /** Smallest floor rise over a scale, as a share of the base floor. Default 0.004 (0.4 %). */
  minRelRise?: number;
  /** Smallest floor rise over a scale, in entries (keeps tiny maps and instance counts sane). Default 3. */
  minAbsRise?: number;
  /** The steadiness test: median increment >= this many MADs of the increments. Default 1. */
  steadiness?: number;
  /**
   * A steady leak rises as much late in the span as early: the late half of the rise must be within
   * this factor of the early half, both ways. A warm-up dies out; the turn of a daily cycle speeds up or
   * slows down. Default 0.5.
   */
  minLateToEarly?: number;
  /** No single window-to-window increment may carry more than this share of the rise. Default 0.6. */
  maxStepShare?: number;
  /** The window maxima must rise by at least this share of the floor's rise. Default 0.25. */
  minCeilingShare?: number;
  /** Scales of 3-4 windows: the rise must be at least this share of the mean within-window swing. Default 0.15. */
  minSwingShare?: number;
  /** With counters: net inserts (inserts - deletes) over the span >= this share of the rise. Default 0.5. */
  minNetShare?: number;
  /**
   * A scale's vote must hold while its windows slide by this share of a window (re-tested at every
   * bucket) before the verdict turns: a chance alignment of noisy floors does not survive the slide.
   * Default 0.5.
   */
  holdFraction?: number;
  /** Upper bound on those consecutive votes (long windows would otherwise wait half a day). Default 30. */
  maxHold?: number;
  /**
   * The fast path of the short scales: a rise they would otherwise leave to a longer scale (too fast,
   * or from near-empty) counts when the series was observed for this long before the span and the floor
   * now lies above the highest entry count of that stretch by a margin. 0 turns it off. Default 24 h
   * (a whole daily cycle: a cycle's rise only returns to a level it reached the day before).
   */
  historyMs?: number;
  /** That margin, as a share of the stretch's range (highest - lowest); at least the rise threshold. Default 0.25. */
  historyMargin?: number;
}

export interface LeakVerdictDetail {
  readonly suspect: boolean;
  /** 0..1: how close the strongest scale came to a leak verdict (1 when suspect). */
  readonly score: number;
  /** Robust growth of the floor (Theil–Sen over window floors), entries per second. */
  readonly growthPerSecond: number;
  /** One line a person can act on. */
  readonly reason: string;
  /** Span of the scale that decided (ms), when a scale could be evaluated. */
  readonly spanMs: number | undefined;
}

export const DEFAULT_SCALES: readonly LeakScale[] = Object.freeze([
  // Slow leaks, caught within two hours, only while they are slow relative to the map's size.
  { windowMs: 15 * 60_000, windows: 6, maxRelRatePerHour: 0.008, minBaseRatio: 0.5 },
  { windowMs: 60 * 60_000, windows: 6, maxRelRatePerHour: 0.01, minBaseRatio: 0.5 },
  // Longer than the rising half of a daily cycle: any rate, but not a fill from near-empty.
  { windowMs: 150 * 60_000, windows: 8, minBaseRatio: 0.6 },
  // Longer than a day: periodic shapes cannot rise in every window; fills from empty are over.
  { windowMs: 8 * 3_600_000, windows: 4 },
  // Three whole days: the trough of each day, for slow leaks hidden under a large daily cycle.
  { windowMs: 24 * 3_600_000, windows: 3 },
]);

const HOUR = 3_600_000;

interface ScaleConfig extends Required<LeakScale> {
  readonly ring: 'fine' | 'coarse';
  /** Buckets per window in its ring. */
  readonly perWindow: number;
  /** Consecutive votes needed (from holdFraction). */
  readonly hold: number;
}

interface ScaleResult {
  /** Every test passed at this evaluation. */
  readonly vote: boolean;
  readonly score: number;
  readonly rise: number;
  readonly base: number;
  readonly slopePerMs: number;
  readonly spanMs: number;
  /** Why the vote is no, when it is no (for the reason line). */
  readonly blocker: string | undefined;
  /** The vote is no because the rise dies out (a warm-up, a cycle's shoulder): it vetoes shorter scales. */
  readonly slowing: boolean;
  readonly inserts: number | undefined;
  readonly deletes: number | undefined;
}

class SeriesState {
  readonly fine: BucketRing;
  readonly coarse: BucketRing;
  firstMs = NaN;
  lastMs = -Infinity;
  lastEntries = 0;
  hasCounters = false;
  rawInserts = 0;
  rawDeletes = 0;
  cumInserts = 0;
  cumDeletes = 0;
  counterResets = 0;
  /** Consecutive "leak" votes per scale. */
  readonly streak: Int32Array;
  readonly results: (ScaleResult | undefined)[];
  verdict: LeakVerdictDetail = COLLECTING;
  /** While suspect: the scale that last flagged (it decides when to clear) and when it first did. */
  heldScale = -1;
  suspectSinceMs = NaN;

  constructor(cfg: ResolvedOptions) {
    this.fine = new BucketRing(cfg.fineBucketMs, cfg.fineBuckets);
    this.coarse = new BucketRing(cfg.coarseBucketMs, cfg.coarseBuckets);
    this.streak = new Int32Array(cfg.scales.length);
    this.results = new Array<ScaleResult | undefined>(cfg.scales.length).fill(undefined);
  }
}

const COLLECTING: LeakVerdictDetail = Object.freeze({
  suspect: false,
  score: 0,
  growthPerSecond: 0,
  reason: 'no data yet',
  spanMs: undefined,
});

interface ResolvedOptions {
  maxSeries: number;
  fineBucketMs: number;
  fineBuckets: number;
  coarseBucketMs: number;
  coarseBuckets: number;
  scales: ScaleConfig[];
  minRelRise: number;
  minAbsRise: number;
  steadiness: number;
  minLateToEarly: number;
  maxStepShare: number;
  minNetShare: number;
  minSwingShare: number;
  minCeilingShare: number;
  holdFraction: number;
  historyMs: number;
  historyMargin: number;
}

function positive(name: string, value: number, integer = false): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new RangeError(
      `mapwatch: LeakDetector option ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`,
    );
  }
  return value;
}

function resolve(o: LeakDetectorOptions): ResolvedOptions {
  const fineBucketMs = positive('fineBucketMs', o.fineBucketMs ?? 60_000);
  const fineBuckets = positive('fineBuckets', o.fineBuckets ?? 370, true);
  const coarseBucketMs = positive('coarseBucketMs', o.coarseBucketMs ?? 15 * 60_000);
  const coarseBuckets = positive('coarseBuckets', o.coarseBuckets ?? 300, true);
  const holdFraction = o.holdFraction ?? 0.5;
  const maxHold = positive('maxHold', o.maxHold ?? 30, true);
  const historyMs = o.historyMs ?? 24 * HOUR;
  if (!(historyMs >= 0))
    throw new RangeError(`mapwatch: LeakDetector option historyMs must be >= 0, got ${historyMs}`);
  if (historyMs > 0 && (historyMs % coarseBucketMs !== 0 || historyMs / coarseBucketMs + 1 > coarseBuckets)) {
    throw new RangeError(
      `mapwatch: LeakDetector option historyMs (${historyMs} ms) must be whole coarse buckets the coarse ring holds`,
    );
  }
  if (!(holdFraction >= 0))
    throw new RangeError(`mapwatch: LeakDetector option holdFraction must be >= 0, got ${holdFraction}`);
  const scales = (o.scales ?? DEFAULT_SCALES).map((s, i): ScaleConfig => {
    positive(`scales[${i}].windowMs`, s.windowMs);
    positive(`scales[${i}].windows`, s.windows, true);
    if (s.windows < 3) throw new RangeError(`mapwatch: LeakDetector scales[${i}].windows must be at least 3`);
    const span = s.windowMs * s.windows;
    // The ring must hold the whole span plus the bucket before it (for the counters' starting point).
    const fits = (width: number, count: number): boolean =>
      s.windowMs % width === 0 && span / width + 1 <= count;
    const ring = fits(fineBucketMs, fineBuckets)
      ? 'fine'
      : fits(coarseBucketMs, coarseBuckets)
        ? 'coarse'
        : undefined;
    if (ring === undefined) {
      throw new RangeError(
        `mapwatch: LeakDetector scales[${i}] (${s.windows} x ${s.windowMs} ms) fits neither ring; use whole buckets and a span the ring holds`,
      );
    }
    return {
      windowMs: s.windowMs,
      windows: s.windows,
      maxRelRatePerHour: s.maxRelRatePerHour ?? Infinity,
      minBaseRatio: s.minBaseRatio ?? 0,
      ring,
      perWindow: s.windowMs / (ring === 'fine' ? fineBucketMs : coarseBucketMs),
      hold: Math.max(
        1,
        Math.min(
          maxHold,
          Math.ceil(holdFraction * (s.windowMs / (ring === 'fine' ? fineBucketMs : coarseBucketMs))),
        ),
      ),
    };
  });
  return {
    maxSeries: positive('maxSeries', o.maxSeries ?? 2000, true),
    fineBucketMs,
    fineBuckets,
    coarseBucketMs,
    coarseBuckets,
    scales,
    minRelRise: o.minRelRise ?? 0.004,
    minAbsRise: o.minAbsRise ?? 3,
    steadiness: o.steadiness ?? 1.5,
    minLateToEarly: o.minLateToEarly ?? 0.55,
    maxStepShare: o.maxStepShare ?? 0.6,
    minNetShare: o.minNetShare ?? 0.5,
    minSwingShare: o.minSwingShare ?? 0.15,
    minCeilingShare: o.minCeilingShare ?? 0.25,
    holdFraction,
    historyMs,
    historyMargin: o.historyMargin ?? 0.25,
  };
}

export class LeakDetector {
  private readonly cfg: ResolvedOptions;
  /** Insertion order is recency order (a series is re-inserted when observed): the first is evicted. */
  private readonly series = new Map<string, SeriesState>();
  private evictedCount = 0;
  // Scratch space shared by every series: evaluation never allocates per window.
  private readonly floors: Float64Array;
  private readonly times: Float64Array;
  private readonly incs: Float64Array;
  private readonly pairScratch: Float64Array;

  constructor(options: LeakDetectorOptions = {}) {
    this.cfg = resolve(options);
    const k = Math.max(...this.cfg.scales.map((s) => s.windows));
    this.floors = new Float64Array(k);
    this.times = new Float64Array(k);
    this.incs = new Float64Array(k);
    this.pairScratch = new Float64Array((k * (k - 1)) / 2);
  }

  /** Series currently held. */
  get size(): number {
    return this.series.size;
  }

  /** Series forgotten because of the `maxSeries` cap. */
  get evicted(): number {
    return this.evictedCount;
  }

  /** The longest span any scale needs, in ms (how much history a verdict can take). */
  get longestSpanMs(): number {
    return Math.max(...this.cfg.scales.map((s) => s.windowMs * s.windows));
  }

  /** The shortest span any scale needs, in ms (no verdict before that much history). */
  get shortestSpanMs(): number {
    return Math.min(...this.cfg.scales.map((s) => s.windowMs * s.windows));
  }

  forget(seriesKey: string): void {
    this.series.delete(seriesKey);
  }

  /** The last verdict of a series, or undefined if unknown. */
  verdict(seriesKey: string): LeakVerdictDetail | undefined {
    return this.series.get(seriesKey)?.verdict;
  }

  /**
   * Feeds one observation and returns the series' verdict. `inserts` and `deletes` are cumulative
   * counters (a drop means the process restarted: counting resumes from the new value). Observations
   * older than the series' last one, and non-finite entry counts, are ignored.
   */
  observe(
    seriesKey: string,
    timestampMs: number,
    entries: number,
    inserts?: number,
    deletes?: number,
  ): LeakVerdictDetail {
    let s = this.series.get(seriesKey);
    if (s === undefined) {
      if (this.series.size >= this.cfg.maxSeries) {
        const oldest = this.series.keys().next().value as string;
        this.series.delete(oldest);
        this.evictedCount++;
      }
      s = new SeriesState(this.cfg);
      this.series.set(seriesKey, s);
    } else {
      // Move to the end: recency order for eviction.
      this.series.delete(seriesKey);
      this.series.set(seriesKey, s);
    }
    if (!Number.isFinite(timestampMs) || !Number.isFinite(entries) || timestampMs < s.lastMs)
      return s.verdict;

    if (
      inserts !== undefined &&
      deletes !== undefined &&
      Number.isFinite(inserts) &&
      Number.isFinite(deletes)
    ) {
      if (!s.hasCounters) {
        // Counting starts at the first observation: what happened before is nobody's business here.
        s.hasCounters = true;
        s.rawInserts = inserts;
        s.rawDeletes = deletes;
      }
      const reset = inserts < s.rawInserts || deletes < s.rawDeletes;
      if (reset) s.counterResets++;
      s.cumInserts += reset ? inserts : inserts - s.rawInserts;
      s.cumDeletes += reset ? deletes : deletes - s.rawDeletes;
      s.rawInserts = inserts;
      s.rawDeletes = deletes;
    }
    if (Number.isNaN(s.firstMs)) s.firstMs = timestampMs;
    s.lastMs = timestampMs;
    s.lastEntries = entries;

    // Evaluate the scales of a ring when one of its buckets completes, on complete buckets only.
    const fineOpened = s.fine.add(timestampMs, entries, s.cumInserts, s.cumDeletes);
    const coarseOpened = s.coarse.add(timestampMs, entries, s.cumInserts, s.cumDeletes);
    if (fineOpened || coarseOpened) {
      const { scales } = this.cfg;
      for (let i = 0; i < scales.length; i++) {
        const scale = scales[i]!;
        if (scale.ring === 'fine' ? !fineOpened : !coarseOpened) continue;
        const ring = scale.ring === 'fine' ? s.fine : s.coarse;
        const result = this.evaluate(s, scale, ring, ring.newest - 1);
        s.results[i] = result;
        s.streak[i] = result?.vote ? s.streak[i]! + 1 : 0;
      }
      s.verdict = this.decide(s, timestampMs);
    }
    return s.verdict;
  }

  /** One scale's tests over the windows that end with bucket `end` (complete). */
  private evaluate(
    s: SeriesState,
    scale: ScaleConfig,
    ring: BucketRing,
    end: number,
  ): ScaleResult | undefined {
    const k = scale.windows;
    const w = scale.perWindow;
    const start = end - k * w + 1;
    // Enough history: the series must have been observed since the first window began.
    if (start < 0 || ring.bucketOf(s.firstMs) > start) return undefined;
    const { floors, times, incs } = this;
    for (let i = 0; i < k; i++) {
      const m = ring.minOver(start + i * w, start + (i + 1) * w - 1);
      // A window without a single observation (a long gap): no verdict at this scale.
      if (Number.isNaN(m)) return undefined;
      floors[i] = m;
      times[i] = (start + i * w + w / 2) * ring.widthMs;
    }
    const base = floors[0]!;
    const top = floors[k - 1]!;
    const rise = top - base;
    let positives = 0;
    let maxInc = -Infinity;
    for (let i = 0; i < k - 1; i++) {
      const d = floors[i + 1]! - floors[i]!;
      incs[i] = d;
      if (d > 0) positives++;
      if (d > maxInc) maxInc = d;
    }
    const slopePerMs = theilSen(times, floors, k, this.pairScratch);
    const spanMs = (k - 1) * scale.windowMs;
    const threshold = Math.max(this.cfg.minAbsRise, this.cfg.minRelRise * Math.abs(base));
    const score = Math.max(0, Math.min(1, rise / threshold)) * (positives / (k - 1));

    // Counters over the same span: from the last observation before the first window to the end.
    let inserts: number | undefined;
    let deletes: number | undefined;
    let netAtFloors = 0;
    if (s.hasCounters) {
      const atEnd = ring.countersAtOrBefore(end, start);
      const atStart =
        ring.countersAtOrBefore(start - 1, start - 1 - w) ?? ring.countersAtOrBefore(start + w - 1, start);
      if (atEnd && atStart) {
        inserts = atEnd.inserts - atStart.inserts;
        deletes = atEnd.deletes - atStart.deletes;
        // The counters are read at two instants, not at the floors: take out what churn left above
        // the floor at either instant, or a busy map's net would swing with its working set.
        netAtFloors = inserts - deletes - (atEnd.entries - top) + (atStart.entries - base);
      }
    }
    const result = (vote: boolean, blocker: string | undefined, slowing = false): ScaleResult => ({
      vote,
      slowing,
      score: vote ? 1 : Math.min(score, 0.99),
      rise,
      base,
      slopePerMs,
      spanMs,
      blocker,
      inserts,
      deletes,
    });

    if (positives < k - 1) return result(false, undefined);
    if (rise < threshold) return result(false, undefined);
    // Steady: the increments agree with each other (a noisy plateau that happens to creep does not).
    const incCopy = this.pairScratch;
    for (let i = 0; i < k - 1; i++) incCopy[i] = incs[i]!;
    const medInc = median(incCopy, k - 1);
    for (let i = 0; i < k - 1; i++) incCopy[i] = Math.abs(incs[i]! - medInc);
    const mad = median(incCopy, k - 1);
    if (medInc < this.cfg.steadiness * mad) return result(false, 'rise is irregular');
    // Not one step (a bulk load): no single increment carries most of the rise.
    const stepShare = Math.max(this.cfg.maxStepShare, 1.5 / (k - 1));
    if (maxInc > stepShare * rise) return result(false, 'rise is one step (a bulk load?), not steady growth');
    // Not dying out (a warm-up): the late half of the rise is comparable to the early half.
    const half = Math.floor((k - 1) / 2);
    let early = 0;
    let late = 0;
    for (let i = 0; i < half; i++) {
      early += incs[i]!;
      late += incs[k - 2 - i]!;
    }
    if (late < this.cfg.minLateToEarly * early) return result(false, 'rise is slowing down (warm-up?)', true);
    if (early < this.cfg.minLateToEarly * late)
      return result(false, 'rise is speeding up from a low (a cycle turning?)');
    // A fast rise, or one from near-empty, over a short span is what a warm-up, a cache filling or the
    // rising half of a daily cycle look like, so a short scale leaves it to a longer one. Unless the
    // series has a day of history and the floor has already climbed clear above everything that day
    // held: a warm-up or a cycle's rise only returns to where the series has been before.
    const fromEmpty = base < scale.minBaseRatio * top;
    const relPerHour = ((rise / spanMs) * HOUR) / Math.max(Math.abs(base), 1);
    const fast = relPerHour > scale.maxRelRatePerHour;
    const history = spanMs < this.cfg.historyMs ? this.history(s, start * ring.widthMs) : undefined;
    const aboveHistory =
      history !== undefined &&
      top > history.high + Math.max(threshold, this.cfg.historyMargin * (history.high - history.low));
    // With a day of history, a scale shorter than a day must also have reached new ground: the crest
    // of a daily cycle rises slowly and steadily for hours, but only to about where the day before
    // took it (give or take the day-to-day variation, hence the margin on the floors' range).
    if (
      history !== undefined &&
      !(top > history.highFloor + this.cfg.historyMargin * (history.highFloor - history.low))
    ) {
      return result(false, 'the floor is no higher than it was in the past day (a daily cycle?)');
    }
    if (fromEmpty && !aboveHistory) {
      return result(
        false,
        'floor grew from near-empty (warm-up or a periodic refill); a longer window decides',
      );
    }
    if (fast && !aboveHistory) {
      return result(
        false,
        'fast rise over a short span (a daily cycle looks the same); a longer window decides',
      );
    }
    // The ceiling (window maxima) must rise with the floor: a leak lifts the whole series, while a
    // trough that is merely shallower today (day-to-day variation, a lucky sample after a clear) comes
    // with a peak that is not higher.
    const ceilRise = ring.maxOver(end - w + 1, end) - ring.maxOver(start, start + w - 1);
    if (!(ceilRise >= this.cfg.minCeilingShare * rise))
      return result(false, 'the peaks did not rise with the floor');
    // Few windows give little evidence: a scale of 3 or 4 windows must also rise by a fair share of
    // how much the series swings within a window, or a shallower trough today (day-to-day variation)
    // would pass for growth.
    if (k <= 4) {
      let swing = 0;
      for (let i = 0; i < k; i++) swing += ring.maxOver(start + i * w, start + (i + 1) * w - 1) - floors[i]!;
      if (rise < this.cfg.minSwingShare * (swing / k))
        return result(false, 'the rise is small next to the daily swing');
    }
    // Context before the span, where the ring still holds it: a leak rose before too, about as fast
    // and never from higher up. A slow stretch after a fast rise (a shoulder of a daily cycle, the end
    // of a warm-up) or a recovery from a dip (a cycle turning) does not.
    const ctxFrom = Math.max(ring.oldest, ring.bucketOf(s.firstMs) + 1, start - k * w);
    if (start - ctxFrom >= w) {
      const ctxHigh = ring.maxOver(ctxFrom, start - 1);
      const ctxLow = ring.minOver(ctxFrom, start - 1);
      if (ctxLow > base + 0.5 * rise) return result(false, 'the floor was higher shortly before (a cycle?)');
      const ctxRisePerMs = (base - ctxLow) / ((start - ctxFrom) * ring.widthMs);
      if (ctxRisePerMs > 2 * (rise / spanMs) && ctxHigh > base) {
        return result(false, 'the rise is slowing down after a faster one (warm-up or a cycle)', true);
      }
    }
    if (s.hasCounters) {
      if (inserts === undefined || deletes === undefined)
        return result(false, 'counters missing over the span');
      if (inserts <= 0 || netAtFloors < this.cfg.minNetShare * rise) {
        return result(false, 'deletes kept pace with inserts');
      }
    }
    return result(true, undefined);
  }

  /**
   * The `historyMs` before `spanStartMs` (whole coarse buckets strictly before it): highest and lowest
   * entry count and highest coarse-bucket floor; undefined unless the series was observed all along.
   * Reads historyMs / coarseBucketMs buckets of the coarse ring.
   */
  private history(
    s: SeriesState,
    spanStartMs: number,
  ): { high: number; low: number; highFloor: number } | undefined {
    if (this.cfg.historyMs <= 0) return undefined;
    const c = s.coarse;
    const to = c.bucketOf(spanStartMs) - 1;
    const from = to - this.cfg.historyMs / c.widthMs + 1;
    if (from < c.oldest || c.bucketOf(s.firstMs) > from) return undefined;
    const high = c.maxOver(from, to);
    const low = c.minOver(from, to);
    const highFloor = c.maxMinOver(from, to);
    if (Number.isNaN(high) || Number.isNaN(low)) return undefined;
    return { high, low, highFloor };
  }

  private decide(s: SeriesState, nowMs: number): LeakVerdictDetail {
    const { scales } = this.cfg;
    let longest: ScaleResult | undefined;
    let flagging: ScaleResult | undefined;
    let flaggingAt = -1;
    let best = 0;
    let blocked: ScaleResult | undefined;
    // A longer scale that sees the rise dying out vetoes the shorter ones: it has seen more of the
    // shape, and the tail of a slow warm-up (hours long) is a steady, slow rise over a short span.
    let slowingAt = -1;
    for (let i = scales.length - 1; i >= 0 && slowingAt < 0; i--) if (s.results[i]?.slowing) slowingAt = i;
    for (let i = 0; i < scales.length; i++) {
      const r = s.results[i];
      if (r === undefined) continue;
      longest = r;
      const held = s.streak[i]! >= scales[i]!.hold && i >= slowingAt;
      if (r.vote && held) {
        flagging = r; // keep the longest flagging scale
        flaggingAt = i;
      }
      best = Math.max(best, r.vote ? (held ? 1 : 0.99) : r.score);
      if (!r.vote && r.blocker !== undefined) blocked = r;
    }
    if (longest === undefined) {
      const seen = nowMs - s.firstMs;
      return {
        suspect: false,
        score: 0,
        growthPerSecond: 0,
        reason: `collecting history: ${formatDuration(seen)} observed, the shortest window needs ${formatDuration(this.shortestSpanMs)}`,
        spanMs: undefined,
      };
    }
    if (flagging !== undefined) {
      if (s.heldScale < 0) s.suspectSinceMs = nowMs;
      s.heldScale = flaggingAt;
      return {
        suspect: true,
        score: 1,
        growthPerSecond: flagging.slopePerMs * 1000,
        reason: this.leakReason(flagging),
        spanMs: flagging.spanMs,
      };
    }
    // Hysteresis: once suspect, a series stays suspect until the scale that flagged it shows that the
    // floor stopped rising over its whole span (or fell). A leak's vote drops now and then for reasons
    // that are not evidence of a fix (a burst lifts one window's peak, the noise lines up against a
    // test); an alert that flaps with them would be ignored. Without a verdict at that scale (a gap
    // in the data) there is no evidence either way, so the verdict stands.
    if (s.heldScale >= 0) {
      const h = s.results[s.heldScale];
      const threshold =
        h === undefined ? 0 : Math.max(this.cfg.minAbsRise, this.cfg.minRelRise * Math.abs(h.base));
      if (h === undefined || h.rise >= threshold) {
        const prev = s.verdict;
        const since = formatDuration(nowMs - s.suspectSinceMs);
        return {
          suspect: true,
          score: 1,
          growthPerSecond: h === undefined ? prev.growthPerSecond : h.slopePerMs * 1000,
          reason:
            h === undefined
              ? prev.reason
              : `still rising: floor rose ${formatCount(h.rise)} entries${h.base > 0 ? ` (+${formatPercent(h.rise / h.base)})` : ''} in ${formatDuration(h.spanMs)} (~${formatCount(h.slopePerMs * HOUR)}/h); suspect for ${since}`,
          spanMs: h === undefined ? prev.spanMs : h.spanMs,
        };
      }
      s.heldScale = -1;
      s.suspectSinceMs = NaN;
    }
    const r = blocked ?? longest;
    const pct = r.base !== 0 ? ` (${r.rise >= 0 ? '+' : ''}${formatPercent(r.rise / Math.abs(r.base))})` : '';
    const reason =
      r.blocker !== undefined
        ? `floor rose ${formatCount(r.rise)} entries${pct} in ${formatDuration(r.spanMs)} but ${r.blocker}`
        : r.rise > 0
          ? `no sustained growth: floor ${formatCount(r.base)} -> ${formatCount(r.base + r.rise)}${pct} over ${formatDuration(r.spanMs)}, not rising in every window`
          : `no growth: floor ${formatCount(r.base)} -> ${formatCount(r.base + r.rise)}${pct} over ${formatDuration(r.spanMs)}`;
    return {
      suspect: false,
      score: best,
      growthPerSecond: longest.slopePerMs * 1000,
      reason,
      spanMs: r.spanMs,
    };
  }

  private leakReason(r: ScaleResult): string {
    const pct = r.base > 0 ? ` (+${formatPercent(r.rise / r.base)})` : '';
    const perHour = formatCount(r.slopePerMs * HOUR);
    let counters = '; no insert/delete counters';
    if (r.inserts !== undefined && r.deletes !== undefined) {
      const share = r.inserts > 0 ? formatPercent(r.deletes / r.inserts) : 'n/a';
      counters = ` while deletes kept pace with ${share} of inserts (${formatCount(r.inserts)} inserts, ${formatCount(r.deletes)} deletes)`;
    }
    return `floor rose ${formatCount(r.rise)} entries${pct} in ${formatDuration(r.spanMs)}, steadily (~${perHour}/h)${counters}`;
  }
}
