// Workloads of the demo service. Each scenario drives one shape the alerts and dashboards must recognise;
// `healthy` is the baseline that must page nobody. Every loop is bounded: growth scenarios stop at a
// ceiling, and concurrent tasks are capped, so the demo can run for hours without exhausting memory.
import { LRUCache } from 'lru-cache';
import {
  InstrumentedMap,
  LoadingMap,
  LockedMap,
  ReadMostlyMap,
  ShardedMap,
  instrument,
} from '../dist/index.js';
import { watchLRUCache } from '../dist/lru-cache/index.js';

export const SCENARIOS = {
  healthy:
    'bounded maps with steady churn: sessions, a warm cache, an lru-cache, a read-mostly config, short lock sections',
  leak: 'leaky-cache: inserts 200 entries/s and never deletes',
  'churn-leak': 'request-dedup: heavy churn, but 4 % of entries are never deleted',
  'owner-leak': 'connection-state: a new map per connection, and connections are never released',
  'lock-storm': 'ledger: writers hold the lock across await, tasks queue up',
  stampede: 'prices: a short TTL on hot keys, a slow loader that sometimes fails, many concurrent callers',
  'promotion-churn': 'feature-flags: a read-mostly map under a write-heavy load of new keys',
};

const TICK_MS = 100;
const MAX_LEAKED = 2_000_000; // growth stops here so a forgotten demo cannot take the machine down
const MAX_TASKS = 400; // concurrent lock/load tasks at most
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates every workload; `tick(active)` runs one step of each active scenario. */
export function createWorkloads(registry) {
  let seq = 0;
  let tasks = 0;
  const spawn = (fn) => {
    if (tasks >= MAX_TASKS) return;
    tasks++;
    fn()
      .catch(() => undefined)
      .finally(() => tasks--);
  };

  // healthy
  // Age sampling is on by default; reads tracking is opt-in: the dashboards' "never read" panel shows it.
  // sessions declares its bound (it keeps the newest 300): the bound series and MapwatchMapAboveDeclaredMax.
  const sessions = new InstrumentedMap({
    name: 'sessions',
    registry,
    sampleSurvival: { reads: true },
    maxEntries: 1000,
  });
  const sessionOrder = [];
  const routes = instrument(
    new Map([
      ['/', 'home'],
      ['/cart', 'cart'],
      ['/checkout', 'checkout'],
    ]),
    { name: 'routes', registry },
  );
  const profiles = new LoadingMap({ name: 'profiles', registry, ttlMs: 30_000 });
  const config = new ReadMostlyMap({ name: 'config', registry });
  for (const k of ['currency', 'locale', 'timeout', 'retries']) config.set(k, k.length);
  const inventory = new LockedMap({ name: 'inventory', registry });
  const carts = new ShardedMap({ name: 'carts', registry, shards: 8 });
  // The cache services already use, watched without changing its code (mapwatch/lru-cache).
  const users = new LRUCache({ max: 500, ttl: 20_000, fetchMethod: async (id) => ({ id }) });
  watchLRUCache(users, { name: 'users', registry });
  const cartIds = [];

  // faults
  const leaky = new InstrumentedMap({ name: 'leaky-cache', registry });
  const dedup = new InstrumentedMap({ name: 'request-dedup', registry });
  const dedupLive = [];
  const connections = [];
  const ledger = new LockedMap({ name: 'ledger', registry });
  const prices = new LoadingMap({ name: 'prices', registry, ttlMs: 300 });
  const flags = new ReadMostlyMap({ name: 'feature-flags', registry });

  const steps = {
    healthy() {
      for (let i = 0; i < 5; i++) {
        const id = `s${seq++}`;
        sessions.set(id, { at: Date.now() });
        sessionOrder.push(id);
      }
      while (sessionOrder.length > 300) sessions.delete(sessionOrder.shift());
      for (let i = 0; i < 10; i++) sessions.get(sessionOrder[(seq * 7 + i) % sessionOrder.length]);
      routes.get('/cart');
      routes.get(seq % 10 === 0 ? '/missing' : '/');
      // 800 ids over a max of 500: hits, misses, joined fetches, evictions and expiry.
      for (let i = 0; i < 10; i++) spawn(() => users.fetch(`u${(seq * 13 + i) % 800}`));
      for (let i = 0; i < 8; i++) {
        const user = `u${(seq + i) % 50}`;
        spawn(() => profiles.getOrLoad(user, async () => ({ user })));
      }
      for (let i = 0; i < 20; i++) config.get(['currency', 'locale', 'timeout', 'retries'][i % 4]);
      if (seq % 500 === 0) config.set('timeout', seq);
      spawn(() => inventory.update(`sku${seq % 20}`, async (n) => (n ?? 0) + 1));
      spawn(() => inventory.read((m) => m.get(`sku${seq % 20}`)));
      // Five carts per tick fill the 200 in 4 s, as fast as sessions. A healthy map still filling when the
      // fast preset's 30-s growth window closes looks like growth to it (floor up, inserts ahead of deletes,
      // above the last window's peak): one cart per tick took 20 s, more on a loaded machine, and paged.
      // Not through spawn(): when the lock storm fills the task cap, a dropped delete would leak its cart.
      // Only carts contend for carts' shard locks, so these settle within the tick.
      for (let i = 0; i < 5; i++) {
        const cart = `c${seq}-${i}`;
        cartIds.push(cart);
        carts.set(cart, seq).catch(() => undefined);
      }
      while (cartIds.length > 200) carts.delete(cartIds.shift()).catch(() => undefined);
    },
    leak() {
      if (leaky.size >= MAX_LEAKED) return;
      for (let i = 0; i < 20; i++) leaky.set(`k${seq++}`, i);
      leaky.get(`k${seq - 1}`);
    },
    'churn-leak'() {
      if (dedup.size >= MAX_LEAKED) return;
      for (let i = 0; i < 50; i++) {
        const id = `r${seq++}`;
        dedup.set(id, 1);
        dedupLive.push(id);
      }
      // 48 of every 50 are removed a little later: the map churns, but its floor keeps rising.
      let removed = 0;
      while (dedupLive.length > 500 && removed < 48) {
        dedup.delete(dedupLive.shift());
        removed++;
      }
      if (dedupLive.length > 500) dedupLive.splice(0, dedupLive.length - 500);
    },
    'owner-leak'() {
      if (connections.length >= 100_000) return;
      const state = new InstrumentedMap({ name: 'connection-state', registry });
      state.set('opened', Date.now());
      connections.push({ state });
    },
    'lock-storm'() {
      for (let i = 0; i < 10; i++) {
        spawn(() =>
          ledger.write(async (m) => {
            await sleep(25); // the bug: awaiting I/O while holding the write lock
            m.set(`tx${seq++ % 100}`, Date.now()); // a small bounded ledger: the storm, not growth
          }),
        );
      }
    },
    stampede() {
      for (let i = 0; i < 60; i++) {
        const key = `sku${i % 3}`;
        spawn(() =>
          prices.getOrLoad(key, async () => {
            await sleep(150);
            if (Math.random() < 0.3) throw new Error('upstream timeout');
            return Math.random();
          }),
        );
      }
    },
    'promotion-churn'() {
      for (let i = 0; i < 50; i++) {
        flags.set(`f${seq++ % 5000}`, i);
        flags.get(`f${(seq * 13) % 5000}`);
        flags.get(`missing${i}`);
      }
    },
  };

  return {
    tick(active) {
      for (const name of active) {
        try {
          steps[name]();
        } catch (err) {
          console.error(`demo: scenario ${name} failed a step: ${err.message}`);
        }
      }
    },
    keep: [
      sessions,
      routes,
      profiles,
      config,
      inventory,
      carts,
      leaky,
      dedup,
      ledger,
      prices,
      flags,
      connections,
    ],
  };
}

export { TICK_MS };
