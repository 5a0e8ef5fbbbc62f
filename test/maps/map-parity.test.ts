/**
 * Issue 10, items 11-13: the maps behave as a native Map where a host could tell the difference.
 * - 11: the constructor follows the Map constructor's steps (one entry at a time, `set` looked up once,
 *   array-like entries, the iterator closed on any failure), options validated before anything registers.
 * - 12: frozen and deep-frozen maps keep working.
 * - 13: no internal state (stats, sampled keys) through JSON, Object.keys, spread or for-in.
 */
import { describe, expect, it } from 'vitest';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { LoadingMap } from '../../src/maps/loading-map.js';
import { LockedMap } from '../../src/maps/locked-map.js';
import { ReadMostlyMap } from '../../src/maps/read-mostly-map.js';
import { ShardedMap } from '../../src/maps/sharded-map.js';
import { MapRegistry } from '../../src/registry.js';

/** An iterator over `entries` that records how it is driven. */
function tracked(entries: unknown[], endless = false) {
  const log = { next: 0, returned: 0 };
  let i = 0;
  const iterable = {
    [Symbol.iterator]() {
      return {
        next() {
          log.next++;
          if (i < entries.length) return { done: false, value: entries[i++] };
          if (endless) return { done: false, value: [`k${i++}`, i] };
          return { done: true, value: undefined };
        },
        return() {
          log.returned++;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { iterable, log };
}

type Ctor = (entries: unknown, registry: MapRegistry, name?: string) => Map<unknown, unknown> | object;
const CONSTRUCTORS: Array<[string, Ctor]> = [
  ['InstrumentedMap', (e, registry, name = 'm') => new InstrumentedMap(e as never, { name, registry })],
  ['ReadMostlyMap', (e, registry, name = 'm') => new ReadMostlyMap(e as never, { name, registry })],
  ['LockedMap', (e, registry, name = 'm') => new LockedMap(e as never, { name, registry })],
];

describe.each(CONSTRUCTORS)('%s constructor, as new Map(entries)', (_, make) => {
  it('accepts array-like entries, reading "0" and "1"', async () => {
    const m = make([{ 0: 'k', 1: 'v', length: 2 }], new MapRegistry()) as Map<string, string>;
    expect(m.size).toBe(1);
    // LockedMap's get is async: await either kind.
    expect(await m.get('k')).toBe('v');
  });

  it('reads an endless iterator one entry at a time and closes it on a bad entry', () => {
    const { iterable, log } = tracked([['a', 1], ['b', 2], 'not an entry'], true);
    expect(() => make(iterable, new MapRegistry())).toThrow(TypeError);
    expect(log).toEqual({ next: 3, returned: 1 });
  });

  it('closes the iterator when reading an entry throws, and reports that error', () => {
    const boom = new Error('entry getter');
    const bad = {
      get 0(): never {
        throw boom;
      },
      1: 'v',
    };
    const { iterable, log } = tracked([['a', 1], bad], true);
    expect(() => make(iterable, new MapRegistry())).toThrow(boom);
    expect(log).toEqual({ next: 2, returned: 1 });
  });

  it('validates the options before reading any entry, and registers nothing', () => {
    const registry = new MapRegistry();
    const { iterable, log } = tracked([], true);
    expect(() => make(iterable, registry, '')).toThrow(RangeError);
    expect(log.next).toBe(0);
    expect(registry.names()).toEqual([]);
  });

  it('refuses a non-iterable before registering anything', () => {
    const registry = new MapRegistry();
    expect(() => make(42, registry)).toThrow(/iterable/);
    expect(registry.names()).toEqual([]);
  });
});

describe('the adder, as the Map constructor looks it up', () => {
  class Counted<K, V> extends InstrumentedMap<K, V> {}
  let lookups = 0;
  let adder: unknown = InstrumentedMap.prototype.set;
  Object.defineProperty(Counted.prototype, 'set', {
    get() {
      lookups++;
      return adder;
    },
  });

  it('is looked up once when entries are given (even none), never without', () => {
    const registry = new MapRegistry();
    lookups = 0;
    new Counted([], { name: 'a', registry });
    expect(lookups).toBe(1);
    new Counted([['k', 1]], { name: 'a', registry });
    expect(lookups).toBe(2);
    new Counted(null, { name: 'a', registry });
    new Counted({ name: 'a', registry });
    expect(lookups).toBe(2);
  });

  it('must be callable: a TypeError before anything registers or is read', () => {
    const registry = new MapRegistry();
    adder = 42;
    try {
      const { iterable, log } = tracked([['k', 1]]);
      expect(() => new Counted(iterable as never, { name: 'a', registry })).toThrow(TypeError);
      expect(log.next).toBe(0);
      expect(registry.names()).toEqual([]);
    } finally {
      adder = InstrumentedMap.prototype.set;
    }
  });

  it('a throwing set closes the iterator; the half-built map leaves instances and entries at once', () => {
    class Capped<K, V> extends InstrumentedMap<K, V> {
      override set(key: K, value: V): this {
        if (this.size >= 2) throw new Error('full');
        return super.set(key, value);
      }
    }
    const registry = new MapRegistry();
    const { iterable, log } = tracked([], true);
    expect(() => new Capped(iterable as never, { name: 'capped', registry })).toThrow('full');
    expect(log).toEqual({ next: 3, returned: 1 });
    const n = registry.collect().names[0]!;
    expect(n.instances).toBe(0);
    expect(n.entriesByKind.get('plain')).toBe(0);
    // What happened stays counted: counters never go backwards.
    expect(n.map.inserts).toBe(2);
    // A later map of the name is counted as usual.
    const kept = new InstrumentedMap([['a', 1]], { name: 'capped', registry });
    expect(registry.collect().names[0]!.instances).toBe(1);
    expect(registry.collect().names[0]!.entriesByKind.get('plain')).toBe(1);
    void kept;
  });
});

/** Freezes an object graph the way deep-freeze helpers do: every own property, recursively. */
function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value))
    return value;
  seen.add(value);
  for (const key of Reflect.ownKeys(value)) {
    const d = Object.getOwnPropertyDescriptor(value, key);
    if (d && 'value' in d) deepFreeze(d.value, seen);
  }
  return Object.freeze(value);
}

describe('frozen maps keep working, as a frozen native Map does', () => {
  it('InstrumentedMap: frozen, set(k, undefined), then reads', () => {
    const registry = new MapRegistry();
    const m = Object.freeze(new InstrumentedMap<string, number | undefined>({ name: 'f', registry }));
    m.set('k', undefined);
    expect(m.has('k')).toBe(true);
    expect(m.get('k')).toBeUndefined();
    expect(m.delete('k')).toBe(true);
    m.set('a', 1).clear();
    expect(registry.collect().names[0]!.map.hits).toBe(2);
  });

  it('InstrumentedMap and instrument() inside a deep-frozen object graph: get/set still count', () => {
    const registry = new MapRegistry();
    const config = deepFreeze({
      cache: new InstrumentedMap<string, number>([['a', 1]], { name: 'deep', registry }),
      sampled: new InstrumentedMap<string, number>({
        name: 'reads',
        registry,
        sampleSurvival: { reads: true },
      }),
    });
    expect(config.cache.get('a')).toBe(1);
    config.cache.set('b', 2);
    config.sampled.set('x', 1);
    expect(config.sampled.get('x')).toBe(1);
    const snap = registry.collect().names.find((n) => n.name === 'deep')!;
    expect(snap.map.hits).toBe(1);
    expect(snap.entriesByKind.get('plain')).toBe(2);
  });

  it('ReadMostlyMap: frozen set, delete and clear', () => {
    const m = Object.freeze(new ReadMostlyMap<string, number>({ name: 'r', registry: new MapRegistry() }));
    m.set('a', 1);
    expect(m.get('a')).toBe(1);
    expect(m.delete('a')).toBe(true);
    m.set('b', 2);
    m.clear();
    expect(m.size).toBe(0);
    const deep = deepFreeze({
      m: new ReadMostlyMap<string, number>({ name: 'r2', registry: new MapRegistry() }),
    });
    deep.m.set('a', 1);
    expect(deep.m.get('a')).toBe(1);
  });

  it('LockedMap: frozen and deep-frozen, with tasks queued, sections run and count', async () => {
    const registry = new MapRegistry();
    const frozen = Object.freeze(new LockedMap<string, number>({ name: 'lf', registry }));
    await frozen.set('a', 1);
    expect(await frozen.get('a')).toBe(1);
    const deep = deepFreeze({ m: new LockedMap<string, number>([['a', 1]], { name: 'ld', registry }) });
    // Queued behind one another, as a burst of requests would be.
    const results = await Promise.all([
      deep.m.set('b', 2),
      deep.m.get('a'),
      deep.m.delete('a'),
      deep.m.get('b'),
    ]);
    expect(results.slice(1)).toEqual([1, true, 2]);
    expect(registry.collect().names.find((n) => n.name === 'ld')!.map.hits).toBe(2);
  });

  it('LoadingMap with a TTL: frozen set', () => {
    const m = Object.freeze(
      new LoadingMap<string, number>({ name: 'l', registry: new MapRegistry(), ttlMs: 1000 }),
    );
    m.set('a', 1);
    expect(m.get('a')).toBe(1);
  });
});

describe('no internals through enumeration or JSON', () => {
  const SECRET = 'sk_live_secret_token';
  const makers: Array<[string, (r: MapRegistry) => object]> = [
    [
      'InstrumentedMap',
      (registry) => {
        const m = new InstrumentedMap<string, number>({
          name: 'i',
          registry,
          sampleSurvival: { reads: true },
        });
        m.set(SECRET, 1);
        m.get(SECRET);
        return m;
      },
    ],
    [
      'ReadMostlyMap',
      (registry) => new ReadMostlyMap<string, number>([[SECRET, 1]], { name: 'r', registry }),
    ],
    ['ShardedMap', (registry) => new ShardedMap<string, number>({ name: 's', registry })],
    [
      'LockedMap, with tasks queued',
      (registry) => {
        const m = new LockedMap<string, number>([[SECRET, 1]], { name: 'k', registry });
        // Two tasks wait behind a write section: the lock's queue is a doubly linked list.
        void m.write(() => new Promise((resolve) => setTimeout(resolve, 50)));
        void m.get(SECRET);
        void m.get(SECRET);
        return m;
      },
    ],
    ['LoadingMap', (registry) => new LoadingMap<string, number>({ name: 'l', registry }).set(SECRET, 1)],
  ];
  it.each(makers)('%s stringifies to {} and enumerates nothing', (_, make) => {
    const m = make(new MapRegistry());
    expect(JSON.stringify(m)).toBe('{}');
    expect(JSON.stringify({ m })).not.toContain('secret');
    expect(Object.keys(m)).toEqual([]);
    expect({ ...m }).toEqual({});
    const seen: string[] = [];
    for (const k in m) seen.push(k);
    expect(seen).toEqual([]);
  });
});
