// Cost of watching lru-cache (mapwatch/lru-cache): lru-cache builds a status object per operation and
// publishes it on node:diagnostics_channel (and traces every fetch) only while someone subscribes, and
// it decides by `hasSubscribers`, not per cache. So three candidates, measured side by side:
// - 'no subscriber': nothing is watched in the process (the baseline, lru-cache as it ships);
// - 'not watched, another cache is': the cost watching adds to every other lru-cache of the process
//   (status objects, a publish, and the subscriber's one WeakMap miss);
// - 'watched': the cache itself is watched (the same, plus counting).
// Each candidate uses its own copy of the lru-cache module (imported under its own URL), so that V8's
// feedback in lru-cache's code is not shared between them. The subscription is process-wide: each
// candidate's untimed prepare() sets it (the 'watched' candidate watches its fresh cache of the round;
// the 'no subscriber' one unwatches everything).
// `npm run build && node --expose-gc bench/run.js lru-cache` runs it alone.
import { watchLRUCache } from '../dist/lru-cache/index.js';
import { MapRegistry } from '../dist/registry.js';
import {
  compareAsync,
  compareSync,
  goal,
  makeAsyncLoop,
  makeLoop,
  median,
  QUICK,
  withRatios,
} from './harness.js';

const HOT = 1024; // keys in the working set of lookups and updates (a power of two: `i & (HOT - 1)`)

const NONE = 'lru-cache, no subscriber';
const BYSTANDER = 'lru-cache, not watched (another cache is)';
const WATCHED = 'lru-cache, watched';

/** A fresh instance of the lru-cache module, so that each candidate's calls have their own feedback. */
async function lruCacheCopy(tag) {
  const url = new URL(import.meta.resolve('lru-cache'));
  url.searchParams.set('mapwatch-bench', tag);
  return (await import(url.href)).LRUCache;
}

