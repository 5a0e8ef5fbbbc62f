/** Options shared by every mapwatch map. */
import { validateDeclaredBounds, type DeclaredBounds, type MapRegistry } from '../registry.js';

export interface MapOptions {
  /** The series name (`map_name` label). Bounded and chosen by you: never derive it from request data. */
  name: string;
  /** Registry to report to; default `defaultRegistry`. */
  registry?: MapRegistry;
  /**
   * Declared bound: the most entries this map may hold (a positive integer). A declaration, not a limit:
   * a plain map does not enforce it. Exported as `mapwatch_map_declared_max_entries`, it tells the leak
   * detector and the alerts that growth toward it is a cache filling up, not a leak.
   */
  maxEntries?: number;
  /**
   * Declared bound: the longest an entry stays, in milliseconds (> 0; Infinity: no TTL). A declaration on
   * plain maps; a LoadingMap also expires entries after it. Exported as
   * `mapwatch_map_declared_ttl_seconds`.
   */
  ttlMs?: number;
}

/**
 * The declared bounds of a map's options, validated: a bad `maxEntries` or `ttlMs` throws with what to
 * pass instead. Called before the map registers, so a bad call leaves nothing behind.
 */
export function declaredBounds(options: MapOptions, what: string): DeclaredBounds {
  validateDeclaredBounds(options, what);
  return { maxEntries: options.maxEntries, ttlMs: options.ttlMs };
}

/** Rejects a missing or non-object options argument with a message that shows the fix. */
export function requireOptions<T extends object>(options: T | undefined, what: string): T {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`mapwatch: ${what} needs an options object with a name, e.g. { name: 'sessions' }`);
  }
  return options;
}

/**
 * The options of a constructor that takes `(options)` only (ShardedMap, LoadingMap): refuses entries in
 * their place, which would otherwise be read as options without a name.
 */
