/**
 * RWLock: an async readers-writer lock for sections that hold shared state across `await`.
 *
 * Semantics
 * - Many readers or one writer. `acquireRead()`/`acquireWrite()` resolve to a release function; each
 *   release function works once (a second call throws LockReleaseError rather than freeing someone else's
 *   hold). `withRead(fn)`/`withWrite(fn)` release when `fn` returns or throws (or the promise it returns
 *   settles). `fn` starts as soon as the hold is granted: when the lock is free, nobody waits and no
 *   options are given, that is synchronously, inside the `withRead`/`withWrite` call (like any code
 *   before an `await`); otherwise when a release grants it, in a later continuation.
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
 * - Uncontended acquire: a counter or flag, one closure (the release function, needed to detect a double
 *   release) and one already-resolved promise: about one `await`. No queue node, no timer, and no clock
 *   read for a short hold, except a random 1 in HOLD_SAMPLE_EVERY on a named lock (see below).
 * - Uncontended `withRead`/`withWrite` without options: no release closure and no inner `await`; `fn`
 *   runs at once and the result comes back in one resolved promise, or, when `fn` returns a promise,
 *   the hold is given back when it settles.
 * - Contended: one queue node and one promise per waiter; a timer only when `timeoutMs` is given, cleared
 *   on grant; an abort listener only when a signal is given, removed on grant.
 *
 * Stats: only a named lock reports (`new RWLock({ name })`), to the registry under that name, so a map that
 * owns a lock passes its own name and registry and the lock's series join the map's. Counts are exact.
 * Times come from `performance.now()`:
 * - wait: an uncontended grant waited 0 by definition (no clock read); a contended grant's wait, and an
 *   abandoned acquisition's, are measured exactly, from enqueue to grant or departure.
 * - hold (grant to release): exact for every contended grant (its grant time is the clock read that ended
 *   its wait), and for every uncontended grant while the lock's last timed hold lasted 0.1 ms or more.
 *   Other uncontended holds are sampled: each is timed with probability 1/HOLD_SAMPLE_EVERY and then
 *   counts HOLD_SAMPLE_EVERY times. The hold total is an unbiased estimate of the true total: exact for
 *   contended and long holds, a sample for short uncontended ones (hold-sampler.ts has the rule).
 */
import type { LockMode } from '../conventions.js';
import type { MapRegistry } from '../registry.js';
import { registryOption } from '../registry-option.js';
import type { LockStats } from '../stats/lock-stats.js';
import { checkAcquireOptions, sectionFnError, type AcquireOptions } from './acquire-options.js';
import { LockAbortedError, LockReleaseError, LockTimeoutError } from './errors.js';
import { EXACT_HOLD_SECONDS, heldSeconds, holdWeight, uncontendedHold, UNTIMED } from './hold-sampler.js';

// Re-exported: the options are part of the lock's API, and ShardedMap validates them up front.
export { checkAcquireOptions, sectionFnError, type AcquireOptions };

export interface RWLockOptions {
  /** Series name (`map_name` label). Without it the lock keeps no stats at all. */
  name?: string;
  /** Registry for a named lock; default `defaultRegistry`. Requires `name`. */
  registry?: MapRegistry;
}

/** Gives the lock back. Call exactly once. */
export type Release = () => void;

/**
 * The synchronous sections of sections.ts: `lock[enterNow](mode)` takes a hold if that needs no wait and
 * returns a token (NOT_FREE if it would need one); `lock[exitNow](mode, token)` gives it back. No release
 * closure, so a map's `get` costs little more than the `await` around it; the token is a hold-sampler one.
 * Symbol-keyed and not exported from the package: only mapwatch's own maps, which always exit in the same
 * synchronous step, use them.
 */
export const enterNow: unique symbol = Symbol('mapwatch.RWLock.enterNow');
export const exitNow: unique symbol = Symbol('mapwatch.RWLock.exitNow');
/** enterNow's answer when the hold would need a wait; never a hold token (see hold-sampler.ts). */
export const NOT_FREE = -2;
/**
 * `lock[runNow](mode, fn, arg)`: the withRead/withWrite fast path for a section that hands `fn` an
 * argument which must stop working when the hold ends (a LockedMap view): `arg.close()` runs just before
 * the release. Resolves like withRead/withWrite; undefined when the hold would need a wait.
 */
export const runNow: unique symbol = Symbol('mapwatch.RWLock.runNow');

