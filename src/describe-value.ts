/**
 * A value a caller passed, in words for an error message, without running any of its code.
 *
 * `String(value)` calls an object's `toString` or `Symbol.toPrimitive`, which may throw (an object without
 * a prototype, a revoked Proxy, a throwing getter): the user then got "Cannot convert object to primitive
 * value", or their own error, instead of the message saying what to pass. Primitives read as `String()`
 * prints them (so messages stay as they were for the common mistakes); objects and functions are named by
 * kind only.
 */
const MAX_CHARS = 100;

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'function':
      return 'a function';
    case 'string':
      return value.length > MAX_CHARS ? `${value.slice(0, MAX_CHARS)}…` : value;
    case 'symbol':
      return value.toString();
    default:
      // number, bigint, boolean, undefined: String() of these runs no user code and never throws.
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects returned above
      return String(value);
  }
}

/**
 * The options argument of a call whose options are all optional: `{}` when left out, the object itself,
 * or a TypeError naming the call (`null` read its first option and failed with "Cannot read properties
 * of null").
 */
export function optionalOptions<T extends object>(value: T | undefined, what: string): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`mapwatch: ${what} takes an options object or nothing, got ${describeValue(value)}`);
  }
  return value;
}
