/**
 * watchLRUCache on what lru-cache reports loosely: a `peek` or `memo` that hands back an expired value
 * under allowStale (lru-cache's status says 'hit'), and a `memo` miss that stores without growing the
 * cache, where only the watch can tell an insert that evicted from an update of an expired value.
 */
import { LRUCache } from 'lru-cache';
import { afterEach, describe, expect, it } from 'vitest';
import { watchLRUCache, type LRUCacheWatch } from '../../src/lru-cache/index.js';
import { MapRegistry } from '../../src/registry.js';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let handles: LRUCacheWatch[] = [];
afterEach(() => {
  for (const h of handles) h.unwatch();
  handles = [];
});

function counts(registry: MapRegistry) {
  const m = registry.collect().names.find((n) => n.name === 'c')!.map;
  return {
    hits: m.hits,
    misses: m.misses,
    inserts: m.inserts,
    updates: m.updates,
    evictions: m.deletesEvict,
  };
}

function watched<C extends LRUCache<string, string>>(cache: C): MapRegistry {
  const registry = new MapRegistry();
  handles.push(watchLRUCache(cache, { name: 'c', registry }));
  return registry;
}

describe('an expired value handed back under allowStale is a miss', () => {
  let now = 1_000;
  const perf = { now: () => now };

  it('peek on a cache with allowStale, and peek({ allowStale: true })', () => {
    for (const [cacheStale, peekStale] of [
      [true, undefined],
      [false, true],
    ] as const) {
      const cache = new LRUCache<string, string>({
        max: 5,
        ttl: 10,
        ttlResolution: 0,
        perf,
        allowStale: cacheStale,
      });
      const registry = watched(cache);
      cache.set('a', 'old');
      expect(cache.peek('a')).toBe('old');
      now += 50;
      expect(cache.peek('a', peekStale === undefined ? {} : { allowStale: peekStale })).toBe('old');
      // Before: two hits, as lru-cache's status says.
      expect(counts(registry)).toMatchObject({ hits: 1, misses: 1 });
    }
  });

  it('memo on a cache with allowStale (its get deletes the expired value it returns)', () => {
    const cache = new LRUCache<string, string>({
      max: 5,
      ttl: 10,
      ttlResolution: 0,
      perf,
      allowStale: true,
      memoMethod: (k) => `fresh-${k}`,
    });
    const registry = watched(cache);
    cache.set('a', 'old');
    expect(cache.memo('a')).toBe('old');
    now += 50;
    expect(cache.memo('a')).toBe('old');
    expect(counts(registry)).toMatchObject({ hits: 1, misses: 1 });
  });
});

describe('a memo miss that stores without growing the cache', () => {
  it('into a full cache with noDeleteOnStaleGet and no TTL: an insert that evicted', () => {
    const cache = new LRUCache<string, string>({
      max: 1,
      noDeleteOnStaleGet: true,
      memoMethod: (k) => `v${k}`,
    });
    const registry = watched(cache);
    cache.memo('a');
    cache.memo('b');
    expect([...cache.keys()]).toEqual(['b']);
    // Before: 1 insert, 1 update, no eviction.
    expect(counts(registry)).toMatchObject({ inserts: 2, updates: 0, evictions: 1 });
  });

  it('over an expired value a fetch is refreshing: an update, no phantom eviction', async () => {
    let now = 1_000;
    const pending: ((v: string) => void)[] = [];
    const cache = new LRUCache<string, string>({
      max: 5,
      ttl: 10,
      ttlResolution: 0,
      perf: { now: () => now },
      fetchMethod: () => new Promise<string>((resolve) => pending.push(resolve)),
      memoMethod: (k) => `memo-${k}`,
    });
    const registry = watched(cache);
    cache.set('a', 'old');
    cache.set('b', 'x');
    now += 50;
    const refresh = cache.fetch('a').catch((e: unknown) => (e as Error).message);
    await flush();
    expect(cache.memo('a')).toBe('memo-a');
    await flush();
    // Before: a third insert and an eviction, with the size unchanged at 2.
    expect(counts(registry)).toMatchObject({ inserts: 2, updates: 1, evictions: 0 });
    pending[0]!('fetched');
    expect(await refresh).toBe('replaced');
    expect(counts(registry)).toMatchObject({ inserts: 2, evictions: 0 });
  });
});
