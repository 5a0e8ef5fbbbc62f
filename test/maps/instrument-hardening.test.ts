/**
 * Issue 10, item 14 (instrument() robustness) and the registry's lock-wait listeners.
 */
import { describe, expect, it } from 'vitest';
import { instrument } from '../../src/maps/instrument.js';
import { MapRegistry } from '../../src/registry.js';
import { RWLock } from '../../src/sync/rwlock.js';

class ThrowingSize<K, V> extends Map<K, V> {
  override get size(): number {
    throw new Error('size exploded');
  }
}

describe('instrument() and a subclass whose size throws', () => {
  it('set, delete and clear work and count; entries are the real count', () => {
    const registry = new MapRegistry();
    const m = instrument(new ThrowingSize<string, number>([['pre', 0]]), { name: 'weird', registry });
    m.set('a', 1).set('b', 2).set('a', 3);
    expect(m.delete('b')).toBe(true);
    expect(m.delete('nope')).toBe(false);
    let n = registry.collect().names[0]!;
    expect(n.map.inserts).toBe(2);
    expect(n.map.updates).toBe(1);
    expect(n.map.deletesExplicit).toBe(1);
    // Not 0 and not left out: the map holds 'pre' and 'a', read from its internal slot.
    expect(n.entriesByKind.get('plain')).toBe(2);
    m.clear();
    n = registry.collect().names[0]!;
    expect(n.map.deletesClear).toBe(2);
    expect(n.entriesByKind.get('plain')).toBe(0);
  });

  it('a subclass whose delete claims success without deleting is not counted as a delete', () => {
    class Liar<K, V> extends Map<K, V> {
      override delete(_key: K): boolean {
        return true;
      }
    }
    const registry = new MapRegistry();
    const m = instrument(new Liar<string, number>(), { name: 'liar', registry });
    m.set('a', 1);
    expect(m.delete('a')).toBe(true);
    const n = registry.collect().names[0]!;
    expect(n.map.deletesExplicit).toBe(0);
    expect(n.entriesByKind.get('plain')).toBe(1);
  });
});

describe('a refused instrument() leaves nothing registered', () => {
  it.each([
    ['a Proxy around a Map', () => new Proxy(new Map(), {})],
    ['an object made from Map.prototype', () => Object.create(Map.prototype) as Map<unknown, unknown>],
    [
      'a Map whose own get is not configurable',
      () => Object.defineProperty(new Map(), 'get', { value: Map.prototype.get, configurable: false }),
    ],
  ])('%s', (_, make) => {
    const registry = new MapRegistry();
    expect(() => instrument(make(), { name: 'refused', registry })).toThrow(TypeError);
    expect(registry.names()).toEqual([]);
    expect(registry.collect().names).toEqual([]);
  });

  it('a bad sampling option or bound, before anything registers', () => {
    const registry = new MapRegistry();
    expect(() => instrument(new Map(), { name: 'x', registry, sampleSurvival: { size: 0 } })).toThrow(
      RangeError,
    );
    expect(() => instrument(new Map(), { name: 'x', registry, maxEntries: -1 })).toThrow(RangeError);
    expect(registry.names()).toEqual([]);
  });
});

describe('lock-wait listeners', () => {
  it('a listener that throws neither stops the others nor reaches the lock caller', async () => {
    const registry = new MapRegistry();
    const seen: string[] = [];
    registry.addLockWaitListener(() => {
      throw new Error('listener fault');
    });
    registry.addLockWaitListener((name, mode) => seen.push(`${name}:${mode}`));
    const lock = new RWLock({ name: 'orders', registry });
    const release = await lock.acquireWrite();
    const waiting = lock.acquireWrite();
    release();
    const second = await waiting; // a contended wait: both listeners are called
    second();
    expect(seen).toEqual(['orders:write']);
  });
});
