/**
 * A fixed-size ring of time buckets for one series. Each bucket keeps the lowest and highest entry
 * count seen in it; a ring made `withEvidence` also keeps, at the bucket's last observation, the entry
 * count, the cumulative (reset-corrected) insert and delete counters and the oldest sampled entry's age.
 *
 * Buckets are addressed by their index relative to the series' first bucket, so gaps in sampling leave
 * buckets empty, irregular intervals need no special handling, and indices stay small whatever the
 * timestamps are. Entry counts and ages are stored as 32-bit floats: exact for counts up to 16.7 million
 * and to a fraction of a second for ages of days; counters, which only matter as differences of large
 * numbers, stay 64-bit. Memory is fixed at construction.
 */
export class BucketRing {
  /** Relative bucket index held by each slot; -1 when the slot was never written. */
  private readonly index: Int32Array;
  private readonly mins: Float32Array;
  private readonly maxs: Float32Array;
  private readonly lasts: Float32Array | undefined;
  private readonly ages: Float32Array | undefined;
  private readonly ins: Float64Array | undefined;
  private readonly dels: Float64Array | undefined;
  /** Relative index of the newest bucket written, or -1. */
  newest = -1;

  constructor(
    readonly widthMs: number,
    readonly capacity: number,
    withEvidence: boolean,
  ) {
    this.index = new Int32Array(capacity).fill(-1);
    this.mins = new Float32Array(capacity);
    this.maxs = new Float32Array(capacity);
    if (withEvidence) {
      this.lasts = new Float32Array(capacity);
      this.ages = new Float32Array(capacity);
      this.ins = new Float64Array(capacity);
      this.dels = new Float64Array(capacity);
    }
  }

  /**
   * Records one observation in relative bucket `b` (>= newest, the caller keeps time monotonic).
   * Returns true when it opened a new bucket (every earlier bucket is then complete).
   */
  add(b: number, entries: number, inserts: number, deletes: number, ageSeconds: number): boolean {
    const slot = b % this.capacity;
    const fresh = this.index[slot] !== b;
    if (fresh) {
      this.index[slot] = b;
      this.mins[slot] = entries;
      this.maxs[slot] = entries;
    } else {
      if (entries < this.mins[slot]!) this.mins[slot] = entries;
      if (entries > this.maxs[slot]!) this.maxs[slot] = entries;
    }
    if (this.lasts) {
      this.lasts[slot] = entries;
      this.ages![slot] = ageSeconds;
      this.ins![slot] = inserts;
      this.dels![slot] = deletes;
    }
    const opened = b > this.newest;
    if (opened) this.newest = b;
    return opened;
  }

  has(b: number): boolean {
    return b >= 0 && b > this.newest - this.capacity && this.index[b % this.capacity] === b;
  }

  /** Lowest entries over buckets [from, to] (inclusive); NaN when none of them holds data. */
  minOver(from: number, to: number): number {
    let min = Infinity;
    for (let b = Math.max(from, this.newest - this.capacity + 1, 0); b <= to; b++) {
      const slot = b % this.capacity;
      if (this.index[slot] === b && this.mins[slot]! < min) min = this.mins[slot]!;
    }
    return min === Infinity ? NaN : min;
  }

  /** Highest entries over buckets [from, to]; NaN when none of them holds data. */
  maxOver(from: number, to: number): number {
    let max = -Infinity;
    for (let b = Math.max(from, this.newest - this.capacity + 1, 0); b <= to; b++) {
      const slot = b % this.capacity;
      if (this.index[slot] === b && this.maxs[slot]! > max) max = this.maxs[slot]!;
    }
    return max === -Infinity ? NaN : max;
  }

  /** Oldest relative bucket the ring can still hold data for. */
  get oldest(): number {
    return Math.max(0, this.newest - this.capacity + 1);
  }

  /**
   * The evidence at the last observation of the newest bucket with data in [floorB, b]; undefined when
   * there is none (or the ring keeps no evidence).
   */
  evidenceAtOrBefore(b: number, floorB: number): BucketEvidence | undefined {
    if (!this.lasts) return undefined;
    const lowest = Math.max(floorB, this.oldest);
    for (let i = Math.min(b, this.newest); i >= lowest; i--) {
      const slot = i % this.capacity;
      if (this.index[slot] === i) {
        return {
          bucket: i,
          entries: this.lasts[slot]!,
          inserts: this.ins![slot]!,
          deletes: this.dels![slot]!,
          ageSeconds: this.ages![slot]!,
        };
      }
    }
    return undefined;
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
