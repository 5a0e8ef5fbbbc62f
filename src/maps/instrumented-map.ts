/**
 * InstrumentedMap: a Map<K, V> that counts what is done to it.
 *
 * Composition rather than `extends Map`: V8 keeps calls on a plain class with one hidden class fast.
 * Each method tells what happened (a hit or a miss, an insert or an update...) and hands it to the
 * counting object every map of the name shares (stats/map-counting.ts, the same code instrument()
 * counts with): a field increment, one indexed increment of this map's live entry count (its slot, see
 * stats/map-groups.ts) and the survival sampler's hook. The registry holds no reference to the map, so a
 * map made per request dies young like a native one.
 *
 * All state is in `#private` fields: they are not properties, so `JSON.stringify(map)` prints `{}` as for a
 * native Map, `Object.keys`, spread and for-in show nothing, and `Object.freeze(map)` (or a deep freeze of
 * an object graph holding it) leaves it working, as a frozen native Map keeps working.
 */
import type { SurvivalOptions } from './survival.js';
import { validateDeclaredBounds } from '../registry.js';
import { registryOption } from '../registry-option.js';
import type { MapCounting } from '../stats/map-counting.js';
import { newMapToken } from '../stats/map-groups.js';
import { addEntriesFromIterable, iteratorMethod, mapOptions, mapSource, type MapOptions } from './options.js';
import { describeValue } from '../describe-value.js';

/**
 * InstrumentedMap's options: the shared map options (name, registry, declared bounds) plus entry
 * survival sampling (default: the registry's, age-only unless it says otherwise).
 */
export type InstrumentedMapOptions = MapOptions & SurvivalOptions;

const WHAT = 'new InstrumentedMap()';

export class InstrumentedMap<K, V> implements Map<K, V> {
  readonly #inner = new Map<K, V>();
  /** Counters and counting code shared by every map of this name, kind and sampling option. */
  readonly #counting: MapCounting;
  /** The chunk of the registry's entry-count table that holds this map's count. */
  readonly #counts: Int32Array;
  /** This map's slot: where its count is in `#counts`, and its owner id in the survival sampler. */
  readonly #slot: number;
  /**
   * Referenced by this map only: its collection tells the registry the map is gone. Undefined where the
   * map is its own death notice (newMapToken).
   */
  readonly #token = newMapToken();

  /**
   * Follows the Map constructor: with entries, `set` is looked up on the new map and called once per
   * entry as it is read (array-likes `{ 0: k, 1: v }` work; the iterator is closed when an entry or `set`
   * throws). Options are validated before the map registers; if an entry throws, the half-built map
   * leaves the registry's instances and entries at once (the inserts it made stay counted).
   *
   * @param entriesOrOptions initial entries (counted as inserts), or the options when there are none
   * @param maybeOptions the options when initial entries are given
   */
  constructor(options: InstrumentedMapOptions);
  constructor(entries: Iterable<readonly [K, V]> | null | undefined, options: InstrumentedMapOptions);
  constructor(
    entriesOrOptions: Iterable<readonly [K, V]> | InstrumentedMapOptions | null | undefined,
    maybeOptions?: InstrumentedMapOptions,
  ) {
    const options = mapOptions(entriesOrOptions, maybeOptions, WHAT);
    const registry = registryOption(options.registry, WHAT);
    const bounds = validateDeclaredBounds(options, WHAT);
    const source = mapSource(entriesOrOptions, maybeOptions);
    let adder: unknown;
    let method: (() => Iterator<unknown>) | undefined;
    if (source !== undefined) {
      adder = this.set;
      if (typeof adder !== 'function') throw new TypeError(`mapwatch: ${WHAT}: 'set' is not a function`);
      method = iteratorMethod(source, WHAT);
    }
    const group = registry.mapGroup(options.name, 'plain', options.sampleSurvival);
    this.#counting = group.stats;
    const slot = registry.openMap(group, this.#token ?? this, bounds);
    this.#slot = slot;
    this.#counts = registry.countsOf(slot);
    if (method === undefined) return;
    try {
      addEntriesFromIterable(this, source, method, adder as (k: unknown, v: unknown) => unknown, WHAT);
    } catch (error) {
      registry.abandonMap(slot);
      throw error;
    }
  }

  get size(): number {
    return this.#inner.size;
  }

  get(key: K): V | undefined {
    const inner = this.#inner;
    const value = inner.get(key);
    if (value !== undefined) this.#counting.hit(key, this.#slot);
    // A miss, or a stored undefined (a hit): the counting object knows whether its group ever stored one.
    else this.#counting.getUndefined(inner, key, this.#slot);
    return value;
  }

  has(key: K): boolean {
    const found = this.#inner.has(key);
    if (found) this.#counting.hit(key, this.#slot);
    else this.#counting.miss();
    return found;
  }

  set(key: K, value: V): this {
    const inner = this.#inner;
    const before = inner.size;
    if (value === undefined) this.#counting.storesUndefined();
    inner.set(key, value);
    // The size tells insert from overwrite without a second lookup.
    if (inner.size !== before) this.#counting.inserted(key, this.#counts, this.#slot);
    else this.#counting.updated();
    return this;
  }

  delete(key: K): boolean {
    if (!this.#inner.delete(key)) return false;
    this.#counting.removed(key, this.#counts, this.#slot);
    return true;
  }

  clear(): void {
    const inner = this.#inner;
    const removed = inner.size;
    inner.clear();
    this.#counting.cleared(removed, 0, this.#counts, this.#slot);
  }

  forEach(callbackfn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    if (typeof callbackfn !== 'function')
      throw new TypeError(`${describeValue(callbackfn)} is not a function`);
    // The third argument is this wrapper, as a native Map passes itself.
    this.#inner.forEach((value, key) => callbackfn.call(thisArg, value, key, this));
  }

  keys(): MapIterator<K> {
    return this.#inner.keys();
  }

  values(): MapIterator<V> {
    return this.#inner.values();
  }

  entries(): MapIterator<[K, V]> {
    return this.#inner.entries();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.#inner.entries();
  }

  /**
   * 'InstrumentedMap', not 'Map': it is not a native Map (no internal slots, so `Map.prototype.get.call`
   * on it throws), and code that sniffs '[object Map]' must not take it for one.
   */
  get [Symbol.toStringTag](): string {
    return 'InstrumentedMap';
  }
}
