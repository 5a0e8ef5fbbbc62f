/**
 * The server-side history of /debug/maps where the first tests left it unguarded (issue #17): the
 * `debug.history` option refused unless it is an object, the documented bounds of `length` (2 to 1000)
 * and `intervalMs` (50 to 2^31 - 1 ms, a number), every lock number kept per sample (timeouts and waiting
 * time too), a lock that joins a name late, and a discarded router's sampler letting its registry go.
 * Needs --expose-gc (vitest.config.ts; Stryker's testRunnerNodeArgs).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DebugHistory, startHistorySampler } from '../../src/export/debug-history.js';
import { debugMapsReport } from '../../src/export/debug-maps.js';
import { mapwatchRouter } from '../../src/export/express.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { MapRegistry } from '../../src/registry.js';
import { RWLock } from '../../src/sync/rwlock.js';

const gc = (globalThis as { gc?: () => void }).gc;

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
  }
}

describe('the debug.history option', () => {
  it('must be false or an object: anything else is refused with the option named', () => {
    const message = 'mapwatch: debug.history must be false or an object like { length: 60 }';
    for (const bad of [null, true, 60, 'long']) {
      expect(() => new DebugHistory(bad as never), String(bad)).toThrow(new TypeError(message));
      expect(
        () => mapwatchRouter({ registry: new MapRegistry(), debug: { history: bad as never } }),
        String(bad),
      ).toThrow(new TypeError(message));
    }
  });

  it('takes a length from 2 to 1000, both ends included, and keeps that many samples', () => {
    const registry = new MapRegistry();
    const m = new InstrumentedMap<number, number>({ name: 'm', registry });
    const two = new DebugHistory({ length: 2 });
    const most = new DebugHistory({ length: 1000 });
    expect([two.length, most.length]).toEqual([2, 1000]);
    for (let k = 1; k <= 1001; k++) {
      m.set(k, k);
      const snap = registry.collect();
      two.record(snap, k);
      most.record(snap, k);
    }
    expect(two.of('m').entries).toEqual([1000, 1001]);
    expect(most.of('m').entries).toHaveLength(1000);
    expect(most.of('m').times[0]).toBe(2);
    for (const length of [1, 1001]) {
      expect(() => new DebugHistory({ length })).toThrow(
        new RangeError(`mapwatch: debug.history.length must be an integer from 2 to 1000, got ${length}`),
      );
    }
  });

  it('takes an interval from 50 ms to 2147483647 ms, as a number only', () => {
    expect(new DebugHistory({ intervalMs: 50 }).intervalMs).toBe(50);
    expect(new DebugHistory({ intervalMs: 2 ** 31 - 1 }).intervalMs).toBe(2147483647);
    // A number in a string (an environment variable passed through) is refused, not coerced.
    for (const intervalMs of ['60000', 2 ** 31] as unknown as number[]) {
      expect(() => new DebugHistory({ intervalMs }), String(intervalMs)).toThrow(
        new RangeError(
          `mapwatch: debug.history.intervalMs must be a number of ms from 50 to 2147483647, got ${String(intervalMs)}`,
        ),
      );
    }
  });
});

describe("the history of a name's lock", () => {
  it('keeps every number of every sample: waiters, grants, contended waits, timeouts, waiting time', () => {
    const registry = new MapRegistry();
    const lock = {};
    const stats = registry.trackLock(lock, 'ledger');
    const h = new DebugHistory({ length: 3, intervalMs: 1000 });
    const t0 = 1_800_000_000_000;
    for (let k = 0; k < 4; k++) {
      stats.waiters = k;
      stats.read.uncontended = 10 * k;
      stats.write.contended = 2 * k;
      stats.timeouts = 3 * k;
      stats.read.waitSeconds = 0.5 * k;
      h.record(registry.collect(), t0 + k * 60_000);
    }
    // The oldest sample left the ring of 3.
    expect(h.of('ledger').lock).toEqual(
      [1, 2, 3].map((k) => ({
        t: t0 + k * 60_000,
        waiters: k,
        granted: 12 * k,
        contended: 2 * k,
        abandoned: 3 * k,
        waitSeconds: 0.5 * k,
      })),
    );
    // What the page makes of it: over the last 2 min, 4 contended waits and 6 timeouts, 1 s of waiting.
    const row = debugMapsReport(registry, { history: h, now: () => t0 + 180_000 }).maps[0]!;
    expect(row.lock).toMatchObject({
      state: 'waits',
      reason: '3 tasks waiting now',
      waitingPerSecond: 1 / 120,
      meanWaitSeconds: 0.1,
    });
    stats.waiters = 0;
    expect(debugMapsReport(registry, { history: h, now: () => t0 + 180_000 }).maps[0]!.lock?.reason).toBe(
      '4 contended in 2\u00a0min, 100\u00a0ms per contended wait, 6 timed out or aborted',
    );
    expect(lock).toBeDefined();
  });

  it('starts where a lock joined a name that already had a map', () => {
    const registry = new MapRegistry();
    const cache = new InstrumentedMap<string, number>({ name: 'cache', registry });
    cache.set('a', 1);
    const h = new DebugHistory({ length: 4, intervalMs: 10_000 });
    const t0 = 1_800_000_000_000;
    h.record(registry.collect(), t0);
    h.record(registry.collect(), t0 + 10_000);
    const lock = new RWLock({ name: 'cache', registry });
    h.record(registry.collect(), t0 + 20_000);
    const history = h.of('cache');
    expect(history.entries).toEqual([1, 1, 1]);
    expect(history.lock).toEqual([
      { t: t0 + 20_000, waiters: 0, granted: 0, contended: 0, abandoned: 0, waitSeconds: 0 },
    ]);
    const row = debugMapsReport(registry, { history: h, now: () => t0 + 30_000 }).maps[0]!;
    expect(row.lock).toEqual({
      state: 'ok',
      reason: 'no task waited in 10\u00a0s',
      waiters: 0,
      waitingPerSecond: 0,
      meanWaitSeconds: null,
    });
    expect(lock).toBeDefined();
  });
});

describe('the sampler of a discarded router', () => {
  it('lets the registry go once the history is gone', async () => {
    expect(typeof gc).toBe('function');
    let registryRef: WeakRef<MapRegistry> | undefined;
    let historyRef: WeakRef<DebugHistory> | undefined;
    (() => {
      const registry = new MapRegistry();
      const h = new DebugHistory({ length: 10, intervalMs: 50 });
      registryRef = new WeakRef(registry);
      historyRef = new WeakRef(h);
      startHistorySampler(registry, h);
    })();
    await sleep(120);
    await collectGarbage();
    expect(historyRef.deref()).toBeUndefined();
    // The next tick finds the history gone and ends the timer, which held the registry.
    await sleep(150);
    await collectGarbage();
    expect(registryRef.deref()).toBeUndefined();
  });
});
