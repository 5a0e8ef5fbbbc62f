import { describe, expect, it } from 'vitest';
import { OVERFLOW_MAP_NAME } from '../src/conventions.js';
import { instrument } from '../src/maps/instrument.js';
import { InstrumentedMap } from '../src/maps/instrumented-map.js';
import { LoadingMap } from '../src/maps/loading-map.js';
import { LockedMap } from '../src/maps/locked-map.js';
import { ReadMostlyMap } from '../src/maps/read-mostly-map.js';
import { ShardedMap } from '../src/maps/sharded-map.js';
import { MapRegistry } from '../src/registry.js';
import { RWLock } from '../src/sync/rwlock.js';

describe('map names are validated at the boundary', () => {
  const registry = new MapRegistry();
  it.each([
    [undefined, TypeError, /must be a string/],
    [42, TypeError, /must be a string/],
    ['', RangeError, /must not be empty/],
    ['x'.repeat(101), RangeError, /at most 100/],
    ['bad\nname', RangeError, /control characters/],
    [OVERFLOW_MAP_NAME, RangeError, /reserved/],
  ])('rejects %j', (name, type, message) => {
    expect(() => new InstrumentedMap({ name: name as string, registry })).toThrow(type);
    expect(() => new InstrumentedMap({ name: name as string, registry })).toThrow(message);
    expect(() => instrument(new Map(), { name: name as string, registry })).toThrow(type);
  });

  it('accepts any printable name, markup included (it is escaped where shown)', () => {
    const m = new InstrumentedMap({ name: '<img src=x onerror=alert(1)>', registry });
    expect(m.size).toBe(0);
  });

  it('rejects a missing options object with the fix in the message', () => {
    expect(() => new InstrumentedMap(undefined as never)).toThrow(/options object with a name/);
    expect(() => instrument(new Map(), undefined as never)).toThrow(/options object with a name/);
  });

  it('rejects a bad cap', () => {
    expect(() => new MapRegistry({ maxNames: 0 })).toThrow(RangeError);
    expect(() => new MapRegistry({ maxNames: 1.5 })).toThrow(/positive integer/);
  });
});

describe('instrument()', () => {
  it('returns the same object, still a Map, with no enumerable additions', () => {
    const registry = new MapRegistry();
    const map = new Map([['a', 1]]);
    const same = instrument(map, { name: 'legacy', registry });
    expect(same).toBe(map);
    expect(same).toBeInstanceOf(Map);
    expect(Object.keys(map)).toEqual([]);
    expect(JSON.stringify([...map])).toBe('[["a",1]]');
    expect(Object.prototype.toString.call(map)).toBe('[object Map]');
  });

  it('is idempotent under one name and refuses a second name', () => {
    const registry = new MapRegistry();
    const map = instrument(new Map(), { name: 'one', registry });
    expect(instrument(map, { name: 'one', registry })).toBe(map);
    expect(() => instrument(map, { name: 'two', registry })).toThrow(/already instrumented as 'one'/);
    map.set('k', 1);
    // Counted once, not twice, despite the second instrument() call.
    expect(registry.collect().names[0]!.map.inserts).toBe(1);
  });

  it('refuses to report one map to two registries', () => {
    const map = instrument(new Map(), { name: 'one', registry: new MapRegistry() });
    expect(() => instrument(map, { name: 'one', registry: new MapRegistry() })).toThrow(/another registry/);
  });

  it('refuses non-Maps and frozen Maps with a message that says what to do', () => {
    expect(() => instrument({} as Map<unknown, unknown>, { name: 'x' })).toThrow(/takes a Map/);
    expect(() => instrument(Object.freeze(new Map()), { name: 'x', registry: new MapRegistry() })).toThrow(
      /before freezing/,
    );
  });
});

