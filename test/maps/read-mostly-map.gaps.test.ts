/**
 * ReadMostlyMap behaviour the mutation run found unguarded (issue #17): what it reports to the registry,
 * a `set` that is not a function, the read misses of loadOrStore and compareAndDelete, and iterations
 * that skip deleted keys, stop at clear() and accept any callback result.
 */
import { describe, expect, it } from 'vitest';
import { ReadMostlyMap } from '../../src/maps/read-mostly-map.js';
import { MapRegistry } from '../../src/registry.js';

const make = () => {
  const registry = new MapRegistry();
  const map = new ReadMostlyMap<string, number>({ name: 'config', registry });
  const snapshot = () => registry.collect().names.find((n) => n.name === 'config')!;
  return { map, snapshot };
};

/** Sets the keys, then promotes them into the read snapshot (an iteration promotes, as Go's Range). */
function promoted(keys: string[]) {
  const made = make();
  for (const [i, k] of keys.entries()) made.map.set(k, i);
  made.map.forEach(() => undefined);
  return made;
}

describe('ReadMostlyMap', () => {
  it('reports under kind=read_mostly, with no survival figures', () => {
    const { map, snapshot } = make();
    map.set('a', 1).set('b', 2);
    expect([...snapshot().kinds]).toEqual(['read_mostly']);
    expect(snapshot().entriesByKind.get('read_mostly')).toBe(2);
    expect(snapshot().survival).toBeUndefined();
  });

  it("refuses entries when its 'set' is not a function, as new Map() does, before registering", () => {
    class Broken extends ReadMostlyMap<string, number> {}
    Object.defineProperty(Broken.prototype, 'set', { value: 5 });
    const registry = new MapRegistry();
    expect(() => new Broken([['a', 1]], { name: 'b', registry })).toThrow(
      new TypeError("mapwatch: new ReadMostlyMap(): 'set' is not a function"),
    );
    expect(registry.names()).toEqual([]);
    // Without entries `set` is never needed.
    expect(new Broken({ name: 'b', registry }).size).toBe(0);
  });

  it('loadOrStore of a key only in dirty counts a read miss; compareAndDelete of a key in read does not', () => {
    const { map, snapshot } = promoted(['a', 'b', 'c']);
    map.set('new', 9); // only in dirty
    const before = snapshot().map.readMisses;
    expect(map.loadOrStore('new', 0)).toEqual({ value: 9, loaded: true });
    expect(snapshot().map.readMisses).toBe(before + 1);
    expect(map.compareAndDelete('a', 0)).toBe(true);
    expect(snapshot().map.readMisses).toBe(before + 1);
    expect(map.internals().misses).toBe(1);
  });

  it('iterations skip deleted keys and accept any callback result', async () => {
    const { map } = promoted(['a', 'b', 'c']);
    map.delete('b');
    const seen: string[] = [];
    await map.range((key) => {
      seen.push(key);
      return null as never; // not a promise, not false: go on
    });
    expect(seen).toEqual(['a', 'c']);
    expect([...map.values()]).toEqual([0, 2]);
  });

  it('a sync iteration in progress stops at clear()', () => {
    const { map } = promoted(['a', 'b', 'c']);
    const seen: string[] = [];
    for (const [key] of map.entries()) {
      seen.push(key);
      if (key === 'a') map.clear();
    }
    expect(seen).toEqual(['a']);
  });
});
