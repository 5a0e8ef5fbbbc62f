import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MapRegistry } from '../../src/registry.js';
import { LockAbortedError, LockError, LockReleaseError, LockTimeoutError } from '../../src/sync/errors.js';
import { isAbortSignal } from '../../src/sync/abort.js';
import { RWLock, type Release } from '../../src/sync/rwlock.js';
import { flush, track } from '../helpers/promises.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('RWLock basics', () => {
  it('lets many readers in together and keeps a writer out until they leave', async () => {
    const lock = new RWLock();
    const r1 = await lock.acquireRead();
    const r2 = await lock.acquireRead();
    expect(lock.activeReaders).toBe(2);
    const w = track(lock.acquireWrite());
    await flush();
    expect(w.state).toBe('pending');
    expect(lock.waiting).toBe(1);
    r1();
    await flush();
    expect(w.state).toBe('pending');
    r2();
    await flush();
    expect(w.state).toBe('fulfilled');
    expect(lock.writeLocked).toBe(true);
    expect(lock.activeReaders).toBe(0);
    w.value!();
    expect(lock.writeLocked).toBe(false);
  });

  it('queues readers behind a waiting writer (no writer starvation)', async () => {
    const lock = new RWLock();
    const r1 = await lock.acquireRead();
    const w = track(lock.acquireWrite());
    const r2 = track(lock.acquireRead());
    await flush();
    expect(r2.state).toBe('pending');
    r1();
    await flush();
    expect(w.state).toBe('fulfilled');
    expect(r2.state).toBe('pending');
    w.value!();
    await flush();
    expect(r2.state).toBe('fulfilled');
  });

  it('grants a run of consecutive waiting readers together, but not past the next writer', async () => {
    const lock = new RWLock();
    const w1 = await lock.acquireWrite();
    const ra = track(lock.acquireRead());
    const rb = track(lock.acquireRead());
    const w2 = track(lock.acquireWrite());
    const rc = track(lock.acquireRead());
    w1();
    // Granted synchronously inside the release, before any other task runs.
    expect(lock.activeReaders).toBe(2);
    await flush();
    expect([ra.state, rb.state, w2.state, rc.state]).toEqual([
      'fulfilled',
      'fulfilled',
      'pending',
      'pending',
    ]);
    ra.value!();
    rb.value!();
    await flush();
    expect(w2.state).toBe('fulfilled');
    expect(rc.state).toBe('pending');
    w2.value!();
    await flush();
    expect(rc.state).toBe('fulfilled');
  });

  it('withWrite releases when the callback throws, and passes the error through', async () => {
    const lock = new RWLock();
    const boom = new Error('boom');
    await expect(
      lock.withWrite(async () => {
        await Promise.resolve();
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(lock.writeLocked).toBe(false);
    await expect(lock.withRead(() => 7)).resolves.toBe(7);
    expect(lock.activeReaders).toBe(0);
    // A synchronous throw becomes a rejection, and the hold is released too.
    await expect(
      lock.withRead(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(lock.activeReaders).toBe(0);
  });

  it('a second call of a release function throws LockReleaseError and leaves the lock intact', async () => {
    const lock = new RWLock({ name: 'double', registry: new MapRegistry() });
    const r1 = await lock.acquireRead();
    const r2 = await lock.acquireRead();
    r1();
    expect(() => r1()).toThrow(LockReleaseError);
    expect(() => r1()).toThrow(/released twice/);
    // The double release did not free r2's hold.
    expect(lock.activeReaders).toBe(1);
    r2();
    const w = await lock.acquireWrite();
    w();
    expect(() => w()).toThrow(LockReleaseError);
    expect(lock.writeLocked).toBe(false);
  });

  it('rejects at once for an already-aborted signal, with the reason as cause, even when the lock is free', async () => {
    const lock = new RWLock();
    const reason = new Error('shutting down');
    const signal = AbortSignal.abort(reason);
    const err = await lock.acquireWrite({ signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockAbortedError);
    expect(err).toBeInstanceOf(LockError);
    expect((err as Error).cause).toBe(reason);
    expect(lock.writeLocked).toBe(false);
    expect(lock.waiting).toBe(0);
  });

  it('an abort while queued leaves the queue at once and unblocks readers behind an aborted writer', async () => {
    const lock = new RWLock();
    const r1 = await lock.acquireRead();
    const ac = new AbortController();
    const w = track(lock.acquireWrite({ signal: ac.signal }));
    const r2 = track(lock.acquireRead());
    await flush();
    expect(lock.waiting).toBe(2);
    ac.abort('user gave up');
    // Synchronously out of the queue, and the reader that only waited for that writer is granted.
    expect(lock.waiting).toBe(0);
    expect(lock.activeReaders).toBe(2);
    await flush();
    expect(w.state).toBe('rejected');
    expect(w.error).toBeInstanceOf(LockAbortedError);
    expect((w.error as Error).cause).toBe('user gave up');
    expect(r2.state).toBe('fulfilled');
    r1();
    r2.value!();
  });

  it('removes its abort listener on grant; an abort after the grant does nothing', async () => {
    const registry = new MapRegistry();
    const lock = new RWLock({ name: 'granted', registry });
    const ac = new AbortController();
    // Uncontended: granted at once, no listener ever added.
    const fast = await lock.acquireWrite({ signal: ac.signal });
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    // Contended: a listener while queued, gone once granted.
    const queued = track(lock.acquireWrite({ signal: ac.signal }));
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    fast();
    await flush();
    expect(queued.state).toBe('fulfilled');
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    ac.abort('too late');
    await flush();
    // Still held by the granted waiter, nothing rejected, nothing counted as abandoned.
    expect(lock.writeLocked).toBe(true);
    expect(lock.waiting).toBe(0);
    queued.value!();
    expect(lock.writeLocked).toBe(false);
    const stats = registry.collect().names.find((n) => n.name === 'granted')!.lock!;
    expect([stats.write.uncontended, stats.write.contended, stats.timeouts, stats.waiters]).toEqual([
      1, 1, 0, 0,
    ]);
  });

  it('removes the abort listener of a waiter that timed out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const lock = new RWLock();
    const ac = new AbortController();
    const w = await lock.acquireWrite();
    const timed = track(lock.acquireRead({ signal: ac.signal, timeoutMs: 5 }));
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    vi.advanceTimersByTime(5);
    await flush();
    expect(timed.error).toBeInstanceOf(LockTimeoutError);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    w();
  });

  it('a timeout leaves the queue at once (fake clock) and the timer is gone after a grant', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const lock = new RWLock();
    const w1 = await lock.acquireWrite();
    const timed = track(lock.acquireRead({ timeoutMs: 50 }));
    const patient = track(lock.acquireRead({ timeoutMs: 1000 }));
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(49);
    await flush();
    expect(timed.state).toBe('pending');
    vi.advanceTimersByTime(1);
    expect(lock.waiting).toBe(1);
    await flush();
    expect(timed.state).toBe('rejected');
    expect(timed.error).toBeInstanceOf(LockTimeoutError);
    expect((timed.error as LockTimeoutError).timeoutMs).toBe(50);
    w1();
    await flush();
    expect(patient.state).toBe('fulfilled');
    // Granted: its timer was cleared, so nothing is left to fire.
    expect(vi.getTimerCount()).toBe(0);
    patient.value!();
  });

  it('uncontended acquisitions with a timeout set no timer; timeoutMs 0 means "only if free now"', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const lock = new RWLock();
    const w = await lock.acquireWrite({ timeoutMs: 100 });
    expect(vi.getTimerCount()).toBe(0);
    await expect(lock.acquireRead({ timeoutMs: 0 })).rejects.toBeInstanceOf(LockTimeoutError);
    expect(lock.waiting).toBe(0);
    w();
    const r = await lock.acquireRead({ timeoutMs: 0 });
    r();
  });

  it('tryAcquire* never waits and never overtakes a waiter', async () => {
    const lock = new RWLock();
    const r = lock.tryAcquireRead()!;
    expect(r).toBeTypeOf('function');
    expect(lock.tryAcquireWrite()).toBeUndefined();
    const w = track(lock.acquireWrite());
    expect(lock.tryAcquireRead()).toBeUndefined();
    r();
    await flush();
    expect(w.state).toBe('fulfilled');
    w.value!();
    const w2 = lock.tryAcquireWrite()!;
    w2();
  });

  it('validates options with clear errors', () => {
    const lock = new RWLock();
    expect(() => lock.acquireRead({ timeoutMs: -1 })).toThrow(RangeError);
    expect(() => lock.acquireRead({ timeoutMs: Number.NaN })).toThrow(RangeError);
    expect(() => lock.acquireRead({ timeoutMs: 2 ** 40 })).toThrow(/timer limit/);
    expect(() => lock.acquireRead({ timeoutMs: '5' as unknown as number })).toThrow(TypeError);
    expect(() => lock.acquireWrite({ signal: {} as AbortSignal })).toThrow(/AbortSignal/);
    expect(() => lock.acquireWrite(null as unknown as object)).toThrow(TypeError);
    expect(() => new RWLock({ registry: new MapRegistry() })).toThrow(/no name/);
    expect(() => new RWLock({ name: '' })).toThrow(RangeError);
    expect(lock.activeReaders).toBe(0);
  });

  it('recognises signals by class or by full shape (including removeEventListener)', () => {
    const target = new EventTarget();
    expect(isAbortSignal(new AbortController().signal)).toBe(true);
    const shaped = {
      aborted: false,
      addEventListener: target.addEventListener.bind(target),
      removeEventListener: target.removeEventListener.bind(target),
    };
    expect(isAbortSignal(shaped)).toBe(true);
    // Without removeEventListener it would fail later, when a wait ends; refused at the boundary instead.
    const partial = { aborted: false, addEventListener: shaped.addEventListener };
    expect(isAbortSignal(partial)).toBe(false);
    expect(() => new RWLock().acquireRead({ signal: partial as unknown as AbortSignal })).toThrow(
      /AbortSignal/,
    );
    for (const bad of [null, undefined, {}, 'signal', { aborted: 'no' }])
      expect(isAbortSignal(bad)).toBe(false);
  });

  it('is not re-entrant: a holder asking again queues behind itself; a timeout turns the hang into an error', async () => {
    const lock = new RWLock();
    const result = lock.withWrite(async () => {
      // Same task, same lock: without timeoutMs this would wait forever.
      await lock.withRead(() => 'never', { timeoutMs: 1 });
    });
    await expect(result).rejects.toBeInstanceOf(LockTimeoutError);
    expect(lock.writeLocked).toBe(false);
    expect(lock.waiting).toBe(0);
  });

  it('accepts Infinity as "no timeout"', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const lock = new RWLock();
    const w = await lock.acquireWrite();
    const r = track(lock.acquireRead({ timeoutMs: Infinity }));
    expect(vi.getTimerCount()).toBe(0);
    w();
    await flush();
    expect(r.state).toBe('fulfilled');
  });
});

