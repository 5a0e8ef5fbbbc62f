/**
 * InstrumentedMap: a Map<K, V> that counts what is done to it.
 *
 * Composition rather than `extends Map`: V8 keeps calls on a plain class with one hidden class fast.
 * Counting is a field increment on the stats object every map of the name shares, plus one indexed
 * increment of this map's live entry count (its slot, see stats/map-groups.ts); the registry holds no
 * reference to the map, so a map made per request dies young like a native one.
 *
 * All state is in `#private` fields: they are not properties, so `JSON.stringify(map)` prints `{}` as for a
 * native Map, `Object.keys`, spread and for-in show nothing, and `Object.freeze(map)` (or a deep freeze of
 * an object graph holding it) leaves it working, as a frozen native Map keeps working.
 */
import type { SurvivalOptions, SurvivalSampler } from './survival.js';
import { validateDeclaredBounds } from '../registry.js';
import { registryOption } from '../registry-option.js';
import { MapToken, SLOT_INDEX_MASK } from '../stats/map-groups.js';
import type { MapStats } from '../stats/map-stats.js';
import { addEntriesFromIterable, iteratorMethod, mapOptions, mapSource, type MapOptions } from './options.js';

/**
 * InstrumentedMap's options: the shared map options (name, registry, declared bounds) plus entry
 * survival sampling (default: the registry's, age-only unless it says otherwise).
 */
export type InstrumentedMapOptions = MapOptions & SurvivalOptions;

const WHAT = 'new InstrumentedMap()';

export class InstrumentedMap<K, V> implements Map<K, V> {
  readonly #inner = new Map<K, V>();
  /** Counters shared by every map of this name, kind and sampling option. */
  readonly #stats: MapStats;
  /** The chunk of the registry's entry-count table that holds this map's count. */
  readonly #counts: Int32Array;
  /** This map's slot: its count is at `#counts[#slot & SLOT_INDEX_MASK]`; its owner id in the sampler. */
  readonly #slot: number;
  /** Entry survival sampling (shared by the group), when enabled: called on inserts, deletes, clears. */
  readonly #sampler: SurvivalSampler | undefined;
  /** The same sampler when it tracks reads (opt-in), else undefined: lookups pay one branch. */
  readonly #readSampler: SurvivalSampler | undefined;
  /**
   * Whether an `undefined` value was ever stored. Until then a `get` that returns undefined is a miss
   * without the second lookup that would tell a stored undefined from an absent key.
   */
  #mayHoldUndefined = false;
  /** Referenced by this map only: its collection tells the registry the map is gone. */
  readonly #token = new MapToken();

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
    this.#stats = group.stats;
    this.#sampler = group.sampler;
    this.#readSampler = group.readSampler;
    const slot = registry.openMap(group, this.#token, bounds);
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
    // A stored `undefined` is still a hit; only a map that ever held one needs the second lookup.
    if (value !== undefined || (this.#mayHoldUndefined && inner.has(key))) {
      this.#stats.hits++;
      if (this.#readSampler !== undefined) this.#readSampler.onRead(key, this.#slot);
    } else this.#stats.misses++;
    return value;
  }

  has(key: K): boolean {
    const found = this.#inner.has(key);
    if (found) {
      this.#stats.hits++;
      if (this.#readSampler !== undefined) this.#readSampler.onRead(key, this.#slot);
    } else this.#stats.misses++;
    return found;
  }

  set(key: K, value: V): this {
    const inner = this.#inner;
    const before = inner.size;
    if (value === undefined) this.#mayHoldUndefined = true;
    inner.set(key, value);
    // The size tells insert from overwrite without a second lookup.
    if (inner.size !== before) {
      this.#stats.inserts++;
      this.#counts[this.#slot & SLOT_INDEX_MASK]!++;
      if (this.#sampler !== undefined) this.#sampler.onInsert(key, this.#slot);
    } else this.#stats.updates++;
    return this;
  }

  delete(key: K): boolean {
    if (!this.#inner.delete(key)) return false;
    this.#stats.deletesExplicit++;
    this.#counts[this.#slot & SLOT_INDEX_MASK]!--;
    if (this.#sampler !== undefined) this.#sampler.onDelete(key, this.#slot);
    return true;
  }

  clear(): void {
    const inner = this.#inner;
    this.#stats.deletesClear += inner.size;
    inner.clear();
    this.#counts[this.#slot & SLOT_INDEX_MASK] = 0;
    if (this.#sampler !== undefined) this.#sampler.onClear(this.#slot);
  }

  forEach(callbackfn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    if (typeof callbackfn !== 'function') throw new TypeError(`${String(callbackfn)} is not a function`);
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
