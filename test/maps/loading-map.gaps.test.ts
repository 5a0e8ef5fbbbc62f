/**
 * LoadingMap behaviour the mutation run found unguarded (issue #17): what it reports to the registry,
 * Infinity as "no limit", a clock that is never read without a TTL, clear() and writes during a load,
 * the purge cursor after a delete, load timers and durations, and callers' signals.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { LoadingMap, type LoadingMapOptions } from '../../src/maps/loading-map.js';
import { MapRegistry } from '../../src/registry.js';

const gc = (globalThis as { gc?: () => void }).gc;

function setup<V = unknown>(extra: Partial<LoadingMapOptions> = {}) {
  const registry = new MapRegistry();
  const map = new LoadingMap<string, V>({ name: 'cache', registry, ...extra });
  const snapshot = () => registry.collect().names.find((n) => n.name === 'cache')!;
  return { map, snapshot, registry };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('what a LoadingMap reports to the registry', () => {
  it('its live entry count under kind=loading, after every kind of change', () => {
    let t = 0;
    const { map, snapshot } = setup({ ttlMs: 1000, now: () => t });
    const entries = () => snapshot().entriesByKind.get('loading');
    map.set('a', 1).set('b', 2).set('c', 3);
    expect([...snapshot().kinds]).toEqual(['loading']);
    expect(entries()).toBe(3);
    map.delete('a');
    expect(entries()).toBe(2);
    t = 1500; // b and c expire
    expect(map.get('b')).toBeUndefined(); // removed when touched
    expect(entries()).toBe(1);
    map.purgeExpired();
    expect(entries()).toBe(0);
    map.set('d', 4);
    map.clear();
    expect(entries()).toBe(0);
  });

  it('no entry survival figures: a LoadingMap does not sample its entries', () => {
    const { map, snapshot } = setup();
    map.set('a', 1);
    expect(snapshot().survival).toBeUndefined();
  });

  it('names itself in every constructor error', () => {
    const registry = new MapRegistry();
    expect(() => new LoadingMap(undefined as never)).toThrow(/new LoadingMap\(\) needs an options object/);
    expect(() => new LoadingMap({ name: 'x', registry: {} as never })).toThrow(
      /new LoadingMap\(\): registry/,
    );
    expect(() => new LoadingMap({ name: 'x', registry, maxEntries: 0 })).toThrow(
      /new LoadingMap\(\): maxEntries/,
    );
    expect(() => new LoadingMap({ name: 'x', registry, now: 5 as never })).toThrow(
      new TypeError('mapwatch: LoadingMap now must be a function returning ms'),
    );
  });
});

describe('Infinity means no limit, and without a TTL the clock is never read', () => {
  it('ttlMs: Infinity keeps entries for ever and never reads the clock', () => {
    const now = vi.fn(() => {
      throw new Error('clock read');
    });
    const { map } = setup({ ttlMs: Infinity, now });
    map.set('a', 1);
    expect(map.get('a')).toBe(1);
    expect(map.has('a')).toBe(true);
    expect([...map.entries()]).toEqual([['a', 1]]);
    expect(map.purgeExpired()).toBe(0);
    expect(map.delete('a')).toBe(true);
    map.clear();
    expect(now).not.toHaveBeenCalled();
  });

  it('without a TTL a clock that throws is never called', async () => {
    const now = vi.fn(() => {
      throw new Error('clock read');
    });
    const { map } = setup({ now });
    map.set('a', 1);
    expect(map.get('a')).toBe(1);
    expect(await map.getOrLoad('b', () => 2)).toBe(2);
    expect([...map.keys()]).toEqual(['a', 'b']);
    expect(now).not.toHaveBeenCalled();
  });

  it('loadTimeoutMs: Infinity never times a load out, and the loader gets no signal', async () => {
    const { map } = setup({ loadTimeoutMs: Infinity });
    const args: unknown[][] = [];
    const value = await map.getOrLoad('k', async (...a: unknown[]) => {
      args.push(a);
      await new Promise((resolve) => setTimeout(resolve, 30));
      return 'v';
    });
    expect(value).toBe('v');
    expect(args).toEqual([['k']]);
  });
});

describe('a clock that returns something other than a number', () => {
  it.each([
    ['undefined', undefined],
    ['a string', '1000'],
  ])('%s: a TypeError that says so', (_what, value) => {
    const { map } = setup({ ttlMs: 1000, now: () => value as never });
    expect(() => map.set('a', 1)).toThrow(/now\(\) must return a number of ms, got (undefined|string)/);
    expect(map.size).toBe(0);
  });
});

describe('writes while a load is in flight', () => {
  it('clear() wins: the load answers its callers, stores nothing, and the next call loads afresh', async () => {
    const { map } = setup<string>();
    const gate = deferred<string>();
    const first = map.getOrLoad('k', () => gate.promise);
    map.clear();
    gate.resolve('old');
    expect(await first).toBe('old');
    expect(map.has('k')).toBe(false);
    expect(await map.getOrLoad('k', () => 'new')).toBe('new');
  });

  it("an old load's end does not forget the newer load of the key: later callers still join it", async () => {
    const { map } = setup<string>();
    const old = deferred<string>();
    const fresh = deferred<string>();
    let loads = 0;
    const first = map.getOrLoad('k', () => (loads++, old.promise));
    map.set('k', 'written'); // forgets the first load
    map.delete('k');
    const second = map.getOrLoad('k', () => (loads++, fresh.promise));
    old.resolve('old');
    expect(await first).toBe('old');
    expect(map.loading).toBe(1);
    const third = map.getOrLoad('k', () => (loads++, 'unexpected'));
    fresh.resolve('fresh');
    expect(await second).toBe('fresh');
    expect(await third).toBe('fresh');
    expect(loads).toBe(2);
  });
});

describe('the purge of the oldest end, after a delete', () => {
  it('a delete elsewhere does not make the next store skip the expired oldest entry', () => {
    let t = 0;
    const { map } = setup({ ttlMs: 1000, now: () => t });
    map.set('a', 1); // the oldest entry, where the purge starts
    t = 10;
    map.set('b', 2);
    map.delete('b');
    t = 1500; // a has expired
    map.set('c', 3);
    // The store removed the expired oldest entry: only c is held.
    expect(map.size).toBe(1);
    expect([...map.keys()]).toEqual(['c']);
  });

  it('deleting the oldest entry lets its value be collected at once', async () => {
    expect(typeof gc).toBe('function');
    let t = 0;
    const { map } = setup<object>({ ttlMs: 60_000, now: () => t });
    const ref = (() => {
      const value = { payload: new Array(1000).fill(0) };
      map.set('a', value);
      t = 10;
      map.set('b', {});
      map.delete('a');
      return new WeakRef(value);
    })();
    for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
      await tick();
      gc!();
    }
    expect(ref.deref()).toBeUndefined();
    expect(map.size).toBe(1);
  });
});

describe('load bookkeeping', () => {
  it('a load that settles in time leaves no timer behind', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { map } = setup({ loadTimeoutMs: 60_000 });
      expect(await map.getOrLoad('k', async () => 'v')).toBe('v');
      await expect(map.getOrLoad('bad', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('load time is counted in seconds', async () => {
    const { map, snapshot } = setup();
    const started = performance.now();
    await map.getOrLoad('k', () => new Promise((resolve) => setTimeout(() => resolve('v'), 50)));
    const elapsed = (performance.now() - started) / 1000;
    const seconds = snapshot().map.loadSeconds;
    expect(seconds).toBeGreaterThanOrEqual(0.04);
    expect(seconds).toBeLessThanOrEqual(elapsed);
  });

  it('getOrLoad refuses options that are not an object', () => {
    const { map } = setup();
    for (const bad of [5, 'signal', true])
      expect(() => map.getOrLoad('k', () => 1, bad as never)).toThrow(/takes an options object/);
  });

  it('forEach without a function throws, as Map does, even on an empty map', () => {
    const { map } = setup();
    expect(() => map.forEach(undefined as never)).toThrow(
      new TypeError('mapwatch: LoadingMap forEach(callback) needs a function, as Map does'),
    );
  });
});

describe("callers' signals", () => {
  it('one signal shared by many calls keeps no listener once they have settled', async () => {
    const { map } = setup<number>();
    const controller = new AbortController();
    const gate = deferred<number>();
    const calls = Array.from({ length: 20 }, () =>
      map.getOrLoad('k', () => gate.promise, { signal: controller.signal }),
    );
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(20);
    gate.resolve(7);
    expect(await Promise.all(calls)).toEqual(new Array(20).fill(7));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a signal look-alike whose addEventListener throws rejects that caller; the load goes on', async () => {
    const { map } = setup<number>();
    const gate = deferred<number>();
    const others = map.getOrLoad('k', () => gate.promise);
    const broken = {
      aborted: false,
      addEventListener() {
        throw new Error('cannot listen');
      },
      removeEventListener() {},
    } as unknown as AbortSignal;
    await expect(map.getOrLoad('k', () => 0, { signal: broken })).rejects.toThrow('cannot listen');
    gate.resolve(1);
    expect(await others).toBe(1);
    expect(map.get('k')).toBe(1);
  });
});
