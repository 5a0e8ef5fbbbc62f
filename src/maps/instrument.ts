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
 * not seen until the next call to a subclass's own method, which sets the count to the real size.
 *
 * A map whose get/has/set/delete/clear are all the native ones gets the cheap hooks below. A subclass
 * with methods of its own may do more than it is asked (evict inside `set`, call `this.delete`, take a
 * third argument): it gets the hooks of instrument-subclass.ts, which forward every argument and count
 * each call by what it did to the map.
 */
import type { SurvivalOptions } from './survival.js';
import { validateDeclaredBounds, type MapRegistry } from '../registry.js';
import { registryOption } from '../registry-option.js';
import { MapToken } from '../stats/map-groups.js';
import { realSize, subclassHooks, type HookName, type Method } from './instrument-subclass.js';
import { requireOptions, type MapOptions } from './options.js';

const INSTRUMENTED = Symbol('mapwatch.instrumented');
const METHODS = ['get', 'has', 'set', 'delete', 'clear'] as const;

interface Marked {
  [INSTRUMENTED]?: { name: string; registry: MapRegistry; token: MapToken };
}

type AnyMap = Map<unknown, unknown>;

/** The native size getter: reads the internal [[MapData]], never user code; throws on a non-Map. */
const nativeSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get as (this: AnyMap) => number;
const nativeValues = Map.prototype.values;
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
  const originals = {} as Record<HookName, Method>;
  for (const key of METHODS) {
    const own = Object.getOwnPropertyDescriptor(map, key);
    if (own !== undefined && !own.configurable) {
      throw new TypeError(`mapwatch: cannot instrument a Map whose own '${key}' is not configurable`);
    }
    const fn = (map as unknown as Record<string, unknown>)[key];
    if (typeof fn !== 'function')
      throw new TypeError(`mapwatch: cannot instrument a Map whose '${key}' is not a function`);
    originals[key] = fn as Method;
  }

  const group = registry.mapGroup(name, 'plain', sampleSurvival);
  const token = new MapToken();
  const slot = registry.openMap(group, token, bounds, size);
  try {
    const counts = registry.countsOf(slot);
    const methods = METHODS.every((key) => originals[key] === Map.prototype[key])
      ? nativeHooks(group, counts, slot, holdsUndefined(map), sizeIsNative(map))
      : subclassHooks(originals, {
          counting: group.stats,
          counts,
          slot,
          isOwnMap: (m) => isMarkedWith(m, token),
        });
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

/** Whether `value` is the map instrumented with `token` (never throws, whatever `this` a hook got). */
function isMarkedWith(value: unknown, token: MapToken): boolean {
  return typeof value === 'object' && value !== null && (value as Marked)[INSTRUMENTED]?.token === token;
}

/**
 * The hooks of a map whose five methods are all Map.prototype's: closures over the native methods; the
 * counting itself is the group's (MapCounting).
 */
function nativeHooks(
  group: ReturnType<MapRegistry['mapGroup']>,
  counts: Int32Array,
  slot: number,
  startsWithUndefined: boolean,
  nativeSizeProperty: boolean,
): Record<HookName, Method> {
  const counting = group.stats;
  const {
    get: nativeGet,
    has: nativeHas,
    set: nativeSet,
    delete: nativeDelete,
    clear: nativeClear,
  } = Map.prototype as AnyMap;
  // As in InstrumentedMap: the second lookup of a miss only once the group stored an undefined value.
  if (startsWithUndefined) counting.storesUndefined();
  // The real entry count; never a subclass's own `size` (see the module comment).
  const sizeOf = (m: AnyMap): number => (nativeSizeProperty ? m.size : nativeSize.call(m));
  return {
    get(this: AnyMap, key: unknown): unknown {
      const value = nativeGet.call(this, key);
      if (value !== undefined) counting.hit(key, slot);
      else counting.getUndefined(this, key, slot);
      return value;
    },
    has(this: AnyMap, key: unknown): unknown {
      const found = nativeHas.call(this, key);
      if (found) counting.hit(key, slot);
      else counting.miss();
      return found;
    },
    set(this: AnyMap, key: unknown, value: unknown): unknown {
      const before = sizeOf(this);
      if (value === undefined) counting.storesUndefined();
      const result = nativeSet.call(this, key, value);
      if (sizeOf(this) > before) counting.inserted(key, counts, slot);
      else counting.updated();
      return result;
    },
    delete(this: AnyMap, key: unknown): unknown {
      // A native delete's boolean is the truth: no size reads.
      const removed = nativeDelete.call(this, key);
      if (removed) counting.removed(key, counts, slot);
      return removed;
    },
    clear(this: AnyMap): unknown {
      const removed = sizeOf(this);
      nativeClear.call(this);
      counting.cleared(removed, 0, counts, slot);
      return undefined;
    },
  };
}

/** The name a map was instrumented under, or undefined. */
export function instrumentedName(map: Map<unknown, unknown>): string | undefined {
  return (map as Map<unknown, unknown> & Marked)[INSTRUMENTED]?.name;
}
