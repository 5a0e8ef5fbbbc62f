/**
 * The workload families of the detector's scenario suite: what services really do to maps, simulated
 * key by key (see simulate.ts). Leaks keep some keys forever while adding new ones; bounded maps lose
 * their entries to TTL expiry, LRU eviction, clearing or restarts, or run out of new keys.
 */
import { daily, poisson, type SimContext, type Workload } from './simulate.js';

const MIN = 60_000;
const HOUR = 3_600_000;

/** Entries with an expiry time, swept every minute (a TTL cache whose timer purges expired keys). */
function ttlSweep(ctx: SimContext, expiries: Map<unknown, number>): void {
  for (const [k, at] of expiries) {
    if (at > ctx.t) continue;
    expiries.delete(k);
    ctx.map.delete(k);
  }
}

/** Skewed key popularity over `n` keys (a few hot keys, a long tail). */
function skewedKey(rand: () => number, n: number): number {
  return Math.floor(n * rand() ** 2.5);
}

function ttlCache(
  name: string,
  hours: number,
  perMin: number,
  ttlMs: number,
  amplitude: number,
  phase: 'trough' | 'peak',
  declare?: { ttlMs: number },
): Workload {
  const expiries = new Map<unknown, number>();
  return {
    name,
    leak: false,
    hours,
    declare,
    description:
      amplitude === 0
        ? `TTL cache (${ttlMs / MIN} min TTL) under flat traffic (${perMin}/min)`
        : `TTL cache (${ttlMs / MIN} min TTL) under a 24 h traffic cycle starting at its ${phase}`,
    minute(ctx) {
      ttlSweep(ctx, expiries);
      const n = poisson(ctx.rand, perMin * daily(ctx.t, amplitude, phase));
      for (let i = 0; i < n; i++) {
        const k = `s${ctx.next()}`;
        ctx.map.set(k, 1);
        expiries.set(k, ctx.t + ttlMs);
      }
    },
  };
}

/** Requests that add a key and delete it when done, except a share `leakShare` that is never deleted. */
function forgetful(
  name: string,
  hours: number,
  perMin: number,
  leakShare: number,
  opts: { amplitude?: number; phase?: 'trough' | 'peak'; lifetimeMin?: number; startsAtMs?: number } = {},
): Workload {
  const pending: { k: unknown; at: number }[] = [];
  const { amplitude = 0, phase = 'trough', lifetimeMin = 5, startsAtMs = 0 } = opts;
  return {
    name,
    leak: true,
    hours,
    leakStartsAtMs: startsAtMs,
    description: `${perMin}/min requests each add a key and delete it after ~${lifetimeMin} min; ${leakShare * 100} % are never deleted${startsAtMs > 0 ? ` from ${startsAtMs / HOUR} h` : ''}${amplitude > 0 ? `; 24 h cycle starting at its ${phase}` : ''}`,
    minute(ctx) {
      while (pending.length > 0 && pending[0]!.at <= ctx.t) ctx.map.delete(pending.shift()!.k);
      const n = poisson(ctx.rand, perMin * daily(ctx.t, amplitude, phase));
      for (let i = 0; i < n; i++) {
        const k = `r${ctx.next()}`;
        ctx.map.set(k, 1);
        if (ctx.t >= startsAtMs && ctx.rand() < leakShare) continue; // forgotten
        pending.push({ k, at: ctx.t + Math.ceil(ctx.rand() * 2 * lifetimeMin) * MIN });
      }
      pending.sort((a, b) => a.at - b.at);
    },
  };
}

/** A memoizer over a bounded key space of 20k keys with skewed popularity: fills for hours, no deletes. */
function keyspaceMemo(name: string, declare?: { maxEntries: number }): Workload {
  return {
    name,
    leak: false,
    hours: 30,
    declare,
    description: `memoizer over a bounded key space of 20k keys with skewed popularity, no deletes${declare ? ', key space declared as maxEntries' : ''}`,
    minute(ctx) {
      const n = poisson(ctx.rand, 150);
      for (let i = 0; i < n; i++) {
        const k = skewedKey(ctx.rand, 20_000);
        if (ctx.map.get(k) === undefined) ctx.map.set(k, 1);
      }
    },
  };
}

