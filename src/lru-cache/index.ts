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
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { survivalConfig } from '../maps/survival.js';
import {
  defaultRegistry,
  type MapRegistry,
  type Measurable,
  type SurvivalSamplingOption,
} from '../registry.js';
import type { MapStats } from '../stats/map-stats.js';
import { CacheSurvival } from './survival.js';

/** lru-cache's channel for synchronous operations. */
export const LRU_CACHE_METRICS_CHANNEL = 'lru-cache:metrics';
/** The channels of lru-cache's tracing channel (`tracingChannel('lru-cache')`) the watch listens to. */
const FETCH_START_CHANNEL = 'tracing:lru-cache:start';
const FETCH_END_CHANNEL = 'tracing:lru-cache:asyncEnd';

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
   * Stops counting this cache and removes the `clear` hook. Its totals stay: they fold into the name's
   * retired totals once the watch's bookkeeping is collected, and its entries read 0 until then. Returns
   * false if the cache was no longer watched (by this watch).
   */
  unwatch(): boolean;
}

/** The status object lru-cache publishes (only the fields the watch reads). */
interface Status {
  op?: string;
  key?: unknown;
  cache?: unknown;
  value?: unknown;
  get?: string;
  has?: string;
  peek?: string;
  set?: string;
  delete?: string;
  memo?: string;
  fetch?: string;
  forceRefresh?: boolean;
  fetchDispatched?: boolean;
  fetchUpdated?: boolean;
  fetchResolved?: boolean;
  fetchRejected?: boolean;
  fetchAborted?: boolean;
  fetchAbortIgnored?: boolean;
  fetchError?: unknown;
}

/** A fetchMethod call being followed. */
interface FetchRecord {
  readonly key: unknown;
  /** performance.now() at dispatch. */
  readonly startedAt: number;
  /** It stored a placeholder (a fetch of a missing key) that has not yet been stored over or removed. */
  placeholder: boolean;
  /** The value it stored has been counted (as an insert or an update). */
  storeCounted: boolean;
  /** Its promise settled before the load did (stale-while-revalidate): the outcome is read later. */
  ended: boolean;
}

/**
 * At most this many fetches are followed per cache (in flight, or stale-while-revalidate fetches whose
 * outcome is still to be read); past it the oldest is dropped, and its outcome is not counted.
 */
const MAX_FOLLOWED_FETCHES = 10_000;

/** The registry's view of a watched cache: its size, read through a WeakRef. */
class CacheEntries implements Measurable {
  constructor(private readonly watch: Watch) {}

  get size(): number {
    return this.watch.sizeForCollection();
  }
}

class Watch {
  readonly stats: MapStats;
  /** Registered with the registry; lives exactly as long as this watch (the registry holds it weakly). */
  readonly entries: CacheEntries;
  readonly sampler: CacheSurvival | undefined;
  /** The sampler when it tracks reads, else undefined: hits pay one branch. */
  readonly readSampler: CacheSurvival | undefined;
  /** The cache's size as accounted for by the events seen so far. */
  known: number;
  /** Keys whose placeholder (a fetch of a missing key) is followed, with the fetch's status. */
  readonly placeholders = new Map<unknown, Status>();
  readonly fetches = new Map<Status, FetchRecord>();
  active = true;
  /** Removes the clear hook (undefined when none could be installed). */
  restoreClear: (() => void) | undefined;

  constructor(
    readonly cacheRef: WeakRef<WatchableLRUCache>,
    readonly name: string,
    readonly registry: MapRegistry,
    cache: WatchableLRUCache,
    sampleSurvival: SurvivalSamplingOption | undefined,
  ) {
    const config = survivalConfig(sampleSurvival ?? registry.survivalSampling);
    const sampler =
      config === undefined
        ? undefined
        : new CacheSurvival(
            config.size,
            registry.now,
            (key) => isPresent(cacheRef.deref(), key),
            config.reads,
          );
    this.sampler = sampler;
    this.readSampler = sampler?.tracksReads === true ? sampler : undefined;
    this.known = cache.size;
    this.entries = new CacheEntries(this);
    this.stats = registry.trackMap(this.entries, name, 'lru_cache', {
      survival: sampler,
      ...declaredBoundsOf(cache),
    });
  }

