/**
 * Entry survival sampling for a watched lru-cache: a reservoir of up to `size` keys with their insertion
 * times, reported through the registry's SurvivalSource interface as the map samplers are.
 *
 * Why not the maps' SurvivalSampler: lru-cache publishes inserts and deletes with their key, but evicts
 * without publishing anything, so an evicted key would stay "live" in the sample and its age would grow
 * for ever, which reads as a leak in every cache that evicts. This sampler therefore checks at each
 * collection that every sampled key is still in the cache (a presence probe the caller supplies:
 * `cache.info(key)`, which neither publishes nor touches recency or TTL) and frees the slots of keys
 * that are gone. A key that left unseen and was inserted again is found at its new insert (one index
 * lookup per insert) and takes the new time, so an age is never older than its entry.
 *
 * As in the maps' sampler: a reservoir over inserts (Vitter's Algorithm L, so an unsampled insert costs
 * a decrement once the sample is full), freed slots refilled by the next inserts, times read lazily at
 * the first collection after an insert (the hot path never reads the clock), object keys held weakly.
 */
import type { SurvivalSource } from '../registry.js';

/** Marks a free slot in `held` (no key can be this symbol: lru-cache keys are the user's). */
const EMPTY: unique symbol = Symbol('mapwatch.lru-cache.survival.empty');

function isObjectKey(key: unknown): key is object {
  return (typeof key === 'object' && key !== null) || typeof key === 'function';
}

export class CacheSurvival implements SurvivalSource {
  /** Per slot: EMPTY, a primitive key, or a WeakRef to an object key. Grows up to `size`. */
  private readonly held: unknown[] = [];
  /** Per slot: when the entry was first seen by a collection (ms), NaN until then. */
  private readonly insertedAt: number[] = [];
  /** Per slot: 1 once read since insertion; only with read tracking. */
  private readonly readFlags: number[] | undefined;
  /** Sampled primitive keys by slot (a Map compares keys by SameValueZero, as lru-cache's does). */
  private readonly primitives = new Map<unknown, number>();
  /** Sampled object keys by slot. */
  private objects: WeakMap<object, number> | undefined;
  /** Slots freed by deletes or by keys found gone, used first by the next inserts. */
  private readonly free: number[] = [];
  private live = 0;
  /** Inserts left until the next one is admitted: 1 while a slot is free, else the reservoir's skip. */
  private countdown = 1;
  /** The reservoir's remaining skip, saved while free slots take precedence. */
  private skip: number;
  private w: number;

  /**
   * @param size sample size (1 to 1024, validated by the caller)
   * @param now the registry's clock (ms)
   * @param isPresent whether the cache still holds a key; must not throw, publish or change the cache
   * @param tracksReads whether lookups mark sampled keys read (the never-read share)
   */
  constructor(
    readonly size: number,
    private readonly now: () => number,
    private readonly isPresent: (key: unknown) => boolean,
    readonly tracksReads: boolean,
    private readonly random: () => number = Math.random,
  ) {
    this.readFlags = tracksReads ? [] : undefined;
    this.w = Math.exp(Math.log(this.rand()) / size);
    this.skip = this.nextSkip();
  }

  /** A key was added to the cache. */
  onInsert(key: unknown): void {
    if (this.live !== 0) {
      // Sampled still: it left without an event (evicted) and is back. It is a new insertion.
      const slot = this.slotOf(key);
      if (slot !== undefined) {
        this.stamp(slot);
        return;
      }
    }
    if (--this.countdown > 0) return;
    this.admit(key);
  }

  /** A lookup found the key (only with read tracking). */
  onRead(key: unknown): void {
    if (this.live === 0 || this.readFlags === undefined) return;
    const slot = this.slotOf(key);
    if (slot !== undefined) this.readFlags[slot] = 1;
  }

  /** The key was removed from the cache. */
  onDelete(key: unknown): void {
    if (this.live === 0) return;
    const slot = this.slotOf(key);
    if (slot !== undefined) this.release(slot);
  }

  /** The cache was cleared. */
  onClear(): void {
    if (this.held.length === 0) return;
    if (!this.hasFree()) this.skip = this.countdown;
    this.held.length = 0;
    this.insertedAt.length = 0;
    if (this.readFlags !== undefined) this.readFlags.length = 0;
    this.primitives.clear();
    this.objects = undefined;
    this.free.length = 0;
    this.live = 0;
    this.countdown = 1;
  }

