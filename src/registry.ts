/**
 * The registry: which maps and locks exist, under which names, and their counts.
 *
 * - Live maps and locks are held weakly (WeakRef): instrumenting a map never keeps it alive.
 * - Their stats objects are held strongly, so when a map is collected its counts fold into the name's
 *   retired totals and no counter ever goes backwards.
 * - Series are per name: many live maps with one name aggregate into one series, and the number of live
 *   map objects is reported as `instances`.
 * - The number of distinct names is capped; maps past the cap fold into `_other` and are counted, so the
 *   series count stays bounded whatever the service does.
 */
import { OVERFLOW_MAP_NAME, type LeakState, type LockMode, type MapKind } from './conventions.js';
import { validateMapName } from './names.js';
import { LockStats } from './stats/lock-stats.js';
import { MapStats } from './stats/map-stats.js';

/** Anything with a live entry count. Sharded maps may also report their imbalance. */
export interface Measurable {
  readonly size: number;
  /** Fullest shard over the mean shard; only sharded maps implement it. */
  shardImbalance?(): number;
}

/** Entry survival sampling of one map (see the detector module); the registry only reads it. */
export interface SurvivalSource {
  /**
   * Insertion time (ms since epoch) of the oldest sampled entry still in the map, if any. A source may
   * read the clock lazily (mapwatch's sampler stamps an entry at the first call after its insertion):
   * the time must never be earlier than the insertion.
   */
  oldestSampledAtMs(): number | undefined;
  /** Sampled entries still in the map. */
  sampledLive(): number;
  /** Of those, the ones never read since insertion; undefined when the source does not track reads. */
  sampledNeverRead(): number | undefined;
}

/**
 * Entry survival sampling for a map: `true` for the default (age-only, 32 entries), `false` for none,
 * or `{ size?, reads? }`: `size` entries (1 to 1024), with read tracking (the never-read share) only
 * when `reads: true`.
 */
export type SurvivalSamplingOption = boolean | { size?: number; reads?: boolean };

/** What a map declares about its bounds when it is tracked (validated by the map's constructor). */
export interface DeclaredBounds {
  /** The most entries the map may hold (a positive integer). */
  readonly maxEntries?: number | undefined;
  /** The longest an entry stays, in milliseconds (positive; Infinity or undefined: no TTL). */
  readonly ttlMs?: number | undefined;
}

/** What trackMap takes besides the map, its name and its kind. */
export interface TrackMapOptions extends DeclaredBounds {
  /** The map's entry survival sampler, if it samples. */
  readonly survival?: SurvivalSource | undefined;
}

export interface LeakVerdict {
  /** The detector's state; `suspect` is true in the `leak` state only. */
  readonly state: LeakState;
  readonly suspect: boolean;
  /** Robust growth of the entry floor, entries per second. */
  readonly growthPerSecond: number;
  readonly reason?: string;
}

export interface MapRegistryOptions {
  /**
   * Distinct map names tracked before further names fold into `map_name="_other"`.
   * Default 1000: enough for every map a service declares, small enough that a name built from
   * request data (a bug) cannot grow the series count without bound.
   */
  maxNames?: number;
  /** Clock for survival ages; tests inject one. Default `Date.now`. */
  now?: () => number;
  /**
   * Entry survival sampling for maps of this registry that do not choose (`sampleSurvival` on the map
   * wins). Default `true`: age-only sampling of 32 entries, with no work on `get`/`has`. Pass
   * `{ reads: true }` to track reads too, `false` to turn sampling off. Also settable later through the
   * `survivalSampling` property (it applies to maps created afterwards).
   */
  survivalSampling?: SurvivalSamplingOption;
}

export const DEFAULT_MAX_NAMES = 1000;

/** One tracked map or lock. Never references the object itself except through the WeakRef. */
interface TrackedRecord {
  readonly ref: WeakRef<object>;
  readonly entry: NameEntry;
  /** undefined for a lock registered on its own (no map under the name). */
  readonly kind: MapKind | undefined;
  readonly map: MapStats | undefined;
  readonly lock: LockStats | undefined;
  readonly survival: SurvivalSource | undefined;
  /** Declared bounds (maps only); undefined when the map declares none. */
  readonly maxEntries: number | undefined;
  readonly ttlSeconds: number | undefined;
  folded: boolean;
}

class NameEntry {
  readonly kinds = new Set<MapKind>();
  readonly live = new Set<TrackedRecord>();
  readonly retiredMap = new MapStats();
  retiredLock: LockStats | undefined = undefined;
  leak: LeakVerdict | undefined = undefined;
  constructor(readonly name: string) {}
}

