/**
 * InstrumentedMap: a Map<K, V> that counts what is done to it.
 *
 * Composition rather than `extends Map`: V8 keeps calls on a plain class with one hidden class fast,
 * and counting is a field increment on a separate stats object (which the registry keeps after the map
 * is collected). The cost of a `get` is one native `Map.get` plus one increment.
 */
import { samplerFor, type SurvivalOptions, type SurvivalSampler } from '../detect/survival.js';
import { defaultRegistry } from '../registry.js';
import type { MapStats } from '../stats/map-stats.js';
import { declaredBounds, splitMapArgs, type MapOptions } from './options.js';

/**
 * InstrumentedMap's options: the shared map options (name, registry, declared bounds) plus entry
 * survival sampling (default: the registry's, age-only unless it says otherwise).
 */
export type InstrumentedMapOptions = MapOptions & SurvivalOptions;

export class InstrumentedMap<K, V> implements Map<K, V> {
  private readonly inner: Map<K, V>;
  private readonly stats: MapStats;
  /** Entry survival sampling, when enabled: called on inserts, deletes and clears only. */
  private readonly sampler: SurvivalSampler | undefined;
  /** The same sampler when it tracks reads (opt-in), else undefined: lookups pay one branch. */
  private readonly readSampler: SurvivalSampler | undefined;
  /**
   * Whether an `undefined` value was ever stored. Until then a `get` that returns undefined is a miss
   * without the second lookup that would tell a stored undefined from an absent key.
   */
  private mayHoldUndefined = false;

  /**
   * @param entriesOrOptions initial entries (counted as inserts), or the options when there are none
   * @param maybeOptions the options when initial entries are given
   */
  constructor(options: InstrumentedMapOptions);
  constructor(entries: Iterable<readonly [K, V]> | null | undefined, options: InstrumentedMapOptions);
  constructor(
    entriesOrOptions: Iterable<readonly [K, V]> | InstrumentedMapOptions | null | undefined,
    maybeOptions?: InstrumentedMapOptions,
  ) {
    const { entries, options } = splitMapArgs(entriesOrOptions, maybeOptions, 'new InstrumentedMap()');
    const registry = options.registry ?? defaultRegistry;
    const bounds = declaredBounds(options, 'new InstrumentedMap()');
    this.inner = new Map<K, V>();
    const sampler = samplerFor(options.sampleSurvival ?? registry.survivalSampling, registry.now);
    this.sampler = sampler;
    this.readSampler = sampler?.tracksReads === true ? sampler : undefined;
    this.stats = registry.trackMap(this, options.name, 'plain', { survival: sampler, ...bounds });
    for (const [k, v] of entries) this.set(k, v);
  }

  get size(): number {
    return this.inner.size;
  }

  get(key: K): V | undefined {
    const value = this.inner.get(key);
    // A stored `undefined` is still a hit; only a map that ever held one needs the second lookup.
    if (value !== undefined || (this.mayHoldUndefined && this.inner.has(key))) {
      this.stats.hits++;
      if (this.readSampler !== undefined) this.readSampler.onRead(key);
    } else this.stats.misses++;
    return value;
  }

  has(key: K): boolean {
    const found = this.inner.has(key);
    if (found) {
      this.stats.hits++;
      if (this.readSampler !== undefined) this.readSampler.onRead(key);
    } else this.stats.misses++;
    return found;
  }

  set(key: K, value: V): this {
    const inner = this.inner;
    const before = inner.size;
    if (value === undefined) this.mayHoldUndefined = true;
    inner.set(key, value);
    // The size tells insert from overwrite without a second lookup.
    if (inner.size !== before) {
      this.stats.inserts++;
      if (this.sampler !== undefined) this.sampler.onInsert(key);
    } else this.stats.updates++;
    return this;
  }

  delete(key: K): boolean {
    if (!this.inner.delete(key)) return false;
    this.stats.deletesExplicit++;
    if (this.sampler !== undefined) this.sampler.onDelete(key);
    return true;
  }

  clear(): void {
    this.stats.deletesClear += this.inner.size;
    this.inner.clear();
    if (this.sampler !== undefined) this.sampler.onClear();
  }

  forEach(callbackfn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    if (typeof callbackfn !== 'function') throw new TypeError(`${String(callbackfn)} is not a function`);
    // The third argument is this wrapper, as a native Map passes itself.
    this.inner.forEach((value, key) => callbackfn.call(thisArg, value, key, this));
  }

  keys(): MapIterator<K> {
    return this.inner.keys();
  }

  values(): MapIterator<V> {
    return this.inner.values();
  }

  entries(): MapIterator<[K, V]> {
    return this.inner.entries();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.inner.entries();
  }

  /**
   * 'InstrumentedMap', not 'Map': it is not a native Map (no internal slots, so `Map.prototype.get.call`
   * on it throws), and code that sniffs '[object Map]' must not take it for one.
   */
  get [Symbol.toStringTag](): string {
    return 'InstrumentedMap';
  }
}
