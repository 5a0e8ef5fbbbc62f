/**
 * InstrumentedMap: a Map<K, V> that counts what is done to it.
 *
 * Composition rather than `extends Map`: V8 keeps calls on a plain class with one hidden class fast,
 * and counting is a field increment on a separate stats object (which the registry keeps after the map
 * is collected). The cost of a `get` is one native `Map.get` plus one increment.
 */
import { defaultRegistry } from '../registry.js';
import type { MapStats } from '../stats/map-stats.js';
import { requireOptions, type MapOptions } from './options.js';

export class InstrumentedMap<K, V> implements Map<K, V> {
  private readonly inner: Map<K, V>;
  private readonly stats: MapStats;
  /**
   * Whether an `undefined` value was ever stored. Until then a `get` that returns undefined is a miss
   * without the second lookup that would tell a stored undefined from an absent key.
   */
  private mayHoldUndefined = false;

  /**
   * @param entriesOrOptions initial entries (counted as inserts), or the options when there are none
   * @param maybeOptions the options when initial entries are given
   */
  constructor(options: MapOptions);
  constructor(entries: Iterable<readonly [K, V]> | null | undefined, options: MapOptions);
  constructor(
    entriesOrOptions: Iterable<readonly [K, V]> | MapOptions | null | undefined,
    maybeOptions?: MapOptions,
  ) {
    const isOptionsFirst = maybeOptions === undefined && entriesOrOptions != null && !isIterable(entriesOrOptions);
    const options = requireOptions(
      isOptionsFirst ? (entriesOrOptions as MapOptions) : maybeOptions,
      'new InstrumentedMap()',
    );
    const registry = options.registry ?? defaultRegistry;
    this.inner = new Map<K, V>();
    this.stats = registry.trackMap(this, options.name, 'plain');
    if (!isOptionsFirst && entriesOrOptions != null) {
      for (const [k, v] of entriesOrOptions as Iterable<readonly [K, V]>) this.set(k, v);
    }
  }

  get size(): number {
    return this.inner.size;
  }

  get(key: K): V | undefined {
    const value = this.inner.get(key);
    // A stored `undefined` is still a hit; only a map that ever held one needs the second lookup.
    if (value !== undefined || (this.mayHoldUndefined && this.inner.has(key))) this.stats.hits++;
    else this.stats.misses++;
    return value;
  }

  has(key: K): boolean {
    const found = this.inner.has(key);
    if (found) this.stats.hits++;
    else this.stats.misses++;
    return found;
  }

  set(key: K, value: V): this {
    const inner = this.inner;
    const before = inner.size;
    if (value === undefined) this.mayHoldUndefined = true;
    inner.set(key, value);
    // The size tells insert from overwrite without a second lookup.
    if (inner.size !== before) this.stats.inserts++;
    else this.stats.updates++;
    return this;
  }

  delete(key: K): boolean {
    if (!this.inner.delete(key)) return false;
    this.stats.deletesExplicit++;
    return true;
  }

  clear(): void {
    this.stats.deletesClear += this.inner.size;
    this.inner.clear();
  }

  forEach(callbackfn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
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

  get [Symbol.toStringTag](): string {
    return 'InstrumentedMap';
  }
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}
