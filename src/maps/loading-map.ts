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
 *   convention, as in fetch) and never cancels the load, which others may be waiting for. The caller is
 *   released at once: nothing of it is kept until the load settles (O(1) removal from the flight's
 *   waiters). An already-aborted signal rejects before anything is looked up or loaded.
 * - `loadTimeoutMs` bounds how long a load keeps its callers: past it, every caller of that load rejects
 *   with a `TimeoutError` DOMException, the load counts as failed and is forgotten (the next getOrLoad
 *   loads afresh; a late result is not stored), and the loader's signal (its second argument, passed only
 *   with this option) aborts with the same error. Without it a load that never settles holds its
 *   signal-less callers, and every later caller of the key joins it, for ever.
 * - User code never leaves a caller pending: a loader that throws or returns a broken thenable, and a
 *   `now` clock that throws (or returns a non-number) when the result is stored, reject the waiters with
 *   that error; nothing becomes an unhandled rejection.
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
 * the key to the end, yet an iteration visits each key once, as a Map does, even if it overwrites every
 * key it visits); without a TTL it is a Map's insertion order.
 *
 * Counts: hits/misses for get, has and getOrLoad; inserts/updates for set and stored loads; deletes by
 * cause; loads by result with their cumulative duration (performance.now(), one read per load).
 *
 * State lives in private (#) fields, so a frozen LoadingMap works as a frozen Map does, and neither
 * JSON.stringify nor Object.keys shows internals.
 */
import { validateDeclaredBounds } from '../registry.js';
import { registryOption } from '../registry-option.js';
import { newMapToken, SLOT_INDEX_MASK } from '../stats/map-groups.js';
import type { MapStats } from '../stats/map-stats.js';
import { isAbortSignal } from '../sync/abort.js';
import { optionsOnly, type MapOptions } from './options.js';
import { abortReason, Flight } from './loading-flight.js';
import { MAX_TIMER_MS } from '../timer-bounds.js';
import { describeValue } from '../describe-value.js';

export interface LoadingMapOptions extends MapOptions {
  /**
   * Time to live of an entry in milliseconds (> 0). Omitted or Infinity: entries never expire. The map
   * also declares it as its bound (`mapwatch_map_declared_ttl_seconds`).
   */
  ttlMs?: number;
  /** Millisecond clock for TTL; tests inject one. Default Date.now. */
  now?: () => number;
  /**
   * Longest a load may keep its callers waiting, in milliseconds (> 0 and at most 2147483647, Node's
   * longest timer; omitted or Infinity: no limit).
   * Past it the callers reject with a `TimeoutError` DOMException, the load is forgotten (the next
   * getOrLoad loads afresh) and the signal passed to the loader aborts.
   */
  loadTimeoutMs?: number;
}

export interface GetOrLoadOptions {
  /** Abandons this caller's wait (not the load) when aborted. */
  signal?: AbortSignal;
}

/**
 * Loads the value of a missing key. `signal` is passed only when the map has a `loadTimeoutMs`: it aborts
 * when the load times out, so that the loader can stop its work (pass it to fetch, a database driver...).
 */
export type Loader<K, V> = (key: K, signal?: AbortSignal) => V | PromiseLike<V>;

interface Entry<V> {
  readonly value: V;
  /** Infinity without TTL. */
  readonly expiresAt: number;
  /**
   * Identifies this presence of the key, from the store that inserted it to its removal; an update
   * keeps it. Iteration with a TTL uses it to visit a key once however often an update moves it.
   */
  readonly presence: number;
}

function positiveMs(option: string, value: unknown): number | undefined {
  if (value === undefined || value === Infinity) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(
      `mapwatch: LoadingMap ${option} must be a number of milliseconds, got ${describeValue(value)}`,
    );
  }
  if (value <= 0) throw new RangeError(`mapwatch: LoadingMap ${option} must be > 0, got ${value}`);
  return value;
}

/** A load timeout is a setTimeout delay, so it must be one Node keeps (Infinity already means none). */
function loadTimeoutOption(value: unknown): number | undefined {
  const ms = positiveMs('loadTimeoutMs', value);
  if (ms !== undefined && ms > MAX_TIMER_MS) {
    throw new RangeError(
      `mapwatch: LoadingMap loadTimeoutMs must be at most ${MAX_TIMER_MS} ms (about 24.8 days), or Infinity for no limit, got ${ms}`,
    );
  }
  return ms;
}

