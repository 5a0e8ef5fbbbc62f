/**
 * RWLock: an async readers-writer lock for sections that hold shared state across `await`.
 *
 * Semantics
 * - Many readers or one writer. `acquireRead()`/`acquireWrite()` resolve to a release function; each
 *   release function works once (a second call throws LockReleaseError rather than freeing someone else's
 *   hold). `withRead(fn)`/`withWrite(fn)` release when `fn` returns or throws.
 * - FIFO-fair: a request that cannot be granted at once joins one queue. Once anything waits, every later
 *   request queues behind it, readers included, so a stream of readers cannot starve a waiting writer.
 *   A release grants the head of the queue: one writer, or the whole run of consecutive readers there.
 *   Grants happen synchronously inside the release (ownership passes before any other task runs); the
 *   granted tasks resume when their promises' continuations run.
 * - `{ signal, timeoutMs }` per acquisition. A waiter whose signal aborts or whose timeout fires leaves the
 *   queue at once and rejects with LockAbortedError (the signal's reason as `cause`) or LockTimeoutError;
 *   the waiters behind it are re-examined, since a departed writer may have been all that blocked them.
 *   An already-aborted signal rejects without touching the lock; `timeoutMs: 0` means "only if free now".
 * - Not re-entrant. A hold belongs to no task (JavaScript has no cheap notion of "the current async
 *   task"), so code that holds the lock and asks for it again, directly or through a map built on it,
 *   queues behind itself and waits forever. Inside `withRead`/`withWrite` (and a map's
 *   `read`/`write`/`update`), work with what the section was given, never with the lock or the map again.
 *   A `timeoutMs` turns such a self-deadlock into a LockTimeoutError. Detection by AsyncLocalStorage was
 *   rejected on purpose: on Node 20 it turns on promise hooks for the whole process, slowing every
 *   promise of the host.
 *
 * Cost model
 * - Uncontended: a counter or flag, one closure (the release function, needed to detect a double release)
 *   and one already-resolved promise: about one `await`. No queue node, no timer, and no clock read unless
 *   the lock is named (stats on).
 * - Contended: one queue node and one promise per waiter; a timer only when `timeoutMs` is given, cleared
 *   on grant; an abort listener only when a signal is given, removed on grant.
 *
 * Stats: only a named lock reports (`new RWLock({ name })`), to the registry under that name, so a map that
 * owns a lock passes its own name and registry and the lock's series join the map's. Waits and holds are
 * measured with `performance.now()` only then.
 */
import type { LockMode } from '../conventions.js';
import { defaultRegistry, type MapRegistry } from '../registry.js';
import type { LockStats } from '../stats/lock-stats.js';
import { isAbortSignal } from './abort.js';
import { LockAbortedError, LockReleaseError, LockTimeoutError } from './errors.js';

export interface RWLockOptions {
  /** Series name (`map_name` label). Without it the lock keeps no stats at all. */
  name?: string;
  /** Registry for a named lock; default `defaultRegistry`. Requires `name`. */
  registry?: MapRegistry;
}

export interface AcquireOptions {
  /** Abandons the wait when aborted; the acquisition rejects with LockAbortedError. */
  signal?: AbortSignal;
  /**
   * Longest wait in milliseconds before rejecting with LockTimeoutError. 0 means "only if free now";
   * Infinity or omitted means no limit.
   */
  timeoutMs?: number;
}

/** Gives the lock back. Call exactly once. */
export type Release = () => void;

/** setTimeout fires at once for delays above this, so longer timeouts are refused rather than misread. */
const MAX_TIMER_MS = 2_147_483_647;

/** One queued acquisition: a node of a doubly linked list so that an abandoned waiter leaves in O(1). */
interface Waiter {
  readonly mode: LockMode;
  readonly resolve: (release: Release) => void;
  readonly reject: (error: unknown) => void;
  prev: Waiter | null;
  next: Waiter | null;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** performance.now() at enqueue, only when stats are on. */
  readonly enqueuedAt: number;
  /** False once granted or abandoned: a late timer or abort event must do nothing. */
  queued: boolean;
}

export class RWLock {
  /** The lock's name when it reports stats, otherwise undefined. */
  readonly name: string | undefined;
  private readonly stats: LockStats | undefined;
  private readers = 0;
  private writer = false;
  private head: Waiter | null = null;
  private tail: Waiter | null = null;
  private queueLength = 0;

