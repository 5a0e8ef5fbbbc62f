/**
 * The alerts of the mapwatch-shape group: maps used against their grain (read-mostly maps that churn, caches
 * that miss, loads that stampede or fail). Listed in the order of the rule file.
 */
import { METRICS } from '../../conventions.js';
import { live } from '../live.js';
import { num } from '../promql.js';
import { churn, failureRatio, isCache, joinsPerLoad, missRatio, rateSum } from './conditions.js';
import { MAP_PHRASE, onMap } from './selectors.js';
import { type AlertDef } from './types.js';

export const SHAPE_ALERTS: readonly AlertDef[] = [
  {
    key: 'promotionChurn',
    name: 'MapwatchPromotionChurn',
    group: 'mapwatch-shape',
    signal: 'read_mostly',
    scope: 'map',
    summary: 'A read-mostly map churns: it copies entries on promotions faster than it is read.',
    description: (c) =>
      `The read-mostly map {{ $labels.map_name }} (job {{ $labels.job }}, instance {{ $labels.instance }}) copied ` +
      `{{ $value | humanize }} entries per lookup over ${c.promotion.window} while promoting more than ` +
      `${c.promotion.minPromotionsPerSecond} times per second. The load is too write-heavy for this map type.`,
    expr: (c) =>
      `${churn(c)}\n  > ${num(c.promotion.copiedPerLookup)}\n` +
      `and ${onMap(c)}\n${rateSum(c, METRICS.promotions.name, c.promotion.window)} > ${num(c.promotion.minPromotionsPerSecond)}`,
    panel: (c) => ({ expr: churn(c, 'increase'), threshold: c.promotion.copiedPerLookup, unit: 'short' }),
  },
  {
    key: 'cacheIneffective',
    name: 'MapwatchCacheIneffective',
    group: 'mapwatch-shape',
    signal: 'cache',
    scope: 'map',
    summary: 'A cache (a map that evicts or expires, or a loading map) misses almost every lookup.',
    description: (c) =>
      `{{ $value | humanizePercentage }} of lookups in ${MAP_PHRASE} missed over ${c.cache.window}, at more than ` +
      `${c.cache.minLookupsPerSecond} lookups per second, with ${live(c, { kind: 'entries' })} entries cached. ` +
      'The cache costs memory and saves little.',
    expr: (c) =>
      `${missRatio(c)}\n  > ${c.cache.missRatio}\n` +
      `and ${onMap(c)}\n${rateSum(c, METRICS.lookups.name, c.cache.window)} > ${num(c.cache.minLookupsPerSecond)}\n` +
      `and ${onMap(c)}\n(\n  ${isCache(c, c.cache.window)}\n)`,
    panel: (c) => ({ expr: missRatio(c, 'increase'), threshold: c.cache.missRatio, unit: 'percentunit' }),
  },
  {
    key: 'loadStampede',
    name: 'MapwatchLoadStampede',
    group: 'mapwatch-shape',
    signal: 'loading',
    scope: 'map',
    summary: 'Many callers pile onto the same in-flight loads of a loading map (absorbed by single-flight).',
    description: (c) =>
      `Each load of ${MAP_PHRASE} was joined by {{ $value | humanize }} waiting callers on average over ` +
      `${c.loads.window}. Single-flight absorbed the stampede (one load per key), so the backend was spared; ` +
      'the joiners waited for the load. Hot keys expire or miss together.',
    expr: (c) =>
      `${joinsPerLoad(c)}\n  > ${num(c.loads.joinsPerLoad)}\n` +
      `and ${onMap(c)}\n${rateSum(c, METRICS.loadJoins.name, c.loads.window)} > ${num(c.loads.minJoinsPerSecond)}`,
    panel: (c) => ({ expr: joinsPerLoad(c, 'increase'), threshold: c.loads.joinsPerLoad, unit: 'short' }),
  },
  {
    key: 'loadsFailing',
    name: 'MapwatchLoadsFailing',
    group: 'mapwatch-shape',
    signal: 'loading',
    scope: 'map',
    summary: 'The loader of a loading map fails often.',
    description: (c) =>
      `{{ $value | humanizePercentage }} of loader calls of ${MAP_PHRASE} failed over ${c.loads.window}; ` +
      'callers of the failing keys got errors.',
    expr: (c) =>
      `${failureRatio(c)}\n  > ${c.loads.failureRatio}\n` +
      `and ${onMap(c)}\n${rateSum(c, METRICS.loads.name, c.loads.window)} > ${num(c.loads.minLoadsPerSecond)}`,
    panel: (c) => ({
      expr: failureRatio(c, 'increase'),
      threshold: c.loads.failureRatio,
      unit: 'percentunit',
    }),
  },
];
