/**
 * The process-wide subscription to lru-cache's channels, held while at least one cache is watched, and
 * the `clear` hook. The subscribers never throw: a subscriber's exception would reach the process as an
 * uncaught one.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { freshHit, getHit, type Status, type Watch } from './watch.js';
import type { WatchableLRUCache } from './index.js';

/** lru-cache's channel for synchronous operations. */
export const LRU_CACHE_METRICS_CHANNEL = 'lru-cache:metrics';
/** The channels of lru-cache's tracing channel (`tracingChannel('lru-cache')`) the watch listens to. */
const FETCH_START_CHANNEL = 'tracing:lru-cache:start';
const FETCH_END_CHANNEL = 'tracing:lru-cache:asyncEnd';

export const watched = new WeakMap<object, Watch>();
let watchCount = 0;
/** A watched cache that is collected without unwatch() releases its share of the subscription. */
export const cacheFinalizer = new FinalizationRegistry<undefined>(() => release());

export function retain(): void {
  if (watchCount++ > 0) return;
  subscribe(LRU_CACHE_METRICS_CHANNEL, onMetric);
  subscribe(FETCH_START_CHANNEL, onFetchStart);
  subscribe(FETCH_END_CHANNEL, onFetchEnd);
}

export function release(): void {
  if (watchCount === 0 || --watchCount > 0) return;
  unsubscribe(LRU_CACHE_METRICS_CHANNEL, onMetric);
  unsubscribe(FETCH_START_CHANNEL, onFetchStart);
  unsubscribe(FETCH_END_CHANNEL, onFetchEnd);
}

/**
 * The watch of the cache a status belongs to; one WeakMap lookup, undefined for unwatched caches. An
 * event published while the cache's own clear() runs (a dispose or disposeAfter callback using the
 * cache) first settles what the clear removed, so the event's own accounting cannot take it for
 * evictions.
 */
function watchOf(message: unknown): Watch | undefined {
  const cache = (message as Status | undefined)?.cache as WatchableLRUCache | undefined;
  const watch = watched.get(cache as object);
  if (watch !== undefined && watch.clearing > 0) watch.duringClear(cache!);
  return watch;
}

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
        // lru-cache says 'hit' for an expired value it hands back under allowStale: a miss here.
        if (status.peek === 'hit' && freshHit(cache, status.key)) watch.hit(status);
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
export function hookClear(cache: WatchableLRUCache): (() => void) | undefined {
  const own = Object.getOwnPropertyDescriptor(cache, 'clear');
  const original = cache.clear;
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
    watch.clearing++;
    try {
      return Reflect.apply(original, this, args);
    } finally {
      watch.clearing--;
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
    try {
      if (cache.clear !== hook) return; // wrapped again since: leave it, the hook passes through
      if (own !== undefined) Object.defineProperty(cache, 'clear', own);
      else delete (cache as { clear?: unknown }).clear;
    } catch {
      // Frozen or sealed since it was watched: the hook stays, a pass-through without its watch.
    }
  };
}
