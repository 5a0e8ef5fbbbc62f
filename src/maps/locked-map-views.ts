/**
 * The views a LockedMap (and each ShardedMap shard) hands to code running under its lock, plus the
 * counting primitives they share. Counting follows InstrumentedMap exactly: a `get` that finds a stored
 * `undefined` is a hit, `set` tells insert from overwrite by the size, `clear` counts every entry removed.
 *
 * A view is valid only while its section runs: afterwards every method throws, because a view kept past
 * `read()`/`write()` would read or write without the lock, which is exactly the bug the lock prevents.
 * The same holds for its iterators: each `next()` checks that the section is still open.
 */
import type { MapStats } from '../stats/map-stats.js';
import { describeValue } from '../describe-value.js';

export function countedGet<K, V>(map: Map<K, V>, stats: MapStats, key: K): V | undefined {
  const value = map.get(key);
  if (value !== undefined || map.has(key)) stats.hits++;
  else stats.misses++;
  return value;
}

export function countedHas<K, V>(map: Map<K, V>, stats: MapStats, key: K): boolean {
  const found = map.has(key);
  if (found) stats.hits++;
  else stats.misses++;
  return found;
}

export function countedSet<K, V>(map: Map<K, V>, stats: MapStats, key: K, value: V): void {
  const before = map.size;
  map.set(key, value);
  if (map.size !== before) stats.inserts++;
  else stats.updates++;
}

export function countedDelete<K, V>(map: Map<K, V>, stats: MapStats, key: K): boolean {
  if (!map.delete(key)) return false;
  stats.deletesExplicit++;
  return true;
}

export function countedClear<K, V>(map: Map<K, V>, stats: MapStats): void {
  stats.deletesClear += map.size;
  map.clear();
}

/**
 * Applies an update result: `undefined` deletes the key (counted if it was there), anything else is a
 * counted set.
 */
export function countedApply<K, V>(map: Map<K, V>, stats: MapStats, key: K, next: V | undefined): void {
  if (next === undefined) countedDelete(map, stats, key);
  else countedSet(map, stats, key, next);
}

/** Read access under a read hold. Typed as ReadonlyMap; mutation also fails at runtime. */
export class LockedReadView<K, V> implements ReadonlyMap<K, V> {
  /** Cleared when the section ends. */
  protected open = true;

  constructor(
    protected readonly inner: Map<K, V>,
    protected readonly stats: MapStats,
  ) {}

  /** Ends the section: every later call throws. */
  close(): void {
    this.open = false;
  }

  /** An iterator that checks the section on every `next()`, so it cannot outlive the hold either. */
  private *guarded<T>(it: Iterator<T>): Generator<T, undefined, unknown> {
    for (;;) {
      this.check();
      const r = it.next();
      if (r.done === true) return undefined;
      yield r.value;
    }
  }

  protected check(): void {
    if (!this.open) {
      throw new TypeError(
        'mapwatch: a LockedMap view was used after its read()/write() section ended; do the work inside the callback',
      );
    }
  }

  get size(): number {
    this.check();
    return this.inner.size;
  }

  get(key: K): V | undefined {
    this.check();
    return countedGet(this.inner, this.stats, key);
  }

  has(key: K): boolean {
    this.check();
    return countedHas(this.inner, this.stats, key);
  }

  forEach(callbackfn: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    this.check();
    // As Map.prototype.forEach: a non-function is refused even on an empty map.
    if (typeof callbackfn !== 'function')
      throw new TypeError(`${describeValue(callbackfn)} is not a function`);
    this.inner.forEach((value, key) => callbackfn.call(thisArg, value, key, this));
  }

  keys(): MapIterator<K> {
    this.check();
    return this.guarded(this.inner.keys());
  }

  values(): MapIterator<V> {
    this.check();
    return this.guarded(this.inner.values());
  }

  entries(): MapIterator<[K, V]> {
    this.check();
    return this.guarded(this.inner.entries());
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  // Not part of ReadonlyMap, so TypeScript rejects calls; these catch untyped callers and casts.
  set(_key: K, _value: V): this {
    throw readOnly('set');
  }

  delete(_key: K): boolean {
    throw readOnly('delete');
  }

  clear(): void {
    throw readOnly('clear');
  }

  get [Symbol.toStringTag](): string {
    return 'LockedMapReadView';
  }
}

/** Full Map access under the write hold, counted. */
export class LockedWriteView<K, V> extends LockedReadView<K, V> implements Map<K, V> {
  override set(key: K, value: V): this {
    this.check();
    countedSet(this.inner, this.stats, key, value);
    return this;
  }

  override delete(key: K): boolean {
    this.check();
    return countedDelete(this.inner, this.stats, key);
  }

  override clear(): void {
    this.check();
    countedClear(this.inner, this.stats);
  }

  override forEach(callbackfn: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    this.check();
    // As Map.prototype.forEach: a non-function is refused even on an empty map.
    if (typeof callbackfn !== 'function')
      throw new TypeError(`${describeValue(callbackfn)} is not a function`);
    this.inner.forEach((value, key) => callbackfn.call(thisArg, value, key, this));
  }

  override get [Symbol.toStringTag](): string {
    return 'LockedMapWriteView';
  }
}

function readOnly(method: string): TypeError {
  return new TypeError(`mapwatch: ${method}() is not allowed in LockedMap.read(); use write() or update()`);
}