describe('per-name aggregation', () => {
  it('sums live instances with one name and counts them', () => {
    const registry = new MapRegistry();
    const a = new InstrumentedMap<string, number>({ name: 'conn', registry });
    const b = new InstrumentedMap<string, number>({ name: 'conn', registry });
    a.set('x', 1).set('y', 2);
    b.set('x', 1);
    b.get('x');
    b.get('nope');
    const [snap] = registry.collect().names;
    expect(snap!.instances).toBe(2);
    expect(snap!.entriesByKind.get('plain')).toBe(3);
    expect(snap!.map.inserts).toBe(3);
    expect(snap!.map.hits).toBe(1);
    expect(snap!.map.misses).toBe(1);
  });

  it('folds names past the cap into _other and counts each folded map', () => {
    const registry = new MapRegistry({ maxNames: 2 });
    const keep: unknown[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'c'])
      keep.push(new InstrumentedMap({ name, registry }).set(name, 1));
    const snap = registry.collect();
    expect(snap.names.map((n) => n.name)).toEqual(['a', 'b', OVERFLOW_MAP_NAME]);
    expect(snap.overflow).toBe(3);
    const other = snap.names.find((n) => n.name === OVERFLOW_MAP_NAME)!;
    expect(other.instances).toBe(3);
    expect(other.entriesByKind.get('plain')).toBe(3);
    // Existing names keep working after the cap is reached.
    keep.push(new InstrumentedMap({ name: 'a', registry }));
    expect(registry.collect().overflow).toBe(3);
  });

  it('counts a map with locks past the cap once, not once per lock', () => {
    // A ShardedMap owns 16 locks and a LockedMap one, all under the map's name: they used to add 17 and 2.
    const registry = new MapRegistry({ maxNames: 1 });
    const keep = [
      new InstrumentedMap({ name: 'a', registry }),
      new ShardedMap({ name: 'sharded', registry }),
      new LockedMap({ name: 'locked', registry }),
      new RWLock({ name: 'lock', registry }),
    ];
    expect(registry.collect().overflow).toBe(2);
    expect(keep).toHaveLength(4);
  });

  it('a failing size getter of a tracked object costs that instance, not the snapshot', () => {
    const registry = new MapRegistry();
    const ok = new InstrumentedMap({ name: 'ok', registry }).set('k', 1);
    const broken = {
      get size(): number {
        throw new Error('boom');
      },
    };
    registry.trackMap(broken, 'broken', 'plain');
    const snap = registry.collect();
    expect(snap.names.find((n) => n.name === 'ok')!.entriesByKind.get('plain')).toBe(1);
    expect(snap.names.find((n) => n.name === 'broken')!.instances).toBe(1);
    void ok;
    void broken;
  });
});

describe('lock wait fan-out', () => {
  it('calls out on contended waits only while a listener is subscribed', () => {
    const registry = new MapRegistry();
    const lockA = {};
    const stats = registry.trackLock(lockA, 'ledger');
    expect(stats.onContendedWait).toBeUndefined();
    const seen: string[] = [];
    const unsubscribe = registry.addLockWaitListener((name, mode, s) => seen.push(`${name} ${mode} ${s}`));
    // Locks tracked before and after subscribing both report.
    const lockB = {};
    const later = registry.trackLock(lockB, 'ledger');
    stats.recordAcquire('write', true, 0.5);
    later.recordAcquire('read', true, 0.25);
    stats.recordAcquire('read', false, 0);
    expect(seen).toEqual(['ledger write 0.5', 'ledger read 0.25']);
    unsubscribe();
    expect(stats.onContendedWait).toBeUndefined();
    expect(later.onContendedWait).toBeUndefined();
    stats.recordAcquire('write', true, 1);
    expect(seen).toHaveLength(2);
    void lockA;
    void lockB;
  });
});

describe('InstrumentedMap rejects what a native Map rejects', () => {
  it.each([
    ['a string entry', [['ab'] as unknown as [string, string]]],
    ['a number entry', [[1] as unknown as [number, number]]],
  ])('%s in the initial entries', (_what, entries) => {
    expect(() => new Map(entries.flat() as never)).toThrow(TypeError);
    expect(
      () => new InstrumentedMap(entries.flat() as never, { name: 'x', registry: new MapRegistry() }),
    ).toThrow(/not an entry object/);
  });

  it('non-iterable initial entries, before registering anything', () => {
    const registry = new MapRegistry();
    expect(() => new InstrumentedMap({ name: 'x' } as never, { name: 'y', registry })).toThrow(
      /must be iterable/,
    );
    expect(registry.names()).toEqual([]);
  });

  it('forEach without a function, even on an empty map', () => {
    expect(() => new Map().forEach(undefined as never)).toThrow(TypeError);
    expect(() =>
      new InstrumentedMap({ name: 'x', registry: new MapRegistry() }).forEach(undefined as never),
    ).toThrow(TypeError);
  });
});

