/**
 * LockedMap: a Map guarded by an RWLock, for state that async code reads and modifies across `await`.
 *
 * - `read(fn)` runs `fn` with a counting, read-only view under a read hold (many at once);
 *   `write(fn)` with a counting Map view under the write hold (alone). Views, and iterators taken from
 *   them, stop working when the section ends. Both release when `fn` returns or throws (or the promise it
 *   returns settles). As with RWLock.withRead/withWrite, `fn` runs synchronously inside the call when the
 *   lock is free, nobody waits and no options are given; otherwise once the hold is granted.
 * - `write(fn)` is not a transaction: the view writes through to the map, so mutations made before `fn`
 *   throws stay. Compute first and mutate at the end (or use `update`, which stores nothing on a throw).
 * - `update(key, fn)` is the async read-modify-write: under the write hold it passes the current value
 *   (or undefined) to `fn` and stores the result; `undefined` deletes the key. It counts only the write
 *   it makes (insert, update or delete), not a lookup.
 * - `get/has/set/delete/clear` are single operations under the lock. When the lock is free and nobody
 *   waits they run synchronously (taking and returning the hold in the same step, which no other task can
 *   observe) and return a resolved promise; otherwise they queue like any acquisition. Each takes the
 *   same `{ signal, timeoutMs }` options as the lock.
 * - `size` is synchronous and unlocked: a count is always consistent in single-threaded JS.
 *
 * Locks are not re-entrant (see RWLock): inside `read`/`write`/`update`, use the view or the `current`
 * argument, never the map itself. `m.update('x', async (v) => v + (await m.get('y')))` waits for the hold
 * its own callback keeps, so it never settles; pass `{ timeoutMs }` to the inner call to get a
 * LockTimeoutError instead, or better, use `write((view) => ...)` to read both keys under one hold.
 *
 * Stats: map counters under `kind=locked`, and the lock's counters under the same name, so one series
 * shows both what is done to the map and how long tasks queued for it.
 */
import { validateMapName } from '../names.js';
import { registryOption } from '../registry-option.js';
import type { MapStats } from '../stats/map-stats.js';
import {
  enterNow,
  exitNow,
  NOT_FREE,
  runNow,
  RWLock,
  sectionFnError,
  type AcquireOptions,
} from '../sync/rwlock.js';
import { readNow, writeNow } from '../sync/sections.js';
import {
  LockedReadView,
  LockedWriteView,
  countedApply,
  countedClear,
  countedDelete,
  countedGet,
  countedHas,
  countedSet,
} from './locked-map-views.js';
import { declaredBounds, splitMapArgs, type MapOptions } from './options.js';

export class LockedMap<K, V> {
  readonly #inner = new Map<K, V>();
  readonly #stats: MapStats;
  readonly #lock: RWLock;

