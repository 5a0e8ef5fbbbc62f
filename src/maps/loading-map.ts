/**
 * LoadingMap: a cache whose misses are filled by a loader, one load per key at a time (single flight).
 *
 * getOrLoad(key, loader, { signal })
 * - A fresh entry is a hit and resolves at once.
 * - Otherwise it is a miss. If a load of the key is in flight the caller joins it (`stats.loadJoins`)
 *   instead of calling its own loader: a stampede of N callers on a cold key makes one loader call.
 * - Success stores the value (an insert) and resolves every waiter with it. Failure stores nothing and
 *   rejects every waiter with the loader's own error; the next call loads again.
 * - `signal` concerns one caller only: its abort rejects that caller with `signal.reason` (the platform's
 *   convention, as in fetch) and never cancels the load, which others may be waiting for. An
 *   already-aborted signal rejects before anything is looked up or loaded.
 * - An explicit set/delete/clear of a key while its load is in flight wins: the load still answers its
 *   waiters, but its result is not stored, and the flight is forgotten so that a later getOrLoad loads
 *   afresh rather than joining a load whose result will be dropped (so briefly two loads of a key can
 *   run: the forgotten one and the new one).
 *
 * TTL (`ttlMs`): entries expire `ttlMs` after they were stored (by set or by a load), on the injectable
 * `now` clock (default Date.now). Every store moves its key to the end of the map (delete, then set), so
 * with one fixed TTL the map's order is expiry order; each store then removes the expired entries at the
 * oldest end, stopping at the first live one: amortised O(1) per store, and the map never holds more than
 * the entries stored within the last `ttlMs` (plus those that expired since the last store). Expired
 * entries are also removed when an operation touches them, at clear(), and by purgeExpired() (a full
 * scan, for a clock that went backwards or to free memory while nothing is stored). All count as
 * `cause=expire`. Until removed they occupy memory, so `size` (and the entries gauge) includes them;
 * lookups and iteration never return them. Iteration order with a TTL is store order (an overwrite moves
 * the key to the end); without a TTL it is a Map's insertion order.
 *
 * Counts: hits/misses for get, has and getOrLoad; inserts/updates for set and stored loads; deletes by
 * cause; loads by result with their cumulative duration (performance.now(), one read per load).
 */
import { defaultRegistry } from '../registry.js';
import type { MapStats } from '../stats/map-stats.js';
import { isAbortSignal } from '../sync/abort.js';
import { declaredBounds, requireOptions, type MapOptions } from './options.js';

export interface LoadingMapOptions extends MapOptions {
  /**
   * Time to live of an entry in milliseconds (> 0). Omitted or Infinity: entries never expire. The map
   * also declares it as its bound (`mapwatch_map_declared_ttl_seconds`).
   */
  ttlMs?: number;
  /** Millisecond clock for TTL; tests inject one. Default Date.now. */
  now?: () => number;
}

export interface GetOrLoadOptions {
  /** Abandons this caller's wait (not the load) when aborted. */
  signal?: AbortSignal;
}

export type Loader<K, V> = (key: K) => V | PromiseLike<V>;

interface Entry<V> {
  readonly value: V;
  /** Infinity without TTL. */
  readonly expiresAt: number;
}

interface Flight<V> {
  readonly promise: Promise<V>;
  /** Set by an explicit write of the key meanwhile: the result is returned but not stored. */
  stale: boolean;
}

const noop = () => undefined;

export class LoadingMap<K, V> {
  private readonly entries_ = new Map<K, Entry<V>>();
  private readonly flights = new Map<K, Flight<V>>();
  private readonly stats: MapStats;
  private readonly ttlMs: number | undefined;
  private readonly now: () => number;
  /**
   * With a TTL: a cursor over `entries_` in order, kept across stores so that purging the oldest end does
   * not rescan the holes deleted entries leave at the front of V8's hash table (a fresh iterator would,
   * making each purge O(n)). `head` is the entry read from it and not yet removed; it is re-validated
   * against the map before use, since its key may have been deleted or re-stored meanwhile. Cost: until
   * the cursor next advances (at the latest when `head` expires, one TTL), it may keep V8's previous hash
   * tables of this map reachable, and `head` itself may be a deleted entry: bounded, short-lived memory,
   * traded for O(1) purging.
   */
  private cursor: Iterator<[K, Entry<V>]> | undefined = undefined;
  private head: [K, Entry<V>] | undefined = undefined;