  /**
   * The time the oldest sampled entry still in the cache was first seen by a collection (this call),
   * at or after its insertion; undefined when none is sampled. Frees the slots of keys the cache no
   * longer holds, and stamps the entries sampled since the last call.
   */
  oldestSampledAtMs(): number | undefined {
    if (this.live === 0) return undefined;
    const { held, insertedAt } = this;
    let oldest: number | undefined;
    let nowMs: number | undefined;
    for (let i = 0; i < held.length; i++) {
      const h = held[i];
      if (h === EMPTY) continue;
      const key = h instanceof WeakRef ? (h.deref() as unknown) : h;
      if ((h instanceof WeakRef && key === undefined) || !this.present(key)) {
        this.release(i);
        continue;
      }
      let at = insertedAt[i]!;
      if (Number.isNaN(at)) at = insertedAt[i] = nowMs ??= this.now();
      if (oldest === undefined || at < oldest) oldest = at;
    }
    return oldest;
  }

  sampledLive(): number {
    return this.live;
  }

  sampledNeverRead(): number | undefined {
    const flags = this.readFlags;
    if (flags === undefined) return undefined;
    let n = 0;
    for (let i = 0; i < this.held.length; i++) if (this.held[i] !== EMPTY && flags[i] === 0) n++;
    return n;
  }

  private present(key: unknown): boolean {
    try {
      return this.isPresent(key);
    } catch {
      return true; // unknown: keep the key rather than lose an old entry
    }
  }

  private slotOf(key: unknown): number | undefined {
    return isObjectKey(key) ? this.objects?.get(key) : this.primitives.get(key);
  }

  private hasFree(): boolean {
    return this.free.length > 0 || this.held.length < this.size;
  }

  /** The slow path of an insert of a key not sampled: a free slot, or a random one once the skip ran out. */
  private admit(key: unknown): void {
    if (this.hasFree()) {
      this.place(key, this.free.length > 0 ? this.free.pop()! : this.held.length);
      this.countdown = this.hasFree() ? 1 : this.skip;
      return;
    }
    const slot = this.randomSlot();
    this.unindex(slot);
    this.place(key, slot);
    this.w *= Math.exp(Math.log(this.rand()) / this.size);
    this.skip = this.nextSkip();
    this.countdown = this.skip;
  }

  private place(key: unknown, slot: number): void {
    if (isObjectKey(key)) {
      (this.objects ??= new WeakMap()).set(key, slot);
      this.held[slot] = new WeakRef(key);
    } else {
      this.primitives.set(key, slot);
      this.held[slot] = key;
    }
    this.live++;
    this.stamp(slot);
  }

  /** A new insertion in `slot`: its time is read at the next collection. */
  private stamp(slot: number): void {
    this.insertedAt[slot] = NaN;
    if (this.readFlags !== undefined) this.readFlags[slot] = 0;
  }

  /** Empties a live slot and puts it on the free list, so that the next insert refills it. */
  private release(slot: number): void {
    this.unindex(slot);
    if (!this.hasFree()) {
      this.skip = this.countdown;
      this.countdown = 1;
    }
    this.free.push(slot);
  }

  private unindex(slot: number): void {
    const h = this.held[slot];
    if (h === EMPTY || h === undefined) return;
    this.held[slot] = EMPTY;
    this.live--;
    if (h instanceof WeakRef) {
      const target = h.deref() as object | undefined;
      if (target !== undefined) this.objects?.delete(target);
    } else this.primitives.delete(h);
  }

  /** A uniform slot, clamped so that a random source returning exactly 1 (or garbage) stays in range. */
  private randomSlot(): number {
    const slot = Math.floor(this.random() * this.size);
    return slot >= 0 && slot < this.size ? slot : slot >= this.size ? this.size - 1 : 0;
  }

  private rand(): number {
    return 1 - this.random(); // (0, 1]: log(0) would make the skip infinite
  }

  private nextSkip(): number {
    const skip = Math.floor(Math.log(this.rand()) / Math.log(1 - this.w)) + 1;
    return Number.isFinite(skip) && skip > 0 ? Math.min(skip, Number.MAX_SAFE_INTEGER) : 1;
  }
}
