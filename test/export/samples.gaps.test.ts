/**
 * Which names emit which families, and the label values of the lock and load families, on registries
 * built from the real classes (issue #17, item 7). The exporter tests check that these points reach
 * prom-client and OpenTelemetry unchanged; here each family is read where it is decided.
 */
import { LRUCache } from 'lru-cache';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS, type MetricKey } from '../../src/conventions.js';
import { SCALAR_BUILDERS, histogramPoints, missingBuilders, scalarPoints } from '../../src/export/samples.js';
import { watchLRUCache } from '../../src/lru-cache/index.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { LoadingMap } from '../../src/maps/loading-map.js';
import { MapRegistry } from '../../src/registry.js';
import { RWLock } from '../../src/sync/rwlock.js';

const points = (registry: MapRegistry, key: MetricKey) => scalarPoints(METRICS[key], registry.collect());
const namesIn = (registry: MapRegistry, key: MetricKey) => [
  ...new Set(points(registry, key).map((p) => p.labels.map_name)),
];

/** Families every map name emits, whatever its kind. */
const MAP_FAMILIES: MetricKey[] = ['instances', 'lookups', 'inserts', 'updates', 'deletes'];
/** Families only names that load values emit. */
const LOAD_FAMILIES: MetricKey[] = ['loads', 'loadJoins', 'loadSeconds'];

describe('a name with a lock and no map', () => {
  it('emits the lock families only, not map series of zeros', async () => {
    const registry = new MapRegistry();
    const lock = new RWLock({ name: 'jobs', registry });
    const users = new InstrumentedMap<string, number>({ name: 'users', registry }).set('a', 1);
    const release = await lock.acquireWrite();
    release();
    for (const key of MAP_FAMILIES) expect(namesIn(registry, key), key).toEqual(['users']);
    expect(namesIn(registry, 'entries')).toEqual(['users']);
    for (const key of [
      'lockAcquisitions',
      'lockWaitSeconds',
      'lockHoldSeconds',
      'lockWaiters',
      'lockTimeouts',
    ] as const) {
      expect(namesIn(registry, key), key).toEqual(['jobs']);
    }
    void users;
  });
});

describe('lock points', () => {
  it('count acquisitions per mode and contention, each with its full label set', async () => {
    const registry = new MapRegistry();
    const lock = new RWLock({ name: 'jobs', registry });
    const first = await lock.acquireRead();
    first();
    const writer = await lock.acquireWrite();
    const waiting = lock.acquireRead(); // queued behind the writer: a contended read
    writer();
    (await waiting)();
    const acquisitions = points(registry, 'lockAcquisitions').map((p) => [p.labels, p.value]);
    expect(acquisitions).toEqual([
      [{ map_name: 'jobs', mode: 'read', contended: 'false' }, 1],
      [{ map_name: 'jobs', mode: 'read', contended: 'true' }, 1],
      [{ map_name: 'jobs', mode: 'write', contended: 'false' }, 1],
      [{ map_name: 'jobs', mode: 'write', contended: 'true' }, 0],
    ]);
  });

  it('report wait and hold seconds per mode, labelled with the name and the mode', async () => {
    const registry = new MapRegistry();
    const lock = new RWLock({ name: 'jobs', registry });
    (await lock.acquireWrite())();
    for (const key of ['lockWaitSeconds', 'lockHoldSeconds'] as const) {
      const found = points(registry, key);
      expect(
        found.map((p) => p.labels),
        key,
      ).toEqual([
        { map_name: 'jobs', mode: 'read' },
        { map_name: 'jobs', mode: 'write' },
      ]);
      for (const p of found) expect(p.value, key).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('load points', () => {
  it('come only from names that load, with successes and failures each under their own result', async () => {
    const registry = new MapRegistry();
    const plain = new InstrumentedMap<string, number>({ name: 'plain', registry }).set('a', 1);
    const loader = new LoadingMap<string, number>({ name: 'profiles', registry });
    await loader.getOrLoad('a', () => 1);
    await loader.getOrLoad('b', () => 2);
    await loader.getOrLoad('c', async () => 3);
    await expect(
      loader.getOrLoad('d', () => {
        throw new Error('backend down');
      }),
    ).rejects.toThrow('backend down');
    const loads = points(registry, 'loads').map((p) => [p.labels, p.value]);
    expect(loads).toEqual([
      [{ map_name: 'profiles', result: 'success' }, 3],
      [{ map_name: 'profiles', result: 'failure' }, 1],
    ]);
    for (const key of LOAD_FAMILIES) expect(namesIn(registry, key), key).toEqual(['profiles']);
    void plain;
  });

  it('come from a watched lru-cache too: its fetches are loads', async () => {
    const registry = new MapRegistry();
    const cache = new LRUCache<string, number>({
      max: 10,
      fetchMethod: async (key) => (key === 'bad' ? Promise.reject(new Error('no')) : key.length),
    });
    const watch = watchLRUCache(cache, { name: 'lru', registry });
    try {
      expect(await cache.fetch('abc')).toBe(3);
      await expect(cache.fetch('bad')).rejects.toThrow('no');
      expect(points(registry, 'loads').map((p) => [p.labels, p.value])).toEqual([
        [{ map_name: 'lru', result: 'success' }, 1],
        [{ map_name: 'lru', result: 'failure' }, 1],
      ]);
      for (const key of LOAD_FAMILIES) expect(namesIn(registry, key), key).toEqual(['lru']);
    } finally {
      watch.unwatch();
    }
  });
});

describe('builders and the metric table', () => {
  const restore: Array<() => void> = [];
  afterEach(() => restore.splice(0).forEach((f) => f()));

  it('a metric asked of the wrong builder table is refused with its name', () => {
    const snap = new MapRegistry().collect();
    expect(() => scalarPoints(METRICS.lockWaitDuration, snap)).toThrow(
      `mapwatch: no sample builder for ${METRICS.lockWaitDuration.name}`,
    );
    expect(() => histogramPoints(METRICS.inserts, snap)).toThrow(
      `mapwatch: no histogram builder for ${METRICS.inserts.name}`,
    );
  });

  it('missingBuilders() names a metric whose builder is gone', () => {
    expect(missingBuilders()).toEqual([]);
    const original = SCALAR_BUILDERS.updates;
    delete SCALAR_BUILDERS.updates;
    restore.push(() => (SCALAR_BUILDERS.updates = original));
    expect(missingBuilders()).toEqual([METRICS.updates.name]);
  });
});

describe('survival points of a name with two sampling maps', () => {
  it('report the oldest entry of either map, and the never-read share over both', () => {
    let now = 1_000_000;
    const registry = new MapRegistry({ now: () => now });
    const older = new InstrumentedMap<string, number>({
      name: 'sessions',
      registry,
      sampleSurvival: { reads: true },
    });
    older.set('a', 1).set('b', 2);
    registry.collect(); // stamps older's entries
    now += 60_000;
    const younger = new InstrumentedMap<string, number>({
      name: 'sessions',
      registry,
      sampleSurvival: { reads: true },
    });
    younger.set('c', 3).set('d', 4);
    younger.get('c');
    older.get('a');
    registry.collect(); // stamps younger's entries
    now += 30_000;
    const value = (key: MetricKey) =>
      points(registry, key)
        .filter((p) => p.labels.map_name === 'sessions')
        .map((p) => p.value);
    expect(value('oldestSampledAge')).toEqual([90]);
    // Four sampled entries, two of them read.
    expect(value('sampledNeverRead')).toEqual([0.5]);
    expect(value('instances')).toEqual([2]);
    void older;
    void younger;
  });
});
