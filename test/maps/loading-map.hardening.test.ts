/**
 * LoadingMap against hostile or careless user code (issue 10, items 3 and 15):
 * - every place it calls user code (the loader, the `now` clock, the caller's AbortSignal) either
 *   settles every caller or throws at the call; nothing becomes an unhandled rejection or a caller
 *   pending for ever;
 * - a caller that aborts is released at once (nothing of it is kept until the load settles), and
 *   `loadTimeoutMs` releases every caller of a load that never settles.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LoadingMap, type LoadingMapOptions } from '../../src/maps/loading-map.js';
import { MapRegistry } from '../../src/registry.js';

const gc = (globalThis as { gc?: () => void }).gc;

function setup(extra: Partial<LoadingMapOptions> = {}) {
  const registry = new MapRegistry();
  const map = new LoadingMap<string, unknown>({ name: 'cache', registry, ...extra });
  const stats = () => registry.collect().names.find((n) => n.name === 'cache')!.map;
  return { map, stats, registry };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const PENDING = Symbol('still pending');
/**
 * How `promise` settled, or PENDING if it has not within a generous bound. A caller left pending for
 * ever (the failure these tests catch) shows as PENDING instead of hanging the run.
 */
async function outcome(promise: Promise<unknown>, boundMs = 2000): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise((resolve) => (timer = setTimeout(() => resolve(PENDING), boundMs)));
  try {
    return await Promise.race([
      promise.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      bound,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const unhandled: unknown[] = [];
const uncaught: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const onUncaught = (error: unknown) => uncaught.push(error);
beforeEach(() => {
  unhandled.length = 0;
  uncaught.length = 0;
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUncaught);
});
afterEach(async () => {
  // Give late rejections a chance to surface before looking.
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUncaught);
  vi.useRealTimers();
  expect(unhandled).toEqual([]);
  expect(uncaught).toEqual([]);
});

describe('a now() clock that fails', () => {
  it('while a load result is stored: every waiter rejects with its error, nothing is unhandled', async () => {
    let t = 0;
    let broken = false;
    const clockError = new Error('clock broke');
    const { map, stats } = setup({
      ttlMs: 1000,
      now: () => {
        if (broken) throw clockError;
        return t;
      },
    });
    const gate = deferred<string>();
    const plain = map.getOrLoad('k', () => gate.promise);
    const withSignal = map.getOrLoad('k', () => 'unused', { signal: new AbortController().signal });
    broken = true;
    gate.resolve('v');
    expect(await outcome(plain)).toEqual({ error: clockError });
    expect(await outcome(withSignal)).toEqual({ error: clockError });
    expect(map.loading).toBe(0);
    expect(map.size).toBe(0);
    expect(stats().loadsSuccess).toBe(1); // the loader itself succeeded

    // Once the clock works again, the next call loads afresh and stores.
    broken = false;
    t = 5;
    expect(await outcome(map.getOrLoad('k', () => 'again'))).toEqual({ value: 'again' });
    expect(map.get('k')).toBe('again');
  });

  it('returning a non-number: a TypeError that says so, for waiters and for direct calls', async () => {
    let value: unknown = 0;
    const { map } = setup({ ttlMs: 1000, now: () => value as number });
    const gate = deferred<string>();
    const waiting = map.getOrLoad('k', () => gate.promise);
    value = Number.NaN;
    gate.resolve('v');
    const result = (await outcome(waiting)) as { error: Error };
    expect(result.error).toBeInstanceOf(TypeError);
    expect(result.error.message).toMatch(/now\(\) must return a number of ms/);
    expect(() => map.set('a', 1)).toThrow(/now\(\) must return a number/);
    expect(map.size).toBe(0);
  });

  it('at getOrLoad: a rejected promise (not a synchronous throw), and nothing changes', async () => {
    let broken = false;
    const { map, stats } = setup({
      ttlMs: 1000,
      now: () => {
        if (broken) throw new Error('clock broke');
        return 0;
      },
    });
    map.set('a', 1);
    broken = true;
    let loads = 0;
    const p = map.getOrLoad('b', () => ++loads);
    expect(await outcome(p)).toEqual({ error: new Error('clock broke') });
    expect(loads).toBe(0);
    expect(map.loading).toBe(0);
    // set/delete/clear throw at the call, before changing anything.
    expect(() => map.set('a', 2)).toThrow('clock broke');
    expect(() => map.delete('a')).toThrow('clock broke');
    expect(() => map.clear()).toThrow('clock broke');
    broken = false;
    expect(map.get('a')).toBe(1);
    expect(stats().inserts).toBe(1);
  });

  it('at set() during a load: the load is not forgotten, later callers still join it', async () => {
    let broken = false;
    const { map, stats } = setup({
      ttlMs: 1000,
      now: () => {
        if (broken) throw new Error('clock broke');
        return 0;
      },
    });
    const gate = deferred<string>();
    const first = map.getOrLoad('k', () => gate.promise);
    broken = true;
    expect(() => map.set('k', 'manual')).toThrow('clock broke');
    broken = false;
    const second = map.getOrLoad('k', () => 'other');
    gate.resolve('loaded');
    expect(await outcome(first)).toEqual({ value: 'loaded' });
    expect(await outcome(second)).toEqual({ value: 'loaded' });
    expect(stats().loadJoins).toBe(1);
  });
});

describe('a loader that misbehaves', () => {
  it('returning a thenable whose then getter throws, or whose then throws: callers reject with it', async () => {
    const { map } = setup();
    const boom = new Error('then getter');
    const getterThrows = {
      get then(): never {
        throw boom;
      },
    };
    const thenThrows = {
      then() {
        throw Object.create(null);
      },
    };
    expect(await outcome(map.getOrLoad('a', () => getterThrows as never))).toEqual({ error: boom });
    const r = (await outcome(map.getOrLoad('b', () => thenThrows))) as { error: unknown };
    expect(Object.getPrototypeOf(r.error)).toBe(null);
    expect(map.loading).toBe(0);
  });

  it('aborting its own caller synchronously: that caller is released although the load never settles', async () => {
    const { map } = setup();
    const ac = new AbortController();
    const p = map.getOrLoad(
      'k',
      () => {
        ac.abort('left during the load');
        return new Promise<never>(() => undefined);
      },
      { signal: ac.signal },
    );
    expect(await outcome(p)).toEqual({ error: 'left during the load' });
  });
});

describe('a caller signal that misbehaves', () => {
  /** A signal from "another realm": an EventTarget with the right shape, and hooks to break it. */
  function lookAlike(hooks: { removeThrows?: boolean; reasonThrows?: boolean } = {}) {
    const target = new EventTarget();
    let aborted = false;
    const signal = {
      get aborted() {
        return aborted;
      },
      get reason(): unknown {
        if (hooks.reasonThrows) throw new Error('reason getter');
        return 'foreign reason';
      },
      addEventListener: target.addEventListener.bind(target),
      removeEventListener: (...args: Parameters<EventTarget['removeEventListener']>) => {
        if (hooks.removeThrows) throw new Error('removeEventListener');
        target.removeEventListener(...args);
      },
    };
    return {
      signal: signal as unknown as AbortSignal,
      abort() {
        aborted = true;
        target.dispatchEvent(new Event('abort'));
      },
    };
  }

  it('whose removeEventListener throws: the caller still gets the value, nothing is unhandled', async () => {
    const { map } = setup();
    const gate = deferred<string>();
    const { signal } = lookAlike({ removeThrows: true });
    const p = map.getOrLoad('k', () => gate.promise, { signal });
    gate.resolve('v');
    expect(await outcome(p)).toEqual({ value: 'v' });
  });

  it('whose reason getter throws: the aborted caller rejects with that error, nothing is uncaught', async () => {
    const { map } = setup();
    const foreign = lookAlike({ reasonThrows: true });
    const p = map.getOrLoad('k', () => new Promise<never>(() => undefined), { signal: foreign.signal });
    foreign.abort();
    expect(await outcome(p)).toEqual({ error: new Error('reason getter') });
  });

  it('a Proxy that throws on every trap is refused with the clear TypeError', () => {
    const { map } = setup();
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );
    expect(() => map.getOrLoad('k', () => 1, { signal: hostile as AbortSignal })).toThrow(
      /signal must be an AbortSignal/,
    );
    expect(() => map.getOrLoad('k', () => 1, null as never)).toThrow(/takes an options object/);
  });
});

