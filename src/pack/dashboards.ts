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
import { LABELS, METRICS, type MetricSpec } from '../conventions.js';
import { ALERT_DEFS, Terms, type ScopedConfig } from './alerts.js';
import { type PackConfig, type Severity } from './config.js';
import {
  dashboard,
  datasourceVariable,
  queryVariable,
  type Link,
  type PanelSpec,
  type SharedDashboard,
  type Threshold,
  type VariableModel,
} from './grafana.js';
import { histogramSeries, num, selector } from './promql.js';

const JOB = 'job=~"$job"';
const INSTANCE = 'instance=~"$instance"';
const MAP = `${LABELS.mapName}=~"$map"`;
const RI = '$__rate_interval';
/** Appended to every selector of the query that picks the top N: its value at the end of the range. */
const AT_END = ' @ end()';

/** Matchers of every panel selector: the configured selector, each groupBy variable, job and instance. */
function scope(c: PackConfig): string[] {
  return [c.selector, ...c.groupBy.map((l) => `${l}=~"$${l}"`), JOB, INSTANCE];
}

/** The severity colours of the thresholds: red pages, orange goes to chat, blue is context. */
const COLOR: Record<Severity, Threshold['color']> = { critical: 'red', warning: 'orange', info: 'blue' };

/** The alert's threshold in its severity's colour, for the panel that draws its quantity. */
function alertThreshold(c: PackConfig, key: (typeof ALERT_DEFS)[number]['key'], value: number): Threshold[] {
  return [{ value, color: COLOR[c.alerts[key].severity] }];
}

/**
 * The config the alert-condition panels are built from: the dashboard's matchers as the selector (with the
 * map for map series), and no recording rules (a dashboard reads raw series).
 */
function panelConfig(c: PackConfig, withMap: boolean): ScopedConfig {
  const target = scope(c).join(', ');
  return {
    ...c,
    selector: withMap ? `${target}, ${MAP}` : target,
    targetSelector: target,
    recordingRules: false,
  };
}

/** Variables shared by both dashboards: the config selector narrows which jobs can be picked. */
function commonVariables(c: PackConfig): VariableModel[] {
  const entries = METRICS.entries.name;
  // groupBy labels (cluster, namespace, ...) come first: they narrow the jobs and instances offered. Their
  // `All` is `.*`, which also matches targets without the label.
  const groups = c.groupBy.map((l, n) =>
    queryVariable(
      l,
      l,
      `label_values(${selector(entries, c.selector, ...c.groupBy.slice(0, n).map((g) => `${g}=~"$${g}"`))}, ${l})`,
      { allValue: '.*' },
    ),
  );
  const groupMatchers = c.groupBy.map((l) => `${l}=~"$${l}"`);
  return [
    datasourceVariable(),
    ...groups,
    queryVariable('job', 'Job', `label_values(${selector(entries, c.selector, ...groupMatchers)}, job)`),
    queryVariable(
      'instance',
      'Instance',
      `label_values(${selector(entries, c.selector, ...groupMatchers, JOB)}, instance)`,
    ),
  ];
}

function alertsAnnotation(c: PackConfig, extra: string[]) {
  return {
    name: 'Mapwatch alerts',
    expr: selector('ALERTS', 'alertname=~"Mapwatch.*"', 'alertstate="firing"', ...scope(c), ...extra),
    titleFormat: '{{alertname}}',
    textFormat: '{{severity}}: {{map_name}} on {{instance}}',
  };
}

/** The drill-down of one map, with its job, instance and topology labels (Grafana data-link syntax). */
function mapLink(c: PackConfig, label: (l: string) => string): string {
  return (
    `/d/${c.dashboards.uidPrefix}-map/mapwatch-map?var-map=${label(LABELS.mapName)}` +
    [...c.groupBy, 'job', 'instance'].map((l) => `&var-${l}=${label(l)}`).join('') +
    '&${datasource:queryparam}&${__url_time_range}'
  );
}

/** `expr(now) and on (labels) topk(k, expr(at the end of the range))`: the same N series at every step. */
function topAtEnd(k: number, labels: string, expr: (at: string) => string): string {
  return `${expr('')}\n  and on (${labels}) topk(${k}, ${expr(AT_END)})`;
}

