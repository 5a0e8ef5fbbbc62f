/**
 * The alerts of the mapwatch-meta group, mapwatch's own health: the registry's cap, metrics gone, collect
 * errors, slow or growing scrapes. Listed in the order of the rule file.
 */
import { METRICS } from '../../conventions.js';
import { num, on } from '../promql.js';
import { PROMETHEUS_SERIES } from '../series.js';
import { ALWAYS_EXPORTED, sampleGrowth, scrapeSeconds } from './conditions.js';
import {
  byJob,
  byTarget,
  jobLabels,
  labelValue,
  onTarget,
  TARGET_PHRASE,
  TARGET_PHRASE_START,
  targetSeries,
} from './selectors.js';
import { type AlertDef } from './types.js';

const { up } = PROMETHEUS_SERIES;

export const META_ALERTS: readonly AlertDef[] = [
  {
    key: 'registryOverflow',
    name: 'MapwatchRegistryOverflow',
    group: 'mapwatch-meta',
    signal: 'registry',
    scope: 'target',
    summary: 'The mapwatch registry is full and folds new map names into one series.',
    description: (c) =>
      `{{ $value | humanize }} maps of ${TARGET_PHRASE} were folded into map_name="_other" in the last ` +
      `${c.registry.overflowWindow} (or since the target appeared, if that is more recent): map names are unbounded or the cap is too low.`,
    expr: (c) => {
      const o = targetSeries(c, METRICS.registryOverflow.name);
      // increase() misses names folded before the target's first scrape (a counter born above 0): a series
      // that is new within the window and above 0 counts too. New means no sample in the whole window
      // before: an instant lookup a window ago took a scrape gap of a few minutes for a new target.
      const w = c.registry.overflowWindow;
      return (
        `(\n  sum ${byTarget(c)} (increase(${o}[${w}])) > 0\n` +
        `  or (max ${byTarget(c)} (${o}) > 0 unless max ${byTarget(c)} (max_over_time(${o}[${w}] offset ${w})))\n)`
      );
    },
    panel: (c) => ({
      expr: `sum ${byTarget(c)} (increase(${targetSeries(c, METRICS.registryOverflow.name)}[${c.registry.overflowWindow}]))`,
      threshold: 1,
      unit: 'short',
    }),
  },
  {
    key: 'metricsAbsent',
    name: 'MapwatchMetricsAbsent',
    group: 'mapwatch-meta',
    signal: 'absence',
    scope: 'target',
    summary: 'A target that exported a mapwatch metric stopped exporting it.',
    description: (c) =>
      `${TARGET_PHRASE_START} is up and exported {{ $value | humanize }} series of {{ $labels.metric }} within the last ` +
      `${c.absence.lookback}, and none now. The exporter was unregistered or a deploy dropped it (every mapwatch ` +
      'metric gone), or collecting this one metric fails (see MapwatchExporterCollectErrors); dashboards and alerts that read it are blind.',
    expr: (c, t) =>
      `(\n  ${ALWAYS_EXPORTED.map((m) => t.familyGone(m, c.absence.lookback)).join('\n  or ')}\n)\n` +
      `and ${onTarget(c)} (${targetSeries(c, up)} == 1)`,
    panel: (c) => ({
      // A counter's series are counted through rate() (Grafana's dashboard linter reads no counter raw).
      expr: ALWAYS_EXPORTED.map((m) => {
        const series =
          m.type === 'counter'
            ? `rate(${targetSeries(c, m.name)}[$__rate_interval])`
            : targetSeries(c, m.name);
        return `label_replace(count ${byTarget(c)} (${series}), "metric", ${labelValue(m.name)}, "", "")`;
      }).join('\n  or '),
      unit: 'short',
    }),
  },
  {
    key: 'jobMetricsAbsent',
    name: 'MapwatchJobMetricsAbsent',
    group: 'mapwatch-meta',
    signal: 'absence',
    scope: 'target',
    perJob: true,
    summary: 'No instance of a job that pushes its metrics exports a mapwatch metric any more.',
    description: (c) =>
      `No instance of job {{ $labels.job }} exports {{ $labels.metric }} now; its instances exported ` +
      `{{ $value | humanize }} series of it within the last ${c.absence.lookback}. The job has no \`up\` series in that ` +
      'time: its services push their metrics (OTLP through a collector), so MapwatchMetricsAbsent cannot see them. ' +
      'The services stopped, their exporter was removed, or the path from them to the storage broke.',
    expr: (c, t) =>
      `(\n  ${ALWAYS_EXPORTED.map((m) => t.jobFamilyGone(m, c.absence.lookback)).join('\n  or ')}\n)\n` +
      `unless ${on(jobLabels(c))}\n${t.jobScraped(c.absence.lookback)}`,
    panel: (c) => ({
      // A counter's series are counted through rate() (Grafana's dashboard linter reads no counter raw).
      expr: ALWAYS_EXPORTED.map((m) => {
        const series =
          m.type === 'counter'
            ? `rate(${targetSeries(c, m.name)}[$__rate_interval])`
            : targetSeries(c, m.name);
        return `label_replace(count ${byJob(c)} (${series}), "metric", ${labelValue(m.name)}, "", "")`;
      }).join('\n  or '),
      unit: 'short',
    }),
  },
  {
    key: 'collectErrors',
    name: 'MapwatchExporterCollectErrors',
    group: 'mapwatch-meta',
    signal: 'exporter',
    scope: 'target',
    summary: 'Collecting some mapwatch metrics fails: they are left out of scrapes.',
    description: (c) =>
      `{{ printf "%.0f" $value }} collections of mapwatch metrics failed on ${TARGET_PHRASE} in the last ` +
      `${c.exporter.errorsWindow}. Each failing metric is left out of that scrape; the service's stderr names it ` +
      '("mapwatch: collecting <metric> failed").',
    expr: (c) =>
      `sum ${byTarget(c)} (increase(${targetSeries(c, METRICS.collectErrors.name)}[${c.exporter.errorsWindow}])) > 0`,
    panel: (c) => ({
      expr: `sum ${byTarget(c)} (increase(${targetSeries(c, METRICS.collectErrors.name)}[${c.exporter.errorsWindow}]))`,
      threshold: 1,
      unit: 'short',
    }),
  },
  {
    key: 'scrapeSlow',
    name: 'MapwatchExporterScrapeSlow',
    group: 'mapwatch-meta',
    signal: 'exporter',
    scope: 'target',
    summary: 'Scraping a target that exports mapwatch metrics is slow.',
    description: (c) =>
      `A scrape of ${TARGET_PHRASE} took {{ $value | humanize }}s on average over the last ${c.exporter.window}, ` +
      `above ${num(c.exporter.maxScrapeSeconds)}s. Slow scrapes time out and leave gaps in every series of the target.`,
    expr: (c, t) =>
      `${scrapeSeconds(c)} > ${num(c.exporter.maxScrapeSeconds)}\n` +
      `and ${onTarget(c)}\n${t.wasMapwatchTarget(c.absence.lookback)}`,
    panel: (c) => ({ expr: scrapeSeconds(c), threshold: c.exporter.maxScrapeSeconds, unit: 's' }),
  },
  {
    key: 'samplesGrowing',
    name: 'MapwatchExporterSamplesGrowing',
    group: 'mapwatch-meta',
    signal: 'exporter',
    scope: 'target',
    summary: 'A target that exports mapwatch metrics returns ever more samples per scrape.',
    description: (c) =>
      `${TARGET_PHRASE_START} returned at least {{ $value | humanize }} more samples per scrape over the last ` +
      `${c.exporter.growthWindow} than at the lowest of the ${c.exporter.growthWindow} before (a ` +
      `${Math.round((c.exporter.sampleGrowthRatio - 1) * 100)}% rise or more): series are multiplying, by map names or by other labels.`,
    expr: (c, t) =>
      `(\n  ${sampleGrowth(c, '-')}\n) >= ${num(c.exporter.minSampleGrowth)}\n` +
      `and ${onTarget(c)}\n(\n  ${sampleGrowth(c, '/')}\n) >= ${num(c.exporter.sampleGrowthRatio)}\n` +
      `and ${onTarget(c)}\n${t.wasMapwatchTarget(c.absence.lookback)}`,
    panel: (c) => ({ expr: sampleGrowth(c, '-'), threshold: c.exporter.minSampleGrowth, unit: 'short' }),
  },
];
