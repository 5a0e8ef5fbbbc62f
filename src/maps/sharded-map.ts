/**
 * ShardedMap: N maps, each behind its own RWLock, chosen by a hash of the key (see sharded-map-hash.ts).
 * Per-key operations lock only their shard, so tasks working on different keys rarely queue on each
 * other. `clear()` and `snapshot()` take every shard's lock, all requested in one synchronous step in
 * index order: they keep call order with everything else, and two multi-shard operations queue in the
 * same order on every shard, so they cannot deadlock with each other.
 *
 * Locks are not re-entrant (see RWLock). Inside `update(key, fn)`, `fn` holds the key's shard: it must work
 * with its `current` argument and never call this map again. Another key of the same shard waits forever
 * on the hold `fn` itself keeps; a key of another shard usually works but can deadlock with a concurrent
 * `clear()`/`snapshot()`, which may already hold that shard while it waits for yours. Pass `timeoutMs` to
 * turn such a wait into a LockTimeoutError instead of a hang.
 *
 * Shards: a power of two (default 16) so the shard is the hash's low bits.
 *
 * Stats: one MapStats for the whole map (`kind=sharded`); one LockStats per shard, all under the map's
 * name, so they aggregate into the map's lock series with no label per shard (a `clear()` counts one
 * acquisition per shard). `shardImbalance()` (fullest shard over the mean shard, 1 below
 * MIN_ENTRIES_PER_SHARD entries per shard on average) is read by the registry at scrape time as
 * `mapwatch_map_shard_imbalance_ratio`.
 */
import { setMaxListeners } from 'node:events';
import { validateDeclaredBounds } from '../registry.js';
import { registryOption } from '../registry-option.js';
import { newMapToken, MIN_ENTRIES_PER_SHARD } from '../stats/map-groups.js';
import type { MapStats } from '../stats/map-stats.js';
import {
  RWLock,
  checkAcquireOptions,
  sectionFnError,
  type AcquireOptions,
  type Release,
} from '../sync/rwlock.js';
import { readNow, writeNow } from '../sync/sections.js';
import {
  countedApply,
  countedClear,
  countedDelete,
  countedGet,
  countedHas,
  countedSet,
} from './locked-map-views.js';
import { optionsOnly, type MapOptions } from './options.js';
import { hashKey } from './sharded-map-hash.js';
import { describeValue } from '../describe-value.js';

export interface ShardedMapOptions extends MapOptions {
  /** Number of shards: a power of two from 1 to 1024; default 16. */
  shards?: number;
}

export const DEFAULT_SHARDS = 16;
export const MAX_SHARDS = 1024;
/**
 * Below this many entries per shard on average, `shardImbalance()` reports 1: with few keys the fullest
 * shard is far above the mean by chance alone (16 keys in 16 shards typically give 3), which would read as
 * a bad hash on a dashboard.
 */
export { MIN_ENTRIES_PER_SHARD };

interface Shard<K, V> {
  readonly map: Map<K, V>;
  readonly lock: RWLock;
  /** Its position, where its size is kept in the registry's per-shard counts. */
  readonly index: number;
}

export class ShardedMap<K, V> {
  // State in #private fields: JSON.stringify and Object.keys show nothing internal, and a frozen or
  // deep-frozen ShardedMap keeps working.
  readonly #shardCount: number;
  readonly #mask: number;
  readonly #shards: readonly Shard<K, V>[];
  /** Counters shared by every ShardedMap of the name (see stats/map-groups.ts). */
  readonly #stats: MapStats;
  /**
   * Each shard's size, in the registry's table: the registry reads entries and imbalance there, with no
   * reference to the map. Kept after every write (#counted).
   */
  readonly #shardCounts: Int32Array;
  /**
   * Referenced by this map only: its collection tells the registry the map is gone. Undefined where the
   * map is its own death notice (newMapToken).
   */
  readonly #token = newMapToken();

