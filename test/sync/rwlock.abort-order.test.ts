/**
 * Aborts as a host's request code makes them (found by a bug hunt from outside): one signal shared by
 * several queued acquisitions, a cleanup listener that releases a hold on abort, a signal-like object
 * that cannot listen, and ShardedMap's own signal over all its shards. A waiter whose signal aborted is
 * never granted, a refused acquisition leaves nothing queued, and the host sees no leak warning.
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '../../src/maps/sharded-map.js';
import { MapRegistry } from '../../src/registry.js';
import { LockAbortedError } from '../../src/sync/errors.js';
import { RWLock } from '../../src/sync/rwlock.js';

/** What an acquisition came to: 'granted' (released at once) or the rejection's class name. */
const outcome = (p: Promise<() => void>): Promise<string> =>
  p.then(
    (release) => {
      release();
      return 'granted';
    },
    (error: unknown) => (error instanceof LockAbortedError ? 'LockAbortedError' : String(error)),
  );

/** Acquisitions of the lock `name` that were abandoned (timeout or abort), and those granted after a wait. */
const counts = (registry: MapRegistry, name: string): { abandoned: number; contended: number } => {
  const lock = registry.collect().names.find((n) => n.name === name)!.lock!;
  return { abandoned: lock.timeouts, contended: lock.read.contended + lock.write.contended };
};

describe('a queued waiter whose signal aborted', () => {
  it('is not granted when the lock frees for an earlier waiter of the same signal', async () => {
    const registry = new MapRegistry();
    const lock = new RWLock({ name: 'shared-signal', registry });
    const holder = await lock.acquireRead();
    const request = new AbortController();
    const writer = outcome(lock.acquireWrite({ signal: request.signal }));
    const reader = outcome(lock.acquireRead({ signal: request.signal }));
    request.abort();
    expect([await writer, await reader]).toEqual(['LockAbortedError', 'LockAbortedError']);
    expect(lock.waiting).toBe(0);
    expect(counts(registry, 'shared-signal')).toEqual({ abandoned: 2, contended: 0 });
    holder();
    expect(lock.activeReaders + Number(lock.writeLocked)).toBe(0);
  });

  it('is not granted when the host releases the hold on the same abort, before the lock hears of it', async () => {
    const registry = new MapRegistry();
    const lock = new RWLock({ name: 'cleanup', registry });
    const request = new AbortController();
    const release = await lock.acquireWrite();
    request.signal.addEventListener('abort', () => release()); // the host's cleanup, registered first
    const waiter = outcome(lock.acquireWrite({ signal: request.signal }));
    request.abort();
    expect(await waiter).toBe('LockAbortedError');
    expect(lock.writeLocked).toBe(false);
    expect(counts(registry, 'cleanup')).toEqual({ abandoned: 1, contended: 0 });
  });
});

describe('a signal-like object that cannot listen', () => {
  it('rejects the acquisition with its error and leaves nothing queued', async () => {
    const lock = new RWLock();
    const release = await lock.acquireWrite();
    const odd = {
      aborted: false,
      addEventListener() {
        throw new Error('addEventListener failed');
      },
      removeEventListener() {},
    };
    await expect(lock.acquireWrite({ signal: odd as unknown as AbortSignal })).rejects.toThrow(
      'addEventListener failed',
    );
    expect(lock.waiting).toBe(0);
    release();
    expect(lock.writeLocked).toBe(false);
    expect(await outcome(lock.acquireRead({ timeoutMs: 1000 }))).toBe('granted');
  });

  it('whose getters throw: a release still grants the next waiter', async () => {
    const lock = new RWLock();
    const release = await lock.acquireWrite();
    const listeners: Array<() => void> = [];
    const odd = {
      get aborted(): boolean {
        if (listeners.length > 0) throw new Error('aborted getter');
        return false;
      },
      get reason(): unknown {
        throw new Error('reason getter');
      },
      addEventListener(_: string, f: () => void) {
        listeners.push(f);
      },
      removeEventListener() {
        throw new Error('removeEventListener failed');
      },
    };
    const waiter = outcome(lock.acquireWrite({ signal: odd as unknown as AbortSignal }));
    expect(() => release()).not.toThrow();
    expect(await waiter).toBe('granted');
  });
});

describe('ShardedMap over all its shards', () => {
  it('a clear with options queued on every shard raises no listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const map = new ShardedMap<string, number>({
        name: 'sessions',
        registry: new MapRegistry(),
        shards: 64,
      });
      void map.set('a', 1);
      const snapshot = map.snapshot(); // read-holds every shard for a moment
      await Promise.all([snapshot, map.clear({ timeoutMs: 1000 })]);
      expect(map.size).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 20)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });
});
