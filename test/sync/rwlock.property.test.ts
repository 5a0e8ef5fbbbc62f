/**
 * Random interleavings of readers, writers, releases, aborts and timeouts against the lock's contract.
 * Time is a fake clock (vi fake timers) advanced by the sequence itself, so timeouts are exact and the
 * test never sleeps. Invariants checked after every step:
 * - exclusion: never a writer together with anyone (both as observed by the holders and as the lock says);
 * - FIFO, no overtaking: when a request is granted, every earlier request has already been granted or
 *   rejected (this is the fairness bound: a writer waits at most for the holders and the requests queued
 *   before it, so a stream of later readers cannot starve it);
 * - work conservation and batching: the first pending request is always incompatible with the holders
 *   (otherwise it, and every reader right behind it, should have been granted);
 * - timeouts: nothing pending past its deadline, and no timeout before it;
 * - the queue length the lock reports equals the pending requests;
 * and at the end, once every holder releases, every request has been granted or rejected, and a named
 * lock's stats balance: uncontended + contended + timeouts equals the requests, waiters is back to 0.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MapRegistry } from '../../src/registry.js';
import { LockAbortedError, LockTimeoutError } from '../../src/sync/errors.js';
import { RWLock, type Release } from '../../src/sync/rwlock.js';

type Action =
  | { t: 'acq'; mode: 'read' | 'write'; abortable: boolean; timeoutMs: number | undefined }
  | { t: 'rel'; pick: number }
  | { t: 'abort'; pick: number }
  | { t: 'time'; ms: number };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('acq' as const),
      mode: fc.constantFrom('read' as const, 'write' as const),
      abortable: fc.boolean(),
      timeoutMs: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('rel' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('abort' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('time' as const), ms: fc.integer({ min: 1, max: 10 }) }),
  },
);

interface Req {
  readonly index: number;
  readonly mode: 'read' | 'write';
  readonly requestedAt: number;
  readonly timeoutMs: number | undefined;
  readonly controller: AbortController | undefined;
  state: 'pending' | 'held' | 'released' | 'rejected';
  release?: Release;
  error?: unknown;
  aborted: boolean;
  rejectedAt?: number;
}

async function flush(): Promise<void> {
  for (let i = 0; i < 4; i++) await Promise.resolve();
}

async function runScenario(actions: Action[], named: boolean): Promise<void> {
  const registry = new MapRegistry();
  const lock = named ? new RWLock({ name: 'prop', registry }) : new RWLock();
  const reqs: Req[] = [];
  let now = 0;
  const violations: string[] = [];

  const onGrant = (req: Req, release: Release) => {
    for (const earlier of reqs) {
      if (earlier.index >= req.index) break;
      if (earlier.state === 'pending')
        violations.push(`request ${req.index} overtook pending ${earlier.index}`);
    }
    req.state = 'held';
    req.release = release;
  };

  const check = (step: number) => {
    const held = reqs.filter((r) => r.state === 'held');
    const writers = held.filter((r) => r.mode === 'write').length;
    const readers = held.length - writers;
    expect(writers <= 1 && (writers === 0 || readers === 0), `exclusion at step ${step}`).toBe(true);
    expect(lock.writeLocked).toBe(writers === 1);
    expect(lock.activeReaders).toBe(readers);
    const pending = reqs.filter((r) => r.state === 'pending');
    expect(lock.waiting, `queue length at step ${step}`).toBe(pending.length);
    const head = pending[0];
    if (head !== undefined) {
      const blocked = head.mode === 'write' ? held.length > 0 : writers > 0;
      expect(
        blocked,
        `head ${head.index} (${head.mode}) left waiting on a compatible lock at step ${step}`,
      ).toBe(true);
    }
    for (const r of pending) {
      if (r.timeoutMs !== undefined) {
        expect(now - r.requestedAt < r.timeoutMs, `request ${r.index} pending past its timeout`).toBe(true);
      }
    }
    expect(violations).toEqual([]);
  };

  for (const [step, a] of actions.entries()) {
    switch (a.t) {
      case 'acq': {
        const controller = a.abortable ? new AbortController() : undefined;
        const req: Req = {
          index: reqs.length,
          mode: a.mode,
          requestedAt: now,
          timeoutMs: a.timeoutMs,
          controller,
          state: 'pending',
          aborted: false,
        };
        reqs.push(req);
        const opts = { signal: controller?.signal, timeoutMs: a.timeoutMs };
        const p = a.mode === 'read' ? lock.acquireRead(opts) : lock.acquireWrite(opts);
        p.then(
          (release) => onGrant(req, release),
          (error: unknown) => {
            req.state = 'rejected';
            req.error = error;
            req.rejectedAt = now;
          },
        );
        break;
      }
      case 'rel': {
        const held = reqs.filter((r) => r.state === 'held');
        const r = held[a.pick % Math.max(1, held.length)];
        if (r) {
          r.release!();
          r.state = 'released';
        }
        break;
      }
      case 'abort': {
        const candidates = reqs.filter((r) => r.state === 'pending' && r.controller && !r.aborted);
        const r = candidates[a.pick % Math.max(1, candidates.length)];
        if (r) {
          r.aborted = true;
          r.controller!.abort(`abort ${r.index}`);
        }
        break;
      }
      case 'time':
        now += a.ms;
        vi.advanceTimersByTime(a.ms);
        break;
    }
    await flush();
    check(step);
  }

  // Drain: release every holder until nothing is pending. Each round either grants or frees something.
  for (let round = 0; round < reqs.length + 2; round++) {
    const held = reqs.filter((r) => r.state === 'held');
    if (held.length === 0) break;
    for (const r of held) {
      r.release!();
      r.state = 'released';
    }
    await flush();
    check(actions.length + round);
  }
  for (const r of reqs) {
    expect(r.state === 'released' || r.state === 'rejected', `request ${r.index} never settled`).toBe(true);
    if (r.state === 'rejected') {
      if (r.error instanceof LockTimeoutError) {
        expect(r.timeoutMs).toBeDefined();
        expect(r.rejectedAt! - r.requestedAt).toBeGreaterThanOrEqual(r.timeoutMs!);
      } else {
        expect(r.error).toBeInstanceOf(LockAbortedError);
        expect(r.aborted).toBe(true);
      }
    }
  }
  expect(lock.waiting).toBe(0);
  expect(lock.writeLocked).toBe(false);
  expect(lock.activeReaders).toBe(0);
  if (named) {
    // Stats balance: every request is exactly one grant (uncontended or contended) or one abandonment.
    const stats = registry.collect().names.find((n) => n.name === 'prop')?.lock;
    const granted = reqs.filter((r) => r.state === 'released').length;
    const rejected = reqs.filter((r) => r.state === 'rejected').length;
    const s = stats ?? { read: { uncontended: 0, contended: 0 }, write: { uncontended: 0, contended: 0 } };
    const grants = s.read.uncontended + s.read.contended + s.write.uncontended + s.write.contended;
    expect(grants, 'grants counted').toBe(granted);
    expect(stats?.timeouts ?? 0, 'abandoned acquisitions counted').toBe(rejected);
    expect(grants + (stats?.timeouts ?? 0), 'every request counted once').toBe(reqs.length);
    expect(stats?.waiters ?? 0, 'waiters gauge back to 0').toBe(0);
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('RWLock under random interleavings', () => {
  it('keeps exclusion, FIFO order, work conservation and timeouts (unnamed and named)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { maxLength: 60 }), fc.boolean(), async (actions, named) => {
        vi.clearAllTimers();
        await runScenario(actions, named);
        expect(vi.getTimerCount()).toBe(0);
      }),
      { numRuns: 600 },
    );
  });

  it('a continuous stream of readers cannot starve a writer', async () => {
    const lock = new RWLock();
    const first = await lock.acquireRead();
    let writerGranted = false;
    const writer = lock.acquireWrite().then((release) => {
      writerGranted = true;
      return release;
    });
    // Readers keep arriving one per hop, each holding for one hop; without FIFO they would overlap forever.
    let readersBeforeWriter = 0;
    const readers: Promise<void>[] = [];
    for (let i = 0; i < 200 && !writerGranted; i++) {
      readers.push(
        lock.withRead(async () => {
          if (!writerGranted) readersBeforeWriter++;
          await Promise.resolve();
        }),
      );
      if (i === 10) first();
      await Promise.resolve();
    }
    const release = await writer;
    expect(writerGranted).toBe(true);
    // Only the reader that held before the writer queued ran ahead of it.
    expect(readersBeforeWriter).toBe(0);
    release();
    await Promise.all(readers);
  });
});
