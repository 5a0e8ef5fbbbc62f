/**
 * The in-process monitor's promises that no other test pinned (issue #17, the survivors of a run over
 * src/detect): room in the detector for every name the registry can hold, the detector options passed
 * through, the interval's limits, what is fed per name (deletes of every cause, entries of every kind),
 * where sampling errors go, and how the map and instance verdicts of a name combine.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OVERFLOW_MAP_NAME } from '../../src/conventions.js';
import { LeakDetector, type LeakVerdictDetail } from '../../src/detect/leak-detector.js';
import {
  combine,
  createNameObserver,
  entriesKey,
  instancesKey,
  nameObservation,
  startLeakDetection,
  type LeakDetectionHandle,
} from '../../src/detect/monitor.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { MapRegistry } from '../../src/registry.js';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);

let handle: LeakDetectionHandle | undefined;
afterEach(() => {
  handle?.stop();
  handle = undefined;
});

function clock() {
  let t = T0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('startLeakDetection', () => {
  it('keeps both series of every name the registry can hold, the overflow name included', () => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now, maxNames: 3 });
    const maps = ['a', 'b', 'c', 'd', 'e'].map((name) => new InstrumentedMap({ name, registry }));
    maps.forEach((m, i) => m.set(i, i));
    expect(registry.names().sort()).toEqual([OVERFLOW_MAP_NAME, 'a', 'b', 'c'].sort());
    handle = startLeakDetection({ registry, now: c.now });
    for (let i = 0; i < 10; i++) {
      handle.tick();
      c.advance(MIN);
    }
    expect(handle.detector.size).toBe(8);
    expect(handle.detector.evicted).toBe(0);
  });

  it('refuses a registry that is not a MapRegistry, naming the call', () => {
    expect(() => startLeakDetection({ registry: {} as never })).toThrow(
      /^mapwatch: startLeakDetection\(options\): registry must be/,
    );
  });

  it('judges names whose maps sample no survival ages', () => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now, survivalSampling: false });
    const map = new InstrumentedMap<number, number>({ name: 'plain', registry });
    const errors: unknown[] = [];
    handle = startLeakDetection({ registry, now: c.now, onError: (e) => errors.push(e) });
    for (let m = 0; m < 90; m++) {
      map.set(m, m);
      handle.tick();
      c.advance(MIN);
    }
    expect(errors).toEqual([]);
    const leak = registry.collect().names.find((n) => n.name === 'plain')!.leak!;
    expect(leak.state).toBe('growing');
    expect(leak.reason).toMatch(/no survival ages \(sampling off\): unconfirmed/);
  });

  it('passes the detector options on', () => {
    handle = startLeakDetection({ registry: new MapRegistry(), warmupMs: 0, minWindowMs: 30 * MIN });
    expect(handle.detector.minObservedMs).toBe(30 * MIN);
    handle.stop();
    handle = startLeakDetection({ registry: new MapRegistry(), maxSeries: 1 });
    const d = handle.detector;
    d.observe('x', T0, 1);
    d.observe('y', T0, 1);
    expect([d.size, d.evicted]).toEqual([1, 1]);
  });

  it('takes an interval up to the longest a timer can hold, and names the limit otherwise', () => {
    const registry = new MapRegistry();
    handle = startLeakDetection({ registry, intervalMs: 2 ** 31 - 1 });
    handle.stop();
    handle = startLeakDetection({ registry, intervalMs: 0.5 });
    handle.stop();
    handle = undefined;
    for (const bad of [0, -1, 2 ** 31, Infinity, Number.NaN]) {
      expect(() => startLeakDetection({ registry, intervalMs: bad })).toThrow(RangeError);
    }
    expect(() => startLeakDetection({ registry, intervalMs: 2 ** 31 })).toThrow(
      'mapwatch: startLeakDetection intervalMs must be a positive number of ms up to 2147483647 (about 24.8 days), got 2147483648',
    );
  });

  it('reports a failing clock with no name, and an error handler that throws never reaches the host', () => {
    const registry = new MapRegistry();
    new InstrumentedMap({ name: 'm', registry }).set(1, 1);
    const seen: Array<[unknown, string | undefined]> = [];
    const failure = new Error('no clock');
    handle = startLeakDetection({
      registry,
      now: () => {
        throw failure;
      },
      onError: (e, name) => seen.push([e, name]),
    });
    handle.tick();
    expect(seen).toEqual([[failure, undefined]]);
    handle.stop();
    handle = startLeakDetection({
      registry,
      now: () => {
        throw failure;
      },
      onError: () => {
        throw new Error('handler failed too');
      },
    });
    expect(() => handle!.tick()).not.toThrow();
    handle.stop();
    // Without a handler, errors are dropped.
    handle = startLeakDetection({
      registry,
      now: () => {
        throw failure;
      },
    });
    expect(() => handle!.tick()).not.toThrow();
  });
});

describe('what the monitor feeds the detector per name', () => {
  it('counts deletes of every cause and entries of every kind', () => {
    const registry = new MapRegistry();
    const map = new InstrumentedMap<number, number>({ name: 'n', registry, maxEntries: 100, ttlMs: 60_000 });
    for (let i = 0; i < 10; i++) map.set(i, i);
    map.delete(0);
    const snap = registry.collect().names.find((n) => n.name === 'n')!;
    // The other causes as another kind of map would count them.
    snap.map.deletesClear = 2;
    snap.map.deletesEvict = 3;
    snap.map.deletesExpire = 4;
    (snap.entriesByKind as Map<string, number>).set('locked', 5);
    const obs = nameObservation(snap);
    expect(obs).toMatchObject({
      entries: 9 + 5,
      inserts: 10,
      deletes: 1 + 2 + 3 + 4,
      maxEntries: 100,
      ttlSeconds: 60,
      instances: 1,
    });
  });

  it('feeds the instance count as a series of its own only when there is one', () => {
    const d = new LeakDetector();
    const observe = createNameObserver(d);
    observe('a', T0, { entries: 1 });
    expect([d.verdict(entriesKey('a')) !== undefined, d.verdict(instancesKey('a'))]).toEqual([
      true,
      undefined,
    ]);
    observe('b', T0, { entries: 1, instances: 4 });
    expect(d.verdict(instancesKey('b'))).toBeDefined();
    expect(d.size).toBe(3);
  });
});

describe('combining the map verdict and the instance verdict', () => {
  const v = (state: LeakVerdictDetail['state'], reason: string, growthPerSecond = 0): LeakVerdictDetail => ({
    state,
    suspect: state === 'leak',
    growthPerSecond,
    reason,
  });

  it('takes the stronger state; the rate is always the entries rate', () => {
    const entries = v('ok', 'no growth: floor 5 -> 5 entries', 0.5);
    const c = combine(entries, v('leak', 'floor 3 -> 9 entries over 1 d; 9 entries now', 2));
    expect([c.state, c.suspect, c.growthPerSecond]).toEqual(['leak', true, 0.5]);
    expect(c.reason).toBe(
      'instances: floor 3 -> 9 instances over 1 d; 9 instances now; entries: no growth: floor 5 -> 5 entries',
    );
    const growing = combine(v('ok', 'fine'), v('growing', 'rising'));
    expect([growing.state, growing.suspect]).toEqual(['growing', false]);
  });

  it('keeps the entries verdict when the instances are no worse, or only ok', () => {
    const entries = v('growing', 'entries rising', 1);
    expect(combine(entries, v('growing', 'instances rising'))).toBe(entries);
    expect(combine(entries, v('ok', 'fine'))).toBe(entries);
    expect(combine(entries, undefined)).toBe(entries);
    const collecting = v('collecting', 'collecting: 5 min observed');
    expect(combine(collecting, v('ok', 'fine'))).toBe(collecting);
  });

  it('while the map series is still collecting, names only the instances', () => {
    const c = combine(v('collecting', 'collecting: 5 min observed'), v('leak', 'floor 1 -> 5 entries'));
    expect(c.state).toBe('leak');
    expect(c.reason).toBe('instances: floor 1 -> 5 instances');
    expect(c.reason).toBe('instances: floor 1 -> 5 instances');
  });
});
