/**
 * The lock verdict of /debug/maps where the first tests left it unguarded (issue #17): the `debug.lock`
 * option refused unless it is an object, the lock numbers summed over both modes, the counters read
 * over the window only (a timeout or a contended wait before it does not count), a failed try-acquire
 * as a wait, the first sample of the stuck window, waiting time with no counted wait, and the units and
 * rounding of the reason the page shows.
 */
import { describe, expect, it } from 'vitest';
import { DebugHistory } from '../../src/export/debug-history.js';
import { debugMapsReport } from '../../src/export/debug-maps.js';
import { mapwatchRouter } from '../../src/export/express.js';
import {
  DEFAULT_LOCK_THRESHOLDS,
  lockSampleOf,
  lockThresholds,
  lockVerdict,
} from '../../src/export/lock-verdict.js';
import { MapRegistry } from '../../src/registry.js';
import { every10s, lockSample } from '../helpers/lock-samples.js';
import { LockTimeoutError } from '../../src/sync/errors.js';
import { RWLock } from '../../src/sync/rwlock.js';

const TH = DEFAULT_LOCK_THRESHOLDS;
const S = lockSample;

describe('the debug.lock option', () => {
  it('must be an object: anything else is refused with the option named', () => {
    const message = 'mapwatch: debug.lock must be an object like { stormWaiters: 10 }';
    for (const bad of [null, 5, 'strict', true]) {
      expect(() => lockThresholds(bad as never), String(bad)).toThrow(new TypeError(message));
      expect(
        () => mapwatchRouter({ registry: new MapRegistry(), debug: { history: false, lock: bad as never } }),
        String(bad),
      ).toThrow(new TypeError(message));
    }
    // Left out: the shipped alerts' thresholds.
    expect(lockThresholds()).toEqual(TH);
    expect(lockThresholds(undefined)).toEqual(TH);
  });
});

describe("a lock's numbers", () => {
  it('count grants, contended grants and waiting time of both modes, and timeouts as abandoned', () => {
    const registry = new MapRegistry();
    const lock = {};
    const stats = registry.trackLock(lock, 'ledger');
    stats.read.uncontended = 1;
    stats.read.contended = 2;
    stats.write.uncontended = 4;
    stats.write.contended = 8;
    stats.read.waitSeconds = 0.5;
    stats.write.waitSeconds = 0.25;
    stats.timeouts = 16;
    stats.waiters = 3;
    const n = registry.collect().names.find((x) => x.name === 'ledger')!;
    expect(lockSampleOf(n, 1234)).toEqual({
      t: 1234,
      waiters: 3,
      granted: 15,
      contended: 10,
      abandoned: 16,
      waitSeconds: 0.75,
    });
    expect(lock).toBeDefined();
  });

  it('in the page: contended waits of readers and writers add up, and their waiting time too', () => {
    const registry = new MapRegistry();
    const lock = {};
    const stats = registry.trackLock(lock, 'ledger');
    const history = new DebugHistory({ length: 10, intervalMs: 60_000 });
    const t0 = 1_800_000_000_000;
    history.record(registry.collect(), t0);
    stats.read.contended = 2;
    stats.write.contended = 3;
    stats.read.waitSeconds = 0.2;
    stats.write.waitSeconds = 0.3;
    const report = debugMapsReport(registry, { history, now: () => t0 + 60_000 });
    expect(report.maps[0]!.lock).toEqual({
      state: 'waits',
      reason: '5 contended in 1\u00a0min, 100\u00a0ms per contended wait',
      waiters: 0,
      waitingPerSecond: 0.5 / 60,
      meanWaitSeconds: 0.1,
    });
    expect(lock).toBeDefined();
  });

  it('a lock that granted writes while tasks waited is not stuck', () => {
    // Two tasks queue for 5.5 min at each lock. At `journal`, one writer waited and got the lock and
    // another got it at once meanwhile; `stalled` granted nothing.
    const registry = new MapRegistry();
    const locks = [{}, {}];
    const journal = registry.trackLock(locks[0]!, 'journal');
    const stalled = registry.trackLock(locks[1]!, 'stalled');
    journal.waiters = 2;
    stalled.waiters = 2;
    const history = new DebugHistory({ length: 60, intervalMs: 30_000 });
    const t0 = 1_800_000_000_000;
    for (let k = 0; k <= 11; k++) {
      if (k === 6) {
        journal.write.contended++;
        journal.write.uncontended++;
        journal.write.waitSeconds += 0.05;
      }
      history.record(registry.collect(), t0 + k * 30_000);
    }
    const report = debugMapsReport(registry, { history, now: () => t0 + 11 * 30_000 });
    const lock = (name: string) => report.maps.find((m) => m.name === name)!.lock;
    expect(lock('journal')).toMatchObject({ state: 'waits', reason: '2 tasks waiting now' });
    expect(lock('stalled')?.state).toBe('stuck');
    expect(locks).toHaveLength(2);
  });

  it('a failed try-acquire (timeoutMs: 0 on a busy lock) is a wait, though it waited no time', async () => {
    const registry = new MapRegistry();
    const lock = new RWLock({ name: 'inbox', registry });
    const history = new DebugHistory({ length: 10, intervalMs: 60_000 });
    const t0 = 1_800_000_000_000;
    history.record(registry.collect(), t0);
    const release = await lock.acquireWrite();
    for (let i = 0; i < 3; i++) {
      await expect(lock.acquireRead({ timeoutMs: 0 })).rejects.toBeInstanceOf(LockTimeoutError);
    }
    release();
    const v = debugMapsReport(registry, { history, now: () => t0 + 60_000 }).maps[0]!.lock!;
    expect(v).toMatchObject({ state: 'waits', waiters: 0, waitingPerSecond: 0, meanWaitSeconds: 0 });
    expect(v.reason).toBe('0 contended in 1\u00a0min, 0\u00a0ms per contended wait, 3 timed out or aborted');
  });
});

