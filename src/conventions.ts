/**
 * THE metric table. Every metric name, type, unit, label set and description that mapwatch emits is
 * spelled here and nowhere else: the exporters, the dashboards, the alert rules and the docs read it.
 *
 * Naming rule, so that one set of dashboards and alerts serves every export path:
 * - `name` is the Prometheus name as scraped (counters end in `_total`).
 * - `otelName` is the OpenTelemetry instrument name: the Prometheus base name (without `_total`) with
 *   `.` between words. The OTel JS Prometheus exporter turns `.` into `_` and appends `_total` to
 *   monotonic sums; the collector's normalizer (`add_metric_suffixes`) additionally appends the UCUM
 *   unit's word unless the name already contains it. Every instrument whose unit would add a word
 *   (`s` -> `seconds`, `1` -> `ratio`) therefore already carries that word in its name, and units
 *   written in braces (`{entry}`) add nothing. A per-unit (`/s`) is never used: the current OTLP
 *   translator (prometheus/otlptranslator) appends `per_second` even to a name that ends in it, so the one
 *   rate carries an annotation unit (`{entry/s}`). Every path thus lands on `name`;
 *   `test/conventions.test.ts` proves it for every row, under the older and the current translator.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Which family a metric belongs to; a name only emits the families its maps use. */
export type MetricFamily =
  'map' | 'read_mostly' | 'lock' | 'loading' | 'sharded' | 'detector' | 'survival' | 'bound' | 'registry';

export interface MetricSpec {
  /** Stable identifier used in code (`METRICS.entries`). */
  readonly key: string;
  /** Prometheus name as it appears in a scrape. */
  readonly name: string;
  /** OpenTelemetry instrument name. */
  readonly otelName: string;
  readonly type: MetricType;
  /** UCUM unit for OpenTelemetry. */
  readonly unit: string;
  /** Label names, in the order they are documented. */
  readonly labels: readonly string[];
  readonly help: string;
  readonly family: MetricFamily;
  /** Histogram bucket upper bounds (seconds), histograms only. */
  readonly buckets?: readonly number[];
  /**
   * How values of several processes combine (prom-client's cluster AggregatorRegistry): counts add up,
   * while a ratio, an age or a verdict takes the worst (`max`) or the mean (`average`).
   */
  readonly aggregate: 'sum' | 'max' | 'average';
}

/** Label names. Values are never keys or values of a map. */
export const LABELS = {
  mapName: 'map_name',
  mapKind: 'map_kind',
  result: 'result',
  cause: 'cause',
  mode: 'mode',
  contended: 'contended',
  state: 'state',
} as const;

/** `lru_cache`: an lru-cache watched through its diagnostics channel (`mapwatch/lru-cache`). */
export const MAP_KINDS = ['plain', 'locked', 'sharded', 'read_mostly', 'loading', 'lru_cache'] as const;
export type MapKind = (typeof MAP_KINDS)[number];

export const LOOKUP_RESULTS = ['hit', 'miss'] as const;
export const DELETE_CAUSES = ['explicit', 'clear', 'evict', 'expire'] as const;
export type DeleteCause = (typeof DELETE_CAUSES)[number];
export const LOCK_MODES = ['read', 'write'] as const;
export type LockMode = (typeof LOCK_MODES)[number];
export const LOAD_RESULTS = ['success', 'failure'] as const;
/**
 * The leak detector's states, weakest evidence first: `collecting` (not enough evidence yet, never an
 * ok), `ok`, `growing` (rising with no bound seen, unconfirmed) and `leak` (confirmed).
 */
export const LEAK_STATES = ['collecting', 'ok', 'growing', 'leak'] as const;
export type LeakState = (typeof LEAK_STATES)[number];

/** The label value that collects maps registered past the registry's name cap. */
export const OVERFLOW_MAP_NAME = '_other';