describe('RWLock stats (named lock)', () => {
  it('counts uncontended and contended grants, waiters, timeouts and waits', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const registry = new MapRegistry();
    const lock = new RWLock({ name: 'orders', registry });
    const stats = () => registry.collect().names.find((n) => n.name === 'orders')!.lock!;

    const r1 = await lock.acquireRead();
    const r2 = await lock.acquireRead();
    const w = track(lock.acquireWrite());
    const late = track(lock.acquireRead({ timeoutMs: 10 }));
    const aborted = new AbortController();
    const gaveUp = track(lock.acquireRead({ signal: aborted.signal }));
    expect(stats().waiters).toBe(3);
    vi.advanceTimersByTime(10);
    aborted.abort();
    expect(stats().waiters).toBe(1);
    await lock.acquireRead({ signal: AbortSignal.abort() }).catch(() => undefined);
    r1();
    r2();
    await flush();
    expect(w.state).toBe('fulfilled');
    expect(stats().waiters).toBe(0);
    w.value!();
    await flush();
    expect([late.state, gaveUp.state]).toEqual(['rejected', 'rejected']);

    const s = stats();
    expect(s.read.uncontended).toBe(2);
    expect(s.read.contended).toBe(0);
    expect(s.write.uncontended).toBe(0);
    expect(s.write.contended).toBe(1);
    // One timeout, one abort while queued, one already-aborted call: three abandoned acquisitions.
    expect(s.timeouts).toBe(3);
    // The histogram holds exactly the contended grants.
    expect(s.write.waitCount).toBe(1);
    expect(s.write.waitBuckets.reduce((a, b) => a + b, 0)).toBe(1);
    expect(s.read.waitCount).toBe(0);
    expect(s.write.waitSeconds).toBeGreaterThanOrEqual(0);
    expect(s.read.holdSeconds).toBeGreaterThanOrEqual(0);
  });

  it('an unnamed lock reports nothing to any registry', async () => {
    const registry = new MapRegistry();
    const lock = new RWLock();
    await lock.withWrite(() => undefined);
    expect(registry.collect().names).toEqual([]);
    expect(lock.name).toBeUndefined();
  });

  it('joins the series of a map with the same name', async () => {
    const registry = new MapRegistry();
    const a = new RWLock({ name: 'shared', registry });
    const b = new RWLock({ name: 'shared', registry });
    const release: Release = await a.acquireWrite();
    release();
    await b.withRead(() => undefined);
    const snap = registry.collect().names.find((n) => n.name === 'shared')!;
    expect(snap.lock!.write.uncontended).toBe(1);
    expect(snap.lock!.read.uncontended).toBe(1);
    expect(snap.instances).toBe(0);
  });
});
