/**
 * The drill-down's panels for one map name: entries and instances, writes, lookups, locks, promotions,
 * loads, the leak detector and survival sampling, and every map alert's own condition.
 */
import { LABELS, METRICS, type MetricSpec } from '../../conventions.js';
import { type PackConfig } from '../config.js';
import { type PanelSpec } from '../grafana.js';
import { grafanaUnitOf } from '../grafana-units.js';
import { histogramSeries, mapLabels, num, selector } from '../promql.js';
import { alertThreshold, conditionPanels, MAP, RATE_INTERVAL, scope } from './shared.js';

export function mapPanels(c: PackConfig): PanelSpec[] {
  const sel = (m: MetricSpec | string, ...extra: string[]) =>
    selector(typeof m === 'string' ? m : m.name, ...scope(c), MAP, ...extra);
  const tsel = (series: string) => selector(series, ...scope(c));
  // Every label that tells one map apart (job and the groupBy labels too), as the rules aggregate.
  const by = (...more: string[]) => `by (${[...mapLabels(c.groupBy), ...more].join(', ')})`;
  const rate = (m: MetricSpec | string, more: string[] = [], ...extra: string[]) =>
    `sum ${by(...more)} (rate(${sel(m, ...extra)}[${RATE_INTERVAL}]))`;
  const legend = '{{map_name}} @ {{instance}}';
  const waitHistogram = histogramSeries(METRICS.lockWaitDuration);
  const quantile = (q: number) => ({
    expr: `histogram_quantile(${q}, sum ${by(LABELS.mode, 'le')} (rate(${sel(waitHistogram.bucket)}[${RATE_INTERVAL}])))`,
    legendFormat: `p${q * 100} {{mode}} ${legend}`,
  });
  const inserts = rate(METRICS.inserts);
  const perTargetLabels = ['job', 'instance', ...c.groupBy].join(', ');
  const limit = c.memory.limitSeries
    ? `max by (${perTargetLabels}) (${tsel(c.memory.limitSeries)})`
    : num(c.memory.limitBytes);
  return [
    {
      title: 'Entries',
      description: 'Live entries, summed over the live maps with this name.',
      unit: grafanaUnitOf(METRICS.entries),
      targets: [{ expr: `sum ${by()} (${sel(METRICS.entries)})`, legendFormat: legend }],
    },
    {
      title: 'Process memory against its limit',
      description: `Memory in use (${c.memory.usageSeries}) over its limit, for the selected instances (pick the map's instance to see its own). MapwatchProcessMemoryNearLimit fires at ${Math.round(c.memory.ratio * 100)}% (the line) while this map grows.`,
      unit: 'percentunit',
      thresholds: alertThreshold(c, 'memoryNearLimit', c.memory.ratio),
      targets: [
        {
          expr: `max by (${perTargetLabels}) (${tsel(c.memory.usageSeries)}) / ${limit}`,
          legendFormat: '{{instance}}',
        },
      ],
    },
    {
      title: 'Live map objects',
      description: 'Live map objects with this name. A count that only rises is a leak of their owners.',
      unit: grafanaUnitOf(METRICS.instances),
      targets: [{ expr: `sum ${by()} (${sel(METRICS.instances)})`, legendFormat: legend }],
    },
    {
      title: 'Writes and net growth',
      description:
        'Inserts, updates and deletes per second, and net growth (inserts minus deletes). Net growth that stays above zero is a leak.',
      unit: grafanaUnitOf(METRICS.inserts),
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
      unit: grafanaUnitOf(METRICS.deletes),
      targets: [{ expr: rate(METRICS.deletes, [LABELS.cause]), legendFormat: `{{cause}} ${legend}` }],
    },
    {
      title: 'Lookups by result',
      description: 'Hits and misses per second (get and has).',
      unit: grafanaUnitOf(METRICS.lookups),
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
      // Seconds per second have no dimension: a count of tasks, as the overview draws the same rate.
      unit: 'short',
      targets: [
        { expr: rate(METRICS.lockWaitSeconds, [LABELS.mode]), legendFormat: `wait {{mode}} ${legend}` },
        { expr: rate(METRICS.lockHoldSeconds, [LABELS.mode]), legendFormat: `hold {{mode}} ${legend}` },
      ],
    },
    {
      title: 'Lock waiters',
      description: 'Tasks queued on the lock.',
      unit: grafanaUnitOf(METRICS.lockWaiters),
      targets: [{ expr: `max ${by()} (${sel(METRICS.lockWaiters)})`, legendFormat: legend }],
    },
    {
      title: 'Lock wait quantiles',
      description: 'Wait time of contended acquisitions, by mode (p50, p90, p99).',
      unit: grafanaUnitOf(METRICS.lockWaitDuration),
      targets: [quantile(0.5), quantile(0.9), quantile(0.99)],
    },
    {
      title: 'Lock acquisitions and timeouts',
      description:
        'Lock grants per second by mode and contention, and acquisitions abandoned by timeout or abort.',
      unit: grafanaUnitOf(METRICS.lockAcquisitions),
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
      unit: grafanaUnitOf(METRICS.promotions),
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
      unit: grafanaUnitOf(METRICS.loads),
      targets: [
        { expr: rate(METRICS.loads, [LABELS.result]), legendFormat: `{{result}} ${legend}` },
        { expr: rate(METRICS.loadJoins), legendFormat: `joins ${legend}` },
      ],
    },
    {
      title: 'Load time per load',
      description: 'Average seconds per loader call.',
      unit: grafanaUnitOf(METRICS.loadSeconds),
      targets: [{ expr: `${rate(METRICS.loadSeconds)}\n  / ${rate(METRICS.loads)}`, legendFormat: legend }],
    },
    {
      title: 'Leak detector state',
      description:
        'The in-process leak detector state over time: collecting (not enough evidence yet), ok, growing (rising with no bound seen, unconfirmed) or leak (confirmed; its verdict is 1 only then).',
      unit: grafanaUnitOf(METRICS.leakState),
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
      unit: grafanaUnitOf(METRICS.shardImbalance),
      targets: [{ expr: `max ${by()} (${sel(METRICS.shardImbalance)})`, legendFormat: legend }],
    },
    {
      title: 'Oldest sampled entry',
      description:
        'Entry survival sampling: age of the oldest sampled entry still in the map. An age that only rises means entries are never removed.',
      unit: grafanaUnitOf(METRICS.oldestSampledAge),
      targets: [{ expr: `max ${by()} (${sel(METRICS.oldestSampledAge)})`, legendFormat: legend }],
    },
    {
      title: 'Sampled entries never read',
      description:
        'Entry survival sampling: share of sampled live entries never read since insertion. High values mean the map keeps data nobody uses.',
      unit: grafanaUnitOf(METRICS.sampledNeverRead),
      targets: [{ expr: `max ${by()} (${sel(METRICS.sampledNeverRead)})`, legendFormat: legend }],
    },
    { title: 'Alert conditions', description: '', unit: '', type: 'row', targets: [] },
    ...conditionPanels(c, 'map'),
  ];
}
