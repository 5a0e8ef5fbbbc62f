/**
 * The runbook sections of mapwatch-meta: the registry's cap, metrics gone, collect errors and scrape health.
 */
import { METRICS } from '../../conventions.js';
import { ALWAYS_EXPORTED } from '../alerts.js';
import { type PackConfig } from '../config.js';
import { PROMETHEUS_SERIES } from '../series.js';
import { DEBUG_MAPS, type Section, TARGET_MATCHERS } from './common.js';

export function metaSections(
  c: PackConfig,
): Record<
  | 'registryOverflow'
  | 'metricsAbsent'
  | 'jobMetricsAbsent'
  | 'collectErrors'
  | 'scrapeSlow'
  | 'samplesGrowing',
  Section
> {
  const { scrapeDuration, scrapeSamples } = PROMETHEUS_SERIES;
  return {
    registryOverflow: {
      meaning:
        `\`${METRICS.registryOverflow.name}\` increased within the last ${c.registry.overflowWindow}, or the target appeared ` +
        'within it with the counter already above 0 (names folded at start-up, before the first scrape): maps were ' +
        'registered past the registry name cap and folded into `map_name="_other"`. It resolves once no name has been folded for the window.',
      impact:
        'New maps are no longer observable individually; growth of a leaking map hides inside `_other`.',
      diagnosis: [
        `\`${METRICS.registryMaps.name}\` shows how many names are tracked. Names built from ids (per tenant, per connection) are unbounded.`,
        `${DEBUG_MAPS} It lists the names tracked.`,
      ],
      queries: [
        [
          'Names tracked and names folded since the process started:',
          `max(${METRICS.registryMaps.name}{${TARGET_MATCHERS}})`,
        ],
        [
          'Names folded in the last hour:',
          `sum(increase(${METRICS.registryOverflow.name}{${TARGET_MATCHERS}}[1h]))`,
        ],
      ],
      mitigation: [
        'Give maps a bounded name (the role of the map, not its owner id); several maps may share a name and are counted in instances.',
        'Raise the registry cap only if the set of names is bounded but large.',
      ],
    },
    metricsAbsent: {
      meaning:
        `The target is up, exported the metric named by the alert's \`metric\` label within the last ${c.absence.lookback}, ` +
        `and exports it no more. Watched: ${ALWAYS_EXPORTED.map((x) => `\`${x.name}\``).join(', ')} (every target with maps ` +
        'exports them at every scrape). One metric gone while the others stay is a collection that fails; all of them gone ' +
        'is an exporter that was removed. Needs Prometheus to scrape the service directly: behind an OpenTelemetry Collector, `up` belongs to the collector, not the service, and MapwatchJobMetricsAbsent watches the job instead.',
      impact: 'Every mapwatch alert and panel that reads the missing metric is blind for this target.',
      diagnosis: [
        'Scrape the target by hand (`curl -s http://<instance>/metrics | grep mapwatch_`) and compare with the families below.',
        'One metric missing: the service\'s stderr has "mapwatch: collecting <metric> failed" and MapwatchExporterCollectErrors fires with it.',
        'Everything missing: check recent deploys; the exporter registration (`registerPromMetrics` / `registerOtelMetrics`) may have been removed or may throw at start-up.',
      ],
      queries: [
        [
          'Series per mapwatch metric the target exports now:',
          `count by (__name__) ({${TARGET_MATCHERS}, __name__=~"mapwatch_.+"})`,
        ],
      ],
      mitigation: [
        `Restore the exporter registration, or fix the failing collection. If mapwatch was removed on purpose, silence the alert: it clears by itself only after the ${c.absence.lookback} lookback.`,
      ],
    },
    jobMetricsAbsent: {
      meaning:
        `No instance of the job exports the metric named by the alert's \`metric\` label, which its instances exported ` +
        `within the last ${c.absence.lookback}, and the job had no \`up\` series in that time: nobody scrapes it, its ` +
        'services push their metrics (OTLP through an OpenTelemetry Collector, or remote write). MapwatchMetricsAbsent ' +
        'joins on `up` and cannot see such services; this alert looks at the whole job, since a pushing service gets a new ' +
        '`instance` (service.instance.id) at every start.',
      impact: 'Every mapwatch alert and panel that reads the missing metric is blind for this job.',
      diagnosis: [
        "Check that the job's services run: a job that was shut down on purpose looks the same.",
        'One metric missing: the services\' stderr has "mapwatch: collecting <metric> failed" and MapwatchExporterCollectErrors fires with it.',
        "Everything missing while the services run: check the collector (its logs, its exporter queue) and the services' OTLP endpoint, and whether a deploy removed `registerOtelMetrics`.",
      ],
      queries: [
        [
          'Series per mapwatch metric the job exports now:',
          `count by (__name__) ({job="<job>", __name__=~"mapwatch_.+"})`,
        ],
      ],
      mitigation: [
        `Restore the services, the exporter registration or the collector. If the job was retired on purpose, silence the alert: it clears by itself only after the ${c.absence.lookback} lookback.`,
      ],
    },
    collectErrors: {
      meaning:
        `\`${METRICS.collectErrors.name}\` increased in the last ${c.exporter.errorsWindow}: collecting some mapwatch metric threw, ` +
        'and that metric was left out of the scrape (the rest of the scrape was served).',
      impact:
        'The failing metric has gaps or is gone (MapwatchMetricsAbsent); alerts that read it are blind while it fails.',
      diagnosis: [
        'The service\'s stderr names the metric and the error, once per metric and message: "mapwatch: collecting <metric> failed, skipped in this scrape: <message>".',
        'A custom `onError` handler passed to the exporter receives the same.',
      ],
      queries: [
        [
          'Failed collections per hour:',
          `sum(increase(${METRICS.collectErrors.name}{${TARGET_MATCHERS}}[1h]))`,
        ],
        [
          'Series per mapwatch metric the target exports now:',
          `count by (__name__) ({${TARGET_MATCHERS}, __name__=~"mapwatch_.+"})`,
        ],
      ],
      mitigation: ['Report the error with its stack to the mapwatch maintainers; upgrade when fixed.'],
    },
    scrapeSlow: {
      meaning:
        `\`${scrapeDuration}\` of the target averaged more than ${c.exporter.maxScrapeSeconds} s over ${c.exporter.window}, ` +
        'and the target exports mapwatch metrics. Prometheus measures the whole scrape: mapwatch and every other metric of the endpoint.',
      impact:
        'A scrape slower than its timeout fails: every series of the target gets gaps, and the alerts reading them flap or go blind.',
      diagnosis: [
        'Count the series per metric: a family with thousands of series is the usual cause (map names built from ids; see MapwatchRegistryOverflow).',
        'A busy event loop answers scrapes late: check the process CPU and event loop lag.',
      ],
      queries: [
        ['Scrape duration:', `${scrapeDuration}{${TARGET_MATCHERS}}`],
        ['The biggest metrics of the target:', `topk(10, count by (__name__) ({${TARGET_MATCHERS}}))`],
      ],
      mitigation: [
        'Bound the map names (the registry cap, `maxNames`), or drop metrics you do not use with `metric_relabel_configs`.',
        'Raise the scrape timeout only if the endpoint is legitimately large.',
      ],
    },
    samplesGrowing: {
      meaning:
        `The lowest \`${scrapeSamples}\` of the target over ${c.exporter.growthWindow} is at least ${c.exporter.minSampleGrowth} ` +
        `samples and ${Math.round((c.exporter.sampleGrowthRatio - 1) * 100)}% above the lowest of the ${c.exporter.growthWindow} before, ` +
        'and the target exports mapwatch metrics: its series multiply.',
      impact:
        'Cardinality growth costs Prometheus memory and slows queries and scrapes; left alone it ends in MapwatchExporterScrapeSlow or in Prometheus itself running out of memory.',
      diagnosis: [
        'Find the metric that grows (queries below). For mapwatch metrics, more series means more map names: names built from ids, or maps created per owner under distinct names.',
      ],
      queries: [
        ['Samples per scrape:', `${scrapeSamples}{${TARGET_MATCHERS}}`],
        ['The biggest metrics of the target:', `topk(10, count by (__name__) ({${TARGET_MATCHERS}}))`],
        ['Map names tracked by mapwatch:', `max(${METRICS.registryMaps.name}{${TARGET_MATCHERS}})`],
      ],
      mitigation: [
        'Give maps bounded names, lower the registry cap (`maxNames`), or drop the growing metric with `metric_relabel_configs`.',
      ],
    },
  };
}
