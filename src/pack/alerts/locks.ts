/**
 * The alerts of the mapwatch-locks group: map locks that are stuck, storm, make tasks wait long or time out.
 * Listed in the order of the rule file.
 */
import { LABELS, METRICS } from '../../conventions.js';
import { parseDuration } from '../duration.js';
import { grafanaUnitOf } from '../grafana-units.js';
import { histogramSeries, num } from '../promql.js';
import { increaseSum, rateSum, timeoutShare, waitQuantile } from './conditions.js';
import { byMap, MAP_PHRASE, mapSeries, onMap } from './selectors.js';
import { type AlertDef } from './types.js';

export const LOCK_ALERTS: readonly AlertDef[] = [
  {
    key: 'lockStuck',
    name: 'MapwatchLockStuck',
    group: 'mapwatch-locks',
    signal: 'lock',
    scope: 'map',
    summary: 'Tasks wait for a map lock that is granted to nobody: the lock is stuck.',
    description: (c) =>
      `At least {{ $value }} tasks waited for the lock of ${MAP_PHRASE} in every sample of the last ` +
      `${c.lock.stuckWindow}, and the lock was not granted once in that time. A holder never released it.`,
    expr: (c) =>
      // Waiting time is credited only on grant or abandon, so a stuck lock shows in no wait metric: only the
      // waiter gauge stays up while the grant counter stands still (or never existed).
      `min ${byMap(c)} (min_over_time(${mapSeries(c, METRICS.lockWaiters.name)}[${c.lock.stuckWindow}])) > 0\n` +
      `unless ${onMap(c)}\n` +
      `${increaseSum(c, METRICS.lockAcquisitions.name, c.lock.stuckWindow)} > 0`,
    panel: (c) => ({
      expr: `min ${byMap(c)} (min_over_time(${mapSeries(c, METRICS.lockWaiters.name)}[${c.lock.stuckWindow}]))`,
      unit: grafanaUnitOf(METRICS.lockWaiters),
    }),
  },
  {
    key: 'lockStorm',
    name: 'MapwatchLockStorm',
    group: 'mapwatch-locks',
    signal: 'lock',
    scope: 'map',
    summary: 'Tasks queue on a map lock: many wait at once, and each waits long.',
    description: (c) =>
      `On average {{ $value | humanize }} tasks waited for the lock of ${MAP_PHRASE} over the last ${c.lock.window} ` +
      `(seconds spent waiting per second), and each contended acquisition waited ${num(c.lock.stormMeanWaitSeconds)}s ` +
      'or more on average. Requests that need this map queue behind each other.',
    expr: (c) => {
      const wait = rateSum(c, METRICS.lockWaitSeconds.name, c.lock.window);
      const contended = rateSum(
        c,
        METRICS.lockAcquisitions.name,
        c.lock.window,
        `${LABELS.contended}="true"`,
      );
      // By Little's law the waiting time accrued per second is the mean number of waiting tasks: one
      // condition, not two. The second asks how long each of them waits.
      return (
        `${wait} >= ${num(c.lock.stormWaiters)}\n` +
        `and ${onMap(c)}\n(\n  ${wait}\n  / ${contended}\n) >= ${num(c.lock.stormMeanWaitSeconds)}`
      );
    },
    panel: (c) => ({
      // The same rate as increase() over the window's seconds: Grafana's dashboard linter asks every rate()
      // of a panel to run over $__rate_interval, and this panel draws the alert's own window.
      expr: `${increaseSum(c, METRICS.lockWaitSeconds.name, c.lock.window)}\n  / ${num(parseDuration(c.lock.window))}`,
      threshold: c.lock.stormWaiters,
      unit: 'short',
    }),
  },
  {
    key: 'lockWaitsLong',
    name: 'MapwatchLockWaitsLong',
    group: 'mapwatch-locks',
    signal: 'lock',
    scope: 'map',
    summary: 'Contended lock acquisitions on a map wait too long.',
    description: (c) =>
      `The ${c.lock.waitQuantile * 100}th percentile wait for the lock of ${MAP_PHRASE} is {{ $value | humanize }}s ` +
      `over ${c.lock.window}, above ${num(c.lock.longWaitSeconds)}s.`,
    expr: (c) =>
      `${waitQuantile(c)} > ${num(c.lock.longWaitSeconds)}\n` +
      `and ${onMap(c)}\n${rateSum(c, histogramSeries(METRICS.lockWaitDuration).count, c.lock.window)} > ${num(c.lock.minContendedPerSecond)}`,
    panel: (c) => ({ expr: waitQuantile(c, 'increase'), threshold: c.lock.longWaitSeconds, unit: 's' }),
  },
  {
    key: 'lockTimeouts',
    name: 'MapwatchLockTimeouts',
    group: 'mapwatch-locks',
    signal: 'lock',
    scope: 'map',
    summary: 'A share of the lock acquisitions on a map time out or are aborted.',
    description: (c) =>
      `{{ $value | humanizePercentage }} of the acquisitions of the lock of ${MAP_PHRASE} were abandoned (timeout or ` +
      `abort) in the last ${c.lock.timeoutWindow}, at least ${num(c.lock.minTimeouts)} of them. Each is an operation ` +
      'that failed waiting.',
    expr: (c) =>
      `(\n  ${timeoutShare(c)}\n) >= ${num(c.lock.timeoutRatio)}\n` +
      `and ${onMap(c)}\n${increaseSum(c, METRICS.lockTimeouts.name, c.lock.timeoutWindow)} >= ${num(c.lock.minTimeouts)}`,
    panel: (c) => ({ expr: timeoutShare(c), threshold: c.lock.timeoutRatio, unit: 'percentunit' }),
  },
];
