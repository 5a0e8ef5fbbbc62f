/**
 * The configs the tests are generated under. promtool evaluates every rule at every step of a test, so the
 * day-scale and fresh-target tests run on a coarser step than the config's, the largest that divides every
 * duration they check; a tuned config gets its own steps, computed the same way.
 */
import { leftOpenRanges, type AlertKey, type PackConfig } from '../config.js';
import { parseDuration, promDuration } from '../duration.js';
import { Sim } from './promsim.js';
import { MEMORY_KEYS } from './scenarios/memory.js';

/**
 * The model of the config's engine, on the config's step: closed ranges for Prometheus 2, left-open ranges for
 * Prometheus 3 and vmalert (`--target`).
 */
export function simOf(c: PackConfig): Sim {
  return new Sim(parseDuration(c.evaluationInterval), leftOpenRanges(c) ? 'left-open' : 'closed');
}

/** Alerts whose windows are hours to days; their tests run on a coarser step (see longConfig). */
export const LONG_KEYS: readonly AlertKey[] = ['growth', 'growthCeiling', 'instancesGrowing'];

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The config on the largest step that divides every one of `durations` and leaves at least `samples`
 * samples in the shortest of `shortest` (seconds). promtool evaluates every rule at every step of a test,
 * so a two-day test at 1m would take minutes; at 15m it takes a second and checks the same boundaries.
 */
function scaledConfig(c: PackConfig, durations: string[], shortest: number[], samples: number): PackConfig {
  const interval = parseDuration(c.evaluationInterval);
  const g = durations.map(parseDuration).reduce(gcd);
  const bound = Math.min(...shortest) / samples;
  for (let k = Math.floor(g / interval); k > 1; k--) {
    const d = k * interval;
    if (g % d === 0 && d <= bound) return { ...c, evaluationInterval: promDuration(d) };
  }
  return c;
}

const timingOf = (c: PackConfig, keys: readonly AlertKey[]) =>
  keys.flatMap((k) => [c.alerts[k].for, c.alerts[k].keepFiringFor ?? c.alerts[k].for]);

/** The config as the day-scale tests see it (15m for the defaults). */
export function longConfig(c: PackConfig): PackConfig {
  const half = promDuration(parseDuration(c.instances.window) / 2);
  const windows = [
    c.growth.window,
    c.growth.predictWindow,
    c.growth.peakWindow,
    c.instances.peakWindow,
    half,
  ];
  const shortest = [c.growth.window, c.growth.predictWindow, half].map(parseDuration);
  return scaledConfig(c, [...windows, ...timingOf(c, LONG_KEYS)], shortest, 8);
}

/**
 * The config of the fresh-target and memory tests (5m for the defaults): their windows, and those of the
 * day-scale alerts that the fresh-start and out-of-memory shapes check too.
 */
export function freshConfig(c: PackConfig): PackConfig {
  const half = promDuration(parseDuration(c.instances.window) / 2);
  const windows = [
    c.fresh.window,
    c.fresh.floorWindow,
    c.fresh.floorOffset,
    c.growth.window,
    c.growth.predictWindow,
    c.growth.peakWindow,
    c.instances.peakWindow,
    half,
    c.memory.window,
    c.memory.restartWindow,
  ];
  const timing = timingOf(c, [...LONG_KEYS, 'freshLeak', ...MEMORY_KEYS]);
  return scaledConfig(c, [...windows, ...timing], [parseDuration(c.fresh.floorWindow)], 6);
}
