/**
 * What the lint tests of the rules and of the dashboards share: the configs they lint, and the check that
 * every metric a query names exists (in the conventions table, a recorded series, or a series of Prometheus
 * or of the process that the config names).
 */
import { fileURLToPath } from 'node:url';
import { metricBySeriesName } from '../../src/conventions.js';
import { externalSeries } from '../../src/pack/alerts.js';
import { defaultConfig, fastConfig, resolveConfig, type PackConfig } from '../../src/pack/config.js';
import { expandVariables, scanSelectors } from './promql.js';

/** Repository root, so the tests do not depend on the working directory. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Series the pack reads that are not mapwatch's: Prometheus' own and the process metrics of the config. */
export const nonMapwatch = (c: PackConfig = defaultConfig) => new Set(externalSeries(c));

/** Names of metrics the rules may read: the conventions table, plus the series `recorded` defines. */
export function checkNamesExist(
  expr: string,
  recorded: ReadonlySet<string> = new Set(),
  external: ReadonlySet<string> = nonMapwatch(),
): string[] {
  return scanSelectors(expandVariables(expr))
    .filter(
      (s) =>
        s.name !== '' &&
        !external.has(s.name) &&
        !recorded.has(s.name) &&
        metricBySeriesName(s.name) === undefined,
    )
    .map((s) => `unknown metric '${s.name}' in: ${expr}`);
}

export const configs: Array<[string, PackConfig]> = [
  ['default', defaultConfig],
  ['fast', fastConfig],
  [
    'custom',
    resolveConfig({
      selector: 'job=~"checkout-.*", env="prod"',
      groupBy: ['cluster'],
      alertLabels: { team: 'payments', tier: 'Tier 1' },
      excludeMaps: ['catalogue', 'routes.v2'],
      memory: { usageSeries: 'process_resident_memory_bytes', limitSeries: '', limitBytes: 4e9 },
    }),
  ],
];

/** The ```promql blocks of a runbook section. */
export function promqlBlocks(section: string): string[] {
  return [...section.matchAll(/```promql\n([\s\S]*?)\n```/g)].map((m) => m[1] as string);
}
