/**
 * The per-acquisition options of the locks (`{ signal, timeoutMs }`) and their one validation, shared by
 * RWLock and by callers that take several locks with one options object (ShardedMap).
 */
import { MAX_TIMER_MS } from '../timer-bounds.js';
import { isAbortSignal } from './abort.js';

export interface AcquireOptions {
  /** Abandons the wait when aborted; the acquisition rejects with LockAbortedError. */
  signal?: AbortSignal;
  /**
   * Longest wait in milliseconds before rejecting with LockTimeoutError. 0 means "only if free now";
   * Infinity or omitted means no limit.
   */
  timeoutMs?: number;
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

/**
 * The error of a section call given no function, to raise before any lock is taken: otherwise it would
 * fail only once the hold was granted (after a wait, under contention), with a TypeError naming nothing.
 */
export function sectionFnError(fn: unknown, call: string): TypeError {
  return new TypeError(`mapwatch: ${call} needs a function, got ${fn === null ? 'null' : typeof fn}`);
}
