/**
 * What every runbook section shares: its shape, the alert's labels as placeholders in the queries, the
 * tools an investigation uses (linked from the sections), and the queries of the growth sections.
 */
import { LABELS, METRICS } from '../../conventions.js';
import { type PackConfig } from '../config.js';
import { num } from '../promql.js';

export interface Section {
  meaning: string;
  impact: string;
  diagnosis: string[];
  /** Ready-to-paste PromQL: a caption and the query, shown after the diagnosis steps. */
  queries: Array<[string, string]>;
  mitigation: string[];
  /** Extra paragraphs after Mitigation. */
  notes?: string[];
}

/** The alert's labels as placeholders, for queries to paste with the values of the alert filled in. */
export const MAP_MATCHERS = `job="<job>", instance="<instance>", ${LABELS.mapName}="<map_name>"`;
export const JOB_MAP_MATCHERS = `job="<job>", ${LABELS.mapName}="<map_name>"`;
export const TARGET_MATCHERS = 'job="<job>", instance="<instance>"';

/** How the memory limit reads in a query, for a target's placeholders. */
export function memoryLimitQuery(c: PackConfig): string {
  return c.memory.limitSeries ? `max(${c.memory.limitSeries}{${TARGET_MATCHERS}})` : num(c.memory.limitBytes);
}

/** Anchor of the tools section, linked from the sections that use the tools. */
export const TOOLS_ANCHOR = '#before-you-start-tools-for-any-map';
/** The sentences the sections quote when they send the reader to a tool. */
export const SNAPSHOT = `a heap snapshot (see [the tools](${TOOLS_ANCHOR}), with its risks)`;
export const ANALYZE =
  '`npx mapwatch analyze --prometheus http://<prometheus>:9090 --selector \'{job="<job>",map_name="<map_name>"}\' --range 24h` ' +
  "replays the map's series through the leak detector: its state, growth per hour and reason.";
export const DEBUG_MAPS =
  "`/debug/maps` on the instance (if the service mounts `mapwatchRouter({ debug: true })`) shows the detector's state and reason for every map, live.";

/** PromQL the growth sections share: the map per instance, and its net growth per hour. */
export function growthQueries(): Array<[string, string]> {
  return [
    [
      'Entries of the map on every instance of the job (graph it over two days):',
      `sum by (instance) (${METRICS.entries.name}{${JOB_MAP_MATCHERS}})`,
    ],
    [
      'Net growth per hour (inserts minus deletes):',
      `sum by (instance) (increase(${METRICS.inserts.name}{${JOB_MAP_MATCHERS}}[1h]))\n  - sum by (instance) (increase(${METRICS.deletes.name}{${JOB_MAP_MATCHERS}}[1h]))`,
    ],
    [
      'Deletes per second by cause (no `evict` or `expire` at all: nothing bounds the map):',
      `sum by (cause) (rate(${METRICS.deletes.name}{${MAP_MATCHERS}}[1h]))`,
    ],
  ];
}
