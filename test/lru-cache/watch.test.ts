/**
 * watchLRUCache with the real lru-cache 11: what each kind of operation counts (the documented
 * semantics: stale lookups, peek, memo, fetch joins, stale-while-revalidate, forced refreshes), the
 * boundary (arguments, watching twice, unwatch), the process-wide subscription, the clear hook, survival
 * sampling of a cache that evicts, and that watching never changes what the cache does nor throws into
 * the caller.
 */
import { hasSubscribers } from 'node:diagnostics_channel';
import fc from 'fast-check';
import { LRUCache } from 'lru-cache';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS } from '../../src/conventions.js';
import { scalarPoints } from '../../src/export/samples.js';
import {
  LRU_CACHE_METRICS_CHANNEL,
  watchedLRUCacheName,
  watchLRUCache,
  type LRUCacheWatch,
} from '../../src/lru-cache/index.js';
import { MapRegistry, type NameSnapshot } from '../../src/registry.js';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let handles: LRUCacheWatch[] = [];
afterEach(() => {
  for (const h of handles) h.unwatch();
  handles = [];
});

function watch<C extends LRUCache<string, number>>(
  cache: C,
  name = 'cache',
  registry = new MapRegistry(),
  sampleSurvival: boolean | { size?: number; reads?: boolean } = false,
): { cache: C; registry: MapRegistry; snap: () => NameSnapshot } {
  handles.push(watchLRUCache(cache, { name, registry, sampleSurvival }));
  return { cache, registry, snap: () => registry.collect().names.find((n) => n.name === name)! };
}

/** A clock for lru-cache's `perf` option (it reads `performance` captured at import, not fake timers). */
function clock(start = 1_000): { perf: { now: () => number }; advance: (ms: number) => void } {
  let now = start;
  return { perf: { now: () => now }, advance: (ms) => void (now += ms) };
}

