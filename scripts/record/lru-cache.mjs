// lru-cache 11: the adapter a user integrating mapwatch would write, and its workloads.
//
// The cache is not a Map, so the adapter counts from the cache's own hooks: `onInsert` (reason 'add'
// is a new key) and `dispose` (reason 'evict' | 'expire' | 'delete'; 'set' is an overwrite, not a
// removal). The entry count is `cache.size`, which never prunes. Survival ages come from mapwatch's
// SurvivalSampler, fed by the same hooks and by `get` hits.
//
// lru-cache captures `performance` when it is first imported, so the faked clock never reaches its
// TTL arithmetic unless the cache is given a `perf` option: every cache here gets one reading the
// (faked) Date. Without it, entries never expire on simulated time.
import { LRUCache } from 'lru-cache';
import { dailyRate, newSampler, noDeletes, survivalOf, zipf } from './sim.mjs';

const CAUSE = { evict: 'evict', expire: 'expire', delete: 'explicit', fetch: 'explicit' };

/** Wraps a new LRUCache with counting hooks; returns the cache, a `get` that marks reads, and a probe. */
export function instrumentLruCache(options, { SurvivalSampler, declare = true }) {
  const counts = { inserts: 0, deletes: noDeletes() };
  const sampler = newSampler(SurvivalSampler);
  const cache = new LRUCache({
    ...options,
    perf: { now: () => Date.now() },
    onInsert: (_value, key, reason) => {
      if (reason !== 'add') return;
      counts.inserts++;
      sampler.onInsert(key);
    },
    dispose: (_value, key, reason) => {
      const cause = CAUSE[reason];
      if (cause === undefined) return; // 'set': the value was replaced, the key stays
      counts.deletes[cause]++;
      sampler.onDelete(key);
    },
  });
  const get = (key) => {
    const value = cache.get(key);
    if (value !== undefined) sampler.onRead(key);
    return value;
  };
  const declared = declare
    ? {
        declaredMaxEntries: options.max || undefined,
        declaredTtlSeconds: options.ttl ? options.ttl / 1000 : undefined,
      }
    : {};
  const probe = () => ({
    entries: cache.size,
    instances: 1,
    inserts: counts.inserts,
    deletes: { ...counts.deletes },
    ...survivalOf(sampler, Date.now()),
    ...declared,
  });
  return { cache, get, probe };
}

/**
 * A read-through cache under Zipf key popularity: `get`, and on a miss `set` the loaded value.
 * Options: cache (lru-cache options), keys, s (Zipf exponent), rate (requests/s at t), purgeEveryMs
 * (a user's `setInterval(() => cache.purgeStale())`), bursts (crawler bursts over cold keys).
 */
function readThrough(opts) {
  return (env) => {
    const { tools } = env;
    const lru = instrumentLruCache(opts.cache, { ...env.mw, declare: opts.declare !== false });
    const pick = zipf(opts.keys, opts.s, env.rand);
    const rate = opts.rate;
    const timer =
      opts.purgeEveryMs === undefined
        ? undefined
        : setInterval(() => lru.cache.purgeStale(), opts.purgeEveryMs);
    let burstUntil = -1;
    const lookup = (key) => {
      if (lru.get(key) === undefined) lru.cache.set(key, { key, loadedAt: Date.now() });
    };
    return {
      step(second) {
        const n = tools.poisson(rate(second));
        for (let i = 0; i < n; i++) lookup(`k${pick()}`);
        if (opts.bursts !== undefined) {
          const b = opts.bursts;
          if (second > burstUntil && second % 60 === 0 && tools.chance(b.perMinute)) {
            burstUntil = second + Math.round(tools.between(b.minSeconds, b.maxSeconds));
          }
          if (second <= burstUntil) {
            const m = tools.poisson(b.rate);
            for (let i = 0; i < m; i++) lookup(`cold${tools.int(b.coldKeys)}`);
          }
        }
      },
      probe: lru.probe,
      stop() {
        if (timer !== undefined) clearInterval(timer);
      },
    };
  };
}

/**
 * The lazy-expiry leak: `ttl` without `max` and without `ttlAutopurge` (lru-cache warns
 * UnboundedCacheWarning). Hot keys are read through and expire lazily on their next `get`; one-time
 * tokens are set, 60 % redeemed (read, then deleted), and the rest are never read again, so their
 * expired entries stay forever.
 */
function lazyTtlLeak() {
  return (env) => {
    const { tools } = env;
    const lru = instrumentLruCache({ ttl: 10 * 60_000 }, env.mw);
    const pick = zipf(2000, 1.0, env.rand);
    let token = 0;
    return {
      step(second) {
        const n = tools.poisson(5);
        for (let i = 0; i < n; i++) {
          const key = `user:${pick()}`;
          if (lru.get(key) === undefined) lru.cache.set(key, { key });
        }
        const t = tools.poisson(0.5);
        for (let i = 0; i < t; i++) {
          const key = `token:${token++}`;
          lru.cache.set(key, { issuedAt: Date.now() });
          if (tools.chance(0.6)) {
            env.agenda.at(second + tools.exp(180), () => {
              if (lru.get(key) !== undefined) lru.cache.delete(key);
            });
          }
        }
      },
      probe: lru.probe,
      stop() {},
    };
  };
}