  constructor(options: LoadingMapOptions) {
    const {
      name,
      registry = defaultRegistry,
      ttlMs,
      now = Date.now,
    } = requireOptions(options, 'new LoadingMap()');
    if (ttlMs !== undefined) {
      if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs)) {
        throw new TypeError(
          `mapwatch: LoadingMap ttlMs must be a number of milliseconds, got ${String(ttlMs)}`,
        );
      }
      if (ttlMs <= 0) throw new RangeError(`mapwatch: LoadingMap ttlMs must be > 0, got ${ttlMs}`);
    }
    if (typeof now !== 'function')
      throw new TypeError('mapwatch: LoadingMap now must be a function returning ms');
    const bounds = declaredBounds(options, 'new LoadingMap()');
    this.ttlMs = ttlMs === Infinity ? undefined : ttlMs;
    this.now = now;
    // The TTL it enforces is its declared TTL.
    this.stats = registry.trackMap(this, name, 'loading', bounds);
  }

  /** Stored entries, including expired ones not yet removed (they still hold memory). */
  get size(): number {
    return this.entries_.size;
  }

  /** Loads in flight now. */
  get loading(): number {
    return this.flights.size;
  }

  getOrLoad(key: K, loader: Loader<K, V>, options?: GetOrLoadOptions): Promise<V> {
    if (typeof loader !== 'function') {
      throw new TypeError(
        'mapwatch: getOrLoad(key, loader) needs a loader function (key) => value | Promise<value>',
      );
    }
    const signal = options?.signal;
    if (signal !== undefined) {
      if (!isAbortSignal(signal))
        throw new TypeError('mapwatch: getOrLoad option signal must be an AbortSignal');
      if (signal.aborted) return Promise.reject(signal.reason);
    }
    const entry = this.fresh(key);
    if (entry !== undefined) {
      this.stats.hits++;
      return Promise.resolve(entry.value);
    }
    this.stats.misses++;
    let flight = this.flights.get(key);
    if (flight !== undefined) this.stats.loadJoins++;
    else flight = this.load(key, loader);
    return signal === undefined ? flight.promise : untilAborted(flight.promise, signal);
  }

  get(key: K): V | undefined {
    const entry = this.fresh(key);
    if (entry === undefined) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return entry.value;
  }

  has(key: K): boolean {
    const found = this.fresh(key) !== undefined;
    if (found) this.stats.hits++;
    else this.stats.misses++;
    return found;
  }

  set(key: K, value: V): this {
    this.forgetFlight(key);
    this.store(key, value);
    return this;
  }

  delete(key: K): boolean {
    this.forgetFlight(key);
    const removed = this.fresh(key) !== undefined;
    if (removed) {
      this.entries_.delete(key);
      this.stats.deletesExplicit++;
      // The cursor is past a deleted head: let go of its value now rather than at the next store.
      if (this.head !== undefined && this.entries_.get(this.head[0]) !== this.head[1]) this.head = undefined;
    }
    return removed;
  }

  clear(): void {
    for (const flight of this.flights.values()) flight.stale = true;
    this.flights.clear();
    if (this.ttlMs !== undefined) this.purgeExpired();
    this.stats.deletesClear += this.entries_.size;
    this.entries_.clear();
    this.cursor = undefined;
    this.head = undefined;
  }

  /** Removes every expired entry now (counted as `cause=expire`); returns how many. */
  purgeExpired(): number {
    if (this.ttlMs === undefined) return 0;
    const t = this.now();
    let removed = 0;
    for (const [key, entry] of this.entries_) {
      if (entry.expiresAt <= t) {
        this.entries_.delete(key); // deleting the current entry while iterating a Map is safe
        removed++;
      }
    }
    this.stats.deletesExpire += removed;
    return removed;
  }

  forEach(callbackfn: (value: V, key: K, map: this) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callbackfn.call(thisArg, value, key, this);
  }

  /** Live (unexpired) entries in insertion order, as a Map iterates. */
  *entries(): Generator<[K, V], undefined, undefined> {
    const t = this.ttlMs === undefined ? -Infinity : this.now();
    for (const [key, entry] of this.entries_) {
      if (entry.expiresAt > t) yield [key, entry.value];
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
    return 'LoadingMap';
  }

  /** The entry if present and unexpired; an expired one is removed and counted here. */
  private fresh(key: K): Entry<V> | undefined {
    const entry = this.entries_.get(key);
    if (entry === undefined) return undefined;
    if (this.ttlMs !== undefined && entry.expiresAt <= this.now()) {
      this.entries_.delete(key);
      this.stats.deletesExpire++;
      return undefined;
    }
    return entry;
  }

  private store(key: K, value: V): void {
    // An expired entry being replaced counts as expired, then as a new insert.
    const present = this.fresh(key) !== undefined;
    if (present) this.stats.updates++;
    else this.stats.inserts++;
    const ttlMs = this.ttlMs;
    if (ttlMs === undefined) {
      this.entries_.set(key, { value, expiresAt: Infinity });
      return;
    }
    const t = this.now();
    // Delete first so the key moves to the end: map order stays expiry order.
    if (present) this.entries_.delete(key);
    this.entries_.set(key, { value, expiresAt: t + ttlMs });
    this.purgeHead(t);
  }

  /**
   * Removes expired entries from the oldest end, stopping at the first live one. Each entry is passed by
   * the cursor once, so this is amortised O(1) per store. If the clock went backwards the order may not
   * be expiry order; then this stops early (correct, only less thorough) and purgeExpired() does the rest.
   */
  private purgeHead(t: number): void {
    const map = this.entries_;
    let removed = 0;
    // Bounded: every round consumes one entry of the cursor or returns.
    for (;;) {
      let head = this.head;
      if (head === undefined) {
        this.cursor ??= map.entries();
        const r = this.cursor.next();
        if (r.done === true) {
          this.cursor = undefined; // a finished Map iterator never resumes; start a new one next time
          break;
        }
        head = r.value;
      }
      // Stale when its key was deleted or re-stored since the cursor passed it (the new entry is ahead).
      if (map.get(head[0]) === head[1]) {
        if (head[1].expiresAt > t) {
          this.head = head;
          break;
        }
        map.delete(head[0]);
        removed++;
      }
      this.head = undefined;
    }
    this.stats.deletesExpire += removed;
  }

  /** Marks the key's flight stale (its result will not be stored) and forgets it, so nobody joins it. */
  private forgetFlight(key: K): void {
    const flight = this.flights.get(key);
    if (flight === undefined) return;
    flight.stale = true;
    this.flights.delete(key);
  }

  private load(key: K, loader: Loader<K, V>): Flight<V> {
    let settle!: (outcome: { ok: true; value: V } | { ok: false; error: unknown }) => void;
    const promise = new Promise<V>((resolve, reject) => {
      settle = (o) => (o.ok ? resolve(o.value) : reject(o.error));
    });
    // If every waiter aborted, nobody awaits the flight: its failure must not be an unhandled rejection.
    promise.catch(noop);
    const flight: Flight<V> = { promise, stale: false };
    // Registered before the loader runs, so even a caller re-entering synchronously joins this flight.
    this.flights.set(key, flight);
    const stats = this.stats;
    const started = performance.now();
    const finish = () => {
      stats.loadSeconds += (performance.now() - started) / 1000;
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    let result: V | PromiseLike<V>;
    try {
      result = loader(key);
    } catch (error) {
      result = Promise.reject(error);
    }
    Promise.resolve(result).then(
      (value) => {
        finish();
        stats.loadsSuccess++;
        if (!flight.stale) this.store(key, value);
        settle({ ok: true, value });
      },
      (error: unknown) => {
        finish();
        stats.loadsFailure++;
        settle({ ok: false, error });
      },
    );
    return flight;
  }
}

/** Follows `promise`, but rejects with the signal's reason as soon as it aborts. */
function untilAborted<V>(promise: Promise<V>, signal: AbortSignal): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