// ---------------------------------------------------------------------------------------------- overview

function overviewPanels(c: PackConfig): PanelSpec[] {
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
  const M = `job, instance, ${LABELS.mapName}`;
  const byMap = `by (${M})`;
  const rate = (m: MetricSpec, at: string, ...extra: string[]) =>
    `sum ${byMap} (rate(${sel(m, ...extra)}[${RI}]${at}))`;
  const legend = '{{map_name}} @ {{instance}} ({{job}})';
  const alerts = (...extra: string[]) =>
    sel('ALERTS', 'alertname=~"Mapwatch.*"', 'alertstate="firing"', ...extra);
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
          expr: `count(max by (${M}) (${sel(METRICS.leakSuspect)}) == 1) or vector(0)`,
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
      description: `Map names folded into map_name="_other" in the last ${c.registry.overflowWindow} (MapwatchRegistryOverflow fires above 0): those maps are not observable on their own.`,
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
      description: 'Distinct map names tracked by the registries of the selected targets.',
      unit: METRICS.registryMaps.grafanaUnit,
      type: 'stat',
      width: 4,
      height: 4,
      panelLinks: drill,
      targets: [{ expr: `sum(${sel(METRICS.registryMaps)})`, legendFormat: 'names', instant: true }],
    },
    {
      title: 'Biggest maps',
      description:
        'The ten biggest maps at the end of the range, per instance (a map name on each instance is its own series). The lines mark the share of the ceiling at which MapwatchMapCeilingPredicted may page, and the ceiling.',
      unit: METRICS.entries.grafanaUnit,
      thresholds: [
        { value: c.growth.ceiling * c.growth.pageAboveShare, color: 'orange' },
        { value: c.growth.ceiling, color: 'red' },
      ],
      targets: [
        {
          expr: topAtEnd(10, M, (at) => `sum ${byMap} (${sel(METRICS.entries)}${at})`),
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
          expr: topAtEnd(10, M, (at) => `max ${byMap} (${sel(METRICS.growthPerSecond)}${at}) * 3600`),
          legendFormat: legend,
        },
      ],
    },
    {
      title: 'Process memory against its limit',
      description: `Memory in use (${usage}) over its limit, per target. MapwatchProcessMemoryNearLimit fires at ${Math.round(c.memory.ratio * 100)}% while one of the maps of the target grows.`,
      unit: 'percentunit',
      thresholds: alertThreshold(c, 'memoryNearLimit', c.memory.ratio),
      links: [
        {
          title: 'Open ${__field.labels.instance} in mapwatch / map',
          url:
            `/d/${c.dashboards.uidPrefix}-map/mapwatch-map?` +
            [...c.groupBy, 'job', 'instance'].map((l) => `var-${l}=\${__field.labels.${l}}`).join('&') +
            '&${datasource:queryparam}&${__url_time_range}',
        },
      ],
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
      unit: METRICS.leakState.grafanaUnit,
      steps: true,
      targets: [
        {
          expr: `max by (${M}, state) (${sel(METRICS.leakState, `${LABELS.state}=~"growing|leak"`)}) == 1`,
          legendFormat: `{{state}} ${legend}`,
        },
      ],
    },
    {
      title: 'Live map objects per name',
      description:
        'The ten map names with the most live map objects at the end of the range, per instance; a rising count is a leak of the objects that own the maps.',
      unit: METRICS.instances.grafanaUnit,
      targets: [
        {
          expr: topAtEnd(10, M, (at) => `sum ${byMap} (${sel(METRICS.instances)}${at})`),
          legendFormat: legend,
        },
      ],
    },
    {
      title: 'Tasks waiting on map locks',
      description: `Tasks waiting for each map lock on average (seconds waited per second, by Little's law), the ten highest at the end of the range. MapwatchLockStorm needs ${c.lock.stormWaiters} (the line) and long waits.`,
      unit: 'short',
      thresholds: alertThreshold(c, 'lockStorm', c.lock.stormWaiters),
      targets: [{ expr: topAtEnd(10, M, (at) => rate(METRICS.lockWaitSeconds, at)), legendFormat: legend }],
    },
    {
      title: 'Lock waiters',
      description: 'Tasks queued on each map lock now, the ten highest at the end of the range.',
      unit: METRICS.lockWaiters.grafanaUnit,
      targets: [
        {
          expr: topAtEnd(10, M, (at) => `max ${byMap} (${sel(METRICS.lockWaiters)}${at})`),
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
            M,
            (at) =>
              `(\n  ${rate(METRICS.lookups, at, `${LABELS.result}="miss"`)}\n  / ${rate(METRICS.lookups, at)}\n)` +
              `\n  and on (${M}) (\n    sum ${byMap} (increase(${sel(METRICS.deletes, `${LABELS.cause}=~"evict|expire"`)}[${RI}]${at})) > 0\n` +
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
            M,
            (at) =>
              // Copies exist for read-mostly maps only, so the ratio is theirs alone.
              `${rate(METRICS.copiedEntries, at)}\n  / ${rate(METRICS.lookups, at)}`,
          ),
          legendFormat: legend,
        },
      ],
    },
    { title: 'Exporter health', description: '', unit: '', type: 'row', targets: [] },
    ...conditionPanels(c, 'target'),
  ];
  return panels.map((p) => (p.type === 'timeseries' || p.type === undefined ? { links, ...p } : p));
}

