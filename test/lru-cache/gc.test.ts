/**
 * Watching never keeps an lru-cache alive: a watched cache that is dropped is collected (with its watch,
 * whose handle the caller may keep), its counts fold into the name's retired totals like a map's, and
 * once no watched cache is left the process-wide subscription goes away. Needs --expose-gc (vitest.config.ts
 * passes it to the test workers).
 */
import { hasSubscribers } from 'node:diagnostics_channel';
import { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import { LRU_CACHE_METRICS_CHANNEL, watchLRUCache, type LRUCacheWatch } from '../../src/lru-cache/index.js';
import { MapRegistry, type NameSnapshot } from '../../src/registry.js';

const gc = (globalThis as { gc?: () => void }).gc;

async function collectGarbage(): Promise<void> {
  // WeakRefs read in this job stay alive until it ends, and finalizers run in later tasks: alternate.
  for (let i = 0; i < 6; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
  }
}

function counters(n: NameSnapshot): number[] {
  const m = n.map;
  return [
    m.hits,
    m.misses,
    m.inserts,
    m.updates,
    m.deletesExplicit,
    m.deletesClear,
    m.deletesEvict,
    m.loadsSuccess,
    m.loadJoins,
  ];
}

describe('dropped lru-caches', () => {
  it('needs --expose-gc', () => {
    expect(typeof gc).toBe('function');
  });

  it('are collected, leave no instances or entries, fold their counts, and end the subscription', async () => {
    const registry = new MapRegistry();
    const handles: LRUCacheWatch[] = []; // kept on purpose: a handle must not keep its cache alive
    const finalized = { count: 0 };
    const finalizer = new FinalizationRegistry(() => void finalized.count++);

    const create = async (): Promise<void> => {
      const caches: LRUCache<number, number>[] = [];
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < 300; i++) {
        const cache = new LRUCache<number, number>({ max: 8, fetchMethod: async (k) => k * 2 });
        finalizer.register(cache, undefined);
        handles.push(watchLRUCache(cache, { name: `lru-${i % 3}`, registry, sampleSurvival: true }));
        for (let k = 0; k < 10; k++) cache.set(k, k); // 10 inserts, 2 evictions
        cache.get(9); // hit
        cache.get(0); // miss (evicted)
        cache.set(9, 0); // update
        cache.delete(8); // explicit
        pending.push(cache.fetch(100), cache.fetch(100)); // a miss that loads (an insert), and a join
        caches.push(cache);
      }
      await Promise.all(pending);
      caches.forEach((cache, i) => i % 2 === 0 && cache.clear()); // 8 entries each
    };

    await create();
    expect(hasSubscribers(LRU_CACHE_METRICS_CHANNEL)).toBe(true);
    const during = registry.collect().names;
    expect(during.reduce((s, n) => s + n.instances, 0)).toBe(300);
    const before = new Map(during.map((n) => [n.name, counters(n)]));

    await collectGarbage();
    expect(finalized.count).toBe(300); // every cache was collected
    const after = registry.collect().names;
    expect(after.reduce((s, n) => s + n.instances, 0)).toBe(0);
    expect(after.reduce((s, n) => s + (n.entriesByKind.get('lru_cache') ?? 0), 0)).toBe(0);
    for (const n of after) {
      const was = before.get(n.name)!;
      counters(n).forEach((v, i) => expect(v).toBeGreaterThanOrEqual(was[i]!));
      // 100 caches per name; the totals are exact after folding, not just monotonic.
      expect(counters(n)).toEqual([100, 300, 1100, 100, 100, 50 * 8, 200, 100, 100]);
    }
    // Every watched cache is gone: so is the subscription every lru-cache of the process paid for.
    expect(hasSubscribers(LRU_CACHE_METRICS_CHANNEL)).toBe(false);
    expect(hasSubscribers('tracing:lru-cache:start')).toBe(false);
    expect(handles.every((h) => h.unwatch() === false)).toBe(true);
  });

  it('an unwatched cache leaves its name at once, and its watch is collected without folding twice', async () => {
    const registry = new MapRegistry();
    const cache = new LRUCache<string, number>({ max: 4 });
    const handle = watchLRUCache(cache, { name: 'kept', registry });
    cache.set('a', 1);
    expect(handle.unwatch()).toBe(true);
    cache.set('b', 2); // not counted
    // It leaves the name at once, its counts folded; its bookkeeping's collection later folds nothing twice.
    const now = registry.collect().names[0]!;
    expect([now.instances, now.map.inserts, now.entriesByKind.get('lru_cache')]).toEqual([0, 1, 0]);
    await collectGarbage();
    const snap = registry.collect().names[0]!;
    expect([snap.instances, snap.map.inserts, snap.entriesByKind.get('lru_cache')]).toEqual([0, 1, 0]);
    expect(cache.size).toBe(2);
  });
});
