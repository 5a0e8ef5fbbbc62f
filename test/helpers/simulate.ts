/**
 * Key-level workload simulations for the leak detector: real InstrumentedMaps in a registry on a
 * simulated clock, driven minute by minute by a seeded workload, watched by the real monitor
 * (`startLeakDetection`) with default options. Unlike curve generators, every series (entries, inserts,
 * deletes by cause, the oldest sampled entry's age) comes out of the library's own counting, from
 * process start, the way a service produces it.
 */
import { startLeakDetection } from '../../src/detect/monitor.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { MapRegistry } from '../../src/registry.js';
import type { LeakState } from '../../src/conventions.js';
import { prng } from './scenarios.js';

const MIN = 60_000;
const HOUR = 3_600_000;
export const T0 = Date.UTC(2026, 0, 1);

/** Poisson count with the given mean (normal approximation above 30). */
export function poisson(rand: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) {
    const u = Math.max(rand(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l && k < 1000);
  return k - 1;
}

/** Traffic multiplier of a 24 h cycle (1 +- amplitude), starting at `phase` ('trough' | 'peak'). */
export function daily(tMs: number, amplitude: number, phase: 'trough' | 'peak'): number {
  const shift = phase === 'trough' ? Math.PI : 0;
  return 1 + amplitude * Math.cos((2 * Math.PI * tMs) / (24 * HOUR) + shift);
}

export interface SimContext {
  readonly rand: () => number;
  /** Simulated ms since the process started. */
  readonly t: number;
  readonly map: Map<unknown, unknown>;
  /** Declares a bound on a new map (passed to the map's options); only read before the first minute. */
  next: () => number;
}

export interface Workload {
  readonly name: string;
  readonly leak: boolean;
  readonly hours: number;
  readonly description: string;
  /** When the leak starts, ms after process start (0: from the first minute). */
  readonly leakStartsAtMs?: number;
  /** Declared bound passed to the map's options. */
  readonly declare?: { maxEntries?: number; ttlMs?: number };
  /** Restart the process (new registry, new map, new monitor) every this many ms. */
  readonly restartEveryMs?: number;
  /** Operations for one simulated minute. */
  minute(ctx: SimContext): void;
}

export interface SimResult {
  readonly workload: Workload;
  /** State at every minute. */
  readonly states: LeakState[];
  readonly firstLeakMs: number | null;
  readonly firstGrowingMs: number | null;
  readonly finalState: LeakState;
  readonly finalReason: string;
  readonly maxEntries: number;
  /** Entries at every minute (for the baselines). */
  readonly entries: number[];
}

/** Runs a workload through a real map, registry and monitor, minute by minute. */
export function simulate(w: Workload, seed = 1): SimResult {
  // The survival sampler draws from Math.random; a seeded one makes every run of the suite identical.
  const random = Math.random;
  Math.random = prng(seed + 7919);
  try {
    return run(w, seed);
  } finally {
    Math.random = random;
  }
}

function run(w: Workload, seed: number): SimResult {
  const rand = prng(seed);
  let clock = T0;
  const now = (): number => clock;
  let counter = 0;
  const states: LeakState[] = [];
  let firstLeakMs: number | null = null;
  let firstGrowingMs: number | null = null;
  let finalReason = '';
  let maxEntries = 0;
  const entries: number[] = [];

  const boot = () => {
    const registry = new MapRegistry({ now, survivalSampling: true });
    const map = new InstrumentedMap<unknown, unknown>({ name: w.name, registry, ...w.declare });
    const monitor = startLeakDetection({ registry, now, intervalMs: 24 * HOUR });
    return { registry, map, monitor };
  };
  let proc = boot();
  const minutes = w.hours * 60;
  for (let m = 0; m < minutes; m++) {
    const t = m * MIN;
    if (w.restartEveryMs !== undefined && m > 0 && t % w.restartEveryMs === 0) {
      proc.monitor.stop();
      proc = boot();
    }
    w.minute({ rand, t, map: proc.map, next: () => counter++ });
    clock = T0 + t + MIN;
    proc.monitor.tick();
    const verdict = proc.registry.collect().names.find((n) => n.name === w.name)?.leak;
    const state = verdict?.state ?? 'collecting';
    states.push(state);
    if (state === 'leak' && firstLeakMs === null) firstLeakMs = t + MIN;
    if ((state === 'growing' || state === 'leak') && firstGrowingMs === null) firstGrowingMs = t + MIN;
    finalReason = verdict?.reason ?? '';
    maxEntries = Math.max(maxEntries, proc.map.size);
    entries.push(proc.map.size);
  }
  proc.monitor.stop();
  return {
    workload: w,
    states,
    firstLeakMs,
    firstGrowingMs,
    finalState: states[states.length - 1] ?? 'collecting',
    finalReason,
    maxEntries,
    entries,
  };
}
