/**
 * The lock verdict of /debug/maps (ok, waits, storm, stuck): pure, on hand-made samples, with the shipped
 * alerts' thresholds; then through the registry with real locks and an injected clock.
 */
import { describe, expect, it } from 'vitest';
import { setMaxListeners } from 'node:events';
import { DebugHistory } from '../../src/export/debug-history.js';
import { debugMapsReport } from '../../src/export/debug-maps.js';
import { DEFAULT_LOCK_THRESHOLDS, lockThresholds, lockVerdict } from '../../src/export/lock-verdict.js';
import { defaultConfig } from '../../src/pack/config.js';
import { parseDuration } from '../../src/pack/duration.js';
import { MapRegistry } from '../../src/registry.js';
import { every10s, lockSample } from '../helpers/lock-samples.js';
import { RWLock, type Release } from '../../src/sync/rwlock.js';

const TH = DEFAULT_LOCK_THRESHOLDS;
const S = lockSample;

describe('lock verdict thresholds', () => {
  it('are the shipped alerts’ (MapwatchLockStorm, MapwatchLockStuck)', () => {
    expect(TH).toEqual({
      stormWaiters: defaultConfig.lock.stormWaiters,
      stormMeanWaitSeconds: defaultConfig.lock.stormMeanWaitSeconds,
      stuckSeconds: parseDuration(defaultConfig.lock.stuckWindow),
      windowSeconds: parseDuration(defaultConfig.lock.window),
    });
    expect(TH).toEqual({
      stormWaiters: 10,
      stormMeanWaitSeconds: 0.1,
      stuckSeconds: 300,
      windowSeconds: 300,
    });
  });

  it('take partial overrides and refuse bad values', () => {
    expect(lockThresholds({ stuckSeconds: 1 })).toEqual({ ...TH, stuckSeconds: 1 });
    for (const bad of [0, -1, NaN, Infinity, '5' as unknown as number]) {
      expect(() => lockThresholds({ stormWaiters: bad })).toThrow(
        /debug\.lock\.stormWaiters must be a positive/,
      );
    }
    expect(() => lockThresholds(null as never)).toThrow(TypeError);
  });
});

describe('lockVerdict', () => {
  it('calls 387 waiters a storm from the first sample (the issue: no verdict at all)', () => {
    const v = lockVerdict([S(0, { waiters: 387, granted: 5 })], TH);
    expect(v).toMatchObject({ state: 'storm', waiters: 387, waitingPerSecond: null });
    expect(v.reason).toBe('387 tasks waiting now (a storm from 10)');
  });

  it('storms from 10 waiters now; 9 only wait', () => {
    expect(lockVerdict([S(0, { waiters: 10 })], TH).state).toBe('storm');
    expect(lockVerdict([S(0, { waiters: 9 })], TH)).toMatchObject({
      state: 'waits',
      reason: '9 tasks waiting now',
    });
    expect(lockVerdict([S(0, { waiters: 1 })], TH).reason).toBe('1 task waiting now');
  });

  it('storms on the window average as the alert does: 10 tasks waiting per second, 0.1 s per contended wait', () => {
    // 3000 s of waiting in 300 s: 10 tasks on average; 30 000 contended waits: 0.1 s each.
    const storm = lockVerdict([S(0), S(300, { waitSeconds: 3000, contended: 30_000, granted: 30_000 })], TH);
    expect(storm).toMatchObject({ state: 'storm', waitingPerSecond: 10, meanWaitSeconds: 0.1 });
    expect(storm.reason).toBe('10 tasks waiting on average over 5\u00a0min, 100\u00a0ms per contended wait');
    // The same waiting spread over more, shorter waits: a busy lock, not a storm.
    const quick = lockVerdict([S(0), S(300, { waitSeconds: 3000, contended: 31_000, granted: 31_000 })], TH);
    expect(quick.state).toBe('waits');
    // Long waits, but few tasks waiting on average.
    const few = lockVerdict([S(0), S(300, { waitSeconds: 2990, contended: 100, granted: 100 })], TH);
    expect(few.state).toBe('waits');
  });

  it('reads the rates over the last window only', () => {
    // A storm 10 min ago, quiet since: the base is the sample at now - 5 min.
    const samples = [
      S(0),
      S(300, { waitSeconds: 6000, contended: 1000, granted: 1000 }),
      S(600, { waitSeconds: 6000, contended: 1000, granted: 1500 }),
    ];
    expect(lockVerdict(samples, TH)).toMatchObject({ state: 'ok', reason: 'no task waited in 5\u00a0min' });
    expect(lockVerdict(samples.slice(0, 2), TH).state).toBe('storm');
  });

  it('counts timeouts and aborts as waits', () => {
    const v = lockVerdict([S(0), S(60, { abandoned: 2, waitSeconds: 1 })], TH);
    expect(v.state).toBe('waits');
    expect(v.reason).toBe(
      '0 contended in 1\u00a0min, 500\u00a0ms per contended wait, 2 timed out or aborted',
    );
  });

  it('is ok for a lock granted without waiting', () => {
    expect(lockVerdict([S(0), S(30, { granted: 500 })], TH)).toMatchObject({
      state: 'ok',
      reason: 'no task waited in 30\u00a0s',
    });
    expect(lockVerdict([S(0)], TH)).toMatchObject({ state: 'ok', reason: 'no task waiting' });
  });

  it('is stuck when tasks waited in every sample of 5 min and nothing was granted, as MapwatchLockStuck', () => {
    const stuck = lockVerdict(
      every10s(310, () => ({ waiters: 3, granted: 7 })),
      TH,
    );
    expect(stuck.state).toBe('stuck');
    expect(stuck.reason).toBe(
      '3 tasks waiting, and the lock was not granted once in 5\u00a0min: a holder never released it',
    );
    // Stuck outranks storm: 387 waiters behind a holder that never lets go.
    expect(
      lockVerdict(
        every10s(300, () => ({ waiters: 387 })),
        TH,
      ).state,
    ).toBe('stuck');
  });

  it('is not stuck with a grant in the window, a sample without waiters, or less history than the window', () => {
    const granted = every10s(310, (t) => ({ waiters: 3, granted: t >= 200 ? 8 : 7 }));
    expect(lockVerdict(granted, TH).state).toBe('waits');
    const gap = every10s(310, (t) => ({ waiters: t === 100 ? 0 : 3 }));
    expect(lockVerdict(gap, TH).state).toBe('waits');
    const short = every10s(290, () => ({ waiters: 3 }));
    expect(lockVerdict(short, TH).state).toBe('waits');
    // A gap before the window does not matter.
    const earlier = every10s(400, (t) => ({ waiters: t === 50 ? 0 : 3 }));
    expect(lockVerdict(earlier, TH).state).toBe('stuck');
  });

  it('needs a sample', () => {
    expect(() => lockVerdict([], TH)).toThrow(RangeError);
  });
});

