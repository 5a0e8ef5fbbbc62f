/**
 * The registry: which maps and locks exist, under which names, and their counts.
 *
 * - InstrumentedMap, instrument(), ReadMostlyMap, LoadingMap and ShardedMap are tracked with no reference
 *   at all (mapGroup + openMap): they count into counters shared per name, keep their live entry count in
 *   a slot of a shared table, and are known dead through a FinalizationRegistry on a token only they
 *   reference, or on themselves where V8 lets a registered target die young (stats/map-groups.ts).
 *   Their instances and entries are exact once the collector has run and its callbacks have had a turn
 *   of the event loop (FinalizationRegistry callbacks are asynchronous); until then a dead map still
 *   counts as an instance.
 * - Maps tracked through trackMap (LockedMap, the lru-cache watcher, other callers) and locks are held
 *   weakly (WeakRef): instrumenting never keeps them alive either, though V8 keeps a WeakRef's target
 *   until the end of the current job and through minor collections.
 * - Their stats objects are held strongly, so when one is collected its counts fold into the name's
 *   retired totals and no counter ever goes backwards.
 * - Series are per name: many live maps with one name aggregate into one series, and the number of live
 *   map objects is reported as `instances`.
 * - The number of distinct names is capped; maps past the cap fold into `_other` and are counted, so the
 *   series count stays bounded whatever the service does.
 */
import { OVERFLOW_MAP_NAME, type LeakState, type LockMode, type MapKind } from './conventions.js';
import { DEFAULT_SURVIVAL_SAMPLE_SIZE, SurvivalSampler, survivalConfig } from './maps/survival.js';
import { validateMapName } from './names.js';
import { LockStats } from './stats/lock-stats.js';
import { validateDeclaredBounds, type DeclaredBounds } from './stats/declared-bounds.js';
import { BoundsTally, MapGroup, NO_BOUNDS, SlotTable, type ValidBounds } from './stats/map-groups.js';

export { validateDeclaredBounds, type DeclaredBounds };
export type { NameSnapshot, RegistrySnapshot, SurvivalSnapshot } from './registry-snapshot.js';
import { MapStats } from './stats/map-stats.js';
import type { NameSnapshot, RegistrySnapshot } from './registry-snapshot.js';
import { describeValue, optionalOptions } from './describe-value.js';

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
  /** Groups of the slot-tracked maps of this name (a handful: one per kind and sampling option). */
  readonly groups: MapGroup[] = [];
  readonly bounds = new BoundsTally();
  constructor(readonly name: string) {}
}

export type LockWaitListener = (name: string, mode: LockMode, seconds: number) => void;

export class MapRegistry {
  readonly maxNames: number;
  /** The registry's clock (ms since epoch); survival samplers stamp insertions with it. */
  readonly now: () => number;
  /**
   * Set through `survivalSampling`, which checks it. Not a #private field: registries by shape (a second
   * copy's, a delegating object) read it too.
   */
  private survivalDefault!: SurvivalSamplingOption;

  /** Default entry survival sampling for maps created from now on (see the constructor option). */
  get survivalSampling(): SurvivalSamplingOption {
    return this.survivalDefault;
  }

  /** Checked when set (a bad value throws here, with what to pass), not at the next map's construction. */
  set survivalSampling(option: SurvivalSamplingOption) {
    survivalConfig(option, 'survivalSampling');
    this.survivalDefault = option;
  }
  private readonly entries = new Map<string, NameEntry>();
  private overflowCount = 0;
  private readonly lockWaitListeners = new Set<LockWaitListener>();
  private readonly finalizer = new FinalizationRegistry<TrackedRecord>((record) => this.fold(record));
  /** The record of each map given to trackMap (not of locks: nothing untracks them), for untrackMap. */
  private readonly recordOf = new WeakMap<object, TrackedRecord>();
  private readonly slots = new SlotTable();
  private lastGroup: MapGroup | undefined = undefined;
  private lastGroupName: string | undefined = undefined;
  /** Held value: the slot number of the map whose token died. */
  private readonly mapFinalizer = new FinalizationRegistry<number>((slot) => this.slots.close(slot, true));

