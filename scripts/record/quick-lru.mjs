// quick-lru 7: the adapter a user integrating mapwatch would write, and its workloads.
//
// QuickLRU is a two-generation cache (hashlru): new keys go to the current generation; when it reaches
// maxSize, the old generation is dropped whole (onEviction fires for each of its keys) and the current
// one becomes old. So it holds up to 2 x maxSize - 1 retrievable entries while its `size` getter,
// which the adapter reports (it never prunes without maxAge), is capped at maxSize.
// The adapter counts an insert when `set` adds a key `has` did not find, an eviction per onEviction,
// and feeds the SurvivalSampler from the same places (reads: `get` hits).
import QuickLRU from 'quick-lru';
import { dailyRate, newSampler, noDeletes, survivalOf, zipf } from './sim.mjs';

export function instrumentQuickLru(options, { SurvivalSampler }) {
  const counts = { inserts: 0, deletes: noDeletes() };
  const sampler = newSampler(SurvivalSampler);
  const cache = new QuickLRU({
    ...options,
    onEviction: (key) => {
      counts.deletes.evict++;
      sampler.onDelete(key);
    },
  });
  return {
    cache,
    get(key) {
      const value = cache.get(key);
      if (value !== undefined) sampler.onRead(key);
      return value;
    },
    set(key, value) {
      const isNew = !cache.has(key);
      cache.set(key, value);
      if (isNew) {
        counts.inserts++;
        sampler.onInsert(key);
      }
    },
    probe: () => ({
      entries: cache.size,
      instances: 1,
      inserts: counts.inserts,
      deletes: { ...counts.deletes },
      ...survivalOf(sampler, Date.now()),
      declaredMaxEntries: options.maxSize,
    }),
  };
}

function readThrough({ maxSize, keys, s, rate }) {
  return (env) => {
    const lru = instrumentQuickLru({ maxSize }, env.mw);
    const pick = zipf(keys, s, env.rand);
    return {
      step(second) {
        const n = env.tools.poisson(rate(second));
        for (let i = 0; i < n; i++) {
          const key = `k${pick()}`;
          if (lru.get(key) === undefined) lru.set(key, { key, at: Date.now() });
        }
      },
      probe: lru.probe,
      stop() {},
    };
  };
}

const lib = 'quick-lru';

export const fixtures = [
  {
    family: lib,
    variant: 'warmup-20k',
    mapName: 'avatar_cache',
    seed: 201,
    hours: 8,
    leak: false,
    declared: true,
    description:
      'Read-through quick-lru with maxSize 20,000 under Zipf(0.9) traffic over 300k keys at ~6 req/s: warms up to maxSize in about 2 h and stays there, dropping its old generation each time the new one fills; bounded.',
    start: readThrough({ maxSize: 20_000, keys: 300_000, s: 0.9, rate: dailyRate(6, 0.3) }),
  },
  {
    family: lib,
    variant: 'small-2k',
    mapName: 'token_lru',
    seed: 202,
    hours: 8,
    leak: false,
    declared: true,
    description:
      'Read-through quick-lru with maxSize 2,000 under Zipf(1.1) traffic over 50k keys at ~10 req/s: at maxSize within minutes, generations of 2,000 evicted in bulk; bounded.',
    start: readThrough({ maxSize: 2000, keys: 50_000, s: 1.1, rate: dailyRate(10, 0.2) }),
  },
];
