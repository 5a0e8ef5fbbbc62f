/**
 * InstrumentedMap and instrument() behaviour the mutation run found unguarded (issue #17): the refusals
 * name the call and the method, the installed methods stay writable and configurable like the ones they
 * replace, the marker never shows in a spread, and a subclass's own delete and clear are counted by what
 * they really did to the map.
 */
import { describe, expect, it } from 'vitest';
import { instrument, instrumentedName } from '../../src/maps/instrument.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { MapRegistry } from '../../src/registry.js';

const plain = (registry: MapRegistry, name: string) => registry.collect().names.find((n) => n.name === name)!;

describe('instrument() refusals', () => {
  it('name instrument(map) when the options are missing', () => {
    for (const options of [undefined, null, 'sessions']) {
      expect(() => instrument(new Map(), options as never)).toThrow(
        new TypeError(
          "mapwatch: instrument(map) needs an options object with a name, e.g. { name: 'sessions' }",
        ),
      );
    }
  });

  it('name instrument(map) in a bad bound', () => {
    expect(() => instrument(new Map(), { name: 'b', registry: new MapRegistry(), maxEntries: 0 })).toThrow(
      /^mapwatch: instrument\(map\): maxEntries must be a positive integer/,
    );
  });

  it('name the method that is not a function, own or inherited, and register nothing', () => {
    const registry = new MapRegistry();
    const own = new Map();
    Object.defineProperty(own, 'has', { value: 42, configurable: true });
    expect(() => instrument(own, { name: 'own', registry })).toThrow(
      new TypeError("mapwatch: cannot instrument a Map whose 'has' is not a function"),
    );
    class NoClear extends Map {}
    Object.defineProperty(NoClear.prototype, 'clear', { value: 'nope' });
    expect(() => instrument(new NoClear(), { name: 'inherited', registry })).toThrow(
      new TypeError("mapwatch: cannot instrument a Map whose 'clear' is not a function"),
    );
    const frozenGet = new Map();
    Object.defineProperty(frozenGet, 'get', { value: () => 1, configurable: false });
    expect(() => instrument(frozenGet, { name: 'fixed', registry })).toThrow(
      new TypeError("mapwatch: cannot instrument a Map whose own 'get' is not configurable"),
    );
    expect(registry.names()).toEqual([]);
  });
});

describe('instrument() on the map', () => {
  it('installs methods that stay writable and configurable, and hidden from keys and spreads', () => {
    const map = instrument(new Map([['a', 1]]), { name: 'flags', registry: new MapRegistry() });
    for (const key of ['get', 'has', 'set', 'delete', 'clear']) {
      const d = Object.getOwnPropertyDescriptor(map, key)!;
      expect(d, key).toMatchObject({ writable: true, configurable: true, enumerable: false });
    }
    // The marker is a symbol: Object.keys never shows it, but a spread copies enumerable symbols.
    expect(Object.getOwnPropertySymbols({ ...map })).toEqual([]);
    expect(Object.keys(map)).toEqual([]);
    // Writable: a caller (a test double, a later wrapper) can still replace a method.
    map.get = () => 7;
    expect(map.get('a')).toBe(7);
  });

  it('instrumentedName() tells the name a map reports under, or undefined', () => {
    const map = new Map();
    expect(instrumentedName(map)).toBeUndefined();
    instrument(map, { name: 'named', registry: new MapRegistry() });
    expect(instrumentedName(map)).toBe('named');
  });

  it("counts a subclass's own delete by what it removed, not by what it answered", () => {
    // A delete that lies: it removes nothing and says true, or removes and says false.
    class Liar<K, V> extends Map<K, V> {
      override delete(key: K): boolean {
        if (key === 'keep') return true;
        super.delete(key);
        return false;
      }
    }
    const registry = new MapRegistry();
    const map = instrument(
      new Liar<string, number>([
        ['keep', 1],
        ['drop', 2],
      ]),
      { name: 'liar', registry },
    );
    expect(map.delete('keep')).toBe(true);
    expect(map.delete('drop')).toBe(false);
    const n = plain(registry, 'liar');
    expect(n.map.deletesExplicit).toBe(1);
    expect(n.entriesByKind.get('plain')).toBe(1);
  });

  it("counts a subclass's clear that keeps entries by what it removed", () => {
    class Pinned<K, V> extends Map<K, V> {
      override clear(): void {
        for (const key of [...this.keys()]) if (key !== 'pinned') super.delete(key);
      }
    }
    const registry = new MapRegistry();
    const map = instrument(
      new Pinned<string, number>([
        ['pinned', 1],
        ['a', 2],
        ['b', 3],
      ]),
      { name: 'pinned', registry },
    );
    map.clear();
    const n = plain(registry, 'pinned');
    expect(n.map.deletesClear).toBe(2);
    expect(n.entriesByKind.get('plain')).toBe(1);
  });

  it('never counts backwards, nor a shrinking set as an insert, nor a growing delete as a delete', () => {
    // A subclass that does the opposite of what it is asked: its counts must stay sane (#15 review).
    class Contrary<K, V> extends Map<K, V> {
      override set(key: K, value: V): this {
        if (this.size > 0) super.delete(this.keys().next().value as K);
        else super.set(key, value);
        return this;
      }
      override delete(key: K): boolean {
        super.set(key, undefined as V);
        super.set(`${String(key)}'` as K, undefined as V);
        return true;
      }
      override clear(): void {
        super.set('refill' as K, undefined as V);
      }
    }
    const registry = new MapRegistry();
    const map = instrument(new Contrary<string, number>(), { name: 'contrary', registry });
    map.set('a', 1); // grows: an insert
    map.set('b', 2); // shrinks: not an insert
    map.delete('c'); // grows by two: not a delete
    map.clear(); // grows: nothing cleared, and no negative count
    const n = plain(registry, 'contrary');
    // set('b') stored nothing (an update, as a set that adds no entry) and dropped 'a' behind the hooks
    // (an eviction); delete('c') and clear() added three entries behind them (inserts).
    expect([n.map.inserts, n.map.updates, n.map.deletesExplicit, n.map.deletesClear]).toEqual([4, 1, 0, 0]);
    expect(n.map.deletesEvict).toBe(1);
    expect(n.entriesByKind.get('plain')).toBe(map.size);
  });
});

