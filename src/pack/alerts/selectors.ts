/**
 * The shorthands every alert expression is written with: selectors of a map's or a target's series with the
 * configured matchers, the `by (...)` and `on (...)` label lists of each level (map, job and map, target,
 * job), and the phrases that name an alert's map or target in its description.
 */
import { LABELS } from '../../conventions.js';
import { type PackConfig } from '../config.js';
import { by, jobMapLabels, mapLabels, on, selector, targetLabels } from '../promql.js';
import { type ScopedConfig } from './types.js';

/** The map an alert is about, in its description. */
export const MAP_PHRASE =
  'map {{ $labels.map_name }} (job {{ $labels.job }}, instance {{ $labels.instance }})';
/** The same, at the start of a sentence. */
export const MAP_PHRASE_START = `${MAP_PHRASE.charAt(0).toUpperCase()}${MAP_PHRASE.slice(1)}`;
/** The scrape target an alert is about, in its description. */
export const TARGET_PHRASE = 'job {{ $labels.job }}, instance {{ $labels.instance }}';
/** The same, at the start of a sentence. */
export const TARGET_PHRASE_START = `J${TARGET_PHRASE.slice(1)}`;

/** Selector of a series of a map with the configured matchers plus `extra`. */
export const mapSeries = (c: PackConfig, series: string, ...extra: string[]) =>
  selector(series, c.selector, ...extra);
/** Selector of a series of a scrape target (no map_name). */
export const targetSeries = (c: ScopedConfig, series: string, ...extra: string[]) =>
  selector(series, c.targetSelector ?? c.selector, ...extra);
export const byMap = (c: PackConfig) => by(mapLabels(c.groupBy));
export const onMap = (c: PackConfig) => on(mapLabels(c.groupBy));
export const byJobMap = (c: PackConfig) => by(jobMapLabels(c.groupBy));
export const byTarget = (c: PackConfig) => by(targetLabels(c.groupBy));
/** The labels of a job: job and the groupBy labels. */
export const jobLabels = (c: PackConfig) => ['job', ...c.groupBy];
export const byJob = (c: PackConfig) => by(jobLabels(c));
export const onTarget = (c: PackConfig) => on(targetLabels(c.groupBy));

/** Escapes a label value for a PromQL string literal. */
export const labelValue = (v: string) => JSON.stringify(v);

/** `map_name!~"a|b"` for the maps that grow by design (`excludeMaps`), or nothing. */
export function excluded(c: PackConfig): string[] {
  if (c.excludeMaps.length === 0) return [];
  const re = c.excludeMaps.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return [`${LABELS.mapName}!~${labelValue(re)}`];
}
