/**
 * Config -> the two Grafana dashboards: an overview of every map of the selected jobs, and a per-map
 * drill-down. Panels are listed as data (title, description, unit, queries); grafana.ts turns them into
 * dashboard JSON. Every selector carries `job=~"$job", instance=~"$instance"` and every rate uses
 * `$__rate_interval`, as Grafana's dashboard linter asks.
 */
import { LABELS, METRICS, type MetricSpec } from '../conventions.js';
import { type PackConfig } from './config.js';
import { dashboard, datasourceVariable, queryVariable, type Json, type PanelSpec } from './grafana.js';
import { histogramSeries, selector } from './promql.js';

const JOB = 'job=~"$job"';
const INSTANCE = 'instance=~"$instance"';
const MAP = `${LABELS.mapName}=~"$map"`;
const RI = '$__rate_interval';

/** Matchers of every panel selector: the configured selector, job, instance and each groupBy variable. */
function scope(c: PackConfig): string[] {
  return [c.selector, ...c.groupBy.map((l) => `${l}=~"$${l}"`), JOB, INSTANCE];
}

/** Variables shared by both dashboards: the config selector narrows which jobs can be picked. */
function commonVariables(c: PackConfig): Json[] {
  const entries = METRICS.entries.name;
  // groupBy labels (cluster, namespace, ...) come first: they narrow the jobs and instances offered.
  const groups = c.groupBy.map((l, n) =>
    queryVariable(
      l,
      l,
      `label_values(${selector(entries, c.selector, ...c.groupBy.slice(0, n).map((g) => `${g}=~"$${g}"`))}, ${l})`,
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

// ---------------------------------------------------------------------------------------------- overview

function overviewPanels(c: PackConfig): PanelSpec[] {
  const sel = (m: MetricSpec | string, ...extra: string[]) =>
    selector(typeof m === 'string' ? m : m.name, ...scope(c), ...extra);
  // Series of one map link to the drill-down, with the time range and the variables of this dashboard.
  const links = [
    {
      title: 'Open ${__field.labels.map_name} in mapwatch / map',
      url:
        `/d/${c.dashboards.uidPrefix}-map/mapwatch-map?var-map=\${__field.labels.map_name}` +
        '&var-job=${__field.labels.job}&${datasource:queryparam}&${__url_time_range}',
    },
  ];
  const byMap = 'by (job, map_name)';
  const rate = (m: MetricSpec, ...extra: string[]) => `sum ${byMap} (rate(${sel(m, ...extra)}[${RI}]))`;
  const legend = '{{job}} / {{map_name}}';
  const panels: PanelSpec[] = [
    {
      title: 'Maps suspected of leaking',
      description: 'Map names (per instance) whose in-process leak detector verdict is 1 now.',
      unit: 'short',
      type: 'stat',
      width: 6,
      height: 5,
      targets: [
        {
          expr: `count(max by (job, instance, map_name) (${sel(METRICS.leakSuspect)}) == 1) or vector(0)`,
          legendFormat: 'suspects',
          instant: true,
        },
      ],
    },
    {
      title: 'Map names tracked',
      description: 'Distinct map names tracked by the registries of the selected targets.',
      unit: METRICS.registryMaps.grafanaUnit,
      type: 'stat',
      width: 6,
      height: 5,
      targets: [{ expr: `sum(${sel(METRICS.registryMaps)})`, legendFormat: 'names', instant: true }],
    },
    {
      title: 'Firing mapwatch alerts',
      description: 'Mapwatch alerts firing now for the selected targets.',
      unit: 'short',
      type: 'stat',
      width: 6,
      height: 5,
      targets: [
        {
          expr: `count(${sel('ALERTS', 'alertname=~"Mapwatch.*"', 'alertstate="firing"')}) or vector(0)`,
          legendFormat: 'firing',
          instant: true,
        },
      ],
    },
    {
      title: 'Maps folded into _other',
      description:
        'Maps registered past the registry name cap and folded into map_name="_other", since each process started (summed over targets). Above 0, some maps are not observable on their own.',
      unit: 'short',
      type: 'stat',
      width: 6,
      height: 5,
      targets: [
        {
          // A state, not a rate: overflow usually happens at start-up, before the first scrape.
          expr: `sum(max by (job, instance) (${sel(METRICS.registryOverflow)})) or vector(0)`,
          legendFormat: 'folded maps',
          instant: true,
        },
      ],
    },
    {
      title: 'Biggest maps',
      description: 'The ten map names with the most live entries (summed over instances of each job).',
      unit: METRICS.entries.grafanaUnit,
      targets: [{ expr: `topk(10, sum ${byMap} (${sel(METRICS.entries)}))`, legendFormat: legend }],
    },
    {
      title: 'Fastest growing maps',
      description:
        'The ten maps with the highest leak-detector growth rate of the entry floor (entries per second).',
      unit: METRICS.growthPerSecond.grafanaUnit,
      targets: [{ expr: `topk(10, max ${byMap} (${sel(METRICS.growthPerSecond)}))`, legendFormat: legend }],
    },
    {
      title: 'Leak verdicts',
      description: 'The in-process leak detector verdict per map and instance (1 = suspected leak).',
      unit: METRICS.leakSuspect.grafanaUnit,
      steps: true,
      targets: [
        {
          expr: `max by (job, instance, map_name) (${sel(METRICS.leakSuspect)})`,
          legendFormat: '{{job}} / {{map_name}} @ {{instance}}',
        },
      ],
    },
    {
      title: 'Live map objects per name',
      description: 'Live map objects per name; a rising count is a leak of the objects that own the maps.',
      unit: METRICS.instances.grafanaUnit,
      targets: [{ expr: `topk(10, sum ${byMap} (${sel(METRICS.instances)}))`, legendFormat: legend }],
    },
    {
      title: 'Lock wait time per second',
      description:
        'Seconds tasks spent waiting for each map lock per second; above 1 means more than one task is always waiting (a lock storm).',
      unit: METRICS.lockWaitSeconds.grafanaUnit,
      targets: [{ expr: `topk(10, ${rate(METRICS.lockWaitSeconds)})`, legendFormat: legend }],
    },
    {
      title: 'Lock waiters',
      description: 'Tasks queued on each map lock (the highest instance of each job).',
      unit: METRICS.lockWaiters.grafanaUnit,
      targets: [{ expr: `topk(10, max ${byMap} (${sel(METRICS.lockWaiters)}))`, legendFormat: legend }],
    },
    {
      title: 'Miss ratio',
      description: 'Share of lookups that missed, per map. A cache near 100% saves little.',
      unit: 'percentunit',
      targets: [
        {
          expr: `${rate(METRICS.lookups, `${LABELS.result}="miss"`)}\n  / ${rate(METRICS.lookups)}`,
          legendFormat: legend,
        },
      ],
    },
    {
      title: 'Promotion churn',
      description:
        'Read-mostly maps: entries copied to rebuild the dirty map per lookup. High values mean the load is too write-heavy for a read-mostly map.',
      unit: 'short',
      targets: [
        { expr: `${rate(METRICS.copiedEntries)}\n  / ${rate(METRICS.lookups)}`, legendFormat: legend },
      ],
    },
  ];
  return panels.map((p) => (p.type === 'stat' ? p : { ...p, links }));
}

// ---------------------------------------------------------------------------------------------- per map

function mapPanels(c: PackConfig): PanelSpec[] {
  const sel = (m: MetricSpec | string, ...extra: string[]) =>
    selector(typeof m === 'string' ? m : m.name, ...scope(c), MAP, ...extra);
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
  return [
    {
      title: 'Entries',
      description: 'Live entries, summed over the live maps with this name.',
      unit: METRICS.entries.grafanaUnit,
      targets: [{ expr: `sum ${by()} (${sel(METRICS.entries)})`, legendFormat: legend }],
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
      description: 'Share of lookups that missed.',
      unit: 'percentunit',
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
        'Seconds per second tasks waited for the lock and held it, by mode. Hold time near 1 s/s means the lock is always held.',
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
      title: 'Leak detector verdict',
      description: 'The in-process leak detector verdict (1 = suspected leak).',
      unit: METRICS.leakSuspect.grafanaUnit,
      steps: true,
      targets: [{ expr: `max ${by()} (${sel(METRICS.leakSuspect)})`, legendFormat: legend }],
    },
    {
      title: 'Leak detector state',
      description:
        'The in-process leak detector state over time: collecting (not enough evidence yet), ok, growing (rising with no bound seen, unconfirmed) or leak (confirmed; the verdict above is 1 only then).',
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
      description: "The detector's robust growth rate of the entry floor, in entries per second.",
      unit: METRICS.growthPerSecond.grafanaUnit,
      targets: [{ expr: `max ${by()} (${sel(METRICS.growthPerSecond)})`, legendFormat: legend }],
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
  ];
}

export function buildDashboards(c: PackConfig): Record<string, Json> {
  const entries = METRICS.entries.name;
  return {
    'mapwatch-overview.json': dashboard(c, {
      uidSuffix: 'overview',
      title: 'mapwatch / overview',
      description:
        'Every instrumented map of the selected jobs: the biggest, the fastest growing, leak suspects, lock storms, miss ratios and promotion churn.',
      variables: commonVariables(c),
      annotations: [alertsAnnotation(c, [])],
      panels: overviewPanels(c),
    }),
    'mapwatch-map.json': dashboard(c, {
      uidSuffix: 'map',
      title: 'mapwatch / map',
      description:
        'One map name in depth: entries and instances, writes and net growth, lookups, locks, promotions, loads and the leak detector.',
      variables: [
        ...commonVariables(c),
        // One map at a time: the drill-down's panels are about one map name.
        queryVariable(
          'map',
          'Map',
          `label_values(${selector(entries, ...scope(c))}, ${LABELS.mapName})`,
          true,
        ),
      ],
      annotations: [alertsAnnotation(c, [MAP])],
      panels: mapPanels(c),
    }),
  };
}
