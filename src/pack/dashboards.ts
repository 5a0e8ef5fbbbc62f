/**
 * Config -> the two Grafana dashboards: an overview of every map of the selected jobs, and a per-map
 * drill-down. Panels are listed as data (title, description, unit, queries); grafana.ts turns them into
 * dashboard JSON. Every selector carries `job=~"$job", instance=~"$instance"` and every rate uses
 * `$__rate_interval`, as Grafana's dashboard linter asks, except the panels that draw an alert's own
 * condition: they use the alert's windows, built by the alert's own helpers (alerts.ts, `panel`).
 *
 * The overview leads to the bad map: its first row lists the firing alerts by map and instance, the stats
 * below are coloured where the alerts fire, and every series links to the drill-down with its job,
 * instance and map. Top-N panels pick their N series at the end of the range (`topk(..., x @ end())`), so
 * the set does not change from one step to the next.
 */
import { LABELS, METRICS } from '../conventions.js';
import { type PackConfig } from './config.js';
import { dashboard, queryVariable, type SharedDashboard } from './grafana.js';
import { selector } from './promql.js';
import { mapPanels } from './dashboards/map.js';
import { overviewPanels } from './dashboards/overview.js';
import { alertsAnnotation, commonVariables, MAP, scope } from './dashboards/shared.js';

export function buildDashboards(c: PackConfig): Record<string, SharedDashboard> {
  const entries = METRICS.entries.name;
  return {
    'mapwatch-overview.json': dashboard(c, {
      uidSuffix: 'overview',
      title: 'mapwatch / overview',
      description:
        'Every instrumented map of the selected jobs: what is firing by map and instance, the biggest and fastest growing maps, process memory, lock storms, cache miss ratios, promotion churn and the exporter health.',
      variables: commonVariables(c),
      annotations: [alertsAnnotation(c, [])],
      panels: overviewPanels(c),
    }),
    'mapwatch-map.json': dashboard(c, {
      uidSuffix: 'map',
      title: 'mapwatch / map',
      description:
        'One map name in depth: entries and instances, process memory, writes and net growth, lookups, locks, promotions, loads, the leak detector, and the condition of every map alert against its threshold.',
      variables: [
        ...commonVariables(c),
        // One map at a time, the biggest of the selected jobs first (its default), not the first by name.
        // Grafana writes each result as `{map_name="<value>"} <value> <time>` without escaping the value, so
        // the name runs to the last `"}` (greedy): `[^"]+` cut `a"b` to `a`, and the panels showed no map.
        queryVariable(
          'map',
          'Map',
          `query_result(sort_desc(sum by (${LABELS.mapName}) (${selector(entries, ...scope(c))})))`,
          { single: true, regex: `/${LABELS.mapName}="(.*)"\\}/`, ordered: true },
        ),
      ],
      annotations: [alertsAnnotation(c, [MAP])],
      panels: mapPanels(c),
    }),
  };
}