  constructor(options?: MapRegistryOptions) {
    const {
      maxNames = DEFAULT_MAX_NAMES,
      now = Date.now,
      survivalSampling = true,
    } = optionalOptions(options, 'new MapRegistry()');
    // Checked here (the setter), not at the first map: a bad default failed every map's construction
    // later, naming `sampleSurvival`, an option the user never passed.
    this.survivalSampling = survivalSampling;
    if (!Number.isInteger(maxNames) || maxNames < 1) {
      throw new RangeError(`mapwatch: maxNames must be a positive integer, got ${describeValue(maxNames)}`);
    }
    this.maxNames = maxNames;
    // Read at every collect(): a clock that is not a function would fail every metric of every scrape.
    if (typeof now !== 'function') {
      throw new TypeError(
        `mapwatch: new MapRegistry({ now }): now must be a function returning ms since the epoch (like Date.now), got ${describeValue(now)}`,
      );
    }
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

  /**
   * The group a new slot-tracked map of `name` joins (see openMap): its shared counters and survival
   * sampler. Validates the sampling option and the name (throwing on a bad one) before anything is
   * registered. `sampling` undefined: the registry's default.
   */
  mapGroup(name: string, kind: MapKind, sampling: SurvivalSamplingOption | undefined): MapGroup {
    const option = sampling ?? this.survivalSampling;
    // Maps made per request come in runs of one name and option: the last answer is the likely one.
    const last = this.lastGroup;
    if (last !== undefined && name === this.lastGroupName && option === last.option && kind === last.kind)
      return last;
    const key = samplingKey(option);
    // A name seen before was validated then; the overflow bucket's name is reserved, so it always is.
    let entry = name === OVERFLOW_MAP_NAME ? undefined : this.entries.get(name);
    entry ??= this.entryFor(validateMapName(name));
    const groups = entry.groups;
    let group: MapGroup | undefined;
    for (let i = 0; i < groups.length && group === undefined; i++) {
      const g = groups[i]!;
      if (g.kind === kind && (g.option === option || g.samplingKey === key)) group = g;
    }
    if (group === undefined) {
      const config = survivalConfig(option);
      const sampler =
        config === undefined ? undefined : new SurvivalSampler(config.size, this.now, Math.random, config);
      group = new MapGroup(kind, option, key, sampler, entry.bounds);
      groups.push(group);
      entry.kinds.add(kind);
    }
    // Only a name that has its own entry (not one folded into the overflow bucket, which must count
    // every map past the cap) is remembered.
    if (entry.name === name) {
      this.lastGroup = group;
      this.lastGroupName = name;
    }
    return group;
  }

  /**
   * Tracks one map of `group` holding `entries` entries, returns its slot. The map keeps its live entry
   * count at `countsOf(slot)[slot & SLOT_INDEX_MASK]` and its only link to the registry is `token`: when
   * the token is collected (with the map, which alone references it), the slot closes. The token is the
   * map itself where the engine lets a registered target die young (see newMapToken). Bounds are
   * validated by validateDeclaredBounds.
   */
  openMap(group: MapGroup, token: object, bounds: ValidBounds, entries = 0): number {
    const slot = this.slots.open(group, entries, bounds);
    this.mapFinalizer.register(token, slot);
    return slot;
  }

  /** One entry count per shard for a sharded map's slot (see SlotTable.attachShards). */
  shardCountsOf(slot: number, shards: number): Int32Array {
    return this.slots.attachShards(slot, shards);
  }

  /** The chunk of the entry-count table that holds `slot`. */
  countsOf(slot: number): Int32Array {
    return this.slots.chunkOf(slot);
  }

  /**
   * A map whose construction failed after openMap (an entry of its iterable threw): it leaves instances,
   * entries and bounds at once, as if never made. The counts it made stay: counters never go backwards.
   */
  abandonMap(slot: number): void {
    this.slots.close(slot, false);
  }

  /** Starts tracking a lock under `name` (its own name, or the name of the map that owns it). */
  trackLock(lock: object, name: string): LockStats {
    const stats = new LockStats();
    // Not counted as overflow: the metric counts maps, and a map's own locks (16 for a ShardedMap) would
    // count it many times over.
    const entry = this.entryFor(validateMapName(name, 'lock name'), false);
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
      for (const listener of listeners) {
        // A listener that throws costs its own call: the others still run, and the lock's caller never
        // sees the error (a lock wait is not the place for an exporter's fault).
        try {
          listener(name, mode, seconds);
        } catch {
          // ignored
        }
      }
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

  /**
   * Totals of every name now. Folds WeakRef-tracked maps and locks that have been collected but not yet
   * finalized; slot-tracked maps leave when their finalization callback has run (a turn after the GC).
   */
  collect(): RegistrySnapshot {
    const nowMs = this.now();
    // Checked before anything is stamped with it: a NaN stamp would make a sampled entry's age NaN for good.
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) {
      throw new TypeError(
        `mapwatch: the registry's clock (now) returned ${describeValue(nowMs)}, not a finite number of ms`,
      );
    }
    this.slots.sumEntries(this.allGroups());
    const names: NameSnapshot[] = [];
    for (const entry of this.entries.values()) names.push(this.snapshotOf(entry, nowMs));
    return { names, trackedNames: this.entries.size, overflow: this.overflowCount };
  }

  private *allGroups(): Generator<MapGroup> {
    for (const entry of this.entries.values()) yield* entry.groups;
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
    // The slot-tracked maps' are tallied as they open and close.
    const tally = entry.bounds;
    let maxEntries: number | undefined = tally.unbounded > 0 ? undefined : tally.maxEntriesSum;
    let ttlSeconds: number | undefined = tally.noTtl > 0 ? undefined : tally.longestTtl();

    // Slot-tracked maps: counters shared per group, entries summed by collect().
    for (const g of entry.groups) {
      map.add(g.stats);
      entriesByKind.set(g.kind, (entriesByKind.get(g.kind) ?? 0) + g.entries);
      instances += g.instances;
      if (g.shardImbalance !== undefined) shardImbalance = Math.max(shardImbalance ?? 0, g.shardImbalance);
      const sampler = g.sampler;
      if (sampler === undefined || g.instances === 0) continue;
      anySampling = true;
      const at = sampler.oldestSampledAtMs();
      if (at !== undefined) oldestAtMs = oldestAtMs === undefined ? at : Math.min(oldestAtMs, at);
      const never = sampler.sampledNeverRead();
      if (never !== undefined) {
        anyReads = true;
        readSampled += sampler.sampledLive();
        neverRead += never;
      }
    }

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
        // `size` of a caller's own Measurable (trackMap is public): anything but a count is skipped, so a
        // string cannot turn the sum into "034" nor NaN poison it.
        const size: unknown = target.size;
        if (typeof size === 'number' && size >= 0 && size < Infinity)
          entriesByKind.set(record.kind, (entriesByKind.get(record.kind) ?? 0) + size);
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

  /** The entry of `name`, or the overflow bucket past the cap (counted as overflow when `countsOverflow`). */
  private entryFor(name: string, countsOverflow = true): NameEntry {
    let entry = this.entries.get(name);
    if (entry) return entry;
    // The overflow bucket does not count against the cap, or the cap could never be reached exactly.
    const capped = this.entries.has(OVERFLOW_MAP_NAME) ? this.entries.size - 1 : this.entries.size;
    if (capped >= this.maxNames) {
      if (countsOverflow) this.overflowCount++;
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
    if (kind !== undefined) this.recordOf.set(target, record);
    this.finalizer.register(target, record, record);
  }

  /**
   * Stops tracking `map` (a Measurable given to trackMap) now: its counts fold into the name's retired
   * totals, and it leaves the name's instances, entries, declared bounds and survival at once instead of
   * when it is collected (the lru-cache watcher's unwatch). Returns false when it is not tracked here.
   */
  untrackMap(map: Measurable): boolean {
    const record = this.recordOf.get(map);
    if (record === undefined || record.folded) return false;
    this.recordOf.delete(map);
    this.finalizer.unregister(record);
    this.fold(record);
    return true;
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

const DEFAULT_SAMPLING_KEY = `${DEFAULT_SURVIVAL_SAMPLE_SIZE}:false`;

/** The key of a sampling option: maps whose options resolve alike share a group. Throws on a bad one. */
function samplingKey(option: SurvivalSamplingOption | undefined): string {
  if (option === true) return DEFAULT_SAMPLING_KEY;
  const config = survivalConfig(option);
  return config === undefined ? 'off' : `${config.size}:${String(config.reads)}`;
}

function isSurvivalSource(value: unknown): value is SurvivalSource {
  return typeof (value as SurvivalSource | null)?.oldestSampledAtMs === 'function';
}

/** The registry used when no other is passed. */
export const defaultRegistry = new MapRegistry();
