/**
 * The shapes of the scenario families (scenarios.ts): for each family, how a random instance is drawn
 * (size, rate, noise, sampling interval) and sampled into observations.
 */
import type { Rng } from './prng.js';
import { T0, type Family, type Observation, type Scenario } from './scenarios.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Shape {
  /** Deterministic part of the entry count at time t (ms since start). */
  level(t: number): number;
  /** Extra noise on top (may use the rng); default Gaussian jitter of `jitter`. */
  noise?(t: number): number;
}

interface SampleOptions {
  /** How long the series runs (default 4 days). */
  durationMs?: number;
  intervalMs: number;
  /** Gaussian jitter (sd, entries). */
  jitter: number;
  /** Entries that come and go between samples, as a share of the level (adds to both counters). */
  churn: number;
  counters: boolean;
  /** Entry counts are integers >= 0. */
  round?: boolean;
}

/** Samples a shape at jittered intervals (+-20 %, 2 % dropped samples), deriving the counters. */
function sample(rng: Rng, shape: Shape, options: SampleOptions): Observation[] {
  const o = { durationMs: 4 * DAY, ...options };
  const out: Observation[] = [];
  let ins = rng.int(0, 1000);
  let del = Math.floor(ins * rng.uniform(0, 0.9));
  let prev: number | undefined;
  let t = rng.uniform(0, o.intervalMs);
  const maxSteps = Math.ceil((o.durationMs / o.intervalMs) * 1.5) + 10;
  for (let step = 0; step < maxSteps && t < o.durationMs; step++) {
    const dropped = rng.uniform() < 0.02;
    if (!dropped) {
      const raw = shape.level(t) + (shape.noise ? shape.noise(t) : rng.normal() * o.jitter);
      const entries = Math.max(0, Math.round(raw));
      const obs: Observation = { t: T0 + Math.round(t), entries };
      if (o.counters) {
        const delta = prev === undefined ? 0 : entries - prev;
        const churned = Math.round(
          rng.uniform(0.5, 1.5) * o.churn * Math.max(entries, 1) * (o.intervalMs / MIN),
        );
        ins += Math.max(delta, 0) + churned;
        del += Math.max(-delta, 0) + churned;
        obs.inserts = ins;
        obs.deletes = del;
      }
      out.push(obs);
      prev = entries;
    }
    t += o.intervalMs * rng.uniform(0.8, 1.2);
  }
  return out;
}

const INTERVALS = [15_000, 60_000, 300_000];
const SIZES = [200, 2_000, 20_000, 200_000];

function pct(x: number): string {
  return `${(x * 100).toFixed(2).replace(/\.?0+$/, '')}%`;
}

type Drawn = Omit<Scenario, 'id' | 'family'>;
type Maker = (rng: Rng, i: number) => Drawn;

/** What a family says of one instance; leakStartMs and relRatePerHour are 0 unless given. */
interface Described {
  leak: boolean;
  params: string;
  base: number;
  leakStartMs?: number;
  relRatePerHour?: number;
  /** Set only by the families whose noise is Gaussian jitter (see Scenario.jitter). */
  jitter?: number;
}

/** One instance of a family: its description, and its shape sampled (the rng's last use). */
function sampleFamily(rng: Rng, shape: Shape, d: Described, o: SampleOptions): Drawn {
  return {
    leak: d.leak,
    params: d.params,
    ...(d.jitter === undefined ? {} : { jitter: d.jitter }),
    leakStartMs: d.leakStartMs ?? 0,
    base: d.base,
    relRatePerHour: d.relRatePerHour ?? 0,
    observations: sample(rng, shape, o),
  };
}

