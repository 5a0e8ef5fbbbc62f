/** What MapRegistry.collect() returns: the totals of every name at one moment, as the exporters see them. */
import type { MapKind } from './conventions.js';
import type { LeakVerdict } from './registry.js';
import type { LockStats } from './stats/lock-stats.js';
import type { MapStats } from './stats/map-stats.js';

/** Totals of one name at one moment, as the exporters see them. */
export interface NameSnapshot {
  readonly name: string;
  /** Kinds of map ever registered under the name (decides which metric families it emits). */
  readonly kinds: ReadonlySet<MapKind>;
  /**
   * Live entries per kind, summed over live instances (InstrumentedMap and instrument() maps count
   * theirs from their own inserts, deletes and clears; a dead map's leave with it, as `instances`).
   */
  readonly entriesByKind: ReadonlyMap<MapKind, number>;
  /**
   * Live map objects (locks on their own are not counted). A map that died counts until the collector
   * has found it and its FinalizationRegistry callback has run (a turn of the event loop after the GC):
   * exact from then on, never early.
   */
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