export const LEAK_WORKLOADS: readonly (() => Workload)[] = [
  () => forgetful('request-context', 8, 200, 0.05),
  () => forgetful('listeners-peak', 30, 200, 0.05, { amplitude: 0.6, phase: 'peak' }),
  () => forgetful('listeners-trough', 30, 200, 0.05, { amplitude: 0.6, phase: 'trough' }),
  () => forgetful('late-leak', 12, 300, 0.03, { startsAtMs: 6 * HOUR }),
  () => ({
    name: 'unique-memo',
    leak: true,
    hours: 8,
    description: 'memoizer keyed by request id: every key is new and none is ever deleted',
    minute(ctx) {
      const n = poisson(ctx.rand, 40);
      for (let i = 0; i < n; i++) ctx.map.set(`q${ctx.next()}`, 1);
    },
  }),
  () => {
    // +14 %/h of the starting 5,000, entries that never leave
    let started = false;
    return {
      name: 'steady-14pct',
      leak: true,
      hours: 8,
      description: '5,000 entries at start, then +14 %/h (700 entries/h) that are never deleted',
      minute(ctx) {
        if (!started) {
          for (let i = 0; i < 5000; i++) ctx.map.set(`b${ctx.next()}`, 1);
          started = true;
        }
        const n = poisson(ctx.rand, 700 / 60);
        for (let i = 0; i < n; i++) ctx.map.set(`g${ctx.next()}`, 1);
      },
    };
  },
  () => {
    // A 0.5 %/h leak: a long-lived map of 20k entries (loaded at start) gains 100 entries/h that are
    // never removed, beside 2k entries of 10-min churn.
    const expiries = new Map<unknown, number>();
    return {
      name: 'slow-leak-0.5pct',
      leak: true,
      hours: 8,
      description:
        '20k long-lived entries loaded at start gain 0.5 %/h (100/h) never removed, beside 2k entries of 10-min churn',
      minute(ctx) {
        if (ctx.t === 0) for (let i = 0; i < 20_000; i++) ctx.map.set(`base${i}`, 1);
        ttlSweep(ctx, expiries);
        const n = poisson(ctx.rand, 200);
        for (let i = 0; i < n; i++) {
          const k = `c${ctx.next()}`;
          ctx.map.set(k, 1);
          expiries.set(k, ctx.t + 10 * MIN);
        }
        const leaked = poisson(ctx.rand, 100 / 60);
        for (let i = 0; i < leaked; i++) ctx.map.set(`l${ctx.next()}`, 1);
      },
    };
  },
  // Growth in batches, the twin of bulk-load-beside-base: an import job every 2 h whose 4,000 records (20 %
  // of the map at first) are cached and never dropped, beside the same 20-min churn. Each batch alone is
  // one step, as a bulk load is; only the second tells them apart.
  () => ({
    ...bulkLoad(
      'batch-leak',
      '20k entries kept from start; from 1 h, every 2 h a batch of 4,000 more that are never removed, beside 20-min churn',
      20_000,
      4_000,
      2 * HOUR,
    ),
    leak: true,
    hours: 12,
    leakStartsAtMs: HOUR,
  }),
];

/**
 * Hard cases, reported but not held to the 3 h goal: a 0.5 %/h leak under a churn of its whole size
 * every hour. Churn noise (about the square root of the size) hides the floor's rise for hours, and the
 * sampler catches a leaked entry only as often as a sampled slot empties and refills with one.
 */
export const HARD_LEAK_WORKLOADS: readonly (() => Workload)[] = [
  () => {
    const expiries = new Map<unknown, number>();
    return {
      name: 'slow-leak-heavy-churn',
      leak: true,
      hours: 30,
      description:
        'TTL cache of ~20k entries (1 h TTL); 0.5 %/h of its size (100 entries/h) is never expired',
      minute(ctx) {
        ttlSweep(ctx, expiries);
        const n = poisson(ctx.rand, 333);
        for (let i = 0; i < n; i++) {
          const k = `c${ctx.next()}`;
          ctx.map.set(k, 1);
          if (ctx.rand() >= 100 / 60 / 333) expiries.set(k, ctx.t + HOUR);
        }
      },
    };
  },
];

/** A flat TTL cache whose undeclared TTL is as long as the fresh window (see UNDECLARED_FILL_WORKLOADS). */
export const TTL_2H_FLAT = 'ttl-2h-flat-undeclared';

/**
 * Bounded in truth but indistinguishable from a leak while they fill, unless their bound is declared
 * (the keyspace memoizer fills linearly for its first hour or two). Reported, not held to "never leak".
 */
export const UNDECLARED_FILL_WORKLOADS: readonly (() => Workload)[] = [
  () => keyspaceMemo('keyspace-memo'),
  // Fills for its 2 h TTL, as long as the window: a leak by every signal until then; flat after.
  () => ttlCache(TTL_2H_FLAT, 12, 167, 2 * HOUR, 0, 'trough'),
];

/**
 * `load` entries set once at 1 h, beside `base` entries kept from the start and a TTL-bounded churn (60
 * inserts a minute, 20 min TTL): one step up, then flat.
 */