/** What a runNow section hands its callback: closed when the section ends. */
export interface SectionArg {
  close(): void;
}

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
  /** Hold-sampler mode: the last timed hold was long, so every uncontended hold is timed. */
  private exactHolds = false;
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
    this.stats = registryOption(registry, 'new RWLock()').trackLock(this, name);
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

  /**
   * Runs `fn` under a read hold and releases when it settles, whether it returns or throws. When the lock
   * is free for reading, nobody waits and no options are given, `fn` runs synchronously inside this call.
   */
  withRead<T>(fn: () => T | PromiseLike<T>, options?: AcquireOptions): Promise<T> {
    if (typeof fn !== 'function') return Promise.reject(sectionFnError(fn, 'RWLock.withRead(fn)'));
    if (options === undefined && !this.writer && this.head === null) {
      this.readers++;
      return this.runHeld('read', this.fastGrantToken('read'), fn, undefined);
    }
    return this.withQueued('read', fn, options);
  }

  /**
   * Runs `fn` under the write hold and releases when it settles, whether it returns or throws. When the
   * lock is free, nobody waits and no options are given, `fn` runs synchronously inside this call.
   */
  withWrite<T>(fn: () => T | PromiseLike<T>, options?: AcquireOptions): Promise<T> {
    if (typeof fn !== 'function') return Promise.reject(sectionFnError(fn, 'RWLock.withWrite(fn)'));
    if (options === undefined && !this.writer && this.readers === 0 && this.head === null) {
      this.writer = true;
      return this.runHeld('write', this.fastGrantToken('write'), fn, undefined);
    }
    return this.withQueued('write', fn, options);
  }

  /** Takes a hold now if that needs no wait; returns the token for exitNow, or NOT_FREE. */
  [enterNow](mode: LockMode): number {
    if (mode === 'read') {
      if (this.writer || this.head !== null) return NOT_FREE;
      this.readers++;
    } else {
      if (this.writer || this.readers !== 0 || this.head !== null) return NOT_FREE;
      this.writer = true;
    }
    return this.fastGrantToken(mode);
  }

  /** Gives back a hold taken by enterNow, in the same synchronous step. */
  [exitNow](mode: LockMode, token: number): void {
    this.endHold(mode, token);
  }

  [runNow]<A extends SectionArg, T>(
    mode: LockMode,
    fn: (arg: A) => T | PromiseLike<T>,
    arg: A,
  ): Promise<T> | undefined {
    const token = this[enterNow](mode);
    return token === NOT_FREE ? undefined : this.runHeld(mode, token, fn, arg);
  }

  /** withRead/withWrite through a normal acquisition (options to check, or a wait). */
  private async withQueued<T>(
    mode: LockMode,
    fn: () => T | PromiseLike<T>,
    options: AcquireOptions | undefined,
  ): Promise<T> {
    const release = await this.acquire(mode, options);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * Runs `fn` under a hold the caller has just taken on the fast path (readers/writer already updated,
   * `token` from fastGrantToken) and gives it back when `fn` returns, throws or its promise settles. No
   * release closure is made: nothing outside can release this hold twice. `fn` gets `arg` when there is
   * one, and is called with no argument otherwise (as withRead/withWrite always did).
   */
  private runHeld<A extends SectionArg | undefined, T>(
    mode: LockMode,
    token: number,
    fn: (arg: A) => T | PromiseLike<T>,
    arg: A,
  ): Promise<T> {
    let result: T | PromiseLike<T>;
    let pending: boolean;
    try {
      result = arg === undefined ? (fn as () => T | PromiseLike<T>)() : fn(arg);
      // Inside the try: a `then` getter that throws is the callback's failure, and must not leak the hold.
      pending = isThenable(result);
    } catch (error) {
      this.endSection(mode, token, arg);
      return Promise.reject(error);
    }
    if (pending) return this.endSectionOnSettle(mode, token, arg, result as PromiseLike<T>);
    this.endSection(mode, token, arg);
    return Promise.resolve(result);
  }

  private async endSectionOnSettle<T>(
    mode: LockMode,
    token: number,
    arg: SectionArg | undefined,
    pending: PromiseLike<T>,
  ): Promise<T> {
    try {
      return await pending;
    } finally {
      this.endSection(mode, token, arg);
    }
  }

  /** Closes the section's argument, then gives the hold back, whatever `close` does. */
  private endSection(mode: LockMode, token: number, arg: SectionArg | undefined): void {
    try {
      if (arg !== undefined) arg.close();
    } finally {
      this.endHold(mode, token);
    }
  }

  /** Counts an uncontended grant and decides whether its hold is timed (its hold-sampler token). */
  private fastGrantToken(mode: LockMode): number {
    const stats = this.stats;
    if (stats === undefined) return UNTIMED;
    stats.recordAcquire(mode, false, 0);
    return uncontendedHold(this.exactHolds);
  }

  private endHold(mode: LockMode, token: number): void {
    if (token !== UNTIMED) this.recordHold(mode, token);
    if (mode === 'read') this.releaseRead();
    else this.releaseWrite();
  }

  /** Records a timed hold ending now, weighted, and sets the lock's sampling mode from its length. */
  private recordHold(mode: LockMode, token: number): void {
    const seconds = heldSeconds(token);
    this.exactHolds = seconds >= EXACT_HOLD_SECONDS;
    this.stats!.recordHold(mode, seconds * holdWeight(token));
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
        return Promise.reject(new LockAbortedError(this.name, mode, reasonOf(signal)));
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
    return this.releaser(mode, this.fastGrantToken(mode));
  }

  /**
   * The release function of one hold: the once-only guard, and the hold recorded when its token says it
   * is timed. One shape for every hold keeps the caller's `release()` call site monomorphic.
   */
  private releaser(mode: LockMode, token: number): Release {
    let released = false;
    return () => {
      if (released) throw new LockReleaseError(this.name, mode);
      released = true;
      this.endHold(mode, token);
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

  /**
   * Grants from the head of the queue while the head is compatible with the holders. A waiter whose
   * signal has aborted is never granted: abort listeners run one after another, so an earlier one (the
   * lock's own, for another waiter of the same signal, or the host's, releasing on abort) may free the
   * lock before this waiter's listener has run. It leaves as its listener would have made it leave.
   */
  private dispatch(): void {
    let w = this.head;
    while (w !== null) {
      if (w.signal !== undefined && hasAborted(w.signal)) {
        this.leave(w, new LockAbortedError(this.name, w.mode, reasonOf(w.signal)));
        w = this.head;
        continue;
      }
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
        const onAbort = (): void => this.abandon(w, new LockAbortedError(this.name, mode, reasonOf(signal)));
        try {
          signal.addEventListener('abort', onAbort, { once: true });
        } catch (error) {
          // A signal-like object that cannot listen: the caller gets its error, and nothing stays queued
          // (a ghost waiter would later be granted the hold and keep it for ever).
          this.leave(w, error);
          return;
        }
        w.onAbort = onAbort;
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
      const onAbort = w.onAbort;
      w.onAbort = undefined;
      try {
        w.signal!.removeEventListener('abort', onAbort);
      } catch {
        // A signal-like object that throws here: its listener is once-only and checks `queued` anyway.
      }
    }
    w.signal = undefined;
  }

  /** Hands the (already reserved) hold to a waiter. The caller has updated readers/writer. */
  private grant(w: Waiter): void {
    this.unlink(w);
    const stats = this.stats;
    if (stats === undefined) {
      w.resolve(this.releaser(w.mode, UNTIMED));
      return;
    }
    // One clock read ends the wait and starts the hold (a weight-1 token): both exact.
    const now = performance.now();
    stats.recordAcquire(w.mode, true, (now - w.enqueuedAt) / 1000);
    w.resolve(this.releaser(w.mode, now));
  }

  /** Timeout or abort: the waiter leaves now; those behind it may have been blocked only by it. */
  private abandon(w: Waiter, error: Error): void {
    if (!w.queued) return;
    this.leave(w, error);
    if (this.head !== null) this.dispatch();
  }

  /** A waiter leaves the queue ungranted, rejected with `error` (counted as an abandoned acquisition). */
  private leave(w: Waiter, error: unknown): void {
    this.unlink(w);
    this.stats?.recordAbandoned(w.mode, (performance.now() - w.enqueuedAt) / 1000);
    w.reject(error);
  }
}

/** `signal.aborted`, false when a signal-like object's getter throws (it runs in release paths). */
function hasAborted(signal: AbortSignal): boolean {
  try {
    return signal.aborted;
  } catch {
    return false;
  }
}

/** `signal.reason`, or undefined when a signal-like object's getter throws. */
function reasonOf(signal: AbortSignal): unknown {
  try {
    return signal.reason as unknown;
  } catch {
    return undefined;
  }
}

/** Whether `await value` would wait on it: a thenable. Reads `then` once; may throw (a hostile getter). */
function isThenable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
