/**
 * The server-side history of /debug/maps: a fixed ring per name, names that leave the registry leave the
 * history, the trend in the report, the sampler's timer (unref()ed, stopped by the router's collection),
 * the router options, and no map kept alive. Needs --expose-gc (vitest.config.ts).
 */
import express from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DebugHistory, startHistorySampler } from '../../src/export/debug-history.js';
import { debugMapsReport } from '../../src/export/debug-maps.js';
import { mapwatchRouter } from '../../src/export/express.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { MapRegistry, type RegistrySnapshot } from '../../src/registry.js';
import { RWLock } from '../../src/sync/rwlock.js';
import { listenLocal } from '../helpers/http.js';

const gc = (globalThis as { gc?: () => void }).gc;

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
  }
}

describe('DebugHistory', () => {
  it('keeps the last `length` samples per name, oldest first', () => {
    const registry = new MapRegistry();
    const m = new InstrumentedMap<number, number>({ name: 'm', registry });
    const h = new DebugHistory({ length: 5, intervalMs: 1000 });
    for (let k = 0; k < 8; k++) {
      m.set(k, k);
      h.record(registry.collect(), 1000 * k);
    }
    expect(h.of('m')).toEqual({ times: [3000, 4000, 5000, 6000, 7000], entries: [4, 5, 6, 7, 8], lock: [] });
    expect(h.of('unknown')).toEqual({ times: [], entries: [], lock: [] });
  });

  it('starts a name where it appeared and forgets names that left the registry', () => {
    const h = new DebugHistory({ length: 4, intervalMs: 1000 });
    const snap = (names: [string, number][]): RegistrySnapshot => {
      const registry = new MapRegistry();
      const keep: unknown[] = [];
      for (const [name, n] of names) {
        const m = new InstrumentedMap<number, number>({ name, registry });
        for (let i = 0; i < n; i++) m.set(i, i);
        keep.push(m);
      }
      return registry.collect();
    };
    h.record(snap([['a', 1]]), 0);
    h.record(
      snap([
        ['a', 2],
        ['b', 5],
      ]),
      1000,
    );
    expect(h.of('b')).toEqual({ times: [1000], entries: [5], lock: [] });
    expect(h.size).toBe(2);
    h.record(snap([['b', 6]]), 2000);
    expect(h.size).toBe(1);
    expect(h.of('a').entries).toEqual([]);
    // Back again: a fresh start, not its old points.
    h.record(
      snap([
        ['a', 9],
        ['b', 7],
      ]),
      3000,
    );
    expect(h.of('a')).toEqual({ times: [3000], entries: [9], lock: [] });
    expect(h.of('b').entries).toEqual([5, 6, 7]);
  });

  it('keeps lock samples for names with a lock', async () => {
    const registry = new MapRegistry();
    const lock = new RWLock({ name: 'l', registry });
    const h = new DebugHistory({ length: 3, intervalMs: 1000 });
    h.record(registry.collect(), 0);
    const release = await lock.acquireWrite();
    const waiting = lock.acquireRead();
    h.record(registry.collect(), 1000);
    release();
    (await waiting)();
    h.record(registry.collect(), 2000);
    const { lock: samples } = h.of('l');
    expect(samples.map((s) => [s.t, s.waiters, s.granted, s.contended])).toEqual([
      [0, 0, 0, 0],
      [1000, 1, 1, 0],
      [2000, 0, 2, 1],
    ]);
  });

  it('refuses lengths and intervals out of range', () => {
    for (const length of [1, 1001, 2.5, NaN]) expect(() => new DebugHistory({ length })).toThrow(RangeError);
    for (const intervalMs of [0, 49, 2 ** 31, NaN])
      expect(() => new DebugHistory({ intervalMs })).toThrow(RangeError);
    expect(() => new DebugHistory(null as never)).toThrow(TypeError);
  });
});

