/**
 * instrument(map, { name }): counts operations on an existing Map in place and returns the same object,
 * still `instanceof Map`, for code that cannot change the constructor call.
 *
 * It installs counting `get/has/set/delete/clear` as own, non-enumerable properties that call the
 * methods the map had before (so a subclass's overrides still run) and leaves everything else alone:
 * iteration, `size`, `forEach` and `toString` behave exactly as before. Each hook tells what happened and
 * counts it through the group's shared counting object (stats/map-counting.ts, the code InstrumentedMap
 * counts with). The closures reference that object and the map's slot, never the map, and the registry
 * holds no reference to it (see MapRegistry.openMap), so the map is collected as usual.
 *
 * Insert, delete and clear are told apart by the map's real size, read through the native
 * `Map.prototype.size` getter (the internal slot): a subclass's own `size` is never called, so one that
 * throws or lies cannot break `set` or skew the counts. Entries are counted from the instrumented calls,
 * starting from the map's real size: calls that bypass them (`Map.prototype.set.call(map, ...)`) are
 * not seen until the next call to a subclass's own set, delete or clear, which sets the count to the
 * real size.
 *
 * A subclass's own `set` or `delete` may do more than it was asked: the classic `class LRU extends Map`
 * evicts its oldest entry inside `set`, through `this.delete` (the instrumented one, so the eviction is
 * counted as a delete). Then the size alone cannot tell an insert from an update, so those calls ask the
 * map's internal slot (native `has`) whether the key was there before and after, and take the entry
 * count from the real size afterwards (see `subclassWrite`). A native `set` or `delete` keeps the
 * cheap path.
 */
import type { SurvivalOptions } from './survival.js';
import { validateDeclaredBounds, type MapRegistry } from '../registry.js';
import { registryOption } from '../registry-option.js';
import { MapToken, SLOT_INDEX_MASK } from '../stats/map-groups.js';
import { requireOptions, type MapOptions } from './options.js';

const INSTRUMENTED = Symbol('mapwatch.instrumented');
const METHODS = ['get', 'has', 'set', 'delete', 'clear'] as const;

interface Marked {
  [INSTRUMENTED]?: { name: string; registry: MapRegistry; token: MapToken };
}

type AnyMap = Map<unknown, unknown>;
type Method = (this: AnyMap, ...args: unknown[]) => unknown;

/** The native size getter: reads the internal [[MapData]], never user code; throws on a non-Map. */
const nativeSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get as (this: AnyMap) => number;
const nativeValues = Map.prototype.values;
const nativeHas = Map.prototype.has;

/** Whether a genuine Map holds `key`, read from its internal slot (never user code); false otherwise. */
function realHas(map: unknown, key: unknown): boolean {
  try {
    return nativeHas.call(map as AnyMap, key);
  } catch {
    return false;
  }
}

/** The real entry count of a genuine Map, or undefined for anything else (a Proxy, a Map-like object). */
function realSize(map: unknown): number | undefined {
  try {
    return nativeSize.call(map as AnyMap);
  } catch {
    return undefined;
  }
}