export class LoadingMap<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #flights = new Map<K, Flight<V>>();
  /** Counters shared by every LoadingMap of the name (see stats/map-groups.ts). */
  readonly #stats: MapStats;
  /** This map's entry count in the registry's table (`#counts[#index]`), kept by #counted(). */
  readonly #counts: Int32Array;
  readonly #index: number;
  /**
   * Referenced by this map only: its collection tells the registry the map is gone. Undefined where the
   * map is its own death notice (newMapToken).
   */
  readonly #token = newMapToken();
  readonly #name: string;
  readonly #ttlMs: number | undefined;
  readonly #loadTimeoutMs: number | undefined;
  readonly #now: () => number;
  /**
   * With a TTL: a cursor over `#entries` in order, kept across stores so that purging the oldest end does
   * not rescan the holes deleted entries leave at the front of V8's hash table (a fresh iterator would,
   * making each purge O(n)). `#head` is the entry read from it and not yet removed; it is re-validated
   * against the map before use, since its key may have been deleted or re-stored meanwhile. Cost: until
   * the cursor next advances (at the latest when `#head` expires, one TTL), it may keep V8's previous
   * hash tables of this map reachable, and `#head` itself may be a deleted entry: bounded, short-lived
   * memory, traded for O(1) purging.
   */
  #cursor: Iterator<[K, Entry<V>]> | undefined = undefined;
  #head: [K, Entry<V>] | undefined = undefined;
  /** The last `Entry.presence` handed out. */
  #presences = 0;

  constructor(options: LoadingMapOptions) {
    const { name, now = Date.now } = optionsOnly(options, 'new LoadingMap()');
    const registry = registryOption(options.registry, 'new LoadingMap()');
    const ttlMs = positiveMs('ttlMs', options.ttlMs);
    const loadTimeoutMs = loadTimeoutOption(options.loadTimeoutMs);
    if (typeof now !== 'function')
      throw new TypeError('mapwatch: LoadingMap now must be a function returning ms');
    const bounds = validateDeclaredBounds(options, 'new LoadingMap()');
    this.#ttlMs = ttlMs;
    this.#loadTimeoutMs = loadTimeoutMs;
    this.#now = now;
    // The TTL it enforces is its declared TTL.
    const group = registry.mapGroup(name, 'loading', false);
    this.#stats = group.stats;
    const slot = registry.openMap(group, this.#token ?? this, bounds);
    this.#counts = registry.countsOf(slot);
    this.#index = slot & SLOT_INDEX_MASK;
    this.#name = name;
  }

  /** Stored entries, including expired ones not yet removed (they still hold memory). */
  get size(): number {
    return this.#entries.size;
  }

  /** Loads in flight now. */
  get loading(): number {
    return this.#flights.size;
  }

  getOrLoad(key: K, loader: Loader<K, V>, options?: GetOrLoadOptions): Promise<V> {
    if (typeof loader !== 'function') {
      throw new TypeError(
        'mapwatch: getOrLoad(key, loader) needs a loader function (key) => value | Promise<value>',
      );
    }
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(
        'mapwatch: getOrLoad(key, loader, options) takes an options object, e.g. { signal }',
      );
    }
    const signal = options?.signal;
    if (signal !== undefined) {
      if (!isAbortSignal(signal))
        throw new TypeError('mapwatch: getOrLoad option signal must be an AbortSignal');
      if (signal.aborted) return Promise.reject(abortReason(signal));
    }
    let flight: Flight<V>;
    try {
      const entry = this.#fresh(key, this.#clock());
      if (entry !== undefined) {
        this.#stats.hits++;
        return Promise.resolve(entry.value);
      }
      this.#stats.misses++;
      const joined = this.#flights.get(key);
      if (joined !== undefined) this.#stats.loadJoins++;
      flight = joined ?? this.#load(key, loader);
    } catch (error) {
      // The clock failed: a promise-returning call reports it as a rejection; nothing has changed.
      return Promise.reject(error);
    }
    return signal === undefined ? flight.promise : flight.wait(signal);
  }

  get(key: K): V | undefined {
    const entry = this.#fresh(key, this.#clock());
    if (entry === undefined) {
      this.#stats.misses++;
      return undefined;
    }
    this.#stats.hits++;
    return entry.value;
  }

  has(key: K): boolean {
    const found = this.#fresh(key, this.#clock()) !== undefined;
    if (found) this.#stats.hits++;
    else this.#stats.misses++;
    return found;
  }

  set(key: K, value: V): this {
    const t = this.#clock();
    this.#forgetFlight(key);
    this.#store(key, value, t);
    return this;
  }

  delete(key: K): boolean {
    const t = this.#clock();
    this.#forgetFlight(key);
    const removed = this.#fresh(key, t) !== undefined;
    if (removed) {
      this.#entries.delete(key);
      this.#counted();
      this.#stats.deletesExplicit++;
      // The cursor is past a deleted head: let go of its value now rather than at the next store.
      const head = this.#head;
      if (head !== undefined && this.#entries.get(head[0]) !== head[1]) this.#head = undefined;
    }
    return removed;
  }

  clear(): void {
    // Expired entries count as expired, not cleared (this reads the clock before anything changes).
    if (this.#ttlMs !== undefined) this.purgeExpired();
    for (const flight of this.#flights.values()) flight.stale = true;
    this.#flights.clear();
    this.#stats.deletesClear += this.#entries.size;
    this.#entries.clear();
    this.#counted();
    this.#cursor = undefined;
    this.#head = undefined;
  }

  /** Removes every expired entry now (counted as `cause=expire`); returns how many. */
  purgeExpired(): number {
    if (this.#ttlMs === undefined) return 0;
    const t = this.#clock();
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= t) {
        this.#entries.delete(key); // deleting the current entry while iterating a Map is safe
        removed++;
      }
    }
    this.#stats.deletesExpire += removed;
    this.#counted();
    return removed;
  }

  forEach(callbackfn: (value: V, key: K, map: this) => void, thisArg?: unknown): void {
    if (typeof callbackfn !== 'function') {
      throw new TypeError('mapwatch: LoadingMap forEach(callback) needs a function, as Map does');
    }
    for (const [key, value] of this.entries()) callbackfn.call(thisArg, value, key, this);
  }

  /**
   * Live (unexpired) entries in the map's order, visited as a Map visits them while it changes: an entry
   * stored during the iteration is visited (once), a deleted one not yet visited is not.
   */
  *entries(): Generator<[K, V], undefined, undefined> {
    if (this.#ttlMs === undefined) {
      for (const [key, entry] of this.#entries) yield [key, entry.value];
      return;
    }
    yield* this.#liveOnce(this.#clock());
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

  /**
   * With a TTL an update moves its key to the end (see #store), where this live iteration would meet it
   * again, for ever if every visit updates it; a Map visits an updated key once. So each presence of a key
   * is visited once, remembered for the iteration (one set entry per visit: the price of keeping
   * expiry order). A key deleted and stored again is a new presence, visited again, as in a Map.
   */
  *#liveOnce(t: number): Generator<[K, V], undefined, undefined> {
    const visited = new Set<number>();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= t || visited.has(entry.presence)) continue;
      visited.add(entry.presence);
      yield [key, entry.value];
    }
  }

  /**
   * The injected clock, read once per operation and before anything changes, so that a clock that throws
   * leaves the map as it was. Without a TTL nothing reads it.
   */
  #clock(): number {
    if (this.#ttlMs === undefined) return -Infinity;
    const t = this.#now();
    if (typeof t !== 'number' || Number.isNaN(t)) {
      throw new TypeError(`mapwatch: LoadingMap now() must return a number of ms, got ${typeof t}`);
    }
    return t;
  }

  /**
   * Publishes the entry count to the registry's table after a change of `#entries` (the registry holds
   * no reference to the map, so it reads the count there).
   */
  #counted(): void {
    this.#counts[this.#index] = this.#entries.size;
  }

  /** The entry if present and unexpired at `t`; an expired one is removed and counted here. */
  #fresh(key: K, t: number): Entry<V> | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= t) {
      this.#entries.delete(key);
      this.#counted();
      this.#stats.deletesExpire++;
      return undefined;
    }
    return entry;
  }

  #store(key: K, value: V, t: number): void {
    // An expired entry being replaced counts as expired, then as a new insert.
    const previous = this.#fresh(key, t);
    const present = previous !== undefined;
    if (present) this.#stats.updates++;
    else this.#stats.inserts++;
    const presence = present ? previous.presence : ++this.#presences;
    const ttlMs = this.#ttlMs;
    if (ttlMs === undefined) {
      this.#entries.set(key, { value, expiresAt: Infinity, presence });
      this.#counted();
      return;
    }
    // Delete first so the key moves to the end: map order stays expiry order.
    if (present) this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: t + ttlMs, presence });
    this.#purgeHead(t);
    this.#counted();
  }

  /**
   * Removes expired entries from the oldest end, stopping at the first live one. Each entry is passed by
   * the cursor once, so this is amortised O(1) per store. If the clock went backwards the order may not
   * be expiry order; then this stops early (correct, only less thorough) and purgeExpired() does the rest.
   */
  #purgeHead(t: number): void {
    const map = this.#entries;
    let removed = 0;
    // Bounded: every round consumes one entry of the cursor or returns.
    for (;;) {
      let head = this.#head;
      if (head === undefined) {
        this.#cursor ??= map.entries();
        const r = this.#cursor.next();
        if (r.done === true) {
          this.#cursor = undefined; // a finished Map iterator never resumes; start a new one next time
          break;
        }
        head = r.value;
      }
      // Stale when its key was deleted or re-stored since the cursor passed it (the new entry is ahead).
      if (map.get(head[0]) === head[1]) {
        if (head[1].expiresAt > t) {
          this.#head = head;
          break;
        }
        map.delete(head[0]);
        removed++;
      }
      this.#head = undefined;
    }
    this.#stats.deletesExpire += removed;
  }

  /** Marks the key's flight stale (its result will not be stored) and forgets it, so nobody joins it. */
  #forgetFlight(key: K): void {
    const flight = this.#flights.get(key);
    if (flight === undefined) return;
    flight.stale = true;
    this.#flights.delete(key);
  }

  #load(key: K, loader: Loader<K, V>): Flight<V> {
    const flight = new Flight<V>();
    // Registered before the loader runs, so even a caller re-entering synchronously joins this flight.
    this.#flights.set(key, flight);
    const stats = this.#stats;
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** Ends the load once (by its outcome or its timeout); false if it had already ended. */
    const finish = (): boolean => {
      if (flight.done) return false;
      flight.done = true;
      if (timer !== undefined) clearTimeout(timer);
      stats.loadSeconds += (performance.now() - started) / 1000;
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
      return true;
    };

    let controller: AbortController | undefined;
    const timeoutMs = this.#loadTimeoutMs;
    if (timeoutMs !== undefined) {
      controller = new AbortController();
      const abort = controller;
      timer = setTimeout(() => {
        if (!finish()) return;
        stats.loadsFailure++;
        flight.stale = true;
        const error = new DOMException(
          `mapwatch: a load of LoadingMap '${this.#name}' did not settle within ${timeoutMs} ms ` +
            '(loadTimeoutMs); its callers were released and the next getOrLoad of the key loads afresh',
          'TimeoutError',
        );
        flight.settle({ ok: false, error });
        // The loader's own abort listeners run here; whatever they throw is theirs, reported by Node.
        abort.abort(error);
      }, timeoutMs);
      // A pending load must not keep the process alive on its own.
      timer.unref?.();
    }

    let result: V | PromiseLike<V>;
    try {
      result = controller === undefined ? loader(key) : loader(key, controller.signal);
    } catch (error) {
      result = Promise.reject(error);
    }
    // Neither callback can throw: every user call in them (the clock, when storing) is contained, so
    // the chain never ends in an unhandled rejection and the callers always settle.
    Promise.resolve(result).then(
      (value) => {
        if (!finish()) return; // timed out: the callers have their answer, the result is dropped
        stats.loadsSuccess++;
        if (!flight.stale) {
          try {
            this.#store(key, value, this.#clock());
          } catch (error) {
            flight.settle({ ok: false, error });
            return;
          }
        }
        flight.settle({ ok: true, value });
      },
      (error: unknown) => {
        if (!finish()) return;
        stats.loadsFailure++;
        flight.settle({ ok: false, error });
      },
    );
    return flight;
  }
}
