import { afterEach, describe, expect, it, vi } from 'vitest';
import { MapRegistry } from '../../src/registry.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import {
  entriesKey,
  instancesKey,
  startLeakDetection,
  type LeakDetectionHandle,
} from '../../src/detect/monitor.js';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);

let handle: LeakDetectionHandle | undefined;
afterEach(() => {
  handle?.stop();
  handle = undefined;
  vi.useRealTimers();
});

function clock() {
  let t = T0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('startLeakDetection', () => {
  it('flags a leaking map and records the verdict on the registry', () => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now, survivalSampling: true });
    const leaky = new InstrumentedMap<number, number>({ name: 'sessions', registry });
    const steady = new InstrumentedMap<number, number>({ name: 'cache', registry });
    for (let i = 0; i < 10_000; i++) leaky.set(i, i);
    for (let i = 0; i < 5_000; i++) steady.set(i, i);
    handle = startLeakDetection({ registry, now: c.now, intervalMs: MIN });
    let next = 10_000;
    let churn = 1_000_000;
    for (let m = 0; m < 180; m++) {
      // 0.6 % of base per hour never leaves; churn comes and goes in both maps.
      leaky.set(next++, 0);
      for (let j = 0; j < 20; j++) {
        leaky.set(churn, 0);
        leaky.delete(churn);
        steady.set(churn, 0);
        steady.delete(churn - 20); // the key set a minute ago: a working set of 20 that comes and goes
        churn++;
      }
      handle.tick();
      c.advance(MIN);
    }
    const snap = new Map(registry.collect().names.map((n) => [n.name, n]));
    expect(snap.get('sessions')!.leak?.suspect).toBe(true);
    expect(snap.get('sessions')!.leak?.state).toBe('leak');
    expect(snap.get('sessions')!.leak?.reason).toMatch(
      /oldest sampled entry [0-9.]+ h old, as old as the map/,
    );
    expect(snap.get('sessions')!.leak!.growthPerSecond).toBeGreaterThan(0);
    expect(snap.get('cache')!.leak?.suspect).toBe(false);
    expect(snap.get('cache')!.leak?.state).toBe('ok');
    expect(handle.detector.size).toBe(4);
    expect(handle.detector.verdict(instancesKey('cache'))).toBeDefined();
    expect(handle.detector.verdict(entriesKey('cache'))).toBeDefined();
  });

  it('flags growing instance counts', () => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now });
    const owners: InstrumentedMap<number, number>[] = [];
    for (let i = 0; i < 40; i++) owners.push(new InstrumentedMap({ name: 'per-tenant', registry }));
    handle = startLeakDetection({ registry, now: c.now });
    for (let m = 0; m < 36 * 60; m++) {
      // one owner every 20 minutes is never released (kept in `owners`)
      if (m % 20 === 0) owners.push(new InstrumentedMap({ name: 'per-tenant', registry }));
      handle.tick();
      c.advance(MIN);
    }
    const leak = registry.collect().names.find((n) => n.name === 'per-tenant')!.leak;
    expect(leak?.suspect).toBe(true);
    expect(leak?.state).toBe('leak');
    expect(leak?.reason).toMatch(/^instances: (over 1 d|still rising): floor \d+ -> \d+/);
  });

  it('never throws into the host: a failing name is reported and the others still run', () => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now });
    new InstrumentedMap({ name: 'ok', registry }).set(1, 1);
    const errors: unknown[] = [];
    handle = startLeakDetection({ registry, now: c.now, onError: (e) => errors.push(e) });
    const original = registry.setLeakVerdict.bind(registry);
    registry.setLeakVerdict = (name, v) => {
      if (name === 'ok') throw new Error('boom');
      original(name, v);
    };
    expect(() => handle!.tick()).not.toThrow();
    expect(errors).toHaveLength(1);
    registry.collect = () => {
      throw new Error('collect failed');
    };
    expect(() => handle!.tick()).not.toThrow();
    expect(errors).toHaveLength(2);
  });

  it('runs on an unref-ed timer at the configured interval and stops', () => {
    vi.useFakeTimers();
    const registry = new MapRegistry();
    const map = new InstrumentedMap({ name: 'timer', registry });
    map.set(1, 1);
    handle = startLeakDetection({ registry, intervalMs: 5_000 });
    expect(handle.detector.size).toBe(0);
    vi.advanceTimersByTime(5_000);
    expect(handle.detector.size).toBe(2);
    handle.stop();
    handle.detector.forget(entriesKey('timer'));
    vi.advanceTimersByTime(20_000);
    expect(handle.detector.size).toBe(1);
  });

  it('rejects a bad interval', () => {
    expect(() => startLeakDetection({ registry: new MapRegistry(), intervalMs: 0 })).toThrow(/intervalMs/);
  });

  it('keeps memory per name flat over many observations', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'vitest runs with --expose-gc').toBeTypeOf('function');
    const c = clock();
    const registry = new MapRegistry({ now: c.now });
    const maps = Array.from(
      { length: 20 },
      (_, i) => new InstrumentedMap<number, number>({ name: `m${i}`, registry }),
    );
    handle = startLeakDetection({ registry, now: c.now });
    const run = (ticks: number) => {
      for (let t = 0; t < ticks; t++) {
        for (const [i, m] of maps.entries()) m.set(t % 500, i);
        handle!.tick();
        c.advance(MIN);
      }
    };
    run(6 * 60 * 4); // fill every ring (a day of minutes)
    gc!();
    const before = process.memoryUsage().heapUsed;
    run(10_000); // ~7 more days, 400,000 observations
    gc!();
    const grown = process.memoryUsage().heapUsed - before;
    expect(handle.detector.size).toBe(40);
    // Fixed rings: the state does not grow with observations (a leak of a few bytes per
    // observation would add megabytes here).
    expect(grown).toBeLessThan(1_500_000);
  });
});
