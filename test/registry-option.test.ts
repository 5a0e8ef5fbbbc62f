/**
 * Every map, lock, watcher and the leak monitor take a `registry` option. A prom-client Registry (or any
 * other object) passed there used to fail deep inside with "registry.mapGroup is not a function"; now the
 * constructor refuses it at once, names itself, and says where a prom-client Registry belongs. A refused
 * call leaves nothing registered.
 */
import client from 'prom-client';
import { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import {
  InstrumentedMap,
  LoadingMap,
  LockedMap,
  MapRegistry,
  ReadMostlyMap,
  RWLock,
  ShardedMap,
  defaultRegistry,
  instrument,
  startLeakDetection,
} from '../src/index.js';
import { watchLRUCache } from '../src/lru-cache/index.js';
import { isMapRegistry } from '../src/registry-option.js';

type Make = (registry: MapRegistry) => unknown;

const makers: [string, Make][] = [
  ['new InstrumentedMap()', (registry) => new InstrumentedMap({ name: 'opt', registry })],
  ['instrument(map)', (registry) => instrument(new Map(), { name: 'opt', registry })],
  ['new LoadingMap()', (registry) => new LoadingMap({ name: 'opt', registry })],
  ['new ReadMostlyMap()', (registry) => new ReadMostlyMap({ name: 'opt', registry })],
  ['new LockedMap()', (registry) => new LockedMap({ name: 'opt', registry })],
  ['new ShardedMap()', (registry) => new ShardedMap({ name: 'opt', registry })],
  ['new RWLock()', (registry) => new RWLock({ name: 'opt', registry })],
  [
    'watchLRUCache(cache, options)',
    (registry) => watchLRUCache(new LRUCache<string, number>({ max: 10 }), { name: 'opt', registry }),
  ],
  ['startLeakDetection(options)', (registry) => startLeakDetection({ registry, intervalMs: 60_000 }).stop()],
];

describe('the registry option', () => {
  const prom = new client.Registry() as unknown as MapRegistry;

  it.each(makers)('%s refuses a prom-client Registry and says where it belongs', (where, make) => {
    const before = defaultRegistry.names().length;
    expect(() => make(prom)).toThrow(
      new TypeError(
        `mapwatch: ${where}: registry is mapwatch's MapRegistry, and this is a prom-client Registry; ` +
          'pass it to registerPromMetrics(promRegistry) or mapwatchRouter({ promRegistry }) instead',
      ),
    );
    expect(defaultRegistry.names()).toHaveLength(before);
  });

  it.each(makers)('%s refuses what is not a MapRegistry', (where, make) => {
    for (const bad of [null, 0, 'default', {}, { collect: () => [] }, Object.freeze([])]) {
      expect(() => make(bad as unknown as MapRegistry)).toThrow(
        `mapwatch: ${where}: registry must be a mapwatch MapRegistry (new MapRegistry()), or left out for defaultRegistry`,
      );
    }
  });

  it.each(makers)('%s reports to the registry it is given', (_where, make) => {
    const registry = new MapRegistry();
    make(registry);
    // The leak monitor registers no name; everything else reports under 'opt'.
    if (_where.startsWith('startLeakDetection')) expect(registry.names()).toEqual([]);
    else expect(registry.names()).toContain('opt');
  });

  it('takes a registry by its shape, so a second copy of mapwatch can share one', () => {
    expect(isMapRegistry(new MapRegistry())).toBe(true);
    // What a registry from another copy of the package looks like to this one: same methods, other class.
    const foreign = Object.create(MapRegistry.prototype) as object;
    expect(isMapRegistry({ ...Object.fromEntries(methodsOf(foreign)) })).toBe(true);
    expect(isMapRegistry(prom)).toBe(false);
    expect(isMapRegistry(undefined)).toBe(false);
  });

  // What each method is for: maps open a slot (openMap) or a group (mapGroup), other maps and watchers
  // are tracked (trackMap), locks too (trackLock), and the exporters and the detector read (collect).
  // An object short of any one of them, say a registry from an older copy of mapwatch, fails at the
  // boundary rather than at the first call of the missing method, possibly deep in a scrape.
  it.each(['mapGroup', 'openMap', 'trackMap', 'trackLock', 'collect'])(
    'refuses a registry that lacks only %s()',
    (missing) => {
      const partial = Object.fromEntries(
        methodsOf(new MapRegistry()).filter(([k]) => k !== 'constructor' && k !== missing),
      ) as unknown as MapRegistry;
      expect(isMapRegistry(partial)).toBe(false);
      for (const [where, make] of makers) {
        expect(() => make(partial), where).toThrow(
          `mapwatch: ${where}: registry must be a mapwatch MapRegistry (new MapRegistry()), or left out for defaultRegistry`,
        );
      }
      // With every method it is taken.
      const whole = Object.fromEntries(methodsOf(new MapRegistry()).filter(([k]) => k !== 'constructor'));
      expect(isMapRegistry(whole)).toBe(true);
    },
  );

  it('points to registerPromMetrics only for what has both methods of a prom-client Registry', () => {
    const generic =
      'mapwatch: new RWLock(): registry must be a mapwatch MapRegistry (new MapRegistry()), or left out for defaultRegistry';
    // A metrics() alone (another library's registry, a stats holder) or a registerMetric() alone is not one.
    for (const bad of [{ metrics: () => '' }, { registerMetric: () => undefined }]) {
      expect(() => new RWLock({ name: 'opt', registry: bad as unknown as MapRegistry })).toThrow(generic);
    }
    expect(() => new RWLock({ name: 'opt', registry: prom })).toThrow(/this is a prom-client Registry/);
  });
});

function methodsOf(o: object): [string, unknown][] {
  const proto = Object.getPrototypeOf(o) as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto).map((k) => [k, proto[k]]);
}
