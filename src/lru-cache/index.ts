/**
 * mapwatch/lru-cache: `watchLRUCache(cache, { name })` counts what an lru-cache (11.4 or later) does, from
 * the events lru-cache itself publishes on `node:diagnostics_channel`, into the same stats an
 * InstrumentedMap has. lru-cache's code is not changed and its methods are not wrapped, with one
 * exception: `clear()` (see below).
 *
 * What lru-cache publishes, and when (lru-cache 11.4+; they are built only while someone subscribes):
 * - `lru-cache:metrics`, synchronously, with the operation's status object (`status.cache` is the cache):
 *   `get`, `has`, `peek`, `set` and `memo` after the operation; `delete` (`{ op, delete: reason, key,
 *   cache }`) at the start of every internal delete, before anything is removed and whether or not the
 *   key is there (reasons `delete`, `expire`, `set`: a value too big to store, `fetch`: a failed or empty
 *   fetch).
 * - the `lru-cache` tracing channel, for `fetch()`/`forceFetch()` only: `start` right after the
 *   synchronous part of the fetch (the status says `hit`, `miss`, `inflight`, `stale`, `refresh` or
 *   `get`), then `asyncEnd` when the returned promise settles (with the fetch's outcome flags).
 * - Nothing for evictions (`max`, `maxSize`, `pop()`), for `clear()`, for the placeholder a fetch of a
 *   missing key stores while it runs, or for the value a fetch stores when it resolves.
 *
 * How mapwatch fills the gaps (exact for lru-cache's public API, within the limits listed below):
 * - Evictions: the watch keeps the size it has accounted for. At every event that can change the size
 *   (set, delete, memo, fetch start and end) and at every collection, it compares with `cache.size`: what
 *   went missing without an event was evicted (the only removal lru-cache does not publish, once clear()
 *   is observed); what appeared without one (entries restored by `load()`) was inserted.
 * - Deletes: a delete event comes before the delete, so the watch asks `cache.info(key)` (no event, no
 *   change to recency or TTL) whether there is anything to delete.
 * - clear(): invisible on the channels, and after the fact indistinguishable from evictions, so the
 *   watch installs a non-enumerable own `clear` on the cache that calls the original and counts what it
 *   removed (removed again by `unwatch()`). A frozen cache cannot take it: its clears count as evictions.
 * - Fetches: a fetch of a missing key stores a placeholder (in `size`, not an entry): the watch tracks
 *   it, counts the insert when the fetch stores its value (read from the fetch's status when it ends),
 *   and counts nothing when the placeholder is deleted, cleared, or replaced by a set (that set is the
 *   insert). A placeholder evicted before its fetch ends counts as an insert and an eviction.
 *
 * Counts (the MapStats fields every map has):
 * - lookups: `get`, `has`, `peek`, `memo` and `fetch`: a fresh entry is a hit; a missing or expired
 *   (stale) entry is a miss, even when `allowStale` returns the expired value. `fetch` of a key whose
 *   fetch is in flight is a miss and a join; a fetch with `forceRefresh` of a fresh entry is a load, not
 *   a lookup, and a memo with `forceRefresh` is not a lookup (nor a load: memoMethod calls are not counted).
 *   The value a memo with `forceRefresh` stores is an update unless the cache grew; into a full cache, an
 *   insert that evicts looks the same and counts as an update.
 * - inserts (`set` of a new key, a fetch or memo storing a new key), updates (`set` of a present key,
 *   whatever the value, and a fetch refreshing one), deletes by cause: `explicit` (delete, set to
 *   undefined, a value too big to store), `clear`, `evict`, `expire` (stale entries removed by get,
 *   purgeStale, ttlAutopurge, and a stale entry dropped because its refresh failed).
 * - loads (each fetchMethod call) by outcome, joins, and load time (for fetches whose promise waits for
 *   the load; a stale-while-revalidate fetch answers at once, and its outcome is counted when seen).
 * - entries: `cache.size` (placeholders of fetches in flight included, as they occupy slots).
 * - declared bounds: `max` (and `maxSize`: entry sizes are positive integers, so at most `maxSize`
 *   entries) as maxEntries, `ttl` as the TTL.
 *
 * Limits: what only the size reveals (`pop()`, the end of a stale-while-revalidate fetch, entries
 * restored by `load()`) is found when the registry reads the size, after it read the counters, so it
 * shows at the next collection. Entries present and fetches in flight when watching starts, calls that
 * bypass the instance (`LRUCache.prototype.get.call(cache, k)`) and `find()` are not counted. A dispose
 * or onInsert callback that writes to the same cache in the middle of a delete or clear, and a
 * placeholder evicted and stored over in the same synchronous run (before its fetch sees the abort), can
 * move one count between inserts and evictions. At most 10,000 fetches are followed per cache.
 *
 * Cost: one subscription for the process, while at least one cache is watched. While it exists, every
 * lru-cache of the process builds a status object per operation and publishes it, and every fetch is
 * traced: lru-cache decides by `hasSubscribers`, not per cache. For a cache that is not watched, the
 * subscriber's work is one WeakMap lookup. `bench/lru-cache.js` measures both.
 */
