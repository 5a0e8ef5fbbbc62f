/**
 * LockedMap's read()/write() sections on the uncontended fast path (run at once, inside the call) and the
 * queued path: the view works exactly while the hold lasts, failures come back as rejections, and the
 * hold is given back in every case.
 */
import { describe, expect, it } from 'vitest';
import { LockedMap } from '../../src/maps/locked-map.js';
import { MapRegistry } from '../../src/registry.js';

function setup() {
  const registry = new MapRegistry();
  const map = new LockedMap<string, number>({ name: 'sections', registry });
  const lock = () => registry.collect().names.find((n) => n.name === 'sections')!.lock!;
  return { map, lock };
}

describe('LockedMap read()/write() sections', () => {
  it('run at once when the map is free, and count what the view does', async () => {
    const { map, lock } = setup();
    const order: string[] = [];
    const written = map.write((view) => {
      order.push('write fn');
      view.set('a', 1);
      return view.size;
    });
    order.push('after write()');
    const read = map.read((view) => view.get('a'));
    expect(order).toEqual(['write fn', 'after write()']);
    await expect(written).resolves.toBe(1);
    await expect(read).resolves.toBe(1);
    expect([lock().write.uncontended, lock().read.uncontended]).toEqual([1, 1]);
  });

  it('keep the hold, and the view open, until a returned promise settles', async () => {
    const { map } = setup();
    let finish!: () => void;
    let viewSeen: Map<string, number> | undefined;
    const writing = map.write(async (view) => {
      viewSeen = view;
      await new Promise<void>((resolve) => (finish = resolve));
      view.set('late', 2); // still inside the section
    });
    let readerRan = false;
    const reading = map.read((view) => {
      readerRan = true;
      return view.get('late');
    });
    await Promise.resolve();
    expect(readerRan).toBe(false);
    expect(map.waiting).toBe(1);
    finish();
    await writing;
    expect(() => viewSeen!.get('late')).toThrow(/after its read\(\)\/write\(\) section ended/);
    await expect(reading).resolves.toBe(2);
    expect(readerRan).toBe(true);
  });

  it('turn throws into rejections, close the view and release, on both paths', async () => {
    const { map } = setup();
    let leaked: ReadonlyMap<string, number> | undefined;
    const boom = new Error('boom');
    await expect(
      map.read((view) => {
        leaked = view;
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(() => leaked!.size).toThrow(TypeError);
    await expect(map.write(() => Promise.reject(boom))).rejects.toBe(boom);
    // Queued path (options given): the same contract.
    await expect(
      map.write(
        () => {
          throw boom;
        },
        { timeoutMs: 10 },
      ),
    ).rejects.toBe(boom);
    expect(map.waiting).toBe(0);
    await expect(map.write((view) => view.set('ok', 1).size)).resolves.toBe(1);
  });

  it('a bad option is a rejection, not a synchronous throw, and takes no hold', async () => {
    const { map } = setup();
    const bad = { timeoutMs: -1 };
    const r = map.read(() => 1, bad);
    const w = map.write(() => 1, bad);
    await expect(r).rejects.toBeInstanceOf(RangeError);
    await expect(w).rejects.toBeInstanceOf(RangeError);
    await expect(map.write(() => 'free')).resolves.toBe('free');
  });
});

describe('LockedMap single operations never hold the lock for a stored promise', () => {
  it('a queued get of a never-settling stored promise gives the hold back at once', async () => {
    const registry = new MapRegistry();
    const map = new LockedMap<string, Promise<number>>({ name: 'promises', registry });
    await map.set('p', new Promise<number>(() => undefined));
    let open!: () => void;
    const holding = map.write(() => new Promise<void>((resolve) => (open = resolve)));
    // Queued behind the write section: the queued path, not the synchronous one.
    const queuedGet = map.get('p');
    const queuedHas = map.has('p');
    expect(map.waiting).toBe(2);
    open();
    await holding;
    await expect(queuedHas).resolves.toBe(true);
    // The get's value adopts the stored promise and stays pending, but its hold is already over.
    void queuedGet;
    await expect(map.set('q', Promise.resolve(1), { timeoutMs: 50 })).resolves.toBeUndefined();
    expect(map.waiting).toBe(0);
  });
});
