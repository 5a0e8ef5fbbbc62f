/**
 * The one AbortSignal check of the package, shared by the locks and the maps that take a `signal`.
 *
 * A signal from this realm is recognised by `instanceof`. Signals from another realm (vm contexts,
 * polyfills) are accepted by shape, and the shape includes `removeEventListener`: every user of a signal
 * here adds an abort listener and removes it when the wait ends, so an object without it would fail later,
 * far from the call that passed it (or leave a promise pending). Rejecting it at the boundary is the clear
 * error. Anything that throws while being looked at is not a signal either.
 */
export function isAbortSignal(value: unknown): value is AbortSignal {
  // A Proxy can throw from `instanceof` (its getPrototypeOf trap) and from every property read: such a
  // value is not a signal, and the caller's clear TypeError beats the Proxy's own error.
  try {
    if (value instanceof AbortSignal) return true;
    const v = value as {
      aborted?: unknown;
      addEventListener?: unknown;
      removeEventListener?: unknown;
    } | null;
    return (
      typeof v === 'object' &&
      v !== null &&
      typeof v.aborted === 'boolean' &&
      typeof v.addEventListener === 'function' &&
      typeof v.removeEventListener === 'function'
    );
  } catch {
    return false;
  }
}