describe('what each operation counts', () => {
  it('get, has and peek: a fresh entry is a hit, a missing or expired one a miss (even when allowStale returns it)', () => {
    const t = clock();
    const { cache, snap } = watch(
      new LRUCache<string, number>({ max: 10, ttl: 100, ttlResolution: 0, perf: t.perf, allowStale: true }),
    );
    cache.set('a', 1);
    cache.set('b', 2);
    expect([cache.get('a'), cache.has('a'), cache.peek('a'), cache.get('zz'), cache.has('zz')]).toEqual([
      1,
      true,
      1,
      undefined,
      false,
    ]);
    t.advance(150);
    expect(cache.has('b')).toBe(false); // stale: a miss, and has() leaves it
    expect(cache.get('b')).toBe(2); // stale, returned by allowStale: still a miss; get() removes it
    expect(cache.get('b')).toBeUndefined();
    const s = snap();
    expect([s.map.hits, s.map.misses]).toEqual([3, 5]);
    expect([s.map.inserts, s.map.deletesExpire]).toEqual([2, 1]);
    expect(s.entriesByKind.get('lru_cache')).toBe(1); // 'a', stale but still held
  });

  it('set: new keys insert, present keys update (same value or not), a value too big removes the old one', () => {
    const { cache, snap } = watch(
      new LRUCache<string, number>({ max: 10, maxSize: 10, maxEntrySize: 3, sizeCalculation: (v) => v }),
    );
    cache.set('a', 1).set('a', 1).set('a', 2).set('b', 3);
    cache.set('a', 5); // too big: a is removed, nothing stored
    cache.set('c', 9); // too big, and no c to remove
    const s = snap();
    expect([s.map.inserts, s.map.updates, s.map.deletesExplicit]).toEqual([2, 2, 1]);
    expect(cache.size).toBe(1);
  });

  it('delete counts only what was there; set(k, undefined) is a delete; clear counts what it removed', () => {
    const { cache, snap } = watch(new LRUCache<string, number>({ max: 10 }));
    cache.set('a', 1).set('b', 2).set('c', 3);
    expect(cache.delete('zz')).toBe(false);
    expect(cache.delete('a')).toBe(true);
    cache.set('b', undefined);
    cache.clear();
    cache.clear();
    const s = snap();
    expect([s.map.deletesExplicit, s.map.deletesClear, s.map.inserts]).toEqual([2, 1, 3]);
    expect(s.entriesByKind.get('lru_cache')).toBe(0);
  });

  it('evictions by max and by maxSize, and pop(), count as evict; purgeStale as expire', () => {
    const t = clock();
    const { cache, snap } = watch(
      new LRUCache<string, number>({
        max: 3,
        maxSize: 6,
        sizeCalculation: (v) => v,
        ttl: 50,
        ttlResolution: 0,
        perf: t.perf,
      }),
    );
    cache.set('a', 1).set('b', 1).set('c', 1).set('d', 1); // max: a evicted
    cache.set('e', 5); // max evicts b, then maxSize c (1 + 5 > 6)
    expect([...cache.keys()]).toEqual(['e', 'd']);
    expect(snap().map.deletesEvict).toBe(3);
    expect(cache.pop()).toBe(1); // d; lru-cache's own reason for pop() is evict
    // pop() publishes nothing: the registry reads the counters before the size, so the collection that
    // finds it reports it at the next one (or the next event of the cache does).
    expect(snap().map.deletesEvict).toBe(3);
    expect(snap().map.deletesEvict).toBe(4);
    t.advance(100);
    expect(cache.purgeStale()).toBe(true);
    const s = snap();
    expect([s.map.deletesEvict, s.map.deletesExpire, s.map.inserts]).toEqual([4, 1, 5]);
    expect(s.entriesByKind.get('lru_cache')).toBe(0);
  });

  it('memo: hits and misses, what the memoMethod stores; forceRefresh is not a lookup', () => {
    const { cache, snap } = watch(new LRUCache<string, number>({ max: 3, memoMethod: (k) => k.length }));
    expect([cache.memo('aa'), cache.memo('aa'), cache.memo('bbb')]).toEqual([2, 2, 3]);
    cache.memo('aa', { forceRefresh: true }); // present: an update
    cache.memo('c', { forceRefresh: true }); // absent: an insert (the cache grew)
    cache.memo('dd'); // a miss that evicts bbb
    const s = snap();
    expect([s.map.hits, s.map.misses, s.map.inserts, s.map.updates, s.map.deletesEvict]).toEqual([
      1, 3, 4, 1, 1,
    ]);
  });

  it('fetch: hits, misses, joins of a fetch in flight, loads by outcome, stores as inserts', async () => {
    const { cache, snap } = watch(
      new LRUCache<string, number>({
        max: 10,
        fetchMethod: async (k) => {
          await flush();
          if (k === 'bad') throw new Error('load failed');
          return k === 'none' ? undefined : k.length;
        },
      }),
    );
    const all = await Promise.all([
      cache.fetch('aa'),
      cache.fetch('aa'),
      cache.fetch('aa'),
      cache.fetch('bad').catch(() => 'failed'),
      cache.fetch('none'),
    ]);
    expect(all).toEqual([2, 2, 2, 'failed', undefined]);
    expect(await cache.fetch('aa')).toBe(2);
    const s = snap();
    expect([s.map.hits, s.map.misses, s.map.loadJoins]).toEqual([1, 5, 2]);
    expect([s.map.loadsSuccess, s.map.loadsFailure]).toEqual([2, 1]);
    expect([s.map.inserts, s.map.deletesExplicit, s.map.deletesExpire]).toEqual([1, 0, 0]);
    expect(s.map.loadSeconds).toBeGreaterThanOrEqual(0);
    expect(cache.size).toBe(1);
  });

  it('fetch without a fetchMethod is a get; forceRefresh of a fresh entry is a load, not a lookup', async () => {
    const plain = watch(new LRUCache<string, number>({ max: 10 }), 'plain');
    plain.cache.set('a', 1);
    expect([await plain.cache.fetch('a'), await plain.cache.fetch('b')]).toEqual([1, undefined]);
    expect([plain.snap().map.hits, plain.snap().map.misses]).toEqual([1, 1]);

    const loading = watch(new LRUCache<string, number>({ max: 10, fetchMethod: (k) => k.length }), 'loading');
    loading.cache.set('abc', 0);
    expect(await loading.cache.fetch('abc', { forceRefresh: true })).toBe(3);
    const s = loading.snap();
    expect([s.map.hits, s.map.misses, s.map.loadsSuccess, s.map.inserts, s.map.updates]).toEqual([
      0, 0, 1, 1, 1,
    ]);
  });

  it('stale-while-revalidate: the stale answer is a miss, and the load is counted once it is in', async () => {
    const t = clock();
    let finish: (v: number) => void = () => undefined;
    const { cache, snap } = watch(
      new LRUCache<string, number>({
        max: 10,
        ttl: 10,
        ttlResolution: 0,
        perf: t.perf,
        allowStale: true,
        fetchMethod: () => new Promise<number>((resolve) => (finish = resolve)),
      }),
    );
    cache.set('a', 1);
    t.advance(20);
    expect(await cache.fetch('a')).toBe(1); // the stale value, at once
    expect([snap().map.misses, snap().map.loadsSuccess, snap().map.updates]).toEqual([1, 0, 0]);
    finish(2);
    await flush();
    expect(cache.get('a')).toBe(2);
    // The load ended with no event: the first collection reads its outcome (the registry reads the
    // counters before the size), the next one reports it.
    snap();
    const s = snap();
    expect([s.map.loadsSuccess, s.map.updates, s.map.hits]).toEqual([1, 1, 1]);
  });

  it('a placeholder evicted before its fetch ends counts as an insert and an eviction', async () => {
    const { cache, snap } = watch(
      new LRUCache<string, number>({ max: 1, fetchMethod: () => new Promise<number>(() => undefined) }),
    );
    const pending = cache.fetch('a').catch((e: Error) => e.message);
    cache.set('b', 1); // evicts the placeholder of a
    expect(await pending).toBe('evicted');
    const s = snap();
    expect([s.map.inserts, s.map.deletesEvict, s.map.loadsFailure]).toEqual([2, 1, 1]);
  });

  it('declares max, maxSize (as entries) and ttl as its bounds', () => {
    const r = new MapRegistry();
    watch(new LRUCache<string, number>({ max: 500 }), 'max', r);
    watch(new LRUCache<string, number>({ max: 500, maxSize: 100, sizeCalculation: () => 1 }), 'size', r);
    watch(new LRUCache<string, number>({ ttl: 60_000, ttlAutopurge: true }), 'ttl', r);
    const byName = new Map(r.collect().names.map((n) => [n.name, n]));
    expect(byName.get('max')!.declaredMaxEntries).toBe(500);
    expect(byName.get('max')!.declaredTtlSeconds).toBeUndefined();
    expect(byName.get('size')!.declaredMaxEntries).toBe(100);
    expect(byName.get('ttl')!.declaredMaxEntries).toBeUndefined();
    expect(byName.get('ttl')!.declaredTtlSeconds).toBe(60);
  });

  it('exports as map_kind="lru_cache" through the same samples as maps', () => {
    const { cache, registry } = watch(new LRUCache<string, number>({ max: 2 }), 'users');
    cache.set('a', 1).set('b', 2).set('c', 3);
    cache.get('a');
    const snap = registry.collect();
    expect(scalarPoints(METRICS.entries, snap)).toContainEqual({
      labels: { map_name: 'users', map_kind: 'lru_cache' },
      value: 2,
    });
    expect(scalarPoints(METRICS.lookups, snap)).toContainEqual({
      labels: { map_name: 'users', result: 'miss' },
      value: 1,
    });
    expect(scalarPoints(METRICS.deletes, snap)).toContainEqual({
      labels: { map_name: 'users', cause: 'evict' },
      value: 1,
    });
  });
});

