/**
 * Synchronous operations under an RWLock hold. When the lock is free and nobody waits, the hold is taken
 * and given back within one synchronous step (no other task can observe the difference) and the result is
 * returned as a resolved promise: no queue node, no extra `await` inside. Otherwise the operation queues
 * like any acquisition, FIFO with everyone else. With options (signal/timeout) it always goes through the
 * normal acquisition, which checks them.
 *
 * Either way the hold ends as soon as `op` returns, even when its result is a promise (a map may store
 * promises as values): the caller's promise adopts it, but the lock never waits for it to settle.
 */
import type { LockMode } from '../conventions.js';
import { enterNow, exitNow, NOT_FREE, type AcquireOptions, type RWLock } from './rwlock.js';

export function readNow<T>(lock: RWLock, op: () => T, options: AcquireOptions | undefined): Promise<T> {
  if (options === undefined) {
    const token = lock[enterNow]('read');
    if (token !== NOT_FREE) return settleNow(lock, 'read', token, op);
  }
  return queued(lock, 'read', op, options);
}

export function writeNow<T>(lock: RWLock, op: () => T, options: AcquireOptions | undefined): Promise<T> {
  if (options === undefined) {
    const token = lock[enterNow]('write');
    if (token !== NOT_FREE) return settleNow(lock, 'write', token, op);
  }
  return queued(lock, 'write', op, options);
}

function settleNow<T>(lock: RWLock, mode: LockMode, token: number, op: () => T): Promise<T> {
  try {
    return Promise.resolve(op());
  } catch (error) {
    // Same contract as withRead/withWrite: a throw becomes a rejection, never a synchronous exception.
    return Promise.reject(error);
  } finally {
    lock[exitNow](mode, token);
  }
}

/**
 * The queued path. Async, so a bad option becomes a rejection; `finally` releases when `op` returns,
 * before the async function adopts the returned value.
 */
async function queued<T>(
  lock: RWLock,
  mode: LockMode,
  op: () => T,
  options: AcquireOptions | undefined,
): Promise<T> {
  const release = await (mode === 'read' ? lock.acquireRead(options) : lock.acquireWrite(options));
  try {
    return op();
  } finally {
    release();
  }
}