describe('declared bounds', () => {
  const bounds = (registry: MapRegistry, name: string) => {
    const n = registry.collect().names.find((s) => s.name === name)!;
    return { maxEntries: n.declaredMaxEntries, ttlSeconds: n.declaredTtlSeconds };
  };

  it('sums maxEntries and takes the longest TTL over the live instances of a name', () => {
    const registry = new MapRegistry();
    const a = new InstrumentedMap({ name: 'cache', registry, maxEntries: 1000, ttlMs: 60_000 });
    const b = instrument(new Map(), { name: 'cache', registry, maxEntries: 250, ttlMs: 5_000 });
    expect(bounds(registry, 'cache')).toEqual({ maxEntries: 1250, ttlSeconds: 60 });
    void a;
    void b;
  });

  it('is undefined as soon as one live instance declares none (the name as a whole is unbounded)', () => {
    const registry = new MapRegistry();
    const keep = [
      new InstrumentedMap({ name: 'mixed', registry, maxEntries: 10 }),
      new InstrumentedMap({ name: 'mixed', registry, ttlMs: 1000 }),
      new InstrumentedMap({ name: 'none', registry }),
    ];
    expect(bounds(registry, 'mixed')).toEqual({ maxEntries: undefined, ttlSeconds: undefined });
    expect(bounds(registry, 'none')).toEqual({ maxEntries: undefined, ttlSeconds: undefined });
    void keep;
  });

  it('treats ttlMs: Infinity as no TTL, as LoadingMap does', () => {
    const registry = new MapRegistry();
    const keep = [
      new InstrumentedMap({ name: 'forever', registry, maxEntries: 5, ttlMs: Infinity }),
      new LoadingMap({ name: 'loader-forever', registry, ttlMs: Infinity }),
    ];
    expect(bounds(registry, 'forever')).toEqual({ maxEntries: 5, ttlSeconds: undefined });
    expect(bounds(registry, 'loader-forever')).toEqual({ maxEntries: undefined, ttlSeconds: undefined });
    void keep;
  });

  it('every map type accepts the declaration, and a LoadingMap declares its own TTL', () => {
    const registry = new MapRegistry();
    const keep = [
      new LoadingMap({ name: 'loading', registry, ttlMs: 30_000 }),
      new LoadingMap({ name: 'loading-capped', registry, ttlMs: 1500, maxEntries: 100 }),
      new LockedMap({ name: 'locked', registry, maxEntries: 7 }),
      new ShardedMap({ name: 'sharded', registry, maxEntries: 4096, ttlMs: 2000 }),
      new ReadMostlyMap({ name: 'read-mostly', registry, maxEntries: 3 }),
    ];
    expect(bounds(registry, 'loading')).toEqual({ maxEntries: undefined, ttlSeconds: 30 });
    expect(bounds(registry, 'loading-capped')).toEqual({ maxEntries: 100, ttlSeconds: 1.5 });
    expect(bounds(registry, 'locked')).toEqual({ maxEntries: 7, ttlSeconds: undefined });
    // One ShardedMap is one instance: its bound covers all its shards and locks.
    expect(bounds(registry, 'sharded')).toEqual({ maxEntries: 4096, ttlSeconds: 2 });
    expect(bounds(registry, 'read-mostly')).toEqual({ maxEntries: 3, ttlSeconds: undefined });
    void keep;
  });

  it('a lock under the name neither declares nor hides a bound', () => {
    const registry = new MapRegistry();
    const lock = new RWLock({ name: 'ledger', registry });
    const map = new InstrumentedMap({ name: 'ledger', registry, maxEntries: 50 });
    expect(bounds(registry, 'ledger')).toEqual({ maxEntries: 50, ttlSeconds: undefined });
    const lockOnly = new RWLock({ name: 'lock-only', registry });
    expect(bounds(registry, 'lock-only')).toEqual({ maxEntries: undefined, ttlSeconds: undefined });
    void lock;
    void map;
    void lockOnly;
  });

  it('trackMap still takes a bare survival source as its fourth argument', () => {
    const registry = new MapRegistry({ now: () => 10_000 });
    const target = { size: 1 };
    registry.trackMap(target, 'custom', 'plain', {
      oldestSampledAtMs: () => 4_000,
      sampledLive: () => 1,
      sampledNeverRead: () => 1,
    });
    const n = registry.collect().names[0]!;
    expect(n.survival).toEqual({ oldestAgeSeconds: 6, neverReadRatio: 1 });
    expect(n.declaredMaxEntries).toBeUndefined();
    void target;
  });
});

