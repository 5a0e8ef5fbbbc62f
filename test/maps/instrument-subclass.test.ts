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

  it('an eviction behind the hooks (super.delete) counts as an eviction, and entries follow the map', () => {
    const registry = new MapRegistry();
    const lru = instrument(new QuietLru<string, number>(10), { name: 'quiet', registry });
    for (let i = 0; i < 50; i++) lru.set(`k${i}`, i);
    const n = snapshot(registry, 'quiet');
    expect(n.map.inserts).toBe(50);
    expect([n.map.deletesExplicit, n.map.deletesEvict]).toEqual([0, 40]);
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
          // Every entry that left is counted: by the instrumented delete, the clear, or as an eviction.
          expect(n.map.inserts - n.map.deletesExplicit - n.map.deletesClear - n.map.deletesEvict).toBe(
            lru.size,
          );
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('instrument() on subclasses that call their own methods', () => {
  it('an LRU that deletes a present key through this.delete before super.set counts no update on top', () => {
    class DeleteFirst<K, V> extends Map<K, V> {
      override set(key: K, value: V): this {
        if (this.has(key)) this.delete(key);
        return super.set(key, value);
      }
    }
    const registry = new MapRegistry();
    const map = instrument(new DeleteFirst<string, number>(), { name: 'df', registry });
    map.set('a', 1).set('a', 2).set('a', 3);
    const n = snapshot(registry, 'df');
    // Before: 1 insert, 2 updates and 2 deletes, so inserts - deletes was -1 for a map of one entry.
    expect([n.map.inserts, n.map.updates, n.map.deletesExplicit]).toEqual([3, 0, 2]);
    expect([n.map.hits, n.map.misses]).toEqual([2, 1]);
    expect(n.entriesByKind.get('plain')).toBe(1);
  });

  it('a clear made of this.delete calls counts the deletes, not a clear on top', () => {
    class DeleteEach<K, V> extends Map<K, V> {
      override clear(): void {
        for (const key of [...this.keys()]) this.delete(key);
      }
    }
    const registry = new MapRegistry();
    const map = instrument(new DeleteEach<string, number>(), { name: 'de', registry });
    map.set('a', 1).set('b', 2).set('c', 3);
    map.clear();
    const n = snapshot(registry, 'de');
    expect([n.map.deletesExplicit, n.map.deletesClear]).toEqual([3, 0]);
    expect(n.entriesByKind.get('plain')).toBe(0);
  });

  it('a set that calls this.set with a converted value counts one insert', () => {
    class Numeric extends Map<string, number> {
      override set(key: string, value: number | string): this {
        if (typeof value === 'string') return this.set(key, Number(value));
        return super.set(key, value);
      }
    }
    const registry = new MapRegistry();
    const map = instrument(new Numeric(), { name: 'num', registry });
    map.set('a', '1').set('b', 2);
    const n = snapshot(registry, 'num');
    expect([n.map.inserts, n.map.updates]).toEqual([2, 0]);
  });

  it('a default map whose get creates the entry counts one miss and one insert', () => {
    class DefaultMap extends Map<string, number[]> {
      override get(key: string): number[] {
        if (!this.has(key)) this.set(key, []);
        return super.get(key)!;
      }
    }
    const registry = new MapRegistry();
    const map = instrument(new DefaultMap(), { name: 'dm', registry });
    map.get('x').push(1);
    map.get('x').push(2);
    const n = snapshot(registry, 'dm');
    expect(map.get('x')).toEqual([1, 2]);
    // Each get is one lookup: the first a miss (its has found nothing) and an insert, the second a hit.
    expect([n.map.misses, n.map.inserts, n.map.hits]).toEqual([1, 1, 1]);
    expect(n.entriesByKind.get('plain')).toBe(1);
  });
});

describe('instrument() forwards every argument to a subclass', () => {
  it('a set with a third argument and a get with a fallback behave as without instrument()', () => {
    class Ttl<K, V> extends Map<K, V> {
      readonly ttls = new Map<K, number>();
      override set(key: K, value: V, ttlMs = Infinity): this {
        this.ttls.set(key, ttlMs);
        return super.set(key, value);
      }
      override get(key: K, fallback?: V): V | undefined {
        return super.has(key) ? super.get(key) : fallback;
      }
    }
    const registry = new MapRegistry();
    const map = instrument(new Ttl<string, string>(), { name: 'ttl', registry });
    map.set('a', 'x', 5000);
    expect(map.ttls.get('a')).toBe(5000);
    expect(map.get('zz', 'default')).toBe('default');
    expect(map.get('a', 'default')).toBe('x');
  });
});

describe('instrument() on a subclass that drops entries behind the hooks', () => {
  it('a lazy expiry in get: entries follow the map, expired entries count as evictions and leave the sample', () => {
    let now = 1_000_000;
    class Expiring extends Map<string, { value: number; until: number }> {
      override get(key: string): { value: number; until: number } | undefined {
        const e = super.get(key);
        if (e !== undefined && e.until <= now) {
          super.delete(key);
          return undefined;
        }
        return e;
      }
    }
    const registry = new MapRegistry({ now: () => now });
    const map = instrument(new Expiring(), { name: 'exp', registry });
    for (let i = 0; i < 1000; i++) map.set(`k${i}`, { value: i, until: now + 1000 });
    registry.collect(); // stamps the sampled entries
    now += 3_600_000;
    for (let i = 0; i < 1000; i++) expect(map.get(`k${i}`)).toBeUndefined();
    map.set('fresh', { value: 0, until: now + 1000 });
    registry.collect();
    now += 1000;
    const n = snapshot(registry, 'exp');
    // Before: 1000 entries, and the sample kept the expired keys, an hour old.
    expect(n.entriesByKind.get('plain')).toBe(1);
    expect(n.map.deletesEvict).toBe(1000);
    expect(n.map.misses).toBe(1000);
    expect(n.survival!.oldestAgeSeconds).toBeLessThanOrEqual(1);
  });

  it("one map's evictions behind the hooks never drop another map's sampled keys (a shared sampler)", () => {
    let now = 1_000_000;
    const registry = new MapRegistry({ now: () => now });
    // Two maps of one name share the name's sampler: each recheck must look at its own keys only.
    const steady = instrument(new QuietLru<string, number>(100), { name: 'shared', registry });
    const churning = instrument(new QuietLru<string, number>(2), { name: 'shared', registry });
    steady.set('old', 1);
    registry.collect();
    now += 3_600_000;
    for (let i = 0; i < 50; i++) churning.set(`c${i}`, i);
    registry.collect();
    const n = snapshot(registry, 'shared');
    // 'old' is still in `steady`, an hour old.
    expect(n.survival!.oldestAgeSeconds).toBe(3600);
  });

  it('with survival sampling off, an eviction behind the hooks is counted and nothing throws', () => {
    const registry = new MapRegistry({ survivalSampling: false });
    const lru = instrument(new QuietLru<string, number>(2), { name: 'off', registry });
    for (let i = 0; i < 5; i++) lru.set(`k${i}`, i);
    const n = snapshot(registry, 'off');
    expect(n.map.deletesEvict).toBe(3);
    expect(n.survival).toBeUndefined();
  });

  it('an LRU evicting through super.delete keeps no evicted key in the sample', () => {
    let now = 1_000_000;
    const registry = new MapRegistry({ now: () => now });
    const lru = instrument(new QuietLru<string, number>(10), { name: 'q', registry });
    for (let i = 0; i < 10_000; i++) {
      lru.set(`req${i}`, i);
      if (i % 1000 === 0) {
        now += 1000;
        registry.collect();
      }
    }
    now += 3_600_000;
    for (let i = 0; i < 10; i++) lru.set(`fresh${i}`, i);
    registry.collect();
    now += 1000;
    const n = snapshot(registry, 'q');
    expect(n.map.deletesEvict).toBe(10_000);
    // Every live entry is a second old; before, evicted keys stayed sampled, over an hour old.
    expect(n.survival!.oldestAgeSeconds).toBeLessThanOrEqual(1);
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

  it('samples no key it cannot find again, so a deleted one never stays and ages', () => {
    let now = 1_000_000;
    const registry = new MapRegistry({ now: () => now });
    const map = instrument(new CaseInsensitive<number>(), { name: 'ci-age', registry });
    map.set('Session-1', 1);
    map.delete('SESSION-1');
    registry.collect();
    now += 3_600_000;
    const n = snapshot(registry, 'ci-age');
    expect(map.size).toBe(0);
    // Before: 3600 s, the age of a key the map no longer held.
    expect(n.survival!.oldestAgeSeconds).toBe(0);
  });
});

describe("instrument()'s subclass hooks called on another object", () => {
  it('a detached call, or one on null, runs the original as it would have run', () => {
    const seen: unknown[] = [];
    class Logged<K, V> extends Map<K, V> {
      override set(key: K, value: V): this {
        seen.push(key);
        return super.set(key, value);
      }
    }
    const registry = new MapRegistry();
    const map = instrument(new Logged<string, number>(), { name: 'logged', registry });
    const detached = map.set;
    // The original runs (and fails on its own terms): the hook neither throws first nor counts.
    expect(() => detached('x', 1)).toThrow(TypeError);
    expect(() => detached.call(null, 'y', 2)).toThrow(TypeError);
    expect(seen).toEqual(['x', 'y']);
    expect(snapshot(registry, 'logged').map.inserts).toBe(0);
  });

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
