import { describe, expect, it } from 'vitest';
import { OVERFLOW_MAP_NAME } from '../src/conventions.js';
import { instrument } from '../src/maps/instrument.js';
import { InstrumentedMap } from '../src/maps/instrumented-map.js';
import { MapRegistry } from '../src/registry.js';

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