describe('the boundary', () => {
  it('rejects what is not an LRUCache and bad options with a TypeError', () => {
    expect(() => watchLRUCache(new Map() as never, { name: 'x' })).toThrow(/LRUCache of lru-cache 11.4/);
    expect(() => watchLRUCache(null as never, { name: 'x' })).toThrow(TypeError);
    const cache = new LRUCache<string, number>({ max: 1 });
    expect(() => watchLRUCache(cache, undefined as never)).toThrow(/options object with a name/);
    expect(() => watchLRUCache(cache, { name: '', registry: new MapRegistry() })).toThrow(RangeError);
    expect(() =>
      watchLRUCache(cache, { name: 'x', registry: new MapRegistry(), sampleSurvival: { size: 0 } }),
    ).toThrow(RangeError);
    // A failed call leaves nothing behind: no subscription, no hook.
    expect(watchedLRUCacheName(cache)).toBeUndefined();
    expect(Object.getOwnPropertyNames(cache)).not.toContain('clear');
    expect(hasSubscribers(LRU_CACHE_METRICS_CHANNEL)).toBe(false);
  });

  it('watching again under the same name is a no-op; under another name or registry it throws', () => {
    const registry = new MapRegistry();
    const cache = new LRUCache<string, number>({ max: 5 });
    const first = watchLRUCache(cache, { name: 'c', registry });
    const second = watchLRUCache(cache, { name: 'c', registry });
    handles.push(first);
    expect(() => watchLRUCache(cache, { name: 'd', registry })).toThrow(/already watched as 'c'/);
    expect(() => watchLRUCache(cache, { name: 'c', registry: new MapRegistry() })).toThrow(
      /another registry/,
    );
    cache.set('a', 1);
    expect(registry.collect().names[0]!.map.inserts).toBe(1); // counted once
    expect(registry.collect().names[0]!.instances).toBe(1);
    expect(second.unwatch()).toBe(true);
    expect(first.unwatch()).toBe(false);
  });

  it('one subscription while any cache is watched, none after; unwatched caches are not counted', () => {
    expect(hasSubscribers(LRU_CACHE_METRICS_CHANNEL)).toBe(false);
    const registry = new MapRegistry();
    const a = new LRUCache<string, number>({ max: 5 });
    const b = new LRUCache<string, number>({ max: 5 });
    const other = new LRUCache<string, number>({ max: 5 });
    const ha = watchLRUCache(a, { name: 'a', registry });
    const hb = watchLRUCache(b, { name: 'b', registry });
    expect(hasSubscribers(LRU_CACHE_METRICS_CHANNEL)).toBe(true);
    expect(hasSubscribers('tracing:lru-cache:start')).toBe(true);
    other.set('x', 1);
    other.get('x');
    a.set('x', 1);
    expect(registry.collect().names.map((n) => [n.name, n.map.inserts])).toEqual([
      ['a', 1],
      ['b', 0],
    ]);
    expect(ha.unwatch()).toBe(true);
    expect(ha.unwatch()).toBe(false);
    a.set('y', 1);
    expect(hasSubscribers(LRU_CACHE_METRICS_CHANNEL)).toBe(true);
    expect(hb.unwatch()).toBe(true);
    expect(hasSubscribers(LRU_CACHE_METRICS_CHANNEL)).toBe(false);
    expect(hasSubscribers('tracing:lru-cache:start')).toBe(false);
    const snap = registry.collect().names;
    expect(snap.find((n) => n.name === 'a')!.map.inserts).toBe(1); // totals kept
    expect(snap.find((n) => n.name === 'a')!.entriesByKind.get('lru_cache')).toBe(0);
  });

  it('the clear hook is a non-enumerable own property, removed by unwatch()', () => {
    const cache = new LRUCache<string, number>({ max: 5 });
    const keys = Object.keys(cache);
    const h = watchLRUCache(cache, { name: 'c', registry: new MapRegistry() });
    expect(Object.keys(cache)).toEqual(keys);
    expect(Object.getOwnPropertyDescriptor(cache, 'clear')?.enumerable).toBe(false);
    expect(JSON.stringify(cache)).toBe(JSON.stringify(new LRUCache<string, number>({ max: 5 })));
    h.unwatch();
    expect(Object.getOwnPropertyNames(cache)).not.toContain('clear');
    expect(cache.clear).toBe(LRUCache.prototype.clear);
  });

  it('a frozen cache is watched without the hook: its clears count as evictions', () => {
    const frozen = new LRUCache<string, number>({ max: 5 });
    Object.freeze(frozen);
    const { cache, snap } = watch(frozen);
    expect(Object.getOwnPropertyNames(cache)).not.toContain('clear');
    cache.set('a', 1).set('b', 2);
    cache.clear();
    snap(); // finds the entries gone
    const s = snap();
    expect([s.map.deletesClear, s.map.deletesEvict]).toEqual([0, 2]);
  });

  it('never throws into the caller, whatever the cache does', async () => {
    class Hostile extends LRUCache<string, number> {
      override info(): never {
        throw new Error('hostile info');
      }
    }
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const { cache, snap } = watch(new Hostile({ max: 2 }), 'hostile', new MapRegistry(), true);
      cache.set('a', 1).set('b', 2).set('c', 3);
      expect(cache.delete('b')).toBe(true);
      expect(cache.get('c')).toBe(3);
      expect(snap().map.inserts).toBe(3);
      await flush();
      await flush();
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });
});