/**
 * One panel per alert that draws the quantity the alert compares, with the alert's threshold: map alerts on
 * the drill-down, target alerts (exporter health) on the overview.
 */
function conditionPanels(c: PackConfig, scopeOf: 'map' | 'target'): PanelSpec[] {
  const pc = panelConfig(c, scopeOf === 'map');
  return ALERT_DEFS.filter((d) => d.scope === scopeOf).map((def) => {
    const p = def.panel(pc, new Terms(pc));
    const legend =
      def.scope === 'map' && !p.perTarget
        ? '{{map_name}} @ {{instance}}'
        : def.key === 'metricsAbsent'
          ? '{{metric}} {{instance}} ({{job}})'
          : def.perJob
            ? '{{metric}} ({{job}})'
            : '{{instance}} ({{job}})';
    return {
      title: def.name,
      description:
        `What ${def.name} (${c.alerts[def.key].severity}) compares, over the alert's own windows` +
        (p.threshold === undefined ? '' : ', with its threshold as the line') +
        `. ${def.summary}`,
      unit: p.unit,
      width: scopeOf === 'map' ? 8 : 12,
      ...(p.threshold === undefined ? {} : { thresholds: alertThreshold(c, def.key, p.threshold) }),
      targets: [{ expr: p.expr, legendFormat: legend }],
    };
  });
}

// ---------------------------------------------------------------------------------------------- per map

