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
 * The two constructor shapes every entry-taking map offers, `(options)` and `(entries, options)`, checked
 * as `new Map(entries)` checks them. Entries are validated before the map is registered, so a bad call
 * leaves nothing behind.
 */
export function splitMapArgs<K, V, O extends MapOptions>(
  entriesOrOptions: Iterable<readonly [K, V]> | O | null | undefined,
  maybeOptions: O | undefined,
  what: string,
): { entries: Array<readonly [K, V]>; options: O } {
  const optionsFirst =
    maybeOptions === undefined && entriesOrOptions != null && !isIterable(entriesOrOptions);
  const options = requireOptions(optionsFirst ? (entriesOrOptions as O) : maybeOptions, what);
  const source = optionsFirst ? null : entriesOrOptions;
  if (source == null) return { entries: [], options };
  if (!isIterable(source)) {
    throw new TypeError(`mapwatch: ${what}: entries must be iterable, like new Map(entries)`);
  }
  const entries: Array<readonly [K, V]> = [];
  for (const entry of source as Iterable<readonly [K, V]>) {
    // As new Map(): every entry must be an object ('ab' is not the entry ['a', 'b']).
    if (Object(entry) !== entry) {
      throw new TypeError(`mapwatch: ${what}: iterator value ${String(entry)} is not an entry object`);
    }
    entries.push(entry);
  }
  return { entries, options };
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}
