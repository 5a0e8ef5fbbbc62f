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
 * not seen.
 */
import type { SurvivalOptions } from './survival.js';
import { validateDeclaredBounds, type MapRegistry } from '../registry.js';
import { registryOption } from '../registry-option.js';
import { MapToken } from '../stats/map-groups.js';
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
): Record<(typeof METHODS)[number], Method> {
  const counting = group.stats;
  const originalGet = originals.get('get')!;
  const originalHas = originals.get('has')!;
  const originalSet = originals.get('set')!;
  const originalDelete = originals.get('delete')!;
  const originalClear = originals.get('clear')!;
  // A native delete's boolean is the truth: it saves the two size reads a subclass's delete needs.
  const nativeDelete = originalDelete === Map.prototype.delete;
  // As in InstrumentedMap: skip the second lookup of a miss until an undefined value is ever stored.
  let mayHoldUndefined = startsWithUndefined;
  // The real entry count; never a subclass's own `size` (see the module comment).
  const sizeOf = (m: AnyMap): number => (nativeSizeProperty ? m.size : nativeSize.call(m));
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
      const before = sizeOf(this);
      if (value === undefined) mayHoldUndefined = true;
      const result = originalSet.call(this, key, value);
      if (sizeOf(this) > before) counting.inserted(key, counts, slot);
      else counting.updated();
      return result;
    },
    delete(this: AnyMap, key: unknown): unknown {
      if (nativeDelete) {
        const removed = originalDelete.call(this, key);
        if (removed === true) counting.removed(key, counts, slot);
        return removed;
      }
      const before = sizeOf(this);
      const removed = originalDelete.call(this, key);
      if (sizeOf(this) < before) counting.removed(key, counts, slot);
      return removed;
    },
    clear(this: AnyMap): unknown {
      const before = sizeOf(this);
      const result = originalClear.call(this);
      const after = sizeOf(this);
      // A subclass's clear may keep entries, or even add some: counters never go backwards.
      counting.cleared(Math.max(0, before - after), after, counts, slot);
      return result;
    },
  };
}

/** The name a map was instrumented under, or undefined. */
export function instrumentedName(map: Map<unknown, unknown>): string | undefined {
  return (map as Map<unknown, unknown> & Marked)[INSTRUMENTED]?.name;
}
