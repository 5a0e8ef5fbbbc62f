/**
 * The long windows of the growth and absence alerts, read through `Terms`: recorded (`recordingRules` on) or
 * written inline, so the alerts are spelled once either way.
 */
import { METRICS, type MetricSpec } from '../../conventions.js';
import { type PackConfig } from '../config.js';
import { parseDuration } from '../duration.js';
import { num } from '../promql.js';
import { PROMETHEUS_SERIES } from '../series.js';
import { byJob, byJobMap, byMap, byTarget, labelValue, mapSeries, targetSeries } from './selectors.js';
import { type RecordingRule } from './types.js';

/**
 * Name of a recorded series, Prometheus style: `level:metric:operations`. The level names the labels
 * kept (`instance_map`: job, instance, map_name; `job_map`: job, map_name; `instance`: job, instance; plus
 * the groupBy labels), the metric is the table's name (a counter without `_total` once rated), the
 * operations the window.
 */
export function recordName(
  level: 'instance_map' | 'job_map' | 'instance' | 'job',
  m: MetricSpec | string,
  op: string,
): string {
  const name = typeof m === 'string' ? m : m.name;
  const counter = typeof m !== 'string' && m.type === 'counter';
  const base = counter && op !== 'count' ? name.replace(/_total$/, '') : name;
  return `${level}:${base}:${op}`;
}

/**
 * The windowed terms of the growth alerts, recorded or inline (`recordingRules`). Recording rules are
 * collected in the order the alerts first use them, so a rule reading another recorded series comes
 * after it in the group.
 */
export class Terms {
  private readonly pending: RecordingRule[] = [];
  private readonly seen = new Set<string>();
  constructor(readonly c: PackConfig) {}

  private record(name: string, expr: string): string {
    if (!this.seen.has(name)) {
      this.seen.add(name);
      this.pending.push({ record: name, expr });
    }
    return name;
  }

  /** The recording rules used since the last call. */
  take(): RecordingRule[] {
    return this.pending.splice(0);
  }

  /**
   * `sum by (job, instance, map_name) (fn(metric[window]))`, `offset` ago, for the maps `extra` selects
   * (recorded series are recorded for every map and filtered where they are read).
   */
  perInstance(
    m: MetricSpec,
    fn: 'min_over_time' | 'max_over_time' | 'increase',
    window: string,
    offset?: string,
    extra: string[] = [],
  ): string {
    const c = this.c;
    const off = offset ? ` offset ${offset}` : '';
    if (!c.recordingRules)
      return `sum ${byMap(c)} (${fn}(${mapSeries(c, m.name, ...extra)}[${window}]${off}))`;
    const name = this.record(
      recordName('instance_map', m, `${fn}${window}`),
      `sum ${byMap(c)} (${fn}(${mapSeries(c, m.name)}[${window}]))`,
    );
    return `${extra.length ? `${name}{${extra.join(', ')}}` : name}${off}`;
  }

  /** `sum by (job, instance, map_name) (predict_linear(entries[predictWindow], horizon))`, per map selector. */
  predicted(...extra: string[]): string {
    const c = this.c;
    const w = c.growth.predictWindow;
    const horizon = num(parseDuration(c.growth.predictHorizon));
    const inline = (...x: string[]) =>
      `sum ${byMap(c)} (predict_linear(${mapSeries(c, METRICS.entries.name, ...x)}[${w}], ${horizon}))`;
    if (!c.recordingRules) return inline(...extra);
    const name = this.record(
      recordName('instance_map', METRICS.entries, `predict_linear${w}_${c.growth.predictHorizon}`),
      inline(),
    );
    return extra.length ? `${name}{${extra.join(', ')}}` : name;
  }