describe('aborted callers are released at once (item 15)', () => {
  it('needs --expose-gc', () => {
    expect(typeof gc).toBe('function');
  });

  it('50,000 callers that abort on a load that never settles keep nothing alive', async () => {
    const { map } = setup();
    const N = 50_000;
    const never = new Promise<never>(() => undefined);
    const sampled: WeakRef<AbortSignal>[] = [];
    const settle = async () => {
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setImmediate(r));
        gc!();
      }
    };
    await settle();
    const before = process.memoryUsage().heapUsed;
    (() => {
      for (let i = 0; i < N; i++) {
        const ac = new AbortController();
        if (i % 100 === 0) sampled.push(new WeakRef(ac.signal));
        map.getOrLoad('k', () => never, { signal: ac.signal }).catch(() => undefined);
        ac.abort(new Error(`caller ${i} left`));
      }
    })();
    await settle();
    const retainedBytes = process.memoryUsage().heapUsed - before;
    const aliveSignals = sampled.filter((r) => r.deref() !== undefined).length;
    // Before the fix every caller's signal, listener and promise stayed reachable from the load (about
    // 1.9 KB each: ~95 MB here) until it settled.
    expect(aliveSignals).toBe(0);
    expect(retainedBytes).toBeLessThan(10 * 1024 * 1024);
    // The load itself is still in flight, and a new caller still joins it (without a timeout).
    expect(map.loading).toBe(1);
  });

  it('an abort removes only that caller; the others are settled by the load', async () => {
    const { map, stats } = setup();
    const gate = deferred<string>();
    const controllers = Array.from({ length: 5 }, () => new AbortController());
    const callers = controllers.map((ac) => map.getOrLoad('k', () => gate.promise, { signal: ac.signal }));
    controllers[1]!.abort('one');
    controllers[3]!.abort('three');
    gate.resolve('v');
    const results = await Promise.all(callers.map((p) => outcome(p)));
    expect(results).toEqual([
      { value: 'v' },
      { error: 'one' },
      { value: 'v' },
      { error: 'three' },
      { value: 'v' },
    ]);
    expect(stats().loadJoins).toBe(4);
  });
});