  /** The registry reads the entries: first account for what changed without an event. */
  sizeForCollection(): number {
    const cache = this.cacheRef.deref();
    if (!this.active || cache === undefined) return 0;
    try {
      for (const [status, record] of this.fetches) this.settleLater(status, record);
      this.reconcile(cache, 0);
    } catch {
      // the size is still worth reporting
    }
    return cache.size;
  }

  /**
   * Accounts for the size now, given that the event being handled added `delta` entries: what is
   * missing beyond it was evicted, what is there beyond it was inserted without an event.
   */
  reconcile(cache: WatchableLRUCache, delta: number): void {
    const size = cache.size;
    const expected = this.known + delta;
    if (size < expected) this.stats.deletesEvict += expected - size;
    else if (size > expected) this.stats.inserts += size - expected;
    this.known = size;
  }

  hit(status: Status): void {
    this.stats.hits++;
    if (this.readSampler !== undefined) this.readSampler.onRead(status.key);
  }

  lookup(hit: boolean, key: unknown): void {
    if (hit) {
      this.stats.hits++;
      if (this.readSampler !== undefined) this.readSampler.onRead(key);
    } else this.stats.misses++;
  }

  onSet(cache: WatchableLRUCache, status: Status): void {
    switch (status.set) {
      case 'add': {
        const overPlaceholder = this.takePlaceholder(status.key);
        this.inserted(status.key);
        this.reconcile(cache, overPlaceholder ? 0 : 1);
        return;
      }
      case 'replace':
      case 'update':
        this.stats.updates++;
        this.reconcile(cache, 0);
        return;
      default:
        // 'miss' (too big to store) and 'deleted' (set to undefined): their delete was published.
        this.reconcile(cache, 0);
    }
  }

  /** A delete event: published before the delete, whether or not the key is there. */
  onDelete(cache: WatchableLRUCache, key: unknown, reason: string | undefined): void {
    const followed = this.placeholders.get(key);
    const record = followed === undefined ? undefined : this.fetches.get(followed);
    if (followed !== undefined && record !== undefined) this.absorbStore(followed, record);
    this.reconcile(cache, 0);
    if (cache.size === 0) return;
    if (isPresent(cache, key)) {
      switch (reason) {
        case 'expire':
        case 'fetch': // a failed or empty refresh drops the expired value it was refreshing
          this.stats.deletesExpire++;
          break;
        default: // 'delete', and 'set': a value too big to store removes the key's old value
          this.stats.deletesExplicit++;
      }
      this.known--;
      if (this.sampler !== undefined) this.sampler.onDelete(key);
      if (followed !== undefined && record?.placeholder !== true) this.placeholders.delete(key);
      return;
    }
    // A fetch deletes its own placeholder right after its status took its outcome flags, so for it
    // the flags do not mean that the placeholder is gone.
    const live =
      followed !== undefined &&
      (reason === 'fetch' ? record?.placeholder !== false : livePlaceholder(followed, record));
    if (live) {
      // The placeholder goes, not an entry: nothing to count.
      this.known--;
      this.placeholders.delete(key);
      if (record !== undefined) record.placeholder = false;
    }
  }

  onMemo(cache: WatchableLRUCache, status: Status, noDeleteOnStaleGet: boolean): void {
    const key = status.key;
    if (status.memo === 'hit') {
      this.lookup(true, key);
      return;
    }
    if (status.memo !== 'miss') return;
    // forceRefresh recomputes whatever is there: not a lookup (as fetch's 'refresh').
    if (status.forceRefresh !== true) this.lookup(false, key);
    // The memoMethod's value is stored without an event; undefined or too big stores nothing.
    if (!isPresent(cache, key)) {
      this.reconcile(cache, 0);
      return;
    }
    const overPlaceholder = this.takePlaceholder(key);
    // Without forceRefresh the key had no fresh value: absent, or an expired one that get() deleted
    // (published), unless stale entries are kept (noDeleteOnStaleGet), when only the size can tell.
    const insert =
      overPlaceholder || (!status.forceRefresh && !noDeleteOnStaleGet) || cache.size > this.known;
    if (insert) this.inserted(key);
    else this.stats.updates++;
    this.reconcile(cache, insert && !overPlaceholder ? 1 : 0);
  }