export function instrument<M extends Map<unknown, unknown>>(
  map: M,
  options: MapOptions & SurvivalOptions,
): M {
  // Every check comes before the map registers: a refused call leaves nothing behind.
  const { name, sampleSurvival } = requireOptions(options, 'instrument(map)');
  const registry = registryOption(options.registry, 'instrument(map)');
  const bounds = validateDeclaredBounds(options, 'instrument(map)');
  const size = realSize(map);
  if (size === undefined) {
    throw new TypeError(
      'mapwatch: instrument() takes a Map (a genuine one, not a Proxy or an object made from Map.prototype); for other objects use new InstrumentedMap()',
    );
  }
  const marked = map as M & Marked;
  const already = marked[INSTRUMENTED];
  if (already !== undefined) {
    if (already.name !== name) {
      throw new TypeError(
        `mapwatch: this map is already instrumented as '${already.name}'; a map reports under one name only`,
      );
    }
    if (already.registry !== registry) {
      throw new TypeError(
        `mapwatch: this map is already instrumented as '${name}' in another registry; a map reports to one registry only`,
      );
    }
    return map;
  }
  if (!Object.isExtensible(map)) {
    throw new TypeError('mapwatch: cannot instrument a frozen or sealed Map; instrument it before freezing');
  }
  const originals = new Map<string, Method>();
  for (const key of METHODS) {
    const own = Object.getOwnPropertyDescriptor(map, key);
    if (own !== undefined && !own.configurable) {
      throw new TypeError(`mapwatch: cannot instrument a Map whose own '${key}' is not configurable`);
    }
    const fn = (map as unknown as Record<string, unknown>)[key];
    if (typeof fn !== 'function')
      throw new TypeError(`mapwatch: cannot instrument a Map whose '${key}' is not a function`);
    originals.set(key, fn as Method);
  }

  const group = registry.mapGroup(name, 'plain', sampleSurvival);
  const token = new MapToken();
  const slot = registry.openMap(group, token, bounds, size);
  try {
    const methods = countingMethods(
      originals,
      group,
      registry.countsOf(slot),
      slot,
      holdsUndefined(map),
      sizeIsNative(map),
      token,
    );
    for (const key of METHODS) {
      Object.defineProperty(map, key, {
        value: methods[key],
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
    Object.defineProperty(map, INSTRUMENTED, { value: { name, registry, token }, enumerable: false });
  } catch (error) {
    // Not expected after the checks above, but a half-instrumented map must not stay counted.
    registry.abandonMap(slot);
    throw error;
  }
  return map;
}

/**
 * Whether `map.size` is the native getter (no override anywhere on its chain). Then the hooks read
 * `this.size`, which V8 inlines, rather than calling the getter through `call`: same value, less work.
 */
function sizeIsNative(map: AnyMap): boolean {
  for (let o: object | null = map; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const d = Object.getOwnPropertyDescriptor(o, 'size');
    if (d !== undefined) return d.get === nativeSize;
  }
  return false;
}

/** Whether any value stored is undefined (read through the native iterator, never user code). */
function holdsUndefined(map: AnyMap): boolean {
  for (const v of nativeValues.call(map)) if (v === undefined) return true;
  return false;
}

/** One set of closures over the map's originals; the counting itself is the group's (MapCounting). */
function countingMethods(
  originals: Map<string, Method>,
  group: ReturnType<MapRegistry['mapGroup']>,
  counts: Int32Array,
  slot: number,
  startsWithUndefined: boolean,
  nativeSizeProperty: boolean,
  token: MapToken,
): Record<(typeof METHODS)[number], Method> {
  const counting = group.stats;
  const originalGet = originals.get('get')!;
  const originalHas = originals.get('has')!;
  const originalSet = originals.get('set')!;
  const originalDelete = originals.get('delete')!;
  const originalClear = originals.get('clear')!;
  // A native delete's boolean is the truth, and a native set changes the size by one key at most: both
  // keep the cheap path. A subclass's own set or delete goes through `subclassWrite` (module comment).
  const nativeDelete = originalDelete === Map.prototype.delete;
  const nativeSet = originalSet === Map.prototype.set;
  const index = slot & SLOT_INDEX_MASK;
  // As in InstrumentedMap: skip the second lookup of a miss until an undefined value is ever stored.
  let mayHoldUndefined = startsWithUndefined;
  // The real entry count; never a subclass's own `size` (see the module comment).
  const sizeOf = (m: AnyMap): number => (nativeSizeProperty ? m.size : nativeSize.call(m));
  /**
   * A subclass's own set (`isSet`) or delete. The key counts as inserted, updated or deleted by whether
   * it was in the map before and after the call; when it is in neither (a subclass that stores keys in
   * another form, e.g. lower-cased), by the change in size, as for a native map. The live count then
   * becomes the real size: the subclass's other writes were counted by the hooks they went through (an
   * eviction through `this.delete`), or not at all (`super.delete`).
   */
  const subclassWrite = (
    map: AnyMap,
    original: Method,
    key: unknown,
    value: unknown,
    isSet: boolean,
  ): unknown => {
    // Called on another object (`map.set.call(other, ...)`): its size is not this map's count.
    if ((map as Marked)[INSTRUMENTED]?.token !== token) {
      return isSet ? original.call(map, key, value) : original.call(map, key);
    }
    const had = realHas(map, key);
    const before = realSize(map) ?? 0;
    const result = isSet ? original.call(map, key, value) : original.call(map, key);
    const has = realHas(map, key);
    const after = realSize(map) ?? before;
    if (isSet) {
      if (has ? !had : after > before) counting.inserted(key, counts, slot);
      else counting.updated();
    } else if (had ? !has : after < before) counting.removed(key, counts, slot);
    counts[index] = after;
    return result;
  };
  return {
    get(this: AnyMap, key: unknown): unknown {
      const value = originalGet.call(this, key);
      if (value !== undefined || (mayHoldUndefined && originalHas.call(this, key) === true))
        counting.hit(key, slot);
      else counting.miss();
      return value;
    },
    has(this: AnyMap, key: unknown): unknown {
      const found = originalHas.call(this, key);
      if (found === true) counting.hit(key, slot);
      else counting.miss();
      return found;
    },
    set(this: AnyMap, key: unknown, value: unknown): unknown {
      if (value === undefined) mayHoldUndefined = true;
      if (!nativeSet) return subclassWrite(this, originalSet, key, value, true);
      const before = sizeOf(this);
      const result = originalSet.call(this, key, value);
      if (sizeOf(this) > before) counting.inserted(key, counts, slot);
      else counting.updated();
      return result;
    },
    delete(this: AnyMap, key: unknown): unknown {
      if (!nativeDelete) return subclassWrite(this, originalDelete, key, undefined, false);
      const removed = originalDelete.call(this, key);
      if (removed === true) counting.removed(key, counts, slot);
      return removed;
    },
    clear(this: AnyMap): unknown {
      // A subclass's clear may keep entries, or even add some: counters never go backwards.
      const before = sizeOf(this);
      const result = originalClear.call(this);
      const after = sizeOf(this);
      counting.cleared(Math.max(0, before - after), after, counts, slot);
      return result;
    },
  };
}

/** The name a map was instrumented under, or undefined. */
export function instrumentedName(map: Map<unknown, unknown>): string | undefined {
  return (map as Map<unknown, unknown> & Marked)[INSTRUMENTED]?.name;
}
