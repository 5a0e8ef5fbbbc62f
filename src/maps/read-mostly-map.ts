/**
 * ReadMostlyMap: a port of Go's classic `sync.Map` (before Go 1.24) with the same cost model.
 *
 * Structure
 * - `read`: a snapshot `{ m, amended }`. `m` maps keys to shared entry boxes and is never mutated once
 *   published, so iterating it is stable whatever happens meanwhile. `amended` says that `dirty` holds
 *   keys `m` lacks.
 * - `dirty`: a mutable map holding every live key (the boxes of `read` plus new keys), or null right after a
 *   promotion.
 * - Boxes are shared between `read` and `dirty`, so overwriting or deleting a key present in `read` only
 *   touches its box: no map is written. A box holds the value, DELETED (Go's nil) or EXPUNGED (deleted and
 *   known to be absent from `dirty`).
 *
 * The promotion rule (Go's `missLocked`)
 * - A lookup that misses `read` while `read.amended` falls through to `dirty` and counts a miss
 *   (`stats.readMisses`). When `misses >= dirty.size`, `dirty` becomes the new `read` (not amended),
 *   `dirty` becomes null and `misses` resets to 0 (`stats.promotions`). Operations that fall through:
 *   get/has, delete/loadAndDelete, compareAndDelete (whether `dirty` has the key or not), loadOrStore and
 *   compareAndSwap (only when `dirty` has the key). Store/swap of a key only in `dirty` does not count.
 *   All as in Go.
 * - The first new key stored while `dirty` is null rebuilds `dirty` by copying every live box of `read`
 *   (`stats.copiedEntries += copied`) and marks deleted boxes EXPUNGED instead of copying them; a later
 *   store to an expunged key puts its box back into `dirty`. That copy is O(n): cheap under read-mostly
 *   loads, churn under new-key-heavy writes, which is what the promotion/copy counters reveal.
 * - range() and iteration first promote an amended `dirty` (as Go's Range does; counted as a promotion),
 *   then walk the snapshot.
 *
 * Iteration (`range`, `forEach`, `entries`, ...) has Go's Range semantics: it does not necessarily
 * correspond to any consistent snapshot of the contents. No key is visited twice, and every key present
 * for the whole iteration is visited; but for a key stored or deleted meanwhile (including by the
 * callback) it may reflect any value from any point during the iteration, or skip the key. Concretely, it
 * walks the key set of the snapshot taken when it starts and reads each value from its box when visited:
 * updates made meanwhile are seen, keys deleted meanwhile are skipped, keys added meanwhile are not
 * visited, and a key deleted and re-added meanwhile is visited only if it kept its box. `range()` takes
 * the snapshot when called; `entries()`/`keys()`/`values()`/`[Symbol.iterator]()` are generators and take
 * it at their first `next()`, not when created. After `clear()` an iteration in progress stops (every key
 * it could visit is gone). The order is unspecified (as in Go): it is not a native Map's insertion order
 * once keys are deleted and re-added.
 *
 * JavaScript is single-threaded, so Go's mutex becomes the synchronous body of each method; what carries
 * over is the cost model and the snapshot that survives `await` in range().
 */
import { validateDeclaredBounds } from '../registry.js';
import { registryOption } from '../registry-option.js';
import { newMapToken, SLOT_INDEX_MASK } from '../stats/map-groups.js';
import type { MapStats } from '../stats/map-stats.js';
import { addEntriesFromIterable, iteratorMethod, mapOptions, mapSource, type MapOptions } from './options.js';
import { describeValue } from '../describe-value.js';

const WHAT = 'new ReadMostlyMap()';

/** Go's nil entry pointer: deleted, but the box may still be in `dirty`. */
const DELETED: unique symbol = Symbol('mapwatch.deleted');
/** Deleted and not in `dirty`: a store must put the box back into `dirty` first. */
const EXPUNGED: unique symbol = Symbol('mapwatch.expunged');

class Box<V> {
  constructor(public p: V | typeof DELETED | typeof EXPUNGED) {}
}

/** Shared by every snapshot between two clear() calls; clear() marks it so running iterations stop. */
interface Epoch {
  cleared: boolean;
}

/** What loadOrStore/swap/loadAndDelete return: Go's `(value, loaded)`. */
export interface LoadResult<V> {
  readonly value: V | undefined;
  readonly loaded: boolean;
}