describe('InstrumentedMap refusals and iteration', () => {
  it("names itself when a subclass's set is not a function and entries are given", () => {
    class Broken<K, V> extends InstrumentedMap<K, V> {}
    Object.defineProperty(Broken.prototype, 'set', { value: undefined });
    expect(() => new Broken([['a', 1]], { name: 'broken', registry: new MapRegistry() })).toThrow(
      new TypeError("mapwatch: new InstrumentedMap(): 'set' is not a function"),
    );
  });

  it('forEach refuses a callback that is not a function, as Map does', () => {
    const map = new InstrumentedMap<string, number>({ name: 'each', registry: new MapRegistry() });
    expect(() => map.forEach(42 as never)).toThrow(new TypeError('42 is not a function'));
  });

  it('entries() yields every pair in insertion order', () => {
    const map = new InstrumentedMap<string, number>(
      [
        ['a', 1],
        ['b', 2],
      ],
      { name: 'pairs', registry: new MapRegistry() },
    );
    expect([...map.entries()]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });
});

describe('counting the mutation run found unguarded', () => {
  it('an InstrumentedMap delete takes the entry out of the live count', () => {
    const registry = new MapRegistry();
    const map = new InstrumentedMap<string, number>(
      [
        ['a', 1],
        ['b', 2],
      ],
      { name: 'del', registry },
    );
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    expect(plain(registry, 'del').entriesByKind.get('plain')).toBe(1);
  });

  it('instrument() with read tracking marks entries read by get and by has', () => {
    let t = 1_000_000;
    const registry = new MapRegistry({ now: () => t });
    const viaGet = instrument(new Map([['k', 1]]), {
      name: 'reads-get',
      registry,
      sampleSurvival: { reads: true },
    });
    const viaHas = instrument(new Map([['k', 1]]), {
      name: 'reads-has',
      registry,
      sampleSurvival: { reads: true },
    });
    // Entries present at instrument() time are not inserts; sample one inserted after.
    viaGet.set('fresh', 2);
    viaHas.set('fresh', 2);
    registry.collect();
    t += 60_000;
    expect(plain(registry, 'reads-get').survival!.neverReadRatio).toBe(1);
    viaGet.get('fresh');
    viaHas.has('fresh');
    expect(plain(registry, 'reads-get').survival!.neverReadRatio).toBe(0);
    expect(plain(registry, 'reads-has').survival!.neverReadRatio).toBe(0);
  });

  it("a subclass's own delete tells the sampler, with sampling on or off", () => {
    class Own<K, V> extends Map<K, V> {
      override delete(key: K): boolean {
        return super.delete(key);
      }
    }
    let t = 1_000_000;
    const registry = new MapRegistry({ now: () => t });
    const sampled = instrument(new Own<string, number>(), { name: 'own-on', registry });
    const unsampled = instrument(new Own<string, number>(), {
      name: 'own-off',
      registry,
      sampleSurvival: false,
    });
    sampled.set('old', 1);
    unsampled.set('old', 1);
    registry.collect();
    t += 3_600_000;
    expect(plain(registry, 'own-on').survival!.oldestAgeSeconds).toBe(3600);
    expect(sampled.delete('old')).toBe(true);
    expect(unsampled.delete('old')).toBe(true); // no sampler to tell: must not throw
    expect(plain(registry, 'own-on').survival!.oldestAgeSeconds).toBe(0);
  });
});