export async function run() {
  const copies = {
    [NONE]: await lruCacheCopy('none'),
    [BYSTANDER]: await lruCacheCopy('bystander'),
    [WATCHED]: await lruCacheCopy('watched'),
  };
  // The registry's defaults: the watched caches sample entry survival (32 entries, ages only).
  const registry = new MapRegistry();
  const sentinel = new copies[BYSTANDER]({ max: 1 });
  let sentinelWatch;
  let watches = [];
  const subscriptionOff = () => {
    for (const w of watches.splice(0)) w.unwatch();
    sentinelWatch?.unwatch();
    sentinelWatch = undefined;
  };
  const subscriptionOn = () => {
    sentinelWatch ??= watchLRUCache(sentinel, { name: 'bench-sentinel', registry });
  };

  const ops = QUICK ? 2_000 : 200_000;
  const freshOps = QUICK ? 2_000 : 16_384;
  const keys = Array.from({ length: ops + HOT }, (_, i) => `key:${i}`);
  const missKeys = Array.from({ length: HOT }, (_, i) => `absent:${i}`);
  const fill = (t, n) => {
    for (let i = 0; i < n; i++) t.set(keys[i], i);
    return t;
  };

  // Each op: the cache's options, how many entries to fill, the loop body; `evicting` caches hold HOT.
  const opDefs = {
    'get-hit': {
      options: { max: 4 * HOT },
      filled: HOT,
      body: `if (s.t.get(s.keys[i & ${HOT - 1}]) !== undefined) acc++;`,
    },
    'get-miss': {
      options: { max: 4 * HOT },
      filled: HOT,
      body: `if (s.t.get(s.miss[i & ${HOT - 1}]) === undefined) acc++;`,
    },
    'get-hit, ttl cache': {
      options: { max: 4 * HOT, ttl: 3_600_000 },
      filled: HOT,
      body: `if (s.t.get(s.keys[i & ${HOT - 1}]) !== undefined) acc++;`,
    },
    'has-hit': {
      options: { max: 4 * HOT },
      filled: HOT,
      body: `if (s.t.has(s.keys[i & ${HOT - 1}])) acc++;`,
    },
    'set-update': { options: { max: 4 * HOT }, filled: HOT, body: `s.t.set(s.keys[i & ${HOT - 1}], i);` },
    // Each delete removes a present key: lru-cache publishes before it deletes, and the watch asks
    // cache.info(key) whether there is anything to delete.
    delete: {
      options: { max: 4 * freshOps },
      filled: freshOps,
      body: 'if (s.t.delete(s.keys[i])) acc++;',
      ops: freshOps,
    },
    // A full cache: every insert evicts the least recently used entry (the steady state of an LRU).
    'set-insert, evicting': {
      options: { max: HOT },
      filled: HOT,
      body: `s.t.set(s.keys[i + ${HOT}], i);`,
      ops: freshOps,
    },
  };

  // Every candidate gets a fresh cache each round (untimed), filled the same way: a cache reused across
  // rounds and one made anew do not cost the same (a TTL cache's clock caching, for one), and the
  // watched candidate needs a fresh one (see above).
  const rows = [];
  for (const [op, def] of Object.entries(opDefs)) {
    const fresh = (name) => ({ t: fill(new copies[name](def.options), def.filled), keys, miss: missKeys });
    const candidates = [
      { name: NONE, prepare: () => (subscriptionOff(), fresh(NONE)), loop: makeLoop(def.body) },
      { name: BYSTANDER, prepare: () => (subscriptionOn(), fresh(BYSTANDER)), loop: makeLoop(def.body) },
      {
        name: WATCHED,
        prepare: () => {
          // Watched before it is filled: its calls only ever see it watched, and its inserts count.
          const t = new copies[WATCHED](def.options);
          watches.push(watchLRUCache(t, { name: 'bench-watched', registry }));
          return { t: fill(t, def.filled), keys, miss: missKeys };
        },
        loop: makeLoop(def.body),
      },
    ];
    rows.push(...withRatios(op, compareSync(candidates, { ops: def.ops ?? ops }), NONE));
  }

  // fetch() of a present key: while anyone subscribes, every fetch is also traced (tracePromise).
  {
    const fetchOptions = { max: 4 * HOT, fetchMethod: async (k) => k };
    const body = `if ((await s.t.fetch(s.keys[i & ${HOT - 1}])) !== undefined) acc++;`;
    const fresh = (name) => ({ t: fill(new copies[name](fetchOptions), HOT), keys });
    const candidates = [
      { name: NONE, prepare: () => (subscriptionOff(), fresh(NONE)), loop: makeAsyncLoop(body) },
      { name: BYSTANDER, prepare: () => (subscriptionOn(), fresh(BYSTANDER)), loop: makeAsyncLoop(body) },
      {
        name: WATCHED,
        prepare: () => {
          const t = new copies[WATCHED](fetchOptions);
          watches.push(watchLRUCache(t, { name: 'bench-watched-fetch', registry }));
          return { t: fill(t, HOT), keys };
        },
        loop: makeAsyncLoop(body),
      },
    ];
    rows.push(...withRatios('fetch-hit', await compareAsync(candidates), NONE));
  }
  subscriptionOff();

  const sync = ['get-hit', 'get-miss', 'has-hit', 'set-update', 'set-insert, evicting', 'delete'];
  const nsOf = (op, candidate) => rows.find((r) => r.op === op && r.candidate === candidate).nsPerOp;
  const medianRatio = (candidate) =>
    median(rows.filter((r) => r.candidate === candidate && sync.includes(r.op)).map((r) => r.ratio));
  // What mapwatch's counting adds: the watched cache against an unwatched one of the same process,
  // where lru-cache builds and publishes the same status objects.
  const countingRatio = median(sync.map((op) => nsOf(op, WATCHED) / nsOf(op, BYSTANDER)));
  return {
    title:
      'lru-cache watched through its diagnostics channel (ns/op, ratio to lru-cache with no subscriber in the same run)',
    baseline: NONE,
    rows,
    goals: [
      goal(
        'counting, get/has/set/delete: median ratio of a watched cache to an unwatched one of the same process <= 1.35',
        countingRatio,
        1.35,
      ),
      goal(
        'subscribing, get/has/set/delete: median ratio of an unwatched cache while another is watched to no subscriber <= 3.5',
        medianRatio(BYSTANDER),
        3.5,
      ),
    ],
    notes: [
      'lru-cache 11.4+ builds a status object for get/has/set/peek/memo, and publishes it, only while `lru-cache:metrics` has a subscriber; fetch() is traced only while the `lru-cache` tracing channel has one. mapwatch subscribes to both while at least one cache is watched, so every lru-cache of the process pays the middle row, watched or not; for an unwatched cache the subscriber itself does one WeakMap lookup.',
      'A watched cache adds the counting: a field increment per lookup; per set and delete a read of `size` (to tell evictions, which lru-cache does not publish) and, per delete, `cache.info(key)` (whether there is anything to delete); survival sampling (default: 32 entries, ages only) one index lookup per insert.',
      'In a TTL cache the status object also carries the entry\'s TTL, which lru-cache fills with its own clock read (cached for `ttlResolution`, 1 ms by default): the "ttl cache" row.',
      'Every candidate gets a fresh cache every round, filled with the same keys (the watched one after it is watched: the subscription is process-wide and the baseline needs none, so watches cannot outlive a round).',
    ],
  };
}
