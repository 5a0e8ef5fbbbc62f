/**
 * The constructor arguments every entry-taking map shares (src/maps/options.ts), where the mutation run
 * found them unguarded (issue #17): a missing or misplaced options object, and entries whose iterator
 * breaks the protocol, each refused with the message new Map() users would need.
 */
import { describe, expect, it } from 'vitest';
import { LoadingMap } from '../../src/maps/loading-map.js';
import { LockedMap } from '../../src/maps/locked-map.js';
import { ReadMostlyMap } from '../../src/maps/read-mostly-map.js';
import { ShardedMap } from '../../src/maps/sharded-map.js';
import { MapRegistry } from '../../src/registry.js';

type Make = (entriesOrOptions: unknown, options?: unknown) => unknown;
const entryTaking: Array<[string, Make]> = [
  ['ReadMostlyMap', (a, b) => new ReadMostlyMap(a as never, b as never)],
  ['LockedMap', (a, b) => new LockedMap(a as never, b as never)],
];

/** An iterable whose iterator (or its results) break the protocol as given. */
const iterable = (iterator: () => unknown) => ({ [Symbol.iterator]: iterator });

describe.each(entryTaking)('%s: the options argument', (what, make) => {
  it('null or an iterable alone is not an options object: the message says what to pass', () => {
    expect(() => make(null)).toThrow(new RegExp(`new ${what}\\(\\) needs an options object with a name`));
    expect(() => make([['a', 1]])).toThrow(/needs an options object with a name/);
    expect(() => make(new Map([['a', 1]]))).toThrow(/needs an options object with a name/);
  });
});

describe('maps that take only an options object', () => {
  it.each([
    ['LoadingMap', () => new LoadingMap(null as never)],
    ['ShardedMap', () => new ShardedMap(null as never)],
  ])('%s refuses null with the message that shows the fix', (what, make) => {
    expect(make).toThrow(
      new TypeError(`mapwatch: new ${what}() needs an options object with a name, e.g. { name: 'sessions' }`),
    );
  });

  it.each([
    [
      'LoadingMap',
      (a: unknown, b?: unknown) => new (LoadingMap as new (...args: unknown[]) => unknown)(a, b),
    ],
    [
      'ShardedMap',
      (a: unknown, b?: unknown) => new (ShardedMap as new (...args: unknown[]) => unknown)(a, b),
    ],
  ])('%s given entries says it takes none, and registers nothing', (what, make) => {
    const registry = new MapRegistry();
    const refusal = new RegExp(`new ${what}\\(\\) takes options only, not initial entries.*set\\(\\)`);
    expect(() => make([['a', 1]], { name: 'm', registry })).toThrow(refusal);
    expect(() => make(new Map([['a', 1]]))).toThrow(refusal);
    // An options object is still read as one, whatever else it carries.
    expect(() => make({ name: 'm', registry, [Symbol.iterator]: 1 })).not.toThrow();
    expect(registry.collect().names.map((n) => [n.name, n.instances])).toEqual([['m', 1]]);
  });
});

describe.each(entryTaking)('%s: entries that break the iterator protocol', (what, make) => {
  const prefix = `mapwatch: new ${what}(): `;

  it('an iterator that is not an object', () => {
    const registry = new MapRegistry();
    expect(() =>
      make(
        iterable(() => 42),
        { name: 'x', registry },
      ),
    ).toThrow(new TypeError(`${prefix}the entries' iterator is not an object`));
  });

  it('an iterator result that is not an object', () => {
    const registry = new MapRegistry();
    expect(() =>
      make(
        iterable(() => ({ next: () => 5 })),
        { name: 'x', registry },
      ),
    ).toThrow(new TypeError(`${prefix}iterator result 5 is not an object`));
  });

  it('an entry that is not an object, quoted when it is a string', () => {
    const registry = new MapRegistry();
    expect(() => make(['ab'], { name: 'x', registry })).toThrow(
      new TypeError(`${prefix}iterator value "ab" is not an entry object`),
    );
    expect(() => make([7], { name: 'x', registry })).toThrow(
      new TypeError(`${prefix}iterator value 7 is not an entry object`),
    );
    expect(() => make([Symbol('s')], { name: 'x', registry })).toThrow(
      new TypeError(`${prefix}iterator value Symbol(s) is not an entry object`),
    );
  });

  it('a refused entry closes the source iterator', () => {
    let closed = 0;
    const source = iterable(() => {
      const items: unknown[] = [['a', 1], 'bad'];
      return {
        next: () => (items.length > 0 ? { done: false, value: items.shift() } : { done: true }),
        return: () => (closed++, { done: true }),
      };
    });
    expect(() => make(source, { name: 'x', registry: new MapRegistry() })).toThrow(/not an entry object/);
    expect(closed).toBe(1);
  });

  it('array-likes are entries, as for new Map()', () => {
    const registry = new MapRegistry();
    const map = make([{ 0: 'k', 1: 'v', length: 2 }], { name: 'x', registry }) as { size: number };
    expect(map.size).toBe(1);
  });
});