const H = 3600;
const lib = 'lru-cache';

export const fixtures = [
  {
    family: lib,
    variant: 'capacity-zipf',
    mapName: 'product_cache',
    seed: 101,
    hours: 8,
    leak: false,
    declared: true,
    description:
      'Read-through lru-cache with max 5,000 under Zipf(1.0) traffic over 100k product ids at ~20 req/s: fills in minutes, then evicts at capacity; bounded by its max.',
    start: readThrough({ cache: { max: 5000 }, keys: 100_000, s: 1.0, rate: dailyRate(20, 0.3) }),
  },
  {
    family: lib,
    variant: 'capacity-zipf-large',
    mapName: 'profile_cache',
    seed: 102,
    hours: 8,
    leak: false,
    declared: true,
    description:
      'Read-through lru-cache with max 20,000 under Zipf(0.9) traffic over 500k keys at ~10 req/s: fills for about an hour, then evicts at capacity; bounded by its max.',
    start: readThrough({ cache: { max: 20_000 }, keys: 500_000, s: 0.9, rate: dailyRate(10, 0.5) }),
  },
  {
    family: lib,
    variant: 'ttl-lazy-leak',
    mapName: 'auth_tokens',
    seed: 103,
    hours: 8,
    leak: true,
    declared: true,
    leakStartsAtSeconds: 0,
    description:
      'lru-cache with only ttl 10 min (no max, ttlAutopurge false): expiry is lazy, so the 40 % of one-time tokens never read again stay forever although their declared TTL has passed; a leak.',
    start: lazyTtlLeak(),
  },
  {
    family: lib,
    variant: 'ttl-1h-trough',
    mapName: 'search_cache',
    seed: 104,
    hours: 30,
    leak: false,
    declared: true,
    description:
      'Read-through lru-cache with ttl 1 h and purgeStale() every minute under a 24 h traffic cycle starting at its trough (0.6 to 5.4 req/s): grows for 12 h with the traffic, then shrinks; bounded by its TTL.',
    start: readThrough({
      cache: { ttl: H * 1000 },
      keys: 1_000_000,
      s: 0.8,
      rate: dailyRate(3, 0.8, 'trough'),
      purgeEveryMs: 60_000,
    }),
  },
  {
    family: lib,
    variant: 'ttl-1h-trough-undeclared',
    mapName: 'search_cache',
    seed: 104,
    hours: 30,
    leak: false,
    declared: false,
    description:
      'The same 1 h TTL cache under a 24 h cycle starting at its trough, recorded without declared bounds: the first 12 h look like growth, but entries expire within the hour (survival ages stay under 1 h); not a leak.',
    start: readThrough({
      cache: { ttl: H * 1000 },
      keys: 1_000_000,
      s: 0.8,
      rate: dailyRate(3, 0.8, 'trough'),
      purgeEveryMs: 60_000,
      declare: false,
    }),
  },
  {
    family: lib,
    variant: 'slow-fill-max-10k',
    mapName: 'geo_cache',
    seed: 105,
    hours: 30,
    leak: false,
    declared: true,
    description:
      'Read-through lru-cache with max 10,000 under slow traffic (~0.17 req/s, Zipf(0.5) over 60k keys): fills toward its bound for about 20 h, then evicts; bounded by its max.',
    start: readThrough({ cache: { max: 10_000 }, keys: 60_000, s: 0.5, rate: dailyRate(0.17, 0) }),
  },
  {
    family: lib,
    variant: 'restarts-6h',
    mapName: 'price_cache',
    seed: 106,
    hours: 30,
    leak: false,
    declared: true,
    restartEverySeconds: 6 * H,
    description:
      'Read-through lru-cache with ttl 15 min and max 50,000 (purgeStale every minute) in a process restarted every 6 h (counters, gauges and registry start over); bounded.',
    start: readThrough({
      cache: { ttl: 15 * 60_000, max: 50_000 },
      keys: 300_000,
      s: 1.0,
      rate: dailyRate(8, 0.5),
      purgeEveryMs: 60_000,
    }),
  },
  {
    family: lib,
    variant: 'bursty',
    mapName: 'page_cache',
    seed: 107,
    hours: 8,
    leak: false,
    declared: true,
    description:
      'Read-through lru-cache with ttl 5 min and max 20,000 (purgeStale every minute) at ~6 req/s plus crawler bursts (3 to 10 min at 40 req/s over cold keys, about 1.5 per hour): entries jump and expire back; bounded.',
    start: readThrough({
      cache: { ttl: 5 * 60_000, max: 20_000 },
      purgeEveryMs: 60_000,
      keys: 200_000,
      s: 1.0,
      rate: dailyRate(6, 0.2),
      bursts: { perMinute: 1 / 40, minSeconds: 180, maxSeconds: 600, rate: 40, coldKeys: 1_000_000 },
    }),
  },
];