  /** A fetch started: `status.fetch` says what it found. */
  onFetchStart(cache: WatchableLRUCache, status: Status): void {
    switch (status.fetch) {
      case 'hit':
        this.lookup(true, status.key);
        return;
      case 'get': // no fetchMethod: a get
        this.lookup(getHit(status), status.key);
        return;
      case 'inflight':
        this.stats.misses++;
        this.stats.loadJoins++;
        return;
      case 'miss':
        this.stats.misses++;
        this.dispatched(cache, status, true);
        return;
      case 'stale':
        this.stats.misses++;
        this.dispatched(cache, status, false);
        return;
      case 'refresh': // forceRefresh of a fresh entry: a load, not a lookup
        this.dispatched(cache, status, false);
        return;
    }
  }

  /** A fetch's promise settled. */
  onFetchEnd(cache: WatchableLRUCache, status: Status): void {
    const record = this.fetches.get(status);
    if (record === undefined) return;
    this.absorbStore(status, record);
    if (!this.finish(status, record, true)) record.ended = true;
    this.reconcile(cache, 0);
  }

  beforeClear(cache: WatchableLRUCache): void {
    for (const [status, record] of this.fetches) this.absorbStore(status, record);
    this.reconcile(cache, 0);
  }

  afterClear(cache: WatchableLRUCache): void {
    const size = cache.size;
    const removed = this.known - size;
    if (size === 0) {
      let placeholders = 0;
      for (const status of this.placeholders.values()) {
        const record = this.fetches.get(status);
        if (!livePlaceholder(status, record)) continue; // already evicted: counted when its fetch ends
        placeholders++;
        if (record !== undefined) record.placeholder = false;
      }
      this.placeholders.clear();
      this.stats.deletesClear += Math.max(0, removed - placeholders);
      if (this.sampler !== undefined) this.sampler.onClear();
    } else if (removed > 0) {
      // A dispose callback threw part-way (or wrote to the cache meanwhile): count what went.
      this.stats.deletesClear += removed;
    }
    this.known = size;
  }

  private inserted(key: unknown): void {
    this.stats.inserts++;
    if (this.sampler !== undefined) this.sampler.onInsert(key);
  }

  /**
   * A set or a memo stores `key`: if a placeholder of it is followed and still in the cache, the value
   * takes its slot (no new slot) and the placeholder is no longer followed. Returns whether it was there.
   */
  private takePlaceholder(key: unknown): boolean {
    const status = this.placeholders.get(key);
    if (status === undefined) return false;
    const record = this.fetches.get(status);
    if (record !== undefined) this.absorbStore(status, record);
    const live = livePlaceholder(status, record);
    if (!live && record?.placeholder === true) return false; // evicted: its fetch's end counts it
    this.placeholders.delete(key);
    if (record !== undefined) record.placeholder = false;
    return live;
  }

  private dispatched(cache: WatchableLRUCache, status: Status, placeholder: boolean): void {
    if (status.fetchDispatched !== true) return;
    const key = status.key;
    if (placeholder) {
      // A previous placeholder of the key is gone (this fetch found the key missing): its record, if
      // followed, keeps `placeholder` so that its end counts it as evicted.
      this.placeholders.set(key, status);
      this.reconcile(cache, 1);
    }
    this.fetches.set(status, {
      key,
      startedAt: performance.now(),
      placeholder,
      storeCounted: false,
      ended: false,
    });
    // Amortised: settle the oldest followed fetch if its outcome is in, and keep the map bounded.
    const oldest = this.fetches.entries().next();
    if (!oldest.done) {
      const [first, record] = oldest.value;
      if (record.ended) this.settleLater(first, record);
      if (this.fetches.size > MAX_FOLLOWED_FETCHES) this.forget(first, record);
    }
  }

