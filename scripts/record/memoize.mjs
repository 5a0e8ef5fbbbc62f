// mem 10 and p-memoize 8: both take a Map-like `cache` option, so a user passes an InstrumentedMap
// (with survival sampling) on a MapRegistry whose clock is the (faked) Date, and the probe reads
// registry.collect(). mem's `maxAge` is enforced by map-age-cleaner, which deletes with the map's own
// delete() on a timer: those removals count as explicit deletes. memClear() calls the map's clear().
import mem, { memClear } from 'mem';
import pMemoize from 'p-memoize';
import { SAMPLE_SURVIVAL, dailyRate, registryProbe, zipf } from './sim.mjs';

/** A fresh registry on the simulated clock and an instrumented store on it. */
function instrumentedStore(mw, name) {
  const registry = new mw.MapRegistry({ now: () => Date.now() });
  const cache = new mw.InstrumentedMap({ name, registry, sampleSurvival: SAMPLE_SURVIVAL });
  return { registry, cache };
}

/**
 * mem over user ids (Zipf) with a cacheKey that serializes all arguments: a share of the calls pass a
 * per-request options object carrying the request id, so each of those calls adds a key no one reads.
 */
function memRequestIds({ users, perRequestShare, rate }) {
  return (env) => {
    const { tools } = env;
    const { registry, cache } = instrumentedStore(env.mw, env.fixture.mapName);
    const permissions = mem((userId, opts) => ({ userId, roles: ['reader'], traced: !!opts }), {
      cache,
      cacheKey: (args) => JSON.stringify(args),
    });
    const pick = zipf(users, 1.0, env.rand);
    let requestId = 0;
    return {
      step(second) {
        const n = tools.poisson(rate(second));
        for (let i = 0; i < n; i++) {
          requestId++;
          const user = `u${pick()}`;
          if (tools.chance(perRequestShare)) permissions(user, { requestId: `req-${requestId}` });
          else permissions(user);
        }
      },
      probe: registryProbe(registry, env.fixture.mapName),
      stop() {},
    };
  };
}

/** p-memoize keyed by currency and the minute the rate was asked for: new keys every minute, forever. */
function pMemoizeTimeBuckets({ currencies, rate }) {
  return (env) => {
    const { tools } = env;
    const { registry, cache } = instrumentedStore(env.mw, env.fixture.mapName);
    const fetchRate = pMemoize(
      async (currency, minute) => ({ currency, minute, rate: 1 + (minute % 7) / 100 }),
      {
        cache,
        cacheKey: ([currency, minute]) => `${currency}:${minute}`,
      },
    );
    const pick = zipf(currencies, 1.2, env.rand);
    return {
      step(second) {
        const n = tools.poisson(rate(second));
        if (n === 0) return undefined;
        const minute = Math.floor(Date.now() / 60_000);
        const calls = [];
        for (let i = 0; i < n; i++) calls.push(fetchRate(`C${pick()}`, minute));
        return Promise.all(calls);
      },
      probe: registryProbe(registry, env.fixture.mapName),
      stop() {},
    };
  };
}

/**
 * A memoizer (mem, or p-memoize when `async`) over a bounded key space with Zipf popularity, no
 * maxAge: fills toward the key space. `declareMax` records the key space as the declared bound;
 * `maxAgeMs` gives mem a maxAge (declared as its TTL); `clearEveryMs` calls memClear on a timer.
 */
function boundedMemo({ keys, s, rate, async = false, declareMax, maxAgeMs, clearEveryMs }) {
  return (env) => {
    const { tools } = env;
    const { registry, cache } = instrumentedStore(env.mw, env.fixture.mapName);
    const compute = (key) => ({ key, score: key.length });
    const memoized = async
      ? pMemoize(async (key) => compute(key), { cache })
      : mem(compute, { cache, ...(maxAgeMs === undefined ? {} : { maxAge: maxAgeMs }) });
    const timer =
      clearEveryMs === undefined ? undefined : setInterval(() => memClear(memoized), clearEveryMs);
    const pick = zipf(keys, s, env.rand);
    const declared = {
      declaredMaxEntries: declareMax,
      declaredTtlSeconds: maxAgeMs === undefined ? undefined : maxAgeMs / 1000,
    };
    return {
      step(second) {
        const n = tools.poisson(rate(second));
        const calls = [];
        for (let i = 0; i < n; i++) {
          const result = memoized(`key-${pick()}`);
          if (async) calls.push(result);
        }
        // mem's map-age-cleaner also works through promise chains: let them settle within the second.
        if (async) return calls.length > 0 ? Promise.all(calls) : undefined;
        return maxAgeMs === undefined ? undefined : new Promise((resolve) => setImmediate(resolve));
      },
      probe: registryProbe(registry, env.fixture.mapName, declared),
      stop() {
        if (timer !== undefined) clearInterval(timer);
      },
    };
  };
}

