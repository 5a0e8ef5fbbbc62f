/**
 * Entry survival sampling: a small sample of a map's keys with their insertion time, to tell "old
 * entries pile up" (a leak) from "entries come and go" (a cache doing its job).
 *
 * - Sampling is a reservoir over inserts (Vitter's Algorithm L: the number of inserts to skip until the
 *   next replacement is drawn once, so an unsampled insert costs one decrement), and a slot whose entry
 *   was deleted is refilled by the next insert, so the sample keeps describing live entries.
 * - By default it tracks ages only: the map calls it on inserts, deletes and clears, never on `get` or
 *   `has`. A delete looks the key up among the sampled keys, so a deleted sampled key leaves the sample
 *   at once: a key deleted and inserted again is a new insert, never older than its re-insertion. The
 *   lookup is cheap for the common case, a key that is not sampled: string and number keys go through a
 *   small table indexed by a cheap hash (the length, the last three and the middle character codes of a
 *   string), which
 *   names the one sampled key of that hash, if any, to compare with; other primitives go to a Map and
 *   objects to a WeakMap of the sampled keys.
 * - Insertion times are read lazily: a sampled entry is stamped with the clock at the first collection
 *   (`oldestSampledAtMs`) after its insertion, so the hot path never reads the clock (a clock read costs
 *   more than the Map operation). An age is therefore never older than the entry, and at most one
 *   collection interval younger.
 * - With `reads: true` it also marks sampled keys read on lookup hits (one lookup in the same table per
 *   hit), for the share of sampled entries never read since insertion.
 * - Keys are never kept alive by the sample: primitive keys are held as they are (a string or number
 *   owns no other object), object keys are held through a WeakRef and indexed in a WeakMap. A map holds
 *   its keys anyway, so a sampled object key can only die once the map dropped it.
 *
 * - One sampler may serve many maps (the registry keeps one per name, kind and sampling option, so a map
 *   made per request allocates nothing for sampling). Each call then names its map by an `owner` number:
 *   a delete or read only matches a key sampled for the same owner, a clear releases that owner's keys
 *   only, and `releaseOwner` drops the keys of a map that was collected. A key sampled for one owner is not
 *   sampled again for another while it stays. A sampler used by one map leaves `owner` out.
 *
 * It reports, through the registry's SurvivalSource interface, the insertion time of the oldest sampled
 * entry still present and, when reads are tracked, how many sampled live entries were never read.
 */
import type { SurvivalSamplingOption, SurvivalSource } from '../registry.js';
import { MAX_SURVIVAL_SAMPLE_SIZE, survivalConfig } from './survival-config.js';

export type { SurvivalSamplingOption } from '../registry.js';
export {
  DEFAULT_SURVIVAL_SAMPLE_SIZE,
  MAX_SURVIVAL_SAMPLE_SIZE,
  survivalConfig,
  type SurvivalConfig,
  type SurvivalOptions,
} from './survival-config.js';
import { describeValue } from '../describe-value.js';

/** A map's sampler for an option (the map's own, else its registry's default); undefined when off. */
export function samplerFor(
  option: SurvivalSamplingOption | undefined,
  now: () => number,
): SurvivalSampler | undefined {
  const config = survivalConfig(option);
  return config === undefined ? undefined : new SurvivalSampler(config.size, now, Math.random, config);
}

function isObjectKey(key: unknown): key is object {
  return (typeof key === 'object' && key !== null) || typeof key === 'function';
}

/** Marks a free slot in `held` (no key can be this object). */
const EMPTY: unique symbol = Symbol('mapwatch.survival.empty');

/**
 * Cheap hashes of string and number keys for the sampled-key table (its top bits pick the bucket). A
 * string hashes its length, its last three characters (where ids and counters differ) and its middle
 * one (characters before the start read as NaN, which bitwise operations take as 0); a number its
 * integer and fraction bits. Equal keys (SameValueZero) hash alike. Keys that differ only elsewhere
 * (`1234:profile`, `5678:profile`) share buckets: then an index of the sampled keys answers.
 */
function stringHash(key: string): number {
  const n = key.length;
  return Math.imul(
    n ^
      (key.charCodeAt(n - 1) << 8) ^
      (key.charCodeAt(n - 2) << 16) ^
      (key.charCodeAt(n - 3) << 24) ^
      (key.charCodeAt(n >> 1) << 4),
    0x9e3779b1,
  );
}

