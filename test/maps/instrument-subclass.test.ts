/**
 * instrument() on Map subclasses whose own set and delete do more than they are asked: the classic
 * `class LRU extends Map` that evicts inside `set`, a subclass that stores keys in another form, and one
 * that evicts behind the hooks' back. The live entry count must stay the map's real size and the insert
 * and update counters must tell what happened to the key, whatever the subclass does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instrument } from '../../src/maps/instrument.js';
import { MapRegistry } from '../../src/registry.js';

const snapshot = (registry: MapRegistry, name: string) =>
  registry.collect().names.find((n) => n.name === name)!;

/** The common hand-written LRU: a hit moves the key to the end, `set` evicts the oldest through `this.delete`. */
class EvictingLru<K, V> extends Map<K, V> {
  constructor(readonly max: number) {
    super();
  }
  override get(key: K): V | undefined {
    if (!super.has(key)) return undefined;
    const value = super.get(key)!;
    super.delete(key);
    super.set(key, value);
    return value;
  }
  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    if (this.size > this.max) this.delete(this.keys().next().value as K);
    return this;
  }
}

/** The same, evicting through `super.delete`: the hooks never see the eviction. */
class QuietLru<K, V> extends Map<K, V> {
  constructor(readonly max: number) {
    super();
  }
  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.max) super.delete(this.keys().next().value as K);
    return this;
  }
}

/** Stores keys lower-cased: the key asked for is never the key stored. */
class CaseInsensitive<V> extends Map<string, V> {
  override set(key: string, value: V): this {
    return super.set(key.toLowerCase(), value);
  }
  override get(key: string): V | undefined {
    return super.get(key.toLowerCase());
  }
  override delete(key: string): boolean {
    return super.delete(key.toLowerCase());
  }
}

describe('instrument() on a subclass whose set evicts', () => {
  it('counts each new key as an insert and each eviction as a delete; entries stay the real size', () => {
    const registry = new MapRegistry();
    const lru = instrument(new EvictingLru<string, number>(100), { name: 'lru', registry });
    for (let i = 0; i < 1000; i++) lru.set(`k${i}`, i);
    for (let i = 900; i < 1000; i++) lru.set(`k${i}`, -i);
    const n = snapshot(registry, 'lru');
    expect(lru.size).toBe(100);
    // Before the fix: 100 inserts, 1000 updates and -800 entries.
    expect(n.map.inserts).toBe(1000);
    expect(n.map.updates).toBe(100);
    expect(n.map.deletesExplicit).toBe(900);
    expect(n.entriesByKind.get('plain')).toBe(100);
  });

  it('an eviction behind the hooks (super.delete) is not a delete, and entries still follow the map', () => {
    const registry = new MapRegistry();
    const lru = instrument(new QuietLru<string, number>(10), { name: 'quiet', registry });
    for (let i = 0; i < 50; i++) lru.set(`k${i}`, i);
    const n = snapshot(registry, 'quiet');
    expect(n.map.inserts).toBe(50);
    expect(n.map.deletesExplicit).toBe(0);
    expect(n.entriesByKind.get('plain')).toBe(10);
  });

  it('stays exact through any sequence of sets, gets, deletes and clears (property)', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('set' as const), key: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ op: fc.constant('get' as const), key: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ op: fc.constant('clear' as const), key: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 120 }), (max, ops) => {
        const registry = new MapRegistry();
        const lru = instrument(new EvictingLru<number, number>(max), { name: 'p', registry });
        // What a native Map's own counting would see: a set of a new key inserts, of a present one updates.
        let inserts = 0;
        let updates = 0;
        for (const { op, key } of ops) {
          if (op === 'set') {
            if (Map.prototype.has.call(lru, key)) updates++;
            else inserts++;
            lru.set(key, key);
          } else if (op === 'get') lru.get(key);
          else if (op === 'delete') lru.delete(key);
          else lru.clear();
          const n = snapshot(registry, 'p');
          expect(n.entriesByKind.get('plain')).toBe(lru.size);
          expect(n.map.inserts).toBe(inserts);
          expect(n.map.updates).toBe(updates);
          // Every entry that left went through the instrumented delete or clear.
          expect(n.map.inserts - n.map.deletesExplicit - n.map.deletesClear).toBe(lru.size);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('instrument() on a subclass that stores keys in another form', () => {
  it('counts by the change in size when the key asked for is not the key stored', () => {
    const registry = new MapRegistry();
    const map = instrument(new CaseInsensitive<number>(), { name: 'ci', registry });
    map.set('Foo', 1);
    map.set('FOO', 2);
    map.set('bar', 3);
    expect(map.delete('fOO')).toBe(true);
    expect(map.delete('nope')).toBe(false);
    const n = snapshot(registry, 'ci');
    expect([n.map.inserts, n.map.updates, n.map.deletesExplicit]).toEqual([2, 1, 1]);
    expect(n.entriesByKind.get('plain')).toBe(1);
  });
});

describe("instrument()'s subclass hooks called on another object", () => {
  it('leave this map’s entries alone', () => {
    const registry = new MapRegistry();
    const map = instrument(new QuietLru<string, number>(5), { name: 'own', registry });
    map.set('a', 1);
    const other = new QuietLru<string, number>(5);
    for (const k of ['x', 'y', 'z']) map.set.call(other, k, 0);
    expect(other.size).toBe(3);
    const n = snapshot(registry, 'own');
    expect(n.entriesByKind.get('plain')).toBe(1);
    expect(n.map.inserts).toBe(1);
  });
});
