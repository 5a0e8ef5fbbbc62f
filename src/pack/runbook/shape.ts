/**
 * The runbook sections of mapwatch-shape: read-mostly churn, ineffective caches, load stampedes and failing
 * loaders.
 */
import { METRICS } from '../../conventions.js';
import { type PackConfig } from '../config.js';
import { MAP_MATCHERS, type Section } from './common.js';

export function shapeSections(
  c: PackConfig,
): Record<'promotionChurn' | 'cacheIneffective' | 'loadStampede' | 'loadsFailing', Section> {
  return {
    promotionChurn: {
      meaning:
        `A read-mostly map copied more than ${c.promotion.copiedPerLookup} entries per lookup ` +
        `(\`${METRICS.copiedEntries.name}\` over \`${METRICS.lookups.name}\`) while promoting more than ` +
        `${c.promotion.minPromotionsPerSecond} times per second. Each promotion followed by a new key costs an O(n) copy.`,
      impact:
        'Info: CPU is spent copying the map instead of serving reads; a performance smell, not an outage. Routed nowhere unless a warning or critical alert fires for the job.',
      diagnosis: [
        'Compare inserts per second with lookups per second on the map dashboard: a read-mostly map wants reads to dominate and the key set to be stable.',
        'Many new keys (rather than updates of existing keys) are what trigger the copies.',
      ],
      queries: [
        [
          'Entries copied per lookup:',
          `sum(rate(${METRICS.copiedEntries.name}{${MAP_MATCHERS}}[${c.promotion.window}])) / sum(rate(${METRICS.lookups.name}{${MAP_MATCHERS}}[${c.promotion.window}]))`,
        ],
        [
          'New keys per second:',
          `sum(rate(${METRICS.inserts.name}{${MAP_MATCHERS}}[${c.promotion.window}]))`,
        ],
      ],
      mitigation: [
        'Use a `LockedMap` or `ShardedMap` for write-heavy or key-churning loads; keep `ReadMostlyMap` for stable key sets read far more than written.',
        'Batch the writes, or build a new snapshot and swap it in periodically.',
      ],
    },
    cacheIneffective: {
      meaning:
        `More than ${c.cache.missRatio * 100}% of lookups missed over ${c.cache.window}, with more than ` +
        `${c.cache.minLookupsPerSecond} lookups per second, on a map that evicted or expired entries in that window ` +
        'or is a loading map (`map_kind="loading"`).',
      impact:
        'Info: the map holds memory without saving work; almost every request goes to the backing source anyway.',
      diagnosis: [
        'Compare entries with the key space: a cache far smaller than the working set evicts before reuse.',
        'Deletes by cause `evict` or `expire` right after inserts mean the size cap or the TTL is too small.',
        'Keys that include volatile parts (timestamps, request ids) never hit.',
        'Only maps that evict or expire entries, or loading maps, are considered: a membership set (checked with `has()`) misses by design and never alerts.',
      ],
      queries: [
        [
          'Miss ratio:',
          `sum(rate(${METRICS.lookups.name}{${MAP_MATCHERS}, result="miss"}[${c.cache.window}])) / sum(rate(${METRICS.lookups.name}{${MAP_MATCHERS}}[${c.cache.window}]))`,
        ],
        [
          'Deletes by cause:',
          `sum by (cause) (rate(${METRICS.deletes.name}{${MAP_MATCHERS}}[${c.cache.window}]))`,
        ],
      ],
      mitigation: [
        'Size the cache for the working set, lengthen the TTL, or normalise the keys.',
        'If reuse is inherently low, remove the cache.',
      ],
    },
    loadStampede: {
      meaning:
        `Each load of a loading map was joined by more than ${c.loads.joinsPerLoad} callers on average ` +
        `(\`${METRICS.loadJoins.name}\` over \`${METRICS.loads.name}\`) over ${c.loads.window}.`,
      impact:
        'Info: single-flight absorbed the stampede (one load, many waiters), so the backend was spared; every joiner waits for the full load latency.',
      diagnosis: [
        'Hot keys that expire at the same time (TTL set at the same moment) or that are evicted while hot.',
        'Check the load duration: slow loads widen the window during which callers join.',
      ],
      queries: [
        [
          'Callers per load, and seconds per load:',
          `sum(rate(${METRICS.loadJoins.name}{${MAP_MATCHERS}}[${c.loads.window}])) / sum(rate(${METRICS.loads.name}{${MAP_MATCHERS}}[${c.loads.window}]))`,
        ],
        [
          'Seconds per load:',
          `sum(rate(${METRICS.loadSeconds.name}{${MAP_MATCHERS}}[${c.loads.window}])) / sum(rate(${METRICS.loads.name}{${MAP_MATCHERS}}[${c.loads.window}]))`,
        ],
      ],
      mitigation: [
        'Add jitter to TTLs; refresh hot keys ahead of expiry (stale-while-revalidate).',
        'Keep single-flight (`LoadingMap`) in place; never replace it with per-caller loads.',
      ],
    },
    loadsFailing: {
      meaning: `More than ${c.loads.failureRatio * 100}% of loader calls failed (\`${METRICS.loads.name}{result="failure"}\`) over ${c.loads.window}.`,
      impact:
        'Callers receive errors, and failed loads are retried by every new caller, adding load on the failing backend.',
      diagnosis: [
        'The loader talks to a backend: check that backend first.',
        'A failure ratio of exactly 100% on one map after a deploy usually means a configuration or permission error in the loader.',
      ],
      queries: [
        [
          'Failed loads per second, and all loads:',
          `sum by (result) (rate(${METRICS.loads.name}{${MAP_MATCHERS}}[${c.loads.window}]))`,
        ],
      ],
      mitigation: [
        'Cache negative results briefly, and back off retries of failing keys.',
        'Serve stale values while the backend recovers if the data allows it.',
      ],
    },
  };
}
