// Plain InstrumentedMaps used directly by application code (the user's own Map, swapped for an
// InstrumentedMap with survival sampling on a registry whose clock is the faked Date).
import { SAMPLE_SURVIVAL, dailyRate, registryProbe } from './sim.mjs';

function instrumentedMap(env) {
  const registry = new env.mw.MapRegistry({ now: () => Date.now() });
  const map = new env.mw.InstrumentedMap({
    name: env.fixture.mapName,
    registry,
    sampleSurvival: SAMPLE_SURVIVAL,
  });
  return { registry, map, probe: registryProbe(registry, env.fixture.mapName) };
}

/**
 * Per-request listeners: each request registers one under its id and removes it when it ends (after
 * ~2 s), except on an error path (`forgetShare` of requests) that forgets to.
 */
function listeners({ rate, forgetShare }) {
  return (env) => {
    const { tools } = env;
    const { map, probe } = instrumentedMap(env);
    let next = 0;
    return {
      step(second) {
        const n = tools.poisson(rate(second));
        for (let i = 0; i < n; i++) {
          const id = `req-${next++}`;
          map.set(id, { id, onData: () => id });
          const forget = tools.chance(forgetShare);
          const end = second + 1 + tools.exp(2);
          env.agenda.at(end - 1, () => map.get(id)?.onData());
          env.agenda.at(end, () => {
            if (!forget) map.delete(id);
          });
        }
      },
      probe,
      stop() {},
    };
  };
}

/**
 * A hand-rolled TTL index: entries expire after `ttlSeconds` through a sweep every minute, except
 * `neverShare` of them, whose expiry the sweep skips (a bug), so they stay forever.
 */
function sweptTtl({ rate, ttlSeconds, neverShare }) {
  return (env) => {
    const { tools } = env;
    const { map, probe } = instrumentedMap(env);
    const queue = []; // [key, insertedAtSecond, sticky], in insertion order
    let head = 0;
    let next = 0;
    return {
      step(second) {
        const n = tools.poisson(rate(second));
        for (let i = 0; i < n; i++) {
          const key = `tok-${next++}`;
          map.set(key, { at: second });
          queue.push([key, second, tools.chance(neverShare)]);
        }
        const reads = tools.poisson(3);
        const live = queue.length - head;
        for (let i = 0; i < reads && live > 0; i++) {
          map.get(queue[queue.length - 1 - tools.int(Math.min(live, 3600))][0]);
        }
        if (second % 60 === 0) {
          while (head < queue.length && queue[head][1] <= second - ttlSeconds) {
            const [key, , sticky] = queue[head];
            queue[head++] = undefined;
            if (!sticky) map.delete(key);
          }
          if (head > 100_000) {
            queue.splice(0, head);
            head = 0;
          }
        }
      },
      probe,
      stop() {},
    };
  };
}

/**
 * Per-tenant state loaded at start (`initial` entries), then churning (a deleted tenant for each new
 * one), plus a steady stream of entries nobody ever deletes (`leakPerHour`).
 */
function steadyLeak({ initial, churnPerSecond, leakPerHour }) {
  return (env) => {
    const { tools } = env;
    const { map, probe } = instrumentedMap(env);
    const churnable = [];
    let next = 0;
    return {
      step(second) {
        if (second <= 10) {
          for (let i = 0; i < initial / 10; i++) {
            const key = `tenant-${next++}`;
            map.set(key, { loadedAt: second });
            churnable.push(key);
          }
          return;
        }
        const c = tools.poisson(churnPerSecond);
        for (let i = 0; i < c; i++) {
          const slot = tools.int(churnable.length);
          map.delete(churnable[slot]);
          const key = `tenant-${next++}`;
          map.set(key, { loadedAt: second });
          churnable[slot] = key;
        }
        const l = tools.poisson(leakPerHour / 3600);
        for (let i = 0; i < l; i++) map.set(`tenant-${next++}`, { loadedAt: second, orphan: true });
        const reads = tools.poisson(5);
        for (let i = 0; i < reads; i++) map.get(churnable[tools.int(churnable.length)]);
      },
      probe,
      stop() {},
    };
  };
}

const family = 'plain';

export const fixtures = [
  {
    family,
    variant: 'listeners-cycle-peak',
    mapName: 'request_listeners',
    seed: 601,
    hours: 30,
    leak: true,
    declared: false,
    leakStartsAtSeconds: 0,
    description:
      'Per-request listeners in an InstrumentedMap (~4 req/s under a 24 h cycle starting at its PEAK), removed when each request ends except on an error path that forgets 5 % of them: grows fastest first, then slowly at night, never shrinks; a leak.',
    start: listeners({ rate: dailyRate(4, 0.8, 'peak'), forgetShare: 0.05 }),
  },
  {
    family,
    variant: 'listeners-cycle-trough',
    mapName: 'request_listeners',
    seed: 602,
    hours: 30,
    leak: true,
    declared: false,
    leakStartsAtSeconds: 0,
    description:
      'The same listener leak (5 % of per-request listeners never removed) under a 24 h cycle starting at its TROUGH: barely grows for hours, then fast with the daytime traffic; a leak.',
    start: listeners({ rate: dailyRate(4, 0.8, 'trough'), forgetShare: 0.05 }),
  },
  {
    family,
    variant: 'slow-leak-0.5pct-per-h',
    mapName: 'token_index',
    seed: 603,
    hours: 30,
    leak: true,
    declared: false,
    leakStartsAtSeconds: 0,
    description:
      'A hand-rolled 2 h TTL index churning ~10k inserts/h (about 20k entries once warm) whose sweep skips 1 % of entries: ~100 entries/h, 0.5 %/h of its size, are never removed; a slow leak.',
    start: sweptTtl({ rate: dailyRate(10_000 / 3600, 0.05), ttlSeconds: 7200, neverShare: 0.01 }),
  },
  {
    family,
    variant: 'swept-ttl-2h-undeclared',
    mapName: 'token_index',
    seed: 605,
    hours: 30,
    leak: false,
    declared: false,
    description:
      'The same hand-rolled 2 h TTL index (~10k inserts/h, about 20k entries once warm) whose sweep removes every entry: the bounded twin of the slow leak, with its TTL as long as the detector window and not declared; not a leak.',
    start: sweptTtl({ rate: dailyRate(10_000 / 3600, 0.05), ttlSeconds: 7200, neverShare: 0 }),
  },
  {
    family,
    variant: 'steady-leak-14pct-per-h',
    mapName: 'tenant_state',
    seed: 604,
    hours: 8,
    leak: true,
    declared: false,
    leakStartsAtSeconds: 0,
    description:
      'Tenant state loaded with 5,000 entries at start, churning ~1 replacement/s, plus ~700 orphaned entries/h that are never deleted (+14 %/h of the initial 5,000); a steady leak.',
    start: steadyLeak({ initial: 5000, churnPerSecond: 1, leakPerHour: 700 }),
  },
];