  constructor(options: RWLockOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(
        'mapwatch: new RWLock() takes an optional options object, e.g. { name: "sessions" }',
      );
    }
    const { name, registry } = options;
    if (name === undefined) {
      if (registry !== undefined) {
        throw new TypeError('mapwatch: RWLock got a registry but no name; stats need a name to report under');
      }
      this.name = undefined;
      this.stats = undefined;
      return;
    }
    // trackLock validates the name; the registry holds this lock weakly and its stats strongly.
    this.stats = (registry ?? defaultRegistry).trackLock(this, name);
    this.name = name;
  }

  /** Readers holding the lock now. */
  get activeReaders(): number {
    return this.readers;
  }

  /** Whether a writer holds the lock now. */
  get writeLocked(): boolean {
    return this.writer;
  }

  /** Acquisitions queued now. */
  get waiting(): number {
    return this.queueLength;
  }

  acquireRead(options?: AcquireOptions): Promise<Release> {
    return this.acquire('read', options);
  }

  acquireWrite(options?: AcquireOptions): Promise<Release> {
    return this.acquire('write', options);
  }

  /** Takes a read hold now if that needs no wait (same rule as the fast path); otherwise undefined. */
  tryAcquireRead(): Release | undefined {
    if (this.writer || this.head !== null) return undefined;
    this.readers++;
    return this.grantedFast('read');
  }

  /** Takes the write hold now if the lock is free and nobody waits; otherwise undefined. */
  tryAcquireWrite(): Release | undefined {
    if (this.writer || this.readers !== 0 || this.head !== null) return undefined;
    this.writer = true;
    return this.grantedFast('write');
  }

  /** Runs `fn` under a read hold and releases when it settles, whether it returns or throws. */
  async withRead<T>(fn: () => T | PromiseLike<T>, options?: AcquireOptions): Promise<T> {
    const release = await this.acquire('read', options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Runs `fn` under the write hold and releases when it settles, whether it returns or throws. */
  async withWrite<T>(fn: () => T | PromiseLike<T>, options?: AcquireOptions): Promise<T> {
    const release = await this.acquire('write', options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private acquire(mode: LockMode, options: AcquireOptions | undefined): Promise<Release> {
    let signal: AbortSignal | undefined;
    let timeoutMs: number | undefined;
    if (options !== undefined) {
      checkAcquireOptions(options);
      signal = options.signal;
      timeoutMs = options.timeoutMs;
      if (signal !== undefined && signal.aborted) {
        // Never granted, never queued: the caller gave up before asking. Still an abandoned acquisition.
        this.stats?.recordAbandoned(mode, 0);
        return Promise.reject(new LockAbortedError(this.name, mode, signal.reason));
      }
    }
    // Fast path: free for this mode and nobody queued (so granting cannot overtake a waiter).
    if (mode === 'read') {
      if (!this.writer && this.head === null) {
        this.readers++;
        return Promise.resolve(this.grantedFast('read'));
      }
    } else if (!this.writer && this.readers === 0 && this.head === null) {
      this.writer = true;
      return Promise.resolve(this.grantedFast('write'));
    }
    if (timeoutMs === 0) {
      this.stats?.recordAbandoned(mode, 0);
      return Promise.reject(new LockTimeoutError(this.name, mode, 0));
    }
    return this.enqueue(mode, signal, timeoutMs === Infinity ? undefined : timeoutMs);
  }

  private grantedFast(mode: LockMode): Release {
    const stats = this.stats;
    if (stats === undefined) return this.releaser(mode);
    stats.recordAcquire(mode, false, 0);
    return this.timedReleaser(mode, stats);
  }

  /** The release function of an unnamed lock: no clock, just the once-only guard. */
  private releaser(mode: LockMode): Release {
    let released = false;
    if (mode === 'read') {
      return () => {
        if (released) throw new LockReleaseError(this.name, 'read');
        released = true;
        this.releaseRead();
      };
    }
    return () => {
      if (released) throw new LockReleaseError(this.name, 'write');
      released = true;
      this.releaseWrite();
    };
  }

  /** The release function of a named lock: also records the hold time. */
  private timedReleaser(mode: LockMode, stats: LockStats): Release {
    let released = false;
    const grantedAt = performance.now();
    return () => {
      if (released) throw new LockReleaseError(this.name, mode);
      released = true;
      stats.recordHold(mode, (performance.now() - grantedAt) / 1000);
      if (mode === 'read') this.releaseRead();
      else this.releaseWrite();
    };
  }

  private releaseRead(): void {
    this.readers--;
    if (this.readers === 0 && this.head !== null) this.dispatch();
  }

  private releaseWrite(): void {
    this.writer = false;
    if (this.head !== null) this.dispatch();
  }

  /** Grants from the head of the queue while the head is compatible with the holders. */
  private dispatch(): void {
    let w = this.head;
    while (w !== null) {
      if (w.mode === 'write') {
        if (this.writer || this.readers !== 0) return;
        this.writer = true;
        this.grant(w);
        return;
      }
      if (this.writer) return;
      this.readers++;
      this.grant(w);
      w = this.head;
    }
  }

  private enqueue(
    mode: LockMode,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ): Promise<Release> {
    return new Promise<Release>((resolve, reject) => {
      const stats = this.stats;
      const w: Waiter = {
        mode,
        resolve,
        reject,
        prev: this.tail,
        next: null,
        timer: undefined,
        signal,
        onAbort: undefined,
        enqueuedAt: stats === undefined ? 0 : performance.now(),
        queued: true,
      };
      if (this.tail === null) this.head = w;
      else this.tail.next = w;
      this.tail = w;
      this.queueLength++;
      if (stats !== undefined) stats.waiters = this.queueLength;
      if (timeoutMs !== undefined) {
        w.timer = setTimeout(
          () => this.abandon(w, new LockTimeoutError(this.name, mode, timeoutMs)),
          timeoutMs,
        );
      }
      if (signal !== undefined) {
        w.onAbort = () => this.abandon(w, new LockAbortedError(this.name, mode, signal.reason));
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
    });
  }

  /** Removes a queued waiter and drops its timer and abort listener. */
  private unlink(w: Waiter): void {
    w.queued = false;
    if (w.prev === null) this.head = w.next;
    else w.prev.next = w.next;
    if (w.next === null) this.tail = w.prev;
    else w.next.prev = w.prev;
    w.prev = null;
    w.next = null;
    this.queueLength--;
    if (this.stats !== undefined) this.stats.waiters = this.queueLength;
    if (w.timer !== undefined) {
      clearTimeout(w.timer);
      w.timer = undefined;
    }
    if (w.onAbort !== undefined) {
      w.signal!.removeEventListener('abort', w.onAbort);
      w.onAbort = undefined;
    }
    w.signal = undefined;
  }

  /** Hands the (already reserved) hold to a waiter. The caller has updated readers/writer. */
  private grant(w: Waiter): void {
    this.unlink(w);
    const stats = this.stats;
    if (stats === undefined) {
      w.resolve(this.releaser(w.mode));
      return;
    }
    stats.recordAcquire(w.mode, true, (performance.now() - w.enqueuedAt) / 1000);
    w.resolve(this.timedReleaser(w.mode, stats));
  }

  /** Timeout or abort: the waiter leaves now; those behind it may have been blocked only by it. */
  private abandon(w: Waiter, error: Error): void {
    if (!w.queued) return;
    this.unlink(w);
    this.stats?.recordAbandoned(w.mode, (performance.now() - w.enqueuedAt) / 1000);
    w.reject(error);
    if (this.head !== null) this.dispatch();
  }
}

/**
 * Throws a TypeError/RangeError that names the bad option; returns normally for valid options. Exported for
 * callers that take several locks with one options object (ShardedMap) and must validate it once, up front.
 */
export function checkAcquireOptions(options: AcquireOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('mapwatch: lock acquisition options must be an object like { signal, timeoutMs }');
  }
  const { signal, timeoutMs } = options;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(
      'mapwatch: lock option signal must be an AbortSignal (e.g. AbortSignal.timeout(100))',
    );
  }
  if (timeoutMs !== undefined) {
    if (typeof timeoutMs !== 'number') {
      throw new TypeError(
        `mapwatch: lock option timeoutMs must be a number of milliseconds, got ${typeof timeoutMs}`,
      );
    }
    if (Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(`mapwatch: lock option timeoutMs must be >= 0, got ${timeoutMs}`);
    }
    if (timeoutMs !== Infinity && timeoutMs > MAX_TIMER_MS) {
      throw new RangeError(
        `mapwatch: lock option timeoutMs ${timeoutMs} exceeds the timer limit ${MAX_TIMER_MS}; use Infinity for no limit`,
      );
    }
  }
}
