/**
 * mapwatch: instrumented maps, async locks and leak detection, with metrics for OpenTelemetry and
 * prom-client. Exporters live in subpaths (`mapwatch/otel`, `mapwatch/prometheus`, `mapwatch/express`)
 * so that importing the core never loads a metrics SDK.
 *
 * The public surface: the API and the types its signatures name, nothing internal (stats holders, the
 * survival sampler, map internals). test/public-api.test.ts lists it, so a change here is deliberate.
 */
export { InstrumentedMap, type InstrumentedMapOptions } from './maps/instrumented-map.js';
export { instrument, instrumentedName } from './maps/instrument.js';
export type { MapOptions } from './maps/options.js';
export { LockedMap } from './maps/locked-map.js';
export { ShardedMap, DEFAULT_SHARDS, MAX_SHARDS, type ShardedMapOptions } from './maps/sharded-map.js';
export { ReadMostlyMap, type LoadResult } from './maps/read-mostly-map.js';
export {
  LoadingMap,
  type LoadingMapOptions,
  type GetOrLoadOptions,
  type Loader,
} from './maps/loading-map.js';
export { RWLock, type RWLockOptions, type AcquireOptions, type Release } from './sync/rwlock.js';
export { LockError, LockTimeoutError, LockAbortedError, LockReleaseError } from './sync/errors.js';
export { LeakDetector, type LeakDetectorOptions } from './detect/leak-detector.js';
export type { LeakVerdictDetail, Observation, NameObservation } from './detect/observation.js';
export type { SurvivalOptions, SurvivalSamplingOption } from './maps/survival.js';
export { startLeakDetection, type LeakDetectionOptions, type LeakDetectionHandle } from './detect/monitor.js';
export {
  MapRegistry,
  defaultRegistry,
  DEFAULT_MAX_NAMES,
  type MapRegistryOptions,
  type Measurable,
  type NameSnapshot,
  type RegistrySnapshot,
  type LeakVerdict,
  type SurvivalSource,
  type SurvivalSnapshot,
  type DeclaredBounds,
  type TrackMapOptions,
} from './registry.js';
export { validateMapName } from './names.js';
export {
  METRICS,
  ALL_METRICS,
  LABELS,
  MAP_KINDS,
  OVERFLOW_MAP_NAME,
  LEAK_STATES,
  type LeakState,
  type MapKind,
  type MetricSpec,
  type MetricKey,
} from './conventions.js';
