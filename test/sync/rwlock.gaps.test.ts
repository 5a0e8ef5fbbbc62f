/**
 * What the async lock promises and no other test pinned (issue #17, the survivors of a mutation run over
 * src/sync): the constructor's and the options' refusals and their messages, the errors' names and
 * messages, withRead/withWrite when options are given or the lock is taken, the values a section may
 * return, a departing waiter that must not let the ones behind it overtake a holder, and the hold
 * sampler's rules (an unbiased total, exact mode from 0.1 ms on).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MapRegistry } from '../../src/registry.js';
import { isAbortSignal } from '../../src/sync/abort.js';
import { LockAbortedError, LockError, LockReleaseError, LockTimeoutError } from '../../src/sync/errors.js';
import { HOLD_SAMPLE_EVERY } from '../../src/sync/hold-sampler.js';
import { RWLock, type Release } from '../../src/sync/rwlock.js';
import { flush, track } from '../helpers/promises.js';

function named(name: string) {
  const registry = new MapRegistry();
  const lock = new RWLock({ name, registry });
  const stats = () => registry.collect().names.find((n) => n.name === name)!.lock!;
  return { registry, lock, stats };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('new RWLock() refuses what is not an options object', () => {
  it('a bare name (new RWLock("sessions")) throws, rather than making a lock that reports nothing', () => {
    expect(() => new RWLock('sessions' as never)).toThrow(TypeError);
    expect(() => new RWLock('sessions' as never)).toThrow(
      'mapwatch: new RWLock() takes an optional options object, e.g. { name: "sessions" }',
    );
    expect(() => new RWLock(null as never)).toThrow(/takes an optional options object/);
    expect(() => new RWLock(42 as never)).toThrow(/takes an optional options object/);
  });

  it('a registry without a name says why', () => {
    expect(() => new RWLock({ registry: new MapRegistry() })).toThrow(
      'mapwatch: RWLock got a registry but no name; stats need a name to report under',
    );
  });

  it('a named lock reports to the registry it was given, and only there', async () => {
    const registry = new MapRegistry();
    const lock = new RWLock({ name: 'given', registry });
    expect(lock.name).toBe('given');
    await lock.withWrite(() => undefined);
    expect(registry.collect().names.map((n) => n.name)).toEqual(['given']);
  });
});

describe('acquisition options are checked, with messages that name the option', () => {
  const lock = new RWLock();

  it('refuses options that are not an object', () => {
    for (const bad of [null, 5, 'fast', true]) {
      expect(() => lock.acquireRead(bad as never)).toThrow(TypeError);
      expect(() => lock.acquireWrite(bad as never)).toThrow(
        'mapwatch: lock acquisition options must be an object like { signal, timeoutMs }',
      );
    }
    expect(lock.activeReaders).toBe(0);
    expect(lock.writeLocked).toBe(false);
  });

  it('names a timeoutMs of the wrong type or range', () => {
    expect(() => lock.acquireRead({ timeoutMs: '5' as never })).toThrow(
      'mapwatch: lock option timeoutMs must be a number of milliseconds, got string',
    );
    expect(() => lock.acquireRead({ timeoutMs: -1 })).toThrow(
      'mapwatch: lock option timeoutMs must be >= 0, got -1',
    );
    expect(() => lock.acquireRead({ timeoutMs: Number.NaN })).toThrow(
      'mapwatch: lock option timeoutMs must be >= 0, got NaN',
    );
    expect(() => lock.acquireRead({ timeoutMs: 2_147_483_648 })).toThrow(
      'mapwatch: lock option timeoutMs 2147483648 exceeds the timer limit 2147483647; use Infinity for no limit',
    );
  });

  it('accepts the longest timeout a timer can hold, and it does not fire early', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const holder = await lock.acquireWrite();
    const waiter = track(lock.acquireRead({ timeoutMs: 2_147_483_647 }));
    vi.advanceTimersByTime(1000);
    await flush();
    expect(waiter.state).toBe('pending');
    holder();
    await flush();
    expect(waiter.state).toBe('fulfilled');
    waiter.value!();
  });

  it('refuses a signal that lacks any of aborted, addEventListener and removeEventListener', () => {
    const target = new EventTarget();
    const add = target.addEventListener.bind(target);
    const remove = target.removeEventListener.bind(target);
    expect(isAbortSignal({ aborted: false, addEventListener: add, removeEventListener: remove })).toBe(true);
    for (const bad of [
      { aborted: false, removeEventListener: remove },
      { aborted: false, addEventListener: add },
      { addEventListener: add, removeEventListener: remove },
    ]) {
      expect(isAbortSignal(bad)).toBe(false);
      expect(() => lock.acquireRead({ signal: bad as never })).toThrow(
        'mapwatch: lock option signal must be an AbortSignal (e.g. AbortSignal.timeout(100))',
      );
    }
  });

  it('a value that throws when looked at is not a signal, and the error says so', () => {
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('trap');
        },
        get() {
          throw new Error('trap');
        },
      },
    );
    expect(isAbortSignal(hostile)).toBe(false);
    expect(() => lock.acquireWrite({ signal: hostile as never })).toThrow(/must be an AbortSignal/);
  });
});

describe('the errors', () => {
  it('name the class, the mode and the lock, and keep the details', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const orders = new RWLock({ name: 'orders', registry: new MapRegistry() });
    const anonymous = new RWLock();
    for (const [lock, label] of [
      [orders, " 'orders'"],
      [anonymous, ''],
    ] as const) {
      const w = await lock.acquireWrite();
      const timedOut = track(lock.acquireRead({ timeoutMs: 10 }));
      vi.advanceTimersByTime(10);
      const reason = new Error('stop');
      const aborted = await lock.acquireWrite({ signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
      await flush();
      w();
      let twice: unknown;
      try {
        w();
      } catch (e) {
        twice = e;
      }

      const t = timedOut.error as LockTimeoutError;
      expect(t).toBeInstanceOf(LockTimeoutError);
      expect(t).toBeInstanceOf(LockError);
      expect([t.name, t.lockName, t.timeoutMs]).toEqual(['LockTimeoutError', lock.name, 10]);
      expect(t.message).toBe(`mapwatch: read lock${label} not acquired within 10 ms`);

      const a = aborted as LockAbortedError;
      expect(a).toBeInstanceOf(LockAbortedError);
      expect([a.name, a.lockName, a.cause]).toEqual(['LockAbortedError', lock.name, reason]);
      expect(a.message).toBe(`mapwatch: write lock${label} acquisition aborted`);

      const r = twice as LockReleaseError;
      expect(r).toBeInstanceOf(LockReleaseError);
      expect([r.name, r.lockName]).toEqual(['LockReleaseError', lock.name]);
      expect(r.message).toBe(
        `mapwatch: write lock${label} released twice; each acquisition's release function may be called once`,
      );
    }
    expect(new LockError('x', undefined).name).toBe('LockError');
  });
});

describe('withRead/withWrite', () => {
  it('with options, go through the checks even when the lock is free', async () => {
    const lock = new RWLock();
    let ran = 0;
    const fn = () => {
      ran++;
      return 'ran';
    };
    const reason = new Error('gave up');
    await expect(lock.withRead(fn, { signal: AbortSignal.abort(reason) })).rejects.toBeInstanceOf(
      LockAbortedError,
    );
    await expect(lock.withWrite(fn, { signal: AbortSignal.abort(reason) })).rejects.toBeInstanceOf(
      LockAbortedError,
    );
    await expect(lock.withRead(fn, { timeoutMs: -1 })).rejects.toBeInstanceOf(RangeError);
    await expect(lock.withWrite(fn, { timeoutMs: -1 })).rejects.toBeInstanceOf(RangeError);
    expect(ran).toBe(0);
    // Valid options on a free lock: granted, and released afterwards.
    await expect(lock.withWrite(fn, { timeoutMs: 0 })).resolves.toBe('ran');
    await expect(lock.withRead(fn, { timeoutMs: 0 })).resolves.toBe('ran');
    expect([ran, lock.activeReaders, lock.writeLocked]).toEqual([2, 0, false]);
  });

  it('withWrite waits for a reader and for a writer that hold the lock', async () => {
    const lock = new RWLock();
    const order: string[] = [];
    const reader = await lock.acquireRead();
    const first = lock.withWrite(() => order.push('first writer'));
    await flush();
    expect(order).toEqual([]);
    reader();
    await first;
    const writer = await lock.acquireWrite();
    const second = lock.withWrite(() => order.push('second writer'));
    await flush();
    expect(order).toEqual(['first writer']);
    writer();
    await second;
    expect(order).toEqual(['first writer', 'second writer']);
  });

  it('call fn with no argument, and hand back null, objects and functions as they are, released at once', async () => {
    const lock = new RWLock();
    const args = await lock.withRead(function (this: unknown, ...rest: unknown[]) {
      return rest.length;
    });
    expect(args).toBe(0);
    await expect(lock.withRead(() => null)).resolves.toBeNull();
    const obj = { then: 'not a function' };
    const p = lock.withWrite(() => obj);
    expect(lock.writeLocked).toBe(false);
    await expect(p).resolves.toBe(obj);
    const plain = { value: 1 };
    const q = lock.withWrite(() => plain);
    expect(lock.writeLocked).toBe(false);
    await expect(q).resolves.toBe(plain);
    const f = () => 1;
    const r = lock.withRead(() => f);
    expect(lock.activeReaders).toBe(0);
    await expect(r).resolves.toBe(f);
  });

  it('a callable thenable is awaited like a promise: the hold lasts until it settles', async () => {
    const lock = new RWLock();
    let settle!: (v: string) => void;
    const callable = Object.assign(() => undefined, {
      then(resolve: (v: string) => void) {
        settle = resolve;
      },
    });
    const p = track(lock.withWrite(() => callable as unknown as PromiseLike<string>));
    await flush();
    expect([lock.writeLocked, p.state]).toEqual([true, 'pending']);
    settle('settled');
    await flush();
    expect([lock.writeLocked, p.state, p.value]).toEqual([false, 'fulfilled', 'settled']);
  });
});

describe('a waiter that leaves does not let the ones behind it overtake a holder', () => {
  it('readers hold; the writer at the head aborts; the writer behind it keeps waiting', async () => {
    const lock = new RWLock();
    const r1 = await lock.acquireRead();
    const ac = new AbortController();
    const w1 = track(lock.acquireWrite({ signal: ac.signal }));
    const w2 = track(lock.acquireWrite());
    ac.abort();
    await flush();
    expect([w1.state, w2.state, lock.writeLocked, lock.waiting]).toEqual(['rejected', 'pending', false, 1]);
    r1();
    await flush();
    expect(w2.state).toBe('fulfilled');
    w2.value!();
  });

  it('a writer holds; the reader at the head times out; the reader behind it keeps waiting', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const lock = new RWLock();
    const w = await lock.acquireWrite();
    const r1 = track(lock.acquireRead({ timeoutMs: 5 }));
    const r2 = track(lock.acquireRead());
    vi.advanceTimersByTime(5);
    await flush();
    expect([r1.state, r2.state, lock.activeReaders, lock.waiting]).toEqual(['rejected', 'pending', 0, 1]);
    w();
    await flush();
    expect([r2.state, lock.activeReaders]).toEqual(['fulfilled', 1]);
    r2.value!();
  });

  it('two waiters on one signal both leave when it aborts, and nothing is granted twice', async () => {
    const lock = new RWLock();
    const w = await lock.acquireWrite();
    const ac = new AbortController();
    const a = track(lock.acquireWrite({ signal: ac.signal }));
    const b = track(lock.acquireRead({ signal: ac.signal }));
    const c = track(lock.acquireRead());
    ac.abort();
    await flush();
    expect([a.state, b.state, c.state, lock.waiting]).toEqual(['rejected', 'rejected', 'pending', 1]);
    w();
    await flush();
    expect([c.state, lock.activeReaders]).toEqual(['fulfilled', 1]);
    (c.value as Release)();
    expect(lock.activeReaders).toBe(0);
  });
});

describe('the hold sampler', () => {
  it('gives an unbiased hold total: with evenly spread random draws it matches the truth within 1.5 %', () => {
    // Math.random replaced by a stratified sequence (1,000 evenly spaced draws in a scrambled order):
    // what is left is the sampler's arithmetic, which must make each timed hold stand for as many holds,
    // on average, as it is weighted.
    vi.useFakeTimers({ toFake: ['performance'] });
    let i = 0;
    vi.spyOn(Math, 'random').mockImplementation(() => (((i++ * 7919) % 1000) + 0.5) / 1000);
    const { lock, stats } = named('stratified');
    const n = 32_000;
    const shortMs = 0.05;
    for (let k = 0; k < n; k++) {
      const release = lock.tryAcquireWrite()!;
      vi.advanceTimersByTime(shortMs);
      release();
    }
    const truth = (n * shortMs) / 1000;
    const estimate = stats().write.holdSeconds;
    expect(Math.abs(estimate / truth - 1)).toBeLessThan(0.015);
    expect(stats().write.uncontended).toBe(n);
  });

  it('a timed hold of exactly 0.1 ms puts the lock in exact mode: the next short hold counts once, exactly', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const { lock, stats } = named('boundary');
    // A contended grant is always timed: release the first holder at the instant the clock reads 0.
    const start = performance.now();
    const first = await lock.acquireWrite();
    const queued = lock.acquireWrite();
    first(); // uncontended hold of 0 ms: adds 0 whether sampled or not
    const second = await queued;
    vi.advanceTimersByTime(0.1);
    second();
    expect(performance.now() - start).toBe(0.1);
    expect(stats().write.holdSeconds).toBe(0.0001);
    // Exact mode: this uncontended hold is timed and counted once (sampled, it would count 0 or N times).
    const third = lock.tryAcquireWrite()!;
    vi.advanceTimersByTime(0.05);
    third();
    expect(stats().write.holdSeconds).toBeCloseTo(0.0001 + 0.00005, 12);
    expect(HOLD_SAMPLE_EVERY).toBeGreaterThan(1);
  });
});

describe('more of what a hold reports', () => {
  it('a tryAcquireWrite hold released twice names the write mode', () => {
    const lock = new RWLock();
    const w = lock.tryAcquireWrite()!;
    w();
    expect(() => w()).toThrow(
      "mapwatch: write lock released twice; each acquisition's release function may be called once",
    );
  });

  it('a contended wait is measured from the moment the waiter queued, not from the clock origin', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const { lock, stats } = named('late-queue');
    vi.advanceTimersByTime(40);
    const holder = await lock.acquireWrite();
    vi.advanceTimersByTime(10);
    const queued = lock.acquireRead();
    vi.advanceTimersByTime(5);
    holder();
    const reader = await queued;
    reader();
    expect(stats().read.waitSeconds).toBeCloseTo(0.005, 9);
    expect(stats().read.waitSum).toBeCloseTo(0.005, 9);
  });

  it('a registry that is not a MapRegistry is refused, naming new RWLock()', () => {
    expect(() => new RWLock({ name: 'x', registry: {} as never })).toThrow(
      /^mapwatch: new RWLock\(\): registry must be/,
    );
  });
});
