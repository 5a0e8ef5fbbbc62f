/**
 * The synchronous sections a map runs under its lock (sections.ts; issue #17, the survivors of a mutation
 * run over src/sync): when the lock is free the operation runs inside the call and the hold ends with it;
 * otherwise it queues in FIFO order with the mode asked for; options always go through the checks; a
 * throw becomes a rejection and gives the hold back.
 */
import { describe, expect, it } from 'vitest';
import { LockAbortedError } from '../../src/sync/errors.js';
import { RWLock } from '../../src/sync/rwlock.js';
import { readNow, writeNow } from '../../src/sync/sections.js';
import { flush } from '../helpers/promises.js';

describe.each([
  ['readNow', readNow, 'read'],
  ['writeNow', writeNow, 'write'],
] as const)('%s', (_name, run, mode) => {
  it('runs the operation inside the call when the lock is free, holding it in its mode, and gives it back', async () => {
    const lock = new RWLock();
    let seen: [number, boolean] | undefined;
    const p = run(lock, () => ((seen = [lock.activeReaders, lock.writeLocked]), 'done'), undefined);
    expect(seen).toEqual(mode === 'read' ? [1, false] : [0, true]);
    expect([lock.activeReaders, lock.writeLocked]).toEqual([0, false]);
    await expect(p).resolves.toBe('done');
  });

  it('with options goes through the checks, even on a free lock', async () => {
    const lock = new RWLock();
    let ran = false;
    const op = () => (ran = true);
    await expect(run(lock, op, { signal: AbortSignal.abort('stop') })).rejects.toBeInstanceOf(
      LockAbortedError,
    );
    expect(ran).toBe(false);
    await expect(run(lock, op, { timeoutMs: 0 })).resolves.toBe(true);
    expect([lock.activeReaders, lock.writeLocked]).toEqual([0, false]);
  });

  it('queues behind a writer, then runs in its own mode, and gives the hold back', async () => {
    const lock = new RWLock();
    const w = await lock.acquireWrite();
    let seen: [number, boolean] | undefined;
    const p = run(lock, () => ((seen = [lock.activeReaders, lock.writeLocked]), 7), undefined);
    await flush();
    expect(seen).toBeUndefined();
    w();
    await expect(p).resolves.toBe(7);
    expect(seen).toEqual(mode === 'read' ? [1, false] : [0, true]);
    expect([lock.activeReaders, lock.writeLocked, lock.waiting]).toEqual([0, false, 0]);
  });

  it('turns a throw into a rejection and gives the hold back, on either path', async () => {
    const lock = new RWLock();
    const boom = new Error('boom');
    const fail = () => {
      throw boom;
    };
    await expect(run(lock, fail, undefined)).rejects.toBe(boom);
    expect([lock.activeReaders, lock.writeLocked]).toEqual([0, false]);
    const w = await lock.acquireWrite();
    const p = run(lock, fail, undefined);
    w();
    await expect(p).rejects.toBe(boom);
    expect([lock.activeReaders, lock.writeLocked]).toEqual([0, false]);
  });
});

describe('FIFO with everyone else', () => {
  it('a read section does not overtake a queued writer; a write section waits for a reader', async () => {
    const lock = new RWLock();
    const order: string[] = [];
    const r = await lock.acquireRead();
    const w = lock.acquireWrite().then((release) => {
      order.push('writer');
      release();
    });
    const read = readNow(lock, () => order.push('read section'), undefined);
    await flush();
    expect(order).toEqual([]);
    r();
    await Promise.all([w, read]);
    expect(order).toEqual(['writer', 'read section']);

    const r2 = await lock.acquireRead();
    const write = writeNow(lock, () => order.push('write section'), undefined);
    await flush();
    expect(order).toHaveLength(2);
    r2();
    await write;
    expect(order).toEqual(['writer', 'read section', 'write section']);
  });

  it('two queued read sections run together, as one run of readers', async () => {
    const lock = new RWLock();
    const w = await lock.acquireWrite();
    const readers: number[] = [];
    const a = readNow(lock, () => readers.push(lock.activeReaders), undefined);
    const b = readNow(lock, () => readers.push(lock.activeReaders), undefined);
    const rel = lock.acquireRead();
    w();
    const release = await rel;
    await Promise.all([a, b]);
    // Both sections and the reader behind them were granted together by the writer's release.
    expect(readers).toEqual([3, 2]);
    release();
  });
});