export const makers: Record<Family, Maker> = {
  'warmup-plateau': (rng, i) => {
    const cap = SIZES[i % SIZES.length]!;
    const interval = INTERVALS[i % INTERVALS.length]!;
    const exp = i % 2 === 0;
    const fill = rng.uniform(5, 90) * MIN;
    const jitter = cap * rng.uniform(0.0005, 0.003);
    const shape: Shape = {
      level: (t) => (exp ? cap * (1 - Math.exp(-t / (fill / 3))) : cap * Math.min(1, t / fill)),
    };
    return sampleFamily(
      rng,
      shape,
      {
        leak: false,
        params: `cap ${cap}, ${exp ? 'exponential' : 'linear'} fill ${Math.round(fill / MIN)} min, every ${interval / 1000}s`,
        base: cap,
      },
      { intervalMs: interval, jitter, churn: 0.01, counters: i % 3 !== 0 },
    );
  },
  'lru-capacity': (rng, i) => {
    const cap = SIZES[i % SIZES.length]!;
    const interval = INTERVALS[(i + 1) % INTERVALS.length]!;
    const fill = rng.uniform(5, 120) * MIN;
    // At capacity an LRU sits at cap, dipping a little when a batch of evictions runs ahead of inserts.
    const shape: Shape = {
      level: (t) => cap * Math.min(1, t / fill),
      noise: (t) => (t < fill ? 0 : -Math.abs(rng.normal()) * cap * 0.002),
    };
    return sampleFamily(
      rng,
      shape,
      {
        leak: false,
        params: `capacity ${cap}, filled in ${Math.round(fill / MIN)} min, every ${interval / 1000}s`,
        base: cap,
      },
      { intervalMs: interval, jitter: 0, churn: 0.2, counters: true },
    );
  },
  'ttl-sawtooth': (rng, i) => {
    const hi = SIZES[i % SIZES.length]!;
    const interval = INTERVALS[i % 2]!; // a sawtooth needs samples shorter than its period
    const period = rng.uniform(10, 60) * MIN;
    const lo = hi * rng.uniform(0, 0.6);
    const phase = rng.uniform(0, period);
    const shape: Shape = { level: (t) => lo + (hi - lo) * (((t + phase) % period) / period) };
    return sampleFamily(
      rng,
      shape,
      {
        leak: false,
        params: `${Math.round(lo)}..${hi}, period ${Math.round(period / MIN)} min, every ${interval / 1000}s`,
        base: hi,
      },
      { intervalMs: interval, jitter: hi * 0.002, churn: 0.05, counters: i % 2 === 0 },
    );
  },
  'periodic-clear': (rng, i) => {
    const peak = SIZES[i % SIZES.length]!;
    const interval = INTERVALS[i % INTERVALS.length]!;
    const period = rng.pick([1, 3, 6, 12, 24]) * HOUR;
    const phase = rng.uniform(0, period);
    // Grows all period long (a concave or linear fill), then cleared to zero.
    const concave = i % 2 === 0;
    const shape: Shape = {
      level: (t) => {
        const x = ((t + phase) % period) / period;
        return peak * (concave ? Math.sqrt(x) : x);
      },
    };
    return sampleFamily(
      rng,
      shape,
      {
        leak: false,
        params: `peak ${peak}, cleared every ${period / HOUR} h, every ${interval / 1000}s`,
        base: peak,
      },
      { intervalMs: interval, jitter: peak * 0.002, churn: 0.02, counters: true },
    );
  },
  diurnal: (rng, i) => diurnal(rng, i, 0),
  'bursty-noise': (rng, i) => {
    const base = SIZES[i % SIZES.length]!;
    const interval = INTERVALS[i % INTERVALS.length]!;
    const jitter = base * rng.uniform(0.001, 0.01);
    // Bursts: Poisson arrivals (mean every 40 min) of short-lived batches up to 80 % of base.
    const bursts: { at: number; size: number; decay: number }[] = [];
    let at = rng.exp(40 * MIN);
    for (let n = 0; n < 500 && at < 5 * DAY; n++) {
      bursts.push({ at, size: base * rng.uniform(0.05, 0.8), decay: rng.uniform(1, 20) * MIN });
      at += rng.exp(40 * MIN);
    }
    const shape: Shape = {
      level: (t) => {
        let extra = 0;
        for (const b of bursts)
          if (t >= b.at && t < b.at + 5 * b.decay) extra += b.size * Math.exp(-(t - b.at) / b.decay);
        return base + extra;
      },
    };
    return sampleFamily(
      rng,
      shape,
      {
        leak: false,
        params: `base ${base}, jitter ${pct(jitter / base)}, ${bursts.length} bursts, every ${interval / 1000}s`,
        base,
      },
      { intervalMs: interval, jitter, churn: 0.1, counters: i % 2 === 0 },
    );
  },
  'bulk-load': (rng, i) => {
    const base = SIZES[i % SIZES.length]!;
    const interval = INTERVALS[i % INTERVALS.length]!;
    const load = base * rng.uniform(0.1, 3);
    const at = rng.uniform(1, 60) * HOUR;
    const ramp = rng.uniform(0.5, 30) * MIN;
    const shape: Shape = { level: (t) => base + load * Math.min(1, Math.max(0, (t - at) / ramp)) };
    return sampleFamily(
      rng,
      shape,
      {
        leak: false,
        params: `base ${base}, +${Math.round(load)} at ${Math.round(at / HOUR)} h over ${Math.round(ramp / MIN)} min, every ${interval / 1000}s`,
        base,
      },
      { intervalMs: interval, jitter: base * 0.002, churn: 0.02, counters: i % 2 === 1 },
    );
  },
  shrinking: (rng, i) => {
    const base = SIZES[i % SIZES.length]!;
    const interval = INTERVALS[i % INTERVALS.length]!;
    const rate = rng.uniform(0.002, 0.02);
    const shape: Shape = { level: (t) => base * Math.exp((-rate * t) / HOUR) };
    return sampleFamily(
      rng,
      shape,
      {
        leak: false,
        params: `base ${base}, shrinking ${pct(rate)}/h, every ${interval / 1000}s`,
        base,
        relRatePerHour: -rate,
      },
      { intervalMs: interval, jitter: base * 0.002, churn: 0.02, counters: true },
    );
  },
  // A warm-up that takes hours (a cache behind a slow backend, a lazily built index): it rises for
  // 3-8 h, linearly or decelerating, then holds. For the first hours it is a fast rise like any leak.
  'slow-warmup': (rng, i) => {
    const cap = SIZES[i % SIZES.length]!;
    const interval = INTERVALS[i % INTERVALS.length]!;
    const exp = i % 2 === 0;
    const fill = rng.uniform(3, 8) * HOUR;
    const start = cap * rng.uniform(0, 0.3);
    const shape: Shape = {
      level: (t) => start + (cap - start) * (exp ? 1 - Math.exp(-t / (fill / 3)) : Math.min(1, t / fill)),
    };
    return sampleFamily(
      rng,
      shape,
      {
        leak: false,
        params: `${Math.round(start)} -> ${cap}, ${exp ? 'exponential' : 'linear'} fill ${(fill / HOUR).toFixed(1)} h, every ${interval / 1000}s`,
        base: cap,
      },
      { intervalMs: interval, jitter: cap * rng.uniform(0.0005, 0.003), churn: 0.02, counters: i % 3 !== 0 },
    );
  },
  // A map that behaved for a day or more (flat, or under a daily cycle) and then starts leaking fast:
  // 3 to 20 % of its size per hour, or doubling every 6-12 h (a deploy that forgets to delete). The
  // delay is measured from the onset.
  'late-growth': (rng, i) => {
    const base = SIZES[i % SIZES.length]!;
    const interval = INTERVALS[i % INTERVALS.length]!;
    const onset = rng.uniform(26, 40) * HOUR;
    const kind = i % 4;
    const rate = [0.03, 0.1, 0.2, 0][kind]!;
    const doubling = rng.uniform(6, 12) * HOUR;
    const amp = i % 2 === 1 ? rng.uniform(0.1, 0.3) : 0;
    const phase = rng.uniform(0, 2 * Math.PI);
    const w = (2 * Math.PI) / DAY;
    const leak = (t: number): number => {
      if (t < onset) return 0;
      return kind === 3 ? 2 ** ((t - onset) / doubling) - 1 : (rate * (t - onset)) / HOUR;
    };
    const shape: Shape = { level: (t) => base * (1 + amp * Math.sin(w * t + phase) + leak(t)) };
    return sampleFamily(
      rng,
      shape,
      {
        leak: true,
        params: `base ${base}${amp > 0 ? `, daily +-${pct(amp)}` : ''}, from ${(onset / HOUR).toFixed(0)} h ${kind === 3 ? `doubling every ${(doubling / HOUR).toFixed(1)} h` : `+${pct(rate)} of base/h`}, every ${interval / 1000}s`,
        jitter: 0.001,
        leakStartMs: onset,
        base,
        relRatePerHour: kind === 3 ? Math.LN2 / (doubling / HOUR) : rate,
      },
      { durationMs: 3 * DAY, intervalMs: interval, jitter: base * 0.001, churn: 0.05, counters: i % 3 !== 2 },
    );
  },
  'steady-growth': (rng, i) => {
    const base = SIZES[i % SIZES.length]!;
    const interval = INTERVALS[i % INTERVALS.length]!;
    const rate = [0.005, 0.01, 0.02, 0.05, 0.005, 0.1][i % 6]!;
    const jitter = base * rng.uniform(0.0002, 0.001);
    const shape: Shape = { level: (t) => base * (1 + (rate * t) / HOUR) };
    return sampleFamily(
      rng,
      shape,
      {
        leak: true,
        params: `base ${base}, +${pct(rate)} of base/h, jitter ${pct(jitter / base)}, every ${interval / 1000}s`,
        jitter: jitter / base,
        base,
        relRatePerHour: rate,
      },
      { intervalMs: interval, jitter, churn: 0.02, counters: i % 3 !== 2 },
    );
  },
  'churn-growth': (rng, i) => {
    const base = SIZES[i % SIZES.length]!;
    const interval = INTERVALS[i % INTERVALS.length]!;
    const rate = [0.005, 0.01, 0.03, 0.1][i % 4]!;
    const churnAmp = base * rng.uniform(0.2, 1);
    // Heavy churn: on top of the leaking floor, a working set that fills and drains at random.
    const shape: Shape = {
      level: (t) => base * (1 + (rate * t) / HOUR),
      noise: () => churnAmp * rng.uniform() ** 2,
    };
    return sampleFamily(
      rng,
      shape,
      {
        leak: true,
        params: `floor ${base}, churn up to +${Math.round(churnAmp)}, +${pct(rate)} of base/h, every ${interval / 1000}s`,
        base,
        relRatePerHour: rate,
      },
      { intervalMs: interval, jitter: 0, churn: 0.5, counters: true },
    );
  },
  'diurnal-growth': (rng, i) => diurnal(rng, i, [0.003, 0.005, 0.01, 0.02][i % 4]!),
  'instance-growth': (rng, i) => {
    const base = [3, 10, 40, 150][i % 4]!;
    const interval = INTERVALS[i % INTERVALS.length]!;
    const perHour = Math.max(0.5, base * rng.uniform(0.02, 0.1));
    // Instances: owners (connections, tenants) come and go around the base, and a few never go away.
    const shape: Shape = {
      level: (t) => base + (perHour * t) / HOUR,
      noise: () => Math.floor(rng.uniform() ** 3 * base * 0.5),
    };
    return sampleFamily(
      rng,
      shape,
      {
        leak: true,
        params: `${base} instances, +${perHour.toFixed(1)}/h leaked, every ${interval / 1000}s`,
        base,
        relRatePerHour: perHour / base,
      },
      { intervalMs: interval, jitter: 0, churn: 0, counters: false },
    );
  },
};

