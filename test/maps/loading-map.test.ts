import { describe, expect, it } from 'vitest';
import { LoadingMap } from '../../src/maps/loading-map.js';
import { MapRegistry } from '../../src/registry.js';

function setup(extra: { ttlMs?: number; now?: () => number } = {}) {
  const registry = new MapRegistry();
  const map = new LoadingMap<string, unknown>({ name: 'cache', registry, ...extra });
  const stats = () => registry.collect().names.find((n) => n.name === 'cache')!.map;
  return { map, stats, registry };
}

/** A promise the test resolves or rejects by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('LoadingMap single flight', () => {
  it('1,000 concurrent getOrLoad calls on a cold key make exactly one loader call and share its value', async () => {
    const { map, stats } = setup();
    let calls = 0;
    const gate = deferred<void>();
    const value = { loaded: true };
    const loader = async (key: string) => {
      calls++;
      await gate.promise;
      return { ...value, key };
    };
    const waiters = Array.from({ length: 1000 }, () => map.getOrLoad('hot', loader));
    expect(map.loading).toBe(1);
    gate.resolve();
    const results = await Promise.all(waiters);
    expect(calls).toBe(1);
    expect(new Set(results).size).toBe(1); // one object, shared by all
    expect(results[0]).toEqual({ loaded: true, key: 'hot' });
    const s = stats();
    expect([s.loadsSuccess, s.loadsFailure, s.loadJoins, s.misses, s.inserts]).toEqual([1, 0, 999, 1000, 1]);
    expect(s.loadSeconds).toBeGreaterThanOrEqual(0);
    // Cached now: a hit, no loader call.
    expect(await map.getOrLoad('hot', loader)).toBe(results[0]);
    expect(calls).toBe(1);
    expect(stats().hits).toBe(1);
  });

  it('with a failing loader all 1,000 reject with its error, and nothing is cached', async () => {
    const { map, stats } = setup();
    let calls = 0;
    const boom = new Error('backend down');
    const loader = async () => {
      calls++;
      await Promise.resolve();
      throw boom;
    };
    const settled = await Promise.allSettled(Array.from({ length: 1000 }, () => map.getOrLoad('k', loader)));
    expect(calls).toBe(1);
    expect(settled.every((r) => r.status === 'rejected' && r.reason === boom)).toBe(true);
    expect(map.has('k')).toBe(false);
    expect(map.loading).toBe(0);
    const s = stats();
    expect([s.loadsSuccess, s.loadsFailure, s.loadJoins]).toEqual([0, 1, 999]);
    // Not cached: the next call loads again.
    await expect(map.getOrLoad('k', () => 'ok')).resolves.toBe('ok');
    expect(stats().loadsSuccess).toBe(1);
  });

  it('a loader that throws synchronously rejects every waiter the same way', async () => {
    const { map } = setup();
    const boom = new Error('sync');
    const loader = () => {
      throw boom;
    };
    const [a, b] = await Promise.allSettled([map.getOrLoad('k', loader), map.getOrLoad('k', loader)]);
    expect(a).toEqual({ status: 'rejected', reason: boom });
    expect(b).toEqual({ status: 'rejected', reason: boom });
  });

  it("one joiner's abort rejects only that joiner and does not cancel the load", async () => {
    const { map } = setup();
    const gate = deferred<string>();
    let calls = 0;
    const loader = () => {
      calls++;
      return gate.promise;
    };
    const ac = new AbortController();
    const first = map.getOrLoad('k', loader);
    const quitter = map.getOrLoad('k', loader, { signal: ac.signal });
    const patient = map.getOrLoad('k', loader, { signal: new AbortController().signal });
    const reason = new Error('client went away');
    ac.abort(reason);
    await expect(quitter).rejects.toBe(reason);
    gate.resolve('v');
    await expect(first).resolves.toBe('v');
    await expect(patient).resolves.toBe('v');
    expect(calls).toBe(1);
    expect(map.get('k')).toBe('v');
  });

  it('an already-aborted signal rejects without loading; a load nobody waits for still settles quietly', async () => {
    const { map, stats } = setup();
    let calls = 0;
    await expect(map.getOrLoad('k', () => ++calls, { signal: AbortSignal.abort('early') })).rejects.toBe(
      'early',
    );
    expect(calls).toBe(0);
    expect(stats().misses).toBe(0);

    // Every waiter aborts, then the load fails: no unhandled rejection (vitest would report one).
    const gate = deferred<string>();
    const ac = new AbortController();
    const only = map.getOrLoad('k', () => gate.promise, { signal: ac.signal });
    ac.abort('bye');
    await expect(only).rejects.toBe('bye');
    gate.reject(new Error('late failure'));
    await new Promise((r) => setImmediate(r));
    expect(stats().loadsFailure).toBe(1);
  });

  it('an explicit write during a load wins; a delete makes the next call load afresh', async () => {
    const { map } = setup();
    const gate = deferred<string>();
    const loading = map.getOrLoad('k', () => gate.promise);
    map.set('k', 'explicit');
    gate.resolve('loaded');
    expect(await loading).toBe('loaded'); // the waiter gets what it asked for
    expect(map.get('k')).toBe('explicit'); // but the newer write stays

    const gate2 = deferred<string>();
    const stale = map.getOrLoad('j', () => gate2.promise);
    map.delete('j');
    const fresh = map.getOrLoad('j', () => 'fresh');
    gate2.resolve('stale');
    expect(await stale).toBe('stale');
    expect(await fresh).toBe('fresh');
    expect(map.get('j')).toBe('fresh');
  });

  it('a set() during a load forgets the flight: later callers load afresh instead of joining it', async () => {
    let t = 0;
    const { map, stats } = setup({ ttlMs: 10, now: () => t });
    const slow = deferred<string>();
    let loads = 0;
    const first = map.getOrLoad('k', () => {
      loads++;
      return slow.promise;
    });
    map.set('k', 'manual');
    expect(map.loading).toBe(0);
    t = 20; // the manual value expires while the first load is still running
    const second = map.getOrLoad('k', () => {
      loads++;
      return 'fresh';
    });
    slow.resolve('slow');
    expect(await first).toBe('slow');
    expect(await second).toBe('fresh');
    expect(loads).toBe(2);
    expect(stats().loadJoins).toBe(0);
    expect(map.get('k')).toBe('fresh'); // the stale load's result was not stored
  });

  it('validates its arguments', () => {
    const registry = new MapRegistry();
    expect(() => new LoadingMap({ name: 'x', registry, ttlMs: 0 })).toThrow(RangeError);
    expect(() => new LoadingMap({ name: 'x', registry, ttlMs: Number.NaN })).toThrow(TypeError);
    const map = new LoadingMap<string, number>({ name: 'y', registry });
    expect(() => map.getOrLoad('k', 5 as unknown as () => number)).toThrow(/loader function/);
    expect(() => map.getOrLoad('k', () => 1, { signal: {} as AbortSignal })).toThrow(/AbortSignal/);
    // A look-alike without removeEventListener would fail when the load settles, leaving the caller
    // pending forever: refused up front.
    const target = new EventTarget();
    const partial = { aborted: false, addEventListener: target.addEventListener.bind(target) };
    expect(() => map.getOrLoad('k', () => 1, { signal: partial as unknown as AbortSignal })).toThrow(
      /AbortSignal/,
    );
    expect(map.loading).toBe(0);
  });
});

describe('LoadingMap TTL (injected clock)', () => {
  it('expires entries ttlMs after they are stored, counting cause=expire when removed', async () => {
    let t = 1_000;
    const { map, stats } = setup({ ttlMs: 100, now: () => t });
    map.set('a', 1);
    await map.getOrLoad('b', () => 2);
    t += 99;
    expect(map.get('a')).toBe(1);
    t += 1; // exactly ttlMs later: expired
    expect(map.get('a')).toBeUndefined();
    expect(stats().deletesExpire).toBe(1);
    // b expired too but is not touched yet: it still occupies memory and counts in size.
    expect(map.size).toBe(1);
    expect([...map.keys()]).toEqual([]);
    expect(map.purgeExpired()).toBe(1);
    expect(map.size).toBe(0);
    expect(stats().deletesExpire).toBe(2);
    // An expired key reloads.
    let calls = 0;
    await map.getOrLoad('b', () => ++calls);
    expect(calls).toBe(1);
    t += 50;
    map.set('b', 7); // overwrite restarts the TTL
    t += 60;
    expect(map.get('b')).toBe(7);
  });

  it('bounds memory under a stream of unique keys: each store purges the expired oldest entries', async () => {
    let t = 0;
    const { map, stats } = setup({ ttlMs: 10, now: () => t });
    for (let i = 0; i < 1000; i++) {
      t++;
      if (i % 2 === 0) map.set(`set:${i}`, i);
      else await map.getOrLoad(`load:${i}`, () => i);
      // Entries stored at t-9 .. t are live; everything older was removed by this store.
      expect(map.size).toBeLessThanOrEqual(10);
    }
    const s = stats();
    expect(s.deletesExpire).toBe(1000 - map.size);
    expect(s.inserts).toBe(map.size + s.deletesExpire);
  });

  it('an overwrite moves the key to the end, so the oldest end stays in expiry order', () => {
    let t = 0;
    const { map, stats } = setup({ ttlMs: 10, now: () => t });
    map.set('a', 1);
    t = 1;
    map.set('b', 2);
    t = 5;
    map.set('a', 3); // a now expires at 15, after b (11)
    expect([...map.keys()]).toEqual(['b', 'a']);
    t = 12;
    map.set('c', 4); // purges b (expired), stops at a (live)
    expect([...map.keys()]).toEqual(['a', 'c']);
    expect(map.size).toBe(2);
    expect(stats().deletesExpire).toBe(1);
    // A deleted or re-stored key the purge cursor already passed is skipped, never double counted.
    map.delete('a');
    t = 30;
    map.set('d', 5);
    expect([...map.keys()]).toEqual(['d']);
    expect(stats().deletesExpire).toBe(2);
    expect(stats().deletesExplicit).toBe(1);
  });
});