describe('lockVerdict over the window', () => {
  it('counts only the waits, timeouts and waiting time within the window', () => {
    // Before the window: 10 contended waits and 5 timeouts; within it: 2 contended waits of 0.5 s each.
    const v = lockVerdict(
      [
        S(0, { contended: 10, abandoned: 5, waitSeconds: 3, granted: 10 }),
        S(60, { contended: 12, abandoned: 5, waitSeconds: 4, granted: 12 }),
      ],
      TH,
    );
    expect(v).toEqual({
      state: 'waits',
      // no "timed out" part: none did within the window
      reason: '2 contended in 1\u00a0min, 500\u00a0ms per contended wait',
      waiters: 0,
      waitingPerSecond: 1 / 60,
      meanWaitSeconds: 0.5,
    });
  });

  it('has no mean wait (null) for a lock nobody waited on', () => {
    expect(lockVerdict([S(0), S(30, { granted: 500 })], TH)).toEqual({
      state: 'ok',
      reason: 'no task waited in 30\u00a0s',
      waiters: 0,
      waitingPerSecond: 0,
      meanWaitSeconds: null,
    });
  });

  it('reads waiting time on its own: time waited with no counted wait still storms or waits', () => {
    // 3000 s of waiting in 5 min, no contended grant or timeout counted: 10 tasks on average.
    const storm = lockVerdict([S(0), S(300, { waitSeconds: 3000 })], TH);
    expect(storm).toEqual({
      state: 'storm',
      reason: '10 tasks waiting on average over 5\u00a0min',
      waiters: 0,
      waitingPerSecond: 10,
      meanWaitSeconds: null,
    });
    const some = lockVerdict([S(0), S(300, { waitSeconds: 3 })], TH);
    expect(some).toEqual({
      state: 'waits',
      reason: '0 contended in 5\u00a0min',
      waiters: 0,
      waitingPerSecond: 0.01,
      meanWaitSeconds: null,
    });
  });

  it('is not stuck until tasks have waited in every sample of the full 5 min', () => {
    // Tasks queue from 20 s on; the sample at 10 s (now - 5 min) had none: 4 min 50 s of waiting.
    const samples = every10s(310, (t) => ({ waiters: t <= 10 ? 0 : 3, granted: 7 }));
    expect(lockVerdict(samples, TH)).toMatchObject({ state: 'waits', reason: '3 tasks waiting now' });
    // Ten seconds later they have waited the full 5 min.
    const later = every10s(320, (t) => ({ waiters: t <= 10 ? 0 : 3, granted: 7 }));
    expect(lockVerdict(later, TH).state).toBe('stuck');
  });

  it('needs a sample, and says so', () => {
    expect(() => lockVerdict([], TH)).toThrow(
      new RangeError('mapwatch: lockVerdict needs at least one sample'),
    );
  });
});

describe('the reason’s units and rounding', () => {
  it('gives spans in h from one hour, in min, in s from one second, else in ms', () => {
    const hour = { ...TH, windowSeconds: 7200 };
    expect(lockVerdict([S(0), S(3600, { granted: 1 })], hour).reason).toBe('no task waited in 1\u00a0h');
    expect(lockVerdict([S(0), S(5400, { granted: 1 })], hour).reason).toBe('no task waited in 1.5\u00a0h');
    expect(lockVerdict([S(0), S(3599, { granted: 1 })], hour).reason).toBe('no task waited in 60\u00a0min');
    // Exactly one second per wait reads "1 s", not "1,000 ms".
    expect(lockVerdict([S(0), S(60, { contended: 2, granted: 2, waitSeconds: 2 })], TH).reason).toBe(
      '2 contended in 1\u00a0min, 1\u00a0s per contended wait',
    );
  });

  it('rounds to one decimal', () => {
    // 0.12345 s per wait: 123.5 ms, not 123.45.
    const v = lockVerdict([S(0), S(60, { contended: 2, granted: 2, waitSeconds: 0.2469 })], TH);
    expect(v.reason).toBe('2 contended in 1\u00a0min, 123.5\u00a0ms per contended wait');
    // 10.4567 tasks waiting on average: 10.5.
    const storm = lockVerdict([S(0), S(100, { contended: 1000, granted: 1000, waitSeconds: 1045.67 })], TH);
    expect(storm.reason).toBe('10.5 tasks waiting on average over 1.7\u00a0min, 1\u00a0s per contended wait');
  });
});