  /**
   * The job's peak of `metric` (summed per instance, highest instance) over `window`, one window ago:
   * "yesterday" of any instance of the job, so a new instance label (a restart, a new pod) keeps it.
   */
  jobPeak(m: MetricSpec, window: string): string {
    const c = this.c;
    if (!c.recordingRules) {
      return `max ${byJobMap(c)} (sum ${byMap(c)} (max_over_time(${mapSeries(c, m.name)}[${window}] offset ${window})))`;
    }
    const max = this.record(
      recordName('job_map', m, 'max'),
      `max ${byJobMap(c)} (sum ${byMap(c)} (${mapSeries(c, m.name)}))`,
    );
    const peak = this.record(
      recordName('job_map', m, `max_over_time${window}`),
      `max_over_time(${max}[${window}])`,
    );
    return `${peak} offset ${window}`;
  }

  /** The recorded number of series of `m` per target (`instance:<metric>:count`). */
  private targetCount(m: MetricSpec): string {
    return this.record(
      recordName('instance', m, 'count'),
      `count ${byTarget(this.c)} (${targetSeries(this.c, m.name)})`,
    );
  }

  /**
   * Per target: the series of `m` it exported within `lookback` and none of them now, labelled with
   * `metric`. Recorded as one count per target (`instance:<metric>:count`), so the lookback reads one
   * series per target instead of every series of the family.
   */
  familyGone(m: MetricSpec, lookback: string): string {
    const c = this.c;
    const tag = (x: string) => `label_replace(${x}, "metric", ${labelValue(m.name)}, "", "")`;
    if (!c.recordingRules) {
      const sel = targetSeries(c, m.name);
      return tag(
        `count ${byTarget(c)} (present_over_time(${sel}[${lookback}])) unless count ${byTarget(c)} (${sel})`,
      );
    }
    const n = this.targetCount(m);
    return tag(`max_over_time(${n}[${lookback}]) unless ${n}`);
  }

  /**
   * Per job: the series of `m` its instances exported within `lookback` and none of them now, labelled with
   * `metric`. Recorded as one count per job (`job:<metric>:count`, the sum of the per-target counts), so the
   * lookback reads one series per job.
   */
  jobFamilyGone(m: MetricSpec, lookback: string): string {
    const c = this.c;
    const tag = (x: string) => `label_replace(${x}, "metric", ${labelValue(m.name)}, "", "")`;
    if (!c.recordingRules) {
      const sel = targetSeries(c, m.name);
      return tag(
        `count ${byJob(c)} (present_over_time(${sel}[${lookback}])) unless count ${byJob(c)} (${sel})`,
      );
    }
    const n = this.targetCount(m);
    const j = this.record(recordName('job', m, 'count'), `sum ${byJob(c)} (${n})`);
    return tag(`max_over_time(${j}[${lookback}]) unless ${j}`);
  }

  /**
   * Per target: it exported the registry gauge within `lookback`, so it is a mapwatch target. By history, not
   * by the current scrape: a scrape that times out drops the gauge, and the scrape-health alerts must not
   * go quiet exactly then. The recorded count per target is the one the absence alerts read.
   */
  wasMapwatchTarget(lookback: string): string {
    const c = this.c;
    const m = METRICS.registryMaps;
    if (!c.recordingRules)
      return `count ${byTarget(c)} (present_over_time(${targetSeries(c, m.name)}[${lookback}]))`;
    const n = this.targetCount(m);
    return `max_over_time(${n}[${lookback}])`;
  }

  /**
   * Per job: it had `up` series (Prometheus or vmagent scraped it) within `lookback`. Recorded as one count
   * of targets per job (`job:up:count`).
   */
  jobScraped(lookback: string): string {
    const c = this.c;
    const sel = targetSeries(c, PROMETHEUS_SERIES.up);
    if (!c.recordingRules) return `count ${byJob(c)} (present_over_time(${sel}[${lookback}]))`;
    const n = this.record(recordName('job', PROMETHEUS_SERIES.up, 'count'), `count ${byJob(c)} (${sel})`);
    return `max_over_time(${n}[${lookback}])`;
  }
}