/**
 * `base` entries kept from the start, `load` more loaded at 1 h (and every `everyMs` after, when given)
 * and never removed, beside a churn of 60 entries a minute that expire after 20 min.
 */
function bulkLoad(name: string, description: string, base: number, load: number, everyMs = 0): Workload {
  const expiries = new Map<unknown, number>();
  return {
    name,
    leak: false,
    hours: 8,
    description,
    minute(ctx) {
      ttlSweep(ctx, expiries);
      if (ctx.t === 0) for (let i = 0; i < base; i++) ctx.map.set(`base${i}`, 1);
      const since = ctx.t - HOUR;
      const loads = since === 0 || (everyMs > 0 && since > 0 && since % everyMs === 0);
      if (loads) for (let i = 0; i < load; i++) ctx.map.set(`ref${since}-${i}`, 1);
      const n = poisson(ctx.rand, 60);
      for (let i = 0; i < n; i++) {
        const k = `y${ctx.next()}`;
        ctx.map.set(k, 1);
        expiries.set(k, ctx.t + 20 * MIN);
      }
    },
  };
}

export const BOUNDED_WORKLOADS: readonly (() => Workload)[] = [
  () => ttlCache('ttl-cycle-trough', 30, 150, HOUR, 0.7, 'trough'),
  () => ttlCache('ttl-cycle-peak', 30, 150, HOUR, 0.7, 'peak'),
  () => ttlCache('ttl-24h-declared', 30, 20, 24 * HOUR, 0.5, 'trough', { ttlMs: 24 * HOUR }),
  () => ttlCache('ttl-sawtooth', 8, 100, 10 * MIN, 0, 'trough'),
  () => keyspaceMemo('keyspace-memo-declared', { maxEntries: 20_000 }),
  () => ({
    name: 'lru-capacity',
    leak: false,
    hours: 8,
    declare: undefined,
    description: 'LRU of 5,000 entries over 200k skewed keys, at capacity after minutes (bound not declared)',
    minute(ctx) {
      const n = poisson(ctx.rand, 300);
      for (let i = 0; i < n; i++) {
        const k = skewedKey(ctx.rand, 200_000);
        if (ctx.map.get(k) !== undefined) {
          ctx.map.delete(k); // refresh recency (an LRU's move-to-front)
          ctx.map.set(k, 1);
          continue;
        }
        ctx.map.set(k, 1);
        if (ctx.map.size > 5000) ctx.map.delete(ctx.map.keys().next().value);
      }
    },
  }),
  () => ({
    name: 'lru-filling-declared',
    leak: false,
    hours: 30,
    declare: { maxEntries: 10_000 },
    description: 'LRU with a declared max of 10,000 filling for ~20 h under slow traffic of new keys',
    minute(ctx) {
      const n = poisson(ctx.rand, 8);
      for (let i = 0; i < n; i++) {
        ctx.map.set(`u${ctx.next()}`, 1);
        if (ctx.map.size > 10_000) ctx.map.delete(ctx.map.keys().next().value);
      }
    },
  }),
  () => ({
    name: 'periodic-clear',
    leak: false,
    hours: 8,
    description: 'entries added and never deleted, but the map is cleared every 30 min',
    minute(ctx) {
      if (ctx.t % (30 * MIN) === 0) ctx.map.clear();
      const n = poisson(ctx.rand, 50);
      for (let i = 0; i < n; i++) ctx.map.set(`p${ctx.next()}`, 1);
    },
  }),
  () => {
    const w = ttlCache('restarts', 30, 100, 30 * MIN, 0.3, 'trough');
    return {
      ...w,
      restartEveryMs: 6 * HOUR,
      description: `${w.description}; the process restarts every 6 h`,
    };
  },
  () => {
    const expiries = new Map<unknown, number>();
    return {
      name: 'bursty',
      leak: false,
      hours: 8,
      description: 'TTL cache (15 min) with traffic bursts of 10x for a few minutes at random',
      minute(ctx) {
        ttlSweep(ctx, expiries);
        const burst = ctx.rand() < 0.03 ? 10 : 1;
        const n = poisson(ctx.rand, 50 * burst);
        for (let i = 0; i < n; i++) {
          const k = `x${ctx.next()}`;
          ctx.map.set(k, 1);
          expiries.set(k, ctx.t + 15 * MIN);
        }
      },
    };
  },
  () =>
    bulkLoad(
      'bulk-load',
      '10k reference entries loaded once at 1 h, then a TTL-bounded churn beside them',
      0,
      10_000,
    ),
  () =>
    bulkLoad(
      'bulk-load-beside-base',
      '5k settings loaded at start and kept, a 20k catalog loaded once at 1 h, then a TTL-bounded churn beside them',
      5_000,
      20_000,
    ),
];