import type { MapRegistry, SurvivalSamplingOption } from '../registry.js';
import { registryOption } from '../registry-option.js';
import {
  cacheFinalizer,
  hookClear,
  LRU_CACHE_METRICS_CHANNEL,
  release,
  retain,
  watched,
} from './subscription.js';
import { Watch } from './watch.js';

export { LRU_CACHE_METRICS_CHANNEL };

/**
 * What watchLRUCache reads of a cache: the public API of lru-cache's `LRUCache` (11.4 or later). It is
 * written out here so that mapwatch's types do not import lru-cache.
 */
export interface WatchableLRUCache {
  readonly size: number;
  readonly max: number;
  readonly maxSize: number;
  readonly ttl: number;
  info(key: never): unknown;
  /** Ms left before the key's value expires: negative once expired, Infinity without a TTL, 0 if absent. */
  getRemainingTTL?(key: never): number;
  clear(): void;
}

export interface WatchLRUCacheOptions {
  /** The series name (`map_name` label). Bounded and chosen by you: never derive it from request data. */
  name: string;
  /** Registry to report to; default `defaultRegistry`. */
  registry?: MapRegistry;
  /**
   * Entry survival sampling: as for maps (`true`, `false`, `{ size?, reads? }`); default the registry's.
   * Evicted keys leave the sample at the next collection (the cache is asked whether it still holds them).
   */
  sampleSurvival?: SurvivalSamplingOption;
}

/** What watchLRUCache returns. */
export interface LRUCacheWatch {
  readonly name: string;
  /**
   * Stops counting this cache and removes the `clear` hook (on a cache frozen since, the hook stays as a
   * pass-through). Its totals stay, folded into the name's retired totals; its instance, entries,
   * declared bounds and survival sample leave the name's series at once. Returns false if the cache was
   * no longer watched (by this watch).
   */
  unwatch(): boolean;
}

function isWatchable(cache: unknown): cache is WatchableLRUCache {
  if (typeof cache !== 'object' || cache === null) return false;
  const c = cache as Record<string, unknown>;
  return (
    typeof c.size === 'number' &&
    typeof c.info === 'function' &&
    typeof c.clear === 'function' &&
    typeof c.get === 'function'
  );
}

/**
 * Counts what `cache` (an lru-cache `LRUCache`, 11.4 or later) does under `name`, from lru-cache's own
 * diagnostics channels: lookups, inserts, updates, deletes by cause, fetches as loads and joins, its size
 * as the entries, `max`/`maxSize`/`ttl` as its declared bounds, and entry survival. The cache is held
 * weakly: dropping it lets it be collected, and its counts fold into the name's totals like a map's.
 *
 * Watching the same cache again under the same name and registry returns a new handle to the same watch;
 * under another name or registry it throws. Entries present (and fetches in flight) when watching starts
 * are not counted as inserts. A bad name or a value that is not an LRUCache throws a TypeError.
 */
export function watchLRUCache(cache: WatchableLRUCache, options: WatchLRUCacheOptions): LRUCacheWatch {
  if (!isWatchable(cache)) {
    throw new TypeError(
      'mapwatch: watchLRUCache(cache, { name }) takes an LRUCache of lru-cache 11.4 or later (new LRUCache({ max }))',
    );
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      "mapwatch: watchLRUCache(cache, options) needs an options object with a name, e.g. { name: 'users' }",
    );
  }
  const { name, sampleSurvival } = options;
  const registry = registryOption(options.registry, 'watchLRUCache(cache, options)');
  const existing = watched.get(cache);
  if (existing !== undefined) {
    if (existing.name !== name || existing.registry !== registry) {
      throw new TypeError(
        `mapwatch: this cache is already watched as '${existing.name}'${existing.registry === registry ? '' : ' in another registry'}; a cache reports under one name to one registry`,
      );
    }
    return handleFor(existing);
  }
  // The registry validates the name (and the bounds) before anything is installed.
  const watch = new Watch(new WeakRef(cache), name, registry, cache, sampleSurvival);
  watched.set(cache, watch);
  watch.restoreClear = hookClear(cache);
  cacheFinalizer.register(cache, undefined, watch);
  retain();
  return handleFor(watch);
}

/** The handle holds the cache and the watch weakly: keeping it never keeps either alive. */
function handleFor(watch: Watch): LRUCacheWatch {
  const cacheRef = watch.cacheRef;
  const watchRef = new WeakRef(watch);
  return {
    name: watch.name,
    unwatch(): boolean {
      const target = cacheRef.deref();
      const current = watchRef.deref();
      if (target === undefined || current === undefined || watched.get(target) !== current) return false;
      watched.delete(target);
      current.active = false;
      // Its instance, entries, bounds and sample leave the name now, not when the watch is collected.
      try {
        current.registry.untrackMap(current.entries);
      } catch {
        // a registry of another copy of mapwatch without untrackMap: the watch folds when collected
      }
      const restore = current.restoreClear;
      current.restoreClear = undefined;
      cacheFinalizer.unregister(current);
      release();
      restore?.();
      return true;
    },
  };
}

/** The name a cache is watched under, or undefined. */
export function watchedLRUCacheName(cache: object): string | undefined {
  return watched.get(cache)?.name;
}
