// node-cache 5: the adapter a user integrating mapwatch would write, and its workloads.
//
// Counted from node-cache's own events: 'set' (an insert when getStats().keys went up, else an
// overwrite), 'del' (explicit) and 'expired'. node-cache removes an expired key with its own del(), so
// an expiry emits 'del' and then 'expired' for the same key: the adapter moves that one count from
// explicit to expire. The entry count is getStats().keys (no pruning). Expiry runs both lazily (a
// get of an expired key) and every `checkperiod` seconds.
import NodeCache from 'node-cache';
import { dailyRate, newSampler, noDeletes, survivalOf, zipf } from './sim.mjs';

export function instrumentNodeCache(options, { SurvivalSampler }, { declare = true } = {}) {
  const cache = new NodeCache({ useClones: false, ...options });
  const counts = { inserts: 0, deletes: noDeletes() };
  const sampler = newSampler(SurvivalSampler);
  let lastKeys = 0;
  let lastDeleted;
  cache.on('set', (key) => {
    const keys = cache.getStats().keys;
    if (keys > lastKeys) {
      counts.inserts++;
      sampler.onInsert(key);
    }
    lastKeys = keys;
  });
  cache.on('del', (key) => {
    counts.deletes.explicit++;
    sampler.onDelete(key);
    lastKeys = cache.getStats().keys;
    lastDeleted = key;
  });
  cache.on('expired', (key) => {
    if (lastDeleted === key) {
      counts.deletes.explicit--;
      counts.deletes.expire++;
    }
    lastDeleted = undefined;
  });
  const ttl = options.stdTTL ?? 0;
  return {
    cache,
    get(key) {
      const value = cache.get(key);
      if (value !== undefined) sampler.onRead(key);
      return value;
    },
    probe: () => ({
      entries: cache.getStats().keys,
      instances: 1,
      inserts: counts.inserts,
      deletes: { ...counts.deletes },
      ...survivalOf(sampler, Date.now()),
      declaredTtlSeconds: declare && ttl > 0 ? ttl : undefined,
    }),
  };
}

function readThrough({ cache, keys, s, rate }) {
  return (env) => {
    const nc = instrumentNodeCache(cache, env.mw);
    const pick = zipf(keys, s, env.rand);
    return {
      step(second) {
        const n = env.tools.poisson(rate(second));
        for (let i = 0; i < n; i++) {
          const key = `k${pick()}`;
          if (nc.get(key) === undefined) nc.cache.set(key, { key, at: Date.now() });
        }
      },
      probe: nc.probe,
      stop: () => nc.cache.close(),
    };
  };
}

/** Job records keyed by a unique job id, stdTTL 0: deleted on success, failed jobs kept forever. */
function jobRegistry({ rate, failRatio }) {
  return (env) => {
    const { tools } = env;
    const nc = instrumentNodeCache({ stdTTL: 0, checkperiod: 600 }, env.mw);
    let next = 0;
    return {
      step(second) {
        const n = tools.poisson(rate(second));
        for (let i = 0; i < n; i++) {
          const key = `job:${next++}`;
          nc.cache.set(key, { state: 'running', startedAt: Date.now() });
          const polls = tools.int(3);
          for (let p = 1; p <= polls; p++) env.agenda.at(second + p * 5, () => nc.get(key));
          const failed = tools.chance(failRatio);
          env.agenda.at(second + 1 + tools.exp(20), () => {
            const job = nc.get(key);
            if (job === undefined) return;
            if (failed)
              nc.cache.set(key, { ...job, state: 'failed' }); // kept "for inspection", forever
            else nc.cache.del(key);
          });
        }
      },
      probe: nc.probe,
      stop: () => nc.cache.close(),
    };
  };
}

/** A catalog of 10,000 items bulk-loaded (mset) at hour 1, then replaced a few at a time. */
function bulkLoad() {
  return (env) => {
    const { tools } = env;
    const nc = instrumentNodeCache({ stdTTL: 0, checkperiod: 0 }, env.mw);
    const live = [];
    let next = 0;
    const flags = [];
    for (let i = 0; i < 40; i++) flags.push({ key: `flag:${i}`, val: i % 2 === 0 });
    return {
      step(second) {
        if (second === 5) nc.cache.mset(flags);
        if (second === 3600) {
          const items = [];
          for (let i = 0; i < 10_000; i++) {
            live.push(next);
            items.push({ key: `sku:${next}`, val: { id: next++ } });
          }
          nc.cache.mset(items);
        }
        if (live.length > 0) {
          const r = tools.poisson(0.3);
          for (let i = 0; i < r; i++) {
            const slot = tools.int(live.length);
            nc.cache.del(`sku:${live[slot]}`);
            live[slot] = next;
            nc.cache.set(`sku:${next}`, { id: next++ });
          }
          const reads = tools.poisson(5);
          for (let i = 0; i < reads; i++) nc.get(`sku:${live[tools.int(live.length)]}`);
        }
        if (second > 5 && tools.chance(0.5)) nc.get(`flag:${tools.int(40)}`);
      },
      probe: nc.probe,
      stop: () => nc.cache.close(),
    };
  };
}

const lib = 'node-cache';

export const fixtures = [
  {
    family: lib,
    variant: 'unique-job-keys',
    mapName: 'jobs',
    seed: 301,
    hours: 8,
    leak: true,
    declared: false,
    leakStartsAtSeconds: 0,
    description:
      'node-cache with stdTTL 0 holding job records under unique job ids (~2 jobs/s): finished jobs are deleted, but the 4 % that fail are kept and never deleted, so entries grow ~290/h forever; a leak.',
    start: jobRegistry({ rate: dailyRate(2, 0.3), failRatio: 0.04 }),
  },
  {
    family: lib,
    variant: 'ttl-sawtooth',
    mapName: 'rates_cache',
    seed: 302,
    hours: 8,
    leak: false,
    declared: true,
    description:
      'Read-through node-cache with stdTTL 600 s and checkperiod 120 s under Zipf(1.0) traffic over 50k keys at ~5 req/s: expired keys are swept every 2 min (a sawtooth); bounded by its TTL.',
    start: readThrough({
      cache: { stdTTL: 600, checkperiod: 120 },
      keys: 50_000,
      s: 1.0,
      rate: dailyRate(5, 0.2),
    }),
  },
  {
    family: lib,
    variant: 'ttl-24h-trough',
    mapName: 'catalog_cache',
    seed: 303,
    hours: 30,
    leak: false,
    declared: true,
    description:
      'Read-through node-cache with a declared 24 h TTL (stdTTL 86400, checkperiod 600) under a 24 h traffic cycle starting at its trough: grows for a whole day before the first expiries; bounded by its TTL.',
    start: readThrough({
      cache: { stdTTL: 86_400, checkperiod: 600 },
      keys: 200_000,
      s: 0.8,
      rate: dailyRate(2, 0.8, 'trough'),
    }),
  },
  {
    family: lib,
    variant: 'bulk-load',
    mapName: 'catalog',
    seed: 304,
    hours: 8,
    leak: false,
    declared: false,
    description:
      'node-cache (stdTTL 0) with 40 flags at start and a 10,000-item catalog bulk-loaded with mset at hour 1, then items replaced (del + set) at ~0.3/s: one step up, then flat; not a leak.',
    start: bulkLoad(),
  },
];
