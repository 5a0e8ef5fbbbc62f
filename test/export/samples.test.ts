/**
 * The sample builders of the leak-verdict, survival and declared-bound families, on registries built for
 * each rule (the exporter tests check that the same points reach prom-client and OpenTelemetry).
 */
import { describe, expect, it } from 'vitest';
import { LEAK_STATES, METRICS } from '../../src/conventions.js';
import { scalarPoints } from '../../src/export/samples.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { LoadingMap } from '../../src/maps/loading-map.js';
import { MapRegistry } from '../../src/registry.js';

const pointsOf = (registry: MapRegistry, key: keyof typeof METRICS) =>
  scalarPoints(METRICS[key], registry.collect());

describe('leak state points', () => {
  it('emit one point per state for each name with a verdict: 1 for its state, 0 for the others', () => {
    const registry = new MapRegistry();
    const keep = LEAK_STATES.map((s) => new InstrumentedMap({ name: `m-${s}`, registry }));
    const unanalysed = new InstrumentedMap({ name: 'unanalysed', registry });
    for (const s of LEAK_STATES) {
      registry.setLeakVerdict(`m-${s}`, { state: s, suspect: s === 'leak', growthPerSecond: 0 });
    }
    const points = pointsOf(registry, 'leakState');
    expect(points).toHaveLength(LEAK_STATES.length * LEAK_STATES.length);
    for (const s of LEAK_STATES) {
      const mine = points.filter((p) => p.labels.map_name === `m-${s}`);
      expect(mine.map((p) => p.labels.state)).toEqual([...LEAK_STATES]);
      expect(mine.filter((p) => p.value === 1).map((p) => p.labels.state)).toEqual([s]);
    }
    expect(points.some((p) => p.labels.map_name === 'unanalysed')).toBe(false);
    // The suspect flag stays: 1 only in the leak state.
    const suspect = pointsOf(registry, 'leakSuspect');
    expect(suspect.filter((p) => p.value === 1).map((p) => p.labels.map_name)).toEqual(['m-leak']);
    expect(suspect).toHaveLength(LEAK_STATES.length);
    void keep;
    void unanalysed;
  });

  it('follow a verdict that changes and disappear when it is cleared', () => {
    const registry = new MapRegistry();
    const m = new InstrumentedMap({ name: 'cache', registry });
    const current = () =>
      pointsOf(registry, 'leakState')
        .filter((p) => p.value === 1)
        .map((p) => p.labels.state);
    registry.setLeakVerdict('cache', { state: 'collecting', suspect: false, growthPerSecond: 0 });
    expect(current()).toEqual(['collecting']);
    registry.setLeakVerdict('cache', { state: 'growing', suspect: false, growthPerSecond: 2 });
    expect(current()).toEqual(['growing']);
    registry.setLeakVerdict('cache', undefined);
    expect(pointsOf(registry, 'leakState')).toEqual([]);
    void m;
  });
});

describe('survival points', () => {
  it('export the oldest age for every sampling name, the never-read ratio only where reads are tracked', () => {
    let now = 0;
    const registry = new MapRegistry({ now: () => now });
    const ages = new InstrumentedMap<string, number>({ name: 'ages', registry }).set('a', 1);
    const reads = new InstrumentedMap<string, number>({
      name: 'reads',
      registry,
      sampleSurvival: { reads: true },
    }).set('a', 1);
    const off = new InstrumentedMap<string, number>({ name: 'off', registry, sampleSurvival: false });
    off.set('a', 1);
    registry.collect(); // stamps the sampled entries (ages count from the first collection)
    now = 30_000;
    const age = pointsOf(registry, 'oldestSampledAge');
    expect(age.map((p) => [p.labels.map_name, p.value])).toEqual([
      ['ages', 30],
      ['reads', 30],
    ]);
    // Never 0 for a name that does not track reads: no point at all.
    const neverRead = pointsOf(registry, 'sampledNeverRead');
    expect(neverRead.map((p) => [p.labels.map_name, p.value])).toEqual([['reads', 1]]);
    void ages;
    void reads;
  });
});

describe('declared bound points', () => {
  it('one point per name whose every live instance declares a bound', () => {
    const registry = new MapRegistry();
    const keep = [
      new InstrumentedMap({ name: 'capped', registry, maxEntries: 500 }),
      new InstrumentedMap({ name: 'capped', registry, maxEntries: 250 }),
      new LoadingMap({ name: 'loader', registry, ttlMs: 45_000 }),
      new InstrumentedMap({ name: 'partly', registry, maxEntries: 10 }),
      new InstrumentedMap({ name: 'partly', registry }),
      new InstrumentedMap({ name: 'free', registry }),
    ];
    const max = pointsOf(registry, 'declaredMaxEntries');
    expect(max.map((p) => [p.labels.map_name, p.value])).toEqual([['capped', 750]]);
    const ttl = pointsOf(registry, 'declaredTtl');
    expect(ttl.map((p) => [p.labels.map_name, p.value])).toEqual([['loader', 45]]);
    void keep;
  });
});