/** Internal state, for tests, docs and debugging of the promotion rule. */
export interface ReadMostlyInternals {
  /** Keys in the read snapshot, including deleted and expunged boxes. */
  readonly readKeys: number;
  /** Keys in the dirty map, or undefined when it is null (right after a promotion). */
  readonly dirtyKeys: number | undefined;
  readonly amended: boolean;
  readonly misses: number;
}

export class ReadMostlyMap<K, V> {
  /**
   * The read snapshot: `readMap` is never mutated once published; `amended` belongs to it (Go keeps both
   * in one readOnly struct swapped atomically; single-threaded JS can keep them as two fields, which
   * saves a pointer hop on every hit).
   */
  #readMap: ReadonlyMap<K, Box<V>> = new Map();
  #amended = false;
  #dirty: Map<K, Box<V>> | null = null;
  #misses = 0;
  #epoch: Epoch = { cleared: false };
  /** Counters shared by every ReadMostlyMap of the name (see stats/map-groups.ts). */
  readonly #stats: MapStats;
  /** The chunk of the registry's entry-count table that holds this map's live entry count. */
  readonly #counts: Int32Array;
  readonly #index: number;
  /**
   * Referenced by this map only: its collection tells the registry the map is gone. Undefined where the
   * map is its own death notice (newMapToken).
   */
  readonly #token = newMapToken();

