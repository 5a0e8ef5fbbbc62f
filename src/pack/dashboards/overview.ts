/**
 * The overview's panels: what fires by map and instance, the biggest and fastest growing maps, process
 * memory, locks, caches, promotion churn, and the exporter health.
 */
import { LABELS, METRICS, type MetricSpec } from '../../conventions.js';
import { type PackConfig } from '../config.js';
import { type Link, type PanelSpec } from '../grafana.js';
import { grafanaUnitOf } from '../grafana-units.js';
import { mapLabels, num, selector } from '../promql.js';
import {
  alertsScope,
  alertThreshold,
  conditionPanels,
  mapLink,
  RATE_INTERVAL,
  scope,
  topAtEnd,
} from './shared.js';

export function overviewPanels(c: PackConfig): PanelSpec[] {
  const sel = (m: MetricSpec | string, ...extra: string[]) =>
    selector(typeof m === 'string' ? m : m.name, ...scope(c), ...extra);
  // Series of one map link to the drill-down, with the time range and the variables of this dashboard.
  const links: Link[] = [
    {
      title: 'Open ${__field.labels.map_name} on ${__field.labels.instance} in mapwatch / map',
      url: mapLink(c, (l) => `\${__field.labels.${l}}`),
    },
  ];
  // The drill-down with this dashboard's job and instance selected (stats, target panels).
  const drill: Link[] = [
    {
      title: 'mapwatch / map for the selected jobs and instances',
      url:
        `/d/${c.dashboards.uidPrefix}-map/mapwatch-map?` +
        [...c.groupBy, 'job', 'instance'].map((l) => `\${${l}:queryparam}`).join('&') +
        '&${datasource:queryparam}&${__url_time_range}',
    },
  ];
  // The groupBy labels too (cluster, namespace): two clusters with the same job and instance names stay
  // apart, and the links below find every label they pass.
  const perMapLabels = mapLabels(c.groupBy).join(', ');
  const byMap = `by (${perMapLabels})`;
  const rate = (m: MetricSpec, at: string, ...extra: string[]) =>
    `sum ${byMap} (rate(${sel(m, ...extra)}[${RATE_INTERVAL}]${at}))`;
  const legend = '{{map_name}} @ {{instance}} ({{job}})';
  const alerts = (...extra: string[]) =>
    selector('ALERTS', ...alertsScope(c), 'alertname=~"Mapwatch.*"', 'alertstate="firing"', ...extra);
  /** A series of one target (or one job) opens the drill-down with its labels selected. */
  const targetLinks = (perJob: boolean): Link[] => {
    const labels = [...c.groupBy, 'job', ...(perJob ? [] : ['instance'])];
    return [
      {
        title: perJob
          ? 'Open ${__field.labels.job} in mapwatch / map'
          : 'Open ${__field.labels.instance} in mapwatch / map',
        url:
          `/d/${c.dashboards.uidPrefix}-map/mapwatch-map?` +
          labels.map((l) => `var-${l}=\${__field.labels.${l}}`).join('&') +
          '&${datasource:queryparam}&${__url_time_range}',
      },
    ];
  };
  const usage = c.memory.usageSeries;
  const limit = c.memory.limitSeries
    ? `max by (job, instance) (${sel(c.memory.limitSeries)})`
    : num(c.memory.limitBytes);
  const panels: PanelSpec[] = [
    {
      title: 'Firing mapwatch alerts',
      description:
        'Every mapwatch alert firing now for the selected targets, by map and instance, the most severe first. The map name opens its drill-down on that instance.',
      unit: 'none',
      type: 'table',
      width: 24,
      height: 8,
      targets: [
        {
          expr:
            `sort_desc(\n  3 * ${alerts('severity="critical"')}\n  or 2 * ${alerts('severity="warning"')}\n` +
            `  or ${alerts('severity="info"')}\n)`,
          legendFormat: '{{alertname}} {{map_name}} {{instance}} {{job}}',
          instant: true,
          format: 'table',
        },
      ],
      columns: ['alertname', LABELS.mapName, 'instance', 'job', ...c.groupBy, 'metric'],
      hidden: ['Time', '__name__', 'alertstate', 'severity', 'signal', ...Object.keys(c.alertLabels)],
      valueText: {
        '3': { text: 'critical', color: 'red' },
        '2': { text: 'warning', color: 'orange' },
        '1': { text: 'info', color: 'blue' },
      },
      columnLinks: {
        [LABELS.mapName]: [
          {
            title: 'Open ${__data.fields.map_name} on ${__data.fields.instance}',
            url: mapLink(c, (l) => `\${__data.fields.${l}}`),
          },
        ],
      },
    },
    {
      title: 'Critical alerts firing',
      description: 'Mapwatch alerts of severity critical firing now (they page).',
      unit: 'short',
      type: 'stat',
      width: 4,
      height: 4,
      thresholds: [{ value: 1, color: 'red' }],
      panelLinks: drill,
      targets: [
        {
          expr: `count(${alerts('severity="critical"')}) or vector(0)`,
          legendFormat: 'critical',
          instant: true,
        },
      ],
    },
    {
      title: 'Warnings firing',
      description: 'Mapwatch alerts of severity warning firing now (they go to chat).',
      unit: 'short',
      type: 'stat',
      width: 4,
      height: 4,
      thresholds: [{ value: 1, color: 'orange' }],
      panelLinks: drill,
      targets: [
        {
          expr: `count(${alerts('severity="warning"')}) or vector(0)`,
          legendFormat: 'warning',
          instant: true,
        },
      ],
    },
    {
      title: 'Maps the leak detector calls leaks',
      description:
        'Map names (per instance) whose in-process leak detector is in the leak state now. MapwatchMapLeakSuspected fires once one has held it for ' +
        `${c.leak.holdWindow} plus ${c.alerts.leakSuspect.for}.`,
      unit: 'short',
      type: 'stat',
      width: 4,
      height: 4,
      thresholds: alertThreshold(c, 'leakSuspect', 1),
      panelLinks: drill,
      targets: [
        {
          expr: `count(max by (${perMapLabels}) (${sel(METRICS.leakSuspect)}) == 1) or vector(0)`,
          legendFormat: 'leaks',
          instant: true,
        },
      ],
    },
    {
      title: 'Processes near their memory limit',
      description: `Targets using ${Math.round(c.memory.ratio * 100)}% of their memory limit or more now (MapwatchProcessMemoryNearLimit fires when one of their maps grows).`,
      unit: 'short',
      type: 'stat',
      width: 4,
      height: 4,
      thresholds: alertThreshold(c, 'memoryNearLimit', 1),
      panelLinks: drill,
      targets: [
        {
          expr: `count(max by (job, instance) (${sel(usage)}) / ${limit} >= ${num(c.memory.ratio)}) or vector(0)`,
          legendFormat: 'near limit',
          instant: true,
        },
      ],
    },
    {
      title: 'Names folded into _other',
      description: `Map names folded into map_name="_other" in the last ${c.registry.overflowWindow} (MapwatchRegistryOverflow fires above 0): those maps are not observable on their own. Names folded before a target's first scrape (a counter born above 0) show in the alert, not here: a panel may only read a counter through rate() or increase().`,
      unit: 'short',
      type: 'stat',
      width: 4,
      height: 4,
      thresholds: alertThreshold(c, 'registryOverflow', 1),
      panelLinks: drill,
      targets: [
        {
          expr: `sum(increase(${sel(METRICS.registryOverflow)}[${c.registry.overflowWindow}])) or vector(0)`,
          legendFormat: 'folded maps',
          instant: true,
        },
      ],
    },
    {
      title: 'Map names tracked',
      description:
        'Map names tracked by the registry of the selected target that tracks the most (replicas of one service track the same names, so they are not added up).',
      unit: grafanaUnitOf(METRICS.registryMaps),
      type: 'stat',
      width: 4,
      height: 4,
      panelLinks: drill,
      targets: [{ expr: `max(${sel(METRICS.registryMaps)})`, legendFormat: 'names', instant: true }],
    },
    {
      title: 'Biggest maps',
      description:
        'The ten biggest maps at the end of the range, per instance (a map name on each instance is its own series). The lines mark the share of the ceiling at which MapwatchMapCeilingPredicted may page, and the ceiling.',
      unit: grafanaUnitOf(METRICS.entries),
      thresholds: [
        { value: c.growth.ceiling * c.growth.pageAboveShare, color: 'orange' },
        { value: c.growth.ceiling, color: 'red' },
      ],
      targets: [
        {
          expr: topAtEnd(10, perMapLabels, (at) => `sum ${byMap} (${sel(METRICS.entries)}${at})`),
          legendFormat: legend,
        },
      ],
    },
    {
      title: 'Fastest growing maps',
      description:
        'The ten maps with the highest leak-detector growth rate of the entry floor at the end of the range, in entries per hour.',
      unit: 'short',
      targets: [
        {
          expr: topAtEnd(
            10,
            perMapLabels,
            (at) => `max ${byMap} (${sel(METRICS.growthPerSecond)}${at}) * 3600`,
          ),
          legendFormat: legend,
        },
      ],
    },
    {
      title: 'Process memory against its limit',
      description: `Memory in use (${usage}) over its limit, per target. MapwatchProcessMemoryNearLimit fires at ${Math.round(c.memory.ratio * 100)}% while one of the maps of the target grows.`,
      unit: 'percentunit',
      thresholds: alertThreshold(c, 'memoryNearLimit', c.memory.ratio),
      links: targetLinks(false),
      targets: [
        {
          expr: `max by (${['job', 'instance', ...c.groupBy].join(', ')}) (${sel(usage)}) / ${c.memory.limitSeries ? `max by (${['job', 'instance', ...c.groupBy].join(', ')}) (${sel(c.memory.limitSeries)})` : limit}`,
          legendFormat: '{{instance}} ({{job}})',
        },
      ],
    },
    {
      title: 'Leak detector state',
      description:
        'Maps whose in-process leak detector is growing (unconfirmed) or leak (confirmed) now, per instance, at the end of the range.',
      unit: grafanaUnitOf(METRICS.leakState),
      steps: true,
      targets: [
        {
          expr: `max by (${perMapLabels}, state) (${sel(METRICS.leakState, `${LABELS.state}=~"growing|leak"`)}) == 1`,
          legendFormat: `{{state}} ${legend}`,
        },
      ],
    },
    {
      title: 'Live map objects per name',
      description:
        'The ten map names with the most live map objects at the end of the range, per instance; a rising count is a leak of the objects that own the maps.',
      unit: grafanaUnitOf(METRICS.instances),
      targets: [
        {
          expr: topAtEnd(10, perMapLabels, (at) => `sum ${byMap} (${sel(METRICS.instances)}${at})`),
          legendFormat: legend,
        },
      ],
    },
    {
      title: 'Tasks waiting on map locks',
      description: `Tasks waiting for each map lock on average (seconds waited per second, by Little's law), the ten highest at the end of the range. MapwatchLockStorm needs ${c.lock.stormWaiters} (the line) and long waits.`,
      unit: 'short',
      thresholds: alertThreshold(c, 'lockStorm', c.lock.stormWaiters),
      targets: [
        { expr: topAtEnd(10, perMapLabels, (at) => rate(METRICS.lockWaitSeconds, at)), legendFormat: legend },
      ],
    },
    {
      title: 'Lock waiters',
      description: 'Tasks queued on each map lock now, the ten highest at the end of the range.',
      unit: grafanaUnitOf(METRICS.lockWaiters),
      targets: [
        {
          expr: topAtEnd(10, perMapLabels, (at) => `max ${byMap} (${sel(METRICS.lockWaiters)}${at})`),
          legendFormat: legend,
        },
      ],
    },
    {
      title: 'Miss ratio of caches',
      description: `Share of lookups that missed, for caches only (maps that evict or expire, and loading maps; membership sets miss by design), the ten highest at the end of the range. MapwatchCacheIneffective fires above ${c.cache.missRatio} (the line).`,
      unit: 'percentunit',
      thresholds: alertThreshold(c, 'cacheIneffective', c.cache.missRatio),
      targets: [
        {
          expr: topAtEnd(
            10,
            perMapLabels,
            (at) =>
              `(\n  ${rate(METRICS.lookups, at, `${LABELS.result}="miss"`)}\n  / ${rate(METRICS.lookups, at)}\n)` +
              `\n  and on (${perMapLabels}) (\n    sum ${byMap} (increase(${sel(METRICS.deletes, `${LABELS.cause}=~"evict|expire"`)}[${RATE_INTERVAL}]${at})) > 0\n` +
              `    or count ${byMap} (${sel(METRICS.entries, `${LABELS.mapKind}="loading"`)}${at})\n  )`,
          ),
          legendFormat: legend,
        },
      ],
    },
    {
      title: 'Promotion churn',
      description: `Read-mostly maps: entries copied to rebuild the dirty map per lookup, the ten highest at the end of the range. MapwatchPromotionChurn fires above ${c.promotion.copiedPerLookup} (the line) while promotions are frequent.`,
      unit: 'short',
      thresholds: alertThreshold(c, 'promotionChurn', c.promotion.copiedPerLookup),
      targets: [
        {
          expr: topAtEnd(
            10,
            perMapLabels,
            (at) =>
              // Copies exist for read-mostly maps only, so the ratio is theirs alone.
              `${rate(METRICS.copiedEntries, at)}\n  / ${rate(METRICS.lookups, at)}`,
          ),
          legendFormat: legend,
        },
      ],
    },
  ];
  const perMap = panels.map((p) => (p.type === 'timeseries' || p.type === undefined ? { links, ...p } : p));
  // The exporter's health is per target (per job for OTLP-pushed jobs): no map to open, so their series
  // open the drill-down of their target, with no instance where the alert has none.
  const targetPanels = conditionPanels(c, 'target', targetLinks);
  return [
    ...perMap,
    { title: 'Exporter health', description: '', unit: '', type: 'row', targets: [] },
    ...targetPanels,
  ];
}