export function optionsOnly<T extends object>(options: T | undefined, what: string): T {
  const checked = requireOptions(options, what);
  if (typeof (checked as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function') {
    throw new TypeError(
      `mapwatch: ${what} takes options only, not initial entries: make it with { name } and add entries with set()`,
    );
  }
  return checked;
}

/**
 * The options of a constructor that takes `(options)` or `(entries, options)`: the first argument when it
 * is a non-iterable object and no second is given, else the second. Throws when they are missing.
 */
export function mapOptions<O extends object>(
  entriesOrOptions: unknown,
  maybeOptions: O | undefined,
  what: string,
): O {
  if (maybeOptions === undefined && typeof entriesOrOptions === 'object' && entriesOrOptions !== null) {
    const method = (entriesOrOptions as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    if (typeof method !== 'function') return entriesOrOptions as O;
  }
  return requireOptions(maybeOptions, what);
}

/**
 * The entries argument of the same call: undefined when there are none (options first, null, undefined).
 * Without a second argument the first is the options (mapOptions threw otherwise).
 */
export function mapSource(entriesOrOptions: unknown, maybeOptions: unknown): unknown {
  return maybeOptions === undefined ? undefined : (entriesOrOptions ?? undefined);
}

/** The iterator method of `source`, read once (as GetIterator reads it); throws when it is not callable. */
export function iteratorMethod(source: unknown, what: string): () => Iterator<unknown> {
  const method = (Object(source) as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (typeof method !== 'function') {
    throw new TypeError(`mapwatch: ${what}: entries must be iterable, like new Map(entries)`);
  }
  return method as () => Iterator<unknown>;
}

/**
 * The Map constructor's AddEntriesFromIterable (ECMA-262 24.1.1.2), step by step: get the iterator, then
 * for each entry read one entry, require an object, `Get(entry, "0")`, `Get(entry, "1")` (so array-likes
 * work), call `adder` on `target`; on any abrupt completion close the iterator (call its `return()`,
 * whose own failure is ignored) and rethrow. Never reads ahead: an endless iterator is read as far as the
 * first failure. `adder` and `method` are looked up by the caller before it registers the map, so a call
 * with a non-callable `set` or a non-iterable leaves nothing behind.
 */
export function addEntriesFromIterable(
  target: object,
  source: unknown,
  method: () => Iterator<unknown>,
  adder: (key: unknown, value: unknown) => unknown,
  what: string,
): void {
  const iterator = method.call(source);
  if (Object(iterator) !== iterator) {
    throw new TypeError(`mapwatch: ${what}: the entries' iterator is not an object`);
  }
  const next = iterator.next;
  for (;;) {
    const result = next.call(iterator);
    if (Object(result) !== result) {
      throw new TypeError(`mapwatch: ${what}: iterator result ${describe(result)} is not an object`);
    }
    if (result.done) return;
    const entry = result.value;
    try {
      if (Object(entry) !== entry) {
        // As new Map(): every entry must be an object ('ab' is not the entry ['a', 'b']).
        throw new TypeError(`mapwatch: ${what}: iterator value ${describe(entry)} is not an entry object`);
      }
      const e = entry as { 0: unknown; 1: unknown };
      adder.call(target, e[0], e[1]);
    } catch (error) {
      closeIterator(iterator);
      throw error;
    }
  }
}

/** IteratorClose for a throw completion: call `return()` if present; the original error wins. */
function closeIterator(iterator: Iterator<unknown>): void {
  try {
    const close = iterator.return;
    if (close != null) close.call(iterator);
  } catch {
    // the error that caused the close is the one to report
  }
}

/**
 * The two constructor shapes every entry-taking map offers, `(options)` and `(entries, options)`, for
 * maps that add entries with a loop of their own (`for (const [k, v] of entries)`). The options and
 * the iterability of the entries are checked at once, before the map registers; the entries are read
 * lazily, one at a time, with the Map constructor's steps (see addEntriesFromIterable): `Get(entry, "0")`
 * and `Get(entry, "1")`, a non-object entry refused, and the source iterator closed when the loop stops
 * early (its body threw) or an entry is refused.
 */
export function splitMapArgs<K, V, O extends MapOptions>(
  entriesOrOptions: Iterable<readonly [K, V]> | O | null | undefined,
  maybeOptions: O | undefined,
  what: string,
): { entries: Iterable<readonly [K, V]>; options: O } {
  const options = mapOptions(entriesOrOptions, maybeOptions, what);
  const source = mapSource(entriesOrOptions, maybeOptions);
  if (source === undefined) return { entries: [], options };
  const method = iteratorMethod(source, what);
  return { entries: lazyEntries<K, V>(source, method, what), options };
}

function lazyEntries<K, V>(
  source: unknown,
  method: () => Iterator<unknown>,
  what: string,
): Iterable<readonly [K, V]> {
  return {
    [Symbol.iterator](): Iterator<readonly [K, V]> {
      const iterator = method.call(source);
      if (Object(iterator) !== iterator) {
        throw new TypeError(`mapwatch: ${what}: the entries' iterator is not an object`);
      }
      const next = iterator.next;
      return {
        next(): IteratorResult<readonly [K, V]> {
          const result = next.call(iterator);
          if (Object(result) !== result) {
            throw new TypeError(`mapwatch: ${what}: iterator result ${describe(result)} is not an object`);
          }
          if (result.done) return { done: true, value: undefined };
          const entry = result.value;
          try {
            if (Object(entry) !== entry) {
              throw new TypeError(
                `mapwatch: ${what}: iterator value ${describe(entry)} is not an entry object`,
              );
            }
            const e = entry as { 0: K; 1: V };
            return { done: false, value: [e[0], e[1]] };
          } catch (error) {
            closeIterator(iterator);
            throw error;
          }
        },
        // The consumer's loop stopped early (its body threw, or it broke out): close the source.
        return(): IteratorResult<readonly [K, V]> {
          closeIterator(iterator);
          return { done: true, value: undefined };
        },
      };
    },
  };
}

function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    return typeof value;
  }
}