function numberHash(key: number): number {
  return Math.imul((key | 0) ^ ((key * 65536) | 0), 0x9e3779b1);
}

/** The owner of every key of a sampler that serves one map. */
export const SOLE_OWNER = -1;

/** The longest back-off after inserts that collide with keys sampled for other owners. */
const MAX_BACKOFF = 64;

/** Bucket values of the sampled-key table besides a slot number. */
const NO_KEY = -1;
const SEVERAL_KEYS = -2;

/** The table of every sampler that has not sampled yet: all buckets NO_KEY, never written. */
const EMPTY_BITS = 6;
const EMPTY_BUCKETS = new Int16Array(1 << EMPTY_BITS).fill(NO_KEY);

export class SurvivalSampler implements SurvivalSource {
  readonly size: number;
  /** Whether onRead marks keys read; when false, onRead does nothing and never-read is not reported. */
  readonly tracksReads: boolean;
  // Storage grows with the slots in use (4, 8, 16... up to `size`), so a small map's sampler stays small
  // and an empty map's costs a few fields.
  /** Per slot: EMPTY, a primitive key, or a WeakRef to an object key. */
  private held: unknown[] | undefined;
  /** Per slot: when the entry was first seen by a collection (ms), or NaN until then. */
  private insertedAt: Float64Array | undefined;
  /** Per slot: the owner (map) the key was sampled for. */
  private owners: Int32Array | undefined;
  private readFlags: Uint8Array | undefined;
  /**
   * The sampled string and number keys by hash bucket: NO_KEY, the slot of the one sampled key of the
   * bucket, or SEVERAL_KEYS (then `primitiveIndex` holds the bucket's keys). About 16 buckets per slot,
   * so most keys that are not sampled find NO_KEY and few sampled keys share a bucket.
   */
  private buckets: Int16Array = EMPTY_BUCKETS;
  /** Bucket = hash >>> bucketShift (the hash's top bits). */
  private bucketShift = 32 - EMPTY_BITS;
  /**
   * Sampled primitive keys by slot: those other than strings and numbers (undefined, booleans,
   * symbols...), and the strings and numbers of shared buckets.
   */
  private primitiveIndex: Map<unknown, number> | undefined;
  /** Every sampled object key, by slot. */
  private objectIndex: WeakMap<object, number> | undefined;
  /** Slots released by deletes, used first by the next inserts. */
  private readonly free: number[] = [];
  /** Slots never used yet are `fresh` .. size-1. */
  private fresh = 0;
  private liveCount = 0;
  /**
   * Inserts left until the next one takes the slow path: 1 while a slot is free (every insert is
   * admitted), else the reservoir's remaining skip. The fast path of an insert is one decrement.
   */
  private countdown = 1;
  /** The reservoir's remaining skip, saved while free slots take precedence (Algorithm L). */
  private skip: number;
  private w: number;
  /** Sampled keys per owner (shared samplers only), so releasing an owner with none costs no scan. */
  private readonly ownerKeys = new Map<number, number>();
  /** Inserts to pass over after one that collided with another owner's sampled key. */
  private backoff = 1;
  /** Where the next recheckOwner starts. */
  private recheckCursor = 0;

