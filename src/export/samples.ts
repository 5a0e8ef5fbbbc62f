/**
 * From a registry snapshot to samples per metric: the one place that decides which label values each
 * metric carries. Every exporter (prom-client, OpenTelemetry) serialises these samples, so the two paths
 * cannot disagree about names, labels or values.
 *
 * A name emits only the families its maps use: lock series for names that have a lock, read-mostly series
 * for read-mostly maps, and so on. That keeps the series count proportional to what exists.
 */
import {
  DELETE_CAUSES,
  LABELS,
  LEAK_STATES,
  LOAD_RESULTS,
  LOCK_MODES,
  METRICS,
  type MetricKey,
  type MetricSpec,
} from '../conventions.js';
import type { NameSnapshot, RegistrySnapshot } from '../registry.js';
import { collectErrorCount } from './errors.js';
import type { MapStatsField } from '../stats/map-stats.js';

export type Labels = Record<string, string>;

/** A label set's entries, sorted by name. */
export function sortedLabelEntries<V>(labels: Readonly<Record<string, V>>): [string, V][] {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A canonical key for a label set: equal sets give equal keys, whatever the order of their labels. */
export function labelKey(labels: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(sortedLabelEntries(labels));
}

export interface Point {
  readonly labels: Labels;
  readonly value: number;
}

export interface HistogramPoint {
  readonly labels: Labels;
  /** Per-bucket counts aligned with `spec.buckets`, plus a final +Inf slot. */
  readonly buckets: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** Builds the points of one scalar metric from a snapshot. */
type ScalarBuilder = (snap: RegistrySnapshot) => Point[];
type HistogramBuilder = (snap: RegistrySnapshot) => HistogramPoint[];

const { mapName, mapKind, result, cause, mode, contended, state } = LABELS;

export const DELETE_FIELD: Record<(typeof DELETE_CAUSES)[number], MapStatsField> = {
  explicit: 'deletesExplicit',
  clear: 'deletesClear',
  evict: 'deletesEvict',
  expire: 'deletesExpire',
};

/** One point per name that passes `when`, with the value `value(n)`. */
function perName(when: (n: NameSnapshot) => boolean, value: (n: NameSnapshot) => number): ScalarBuilder {
  return (snap) => snap.names.filter(when).map((n) => ({ labels: { [mapName]: n.name }, value: value(n) }));
}

const isMap = (n: NameSnapshot): boolean => n.kinds.size > 0;
const hasKind =
  (kind: 'read_mostly' | 'loading' | 'sharded' | 'lru_cache') =>
  (n: NameSnapshot): boolean =>
    n.kinds.has(kind);
const hasLock = (n: NameSnapshot): boolean => n.lock !== undefined;
/** Names that load values: loading maps, and watched lru-caches (their fetches). */
const loads = (n: NameSnapshot): boolean => n.kinds.has('loading') || n.kinds.has('lru_cache');

function mapCounter(field: MapStatsField, when: (n: NameSnapshot) => boolean = isMap): ScalarBuilder {
  return perName(when, (n) => n.map[field]);
}

function lockPerMode(value: (n: NameSnapshot, m: 'read' | 'write') => number): ScalarBuilder {
  return (snap) =>
    snap.names
      .filter(hasLock)
      .flatMap((n) =>
        LOCK_MODES.map((m) => ({ labels: { [mapName]: n.name, [mode]: m }, value: value(n, m) })),
      );
}

export const SCALAR_BUILDERS: Partial<Record<MetricKey, ScalarBuilder>> = {
  entries: (snap) =>
    snap.names.flatMap((n) =>
      [...n.entriesByKind].map(([kind, value]) => ({
        labels: { [mapName]: n.name, [mapKind]: kind },
        value,
      })),
    ),
  instances: perName(isMap, (n) => n.instances),
  lookups: (snap) =>
    snap.names.filter(isMap).flatMap((n) => [
      { labels: { [mapName]: n.name, [result]: 'hit' }, value: n.map.hits },
      { labels: { [mapName]: n.name, [result]: 'miss' }, value: n.map.misses },
    ]),
  inserts: mapCounter('inserts'),
  updates: mapCounter('updates'),
  deletes: (snap) =>
    snap.names.filter(isMap).flatMap((n) =>
      DELETE_CAUSES.map((c) => ({
        labels: { [mapName]: n.name, [cause]: c },
        value: n.map[DELETE_FIELD[c]],
      })),
    ),
  readMisses: mapCounter('readMisses', hasKind('read_mostly')),
  promotions: mapCounter('promotions', hasKind('read_mostly')),
  copiedEntries: mapCounter('copiedEntries', hasKind('read_mostly')),
  lockAcquisitions: (snap) =>
    snap.names.filter(hasLock).flatMap((n) =>
      LOCK_MODES.flatMap((m) => [
        {
          labels: { [mapName]: n.name, [mode]: m, [contended]: 'false' },
          value: n.lock!.mode(m).uncontended,
        },
        { labels: { [mapName]: n.name, [mode]: m, [contended]: 'true' }, value: n.lock!.mode(m).contended },
      ]),
    ),
  lockWaitSeconds: lockPerMode((n, m) => n.lock!.mode(m).waitSeconds),
  lockHoldSeconds: lockPerMode((n, m) => n.lock!.mode(m).holdSeconds),
  lockWaiters: perName(hasLock, (n) => n.lock!.waiters),
  lockTimeouts: perName(hasLock, (n) => n.lock!.timeouts),
  loads: (snap) =>
    snap.names.filter(loads).flatMap((n) =>
      LOAD_RESULTS.map((r) => ({
        labels: { [mapName]: n.name, [result]: r },
        value: r === 'success' ? n.map.loadsSuccess : n.map.loadsFailure,
      })),
    ),
  loadJoins: mapCounter('loadJoins', loads),
  loadSeconds: mapCounter('loadSeconds', loads),
  shardImbalance: perName(
    (n) => n.shardImbalance !== undefined,
    (n) => n.shardImbalance!,
  ),
  leakSuspect: perName(
    (n) => n.leak !== undefined,
    (n) => (n.leak!.suspect ? 1 : 0),
  ),
  // One point per state, so that a query for any state finds an explicit 0 rather than no series.
  leakState: (snap) =>
    snap.names
      .filter((n) => n.leak !== undefined)
      .flatMap((n) =>
        LEAK_STATES.map((s) => ({
          labels: { [mapName]: n.name, [state]: s },
          value: n.leak!.state === s ? 1 : 0,
        })),
      ),
  growthPerSecond: perName(
    (n) => n.leak !== undefined,
    (n) => n.leak!.growthPerSecond,
  ),
  oldestSampledAge: perName(
    (n) => n.survival !== undefined,
    (n) => n.survival!.oldestAgeSeconds,
  ),
  // Only where some live instance tracks reads: an age-only sampler knows nothing about reads.
  sampledNeverRead: perName(
    (n) => n.survival?.neverReadRatio !== undefined,
    (n) => n.survival!.neverReadRatio!,
  ),
  declaredMaxEntries: perName(
    (n) => n.declaredMaxEntries !== undefined,
    (n) => n.declaredMaxEntries!,
  ),
  declaredTtl: perName(
    (n) => n.declaredTtlSeconds !== undefined,
    (n) => n.declaredTtlSeconds!,
  ),
  registryMaps: (snap) => [{ labels: {}, value: snap.trackedNames }],
  registryOverflow: (snap) => [{ labels: {}, value: snap.overflow }],
  collectErrors: () => [{ labels: {}, value: collectErrorCount() }],
};

export const HISTOGRAM_BUILDERS: Partial<Record<MetricKey, HistogramBuilder>> = {
  lockWaitDuration: (snap) =>
    snap.names.filter(hasLock).flatMap((n) =>
      LOCK_MODES.map((m) => {
        const s = n.lock!.mode(m);
        return {
          labels: { [mapName]: n.name, [mode]: m },
          buckets: s.waitBuckets,
          sum: s.waitSum,
          count: s.waitCount,
        };
      }),
    ),
};

/** The builder of a scalar metric; throws for a key that has none (a programming error caught by tests). */
/**
 * The points of a scalar metric. `snap` is the registry snapshot, or a function that takes it, called
 * only by metrics that read it: `mapwatch_collect_errors_total` reads a process-wide count, so it is
 * still exported when the registry cannot be read, the very failure it counts.
 */
export function scalarPoints(spec: MetricSpec, snap: RegistrySnapshot | (() => RegistrySnapshot)): Point[] {
  const build = SCALAR_BUILDERS[spec.key as MetricKey];
  if (!build) throw new Error(`mapwatch: no sample builder for ${spec.name}`);
  if (spec.key === 'collectErrors') return build(NO_SNAPSHOT);
  return build(typeof snap === 'function' ? snap() : snap);
}

/** What the one builder that reads no snapshot is given. */
const NO_SNAPSHOT: RegistrySnapshot = Object.freeze({ names: [], trackedNames: 0, overflow: 0 });

export function histogramPoints(spec: MetricSpec, snap: RegistrySnapshot): HistogramPoint[] {
  const build = HISTOGRAM_BUILDERS[spec.key as MetricKey];
  if (!build) throw new Error(`mapwatch: no histogram builder for ${spec.name}`);
  return build(snap);
}

/** Whether every metric of the table has a builder of its type (checked by tests). */
export function missingBuilders(): string[] {
  return Object.values(METRICS)
    .filter((m) =>
      m.type === 'histogram' ? !HISTOGRAM_BUILDERS[m.key as MetricKey] : !SCALAR_BUILDERS[m.key as MetricKey],
    )
    .map((m) => m.name);
}