  constructor(options: MapOptions);
  constructor(entries: Iterable<readonly [K, V]> | null | undefined, options: MapOptions);
  constructor(
    entriesOrOptions: Iterable<readonly [K, V]> | MapOptions | null | undefined,
    maybeOptions?: MapOptions,
  ) {
    const { entries, options } = splitMapArgs(entriesOrOptions, maybeOptions, 'new LockedMap()');
    const registry = registryOption(options.registry, 'new LockedMap()');
    const bounds = declaredBounds(options, 'new LockedMap()');
    // The entries are read, and a bad one refused, before the map registers: a construction that fails
    // on an entry leaves no instance behind. Reading them all before storing them changes nothing a
    // caller sees, since the inner map is private and storing calls no user code.
    // The name is checked first, as trackMap would: options are refused before any entry is read.
    validateMapName(options.name);
    const initial = Array.from(entries);
    this.#stats = registry.trackMap(this, options.name, 'locked', bounds);
    // Same name and registry: the lock's series join the map's.
    this.#lock = new RWLock({ name: options.name, registry });
    for (const [k, v] of initial) countedSet(this.#inner, this.#stats, k, v);
  }

  get size(): number {
    return this.#inner.size;
  }

  /** Tasks queued on this map's lock now. */
  get waiting(): number {
    return this.#lock.waiting;
  }

  /**
   * Runs `fn` with a read-only counting view under a read hold. Like RWLock.withRead, `fn` runs
   * synchronously inside this call when the lock is free for reading, nobody waits and no options are given.
   */
  read<T>(fn: (view: ReadonlyMap<K, V>) => T | PromiseLike<T>, options?: AcquireOptions): Promise<T> {
    if (typeof fn !== 'function') return Promise.reject(sectionFnError(fn, 'LockedMap.read(fn)'));
    const view = new LockedReadView(this.#inner, this.#stats);
    if (options === undefined) {
      const done = this.#lock[runNow]('read', fn, view);
      if (done !== undefined) return done;
    }
    return this.queuedSection('read', fn, view, options);
  }

  /**
   * Runs `fn` with a counting Map view under the write hold. Not transactional: mutations made through
   * the view before `fn` throws are kept. Like RWLock.withWrite, `fn` runs synchronously inside this call
   * when the lock is free, nobody waits and no options are given.
   */
  write<T>(fn: (map: Map<K, V>) => T | PromiseLike<T>, options?: AcquireOptions): Promise<T> {
    if (typeof fn !== 'function') return Promise.reject(sectionFnError(fn, 'LockedMap.write(fn)'));
    const view = new LockedWriteView(this.#inner, this.#stats);
    if (options === undefined) {
      const done = this.#lock[runNow]('write', fn, view);
      if (done !== undefined) return done;
    }
    return this.queuedSection('write', fn, view, options);
  }

  /**
   * A read/write section through a normal acquisition (options to check, or a wait); async, so a bad
   * option becomes a rejection. The view closes before the release.
   */
  private async queuedSection<A extends LockedReadView<K, V>, T>(
    mode: 'read' | 'write',
    fn: (view: A) => T | PromiseLike<T>,
    view: A,
    options: AcquireOptions | undefined,
  ): Promise<T> {
    const release = await (mode === 'read'
      ? this.#lock.acquireRead(options)
      : this.#lock.acquireWrite(options));
    try {
      return await fn(view);
    } finally {
      view.close();
      release();
    }
  }

  /**
   * Read-modify-write of one key under the write hold: stores what `fn` returns (undefined deletes) and
   * resolves to it. If `fn` throws, nothing changes. `fn` must not call this map (not re-entrant).
   */
  async update(
    key: K,
    fn: (current: V | undefined) => V | undefined | PromiseLike<V | undefined>,
    options?: AcquireOptions,
  ): Promise<V | undefined> {
    if (typeof fn !== 'function') throw sectionFnError(fn, 'LockedMap.update(key, fn)');
    const release = await this.#lock.acquireWrite(options);
    try {
      const next = await fn(this.#inner.get(key));
      countedApply(this.#inner, this.#stats, key, next);
      return next;
    } finally {
      release();
    }
  }

  get(key: K, options?: AcquireOptions): Promise<V | undefined> {
    // The hit path, spelled out: readNow's semantics without allocating its callback (issue #11 budget).
    if (options === undefined) {
      const token = this.#lock[enterNow]('read');
      if (token !== NOT_FREE) {
        try {
          return Promise.resolve(countedGet(this.#inner, this.#stats, key));
        } catch (error) {
          return Promise.reject(error);
        } finally {
          this.#lock[exitNow]('read', token);
        }
      }
    }
    return readNow(this.#lock, () => countedGet(this.#inner, this.#stats, key), options);
  }

  has(key: K, options?: AcquireOptions): Promise<boolean> {
    return readNow(this.#lock, () => countedHas(this.#inner, this.#stats, key), options);
  }

  set(key: K, value: V, options?: AcquireOptions): Promise<void> {
    return writeNow(this.#lock, () => countedSet(this.#inner, this.#stats, key, value), options);
  }

  delete(key: K, options?: AcquireOptions): Promise<boolean> {
    return writeNow(this.#lock, () => countedDelete(this.#inner, this.#stats, key), options);
  }

  /** Replaces every entry at once under the write hold (counted as `cause=clear`). */
  clear(options?: AcquireOptions): Promise<void> {
    return writeNow(this.#lock, () => countedClear(this.#inner, this.#stats), options);
  }

  get [Symbol.toStringTag](): string {
    return 'LockedMap';
  }
}
