/**
 * A fixed-size ring of time buckets. Each bucket keeps the lowest entry count seen in it (the "floor"
 * of that slice of time) and the cumulative, reset-corrected insert and delete counters at its last
 * observation. Buckets are addressed by their absolute index `floor(t / widthMs)`, so gaps in sampling
 * simply leave buckets empty and irregular intervals need no special handling.
 *
 * Memory is fixed at construction: three Float64Arrays and one index array of `capacity` slots.
 */
export class BucketRing {
  /** Absolute bucket index held by each slot; -1 when the slot was never written. */
  private readonly index: Float64Array;
  private readonly mins: Float64Array;
  private readonly maxs: Float64Array;
  private readonly ins: Float64Array;
  private readonly dels: Float64Array;
  /** Entries at the bucket's last observation (the instant its counters were read). */
  private readonly lasts: Float64Array;
  /** Absolute index of the newest bucket written, or -1. */
  newest = -1;

  constructor(
    readonly widthMs: number,
    readonly capacity: number,
  ) {
    this.index = new Float64Array(capacity).fill(-1);
    this.mins = new Float64Array(capacity);
    this.maxs = new Float64Array(capacity);
    this.ins = new Float64Array(capacity);
    this.dels = new Float64Array(capacity);
    this.lasts = new Float64Array(capacity);
  }

  bucketOf(timestampMs: number): number {
    return Math.floor(timestampMs / this.widthMs);
  }

  /** Records one observation. Returns true when it opened a new bucket (the previous one is complete). */
  add(timestampMs: number, entries: number, inserts: number, deletes: number): boolean {
    const b = this.bucketOf(timestampMs);
    const slot = b % this.capacity;
    if (this.index[slot] === b) {
      if (entries < this.mins[slot]!) this.mins[slot] = entries;
      if (entries > this.maxs[slot]!) this.maxs[slot] = entries;
      this.ins[slot] = inserts;
      this.dels[slot] = deletes;
      this.lasts[slot] = entries;
      return false;
    }
    this.index[slot] = b;
    this.mins[slot] = entries;
    this.maxs[slot] = entries;
    this.ins[slot] = inserts;
    this.dels[slot] = deletes;
    this.lasts[slot] = entries;
    const opened = b > this.newest;
    if (opened) this.newest = b;
    return opened;
  }

  /** True when bucket `b` holds data (it was written and not yet overwritten by a later lap). */
  has(b: number): boolean {
    return b >= 0 && this.index[b % this.capacity] === b;
  }

  /** Lowest entries over buckets [from, to] (absolute, inclusive); NaN when none of them holds data. */
  minOver(from: number, to: number): number {
    let min = Infinity;
    for (let b = Math.max(from, this.newest - this.capacity + 1); b <= to; b++) {
      const slot = b % this.capacity;
      if (this.index[slot] === b && this.mins[slot]! < min) min = this.mins[slot]!;
    }
    return min === Infinity ? NaN : min;
  }

  /** Highest entries over buckets [from, to]; NaN when none of them holds data. */
  maxOver(from: number, to: number): number {
    let max = -Infinity;
    for (let b = Math.max(from, this.newest - this.capacity + 1); b <= to; b++) {
      const slot = b % this.capacity;
      if (this.index[slot] === b && this.maxs[slot]! > max) max = this.maxs[slot]!;
    }
    return max === -Infinity ? NaN : max;
  }

  /** Highest bucket floor over buckets [from, to]; NaN when none of them holds data. */
  maxMinOver(from: number, to: number): number {
    let max = -Infinity;
    for (let b = Math.max(from, this.newest - this.capacity + 1); b <= to; b++) {
      const slot = b % this.capacity;
      if (this.index[slot] === b && this.mins[slot]! > max) max = this.mins[slot]!;
    }
    return max === -Infinity ? NaN : max;
  }

  /** Oldest absolute bucket index the ring can still hold data for. */
  get oldest(): number {
    return Math.max(0, this.newest - this.capacity + 1);
  }

  /** Floor of bucket b (NaN if empty). */
  minAt(b: number): number {
    return this.has(b) ? this.mins[b % this.capacity]! : NaN;
  }

  /**
   * Cumulative counters at the last observation at or before bucket `b` and not before `floorB`
   * (the newest bucket with data in that range); undefined when there is none.
   */
  countersAtOrBefore(
    b: number,
    floorB: number,
  ): { inserts: number; deletes: number; entries: number } | undefined {
    const lowest = Math.max(floorB, this.newest - this.capacity + 1);
    for (let i = b; i >= lowest; i--) {
      const slot = i % this.capacity;
      if (this.index[slot] === i)
        return { inserts: this.ins[slot]!, deletes: this.dels[slot]!, entries: this.lasts[slot]! };
    }
    return undefined;
  }
}