  constructor(
    size: number,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
    options: { reads?: boolean } = {},
  ) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_SURVIVAL_SAMPLE_SIZE) {
      throw new RangeError(
        `mapwatch: a survival sample size must be an integer from 1 to ${MAX_SURVIVAL_SAMPLE_SIZE}, got ${describeValue(size)}`,
      );
    }
    this.size = size;
    this.tracksReads = options.reads === true;
    this.w = Math.exp(Math.log(this.rand()) / size);
    this.skip = this.nextSkip();
  }

  /** A new key was added to the map (`owner`: which map, when the sampler serves several). */
  onInsert(key: unknown, owner: number = SOLE_OWNER): void {
    if (--this.countdown <= 0) this.sampleInsert(key, owner);
  }

  /** A lookup found the key (only with read tracking; maps do not call it otherwise). */
  onRead(key: unknown, owner: number = SOLE_OWNER): void {
    if (this.liveCount === 0 || this.readFlags === undefined) return;
    const slot = this.find(key, this.bucketOf(key));
    if (slot !== undefined && this.owners![slot] === owner) this.readFlags[slot] = 1;
  }

  /** The key was removed from the map. */
  onDelete(key: unknown, owner: number = SOLE_OWNER): void {
    let bucket: number;
    // The common case inline: a string key that no sampled key shares a bucket with.
    if (typeof key === 'string') {
      bucket = stringHash(key) >>> this.bucketShift;
      if (this.buckets[bucket] === NO_KEY) return;
    } else {
      if (this.liveCount === 0) return;
      bucket = this.bucketOf(key);
    }
    const slot = this.find(key, bucket);
    if (slot !== undefined && this.owners![slot] === owner) this.release(slot, bucket);
  }

  /** The map was cleared. */
  onClear(owner: number = SOLE_OWNER): void {
    if (this.held === undefined) return;
    if (owner !== SOLE_OWNER) {
      this.releaseOwner(owner);
      return;
    }
    if (!this.hasFree()) this.skip = this.countdown;
    this.primitiveIndex?.clear();
    this.ownerKeys.clear();
    this.objectIndex = undefined;
    this.held.fill(EMPTY);
    this.buckets.fill(NO_KEY);
    this.free.length = 0;
    this.fresh = 0;
    this.liveCount = 0;
    this.countdown = 1;
  }

  /**
   * Drops every key sampled for `owner` (its map was cleared or collected); the next inserts refill the
   * slots. A scan of the slots in use, at most `size`.
   */
  releaseOwner(owner: number): void {
    const held = this.held;
    const owners = this.owners;
    // Most maps that die or clear have no key in the sample: one lookup, no scan.
    if (held === undefined || owners === undefined || !this.ownerKeys.has(owner)) return;
    for (let i = 0; i < this.fresh; i++) {
      const h = held[i];
      if (h !== EMPTY && owners[i] === owner) this.release(i, this.bucketOf(h));
    }
  }

  /**
   * Checks up to `budget` of the keys sampled for `owner` (round robin over the slots) and drops those
   * `present` says are gone: for a map that lost entries in ways no hook saw (a subclass's own
   * `super.delete`), so a removed key does not stay in the sample and age for ever. A bounded budget
   * keeps each call cheap; the next calls go on where this one stopped.
   */
  recheckOwner(owner: number, present: (key: unknown) => boolean, budget: number): void {
    const held = this.held;
    const owners = this.owners;
    if (held === undefined || owners === undefined || this.liveCount === 0) return;
    const n = this.fresh;
    for (let visited = 0; visited < n && budget > 0; visited++) {
      const i = this.recheckCursor < n ? this.recheckCursor : 0;
      this.recheckCursor = i + 1;
      const h = held[i];
      if (h === EMPTY || owners[i] !== owner) continue;
      budget--;
      const key = h instanceof WeakRef ? (h.deref() as unknown) : h;
      if (key === undefined && h instanceof WeakRef) this.release(i, -1);
      else if (!present(key)) this.release(i, this.bucketOf(key));
    }
  }

  /**
   * The time the oldest sampled entry still present was first seen by a collection (this call), at or
   * after its insertion; undefined when none is sampled. Stamps the entries sampled since the last call.
   */
  oldestSampledAtMs(): number | undefined {
    const held = this.held;
    const insertedAt = this.insertedAt;
    if (held === undefined || insertedAt === undefined || this.liveCount === 0) return undefined;
    let oldest: number | undefined;
    let nowMs: number | undefined;
    for (let i = 0; i < this.fresh; i++) {
      const h = held[i];
      if (h === EMPTY) continue;
      // An object key that died was dropped by the map in a way the sampler did not see (a call that
      // bypassed the instrumentation): its entry is gone, so its slot is free again.
      if (h instanceof WeakRef && h.deref() === undefined) {
        this.release(i, -1);
        continue;
      }
      let at = insertedAt[i]!;
      if (Number.isNaN(at)) at = insertedAt[i] = nowMs ??= this.now();
      if (oldest === undefined || at < oldest) oldest = at;
    }
    return oldest;
  }

  sampledLive(): number {
    return this.liveCount;
  }

  /** Sampled live entries never read since insertion; undefined without read tracking. */
  sampledNeverRead(): number | undefined {
    if (!this.tracksReads) return undefined;
    const flags = this.readFlags;
    const held = this.held;
    if (flags === undefined || held === undefined) return 0;
    let n = 0;
    for (let i = 0; i < this.fresh; i++) if (held[i] !== EMPTY && flags[i] === 0) n++;
    return n;
  }

  /** The slot of a sampled key, or undefined; `bucket` is `bucketOf(key)`. */
  private find(key: unknown, bucket: number): number | undefined {
    if (bucket < 0) return isObjectKey(key) ? this.objectIndex?.get(key) : this.primitiveIndex?.get(key);
    const slot = this.buckets[bucket]!;
    if (slot === NO_KEY) return undefined;
    if (slot >= 0) {
      const h = this.held![slot];
      // SameValueZero, as a Map compares keys (NaN equals NaN, 0 equals -0).
      return h === key || (h !== h && key !== key) ? slot : undefined;
    }
    return this.primitiveIndex!.get(key); // a bucket several sampled keys share
  }

  private hasFree(): boolean {
    return this.free.length > 0 || this.fresh < this.size;
  }

  /** A free slot; the storage has room for it (sampleInsert grows it first). */
  private takeFree(): number {
    return this.free.length > 0 ? this.free.pop()! : this.fresh++;
  }

  /** The slow path of an insert: fill a free slot, or replace a random one when the skip runs out. */
  private sampleInsert(key: unknown, owner: number): void {
    if (this.held === undefined) this.allocate(Math.min(4, this.size));
    // Grow before hashing: the bucket of a key depends on the table's size.
    else if (this.free.length === 0 && this.fresh === this.held.length && this.fresh < this.size) this.grow();
    const bucket = this.bucketOf(key);
    // A key still sampled was deleted behind the instrumentation's back (e.g. Map.prototype.delete.call)
    // and inserted again: it is a new insertion, so it takes the new time in its own slot.
    const existing = this.liveCount === 0 ? undefined : this.find(key, bucket);
    // The same key sampled for another map (a shared sampler): this insert is left unsampled, since the
    // index holds one slot per key.
    const other = existing !== undefined && this.owners![existing] !== owner;
    if (this.hasFree()) {
      if (other) {
        // Maps made per request often share their keys: back off (1, 2, 4... inserts) rather than take
        // this slow path at every insert while the sample cannot fill.
        this.countdown = this.backoff;
        this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF);
      } else {
        if (existing !== undefined) this.stamp(existing);
        else this.admit(key, this.takeFree(), bucket, owner);
        this.countdown = this.hasFree() ? 1 : this.skip;
        this.backoff = 1;
      }
      return;
    }
    if (existing !== undefined) {
      if (!other) this.stamp(existing);
    } else {
      const slot = this.randomSlot();
      this.unindex(slot, this.bucketOf(this.held![slot]));
      this.admit(key, slot, bucket, owner);
    }
    this.w *= Math.exp(Math.log(this.rand()) / this.size);
    this.skip = this.nextSkip();
    this.countdown = this.skip;
  }

  /** Storage for `capacity` slots, with about 16 hash buckets per slot (at least 64). */
  private allocate(capacity: number): void {
    this.held = new Array<unknown>(capacity).fill(EMPTY);
    this.insertedAt = new Float64Array(capacity);
    this.owners = new Int32Array(capacity);
    if (this.tracksReads) this.readFlags = new Uint8Array(capacity);
    let bits = EMPTY_BITS;
    while (1 << bits < capacity * 16) bits++;
    this.buckets = new Int16Array(1 << bits).fill(NO_KEY);
    this.bucketShift = 32 - bits;
  }

  /** Doubles the storage (up to `size` slots), keeping every slot where it is and rehashing the keys. */
  private grow(): void {
    const held = this.held!;
    const insertedAt = this.insertedAt!;
    const owners = this.owners!;
    const readFlags = this.readFlags;
    this.allocate(Math.min(this.size, held.length * 2));
    for (let i = 0; i < held.length; i++) {
      const key = held[i];
      this.held![i] = key;
      this.insertedAt![i] = insertedAt[i]!;
      this.owners![i] = owners[i]!;
      if (readFlags !== undefined) this.readFlags![i] = readFlags[i]!;
      const bucket = key === EMPTY ? -1 : this.bucketOf(key);
      if (bucket >= 0) {
        this.primitiveIndex?.delete(key);
        this.link(key, i, bucket);
      }
    }
  }

  /** Enters a string or number key (already in `held`) into its bucket. */
  private link(key: unknown, slot: number, bucket: number): void {
    const other = this.buckets[bucket]!;
    if (other === NO_KEY) {
      this.buckets[bucket] = slot;
      return;
    }
    // A shared bucket: its keys go to the index.
    const index = (this.primitiveIndex ??= new Map());
    if (other >= 0) index.set(this.held![other], other);
    index.set(key, slot);
    this.buckets[bucket] = SEVERAL_KEYS;
  }

  /** The bucket of a string or number key, or -1 for other keys. */
  private bucketOf(key: unknown): number {
    if (typeof key === 'string') return stringHash(key) >>> this.bucketShift;
    if (typeof key === 'number') return numberHash(key) >>> this.bucketShift;
    return -1;
  }

  /** Puts `key` (of bucket `bucketOf(key)`) in an empty slot, to be stamped at the next collection. */
  private admit(key: unknown, slot: number, bucket: number, owner: number): void {
    this.owners![slot] = owner;
    if (owner !== SOLE_OWNER) this.ownerKeys.set(owner, (this.ownerKeys.get(owner) ?? 0) + 1);
    if (bucket >= 0) {
      this.held![slot] = key;
      this.link(key, slot, bucket);
    } else if (isObjectKey(key)) {
      (this.objectIndex ??= new WeakMap()).set(key, slot);
      this.held![slot] = new WeakRef(key);
    } else {
      (this.primitiveIndex ??= new Map()).set(key, slot);
      this.held![slot] = key;
    }
    this.liveCount++;
    this.stamp(slot);
  }

  /** A new insertion in `slot`: its time is read at the next collection (NaN until then). */
  private stamp(slot: number): void {
    this.insertedAt![slot] = NaN;
    if (this.readFlags !== undefined) this.readFlags[slot] = 0;
  }

  /** Empties a live slot and puts it on the free list, so the next insert refills it. */
  private release(slot: number, bucket: number): void {
    this.unindex(slot, bucket);
    if (!this.hasFree()) {
      this.skip = this.countdown;
      this.countdown = 1;
    }
    this.free.push(slot);
  }

  /**
   * Removes a live slot's key from the indexes and empties the slot (not yet on the free list);
   * `bucket` is the bucket of the slot's key (-1 for an object or another primitive).
   */
  private unindex(slot: number, bucket: number): void {
    const held = this.held!;
    const key = held[slot];
    if (key === EMPTY) return;
    held[slot] = EMPTY;
    this.liveCount--;
    const owner = this.owners![slot]!;
    if (owner !== SOLE_OWNER) {
      const left = (this.ownerKeys.get(owner) ?? 1) - 1;
      if (left > 0) this.ownerKeys.set(owner, left);
      else this.ownerKeys.delete(owner);
    }
    if (bucket < 0) {
      if (key instanceof WeakRef) {
        const target = key.deref() as object | undefined;
        if (target !== undefined) this.objectIndex?.delete(target);
      } else this.primitiveIndex!.delete(key);
      return;
    }
    if (this.buckets[bucket] !== SEVERAL_KEYS) {
      this.buckets[bucket] = NO_KEY;
      return;
    }
    // The bucket was shared: recount the sampled keys left in it (rare, at most `size` hashes), and a
    // key left alone leaves the index.
    this.primitiveIndex!.delete(key);
    let left = NO_KEY;
    for (let i = 0; i < this.fresh; i++) {
      if (held[i] !== EMPTY && this.bucketOf(held[i]) === bucket) left = left === NO_KEY ? i : SEVERAL_KEYS;
    }
    if (left >= 0) this.primitiveIndex!.delete(held[left]);
    this.buckets[bucket] = left;
  }

  /** A uniform slot; clamped, so that a random source returning exactly 1 (or garbage) stays in range. */
  private randomSlot(): number {
    const slot = Math.floor(this.random() * this.size);
    return slot >= 0 && slot < this.size ? slot : slot >= this.size ? this.size - 1 : 0;
  }

  private rand(): number {
    // (0, 1]: log(0) would make the skip infinite.
    return 1 - this.random();
  }

  private nextSkip(): number {
    const skip = Math.floor(Math.log(this.rand()) / Math.log(1 - this.w)) + 1;
    return Number.isFinite(skip) && skip > 0 ? Math.min(skip, Number.MAX_SAFE_INTEGER) : 1;
  }
}
