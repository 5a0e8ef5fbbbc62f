/**
 * The bookkeeping of one watched lru-cache: what each published event means for its counts, how
 * evictions, clears and fetch placeholders are reconstructed from the size (see index.ts for the whole
 * story), and its survival sample.
 */
import { sameKey } from '../maps/instrument-subclass.js';
import { survivalConfig } from '../maps/survival.js';
import type { MapRegistry, Measurable, SurvivalSamplingOption } from '../registry.js';
import type { MapStats } from '../stats/map-stats.js';
import type { WatchableLRUCache } from './index.js';
import { CacheSurvival } from './survival.js';

/** The status object lru-cache publishes (only the fields the watch reads). */
export interface Status {
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
  /** The entry's TTL in ms, on a cache that tracks TTLs (0: none). */
  ttl?: number;
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

export class Watch {
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
  /**
   * How deep the cache's own clear() is running (set by the clear hook): an event published meanwhile
   * comes from a dispose or disposeAfter callback writing to the cache.
   */
  clearing = 0;
  /** A set gave an entry a TTL of its own on a cache with no default TTL (see memoStoredAbsentKey). */
  perEntryTtlSeen = false;
  /** Followed placeholders found evicted when a clear began (see beforeClear). */
  goneBeforeClear: Set<Status> | undefined;
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
    if (!this.perEntryTtlSeen && typeof status.ttl === 'number' && status.ttl > 0 && !(cache.ttl > 0))
      this.perEntryTtlSeen = true;
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
      // 'hit' whenever the get inside memo returned a value, an expired one under allowStale included.
      this.lookup(freshHit(cache, key), key);
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
    const insert =
      overPlaceholder ||
      cache.size > this.known ||
      this.memoStoredAbsentKey(cache, status, noDeleteOnStaleGet);
    if (insert) this.inserted(key);
    else this.stats.updates++;
    this.reconcile(cache, insert && !overPlaceholder ? 1 : 0);
  }

  /**
   * Whether a memo miss that did not grow the cache stored a key that was absent (an insert that evicted
   * another) rather than over the key's expired value (an update). Without forceRefresh the key had no
   * fresh value: it was absent, or expired and deleted by the get inside memo (that delete was published),
   * except when the expired value stays: a fetch in flight is refreshing it, or noDeleteOnStaleGet. With
   * noDeleteOnStaleGet a value without a TTL cannot have expired, so the key was absent; with a TTL nothing
   * published tells, and it counts as an update.
   */
  private memoStoredAbsentKey(
    cache: WatchableLRUCache,
    status: Status,
    noDeleteOnStaleGet: boolean,
  ): boolean {
    if (status.forceRefresh === true) return false;
    // A value without a TTL cannot have expired, unless its key had a TTL of its own before (a per-entry
    // ttl on a cache with none by default): after one is seen, the guess below holds here too.
    if (noDeleteOnStaleGet)
      return !this.perEntryTtlSeen && cache.getRemainingTTL?.(status.key as never) === Infinity;
    return !this.refreshing(status.key);
  }

  /** Whether a followed fetch is refreshing the expired value of `key` (it found one to refresh). */
  private refreshing(key: unknown): boolean {
    for (const record of this.fetches.values()) {
      if (!record.placeholder && !record.ended && sameKey(record.key, key)) return true;
    }
    return false;
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
    // A followed placeholder already evicted in this same synchronous run has no abort on its status
    // yet: the cache, not the status, tells (0 remaining TTL is an absent key). Its eviction was counted
    // just now, and its fetch's end counts its insert, so the clear must not take it for a live one.
    // Where entries have TTLs, 0 is also a present key expiring this very ms (and `info` shows nothing
    // of a placeholder): nothing tells then, and the placeholder counts as live, as before.
    this.goneBeforeClear = undefined;
    if (typeof cache.getRemainingTTL !== 'function' || cache.ttl > 0 || this.perEntryTtlSeen) return;
    for (const status of this.placeholders.values()) {
      if (cache.getRemainingTTL(status.key as never) === 0) (this.goneBeforeClear ??= new Set()).add(status);
    }
  }

  /**
   * An event that changes the cache arrived while clear() runs: what went missing before it went to the
   * clear, not to evictions (the event's own reconcile would have counted a whole clear as evictions
   * when a disposeAfter wrote to the cache), and the sample is emptied before the event's insert is
   * sampled.
   */
  duringClear(cache: WatchableLRUCache): void {
    if (cache.size < this.known) this.afterClear(cache);
  }

  afterClear(cache: WatchableLRUCache): void {
    const size = cache.size;
    const removed = this.known - size;
    if (size === 0) {
      let placeholders = 0;
      for (const status of this.placeholders.values()) {
        const record = this.fetches.get(status);
        // Already evicted: counted when its fetch ends.
        if (!livePlaceholder(status, record) || this.goneBeforeClear?.has(status) === true) continue;
        placeholders++;
        if (record !== undefined) record.placeholder = false;
      }
      this.placeholders.clear();
      this.goneBeforeClear = undefined;
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
      // Stored over its own placeholder, it takes the slot the placeholder was counted in; with the
      // placeholder deleted or cleared meanwhile (its slot already uncounted), it is a slot of its own.
      if (!record.placeholder) this.known++;
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

/**
 * Whether a lookup lru-cache called a hit returned a fresh value: not an expired one handed back under
 * allowStale, which is still there (a peek) or was deleted by the get that returned it (a memo).
 */
export function freshHit(cache: WatchableLRUCache, key: unknown): boolean {
  if (typeof cache.getRemainingTTL !== 'function') return true;
  const remaining = cache.getRemainingTTL(key as never);
  // 0 is both "absent" and "expires this very ms"; only the latter is there.
  return remaining > 0 || (remaining === 0 && isPresent(cache, key));
}

export function getHit(status: Status): boolean {
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
