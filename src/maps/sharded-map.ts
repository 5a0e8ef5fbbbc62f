/**
 * ShardedMap: N maps, each behind its own RWLock, chosen by a hash of the key (see sharded-map-hash.ts).
 * Per-key operations lock only their shard, so tasks working on different keys rarely queue on each
 * other; `clear()` and `snapshot()` take every shard's lock, requested together in index order (so they
 * keep call order with everything else and cannot deadlock; per-key operations hold one lock only).
 *
 * Shards: a power of two (default 16) so the shard is the hash's low bits.
 *
 * Stats: one MapStats for the whole map (`kind=sharded`); one LockStats per shard, all under the map's
 * name, so they aggregate into the map's lock series with no label per shard. `shardImbalance()` (fullest
 * shard over the mean shard) is read by the registry at scrape time as
 * `mapwatch_map_shard_imbalance_ratio`.
 */
import { defaultRegistry } from '../registry.js';
import type { MapStats } from '../stats/map-stats.js';
import { RWLock, type AcquireOptions, type Release } from '../sync/rwlock.js';
import { readNow, writeNow } from '../sync/sections.js';
import {
  countedApply,
  countedClear,
  countedDelete,
  countedGet,
  countedHas,
  countedSet,
} from './locked-map-views.js';
import { requireOptions, type MapOptions } from './options.js';
import { hashKey } from './sharded-map-hash.js';

export interface ShardedMapOptions extends MapOptions {
  /** Number of shards: a power of two from 1 to 1024; default 16. */
  shards?: number;
}

export const DEFAULT_SHARDS = 16;
export const MAX_SHARDS = 1024;

interface Shard<K, V> {
  readonly map: Map<K, V>;
  readonly lock: RWLock;
}

export class ShardedMap<K, V> {
  readonly shardCount: number;
  private readonly mask: number;
  private readonly shards: readonly Shard<K, V>[];
  private readonly stats: MapStats;

  constructor(options: ShardedMapOptions) {
    const {
      name,
      registry = defaultRegistry,
      shards = DEFAULT_SHARDS,
    } = requireOptions(options, 'new ShardedMap()');
    if (typeof shards !== 'number' || !Number.isInteger(shards)) {
      throw new TypeError(
        `mapwatch: ShardedMap shards must be an integer power of two, got ${String(shards)}`,
      );
    }
    if (shards < 1 || shards > MAX_SHARDS || (shards & (shards - 1)) !== 0) {
      throw new RangeError(
        `mapwatch: ShardedMap shards must be a power of two from 1 to ${MAX_SHARDS}, got ${shards}`,
      );
    }
    this.stats = registry.trackMap(this, name, 'sharded');
    this.shardCount = shards;
    this.mask = shards - 1;
    this.shards = Array.from({ length: shards }, () => ({
      map: new Map<K, V>(),
      lock: new RWLock({ name, registry }),
    }));
  }

  /** Entries over all shards. */
  get size(): number {
    let n = 0;
    for (const shard of this.shards) n += shard.map.size;
    return n;
  }

  /** The shard a key belongs to (0 .. shardCount-1). */
  shardOf(key: K): number {
    return hashKey(key) & this.mask;
  }

  /** Entries per shard, in shard order. */
  shardSizes(): number[] {
    return this.shards.map((s) => s.map.size);
  }

  /** Entries of the fullest shard over the mean shard: 1 when perfectly even (and when empty). */
  shardImbalance(): number {
    let total = 0;
    let max = 0;
    for (const shard of this.shards) {
      const n = shard.map.size;
      total += n;
      if (n > max) max = n;
    }
    return total === 0 ? 1 : (max * this.shards.length) / total;
  }

  get(key: K, options?: AcquireOptions): Promise<V | undefined> {
    const shard = this.shardFor(key);
    return readNow(shard.lock, () => countedGet(shard.map, this.stats, key), options);
  }

  has(key: K, options?: AcquireOptions): Promise<boolean> {
    const shard = this.shardFor(key);
    return readNow(shard.lock, () => countedHas(shard.map, this.stats, key), options);
  }

  set(key: K, value: V, options?: AcquireOptions): Promise<void> {
    const shard = this.shardFor(key);
    return writeNow(shard.lock, () => countedSet(shard.map, this.stats, key, value), options);
  }

  delete(key: K, options?: AcquireOptions): Promise<boolean> {
    const shard = this.shardFor(key);
    return writeNow(shard.lock, () => countedDelete(shard.map, this.stats, key), options);
  }

  /**
   * Read-modify-write of one key under its shard's write hold (other shards stay free): stores what `fn`
   * returns, `undefined` deletes. Counts only the write it makes.
   */
  async update(
    key: K,
    fn: (current: V | undefined) => V | undefined | PromiseLike<V | undefined>,
    options?: AcquireOptions,
  ): Promise<V | undefined> {
    const shard = this.shardFor(key);
    const release = await shard.lock.acquireWrite(options);
    try {
      const next = await fn(shard.map.get(key));
      countedApply(shard.map, this.stats, key, next);
      return next;
    } finally {
      release();
    }
  }

  /**
   * Empties every shard at one moment (all shard locks held), counted as `cause=clear`. `options` apply
   * to each shard's acquisition.
   */
  async clear(options?: AcquireOptions): Promise<void> {
    const releases = await this.acquireAll('write', options);
    try {
      for (const shard of this.shards) countedClear(shard.map, this.stats);
    } finally {
      for (const release of releases) release();
    }
  }

  /**
   * Every entry at one moment (all shards read-locked while copying). Ordered by shard, then by insertion
   * within a shard: there is no global insertion order.
   */
  async snapshot(options?: AcquireOptions): Promise<[K, V][]> {
    const releases = await this.acquireAll('read', options);
    try {
      const out: [K, V][] = [];
      for (const shard of this.shards) for (const entry of shard.map) out.push(entry);
      return out;
    } finally {
      for (const release of releases) release();
    }
  }

  get [Symbol.toStringTag](): string {
    return 'ShardedMap';
  }

  private shardFor(key: K): Shard<K, V> {
    return this.shards[hashKey(key) & this.mask]!;
  }

  /**
   * Takes every shard's lock. All acquisitions are requested in one synchronous step, in index order, so
   * an operation called later, on any shard, queues behind this one (call order is kept), and two
   * multi-shard operations are ordered the same way on every shard (no deadlock). If any acquisition fails
   * (timeout or abort) the others are given back once settled and the error is rethrown.
   */
  private async acquireAll(mode: 'read' | 'write', options: AcquireOptions | undefined): Promise<Release[]> {
    const pending = this.shards.map((shard) =>
      mode === 'read' ? shard.lock.acquireRead(options) : shard.lock.acquireWrite(options),
    );
    const settled = await Promise.allSettled(pending);
    const releases: Release[] = [];
    let failure: PromiseRejectedResult | undefined;
    for (const result of settled) {
      if (result.status === 'fulfilled') releases.push(result.value);
      else failure ??= result;
    }
    if (failure === undefined) return releases;
    for (const release of releases) release();
    throw failure.reason;
  }
}