/** Bucket bounds (seconds) for lock waits: from a microtask hop to a stuck section. */
export const LOCK_WAIT_BUCKETS: readonly number[] = [
  0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const { mapName, mapKind, result, cause, mode, contended, state } = LABELS;

/** A table row; `aggregate` defaults to `sum`, right for every count. */
function spec(s: Omit<MetricSpec, 'aggregate'> & { aggregate?: MetricSpec['aggregate'] }): MetricSpec {
  return Object.freeze({ ...s, aggregate: s.aggregate ?? 'sum', labels: Object.freeze([...s.labels]) });
}

export const METRICS = {
  entries: spec({
    key: 'entries',
    name: 'mapwatch_map_entries',
    otelName: 'mapwatch.map.entries',
    type: 'gauge',
    unit: '{entry}',
    labels: [mapName, mapKind],
    help: 'Live entries, summed over the live maps with this name.',
    family: 'map',
  }),
  instances: spec({
    key: 'instances',
    name: 'mapwatch_map_instances',
    otelName: 'mapwatch.map.instances',
    type: 'gauge',
    unit: '{map}',
    labels: [mapName],
    help: 'Live map objects with this name; a growing count is a leak of the objects that own them.',
    family: 'map',
  }),
  lookups: spec({
    key: 'lookups',
    name: 'mapwatch_map_lookups_total',
    otelName: 'mapwatch.map.lookups',
    type: 'counter',
    unit: '{lookup}',
    labels: [mapName, result],
    help: 'Lookups (get and has; for a watched lru-cache also peek, fetch and memo) by result, hit or miss; an expired (stale) entry is a miss.',
    family: 'map',
  }),
  inserts: spec({
    key: 'inserts',
    name: 'mapwatch_map_inserts_total',
    otelName: 'mapwatch.map.inserts',
    type: 'counter',
    unit: '{entry}',
    labels: [mapName],
    help: 'Writes that added a new key.',
    family: 'map',
  }),
  updates: spec({
    key: 'updates',
    name: 'mapwatch_map_updates_total',
    otelName: 'mapwatch.map.updates',
    type: 'counter',
    unit: '{entry}',
    labels: [mapName],
    help: 'Writes that overwrote an existing key.',
    family: 'map',
  }),
  deletes: spec({
    key: 'deletes',
    name: 'mapwatch_map_deletes_total',
    otelName: 'mapwatch.map.deletes',
    type: 'counter',
    unit: '{entry}',
    labels: [mapName, cause],
    help: 'Entries removed, by cause: explicit delete, clear, eviction or expiry.',
    family: 'map',
  }),
  readMisses: spec({
    key: 'readMisses',
    name: 'mapwatch_map_read_misses_total',
    otelName: 'mapwatch.map.read_misses',
    type: 'counter',
    unit: '{lookup}',
    labels: [mapName],
    help: 'Read-mostly map: loads that fell through the read snapshot to the dirty map.',
    family: 'read_mostly',
  }),
  promotions: spec({
    key: 'promotions',
    name: 'mapwatch_map_promotions_total',
    otelName: 'mapwatch.map.promotions',
    type: 'counter',
    unit: '{promotion}',
    labels: [mapName],
    help: 'Read-mostly map: times the dirty map was promoted to be the read snapshot.',
    family: 'read_mostly',
  }),
  copiedEntries: spec({
    key: 'copiedEntries',
    name: 'mapwatch_map_copied_entries_total',
    otelName: 'mapwatch.map.copied_entries',
    type: 'counter',
    unit: '{entry}',
    labels: [mapName],
    help: 'Read-mostly map: entries copied to rebuild the dirty map after a promotion.',
    family: 'read_mostly',
  }),
  lockAcquisitions: spec({
    key: 'lockAcquisitions',
    name: 'mapwatch_lock_acquisitions_total',
    otelName: 'mapwatch.lock.acquisitions',
    type: 'counter',
    unit: '{acquisition}',
    labels: [mapName, mode, contended],
    help: 'Lock grants by mode, and whether the task had to wait for them.',
    family: 'lock',
  }),
  lockWaitSeconds: spec({
    key: 'lockWaitSeconds',
    name: 'mapwatch_lock_wait_seconds_total',
    otelName: 'mapwatch.lock.wait.seconds',
    type: 'counter',
    unit: 's',
    labels: [mapName, mode],
    help: 'Cumulative time tasks spent waiting for the lock.',
    family: 'lock',
  }),
  lockWaitDuration: spec({
    key: 'lockWaitDuration',
    name: 'mapwatch_lock_wait_duration_seconds',
    otelName: 'mapwatch.lock.wait.duration.seconds',
    type: 'histogram',
    unit: 's',
    labels: [mapName, mode],
    help: 'Waits of contended lock acquisitions.',
    family: 'lock',
    buckets: LOCK_WAIT_BUCKETS,
  }),
  lockHoldSeconds: spec({
    key: 'lockHoldSeconds',
    name: 'mapwatch_lock_hold_seconds_total',
    otelName: 'mapwatch.lock.hold.seconds',
    type: 'counter',
    unit: 's',
    labels: [mapName, mode],
    help: 'Cumulative time the lock was held; short uncontended holds are sampled (1 in 32, counted 32 times).',
    family: 'lock',
  }),
  lockWaiters: spec({
    key: 'lockWaiters',
    name: 'mapwatch_lock_waiters',
    otelName: 'mapwatch.lock.waiters',
    type: 'gauge',
    unit: '{task}',
    labels: [mapName],
    help: 'Tasks queued on the lock now.',
    family: 'lock',
  }),
  lockTimeouts: spec({
    key: 'lockTimeouts',
    name: 'mapwatch_lock_timeouts_total',
    otelName: 'mapwatch.lock.timeouts',
    type: 'counter',
    unit: '{acquisition}',
    labels: [mapName],
    help: 'Lock acquisitions abandoned by timeout or abort.',
    family: 'lock',
  }),
  loads: spec({
    key: 'loads',
    name: 'mapwatch_map_loads_total',
    otelName: 'mapwatch.map.loads',
    type: 'counter',
    unit: '{load}',
    labels: [mapName, result],
    help: 'Loader calls of a loading map, by result.',
    family: 'loading',
  }),
  loadJoins: spec({
    key: 'loadJoins',
    name: 'mapwatch_map_load_joins_total',
    otelName: 'mapwatch.map.load_joins',
    type: 'counter',
    unit: '{call}',
    labels: [mapName],
    help: 'Callers that joined a load already in flight (a stampede absorbed).',
    family: 'loading',
  }),
  loadSeconds: spec({
    key: 'loadSeconds',
    name: 'mapwatch_map_load_seconds_total',
    otelName: 'mapwatch.map.load.seconds',
    type: 'counter',
    unit: 's',
    labels: [mapName],
    help: 'Cumulative time spent in loader calls.',
    family: 'loading',
  }),
  shardImbalance: spec({
    key: 'shardImbalance',
    name: 'mapwatch_map_shard_imbalance_ratio',
    otelName: 'mapwatch.map.shard_imbalance.ratio',
    type: 'gauge',
    unit: '1',
    labels: [mapName],
    help: 'Sharded map: entries of the fullest shard over the mean shard (1 is perfectly even).',
    family: 'sharded',
    aggregate: 'max',
  }),
  leakSuspect: spec({
    key: 'leakSuspect',
    name: 'mapwatch_map_leak_suspect',
    otelName: 'mapwatch.map.leak_suspect',
    type: 'gauge',
    unit: '{verdict}',
    labels: [mapName],
    help: 'In-process leak detector verdict: 1 only in the leak state (growth confirmed by the evidence).',
    family: 'detector',
    aggregate: 'max',
  }),
  leakState: spec({
    key: 'leakState',
    name: 'mapwatch_map_leak_state',
    otelName: 'mapwatch.map.leak_state',
    type: 'gauge',
    unit: '{verdict}',
    labels: [mapName, state],
    help: 'In-process leak detector state: 1 for the current state (collecting, ok, growing or leak), 0 for the others.',
    family: 'detector',
    aggregate: 'max',
  }),
  growthPerSecond: spec({
    key: 'growthPerSecond',
    name: 'mapwatch_map_growth_per_second',
    otelName: 'mapwatch.map.growth.per_second',
    type: 'gauge',
    // An annotation, not `{entry}/s`: the current OTLP translator appends `per_second` for any `/s` unit,
    // even to a name that already ends in it (test/conventions.test.ts restates its rule).
    unit: '{entry/s}',
    labels: [mapName],
    help: "Leak detector's growth rate of the entry floor over its evidence window, in entries per second.",
    family: 'detector',
  }),
  oldestSampledAge: spec({
    key: 'oldestSampledAge',
    name: 'mapwatch_map_oldest_sampled_age_seconds',
    otelName: 'mapwatch.map.oldest_sampled_age.seconds',
    type: 'gauge',
    unit: 's',
    labels: [mapName],
    help: 'Entry survival sampling: age of the oldest sampled entry still in the map.',
    family: 'survival',
    aggregate: 'max',
  }),
  sampledNeverRead: spec({
    key: 'sampledNeverRead',
    name: 'mapwatch_map_sampled_never_read_ratio',
    otelName: 'mapwatch.map.sampled_never_read.ratio',
    type: 'gauge',
    unit: '1',
    labels: [mapName],
    help: 'Entry survival sampling: share of sampled live entries never read since insertion.',
    family: 'survival',
    aggregate: 'average',
  }),
  declaredMaxEntries: spec({
    key: 'declaredMaxEntries',
    name: 'mapwatch_map_declared_max_entries',
    otelName: 'mapwatch.map.declared_max_entries',
    type: 'gauge',
    unit: '{entry}',
    labels: [mapName],
    help: 'Declared bound: the most entries the live maps with this name may hold (maxEntries), summed over them.',
    family: 'bound',
  }),
  declaredTtl: spec({
    key: 'declaredTtl',
    name: 'mapwatch_map_declared_ttl_seconds',
    otelName: 'mapwatch.map.declared_ttl.seconds',
    type: 'gauge',
    unit: 's',
    labels: [mapName],
    help: 'Declared bound: the longest time an entry may stay in a map with this name (its TTL).',
    family: 'bound',
    aggregate: 'max',
  }),
  registryMaps: spec({
    key: 'registryMaps',
    name: 'mapwatch_registry_maps',
    otelName: 'mapwatch.registry.maps',
    type: 'gauge',
    unit: '{name}',
    labels: [],
    help: 'Distinct map names tracked by the registry.',
    family: 'registry',
    aggregate: 'max',
  }),
  registryOverflow: spec({
    key: 'registryOverflow',
    name: 'mapwatch_registry_overflow_total',
    otelName: 'mapwatch.registry.overflow',
    type: 'counter',
    unit: '{map}',
    labels: [],
    help: `Maps registered past the name cap and folded into map_name="${OVERFLOW_MAP_NAME}".`,
    family: 'registry',
  }),
  collectErrors: spec({
    key: 'collectErrors',
    name: 'mapwatch_collect_errors_total',
    otelName: 'mapwatch.collect_errors',
    type: 'counter',
    unit: '{error}',
    labels: [],
    help: 'Metrics whose collection threw and that were left out of a scrape or collection, one per metric and scrape.',
    family: 'registry',
  }),
} as const satisfies Record<string, MetricSpec>;

export type MetricKey = keyof typeof METRICS;

/** Every metric, in table order. */
export const ALL_METRICS: readonly MetricSpec[] = Object.freeze(Object.values(METRICS));

/** The series names a metric produces in Prometheus (histograms expand to three). */
export function seriesNames(m: MetricSpec): string[] {
  if (m.type === 'histogram') return [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`];
  return [m.name];
}

/** Looks a metric up by any series name it produces (`…_bucket` included); undefined if unknown. */
export function metricBySeriesName(series: string): MetricSpec | undefined {
  return ALL_METRICS.find((m) => seriesNames(m).includes(series));
}

/** Limits on map names, enforced at the boundary (constructor, instrument(), RWLock name). */
export const MAP_NAME_MAX_LENGTH = 100;