describe('declared bounds are validated at the boundary', () => {
  const makers: Array<[string, (registry: MapRegistry, extra: object) => unknown]> = [
    ['InstrumentedMap', (registry, extra) => new InstrumentedMap({ name: 'b', registry, ...extra })],
    ['instrument()', (registry, extra) => instrument(new Map(), { name: 'b', registry, ...extra })],
    ['LockedMap', (registry, extra) => new LockedMap({ name: 'b', registry, ...extra })],
    ['ShardedMap', (registry, extra) => new ShardedMap({ name: 'b', registry, ...extra })],
    ['ReadMostlyMap', (registry, extra) => new ReadMostlyMap({ name: 'b', registry, ...extra })],
    ['LoadingMap', (registry, extra) => new LoadingMap({ name: 'b', registry, ...extra })],
  ];
  const badMaxEntries: Array<[unknown, ErrorConstructor]> = [
    [NaN, RangeError],
    [Infinity, RangeError],
    [-1, RangeError],
    [0, RangeError],
    [1.5, RangeError],
    [2 ** 53, RangeError],
    ['100', TypeError],
    [null, TypeError],
  ];
  const badTtl: Array<[unknown, ErrorConstructor]> = [
    [NaN, TypeError],
    [-Infinity, RangeError],
    [-5, RangeError],
    [0, RangeError],
    ['1000', TypeError],
  ];

  describe.each(makers)('%s', (_what, make) => {
    it.each(badMaxEntries)('rejects maxEntries %s, saying what to pass', (value, type) => {
      const registry = new MapRegistry();
      expect(() => make(registry, { maxEntries: value })).toThrow(type);
      expect(() => make(registry, { maxEntries: value })).toThrow(
        /maxEntries must be a .*e\.g\. maxEntries: 10_000/,
      );
      // Nothing was registered by the failed calls.
      expect(registry.names()).toEqual([]);
    });

    it.each(badTtl)('rejects ttlMs %s, saying what to pass', (value, type) => {
      const registry = new MapRegistry();
      expect(() => make(registry, { ttlMs: value })).toThrow(type);
      expect(() => make(registry, { ttlMs: value })).toThrow(/ttlMs must be/);
      expect(registry.names()).toEqual([]);
    });
  });

  it('names the call and the value in the message', () => {
    const registry = new MapRegistry();
    expect(() => new InstrumentedMap({ name: 'x', registry, maxEntries: 1.5 })).toThrow(
      'mapwatch: new InstrumentedMap(): maxEntries must be a positive integer up to 2^32, the most entries the map may hold (e.g. maxEntries: 10_000); omit it for a map with no bound, got 1.5',
    );
    expect(() => instrument(new Map(), { name: 'x', registry, maxEntries: '10' as never })).toThrow(
      /instrument\(map\): maxEntries must be a number.*got the string "10"/,
    );
    expect(() => registry.trackMap({ size: 0 }, 'x', 'plain', { ttlMs: -1 })).toThrow(
      /trackMap\(\): ttlMs must be > 0 milliseconds/,
    );
  });
});