describe('the lock verdict in the debug report, from real locks', () => {
  it('reads stuck, storm, waits and ok from the registry and the history', async () => {
    const registry = new MapRegistry();
    const journal = new RWLock({ name: 'journal', registry });
    const ledger = new RWLock({ name: 'ledger', registry });
    const inbox = new RWLock({ name: 'inbox', registry });
    const settings = new RWLock({ name: 'settings', registry });
    const abort = new AbortController();
    setMaxListeners(50, abort.signal); // one abort listener per waiter
    const waits: Promise<unknown>[] = [];
    const hold: Release[] = [await journal.acquireWrite(), await ledger.acquireWrite()];
    for (let i = 0; i < 2; i++)
      waits.push(journal.acquireWrite({ signal: abort.signal }).catch(() => undefined));
    for (let i = 0; i < 12; i++)
      waits.push(ledger.acquireRead({ signal: abort.signal }).catch(() => undefined));
    await settings.withRead(() => undefined);

    // Ten minutes of samples every 10 s, by an injected clock.
    const history = new DebugHistory({ length: 60, intervalMs: 10_000 });
    const t0 = 1_800_000_000_000;
    for (let k = 0; k < 60; k++) {
      if (k === 58) {
        const release = await inbox.acquireWrite();
        const granted = inbox.withWrite(() => undefined);
        release();
        await granted;
      }
      history.record(registry.collect(), t0 + k * 10_000);
    }
    const report = debugMapsReport(registry, { history, now: () => t0 + 600_000 });
    const lock = (name: string) => report.maps.find((m) => m.name === name)?.lock;
    expect(lock('journal')).toMatchObject({ state: 'stuck', waiters: 2 });
    expect(lock('ledger')).toMatchObject({ state: 'stuck', waiters: 12 });
    expect(lock('inbox')).toMatchObject({ state: 'waits', waiters: 0 });
    expect(lock('settings')).toMatchObject({ state: 'ok', waiters: 0 });
    expect(report.history).toEqual({ length: 60, intervalMs: 10_000 });

    // Without history, only the waiters now: 12 is a storm, 2 only waits.
    const bare = debugMapsReport(registry, { now: () => t0 });
    expect(bare.maps.find((m) => m.name === 'ledger')?.lock?.state).toBe('storm');
    expect(bare.maps.find((m) => m.name === 'journal')?.lock?.state).toBe('waits');
    expect(bare.history).toBeNull();

    abort.abort();
    for (const release of hold) release();
    await Promise.all(waits);
  });
});