  /** Counts the value a fetch stored, once (its status says so after the fact). */
  private absorbStore(status: Status, record: FetchRecord): void {
    if (record.storeCounted || status.fetchUpdated !== true) return;
    if (status.set === 'add') {
      record.storeCounted = true;
      this.inserted(record.key);
    } else if (status.set === 'replace' || status.set === 'update') {
      record.storeCounted = true;
      this.stats.updates++;
    } else return;
    if (record.placeholder) {
      record.placeholder = false;
      if (this.placeholders.get(record.key) === status) this.placeholders.delete(record.key);
    }
  }

  /** A stale-while-revalidate fetch whose promise settled earlier: count its outcome once it is in. */
  private settleLater(status: Status, record: FetchRecord): void {
    this.absorbStore(status, record);
    if (record.ended) this.finish(status, record, false);
  }

  /** Counts a fetch's outcome if it is in, and stops following it; returns whether it was in. */
  private finish(status: Status, record: FetchRecord, timed: boolean): boolean {
    const outcome = outcomeOf(status);
    if (outcome === undefined) return false;
    if (outcome) this.stats.loadsSuccess++;
    else this.stats.loadsFailure++;
    if (timed) this.stats.loadSeconds += Math.max(0, performance.now() - record.startedAt) / 1000;
    if (record.placeholder) {
      // Its placeholder was neither stored over, deleted, cleared nor replaced: it was evicted (and
      // counted as an eviction then). An evicted entry was inserted: count that now.
      this.stats.inserts++;
      record.placeholder = false;
    }
    this.forget(status, record);
    return true;
  }

  private forget(status: Status, record: FetchRecord): void {
    this.fetches.delete(status);
    if (this.placeholders.get(record.key) === status) this.placeholders.delete(record.key);
  }
}

/** true: success, false: failure, undefined: not settled yet. */
function outcomeOf(status: Status): boolean | undefined {
  if (status.fetchRejected === true) return false;
  if (status.fetchAborted === true) return status.fetchAbortIgnored === true;
  if (status.fetchResolved === true) return true;
  return undefined;
}

/**
 * Whether a followed placeholder is still in the cache. Deletes, clears and sets of its key stop
 * following it; what is left is eviction, which aborts its fetch with lru-cache's `evicted` error: the
 * status says so from the next microtask on (an eviction in the same synchronous run is not seen yet).
 */
function livePlaceholder(status: Status, record: FetchRecord | undefined): boolean {
  if (record !== undefined && !record.placeholder) return false;
  return !(status.fetchAborted === true && (status.fetchError as Error | undefined)?.message === 'evicted');
}

function getHit(status: Status): boolean {
  // 'fetching' without a stale value returns undefined; with one (a forced refresh), the value.
  return status.get === 'hit' || (status.get === 'fetching' && status.value !== undefined);
}

/** Whether the cache holds a value for `key` (stale included): `info()` publishes and changes nothing. */
function isPresent(cache: WatchableLRUCache | undefined, key: unknown): boolean {
  return cache !== undefined && cache.info(key as never) !== undefined;
}

function declaredBoundsOf(cache: WatchableLRUCache): { maxEntries?: number; ttlMs?: number } {
  const bounds: { maxEntries?: number; ttlMs?: number } = {};
  // Entry sizes are positive integers, so a maxSize also bounds the number of entries.
  const caps = [cache.max, cache.maxSize].filter((n) => Number.isSafeInteger(n) && n > 0);
  if (caps.length > 0) bounds.maxEntries = Math.min(...caps);
  if (typeof cache.ttl === 'number' && cache.ttl > 0 && Number.isFinite(cache.ttl)) bounds.ttlMs = cache.ttl;
  return bounds;
}

// ---------------------------------------------------------------------------------------------------
// The process-wide subscription.

const watched = new WeakMap<object, Watch>();
let watchCount = 0;
/** A watched cache that is collected without unwatch() releases its share of the subscription. */
const cacheFinalizer = new FinalizationRegistry<undefined>(() => release());

function retain(): void {
  if (watchCount++ > 0) return;
  subscribe(LRU_CACHE_METRICS_CHANNEL, onMetric);
  subscribe(FETCH_START_CHANNEL, onFetchStart);
  subscribe(FETCH_END_CHANNEL, onFetchEnd);
}