/** Totals of one name at one moment, as the exporters see them. */
export interface NameSnapshot {
  readonly name: string;
  /** Kinds of map ever registered under the name (decides which metric families it emits). */
  readonly kinds: ReadonlySet<MapKind>;
  /** Live entries per kind, summed over live instances. */
  readonly entriesByKind: ReadonlyMap<MapKind, number>;
  /** Live map objects (locks on their own are not counted). */
  readonly instances: number;
  /** Map counters: retired plus live. */
  readonly map: MapStats;
  /** Lock counters (retired plus live) and waiters now; undefined when no lock ever had the name. */
  readonly lock: LockStats | undefined;
  /** Worst imbalance over live sharded instances. */
  readonly shardImbalance: number | undefined;
  readonly leak: LeakVerdict | undefined;
  /**
   * Declared bound over the live instances: the sum of their `maxEntries`, or undefined when any live
   * instance declares none (then the name as a whole is unbounded).
   */
  readonly declaredMaxEntries: number | undefined;
  /** Declared TTL in seconds: the longest over the live instances, undefined when any declares none. */
  readonly declaredTtlSeconds: number | undefined;
  /** Present when at least one live instance samples entry survival. */
  readonly survival: SurvivalSnapshot | undefined;
}

/** Entry survival over the live instances of a name that sample it. */
export interface SurvivalSnapshot {
  /** Age of the oldest sampled entry still present, over every sampling instance (0 when none is). */
  readonly oldestAgeSeconds: number;
  /**
   * Share of sampled live entries never read since insertion, over the instances that track reads (0
   * when they sample nothing); undefined when none tracks reads.
   */
  readonly neverReadRatio: number | undefined;
}

export interface RegistrySnapshot {
  readonly names: readonly NameSnapshot[];
  /** Distinct names tracked (including `_other` once used). */
  readonly trackedNames: number;
  readonly overflow: number;
}

export type LockWaitListener = (name: string, mode: LockMode, seconds: number) => void;

export class MapRegistry {
  readonly maxNames: number;
  /** The registry's clock (ms since epoch); survival samplers stamp insertions with it. */
  readonly now: () => number;
  /** Default entry survival sampling for maps created from now on (see the constructor option). */
  survivalSampling: SurvivalSamplingOption;
  private readonly entries = new Map<string, NameEntry>();
  private overflowCount = 0;
  private readonly lockWaitListeners = new Set<LockWaitListener>();
  private readonly finalizer = new FinalizationRegistry<TrackedRecord>((record) => this.fold(record));

  constructor(options: MapRegistryOptions = {}) {
    const { maxNames = DEFAULT_MAX_NAMES, now = Date.now, survivalSampling = true } = options;
    this.survivalSampling = survivalSampling;
    if (!Number.isInteger(maxNames) || maxNames < 1) {
      throw new RangeError(`mapwatch: maxNames must be a positive integer, got ${String(maxNames)}`);
    }
    this.maxNames = maxNames;
    this.now = now;
  }

  /**
   * Starts tracking a map under `name` and returns the stats object its hot path increments.
   * The name and the declared bounds are validated here; an invalid one throws (a programming error,
   * caught at construction). `options` carries the map's survival sampler and declared bounds (a bare
   * SurvivalSource is accepted too, as before).
   */
  trackMap(
    map: Measurable,
    name: string,
    kind: MapKind,
    options: TrackMapOptions | SurvivalSource = {},
  ): MapStats {
    const opts: TrackMapOptions = isSurvivalSource(options) ? { survival: options } : options;
    const validName = validateMapName(name);
    const bounds = validateDeclaredBounds(opts, 'trackMap()');
    const stats = new MapStats();
    const entry = this.entryFor(validName);
    entry.kinds.add(kind);
    this.track(map, entry, kind, stats, undefined, opts.survival, bounds);
    return stats;
  }

  /** Starts tracking a lock under `name` (its own name, or the name of the map that owns it). */
  trackLock(lock: object, name: string): LockStats {
    const stats = new LockStats();
    const entry = this.entryFor(validateMapName(name, 'lock name'));
    entry.retiredLock ??= new LockStats();
    if (this.lockWaitListeners.size > 0) stats.onContendedWait = this.waitFanout(entry.name);
    this.track(lock, entry, undefined, undefined, stats, undefined, NO_BOUNDS);
    return stats;
  }

