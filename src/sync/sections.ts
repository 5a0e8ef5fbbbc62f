/**
 * Synchronous operations under an RWLock hold. When the lock is free and nobody waits, the hold is taken
 * and given back within one synchronous step (no other task can observe the difference) and the result is
 * returned as a resolved promise: no queue node, no extra `await` inside. Otherwise the operation queues
 * like any acquisition, FIFO with everyone else. With options (signal/timeout) it always goes through the
 * normal acquisition, which checks them.
 */
import type { AcquireOptions, RWLock } from './rwlock.js';

export function readNow<T>(lock: RWLock, op: () => T, options: AcquireOptions | undefined): Promise<T> {
  if (options === undefined) {
    const release = lock.tryAcquireRead();
    if (release !== undefined) return settleNow(op, release);
  }
  return lock.withRead(op, options);
}

export function writeNow<T>(lock: RWLock, op: () => T, options: AcquireOptions | undefined): Promise<T> {
  if (options === undefined) {
    const release = lock.tryAcquireWrite();
    if (release !== undefined) return settleNow(op, release);
  }
  return lock.withWrite(op, options);
}

function settleNow<T>(op: () => T, release: () => void): Promise<T> {
  try {
    return Promise.resolve(op());
  } catch (error) {
    // Same contract as withRead/withWrite: a throw becomes a rejection, never a synchronous exception.
    return Promise.reject(error);
  } finally {
    release();
  }
}