describe('the trend in the report', () => {
  it('is the history plus the count now, with its span', () => {
    const registry = new MapRegistry();
    const m = new InstrumentedMap<number, number>({ name: 'm', registry });
    const h = new DebugHistory({ length: 10, intervalMs: 1000 });
    for (let k = 0; k < 3; k++) {
      m.set(k, k);
      h.record(registry.collect(), 10_000 + 1000 * k);
    }
    m.set(99, 99);
    const row = debugMapsReport(registry, { history: h, now: () => 13_500 }).maps[0]!;
    expect(row).toMatchObject({ trend: [1, 2, 3, 4], trendSeconds: 3.5, lock: null });
    const bare = debugMapsReport(registry, { now: () => 13_500 }).maps[0]!;
    expect(bare).toMatchObject({ trend: [4], trendSeconds: 0 });
  });
});

describe('the sampler', () => {
  it('samples at once and on its interval, and stops when asked', async () => {
    const registry = new MapRegistry();
    const m = new InstrumentedMap<number, number>({ name: 'm', registry });
    m.set(1, 1);
    const h = new DebugHistory({ length: 100, intervalMs: 50 });
    const stop = startHistorySampler(registry, h);
    expect(h.of('m').entries).toEqual([1]);
    await expect
      .poll(() => h.of('m').entries.length, { timeout: 5000, interval: 20 })
      .toBeGreaterThanOrEqual(3);
    stop();
    const n = h.of('m').entries.length;
    await sleep(200);
    expect(h.of('m').entries.length).toBe(n);
  });

  it('stops by itself once nothing holds the history, and never holds a map', async () => {
    expect(typeof gc).toBe('function');
    const registry = new MapRegistry();
    let collects = 0;
    const counting = Object.create(registry) as MapRegistry;
    counting.collect = () => {
      collects++;
      return registry.collect();
    };
    let mapRef: WeakRef<object> | undefined;
    let historyRef: WeakRef<DebugHistory> | undefined;
    (() => {
      const m = new InstrumentedMap<number, number>({ name: 'm', registry });
      m.set(1, 1);
      mapRef = new WeakRef(m);
      const h = new DebugHistory({ length: 10, intervalMs: 50 });
      historyRef = new WeakRef(h);
      startHistorySampler(counting, h);
    })();
    await expect.poll(() => collects, { timeout: 5000, interval: 20 }).toBeGreaterThanOrEqual(3);
    await collectGarbage();
    expect(historyRef.deref()).toBeUndefined();
    expect(mapRef.deref()).toBeUndefined();
    await sleep(120); // the next tick finds the history gone and clears the timer
    const after = collects;
    await sleep(250);
    expect(collects).toBe(after);
  });
});

describe('mapwatchRouter debug options', () => {
  it('serves the history and its settings, or none with history: false', async () => {
    const registry = new MapRegistry();
    const m = new InstrumentedMap<number, number>({ name: 'm', registry });
    const app = express();
    app.use('/on', mapwatchRouter({ registry, debug: { history: { intervalMs: 50, length: 20 } } }));
    app.use('/off', mapwatchRouter({ registry, debug: { history: false } }));
    const server = await listenLocal(app as never);
    try {
      type Report = { history: unknown; maps: { trend: number[] }[] };
      const get = async (base: string): Promise<Report> =>
        (await (await fetch(`${server.url}${base}/debug/maps.json`)).json()) as Report;
      for (let k = 0; k < 4; k++) {
        m.set(k, k);
        await sleep(80);
      }
      const on = await get('/on');
      expect(on.history).toEqual({ length: 20, intervalMs: 50 });
      expect(on.maps[0]!.trend.length).toBeGreaterThanOrEqual(4);
      expect(on.maps[0]!.trend.at(-1)).toBe(4);
      const off = await get('/off');
      expect(off.history).toBeNull();
      expect(off.maps[0]!.trend).toEqual([4]);
    } finally {
      await server.close();
    }
  });

  it('refuses bad history and lock options at construction', () => {
    const registry = new MapRegistry();
    expect(() => mapwatchRouter({ registry, debug: { history: { length: 1 } } })).toThrow(
      /debug\.history\.length must be an integer from 2 to 1000/,
    );
    expect(() => mapwatchRouter({ registry, debug: { history: { intervalMs: 10 } } })).toThrow(
      /debug\.history\.intervalMs/,
    );
    expect(() => mapwatchRouter({ registry, debug: { lock: { stuckSeconds: -5 } } })).toThrow(
      /debug\.lock\.stuckSeconds must be a positive number/,
    );
  });
});