  /**
   * Subscribes to every contended lock wait (the OpenTelemetry histogram needs them one by one). Locks
   * only call out while someone listens, so without an OTel exporter a contended wait costs no call.
   */
  addLockWaitListener(listener: LockWaitListener): () => void {
    this.lockWaitListeners.add(listener);
    if (this.lockWaitListeners.size === 1) this.setWaitFanout(true);
    return () => {
      if (this.lockWaitListeners.delete(listener) && this.lockWaitListeners.size === 0)
        this.setWaitFanout(false);
    };
  }

  private waitFanout(name: string): (mode: LockMode, seconds: number) => void {
    const listeners = this.lockWaitListeners;
    return (mode, seconds) => {
      for (const listener of listeners) listener(name, mode, seconds);
    };
  }

  private setWaitFanout(on: boolean): void {
    for (const entry of this.entries.values()) {
      for (const record of entry.live) {
        if (record.lock) record.lock.onContendedWait = on ? this.waitFanout(entry.name) : undefined;
      }
    }
  }

  /** Records the leak detector's verdict for a name; `undefined` clears it. Unknown names are ignored. */
  setLeakVerdict(name: string, verdict: LeakVerdict | undefined): void {
    const entry = this.entries.get(name);
    if (entry) entry.leak = verdict;
  }

  /** Names tracked so far, in registration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Totals of every name now. Folds maps that have been collected but not yet finalized. */
  collect(): RegistrySnapshot {
    const nowMs = this.now();
    const names: NameSnapshot[] = [];
    for (const entry of this.entries.values()) names.push(this.snapshotOf(entry, nowMs));
    return { names, trackedNames: this.entries.size, overflow: this.overflowCount };
  }

  private snapshotOf(entry: NameEntry, nowMs: number): NameSnapshot {
    const map = new MapStats();
    map.add(entry.retiredMap);
    let lock: LockStats | undefined;
    if (entry.retiredLock) {
      lock = new LockStats();
      lock.add(entry.retiredLock);
    }
    const entriesByKind = new Map<MapKind, number>();
    for (const kind of entry.kinds) entriesByKind.set(kind, 0);
    let instances = 0;
    let shardImbalance: number | undefined;
    let oldestAtMs: number | undefined;
    let readSampled = 0;
    let neverRead = 0;
    let anySampling = false;
    let anyReads = false;
    // Declared bounds: the sum (max for the TTL) over live instances, undefined once one declares none.
    let maxEntries: number | undefined = 0;
    let ttlSeconds: number | undefined = 0;

    for (const record of entry.live) {
      const target = record.ref.deref() as Measurable | undefined;
      if (target === undefined) {
        // Collected: fold now rather than wait for the finalizer, so totals are exact at every scrape.
        this.finalizer.unregister(record);
        this.fold(record);
        if (record.map) map.add(record.map);
        if (record.lock && lock) lock.add(record.lock);
        continue;
      }
      if (record.map) map.add(record.map);
      if (record.lock && lock) {
        lock.add(record.lock);
        lock.waiters += record.lock.waiters;
      }
      if (record.kind === undefined) continue;
      instances++;
      maxEntries =
        maxEntries === undefined || record.maxEntries === undefined
          ? undefined
          : maxEntries + record.maxEntries;
      ttlSeconds =
        ttlSeconds === undefined || record.ttlSeconds === undefined
          ? undefined
          : Math.max(ttlSeconds, record.ttlSeconds);
      // A user-supplied object's getters must not fail the scrape: a failure costs this instance only.
      try {
        entriesByKind.set(record.kind, (entriesByKind.get(record.kind) ?? 0) + target.size);
        if (typeof target.shardImbalance === 'function') {
          const r = target.shardImbalance();
          if (Number.isFinite(r)) shardImbalance = Math.max(shardImbalance ?? 0, r);
        }
        if (record.survival) {
          anySampling = true;
          const at = record.survival.oldestSampledAtMs();
          if (at !== undefined) oldestAtMs = oldestAtMs === undefined ? at : Math.min(oldestAtMs, at);
          const never = record.survival.sampledNeverRead();
          if (never !== undefined) {
            anyReads = true;
            readSampled += record.survival.sampledLive();
            neverRead += never;
          }
        }
      } catch {
        // skip this instance's gauges
      }
    }
    return {
      name: entry.name,
      kinds: entry.kinds,
      entriesByKind,
      instances,
      map,
      lock,
      shardImbalance,
      leak: entry.leak,
      declaredMaxEntries: instances === 0 ? undefined : maxEntries,
      declaredTtlSeconds: instances === 0 ? undefined : ttlSeconds,
      survival: anySampling
        ? {
            oldestAgeSeconds: oldestAtMs === undefined ? 0 : Math.max(0, (nowMs - oldestAtMs) / 1000),
            neverReadRatio: !anyReads ? undefined : readSampled === 0 ? 0 : neverRead / readSampled,
          }
        : undefined,
    };
  }