  /**
   * Live entries, kept exactly so `size` is O(1) (Go has no Len; single-threaded JS can afford one). The
   * count lives in the registry's table, so the registry needs no reference to the map to report it.
   */
  get #live(): number {
    return this.#counts[this.#index]!;
  }

  set #live(n: number) {
    this.#counts[this.#index] = n;
  }

  constructor(options: MapOptions);
  constructor(entries: Iterable<readonly [K, V]> | null | undefined, options: MapOptions);
  constructor(
    entriesOrOptions: Iterable<readonly [K, V]> | MapOptions | null | undefined,
    maybeOptions?: MapOptions,
  ) {
    // As the Map constructor (see addEntriesFromIterable): options, `set` and the iterator method are
    // checked before the map registers; entries are then read and set one at a time.
    const options = mapOptions(entriesOrOptions, maybeOptions, WHAT);
    const bounds = validateDeclaredBounds(options, WHAT);
    const source = mapSource(entriesOrOptions, maybeOptions);
    let adder: unknown;
    let method: (() => Iterator<unknown>) | undefined;
    if (source !== undefined) {
      adder = this.set;
      if (typeof adder !== 'function') throw new TypeError(`mapwatch: ${WHAT}: 'set' is not a function`);
      method = iteratorMethod(source, WHAT);
    }
    const registry = registryOption(options.registry, WHAT);
    const group = registry.mapGroup(options.name, 'read_mostly', false);
    this.#stats = group.stats;
    const slot = registry.openMap(group, this.#token ?? this, bounds);
    this.#counts = registry.countsOf(slot);
    this.#index = slot & SLOT_INDEX_MASK;
    if (method === undefined) return;
    try {
      addEntriesFromIterable(this, source, method, adder as (k: unknown, v: unknown) => unknown, WHAT);
    } catch (error) {
      registry.abandonMap(slot);
      throw error;
    }
  }

  get size(): number {
    return this.#live;
  }

  get(key: K): V | undefined {
    const p = this.lookup(key);
    return p === DELETED ? undefined : p;
  }

  has(key: K): boolean {
    return this.lookup(key) !== DELETED;
  }

  set(key: K, value: V): this {
    this.swapBox(key, value);
    return this;
  }

  /** Stores `value` and returns the previous value, if any (Go's Swap). Counts an insert or update. */
  swap(key: K, value: V): LoadResult<V> {
    return this.swapBox(key, value);
  }

  delete(key: K): boolean {
    const box = this.detach(key);
    if (box === undefined) return false;
    const p = box.p;
    if (p === DELETED || p === EXPUNGED) return false;
    box.p = DELETED;
    this.#live--;
    this.#stats.deletesExplicit++;
    return true;
  }

  /** Deletes `key` and returns the value it had (Go's LoadAndDelete). Counts a hit or miss too. */
  loadAndDelete(key: K): LoadResult<V> {
    const box = this.detach(key);
    if (box !== undefined) {
      const p = box.p;
      if (p !== DELETED && p !== EXPUNGED) {
        box.p = DELETED;
        this.#live--;
        this.#stats.hits++;
        this.#stats.deletesExplicit++;
        return { value: p, loaded: true };
      }
    }
    this.#stats.misses++;
    return { value: undefined, loaded: false };
  }

  /**
   * Returns the present value (`loaded: true`, a hit) or stores `value` (`loaded: false`, a miss and an
   * insert), as Go's LoadOrStore.
   */
  loadOrStore(key: K, value: V): LoadResult<V> {
    let box = this.#readMap.get(key);
    if (box !== undefined) {
      if (box.p === EXPUNGED) this.#dirty!.set(key, box); // back into dirty before it can hold a value
    } else {
      const dirty = this.#dirty;
      box = dirty === null ? undefined : dirty.get(key);
      if (box !== undefined) {
        this.missLocked();
      } else {
        this.addNewKey(key, value);
        this.#stats.misses++;
        this.#stats.inserts++;
        return { value, loaded: false };
      }
    }
    const p = box.p;
    if (p !== DELETED && p !== EXPUNGED) {
      this.#stats.hits++;
      return { value: p, loaded: true };
    }
    box.p = value;
    this.#live++;
    this.#stats.misses++;
    this.#stats.inserts++;
    return { value, loaded: false };
  }

  /**
   * Replaces the value of `key` with `next` if it is currently `expected` (compared by SameValueZero, as
   * Map keys are). Absent keys never match. Counts an update on success.
   */
  compareAndSwap(key: K, expected: V, next: V): boolean {
    let box = this.#readMap.get(key);
    if (box === undefined) {
      if (!this.#amended) return false;
      // Go's CompareAndSwap counts a miss only when dirty has the key (unlike CompareAndDelete).
      box = this.#dirty!.get(key);
      if (box === undefined) return false;
      this.missLocked();
    }
    const p = box.p;
    if (p === DELETED || p === EXPUNGED || !sameValueZero(p, expected)) return false;
    box.p = next;
    this.#stats.updates++;
    return true;
  }

  /** Deletes `key` if its value is currently `expected` (SameValueZero). Counts a delete on success. */
  compareAndDelete(key: K, expected: V): boolean {
    let box = this.#readMap.get(key);
    // Unlike delete(), the key stays in dirty: the compare may fail, and a deleted box is expunged at the
    // next rebuild anyway.
    if (box === undefined && this.#amended) box = this.loadFromDirty(key);
    if (box === undefined) return false;
    const p = box.p;
    if (p === DELETED || p === EXPUNGED || !sameValueZero(p, expected)) return false;
    box.p = DELETED;
    this.#live--;
    this.#stats.deletesExplicit++;
    return true;
  }

  /**
   * O(1): drops both maps instead of deleting key by key. Iterations in progress stop, since every key
   * they could still visit is gone.
   */
  clear(): void {
    this.#stats.deletesClear += this.#live;
    this.#live = 0;
    this.#epoch.cleared = true;
    this.#epoch = { cleared: false };
    this.#readMap = new Map();
    this.#amended = false;
    this.#dirty = null;
    this.#misses = 0;
  }

  /**
   * Calls `fn(key, value)` for each live entry of a stable snapshot (see the class comment), awaiting it
   * when it returns a promise; returning `false` stops. Other tasks may read and write while it awaits.
   */
  async range(fn: (key: K, value: V) => boolean | void | PromiseLike<boolean | void>): Promise<void> {
    const { m, epoch } = this.snapshot();
    for (const [key, box] of m) {
      if (epoch.cleared) return;
      const p = box.p;
      if (p === DELETED || p === EXPUNGED) continue;
      let r = fn(key, p);
      if (r !== null && typeof r === 'object' && typeof r.then === 'function') r = await r;
      if (r === false) return;
    }
  }

  forEach(callbackfn: (value: V, key: K, map: this) => void, thisArg?: unknown): void {
    // As Map.prototype.forEach: a non-function is refused before any entry is read, even on an empty map.
    if (typeof callbackfn !== 'function')
      throw new TypeError(`${describeValue(callbackfn)} is not a function`);
    for (const [key, value] of this.entries()) callbackfn.call(thisArg, value, key, this);
  }

  *entries(): Generator<[K, V], undefined, undefined> {
    const { m, epoch } = this.snapshot();
    for (const [key, box] of m) {
      if (epoch.cleared) return;
      const p = box.p;
      if (p !== DELETED && p !== EXPUNGED) yield [key, p];
    }
  }

  *keys(): Generator<K, undefined, undefined> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): Generator<V, undefined, undefined> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): Generator<[K, V], undefined, undefined> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'ReadMostlyMap';
  }

  /** Internal state for tests and debugging (see ReadMostlyInternals). */
  internals(): ReadMostlyInternals {
    return {
      readKeys: this.#readMap.size,
      dirtyKeys: this.#dirty === null ? undefined : this.#dirty.size,
      amended: this.#amended,
      misses: this.#misses,
    };
  }

  /**
   * Go's Load, shared by get and has: the live value, or DELETED when absent (an absent key and a deleted
   * or expunged box look the same to the caller). Counts the hit or miss, and the read miss of a fall
   * through to `dirty`.
   */
  private lookup(key: K): V | typeof DELETED {
    let box = this.#readMap.get(key);
    if (box === undefined && this.#amended) box = this.loadFromDirty(key);
    if (box !== undefined) {
      const p = box.p;
      if (p !== DELETED && p !== EXPUNGED) {
        this.#stats.hits++;
        return p;
      }
    }
    this.#stats.misses++;
    return DELETED;
  }

  /** A lookup that missed an amended `read`: consult `dirty` and count the miss. */
  private loadFromDirty(key: K): Box<V> | undefined {
    const box = this.#dirty!.get(key);
    this.missLocked();
    return box;
  }

  /** Go's missLocked: count, and promote `dirty` once the misses have paid for a copy of it. */
  private missLocked(): void {
    this.#stats.readMisses++;
    this.#misses++;
    if (this.#misses < this.#dirty!.size) return;
    this.promote();
  }

  private promote(): void {
    this.#readMap = this.#dirty!;
    this.#amended = false;
    this.#dirty = null;
    this.#misses = 0;
    this.#stats.promotions++;
  }

  /** The snapshot an iteration walks: promotes first when `dirty` holds keys `read` lacks (Go's Range). */
  private snapshot(): { m: ReadonlyMap<K, Box<V>>; epoch: Epoch } {
    if (this.#amended) this.promote();
    return { m: this.#readMap, epoch: this.#epoch };
  }

  /** Go's Swap/Store. */
  private swapBox(key: K, value: V): LoadResult<V> {
    let box = this.#readMap.get(key);
    if (box !== undefined) {
      if (box.p === EXPUNGED) this.#dirty!.set(key, box);
    } else {
      const dirty = this.#dirty;
      box = dirty === null ? undefined : dirty.get(key);
      if (box === undefined) {
        this.addNewKey(key, value);
        this.#stats.inserts++;
        return { value: undefined, loaded: false };
      }
    }
    const p = box.p;
    box.p = value;
    if (p === DELETED || p === EXPUNGED) {
      this.#live++;
      this.#stats.inserts++;
      return { value: undefined, loaded: false };
    }
    this.#stats.updates++;
    return { value: p, loaded: true };
  }

  /** A key in neither map: rebuild `dirty` if needed, mark `read` amended, add a fresh box. */
  private addNewKey(key: K, value: V): void {
    if (!this.#amended) {
      this.rebuildDirty();
      this.#amended = true;
    }
    this.#dirty!.set(key, new Box<V>(value));
    this.#live++;
  }

  /** Go's dirtyLocked: copy the live boxes of `read` into a new `dirty`, expunging the deleted ones. */
  private rebuildDirty(): void {
    if (this.#dirty !== null) return;
    const dirty = new Map<K, Box<V>>();
    let copied = 0;
    for (const [key, box] of this.#readMap) {
      if (box.p === DELETED) box.p = EXPUNGED;
      if (box.p === EXPUNGED) continue;
      dirty.set(key, box);
      copied++;
    }
    this.#dirty = dirty;
    this.#stats.copiedEntries += copied;
  }

  /**
   * Finds the box of `key` for a deletion. A key only in `dirty` is removed from it (its box is then
   * unreachable from the map); a key in `read` keeps its place and only its box changes.
   */
  private detach(key: K): Box<V> | undefined {
    let box = this.#readMap.get(key);
    if (box === undefined && this.#amended) {
      const dirty = this.#dirty!;
      box = dirty.get(key);
      dirty.delete(key);
      this.missLocked();
    }
    return box;
  }
}

function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}
