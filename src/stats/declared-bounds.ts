/** Declared bounds of a map (maxEntries, ttlMs): validated at construction, in the registry's units. */
import { NO_BOUNDS, type ValidBounds } from './map-groups.js';

/** What a map declares about its bounds when it is tracked (validated by the map's constructor). */
export interface DeclaredBounds {
  /** The most entries the map may hold (a positive integer). */
  readonly maxEntries?: number | undefined;
  /** The longest an entry stays, in milliseconds (positive; Infinity or undefined: no TTL). */
  readonly ttlMs?: number | undefined;
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : String(value);
}

/**
 * The largest `maxEntries`: 2^32, far above what one Map holds (2^24 entries in V8). The bounds of a name's
 * live maps are summed as they open and close; with any safe integer allowed, a few maps declaring 2^53
 * pushed the running sum past exact arithmetic, and the rounding stayed after they closed (a lone map
 * declaring 100 was exported as 98). Under 2^32 each, two million live maps of a name still sum exactly.
 */
export const MAX_DECLARED_ENTRIES = 2 ** 32;

/**
 * Checks the declared bounds of a map's options and returns them in the registry's units. A bad value
 * is a programming error: it throws at construction with what to pass instead. `what` names the caller
 * in the message (`new InstrumentedMap()`).
 *
 * - `maxEntries`: a positive integer up to MAX_DECLARED_ENTRIES; omit it for a map with no bound.
 * - `ttlMs`: a positive number of milliseconds; omit it (or pass Infinity) for entries that never expire.
 */
export function validateDeclaredBounds(options: DeclaredBounds, what: string): ValidBounds {
  const { maxEntries, ttlMs } = options;
  if (maxEntries !== undefined) {
    if (typeof maxEntries !== 'number') {
      throw new TypeError(
        `mapwatch: ${what}: maxEntries must be a number, the most entries the map may hold (e.g. maxEntries: 10_000), got ${describeValue(maxEntries)}`,
      );
    }
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1 || maxEntries > MAX_DECLARED_ENTRIES) {
      throw new RangeError(
        `mapwatch: ${what}: maxEntries must be a positive integer up to 2^32, the most entries the map may hold (e.g. maxEntries: 10_000); omit it for a map with no bound, got ${describeValue(maxEntries)}`,
      );
    }
  }
  if (ttlMs !== undefined) {
    if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs)) {
      throw new TypeError(
        `mapwatch: ${what}: ttlMs must be a number of milliseconds, the longest an entry stays (e.g. ttlMs: 60_000), got ${describeValue(ttlMs)}`,
      );
    }
    if (ttlMs <= 0) {
      throw new RangeError(
        `mapwatch: ${what}: ttlMs must be > 0 milliseconds (e.g. ttlMs: 60_000); omit it for entries that never expire, got ${describeValue(ttlMs)}`,
      );
    }
  }
  const ttlSeconds = ttlMs === undefined || ttlMs === Infinity ? undefined : ttlMs / 1000;
  // The common case shares one object: a map made per request allocates no bounds.
  return maxEntries === undefined && ttlSeconds === undefined ? NO_BOUNDS : { maxEntries, ttlSeconds };
}