  private entryFor(name: string): NameEntry {
    let entry = this.entries.get(name);
    if (entry) return entry;
    // The overflow bucket does not count against the cap, or the cap could never be reached exactly.
    const capped = this.entries.has(OVERFLOW_MAP_NAME) ? this.entries.size - 1 : this.entries.size;
    if (capped >= this.maxNames) {
      this.overflowCount++;
      entry = this.entries.get(OVERFLOW_MAP_NAME);
      if (!entry) {
        entry = new NameEntry(OVERFLOW_MAP_NAME);
        this.entries.set(OVERFLOW_MAP_NAME, entry);
      }
      return entry;
    }
    entry = new NameEntry(name);
    this.entries.set(name, entry);
    return entry;
  }

  private track(
    target: object,
    entry: NameEntry,
    kind: MapKind | undefined,
    map: MapStats | undefined,
    lock: LockStats | undefined,
    survival: SurvivalSource | undefined,
    bounds: ValidBounds,
  ): void {
    const record: TrackedRecord = {
      ref: new WeakRef(target),
      entry,
      kind,
      map,
      lock,
      survival,
      maxEntries: bounds.maxEntries,
      ttlSeconds: bounds.ttlSeconds,
      folded: false,
    };
    entry.live.add(record);
    this.finalizer.register(target, record, record);
  }

  /** Moves a dead record's counts into its name's retired totals. Idempotent. */
  private fold(record: TrackedRecord): void {
    if (record.folded) return;
    record.folded = true;
    const { entry } = record;
    entry.live.delete(record);
    if (record.map) entry.retiredMap.add(record.map);
    if (record.lock) (entry.retiredLock ??= new LockStats()).add(record.lock);
  }
}

interface ValidBounds {
  readonly maxEntries: number | undefined;
  readonly ttlSeconds: number | undefined;
}

const NO_BOUNDS: ValidBounds = { maxEntries: undefined, ttlSeconds: undefined };

function isSurvivalSource(value: unknown): value is SurvivalSource {
  return typeof (value as SurvivalSource | null)?.oldestSampledAtMs === 'function';
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : String(value);
}

/**
 * Checks the declared bounds of a map's options and returns them in the registry's units. A bad value
 * is a programming error: it throws at construction with what to pass instead. `what` names the caller
 * in the message (`new InstrumentedMap()`).
 *
 * - `maxEntries`: a positive integer; omit it for a map with no bound.
 * - `ttlMs`: a positive number of milliseconds; omit it (or pass Infinity) for entries that never expire.
 */
export function validateDeclaredBounds(options: DeclaredBounds, what: string): ValidBounds {
  const { maxEntries, ttlMs } = options;
  if (maxEntries !== undefined) {
    if (typeof maxEntries !== 'number') {
      throw new TypeError(
        `mapwatch: ${what}: maxEntries must be a number, the most entries the map may hold (e.g. maxEntries: 10_000), got ${describeValue(maxEntries)}`,
      );
    }
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(
        `mapwatch: ${what}: maxEntries must be a positive integer, the most entries the map may hold (e.g. maxEntries: 10_000); omit it for a map with no bound, got ${describeValue(maxEntries)}`,
      );
    }
  }
  if (ttlMs !== undefined) {
    if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs)) {
      throw new TypeError(
        `mapwatch: ${what}: ttlMs must be a number of milliseconds, the longest an entry stays (e.g. ttlMs: 60_000), got ${describeValue(ttlMs)}`,
      );
    }
    if (ttlMs <= 0) {
      throw new RangeError(
        `mapwatch: ${what}: ttlMs must be > 0 milliseconds (e.g. ttlMs: 60_000); omit it for entries that never expire, got ${describeValue(ttlMs)}`,
      );
    }
  }
  return {
    maxEntries,
    ttlSeconds: ttlMs === undefined || ttlMs === Infinity ? undefined : ttlMs / 1000,
  };
}

/** The registry used when no other is passed. */
export const defaultRegistry = new MapRegistry();
