/**
 * One load in flight for a LoadingMap key: the promise every caller without a signal shares, and the
 * callers with a signal, each released at once when its signal aborts (so 100k aborted callers keep
 * nothing alive while the load runs on).
 */
export type Outcome<V> = { ok: true; value: V } | { ok: false; error: unknown };

/** A caller that passed a signal: settled by the flight, or removed from it at once by its abort. */
interface Waiter<V> {
  readonly resolve: (value: V) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

export class Flight<V> {
  readonly promise: Promise<V>;
  /** Set by an explicit write of the key meanwhile, or by a timeout: the result is not stored. */
  stale = false;
  /** True once the load finished (settled or timed out): later outcomes of the loader are ignored. */
  done = false;
  /** Callers with a signal. Callers without one share `promise` and cost nothing here. */
  readonly waiters = new Set<Waiter<V>>();
  private resolveAll!: (value: V) => void;
  private rejectAll!: (error: unknown) => void;

  constructor() {
    this.promise = new Promise<V>((resolve, reject) => {
      this.resolveAll = resolve;
      this.rejectAll = reject;
    });
    // If nobody awaits the flight (every caller passed a signal), its failure must not be unhandled.
    this.promise.catch(noop);
  }

  /** Settles every caller. Never throws. */
  settle(outcome: Outcome<V>): void {
    if (outcome.ok) this.resolveAll(outcome.value);
    else this.rejectAll(outcome.error);
    for (const w of this.waiters) {
      if (outcome.ok) w.resolve(outcome.value);
      else w.reject(outcome.error);
      removeAbortListener(w.signal, w.onAbort);
    }
    this.waiters.clear();
  }

  /** A promise for one caller with a signal; its abort rejects it and forgets it at once. */
  wait(signal: AbortSignal): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const waiter: Waiter<V> = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          if (!this.waiters.delete(waiter)) return;
          removeAbortListener(signal, waiter.onAbort);
          reject(abortReason(signal));
        },
      };
      this.waiters.add(waiter);
      try {
        signal.addEventListener('abort', waiter.onAbort, { once: true });
        // The loader runs before this (it may abort the caller's signal synchronously).
        if (signal.aborted) waiter.onAbort();
      } catch (error) {
        this.waiters.delete(waiter);
        reject(error);
      }
    });
  }
}

const noop = () => undefined;

function removeAbortListener(signal: AbortSignal, listener: () => void): void {
  try {
    signal.removeEventListener('abort', listener);
  } catch {
    // A look-alike signal whose removal fails: the caller is settled all the same.
  }
}

/** The signal's reason; a look-alike whose getter throws gives that error instead. */
export function abortReason(signal: AbortSignal): unknown {
  try {
    return signal.reason;
  } catch (error) {
    return error;
  }
}
