/**
 * The key hash of ShardedMap. It must agree with Map's key equality (SameValueZero): keys a Map treats as
 * one always land in one shard. The result is an unsigned 32-bit integer; the shard is its low bits.
 *
 * - string: FNV-1a (32-bit) over the UTF-16 code units.
 * - number: an integer in the int32 range is hashed as that integer (so 0 and -0 agree); any other
 *   number by its string form (NaN is always "NaN").
 * - bigint: FNV-1a over its decimal string.
 * - boolean, undefined, null: fixed seeds.
 * - object, function, or a symbol that is not registered: a sequence number assigned on first sight and
 *   kept in a WeakMap (identity, not content; the WeakMap never keeps a key alive), then mixed like the
 *   rest: consecutive keys spread as evenly as random ones (the numbers are process-wide, shared by every
 *   map, so round-robin per map could not hold anyway). Symbols as WeakMap keys are supported from Node 20 (V8 10.8+); many
 *   `Symbol('session')` keys share one description, so hashing the description would put them all in
 *   one shard.
 * - registered symbol (`Symbol.for(key)`): cannot be a WeakMap key, and is identified by its registry key,
 *   so it is hashed as FNV-1a over that key. On a runtime without symbol WeakMap keys, every symbol falls
 *   back to this (its description): correct, only less balanced.
 * Every path ends with the MurmurHash3 32-bit finalizer so that low bits depend on all input bits.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

// Keys are objects and unregistered symbols. lib ES2022 types WeakMap keys as objects only; the cast at
// the call site is sound wherever SYMBOL_WEAK_KEYS is true.
const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

/** Whether this runtime accepts (unregistered) symbols as WeakMap keys. */
const SYMBOL_WEAK_KEYS: boolean = (() => {
  try {
    new WeakMap<object, number>().set(Symbol('probe') as unknown as object, 0);
    return true;
  } catch {
    return false;
  }
})();

export function fnv1a(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** MurmurHash3's fmix32: a bijective avalanche of 32 bits. */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hashKey(key: unknown): number {
  switch (typeof key) {
    case 'string':
      return mix32(fnv1a(key));
    case 'number':
      return mix32((key | 0) === key ? key : fnv1a(String(key)));
    case 'bigint':
      return mix32(fnv1a(key.toString()));
    case 'boolean':
      return mix32(key ? 0x9e3779b9 : 0x7f4a7c15);
    case 'undefined':
      return mix32(0x2545f491);
    case 'symbol': {
      const registered = Symbol.keyFor(key);
      if (registered !== undefined) return mix32(fnv1a(registered));
      if (!SYMBOL_WEAK_KEYS) return mix32(fnv1a(key.description ?? ''));
      return mix32(identity(key as unknown as object));
    }
    default:
      if (key === null) return mix32(0x6a09e667);
      return mix32(identity(key as object));
  }
}

function identity(key: object): number {
  let id = objectIds.get(key);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(key, id);
  }
  return id;
}