/** A daily cycle (with a second harmonic and day-to-day variation), optionally over a slow leak. */
function diurnal(rng: Rng, i: number, rate: number): Omit<Scenario, 'id' | 'family'> {
  const base = SIZES[i % SIZES.length]!;
  const interval = INTERVALS[i % INTERVALS.length]!;
  const amp = rng.uniform(0.15, 0.5);
  const h2 = rng.uniform(0, 0.3);
  const phase = rng.uniform(0, 2 * Math.PI);
  const phase2 = rng.uniform(0, 2 * Math.PI);
  const dayScale = Array.from({ length: 8 }, () => rng.uniform(0.9, 1.1));
  const w = (2 * Math.PI) / DAY;
  const shape: Shape = {
    level: (t) => {
      const day = dayScale[Math.min(7, Math.floor(t / DAY))]!;
      const cycle = Math.sin(w * t + phase) + h2 * Math.sin(2 * w * t + phase2);
      return base * (1 + amp * day * cycle + (rate * t) / HOUR);
    },
  };
  const jitter = base * rng.uniform(0.001, 0.004);
  return sampleFamily(
    rng,
    shape,
    {
      leak: rate > 0,
      params: `base ${base}, daily +-${pct(amp)}${rate > 0 ? `, leak +${pct(rate)} of base/h` : ''}, every ${interval / 1000}s`,
      base,
      relRatePerHour: rate,
    },
    { durationMs: 5 * DAY, intervalMs: interval, jitter, churn: 0.05, counters: i % 2 === 0 },
  );
}

/** Scenarios of one family: `count` variants, seeded from `seed`. */
