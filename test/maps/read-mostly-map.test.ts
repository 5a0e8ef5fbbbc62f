import { describe, expect, it } from 'vitest';
import { ReadMostlyMap } from '../../src/maps/read-mostly-map.js';
import { MapRegistry } from '../../src/registry.js';

function setup() {
  const registry = new MapRegistry();
  const map = new ReadMostlyMap<string, number>({ name: 'rm', registry });
  const stats = () => registry.collect().names.find((n) => n.name === 'rm')!.map;
  /** Everything the promotion rule touches, in one comparable object. */
  const state = () => {
    const s = stats();
    return {
      ...map.internals(),
      readMisses: s.readMisses,
      promotions: s.promotions,
      copied: s.copiedEntries,
    };
  };
  return { registry, map, stats, state };
}

describe('ReadMostlyMap promotion rule, step by step', () => {
  it('counts misses, promotes at misses >= dirty.size, and copies live entries on the next new key', () => {
    const { map, state, stats } = setup();
    expect(state()).toEqual({
      readKeys: 0,
      dirtyKeys: undefined,
      amended: false,
      misses: 0,
      readMisses: 0,
      promotions: 0,
      copied: 0,
    });

    // New keys go to dirty; the first one builds dirty from the (empty) read: nothing to copy.
    map.set('a', 1).set('b', 2).set('c', 3);
    expect(state()).toEqual({
      readKeys: 0,
      dirtyKeys: 3,
      amended: true,
      misses: 0,
      readMisses: 0,
      promotions: 0,
      copied: 0,
    });

    // Lookups that miss the amended read fall through to dirty and count, found or not.
    expect(map.get('a')).toBe(1);
    expect(state()).toMatchObject({ misses: 1, readMisses: 1, promotions: 0 });
    expect(map.get('zzz')).toBeUndefined();
    expect(state()).toMatchObject({ misses: 2, readMisses: 2, promotions: 0 });
    // Third miss: misses (3) >= dirty.size (3): dirty becomes read, dirty is dropped, misses reset.
    expect(map.has('b')).toBe(true);
    expect(state()).toEqual({
      readKeys: 3,
      dirtyKeys: undefined,
      amended: false,
      misses: 0,
      readMisses: 3,
      promotions: 1,
      copied: 0,
    });

    // Steady state: hits and misses are answered by read alone; nothing counts as a read miss.
    for (let i = 0; i < 5; i++) expect(map.get('a')).toBe(1);
    expect(map.get('zzz')).toBeUndefined();
    expect(state()).toMatchObject({ misses: 0, readMisses: 3 });

    // Overwrites and deletes of keys in read touch the shared box only: no dirty map, no copy.
    map.set('a', 10);
    expect(map.delete('b')).toBe(true);
    expect(state()).toEqual({
      readKeys: 3,
      dirtyKeys: undefined,
      amended: false,
      misses: 0,
      readMisses: 3,
      promotions: 1,
      copied: 0,
    });

    // First new key after the promotion: copy every live entry of read (a, c); b is deleted -> expunged.
    map.set('d', 4);
    expect(state()).toEqual({
      readKeys: 3,
      dirtyKeys: 3,
      amended: true,
      misses: 0,
      readMisses: 3,
      promotions: 1,
      copied: 2,
    });

    // Re-storing the expunged key puts its box back into dirty (no copy).
    map.set('b', 5);
    expect(state()).toMatchObject({ readKeys: 3, dirtyKeys: 4, copied: 2 });
    expect(map.get('b')).toBe(5); // in read: no miss
    expect(state()).toMatchObject({ misses: 0, readMisses: 3 });

    // d is only in dirty: 3 misses stay below dirty.size (4), the 4th promotes.
    for (let i = 1; i <= 3; i++) {
      expect(map.get('d')).toBe(4);
      expect(state()).toMatchObject({ misses: i, readMisses: 3 + i, promotions: 1 });
    }
    expect(map.get('d')).toBe(4);
    expect(state()).toEqual({
      readKeys: 4,
      dirtyKeys: undefined,
      amended: false,
      misses: 0,
      readMisses: 7,
      promotions: 2,
      copied: 2,
    });

    // Next new key copies the 4 live entries.
    map.set('e', 5);
    expect(state()).toEqual({
      readKeys: 4,
      dirtyKeys: 5,
      amended: true,
      misses: 0,
      readMisses: 7,
      promotions: 2,
      copied: 6,
    });

    // Iteration promotes an amended dirty first (Go's Range), and walks all five.
    expect([...map.keys()].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(state()).toEqual({
      readKeys: 5,
      dirtyKeys: undefined,
      amended: false,
      misses: 0,
      readMisses: 7,
      promotions: 3,
      copied: 6,
    });

    // clear() drops both maps in O(1).
    map.clear();
    expect(state()).toEqual({
      readKeys: 0,
      dirtyKeys: undefined,
      amended: false,
      misses: 0,
      readMisses: 7,
      promotions: 3,
      copied: 6,
    });
    expect(stats().deletesClear).toBe(5);

    // A delete that falls through also counts a miss: dirty.size 1, so it promotes at once.
    map.set('f', 6);
    expect(map.delete('zzz')).toBe(false);
    expect(state()).toEqual({
      readKeys: 1,
      dirtyKeys: undefined,
      amended: false,
      misses: 0,
      readMisses: 8,
      promotions: 4,
      copied: 6,
    });
    expect(map.size).toBe(1);
  });

  it('compareAndSwap counts a miss only when dirty has the key; compareAndDelete whether or not (as in Go)', () => {
    const { map, state } = setup();
    map.set('a', 1).set('b', 2).set('c', 3);
    expect(state()).toMatchObject({ dirtyKeys: 3, amended: true, misses: 0, readMisses: 0 });
    // Absent from read and dirty: Go returns before missLocked.
    expect(map.compareAndSwap('zzz', 1, 2)).toBe(false);
    expect(state()).toMatchObject({ misses: 0, readMisses: 0 });
    // Only in dirty: a miss, whether the compare succeeds or not.
    expect(map.compareAndSwap('a', 99, 2)).toBe(false);
    expect(state()).toMatchObject({ misses: 1, readMisses: 1 });
    expect(map.compareAndSwap('a', 1, 10)).toBe(true);
    expect(state()).toMatchObject({ misses: 2, readMisses: 2 });
    // compareAndDelete falls through and counts even for an absent key; this third miss promotes.
    expect(map.compareAndDelete('zzz', 1)).toBe(false);
    expect(state()).toMatchObject({
      readKeys: 3,
      dirtyKeys: undefined,
      misses: 0,
      readMisses: 3,
      promotions: 1,
    });
    expect(map.get('a')).toBe(10);
  });

  it('a write-heavy load of new keys churns: every promotion is followed by a full copy', () => {
    const { map, state } = setup();
    // Pattern: add a key, then read it until it is promoted. Each round copies all live keys.
    let expectedCopied = 0;
    for (let n = 1; n <= 20; n++) {
      const before = map.size;
      map.set(`k${n}`, n);
      expectedCopied += before; // copy of every live entry of read
      while (map.internals().amended) map.get(`k${n}`);
    }
    expect(state()).toMatchObject({ promotions: 20, copied: expectedCopied });
    expect(expectedCopied).toBe((19 * 20) / 2);
  });
});

describe('ReadMostlyMap snapshot iteration', () => {
  it('range survives await while other tasks write: snapshot keys, live values', async () => {
    const { map } = setup();
    map.set('a', 1).set('b', 2).set('c', 3);
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const visited: [string, number][] = [];
    const ranging = map.range(async (key, value) => {
      visited.push([key, value]);
      if (key === 'a') await gate;
    });
    // Another task writes while range is suspended on its first entry.
    await Promise.resolve();
    map.set('b', 20);
    map.delete('c');
    map.set('z', 26);
    expect(map.size).toBe(3);
    openGate();
    await ranging;
    // b seen with its new value, c skipped (deleted), z not visited (added after the snapshot).
    expect(visited).toEqual([
      ['a', 1],
      ['b', 20],
    ]);
  });

  it('range stops when fn returns false, and after clear()', async () => {
    const { map } = setup();
    for (const k of ['a', 'b', 'c', 'd']) map.set(k, 0);
    const seen: string[] = [];
    await map.range((key) => {
      seen.push(key);
      return seen.length < 2 ? undefined : false;
    });
    expect(seen).toHaveLength(2);

    const afterClear: string[] = [];
    await map.range(async (key) => {
      afterClear.push(key);
      if (afterClear.length === 1) {
        await Promise.resolve();
        map.clear();
        map.set(key, 99); // a new epoch: not part of the snapshot being walked
      }
    });
    expect(afterClear).toHaveLength(1);
    expect(map.size).toBe(1);
  });

  it('sync iteration and forEach see the same live entries, and forEach passes the map itself', () => {
    const { map } = setup();
    map.set('x', 1).set('y', 2);
    map.delete('x');
    map.set('x', 3);
    const seen: [string, number, boolean][] = [];
    map.forEach((v, k, self) => seen.push([k, v, self === map]));
    expect(seen.sort()).toEqual([
      ['x', 3, true],
      ['y', 2, true],
    ]);
    expect(new Map(map)).toEqual(
      new Map([
        ['x', 3],
        ['y', 2],
      ]),
    );
    expect(Object.prototype.toString.call(map)).toBe('[object ReadMostlyMap]');
  });

  it('counts the sync.Map operations', () => {
    const { map, stats } = setup();
    expect(map.loadOrStore('a', 1)).toEqual({ value: 1, loaded: false });
    expect(map.loadOrStore('a', 2)).toEqual({ value: 1, loaded: true });
    expect(map.swap('a', 3)).toEqual({ value: 1, loaded: true });
    expect(map.compareAndSwap('a', 1, 4)).toBe(false);
    expect(map.compareAndSwap('a', 3, 4)).toBe(true);
    expect(map.compareAndDelete('a', 3)).toBe(false);
    expect(map.compareAndDelete('a', 4)).toBe(true);
    expect(map.loadAndDelete('a')).toEqual({ value: undefined, loaded: false });
    const s = stats();
    expect([s.hits, s.misses, s.inserts, s.updates, s.deletesExplicit]).toEqual([1, 2, 1, 2, 1]);
  });
});
