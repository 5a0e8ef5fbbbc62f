/**
 * The package's public surface, as a user's TypeScript sees it: every name each entry of package.json's
 * `exports` gives, values and types, read from the built declarations with the TypeScript compiler. A
 * change to this list is a change to the API: make it on purpose, and note it in CHANGELOG.md.
 * Internals (stats holders, the survival sampler, map internals) stay out of every entry.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

const PUBLIC_API: Record<string, string[]> = {
  '.': [
    'ALL_METRICS',
    'AcquireOptions',
    'DEFAULT_MAX_NAMES',
    'DEFAULT_SHARDS',
    'DeclaredBounds',
    'GetOrLoadOptions',
    'InstrumentedMap',
    'InstrumentedMapOptions',
    'LABELS',
    'LEAK_STATES',
    'LeakDetectionHandle',
    'LeakDetectionOptions',
    'LeakDetector',
    'LeakDetectorOptions',
    'LeakState',
    'LeakVerdict',
    'LeakVerdictDetail',
    'LoadResult',
    'Loader',
    'LoadingMap',
    'LoadingMapOptions',
    'LockAbortedError',
    'LockError',
    'LockReleaseError',
    'LockTimeoutError',
    'LockedMap',
    'MAP_KINDS',
    'MAX_SHARDS',
    'METRICS',
    'MapKind',
    'MapOptions',
    'MapRegistry',
    'MapRegistryOptions',
    'Measurable',
    'MetricKey',
    'MetricSpec',
    'NameObservation',
    'NameSnapshot',
    'OVERFLOW_MAP_NAME',
    'Observation',
    'RWLock',
    'RWLockOptions',
    'ReadMostlyMap',
    'RegistrySnapshot',
    'Release',
    'ShardedMap',
    'ShardedMapOptions',
    'SurvivalOptions',
    'SurvivalSamplingOption',
    'SurvivalSnapshot',
    'SurvivalSource',
    'TrackMapOptions',
    'defaultRegistry',
    'instrument',
    'instrumentedName',
    'startLeakDetection',
    'validateMapName',
  ],
  './otel': ['OTEL_SCOPE_NAME', 'OtelMetricsOptions', 'OtelRegistration', 'registerOtelMetrics'],
  './prometheus': [
    'DEFAULT_COLLECT_TIMEOUT_MS',
    'PromMetricsOptions',
    'PromRegistration',
    'SerializeOptions',
    'registerPromMetrics',
    'serializeRegistry',
  ],
  './express': [
    'DebugHistoryOptions',
    'DebugMapsOptions',
    'LockVerdictThresholds',
    'MapwatchRouterOptions',
    'mapwatchRouter',
    'negotiateFormat',
    'serialize',
  ],
  './conventions': [
    'ALL_METRICS',
    'DELETE_CAUSES',
    'DeleteCause',
    'LABELS',
    'LEAK_STATES',
    'LOAD_RESULTS',
    'LOCK_MODES',
    'LOCK_WAIT_BUCKETS',
    'LOOKUP_RESULTS',
    'LeakState',
    'LockMode',
    'MAP_KINDS',
    'MAP_NAME_MAX_LENGTH',
    'METRICS',
    'MapKind',
    'MetricFamily',
    'MetricKey',
    'MetricSpec',
    'MetricType',
    'OVERFLOW_MAP_NAME',
    'metricBySeriesName',
    'seriesNames',
  ],
  './lru-cache': [
    'LRUCacheWatch',
    'LRU_CACHE_METRICS_CHANNEL',
    'WatchLRUCacheOptions',
    'WatchableLRUCache',
    'watchLRUCache',
    'watchedLRUCacheName',
  ],
};

function exportedNames(typesFile: string): string[] {
  const file = `${root}/${typesFile}`;
  expect(existsSync(file), `${typesFile} is built by npm run build`).toBe(true);
  const program = ts.createProgram([file], {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  return checker
    .getExportsOfModule(moduleSymbol)
    .map((s) => s.name)
    .sort();
}

describe('the public API', () => {
  const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as {
    exports: Record<string, string | { types: string; default: string }>;
  };
  const entries = Object.entries(pkg.exports).filter(
    (e): e is [string, { types: string; default: string }] => typeof e[1] === 'object',
  );

  it('has exactly the entries listed here', () => {
    expect(entries.map(([sub]) => sub)).toEqual(Object.keys(PUBLIC_API));
  });

  for (const [sub, target] of entries) {
    it(`${sub} exports exactly the listed names`, () => {
      expect(exportedNames(target.types)).toEqual(PUBLIC_API[sub]);
    });
  }

  it('keeps internals out of the index', async () => {
    // The package by its own name, as a user imports it (Node resolves it to dist/ through `exports`); a
    // variable, so that the typecheck, which runs before the build, does not need dist/.
    const name = 'mapwatch' as string;
    const index = (await import(name)) as Record<string, unknown>;
    for (const internal of [
      'MapStats',
      'LockStats',
      'ModeLockStats',
      'SurvivalSampler',
      'ReadMostlyInternals',
    ]) {
      expect(index, internal).not.toHaveProperty(internal);
    }
    expect(typeof index.InstrumentedMap).toBe('function');
  });
});
