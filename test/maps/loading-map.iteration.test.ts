/**
 * Iterating a LoadingMap with a TTL while the loop changes it. With a TTL every store moves its key to
 * the end (store order = expiry order), so a live iteration meets an updated key again; it must still
 * visit what a native Map visits: each key once however often it is updated, a key added meanwhile once,
 * a key deleted before its turn never, and a key deleted and stored again once more. Visit order may
 * differ (an updated key is visited at its new place), so visits are compared as sorted lists. Every
 * loop is capped, so that a regression fails instead of hanging.
 */
import { describe, expect, it } from 'vitest';
import { LoadingMap } from '../../src/maps/loading-map.js';
import { MapRegistry } from '../../src/registry.js';

/** What a scenario may do to the map it iterates. */
interface Writable {
  get(key: string): number | undefined;
  set(key: string, value: number): unknown;
  delete(key: string): boolean;
}

type Visit = [key: string, value: number | undefined];
type Iterate = (
  map: Map<string, number> | LoadingMap<string, number>,
  visit: (key: string, value?: number) => void,
) => void;

const CAP = 100;

/** The five ways to iterate, each reporting the key (and the value where it has one). */
const ITERATIONS: Record<string, Iterate> = {
  forEach: (map, visit) => map.forEach((value, key) => visit(key, value)),
  'for-of': (map, visit) => {
    for (const [key, value] of map) visit(key, value);
  },
  'entries()': (map, visit) => {
    for (const [key, value] of map.entries()) visit(key, value);
  },
  'keys()': (map, visit) => {
    for (const key of map.keys()) visit(key);
  },
  'values()': (map, visit) => {
    for (const value of map.values()) visit(keyOf(map, value), value);
  },
};

/** The key holding `value`: no two entries ever hold one value here (see SCENARIOS). */
function keyOf(map: Map<string, number> | LoadingMap<string, number>, value: number): string {
  for (const [key, v] of map.entries()) if (v === value) return key;
  throw new Error(`no key holds ${value}`);
}

/** Changes made from inside the loop, on the key just visited. No value is stored twice. */
const SCENARIOS: Record<string, (map: Writable, key: string) => void> = {
  'updates every key it visits': (map, key) => {
    map.set(key, (map.get(key) ?? 0) + 10);
  },
  'updates a key ahead of it': (map, key) => {
    if (key === 'a') map.set('c', 30);
  },
  'adds keys, and updates each added key on its visit': (map, key) => {
    if (key === 'a') map.set('d', 4);
    if (key === 'd') map.set('d', 40);
    if (key === 'b') map.set('b', 20);
  },
  'deletes a key ahead, and deletes then re-adds a visited one': (map, key) => {
    if (key === 'a') map.delete('b');
    if (key === 'c') {
      map.delete('a');
      map.set('a', 100);
    }
  },
};

function loadingMap(): LoadingMap<string, number> {
  // A clock that stands still: nothing expires, so only the loop's own changes matter.
  return new LoadingMap<string, number>({
    name: 'cache',
    registry: new MapRegistry(),
    ttlMs: 60_000,
    now: () => 0,
  });
}

/** Runs `iterate` over a, b, c applying `change` at each visit; returns the visits and the final entries. */
function run(
  map: Map<string, number> | LoadingMap<string, number>,
  iterate: Iterate,
  change: (map: Writable, key: string) => void,
): { visits: Visit[]; after: Array<[string, number]> } {
  map.set('a', 1).set('b', 2).set('c', 3);
  const visits: Visit[] = [];
  iterate(map, (key, value) => {
    if (visits.length >= CAP) throw new Error(`more than ${CAP} visits: the iteration does not end`);
    visits.push([key, value]);
    change(map, key);
  });
  const byKey = (x: [string, unknown], y: [string, unknown]) => x[0].localeCompare(y[0]);
  return { visits: visits.sort(byKey), after: [...map.entries()].sort(byKey) };
}

describe('LoadingMap with a TTL, changed while iterated, visits what a Map visits', () => {
  for (const [how, iterate] of Object.entries(ITERATIONS)) {
    it(how, () => {
      for (const [scenario, change] of Object.entries(SCENARIOS)) {
        const native = run(new Map(), iterate, change);
        expect(run(loadingMap(), iterate, change), `${how}: ${scenario}`).toEqual(native);
      }
    });
  }
});

describe('LoadingMap with a TTL keeps expiry order through updates made while iterating', () => {
  it('the updated key moves to the end, and the next store still purges the expired ones before it', () => {
    let now = 0;
    const map = new LoadingMap<string, number>({
      name: 'cache',
      registry: new MapRegistry(),
      ttlMs: 100,
      now: () => now,
    });
    map.set('a', 1).set('b', 2).set('c', 3);
    now = 50;
    const visited: string[] = [];
    map.forEach((value, key) => {
      if (visited.length >= CAP) throw new Error(`more than ${CAP} visits: the iteration does not end`);
      visited.push(key);
      if (key === 'a') map.set('a', value + 1); // lives until 150 now
    });
    expect(visited).toEqual(['a', 'b', 'c']);
    expect([...map.keys()]).toEqual(['b', 'c', 'a']);
    now = 120; // b and c expired at 100
    map.set('d', 4);
    expect(map.size).toBe(2);
    expect([...map.entries()]).toEqual([
      ['a', 2],
      ['d', 4],
    ]);
  });

  it('two iterations at once each visit every key once', () => {
    const map = loadingMap();
    map.set('a', 1).set('b', 2);
    const visits: string[] = [];
    for (const [outer] of map) {
      for (const [inner, value] of map) {
        if (visits.length >= CAP) throw new Error(`more than ${CAP} visits: the iteration does not end`);
        visits.push(`${outer}${inner}`);
        map.set(inner, value + 1);
      }
    }
    expect(visits).toEqual(['aa', 'ab', 'ba', 'bb']);
    expect([...map.entries()]).toEqual([
      ['a', 3],
      ['b', 4],
    ]);
  });
});
