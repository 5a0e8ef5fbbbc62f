/** The runbook sections of mapwatch-locks: stuck, stormy, slow and timing-out map locks. */
import { METRICS } from '../../conventions.js';
import { type PackConfig } from '../config.js';
import { MAP_MATCHERS, type Section, TOOLS_ANCHOR } from './common.js';

export function lockSections(
  c: PackConfig,
): Record<'lockStuck' | 'lockStorm' | 'lockWaitsLong' | 'lockTimeouts', Section> {
  return {
    lockStuck: {
      meaning:
        `\`${METRICS.lockWaiters.name}\` was above 0 in every sample of the last ${c.lock.stuckWindow} and ` +
        `\`${METRICS.lockAcquisitions.name}\` did not increase: tasks are queued and nobody is granted the lock. ` +
        `Wait time (\`${METRICS.lockWaitSeconds.name}\`, the wait histogram) is only credited when a wait ends by a ` +
        'grant or an abandon, so a stuck lock shows in no wait metric and MapwatchLockStorm, MapwatchLockWaitsLong ' +
        'stay silent; only timeouts, if callers set them, show up.',
      impact:
        'Critical: every request that needs this map hangs (or times out) until the process restarts. Queued tasks and their ' +
        'memory pile up.',
      diagnosis: [
        'Deadlock by re-entrancy: mapwatch locks are not re-entrant. Code that holds the lock (inside `write`, `update` or `read` of a `LockedMap`, or a shard of a `ShardedMap`) and calls another locking method of the same map (`get`, `set`, `update`, `snapshot`, a cross-shard call) waits for itself forever.',
        'A holder awaiting something that never settles: a promise without a timeout (a request to a hung backend, an event that never fires) awaited inside the critical section.',
        `Before restarting, write a diagnostic report (see [the tools](${TOOLS_ANCHOR})): its JavaScript stack and active handles show the pending section.`,
      ],
      queries: [
        ['Waiters and grants per second:', `max(${METRICS.lockWaiters.name}{${MAP_MATCHERS}})`],
        [
          'Grants per second (0 while stuck):',
          `sum(rate(${METRICS.lockAcquisitions.name}{${MAP_MATCHERS}}[5m]))`,
        ],
      ],
      mitigation: [
        'Restart the affected instances to release the lock; the queue is lost.',
        'Never call the map’s own locking methods inside its critical section: use the view passed to the callback. Give every await inside a section its own timeout or AbortSignal.',
        'Set timeouts (`timeoutMs` / `signal`) on acquisitions so callers fail fast instead of queueing forever.',
      ],
    },
    lockStorm: {
      meaning:
        `On average at least ${c.lock.stormWaiters} tasks waited for the map's lock over ${c.lock.window} ` +
        `(\`rate(${METRICS.lockWaitSeconds.name})\`: by Little's law, the waiting time accrued per second is the mean number of ` +
        `waiting tasks), and each contended acquisition waited ${c.lock.stormMeanWaitSeconds} s or more on average ` +
        `(the same rate over \`${METRICS.lockAcquisitions.name}{contended="true"}\`). The queue is long and it moves slowly.`,
      impact:
        "Requests touching this map queue behind each other: their latency rises by the wait, and throughput is one critical section at a time. A warning: it is a cause; the page comes from the service's own latency or error alerts, or from MapwatchLockTimeouts and MapwatchLockStuck when callers fail.",
      diagnosis: [
        'On the map dashboard compare hold time per second with wait time per second: hold time near 1 s/s means the lock is always held.',
        'Find critical sections that span an `await` (I/O, a remote call) while holding the write lock.',
        'A cache miss on a hot key inside the lock turns into a stampede serialized by the lock.',
      ],
      queries: [
        [
          'Tasks waiting on average, by mode:',
          `sum by (mode) (rate(${METRICS.lockWaitSeconds.name}{${MAP_MATCHERS}}[${c.lock.window}]))`,
        ],
        [
          'Mean wait per contended acquisition, seconds:',
          `sum(rate(${METRICS.lockWaitSeconds.name}{${MAP_MATCHERS}}[${c.lock.window}]))\n  / sum(rate(${METRICS.lockAcquisitions.name}{${MAP_MATCHERS}, contended="true"}[${c.lock.window}]))`,
        ],
        [
          'Hold time per second (near 1: always held):',
          `sum by (mode) (rate(${METRICS.lockHoldSeconds.name}{${MAP_MATCHERS}}[${c.lock.window}]))`,
        ],
      ],
      mitigation: [
        'Shrink the critical section: compute outside the lock, take it only for the read-modify-write of the map itself, never across `await` on I/O.',
        'Use read locks for readers; use `LoadingMap` (single-flight loads) instead of loading under a write lock.',
        'Shard the map (`ShardedMap`) so unrelated keys do not share one lock.',
      ],
    },
    lockWaitsLong: {
      meaning:
        `The ${c.lock.waitQuantile} quantile of \`${METRICS.lockWaitDuration.name}\` over ${c.lock.window} is above ` +
        `${c.lock.longWaitSeconds} s, with more than ${c.lock.minContendedPerSecond} contended acquisitions per second.`,
      impact:
        'Some requests wait long on shared state even when the average looks fine; tail latency suffers.',
      diagnosis: [
        'Check the wait quantiles by mode: long write waits behind readers, or reads queued behind a slow writer.',
        'Look for occasional long sections: a full-map scan, a bulk reload, a clear done key by key.',
      ],
      queries: [
        [
          `The ${c.lock.waitQuantile} quantile of the wait, by mode:`,
          `histogram_quantile(${c.lock.waitQuantile}, sum by (mode, le) (rate(${METRICS.lockWaitDuration.name}_bucket{${MAP_MATCHERS}}[${c.lock.window}])))`,
        ],
      ],
      mitigation: [
        'Replace bulk rebuilds under the lock with building a new map outside and swapping it in.',
        'Set a timeout or an AbortSignal on acquisitions so callers fail fast instead of piling up.',
      ],
    },
    lockTimeouts: {
      meaning:
        `At least ${Math.round(c.lock.timeoutRatio * 1000) / 10}% of the lock acquisitions (grants plus abandons) were ` +
        `abandoned (\`${METRICS.lockTimeouts.name}\`) in ${c.lock.timeoutWindow}, at least ${c.lock.minTimeouts} of them.`,
      impact:
        'Each timeout is an operation that failed (or took a fallback path) because the lock was not granted in time.',
      diagnosis: [
        'Correlate with MapwatchLockStuck, MapwatchLockStorm and the waiters panel. Waiters that stay up while grants stop (MapwatchLockStuck) point to one holder that never releases; waiters that come and go with grants flowing point to a congested lock whose callers have short timeouts.',
        'Search for sections that can hang (awaiting a request without a timeout while holding the lock).',
      ],
      queries: [
        [
          'Share of acquisitions abandoned:',
          `sum(increase(${METRICS.lockTimeouts.name}{${MAP_MATCHERS}}[${c.lock.timeoutWindow}]))\n  / (sum(increase(${METRICS.lockAcquisitions.name}{${MAP_MATCHERS}}[${c.lock.timeoutWindow}])) + sum(increase(${METRICS.lockTimeouts.name}{${MAP_MATCHERS}}[${c.lock.timeoutWindow}])))`,
        ],
      ],
      mitigation: [
        'Bound the work done under the lock and give inner awaits their own timeouts.',
        'If timeouts are deliberate load shedding, raise `lock.timeoutRatio` in the config.',
      ],
    },
  };
}
