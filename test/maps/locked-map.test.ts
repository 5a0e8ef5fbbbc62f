import { describe, expect, it } from 'vitest';
import { LockedMap } from '../../src/maps/locked-map.js';
import { MapRegistry } from '../../src/registry.js';
import { LockTimeoutError } from '../../src/sync/errors.js';

function setup() {
  const registry = new MapRegistry();
  const map = new LockedMap<string, number>({ name: 'accounts', registry });
  const snap = () => registry.collect().names.find((n) => n.name === 'accounts')!;
  return { registry, map, snap };
}

describe('LockedMap', () => {
  it('update() is an atomic read-modify-write across await: no lost updates', async () => {
    const { map } = setup();
    const tasks = Array.from({ length: 100 }, () =>
      map.update('n', async (cur) => {
        await Promise.resolve(); // without the lock, every task would read the same value here
        return (cur ?? 0) + 1;
      }),
    );
    await Promise.all(tasks);
    expect(await map.get('n')).toBe(100);
  });

  it('update() returning undefined deletes; a throwing update changes nothing and releases', async () => {
    const { map, snap } = setup();
    await map.set('a', 1);
    expect(await map.update('a', () => undefined)).toBeUndefined();
    expect(await map.has('a')).toBe(false);
    await map.set('b', 2);
    await expect(
      map.update('b', () => {
        throw new Error('nope');
      }),
    ).rejects.toThrow('nope');
    expect(await map.get('b')).toBe(2);
    expect(map.waiting).toBe(0);
    const s = snap().map;
    expect([s.inserts, s.deletesExplicit, s.updates]).toEqual([2, 1, 0]);
  });

  it('the read view rejects mutation at runtime and every view stops working after its section', async () => {
    const { map } = setup();
    await map.set('a', 1);
    let leaked: ReadonlyMap<string, number> | undefined;
    await map.read((view) => {
      leaked = view;
      const asMap = view as unknown as Map<string, number>;
      expect(() => asMap.set('b', 2)).toThrow(/not allowed in LockedMap.read/);
      expect(() => asMap.delete('a')).toThrow(TypeError);
      expect(() => asMap.clear()).toThrow(TypeError);
      // @ts-expect-error: mutation is not part of the read view's type
      expect(() => view.set('c', 3)).toThrow(TypeError);
      expect(view.get('a')).toBe(1);
    });
    expect(() => leaked!.get('a')).toThrow(/after its read\(\)\/write\(\) section ended/);
    let leakedWrite: Map<string, number> | undefined;
    await map.write((m) => {
      leakedWrite = m;
    });
    expect(() => leakedWrite!.set('z', 1)).toThrow(TypeError);
    expect(map.size).toBe(1);
  });

  it('readers share, a writer excludes them, and options pass through to the lock', async () => {
    const { map } = setup();
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    const writing = map.write(async (m) => {
      m.set('a', 1);
      await gate;
    });
    await Promise.resolve();
    expect(map.waiting).toBe(0);
    const reader = map.get('a');
    expect(map.waiting).toBe(1);
    await expect(map.get('a', { timeoutMs: 0 })).rejects.toBeInstanceOf(LockTimeoutError);
    openGate();
    await writing;
    expect(await reader).toBe(1);
  });

  it('reports map and lock counters under one name', async () => {
    const { map, snap } = setup();
    await map.set('a', 1);
    await map.get('a');
    await map.get('b');
    await map.read((v) => v.has('a'));
    await map.clear();
    const s = snap();
    expect([...s.kinds]).toEqual(['locked']);
    expect(s.instances).toBe(1);
    expect(s.entriesByKind.get('locked')).toBe(0);
    expect([s.map.inserts, s.map.hits, s.map.misses, s.map.deletesClear]).toEqual([1, 2, 1, 1]);
    expect(s.lock!.write.uncontended).toBe(2);
    expect(s.lock!.read.uncontended).toBe(3);
  });

  it('rejects missing options with a helpful message', () => {
    expect(() => new LockedMap(undefined as never)).toThrow(/needs an options object with a name/);
  });
});

describe('LockedMap sections: re-entry, escaped iterators, no transactions', () => {
  it('is not re-entrant: the map called from inside update() waits on its own hold; a timeout makes it an error', async () => {
    const { map } = setup();
    await map.set('x', 1);
    await map.set('y', 2);
    // Without { timeoutMs } the inner get would never settle (the documented misuse).
    const result = map.update('x', async (v) => v! + (await map.get('y', { timeoutMs: 1 }))!);
    await expect(result).rejects.toBeInstanceOf(LockTimeoutError);
    expect(await map.get('x')).toBe(1); // the update stored nothing
    expect(map.waiting).toBe(0);
    // The supported way: read both keys under one hold, through the view.
    await map.write((view) => view.set('x', view.get('x')! + view.get('y')!));
    expect(await map.get('x')).toBe(3);
  });

  it('iterators taken from a view stop working when the section ends, even half consumed', async () => {
    const { map } = setup();
    await map.set('a', 1);
    await map.set('b', 2);
    const escaped = await map.read((view) => {
      const half = view.entries();
      expect(half.next().value).toEqual(['a', 1]);
      return { half, keys: view.keys(), values: view.values(), all: view[Symbol.iterator]() };
    });
    await map.set('c', 3);
    for (const it of [escaped.half, escaped.keys, escaped.values, escaped.all]) {
      expect(() => it.next()).toThrow(/after its read\(\)\/write\(\) section ended/);
    }
    const fromWrite = await map.write((view) => view.keys());
    expect(() => [...fromWrite]).toThrow(TypeError);
    // Inside the section they behave as a Map's iterators.
    expect(await map.read((view) => [...view])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
  });

  it('write() is not transactional: mutations before a throw stay', async () => {
    const { map } = setup();
    await expect(
      map.write((view) => {
        view.set('kept', 1);
        throw new Error('half done');
      }),
    ).rejects.toThrow('half done');
    expect(await map.get('kept')).toBe(1);
    expect(map.waiting).toBe(0);
  });
});