export const fixtures = [
  {
    family: 'mem',
    variant: 'request-id-keys',
    mapName: 'permissions_memo',
    seed: 401,
    hours: 8,
    leak: true,
    declared: false,
    leakStartsAtSeconds: 0,
    description:
      'mem over user permissions with cacheKey JSON.stringify(args): 10 % of ~5 calls/s pass an options object with the request id, so each adds a key that is never read again (~1,800/h, unbounded); a leak.',
    start: memRequestIds({ users: 5000, perRequestShare: 0.1, rate: dailyRate(5, 0.3) }),
  },
  {
    family: 'p-memoize',
    variant: 'minute-bucket-keys',
    mapName: 'fx_rates_memo',
    seed: 402,
    hours: 8,
    leak: true,
    declared: false,
    leakStartsAtSeconds: 0,
    description:
      'p-memoize of an exchange-rate lookup keyed by currency and the current minute (a timestamp in the key), no expiry: every minute brings new keys and old ones are never read or removed; a leak.',
    start: pMemoizeTimeBuckets({ currencies: 40, rate: dailyRate(3, 0.3) }),
  },
  {
    family: 'mem',
    variant: 'bounded-keys-20k',
    mapName: 'score_memo',
    seed: 403,
    hours: 30,
    leak: false,
    declared: true,
    description:
      'mem without maxAge over a bounded key space of 20,000 keys (Zipf(1.0), ~3 calls/s): fills ever more slowly toward the key space for 30 h; bounded by the key space, declared as max entries.',
    start: boundedMemo({ keys: 20_000, s: 1.0, rate: dailyRate(3, 0.3), declareMax: 20_000 }),
  },
  {
    family: 'mem',
    variant: 'bounded-keys-20k-undeclared',
    mapName: 'score_memo',
    seed: 403,
    hours: 30,
    leak: false,
    declared: false,
    description:
      'The same mem over 20,000 keys recorded without a declared bound: a slow fill that decelerates as the key space is covered, which looks like growth for hours; not a leak.',
    start: boundedMemo({ keys: 20_000, s: 1.0, rate: dailyRate(3, 0.3) }),
  },
  {
    family: 'p-memoize',
    variant: 'bounded-keys-50k',
    mapName: 'geo_lookup_memo',
    seed: 404,
    hours: 30,
    leak: false,
    declared: true,
    description:
      'p-memoize without expiry over a bounded key space of 50,000 keys (Zipf(0.9), ~4 calls/s): fills toward the key space for 30 h; bounded by the key space, declared as max entries.',
    start: boundedMemo({ keys: 50_000, s: 0.9, rate: dailyRate(4, 0.3), async: true, declareMax: 50_000 }),
  },
  {
    family: 'mem',
    variant: 'periodic-clear-30m',
    mapName: 'render_memo',
    seed: 405,
    hours: 8,
    leak: false,
    declared: false,
    description:
      'mem over 10,000 keys (Zipf(1.0), ~5 calls/s) with memClear() every 30 min: fills, then drops to zero twice an hour; bounded by the periodic clear.',
    start: boundedMemo({ keys: 10_000, s: 1.0, rate: dailyRate(5, 0.2), clearEveryMs: 30 * 60_000 }),
  },
  {
    family: 'mem',
    variant: 'max-age-5m',
    mapName: 'quota_memo',
    seed: 406,
    hours: 8,
    leak: false,
    declared: true,
    description:
      'mem with maxAge 5 min (map-age-cleaner deletes each entry on a timer) over 100k keys (Zipf(1.0), ~8 calls/s): entries live at most 5 min; bounded by its TTL.',
    start: boundedMemo({ keys: 100_000, s: 1.0, rate: dailyRate(8, 0.3), maxAgeMs: 5 * 60_000 }),
  },
];