describe('watching never changes what the cache does', () => {
  type Op = [
    op: 'get' | 'has' | 'peek' | 'delete' | 'set' | 'tick' | 'clear' | 'purge' | 'pop',
    key: string,
    n: number,
  ];
  const opArb: fc.Arbitrary<Op> = fc.tuple(
    fc.constantFrom('get', 'has', 'peek', 'delete', 'set', 'set', 'tick', 'clear', 'purge', 'pop'),
    fc.constantFrom('a', 'b', 'c', 'd'),
    fc.integer({ min: 1, max: 30 }),
  );

  it('returns, contents and dispose calls are those of an unwatched twin', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 50 }), (ops) => {
        const t = clock();
        const disposed: string[][] = [[], []];
        const make = (i: number): LRUCache<string, number> =>
          new LRUCache<string, number>({
            max: 3,
            ttl: 40,
            ttlResolution: 0,
            perf: t.perf,
            dispose: (v, k, reason) => void disposed[i]!.push(`${k}=${v}:${reason}`),
          });
        const watched = make(0);
        const twin = make(1);
        const h = watchLRUCache(watched, { name: 'w', registry: new MapRegistry(), sampleSurvival: true });
        try {
          for (const [op, key, n] of ops) {
            const run = (c: LRUCache<string, number>): unknown => {
              switch (op) {
                case 'get':
                  return c.get(key);
                case 'has':
                  return c.has(key);
                case 'peek':
                  return c.peek(key);
                case 'delete':
                  return c.delete(key);
                case 'set':
                  return c.set(key, n) === c;
                case 'clear':
                  return c.clear();
                case 'purge':
                  return c.purgeStale();
                case 'pop':
                  return c.pop();
                case 'tick':
                  return undefined;
              }
            };
            expect(run(watched)).toEqual(run(twin));
            if (op === 'tick') t.advance(n);
            // dump()'s start times are read from Date.now() at each call: compare keys, values and TTLs.
            const contents = (c: LRUCache<string, number>): unknown =>
              c.dump().map(([k, e]) => [k, e.value, e.ttl]);
            expect(contents(watched)).toEqual(contents(twin));
            expect(watched.size).toBe(twin.size);
          }
          expect(disposed[0]).toEqual(disposed[1]);
        } finally {
          h.unwatch();
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('entry survival sampling of a cache that evicts', () => {
  it('drops evicted keys at the next collection, and restamps a key evicted and inserted again', () => {
    let now = 0;
    const registry = new MapRegistry({ now: () => now });
    const { cache, snap } = watch(new LRUCache<string, number>({ max: 2 }), 'sampled', registry, { size: 8 });
    const age = (): number | undefined => snap().survival?.oldestAgeSeconds;
    cache.set('a', 1).set('b', 2);
    expect(age()).toBe(0); // both stamped at 0
    now = 10_000;
    cache.set('c', 3); // evicts a, without an event
    expect(age()).toBe(10); // b
    cache.set('d', 4); // evicts b
    expect(age()).toBe(0); // c and d, stamped at 10 s: b left the sample
    cache.set('e', 5); // evicts c
    cache.set('c', 6); // evicts d; c is back before any collection saw it gone
    now = 20_000;
    expect(age()).toBe(0); // e and c stamped at 20 s: c's old time is gone
    now = 30_000;
    expect(age()).toBe(10);
  });

  it('tracks reads on hits when asked', () => {
    const { cache, snap } = watch(new LRUCache<string, number>({ max: 10 }), 'reads', new MapRegistry(), {
      reads: true,
    });
    cache.set('a', 1).set('b', 2).set('c', 3);
    cache.get('a');
    cache.has('b');
    expect(snap().survival?.neverReadRatio).toBeCloseTo(1 / 3);
    cache.delete('c');
    expect(snap().survival?.neverReadRatio).toBe(0);
  });
});

describe('unwatch and clear, found by review', () => {
  it('a disposeAfter that writes to the cache during clear() leaves the clear counted as a clear', () => {
    // disposeAfter runs inside clear(), after the cache emptied: the events it caused counted the whole
    // clear as evictions (38 evictions, 0 clears).
    const cache: LRUCache<string, string | number> = new LRUCache<string, string | number>({
      max: 100,
      disposeAfter: (v, k) => {
        if (k.startsWith('user:')) cache.delete(`email:${String(v)}`);
        if (k === 'sticky') cache.set('sticky', 0);
      },
    });
    const { snap } = watch(cache as unknown as LRUCache<string, number>, 'c', new MapRegistry(), true);
    for (let i = 0; i < 20; i++) {
      cache.set(`user:${i}`, `u${i}`);
      cache.set(`email:u${i}`, i);
    }
    cache.set('sticky', 1);
    cache.delete('user:0'); // its disposeAfter deletes email:u0: two explicit deletes
    cache.clear(); // 39 entries go; 'sticky' is stored again by its disposeAfter
    const s = snap();
    expect(cache.size).toBe(1);
    expect([s.map.deletesExplicit, s.map.deletesClear, s.map.deletesEvict]).toEqual([2, 39, 0]);
    expect(s.map.inserts).toBe(42);
    expect(s.entriesByKind.get('lru_cache')).toBe(1);
  });

  it('unwatch() takes the instance, the bounds and the survival sample out of the series at once', () => {
    let t = 0;
    const registry = new MapRegistry({ now: () => t });
    const cache = new LRUCache<string, number>({ max: 100 });
    const other = new LRUCache<string, number>({ max: 1000 });
    handles.push(watchLRUCache(other, { name: 'u', registry, sampleSurvival: false }));
    let h = watchLRUCache(cache, { name: 'u', registry, sampleSurvival: true });
    cache.set('s', 1);
    registry.collect();
    t += 3_600_000;
    const before = registry.collect().names.find((n) => n.name === 'u')!;
    expect([before.instances, before.declaredMaxEntries]).toEqual([2, 1100]);
    expect(h.unwatch()).toBe(true);
    const after = registry.collect().names.find((n) => n.name === 'u')!;
    // Was 2 instances and 1100 until the watch was collected, and the hour-old sample stayed.
    expect([after.instances, after.declaredMaxEntries, after.survival]).toEqual([1, 1000, undefined]);
    expect(after.map.inserts).toBe(1); // its counts stay, in the name's retired totals
    h = watchLRUCache(cache, { name: 'u', registry, sampleSurvival: true });
    handles.push(h);
    cache.delete('s');
    cache.set('s', 2);
    registry.collect();
    t += 1_000;
    const again = registry.collect().names.find((n) => n.name === 'u')!;
    expect(again.instances).toBe(2);
    expect(again.survival?.oldestAgeSeconds).toBe(1);
    expect(again.map.inserts).toBe(2);
  });

  it('unwatch() of a cache frozen since it was watched returns true and ends the subscription', () => {
    const cache = new LRUCache<string, number>({ max: 10 });
    const h = watchLRUCache(cache, { name: 'c', registry: new MapRegistry() });
    Object.freeze(cache);
    expect(hasSubscribers(LRU_CACHE_METRICS_CHANNEL)).toBe(true);
    expect(h.unwatch()).toBe(true);
    expect(hasSubscribers(LRU_CACHE_METRICS_CHANNEL)).toBe(false);
    expect(watchedLRUCacheName(cache)).toBeUndefined();
    cache.clear(); // the hook left on the frozen cache passes through
    expect(cache.size).toBe(0);
  });
});

describe('a fetch stored after its placeholder went, found by review', () => {
  it.each(['delete', 'clear'] as const)(
    'counts one insert when the placeholder was removed by %s',
    async (how) => {
      const cache = new LRUCache<string, string>({
        max: 10,
        ignoreFetchAbort: true,
        allowStaleOnFetchAbort: true,
        fetchMethod: async (k) => k.toUpperCase(),
      });
      const { snap } = watch(cache as unknown as LRUCache<string, number>);
      const pending = cache.fetch('a');
      if (how === 'delete') cache.delete('a');
      else cache.clear();
      await pending;
      await flush();
      const s = snap();
      // Counted 2 inserts: the store as an add, then the new slot again when the size was reconciled.
      expect(cache.size).toBe(1);
      expect([s.map.inserts, s.entriesByKind.get('lru_cache')]).toEqual([1, 1]);
      expect(s.map.inserts - s.map.deletesExplicit - s.map.deletesClear - s.map.deletesEvict).toBe(1);
    },
  );
});

describe('a placeholder evicted and then cleared in one synchronous run, found by review', () => {
  it.each(['clear', 'pop then clear'] as const)('counts its insert with its eviction (%s)', async (how) => {
    const cache = new LRUCache<string, string>({ max: 2, fetchMethod: async (k) => k });
    const { snap } = watch(cache as unknown as LRUCache<string, number>);
    const pending = [cache.fetch('a'), cache.fetch('b'), cache.fetch('c')]; // c's placeholder evicts a's
    if (how !== 'clear') cache.pop();
    cache.clear();
    await Promise.allSettled(pending);
    await flush();
    const s = snap();
    // Was 0 inserts and 1 eviction: a balance of -1 entries for an empty cache.
    expect(cache.size).toBe(0);
    expect(s.map.inserts - s.map.deletesExplicit - s.map.deletesClear - s.map.deletesEvict).toBe(0);
    expect(s.map.deletesEvict).toBeGreaterThanOrEqual(1);
  });
});

describe('a memo under noDeleteOnStaleGet after a per-entry TTL, found by review', () => {
  it('stores over the expired value of a key that had its own TTL: an update, not an insert and an eviction', () => {
    const t = clock();
    const cache = new LRUCache<string, number | string>({
      max: 2,
      noDeleteOnStaleGet: true,
      perf: t.perf,
      ttlResolution: 0,
      memoMethod: (k) => `${k}!`,
    });
    const { snap } = watch(cache as unknown as LRUCache<string, number>);
    cache.set('a', 1, { ttl: 10 });
    cache.set('b', 2);
    t.advance(100);
    cache.memo('a');
    const s = snap();
    // Was 3 inserts, 0 updates and a phantom eviction for a cache that still holds a and b.
    expect([...cache.keys()].sort()).toEqual(['a', 'b']);
    expect([s.map.inserts, s.map.updates, s.map.deletesEvict]).toEqual([2, 1, 0]);
  });
});

describe('a placeholder at its TTL when a clear begins, found by the model test', () => {
  it('is a live placeholder, not one evicted: the clear removes no entry and nothing is inserted', async () => {
    // getRemainingTTL is 0 for an absent key and for one expiring this very ms; with TTLs it cannot tell.
    const t = clock();
    const cache = new LRUCache<string, string>({
      max: 1,
      ttl: 10,
      ttlResolution: 0,
      perf: t.perf,
      fetchMethod: async (k) => k,
    });
    const { snap } = watch(cache as unknown as LRUCache<string, number>);
    const pending = cache.fetch('a');
    t.advance(10);
    cache.clear();
    await Promise.allSettled([pending]);
    await flush();
    const s = snap();
    expect([s.map.inserts, s.map.deletesClear, s.map.deletesEvict, s.map.loadsFailure]).toEqual([0, 0, 0, 1]);
  });
});
