/**
 * The duration options: each in Prometheus' grammar, within its range, and (windows and `for`) a multiple of
 * evaluationInterval that spans a bounded number of evaluations, since the generator simulates every test at
 * every evaluation step.
 */
import {
  DURATION_RANGES,
  durationRangeError,
  durationSeconds,
  MAX_LONG_STEPS,
  MAX_SPAN_STEPS,
  type DurationRange,
} from './bounds.js';
import { ALERT_KEYS, type PackConfig } from './schema.js';

/** The windows with their class: day-scale ones (tests on a coarser step) and the rest. */
function windows(c: PackConfig): Array<[string, string, DurationRange]> {
  const { long, short } = DURATION_RANGES;
  return [
    ['growth.window', c.growth.window, long],
    ['growth.peakWindow', c.growth.peakWindow, long],
    ['growth.predictWindow', c.growth.predictWindow, long],
    ['growth.predictHorizon', c.growth.predictHorizon, DURATION_RANGES.horizon],
    ['fresh.window', c.fresh.window, short],
    ['fresh.floorWindow', c.fresh.floorWindow, short],
    ['fresh.floorOffset', c.fresh.floorOffset, short],
    ['leak.holdWindow', c.leak.holdWindow, short],
    ['memory.window', c.memory.window, short],
    ['memory.restartWindow', c.memory.restartWindow, short],
    ['instances.window', c.instances.window, long],
    ['instances.peakWindow', c.instances.peakWindow, long],
    ['lock.stuckWindow', c.lock.stuckWindow, short],
    ['lock.window', c.lock.window, short],
    ['lock.timeoutWindow', c.lock.timeoutWindow, short],
    ['promotion.window', c.promotion.window, short],
    ['cache.window', c.cache.window, short],
    ['loads.window', c.loads.window, short],
    ['registry.overflowWindow', c.registry.overflowWindow, short],
    ['absence.lookback', c.absence.lookback, long],
    ['exporter.errorsWindow', c.exporter.errorsWindow, short],
    ['exporter.window', c.exporter.window, short],
    ['exporter.growthWindow', c.exporter.growthWindow, short],
    ...ALERT_KEYS.flatMap((key): Array<[string, string, DurationRange]> => {
      const a = c.alerts[key];
      const timing = DURATION_RANGES.timing;
      return [
        [`alerts.${key}.for`, a.for, timing],
        ...(a.keepFiringFor === null
          ? []
          : [[`alerts.${key}.keepFiringFor`, a.keepFiringFor, timing] as [string, string, DurationRange]]),
      ];
    }),
  ];
}

/**
 * Checks every duration of `c` (calling `fail` with the first problem) and returns the seconds of each by path.
 * evaluationInterval is read first, with the same guard as the others: every other check divides by it.
 */
export function checkDurations(c: PackConfig, fail: (msg: string) => never): (path: string) => number {
  const seen = new Map<string, number>();
  const read = (path: string, v: string, range: DurationRange): number => {
    const d = durationSeconds(v);
    if ('error' in d) return fail(`${path} ${d.error}; got '${v}'`);
    const err = durationRangeError(path, v, d.seconds, range);
    if (err) fail(err);
    seen.set(path, d.seconds);
    return d.seconds;
  };
  const interval = read('evaluationInterval', c.evaluationInterval, DURATION_RANGES.evaluationInterval);
  const longest = { short: ['', 0], for: ['', 0], keep: ['', 0] } as Record<string, [string, number]>;
  for (const [path, v, range] of windows(c)) {
    const seconds = read(path, v, range);
    if (seconds % interval !== 0) {
      fail(`${path} (${v}) must be a multiple of evaluationInterval (${c.evaluationInterval})`);
    }
    const kind =
      range === DURATION_RANGES.long || range === DURATION_RANGES.horizon
        ? 'long'
        : path.endsWith('.for')
          ? 'for'
          : path.endsWith('.keepFiringFor')
            ? 'keep'
            : 'short';
    if (kind === 'long' && seconds / interval > MAX_LONG_STEPS) {
      fail(
        `${path} (${v}) must span at most ${MAX_LONG_STEPS} evaluations of evaluationInterval (${c.evaluationInterval}); ` +
          'shorten it or raise evaluationInterval',
      );
    }
    const top = longest[kind];
    if (top && seconds > top[1]) longest[kind] = [path, seconds];
  }
  // A test runs a window, then `for`, then `keep_firing_for` on the config's own step, and the generator's
  // time grows with the square of that length; the longest of each bounds every alert's.
  const span = Object.values(longest);
  if (span.reduce((sum, [, s]) => sum + s, 0) / interval > MAX_SPAN_STEPS) {
    fail(
      `${span.map(([p]) => p).join(' + ')} must together span at most ${MAX_SPAN_STEPS} evaluations of ` +
        `evaluationInterval (${c.evaluationInterval}); shorten them or raise evaluationInterval`,
    );
  }
  if (((seen.get('instances.window') as number) / interval) % 2 !== 0) {
    fail('instances.window must be an even multiple of evaluationInterval (its half is the recent window)');
  }
  read('dashboards.refresh', c.dashboards.refresh, DURATION_RANGES.refresh);
  return (path) => seen.get(path) as number;
}
