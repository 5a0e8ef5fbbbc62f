/**
 * Typed errors of the async locks. Callers branch on the class (`err instanceof LockTimeoutError`), never
 * on the message, so every failure of an acquisition has its own subclass of `LockError`.
 */

/** Base class of every error an RWLock raises about its own use. */
export class LockError extends Error {
  /** The lock's name, when it has one (it appears in the message too). */
  readonly lockName: string | undefined;

  constructor(message: string, lockName: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LockError';
    this.lockName = lockName;
  }
}

/** A queued acquisition waited longer than its `timeoutMs`; it left the queue without the lock. */
export class LockTimeoutError extends LockError {
  readonly timeoutMs: number;

  constructor(lockName: string | undefined, mode: 'read' | 'write', timeoutMs: number) {
    super(`mapwatch: ${mode} lock${describe(lockName)} not acquired within ${timeoutMs} ms`, lockName);
    this.name = 'LockTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The acquisition's AbortSignal fired (or had fired before the call). The signal's `reason` is the
 * `cause`, so code that checks `err.cause` sees exactly what the caller aborted with.
 */
export class LockAbortedError extends LockError {
  constructor(lockName: string | undefined, mode: 'read' | 'write', reason: unknown) {
    super(`mapwatch: ${mode} lock${describe(lockName)} acquisition aborted`, lockName, { cause: reason });
    this.name = 'LockAbortedError';
  }
}

/** A release function was called a second time: a bug that would otherwise free someone else's hold. */
export class LockReleaseError extends LockError {
  constructor(lockName: string | undefined, mode: 'read' | 'write') {
    super(
      `mapwatch: ${mode} lock${describe(lockName)} released twice; each acquisition's release function may be called once`,
      lockName,
    );
    this.name = 'LockReleaseError';
  }
}

function describe(name: string | undefined): string {
  return name === undefined ? '' : ` '${name}'`;
}