function release(): void {
  if (watchCount === 0 || --watchCount > 0) return;
  unsubscribe(LRU_CACHE_METRICS_CHANNEL, onMetric);
  unsubscribe(FETCH_START_CHANNEL, onFetchStart);
  unsubscribe(FETCH_END_CHANNEL, onFetchEnd);
}

/** The watch of the cache a status belongs to; one WeakMap lookup, undefined for unwatched caches. */
function watchOf(message: unknown): Watch | undefined {
  return watched.get((message as Status | undefined)?.cache as object);
}

// The subscribers never throw: a subscriber's exception would reach the process as an uncaught one.
function onMetric(message: unknown): void {
  try {
    const watch = watchOf(message);
    if (watch === undefined) return;
    const status = message as Status;
    const cache = status.cache as WatchableLRUCache;
    // Lookups read as few fields as they can: status objects come in many shapes, so each read is a
    // megamorphic property load. The key is read only for read tracking.
    switch (status.op) {
      case 'get':
        if (getHit(status)) watch.hit(status);
        else watch.stats.misses++;
        return;
      case 'has':
        if (status.has === 'hit') watch.hit(status);
        else watch.stats.misses++;
        return;
      case 'peek':
        if (status.peek === 'hit') watch.hit(status);
        else watch.stats.misses++;
        return;
      case 'set':
        watch.onSet(cache, status);
        return;
      case 'delete':
        watch.onDelete(cache, status.key, status.delete);
        return;
      case 'memo':
        watch.onMemo(cache, status, (cache as { noDeleteOnStaleGet?: unknown }).noDeleteOnStaleGet === true);
        return;
    }
  } catch {
    // a cache whose getters throw: that event is not counted
  }
}

function onFetchStart(message: unknown): void {
  try {
    const watch = watchOf(message);
    if (watch !== undefined) {
      const status = message as Status;
      watch.onFetchStart(status.cache as WatchableLRUCache, status);
    }
  } catch {
    // not counted
  }
}

function onFetchEnd(message: unknown): void {
  try {
    const watch = watchOf(message);
    if (watch !== undefined) {
      const status = message as Status;
      watch.onFetchEnd(status.cache as WatchableLRUCache, status);
    }
  } catch {
    // not counted
  }
}

/**
 * Installs a non-enumerable own `clear` that calls the cache's own and counts what it removed. Returns
 * the function that removes it, or undefined when the cache cannot take it (frozen, sealed...).
 */
function hookClear(cache: WatchableLRUCache): (() => void) | undefined {
  const own = Object.getOwnPropertyDescriptor(cache, 'clear');
  const original = cache.clear as (...args: unknown[]) => unknown;
  if (typeof original !== 'function' || !Object.isExtensible(cache) || own?.configurable === false) {
    return undefined;
  }
  // Looks its watch up at each call, so that after unwatch() (or if another hook wraps this one and it
  // cannot be removed) it is a plain pass-through that keeps nothing of the watch alive.
  const hook = function clear(this: unknown, ...args: unknown[]): unknown {
    const watch = typeof this === 'object' && this !== null ? watched.get(this) : undefined;
    if (watch === undefined) return Reflect.apply(original, this, args);
    const target = this as WatchableLRUCache;
    try {
      watch.beforeClear(target);
    } catch {
      // counted as well as it can be after the fact
    }
    try {
      return Reflect.apply(original, this, args);
    } finally {
      try {
        watch.afterClear(target);
      } catch {
        // not counted
      }
    }
  };
  try {
    Object.defineProperty(cache, 'clear', {
      value: hook,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  } catch {
    return undefined;
  }
  return () => {
    if (cache.clear !== hook) return; // wrapped again since: leave it, the hook passes through
    if (own !== undefined) Object.defineProperty(cache, 'clear', own);
    else delete (cache as { clear?: unknown }).clear;
  };
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
  const { name, registry = defaultRegistry, sampleSurvival } = options;
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
      current.restoreClear?.();
      current.restoreClear = undefined;
      cacheFinalizer.unregister(current);
      release();
      return true;
    },
  };
}

/** The name a cache is watched under, or undefined. */
export function watchedLRUCacheName(cache: object): string | undefined {
  return watched.get(cache)?.name;
}
