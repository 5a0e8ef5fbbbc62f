/**
 * The uncontended paths of RWLock: the double-release guard of every kind of hold, what a `tryAcquire*`
 * hold keeps out, and the synchronous `withRead`/`withWrite` fast path (when `fn` runs, when the hold
 * ends, how failures come back).
 */
import { describe, expect, it } from 'vitest';
import { MapRegistry } from '../../src/registry.js';
import { LockReleaseError } from '../../src/sync/errors.js';
import { RWLock, type Release } from '../../src/sync/rwlock.js';
import { flush, track } from '../helpers/promises.js';

const kinds = [
  ['unnamed', () => new RWLock()],
  ['named', () => new RWLock({ name: 'fast', registry: new MapRegistry() })],
] as const;

describe.each(kinds)('a second release (%s lock)', (_kind, make) => {
  it('of a read hold throws and leaves the other reader holding, the writer still out', async () => {
    const lock = make();
    const r1 = await lock.acquireRead();
    const r2 = await lock.acquireRead();
    const w = track(lock.acquireWrite());
    r1();
    expect(() => r1()).toThrow(LockReleaseError);
    expect(lock.activeReaders).toBe(1);
    await flush();
    expect(w.state).toBe('pending');
    r2();
    await flush();
    expect(w.state).toBe('fulfilled');
    w.value!();
  });

  it('of a write hold throws and leaves the next writer holding, readers still out', async () => {
    const lock = make();
    const w1 = await lock.acquireWrite();
    w1();
    const w2 = await lock.acquireWrite();
    const r = track(lock.acquireRead());
    expect(() => w1()).toThrow(/released twice/);
    expect(lock.writeLocked).toBe(true);
    await flush();
    expect(r.state).toBe('pending');
    w2();
    await flush();
    expect(r.state).toBe('fulfilled');
    r.value!();
  });

  it('of a hold granted after a wait throws too', async () => {
    const lock = make();
    const w1 = await lock.acquireWrite();
    const queued = track(lock.acquireWrite());
    w1();
    await flush();
    const w2 = queued.value!;
    w2();
    const w3 = await lock.acquireWrite();
    expect(() => w2()).toThrow(LockReleaseError);
    expect(lock.writeLocked).toBe(true);
    w3();
    expect(lock.writeLocked).toBe(false);
  });
});

describe('tryAcquire* holds keep others out', () => {
  it('tryAcquireWrite excludes readers and writers, queued or trying, until released', async () => {
    const lock = new RWLock();
    const w = lock.tryAcquireWrite()!;
    expect(lock.writeLocked).toBe(true);
    expect(lock.tryAcquireRead()).toBeUndefined();
    expect(lock.tryAcquireWrite()).toBeUndefined();
    const r = track(lock.acquireRead());
    const w2 = track(lock.acquireWrite());
    let ran = false;
    const section = lock.withRead(() => {
      ran = true;
    });
    await flush();
    expect([r.state, w2.state, ran, lock.waiting]).toEqual(['pending', 'pending', false, 3]);
    w();
    await flush();
    // FIFO: the reader first; the writer behind it, and the section behind the writer, still wait.
    expect([r.state, w2.state, ran]).toEqual(['fulfilled', 'pending', false]);
    r.value!();
    await flush();
    expect(w2.state).toBe('fulfilled');
    w2.value!();
    await section;
    expect(ran).toBe(true);
  });

  it('tryAcquireRead excludes writers but shares with readers', async () => {
    const lock = new RWLock();
    const r = lock.tryAcquireRead()!;
    expect(lock.tryAcquireWrite()).toBeUndefined();
    const w = track(lock.acquireWrite());
    await flush();
    expect(w.state).toBe('pending');
    expect(lock.activeReaders).toBe(1);
    r();
    await flush();
    expect(w.state).toBe('fulfilled');
    w.value!();
  });
});

describe.each(kinds)('withRead/withWrite fast path (%s lock)', (_kind, make) => {
  it('runs fn synchronously when free, and releases before resolving', async () => {
    const lock = make();
    const order: string[] = [];
    const p = lock.withWrite(() => {
      order.push(`fn writeLocked=${String(lock.writeLocked)}`);
      return 7;
    });
    order.push('after call');
    expect(lock.writeLocked).toBe(false);
    await expect(p).resolves.toBe(7);
    const q = lock.withRead(() => lock.activeReaders);
    await expect(q).resolves.toBe(1);
    expect(order).toEqual(['fn writeLocked=true', 'after call']);
    expect(lock.activeReaders).toBe(0);
  });

  it('keeps the hold until a returned promise settles, and releases on rejection', async () => {
    const lock = make();
    let finish!: (v: string) => void;
    const p = lock.withWrite(() => new Promise<string>((resolve) => (finish = resolve)));
    const reader = track(lock.withRead(() => 'read'));
    await flush();
    expect([lock.writeLocked, reader.state]).toEqual([true, 'pending']);
    finish('done');
    await expect(p).resolves.toBe('done');
    await flush();
    expect(reader.value).toBe('read');
    const boom = new Error('async boom');
    await expect(lock.withRead(() => Promise.reject(boom))).rejects.toBe(boom);
    expect(lock.activeReaders).toBe(0);
  });

  it('turns a synchronous throw, even from a `then` getter, into a rejection and releases', async () => {
    const lock = make();
    const boom = new Error('sync boom');
    const thrown = lock.withWrite(() => {
      throw boom;
    });
    expect(lock.writeLocked).toBe(false);
    await expect(thrown).rejects.toBe(boom);
    const hostile = {
      get then(): never {
        throw boom;
      },
    };
    const viaGetter = lock.withRead(() => hostile);
    expect(lock.activeReaders).toBe(0);
    await expect(viaGetter).rejects.toBe(boom);
  });

  it('takes the queued path when someone waits, so it never overtakes a waiter', async () => {
    const lock = make();
    const r1: Release = await lock.acquireRead();
    const w = track(lock.acquireWrite());
    let ran = false;
    const section = lock.withRead(() => {
      ran = true;
    });
    await flush();
    expect(ran).toBe(false);
    r1();
    await flush();
    expect([w.state, ran]).toEqual(['fulfilled', false]);
    w.value!();
    await section;
    expect(ran).toBe(true);
  });
});
