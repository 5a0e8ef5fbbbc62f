/**
 * instrument(map, { name }): counts operations on an existing Map in place and returns the same object,
 * still `instanceof Map`, for code that cannot change the constructor call.
 *
 * It installs counting `get/has/set/delete/clear` as own, non-enumerable properties that call the
 * methods the map had before (so a subclass's overrides still run) and leaves everything else alone:
 * iteration, `size`, `forEach` and `toString` behave exactly as before. The closures reference the stats,
 * never the map, so the map can be collected as usual.
 */
import { samplerFor, type SurvivalOptions } from '../detect/survival.js';
import { defaultRegistry, type MapRegistry } from '../registry.js';
import { declaredBounds, requireOptions, type MapOptions } from './options.js';

const INSTRUMENTED = Symbol('mapwatch.instrumented');

interface Marked {
  [INSTRUMENTED]?: { name: string; registry: MapRegistry };
}

export function instrument<M extends Map<unknown, unknown>>(
  map: M,
  options: MapOptions & SurvivalOptions,
): M {
  if (!(map instanceof Map)) {
    throw new TypeError('mapwatch: instrument() takes a Map; for other objects use new InstrumentedMap()');
  }
  const { name, registry = defaultRegistry, sampleSurvival } = requireOptions(options, 'instrument(map)');
  const bounds = declaredBounds(options, 'instrument(map)');
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

  const sampler = samplerFor(sampleSurvival ?? registry.survivalSampling, registry.now);
  // Lookups call the sampler only when it tracks reads (opt-in): the default has no work on get/has.
  const readSampler = sampler?.tracksReads === true ? sampler : undefined;
  const stats = registry.trackMap(map, name, 'plain', { survival: sampler, ...bounds });
  const originalGet = map.get;
  const originalHas = map.has;
  const originalSet = map.set;
  const originalDelete = map.delete;
  const originalClear = map.clear;
  // As in InstrumentedMap: skip the second lookup of a miss until an undefined value is ever stored.
  let mayHoldUndefined = false;
  for (const v of map.values()) {
    if (v === undefined) {
      mayHoldUndefined = true;
      break;
    }
  }

  // One set of closures; each hook pays one predictable branch on a constant closure value.
  const methods: Record<string, unknown> = {
    get(this: Map<unknown, unknown>, key: unknown): unknown {
      const value = originalGet.call(this, key);
      if (value !== undefined || (mayHoldUndefined && originalHas.call(this, key))) {
        stats.hits++;
        if (readSampler !== undefined) readSampler.onRead(key);
      } else stats.misses++;
      return value;
    },
    has(this: Map<unknown, unknown>, key: unknown): boolean {
      const found = originalHas.call(this, key);
      if (found) {
        stats.hits++;
        if (readSampler !== undefined) readSampler.onRead(key);
      } else stats.misses++;
      return found;
    },
    set(this: Map<unknown, unknown>, key: unknown, value: unknown): Map<unknown, unknown> {
      const before = this.size;
      if (value === undefined) mayHoldUndefined = true;
      const result = originalSet.call(this, key, value);
      if (this.size !== before) {
        stats.inserts++;
        if (sampler !== undefined) sampler.onInsert(key);
      } else stats.updates++;
      return result;
    },
    delete(this: Map<unknown, unknown>, key: unknown): boolean {
      const removed = originalDelete.call(this, key);
      if (removed) {
        stats.deletesExplicit++;
        if (sampler !== undefined) sampler.onDelete(key);
      }
      return removed;
    },
    clear(this: Map<unknown, unknown>): void {
      const before = this.size;
      originalClear.call(this);
      stats.deletesClear += before - this.size;
      if (sampler !== undefined) sampler.onClear();
    },
  };
  for (const [key, fn] of Object.entries(methods)) {
    Object.defineProperty(map, key, { value: fn, writable: true, configurable: true, enumerable: false });
  }
  Object.defineProperty(map, INSTRUMENTED, { value: { name, registry }, enumerable: false });
  return map;
}

/** The name a map was instrumented under, or undefined. */
export function instrumentedName(map: Map<unknown, unknown>): string | undefined {
  return (map as Map<unknown, unknown> & Marked)[INSTRUMENTED]?.name;
}