  constructor(options: ShardedMapOptions) {
    const { name, shards = DEFAULT_SHARDS } = optionsOnly(options, 'new ShardedMap()');
    const registry = registryOption(options.registry, 'new ShardedMap()');
    if (typeof shards !== 'number' || !Number.isInteger(shards)) {
      throw new TypeError(
        `mapwatch: ShardedMap shards must be an integer power of two, got ${describeValue(shards)}`,
      );
    }
    if (shards < 1 || shards > MAX_SHARDS || (shards & (shards - 1)) !== 0) {
      throw new RangeError(
        `mapwatch: ShardedMap shards must be a power of two from 1 to ${MAX_SHARDS}, got ${shards}`,
      );
    }
    const bounds = validateDeclaredBounds(options, 'new ShardedMap()');
    const group = registry.mapGroup(name, 'sharded', false);
    this.#stats = group.stats;
    const slot = registry.openMap(group, this.#token ?? this, bounds);
    this.#shardCounts = registry.shardCountsOf(slot, shards);
    this.#shardCount = shards;
    this.#mask = shards - 1;
    this.#shards = Array.from({ length: shards }, (_, index) => ({
      map: new Map<K, V>(),
      lock: new RWLock({ name, registry }),
      index,
    }));
  }

  /** Number of shards (a power of two). */
  get shardCount(): number {
    return this.#shardCount;
  }

  /** Entries over all shards. */
  get size(): number {
    let n = 0;
    for (const shard of this.#shards) n += shard.map.size;
    return n;
  }

  /** The shard a key belongs to (0 .. shardCount-1). */
  shardOf(key: K): number {
    return hashKey(key) & this.#mask;
  }

  /** Entries per shard, in shard order. */
  shardSizes(): number[] {
    return this.#shards.map((s) => s.map.size);
  }

  /**
   * Entries of the fullest shard over the mean shard: 1 when perfectly even. Also 1 while the map holds
   * fewer than MIN_ENTRIES_PER_SHARD entries per shard on average (including when empty), where the ratio
   * would be sampling noise rather than a signal.
   */
  shardImbalance(): number {
    let total = 0;
    let max = 0;
    for (const shard of this.#shards) {
      const n = shard.map.size;
      total += n;
      if (n > max) max = n;
    }
    if (total < MIN_ENTRIES_PER_SHARD * this.#shards.length) return 1;
    return (max * this.#shards.length) / total;
  }

  get(key: K, options?: AcquireOptions): Promise<V | undefined> {
    const shard = this.shardFor(key);
    return readNow(shard.lock, () => countedGet(shard.map, this.#stats, key), options);
  }

  has(key: K, options?: AcquireOptions): Promise<boolean> {
    const shard = this.shardFor(key);
    return readNow(shard.lock, () => countedHas(shard.map, this.#stats, key), options);
  }

  set(key: K, value: V, options?: AcquireOptions): Promise<void> {
    const shard = this.shardFor(key);
    return writeNow(
      shard.lock,
      () => {
        countedSet(shard.map, this.#stats, key, value);
        this.#counted(shard);
      },
      options,
    );
  }

  delete(key: K, options?: AcquireOptions): Promise<boolean> {
    const shard = this.shardFor(key);
    return writeNow(
      shard.lock,
      () => {
        const removed = countedDelete(shard.map, this.#stats, key);
        this.#counted(shard);
        return removed;
      },
      options,
    );
  }

  /**
   * Read-modify-write of one key under its shard's write hold (other shards stay free): stores what `fn`
   * returns, `undefined` deletes. Counts only the write it makes. `fn` must not call this map (see the
   * class comment: the lock is not re-entrant, and a cross-shard call can deadlock with `clear()`).
   */
  async update(
    key: K,
    fn: (current: V | undefined) => V | undefined | PromiseLike<V | undefined>,
    options?: AcquireOptions,
  ): Promise<V | undefined> {
    if (typeof fn !== 'function') throw sectionFnError(fn, 'ShardedMap.update(key, fn)');
    const shard = this.shardFor(key);
    const release = await shard.lock.acquireWrite(options);
    try {
      const next = await fn(shard.map.get(key));
      countedApply(shard.map, this.#stats, key, next);
      this.#counted(shard);
      return next;
    } finally {
      release();
    }
  }

  /**
   * Empties every shard at one moment (all shard locks held), counted as `cause=clear`. `timeoutMs`
   * applies to each shard's wait; the first shard that fails (timeout or abort) fails the whole call,
   * abandons the other waits and gives back the shards already held at once.
   */
  async clear(options?: AcquireOptions): Promise<void> {
    const releases = await this.acquireAll('write', options);
    try {
      for (const shard of this.#shards) {
        countedClear(shard.map, this.#stats);
        this.#counted(shard);
      }
    } finally {
      for (const release of releases) release();
    }
  }

  /**
   * Every entry at one moment (all shards read-locked while copying). Ordered by shard, then by insertion
   * within a shard: there is no global insertion order. Options as for `clear()`.
   */
  async snapshot(options?: AcquireOptions): Promise<[K, V][]> {
    const releases = await this.acquireAll('read', options);
    try {
      const out: [K, V][] = [];
      for (const shard of this.#shards) for (const entry of shard.map) out.push(entry);
      return out;
    } finally {
      for (const release of releases) release();
    }
  }

  get [Symbol.toStringTag](): string {
    return 'ShardedMap';
  }

  /** Publishes a shard's size after a write. */
  #counted(shard: Shard<K, V>): void {
    this.#shardCounts[shard.index] = shard.map.size;
  }

  private shardFor(key: K): Shard<K, V> {
    return this.#shards[hashKey(key) & this.#mask]!;
  }

  /**
   * Takes every shard's lock. All acquisitions are requested in one synchronous step, in index order, so
   * an operation called later, on any shard, queues behind this one (call order is kept), and two
   * multi-shard operations are ordered the same way on every shard (they cannot deadlock each other).
   *
   * Without options every acquisition eventually succeeds. With options, the options are validated and an
   * already-aborted signal is checked once (one abandoned acquisition on the first shard's stats, no lock
   * touched). Otherwise each shard waits under an internal signal that follows the caller's: the first
   * failure (timeout or abort) aborts the other waits, gives back the shards already granted at once, and
   * is rethrown. Each shard that was actually queued counts one abandoned acquisition, as it counts one
   * acquisition on success.
   */
  private acquireAll(mode: 'read' | 'write', options: AcquireOptions | undefined): Promise<Release[]> {
    const shards = this.#shards;
    if (options === undefined) {
      return Promise.all(shards.map((shard) => acquireShard(shard, mode, undefined)));
    }
    checkAcquireOptions(options);
    const outer = options.signal;
    // Rejects at once with LockAbortedError, recorded once, without touching any lock.
    if (outer?.aborted) return acquireShard(shards[0]!, mode, options).then(() => []);
    return new Promise<Release[]>((resolve, reject) => {
      const internal = new AbortController();
      // One listener per queued shard (up to 1024): Node would warn of a leak past 10 on a signal the
      // host never sees. Every one is removed on grant or departure.
      setMaxListeners(shards.length + 1, internal.signal);
      const onOuterAbort = () => internal.abort(outer!.reason);
      outer?.addEventListener('abort', onOuterAbort, { once: true });
      const inner: AcquireOptions = { signal: internal.signal, timeoutMs: options.timeoutMs };
      const releases: (Release | undefined)[] = new Array<Release | undefined>(shards.length);
      let granted = 0;
      let failed = false;
      for (const [i, shard] of shards.entries()) {
        acquireShard(shard, mode, inner).then(
          (release) => {
            if (failed) {
              release(); // granted after the call failed: give it straight back
              return;
            }
            releases[i] = release;
            if (++granted < shards.length) return;
            outer?.removeEventListener('abort', onOuterAbort);
            resolve(releases as Release[]);
          },
          (error: unknown) => {
            if (failed) return; // a wait abandoned because of the first failure
            failed = true;
            outer?.removeEventListener('abort', onOuterAbort);
            for (const release of releases) release?.();
            releases.fill(undefined);
            internal.abort(error);
            reject(error);
          },
        );
      }
    });
  }
}

function acquireShard<K, V>(
  shard: Shard<K, V>,
  mode: 'read' | 'write',
  options: AcquireOptions | undefined,
): Promise<Release> {
  return mode === 'read' ? shard.lock.acquireRead(options) : shard.lock.acquireWrite(options);
}