describe('loadTimeoutMs (item 15)', () => {
  it('releases every caller of a load that never settles; the next caller loads afresh', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { map, stats } = setup({ loadTimeoutMs: 1000 });
    const signals: Array<AbortSignal | undefined> = [];
    const hung = deferred<string>();
    const hangingLoader = (_key: string, signal?: AbortSignal) => {
      signals.push(signal);
      return hung.promise;
    };
    const plain = map.getOrLoad('k', hangingLoader);
    const withSignal = map.getOrLoad('k', hangingLoader, { signal: new AbortController().signal });
    expect(map.loading).toBe(1);
    vi.advanceTimersByTime(999);
    expect(map.loading).toBe(1);
    vi.advanceTimersByTime(1);
    vi.useRealTimers();

    const a = (await outcome(plain)) as { error: DOMException };
    const b = (await outcome(withSignal)) as { error: DOMException };
    expect(a.error).toBeInstanceOf(DOMException);
    expect(a.error.name).toBe('TimeoutError');
    expect(a.error.message).toMatch(/LoadingMap 'cache' did not settle within 1000 ms \(loadTimeoutMs\)/);
    expect(b.error).toBe(a.error);
    // The loader got a signal, aborted with the same error.
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toBe(a.error);
    expect(map.loading).toBe(0);
    expect(stats().loadsFailure).toBe(1);

    // A later caller starts a fresh load instead of joining the dead one.
    let fresh = 0;
    expect(await outcome(map.getOrLoad('k', () => `fresh ${++fresh}`))).toEqual({ value: 'fresh 1' });
    // The dead load's late result is neither stored nor counted.
    hung.resolve('late');
    await new Promise((r) => setImmediate(r));
    expect(map.get('k')).toBe('fresh 1');
    expect([stats().loadsSuccess, stats().loadsFailure]).toEqual([1, 1]);
  });

  it('a load that settles in time is unaffected, and its timer is cleared', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { map } = setup({ loadTimeoutMs: 1000 });
    const p = map.getOrLoad('k', async () => 'v');
    vi.useRealTimers();
    expect(await outcome(p)).toEqual({ value: 'v' });
    expect(map.get('k')).toBe('v');
  });

  it('without it, the loader is called with the key only (an optional second parameter is untouched)', async () => {
    const { map } = setup();
    const args: unknown[][] = [];
    await map.getOrLoad('k', (...a: unknown[]) => {
      args.push(a);
      return 1;
    });
    expect(args).toEqual([['k']]);
  });

  it('is validated', () => {
    const registry = new MapRegistry();
    expect(() => new LoadingMap({ name: 'x', registry, loadTimeoutMs: 0 })).toThrow(
      /loadTimeoutMs must be > 0/,
    );
    expect(() => new LoadingMap({ name: 'x', registry, loadTimeoutMs: '5' as never })).toThrow(
      /loadTimeoutMs must be a number of milliseconds/,
    );
    expect(() => new LoadingMap({ name: 'x', registry, loadTimeoutMs: Infinity })).not.toThrow();
  });
});

describe('frozen and serialised', () => {
  it('a frozen LoadingMap with a TTL works as a frozen Map does', async () => {
    let t = 0;
    const { map } = setup({ ttlMs: 10, now: () => t });
    Object.freeze(map);
    map.set('a', 1);
    expect(map.get('a')).toBe(1);
    expect(await map.getOrLoad('b', () => 2)).toBe(2);
    t = 20;
    map.set('c', 3); // purges the expired head
    expect([...map.keys()]).toEqual(['c']);
    expect(map.delete('c')).toBe(true);
    map.clear();
    expect(map.size).toBe(0);
  });

  it('JSON.stringify and Object.keys show no internals (as a Map: {})', async () => {
    const { map } = setup({ ttlMs: 10, now: () => 0 });
    map.set('secret-key', 'secret-value');
    expect(JSON.stringify(map)).toBe('{}');
    expect(Object.keys(map)).toEqual([]);
  });
});
