/**
 * Entry survival sampling: a small sample of a map's keys with their insertion time, to tell "old
 * entries pile up and nobody reads them" (a leak) from "entries come and go" (a cache doing its job).
 *
 * - Sampling is a reservoir over inserts (Vitter's Algorithm L: the number of inserts to skip until the
 *   next replacement is drawn once, so an unsampled insert costs one decrement), and a slot whose entry
 *   was deleted is refilled by the next insert, so the sample keeps describing live entries.
 * - Reads (`get`/`has` hits) of a sampled key mark it read: one lookup in a map of at most `size` keys.
 * - Keys are never kept alive by the sample: primitive keys are held as they are (a string or number
 *   owns no other object), object keys are held through a WeakRef and indexed in a WeakMap. A map holds
 *   its keys anyway, so a sampled object key can only die once the map dropped it.
 *
 * It reports, through the registry's SurvivalSource interface, the insertion time of the oldest sampled
 * entry still present and the share of sampled live entries never read since insertion.
 */
import type { SurvivalSamplingOption, SurvivalSource } from '../registry.js';

export type { SurvivalSamplingOption } from '../registry.js';

/** The option maps accept: `sampleSurvival: true` or `{ size }` (default size 32, at most 1024). */
export interface SurvivalOptions {
  sampleSurvival?: SurvivalSamplingOption;
}

export const DEFAULT_SURVIVAL_SAMPLE_SIZE = 32;
export const MAX_SURVIVAL_SAMPLE_SIZE = 1024;

/** The sample size an option asks for, or undefined when sampling is off. Throws on a bad size. */
export function survivalSampleSize(option: SurvivalSamplingOption | undefined): number | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return DEFAULT_SURVIVAL_SAMPLE_SIZE;
  const size = option.size ?? DEFAULT_SURVIVAL_SAMPLE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_SURVIVAL_SAMPLE_SIZE) {
    throw new RangeError(
      `mapwatch: sampleSurvival.size must be an integer from 1 to ${MAX_SURVIVAL_SAMPLE_SIZE}, got ${String(size)}`,
    );
  }
  return size;
}

type Held = unknown; // a primitive key, or a WeakRef to an object key

function isObjectKey(key: unknown): key is object {
  return (typeof key === 'object' && key !== null) || typeof key === 'function';
}

export class SurvivalSampler implements SurvivalSource {
  private readonly held: Held[];
  private readonly insertedAt: Float64Array;
  private readonly read: Uint8Array;
  /** 1 when the slot holds a live sampled entry. */
  private readonly alive: Uint8Array;
  private readonly primitiveIndex = new Map<unknown, number>();
  private objectIndex = new WeakMap<object, number>();
  /** Dead or never-used slots, used first by the next inserts. */
  private readonly free: number[];
  private liveCount = 0;
  /** Inserts left to skip before the next reservoir replacement (Algorithm L). */
  private skip = 0;
  private w: number;

  constructor(
    readonly size: number,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.held = new Array<Held>(size).fill(undefined);
    this.insertedAt = new Float64Array(size);
    this.read = new Uint8Array(size);
    this.alive = new Uint8Array(size);
    this.free = Array.from({ length: size }, (_, i) => size - 1 - i);
    this.w = Math.exp(Math.log(this.rand()) / size);
    this.skip = this.nextSkip();
  }

  /** A new key was added to the map. */
  onInsert(key: unknown): void {
    if (this.free.length > 0) {
      this.admit(key, this.free.pop()!);
    } else if (--this.skip <= 0) {
      this.admit(key, Math.floor(this.rand() * this.size));
      this.w *= Math.exp(Math.log(this.rand()) / this.size);
      this.skip = this.nextSkip();
    }
  }

  /** A lookup found the key. */
  onRead(key: unknown): void {
    if (this.liveCount === 0) return;
    const slot = isObjectKey(key) ? this.objectIndex.get(key) : this.primitiveIndex.get(key);
    if (slot !== undefined) this.read[slot] = 1;
  }

  /** The key was removed from the map. */
  onDelete(key: unknown): void {
    if (this.liveCount === 0) return;
    const slot = isObjectKey(key) ? this.objectIndex.get(key) : this.primitiveIndex.get(key);
    if (slot !== undefined) this.kill(slot, key);
  }

  /** The map was cleared. */
  onClear(): void {
    this.primitiveIndex.clear();
    this.objectIndex = new WeakMap();
    this.free.length = 0;
    for (let i = this.size - 1; i >= 0; i--) {
      this.alive[i] = 0;
      this.held[i] = undefined;
      this.free.push(i);
    }
    this.liveCount = 0;
  }

  oldestSampledAtMs(): number | undefined {
    let oldest: number | undefined;
    for (let i = 0; i < this.size; i++) {
      if (this.alive[i] === 1 && (oldest === undefined || this.insertedAt[i]! < oldest))
        oldest = this.insertedAt[i]!;
    }
    return oldest;
  }

  sampledLive(): number {
    return this.liveCount;
  }

  sampledNeverRead(): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) if (this.alive[i] === 1 && this.read[i] === 0) n++;
    return n;
  }

  private admit(key: unknown, slot: number): void {
    if (this.alive[slot] === 1) this.kill(slot, undefined, false);
    // A key already sampled (deleted and re-inserted between samples cannot happen: delete unindexes it).
    if (isObjectKey(key)) {
      this.objectIndex.set(key, slot);
      this.held[slot] = new WeakRef(key);
    } else {
      this.primitiveIndex.set(key, slot);
      this.held[slot] = key;
    }
    this.insertedAt[slot] = this.now();
    this.read[slot] = 0;
    this.alive[slot] = 1;
    this.liveCount++;
  }

  /** Frees a slot; `key` when known, else taken from the slot. `reuse` puts it on the free list. */
  private kill(slot: number, key: unknown, reuse = true): void {
    const held = key ?? this.held[slot];
    if (held instanceof WeakRef) {
      const target = held.deref() as object | undefined;
      if (target !== undefined) this.objectIndex.delete(target);
    } else if (isObjectKey(held)) {
      this.objectIndex.delete(held);
    } else {
      this.primitiveIndex.delete(held);
    }
    this.held[slot] = undefined;
    this.alive[slot] = 0;
    this.liveCount--;
    if (reuse) this.free.push(slot);
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