function mapPanels(c: PackConfig): PanelSpec[] {
  const sel = (m: MetricSpec | string, ...extra: string[]) =>
    selector(typeof m === 'string' ? m : m.name, ...scope(c), MAP, ...extra);
  const tsel = (series: string) => selector(series, ...scope(c));
  const by = (...more: string[]) => `by (${['instance', LABELS.mapName, ...more].join(', ')})`;
  const rate = (m: MetricSpec | string, more: string[] = [], ...extra: string[]) =>
    `sum ${by(...more)} (rate(${sel(m, ...extra)}[${RI}]))`;
  const legend = '{{map_name}} @ {{instance}}';
  const h = histogramSeries(METRICS.lockWaitDuration);
  const quantile = (q: number) => ({
    expr: `histogram_quantile(${q}, sum ${by(LABELS.mode, 'le')} (rate(${sel(h.bucket)}[${RI}])))`,
    legendFormat: `p${q * 100} {{mode}} ${legend}`,
  });
  const inserts = rate(METRICS.inserts);
  const T = ['job', 'instance', ...c.groupBy].join(', ');
  const limit = c.memory.limitSeries
    ? `max by (${T}) (${tsel(c.memory.limitSeries)})`
    : num(c.memory.limitBytes);
  return [
    {
      title: 'Entries',
      description: 'Live entries, summed over the live maps with this name.',
      unit: METRICS.entries.grafanaUnit,
      targets: [{ expr: `sum ${by()} (${sel(METRICS.entries)})`, legendFormat: legend }],
    },
    {
      title: 'Process memory against its limit',
      description: `Memory in use (${c.memory.usageSeries}) over its limit, for the instances of the map. MapwatchProcessMemoryNearLimit fires at ${Math.round(c.memory.ratio * 100)}% (the line) while this map grows.`,
      unit: 'percentunit',
      thresholds: alertThreshold(c, 'memoryNearLimit', c.memory.ratio),
      targets: [
        {
          expr: `max by (${T}) (${tsel(c.memory.usageSeries)}) / ${limit}`,
          legendFormat: '{{instance}}',
        },
      ],
    },
    {
      title: 'Live map objects',
      description: 'Live map objects with this name. A count that only rises is a leak of their owners.',
      unit: METRICS.instances.grafanaUnit,
      targets: [{ expr: `sum ${by()} (${sel(METRICS.instances)})`, legendFormat: legend }],
    },
    {
      title: 'Writes and net growth',
      description:
        'Inserts, updates and deletes per second, and net growth (inserts minus deletes). Net growth that stays above zero is a leak.',
      unit: METRICS.inserts.grafanaUnit,
      targets: [
        { expr: inserts, legendFormat: `inserts ${legend}` },
        { expr: rate(METRICS.updates), legendFormat: `updates ${legend}` },
        { expr: rate(METRICS.deletes), legendFormat: `deletes ${legend}` },
        {
          expr: `${inserts}\n  - (${rate(METRICS.deletes)} or 0 * ${inserts})`,
          legendFormat: `net ${legend}`,
        },
      ],
    },
    {
      title: 'Deletes by cause',
      description:
        'Entries removed per second by cause: explicit delete, clear, eviction or expiry. No evictions or expiries means nothing bounds the map.',
      unit: METRICS.deletes.grafanaUnit,
      targets: [{ expr: rate(METRICS.deletes, [LABELS.cause]), legendFormat: `{{cause}} ${legend}` }],
    },
    {
      title: 'Lookups by result',
      description: 'Hits and misses per second (get and has).',
      unit: METRICS.lookups.grafanaUnit,
      targets: [{ expr: rate(METRICS.lookups, [LABELS.result]), legendFormat: `{{result}} ${legend}` }],
    },
    {
      title: 'Miss ratio',
      description: `Share of lookups that missed. MapwatchCacheIneffective fires above ${c.cache.missRatio} (the line) for maps that evict or expire, and loading maps.`,
      unit: 'percentunit',
      thresholds: alertThreshold(c, 'cacheIneffective', c.cache.missRatio),
      targets: [
        {
          expr: `${rate(METRICS.lookups, [], `${LABELS.result}="miss"`)}\n  / ${rate(METRICS.lookups)}`,
          legendFormat: legend,
        },
      ],
    },
    {
      title: 'Lock wait and hold time per second',
      description:
        "Seconds per second tasks waited for the lock (by Little's law, the tasks waiting on average) and held it, by mode. Hold time near 1 s/s means the lock is always held.",
      unit: METRICS.lockWaitSeconds.grafanaUnit,
      targets: [
        { expr: rate(METRICS.lockWaitSeconds, [LABELS.mode]), legendFormat: `wait {{mode}} ${legend}` },
        { expr: rate(METRICS.lockHoldSeconds, [LABELS.mode]), legendFormat: `hold {{mode}} ${legend}` },
      ],
    },
    {
      title: 'Lock waiters',
      description: 'Tasks queued on the lock.',
      unit: METRICS.lockWaiters.grafanaUnit,
      targets: [{ expr: `max ${by()} (${sel(METRICS.lockWaiters)})`, legendFormat: legend }],
    },
    {
      title: 'Lock wait quantiles',
      description: 'Wait time of contended acquisitions, by mode (p50, p90, p99).',
      unit: METRICS.lockWaitDuration.grafanaUnit,
      targets: [quantile(0.5), quantile(0.9), quantile(0.99)],
    },
    {
      title: 'Lock acquisitions and timeouts',
      description:
        'Lock grants per second by mode and contention, and acquisitions abandoned by timeout or abort.',
      unit: METRICS.lockAcquisitions.grafanaUnit,
      targets: [
        {
          expr: rate(METRICS.lockAcquisitions, [LABELS.mode, LABELS.contended]),
          legendFormat: `{{mode}} contended={{contended}} ${legend}`,
        },
        { expr: rate(METRICS.lockTimeouts), legendFormat: `timeouts ${legend}` },
      ],
    },
    {
      title: 'Read-mostly promotions',
      description:
        'Read-mostly maps: promotions of the dirty map, entries copied to rebuild it and reads that fell through the snapshot, per second.',
      unit: METRICS.promotions.grafanaUnit,
      targets: [
        { expr: rate(METRICS.promotions), legendFormat: `promotions ${legend}` },
        { expr: rate(METRICS.copiedEntries), legendFormat: `copied entries ${legend}` },
        { expr: rate(METRICS.readMisses), legendFormat: `read misses ${legend}` },
      ],
    },
    {
      title: 'Loads',
      description:
        'Loading maps: loader calls per second by result, and callers that joined a load already in flight.',
      unit: METRICS.loads.grafanaUnit,
      targets: [
        { expr: rate(METRICS.loads, [LABELS.result]), legendFormat: `{{result}} ${legend}` },
        { expr: rate(METRICS.loadJoins), legendFormat: `joins ${legend}` },
      ],
    },
    {
      title: 'Load time per load',
      description: 'Average seconds per loader call.',
      unit: METRICS.loadSeconds.grafanaUnit,
      targets: [{ expr: `${rate(METRICS.loadSeconds)}\n  / ${rate(METRICS.loads)}`, legendFormat: legend }],
    },
    {
      title: 'Leak detector state',
      description:
        'The in-process leak detector state over time: collecting (not enough evidence yet), ok, growing (rising with no bound seen, unconfirmed) or leak (confirmed; its verdict is 1 only then).',
      unit: METRICS.leakState.grafanaUnit,
      steps: true,
      targets: [
        {
          expr: `max ${by(LABELS.state)} (${sel(METRICS.leakState)}) == 1`,
          legendFormat: `{{state}} ${legend}`,
        },
      ],
    },
    {
      title: 'Leak detector growth rate',
      description: "The detector's robust growth rate of the entry floor, in entries per hour.",
      unit: 'short',
      targets: [{ expr: `max ${by()} (${sel(METRICS.growthPerSecond)}) * 3600`, legendFormat: legend }],
    },
    {
      title: 'Shard imbalance',
      description: 'Sharded maps: entries of the fullest shard over the mean shard (1 is even).',
      unit: METRICS.shardImbalance.grafanaUnit,
      targets: [{ expr: `max ${by()} (${sel(METRICS.shardImbalance)})`, legendFormat: legend }],
    },
    {
      title: 'Oldest sampled entry',
      description:
        'Entry survival sampling: age of the oldest sampled entry still in the map. An age that only rises means entries are never removed.',
      unit: METRICS.oldestSampledAge.grafanaUnit,
      targets: [{ expr: `max ${by()} (${sel(METRICS.oldestSampledAge)})`, legendFormat: legend }],
    },
    {
      title: 'Sampled entries never read',
      description:
        'Entry survival sampling: share of sampled live entries never read since insertion. High values mean the map keeps data nobody uses.',
      unit: METRICS.sampledNeverRead.grafanaUnit,
      targets: [{ expr: `max ${by()} (${sel(METRICS.sampledNeverRead)})`, legendFormat: legend }],
    },
    { title: 'Alert conditions', description: '', unit: '', type: 'row', targets: [] },
    ...conditionPanels(c, 'map'),
  ];
}

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
        queryVariable(
          'map',
          'Map',
          `query_result(sort_desc(sum by (${LABELS.mapName}) (${selector(entries, ...scope(c))})))`,
          { single: true, regex: `/${LABELS.mapName}="([^"]+)"/`, ordered: true },
        ),
      ],
      annotations: [alertsAnnotation(c, [MAP])],
      panels: mapPanels(c),
    }),
  };
}
