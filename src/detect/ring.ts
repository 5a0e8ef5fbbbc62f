/**
 * A fixed-size ring of time buckets for one series. Each bucket keeps the lowest and highest entry
 * count seen in it and, at the bucket's last observation, the entry count, the cumulative
 * (reset-corrected) insert and delete counters and the oldest sampled entry's age.
 *
 * Buckets are addressed by their index relative to the series' first bucket, so gaps in sampling leave
 * buckets empty, irregular intervals need no special handling, and indices stay small whatever the
 * timestamps are. Entry counts and ages are stored as 32-bit floats: exact for counts up to 16.7 million
 * and to a fraction of a second for ages of days; counters, which only matter as differences of large
 * numbers, stay 64-bit. Memory is fixed at construction: a slice of three typed views on one ArrayBuffer
 * (RingViews), which the rings of a series share: a view costs about 100 bytes of heap, as much as three
 * buckets.
 */
export class BucketRing {
  /** Per slot, at f64[slot * 2 + k]: k = 0 inserts, 1 deletes (cumulative). */
  private readonly f64: Float64Array;
  /** Per slot, at f32[slot * 4 + k]: k = 0 lowest entries, 1 highest, 2 last entries, 3 oldest age. */
  private readonly f32: Float32Array;
  /** Relative bucket index held by each slot; -1 when the slot was never written. */
  private readonly index: Int32Array;
  /** This ring's first slot in the shared views (see slotOf). */
  private readonly first: number;
  /** Relative index of the newest bucket written, or -1. */
  newest = -1;

  /** Bytes `capacity` buckets take in a buffer (a multiple of 8). */
  static bytes(capacity: number): number {
    return Math.ceil((capacity * (16 + 16 + 4)) / 8) * 8;
  }

  /** The ring uses slots `first` .. `first + capacity - 1` of `views`. */
  constructor(
    readonly widthMs: number,
    readonly capacity: number,
    views: RingViews = new RingViews(capacity),
    first = 0,
  ) {
    if (!(first >= 0 && first + capacity <= views.slots)) {
      throw new RangeError(
        `BucketRing: slots ${first}..${first + capacity - 1} are not in views of ${views.slots}`,
      );
    }
    this.f64 = views.f64;
    this.f32 = views.f32;
    this.index = views.index;
    this.first = first;
  }

  /**
   * Records one observation in relative bucket `b` (>= newest, the caller keeps time monotonic).
   * Returns true when it opened a new bucket (every earlier bucket is then complete).
   */
  add(b: number, entries: number, inserts: number, deletes: number, ageSeconds: number): boolean {
    const slot = this.slotOf(b);
    const f = slot * 4;
    const f32 = this.f32;
    if (this.index[slot] !== b) {
      this.index[slot] = b;
      f32[f] = entries;
      f32[f + 1] = entries;
    } else {
      if (entries < f32[f]!) f32[f] = entries;
      if (entries > f32[f + 1]!) f32[f + 1] = entries;
    }
    f32[f + 2] = entries;
    f32[f + 3] = ageSeconds;
    this.f64[slot * 2] = inserts;
    this.f64[slot * 2 + 1] = deletes;
    const opened = b > this.newest;
    if (opened) this.newest = b;
    return opened;
  }

  has(b: number): boolean {
    return b >= 0 && b > this.newest - this.capacity && this.index[this.slotOf(b)] === b;
  }

  /** Lowest entries over buckets [from, to] (inclusive); NaN when none of them holds data. */
  minOver(from: number, to: number): number {
    let min = Infinity;
    for (let b = Math.max(from, this.oldest); b <= to; b++) {
      const slot = this.slotOf(b);
      if (this.index[slot] === b && this.f32[slot * 4]! < min) min = this.f32[slot * 4]!;
    }
    return min === Infinity ? NaN : min;
  }

  /**
   * Means over the buckets with data in [from, to] of their lowest entry count and of their net flow
   * (inserts - deletes at the bucket's last observation), written to `out[0]` and `out[1]`. Returns the
   * number of buckets with data (0: both NaN).
   */
  meansOver(from: number, to: number, out: Float64Array): number {
    let low = 0;
    let net = 0;
    let n = 0;
    for (let b = Math.max(from, this.oldest); b <= to; b++) {
      const slot = this.slotOf(b);
      if (this.index[slot] === b) {
        low += this.f32[slot * 4]!;
        net += this.f64[slot * 2]! - this.f64[slot * 2 + 1]!;
        n++;
      }
    }
    out[0] = n === 0 ? NaN : low / n;
    out[1] = n === 0 ? NaN : net / n;
    return n;
  }

  /** Highest entries over buckets [from, to]; NaN when none of them holds data. */
  maxOver(from: number, to: number): number {
    let max = -Infinity;
    for (let b = Math.max(from, this.oldest); b <= to; b++) {
      const slot = this.slotOf(b);
      if (this.index[slot] === b && this.f32[slot * 4 + 1]! > max) max = this.f32[slot * 4 + 1]!;
    }
    return max === -Infinity ? NaN : max;
  }

  /** Oldest relative bucket the ring can still hold data for. */
  get oldest(): number {
    return Math.max(0, this.newest - this.capacity + 1);
  }

  /** The evidence at the last observation of the newest bucket with data in [floorB, b]; or undefined. */
  evidenceAtOrBefore(b: number, floorB: number): BucketEvidence | undefined {
    const lowest = Math.max(floorB, this.oldest);
    for (let i = Math.min(b, this.newest); i >= lowest; i--) {
      const slot = this.slotOf(i);
      if (this.index[slot] === i) {
        return {
          bucket: i,
          entries: this.f32[slot * 4 + 2]!,
          inserts: this.f64[slot * 2]!,
          deletes: this.f64[slot * 2 + 1]!,
          ageSeconds: this.f32[slot * 4 + 3]!,
        };
      }
    }
    return undefined;
  }

  /** The slot of relative bucket `b` in the shared views. */
  private slotOf(b: number): number {
    return this.first + (b % this.capacity);
  }
}

/** The typed views the rings of one series share, over one ArrayBuffer, for `slots` buckets in all. */
export class RingViews {
  readonly f64: Float64Array;
  readonly f32: Float32Array;
  readonly index: Int32Array;

  constructor(readonly slots: number) {
    const buffer = new ArrayBuffer(BucketRing.bytes(slots));
    this.f64 = new Float64Array(buffer, 0, slots * 2);
    this.f32 = new Float32Array(buffer, slots * 16, slots * 4);
    this.index = new Int32Array(buffer, slots * 32, slots).fill(-1);
  }
}

export interface BucketEvidence {
  readonly bucket: number;
  readonly entries: number;
  readonly inserts: number;
  readonly deletes: number;
  /** NaN when no age was observed. */
  readonly ageSeconds: number;
}
