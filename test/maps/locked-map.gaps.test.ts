/**
 * LockedMap behaviour the mutation run found unguarded (issue #17): its errors name it, sections run at
 * once when the lock is free and queue otherwise, sections with options take the right hold, a get with
 * options honours them, and the read view's refusals say which call was refused.
 */
import { describe, expect, it } from 'vitest';
import { LockedMap } from '../../src/maps/locked-map.js';
import { MapRegistry } from '../../src/registry.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

const make = () => {
  const registry = new MapRegistry();
  const map = new LockedMap<string, number>({ name: 'ledger', registry });
  const snapshot = () => registry.collect().names.find((n) => n.name === 'ledger')!;
  return { map, registry, snapshot };
};

describe('LockedMap', () => {
  it('names itself in its constructor errors', () => {
    expect(() => new LockedMap({ name: 'x', registry: {} as never })).toThrow(/new LockedMap\(\): registry/);
    expect(() => new LockedMap({ name: 'x', registry: new MapRegistry(), maxEntries: 0 })).toThrow(
      /new LockedMap\(\): maxEntries/,
    );
    expect(() => new LockedMap([['a', 1]], undefined as never)).toThrow(
      /new LockedMap\(\) needs an options object/,
    );
  });

  it('a construction refused on an entry leaves no instance behind, at once', () => {
    const registry = new MapRegistry();
    new LockedMap([['kept', 1]], { name: 'ledger', registry });
    let closed = 0;
    const entries = {
      *[Symbol.iterator]() {
        try {
          yield ['a', 1] as const;
          yield 42 as unknown as readonly [string, number]; // not an entry object
        } finally {
          closed++;
        }
      },
    };
    expect(() => new LockedMap(entries, { name: 'ledger', registry })).toThrow(TypeError);
    expect(closed).toBe(1); // the iterator was closed
    // No collection has run: the refused map never counted, so only the first one is here.
    const ledger = registry.collect().names.find((n) => n.name === 'ledger')!;
    expect(ledger.instances).toBe(1);
    expect(ledger.entriesByKind.get('locked')).toBe(1);
  });

  it('read() and write() run their callback at once when the lock is free', async () => {
    const { map } = make();
    const ran: string[] = [];
    const r = map.read(() => ran.push('read'));
    const w = map.write(() => ran.push('write'));
    expect(ran).toEqual(['read', 'write']);
    await Promise.all([r, w]);
  });

  it('write() at once holds the lock alone: a read called inside its callback waits for it', async () => {
    const { map } = make();
    const ran: string[] = [];
    let inner: Promise<unknown> | undefined;
    await map.write(() => {
      inner = map.read(() => ran.push('read'));
      ran.push('write');
    });
    await inner;
    expect(ran).toEqual(['write', 'read']);
  });

  it('write() while a section holds the lock queues, and still returns a promise', async () => {
    const { map } = make();
    const gate = deferred();
    const holding = map.read(() => gate.promise);
    const ran: string[] = [];
    const writing = map.write((view) => {
      ran.push('write');
      view.set('a', 1);
    });
    const reading = map.read(() => ran.push('read'));
    expect(writing).toBeInstanceOf(Promise);
    expect(reading).toBeInstanceOf(Promise);
    expect(ran).toEqual([]);
    gate.resolve();
    await Promise.all([holding, writing, reading]);
    expect(ran).toEqual(['write', 'read']);
    expect(await map.get('a')).toBe(1);
  });

  it('sections with options: reads share the lock, a write waits for them', async () => {
    const { map } = make();
    const gate = deferred();
    const options = { timeoutMs: 5000 };
    const ran: string[] = [];
    const first = map.read(async () => {
      ran.push('read 1');
      await gate.promise;
    }, options);
    await new Promise((resolve) => setImmediate(resolve));
    const writing = map.write(() => ran.push('write'), options);
    const second = map.read(() => ran.push('read 2'), options);
    await new Promise((resolve) => setImmediate(resolve));
    // The write queued behind the held read; the second read queued behind the write (FIFO).
    expect(ran).toEqual(['read 1']);
    gate.resolve();
    await Promise.all([first, writing, second]);
    expect(ran).toEqual(['read 1', 'write', 'read 2']);

    // Two reads with options at once both run.
    const both = deferred();
    const inside: number[] = [];
    const a = map.read(async () => (inside.push(1), both.promise), options);
    const b = map.read(async () => (inside.push(2), both.promise), options);
    await new Promise((resolve) => setImmediate(resolve));
    expect(inside).toEqual([1, 2]);
    both.resolve();
    await Promise.all([a, b]);
  });

  it('get() with options honours them even when the lock is free', async () => {
    const { map } = make();
    await map.set('a', 1);
    const aborted = AbortSignal.abort(new Error('gone'));
    await expect(map.get('a', { signal: aborted })).rejects.toThrow();
    expect(await map.get('a', { timeoutMs: 100 })).toBe(1);
  });
});

describe('LockedMap views', () => {
  it.each(['set', 'delete', 'clear'] as const)('the read view refuses %s() by name', async (method) => {
    const { map } = make();
    await map.read((view) => {
      const call = () => (view as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!('k', 1);
      expect(call).toThrow(
        new TypeError(`mapwatch: ${method}() is not allowed in LockedMap.read(); use write() or update()`),
      );
    });
  });

  it('both views refuse a forEach callback that is not a function, on an empty map too, as a Map does', async () => {
    const { map } = make();
    for (const section of [map.read.bind(map), map.write.bind(map)] as const) {
      await section((view) => {
        for (const bad of [42, undefined, {}]) {
          expect(() => view.forEach(bad as never)).toThrow(TypeError);
          expect(() => new Map().forEach(bad as never)).toThrow(TypeError);
        }
        expect(() => view.forEach(42 as never)).toThrow('42 is not a function');
      });
    }
  });

  it('a stored undefined is a hit, an absent key a miss', async () => {
    const { map, snapshot } = make();
    await map.write((view) => view.set('u', undefined as never));
    await map.read((view) => {
      view.get('u');
      view.get('absent');
    });
    expect(snapshot().map.hits).toBe(1);
    expect(snapshot().map.misses).toBe(1);
  });
});
