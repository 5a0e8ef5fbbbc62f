/**
 * The registry and absence alerts (name cap overflow, metrics absent from a target or from a whole job) in
 * the promtool tests: each alert's model next to its fire scenarios and the controls that pin its guards.
 */
import { LABELS, METRICS } from '../../../conventions.js';
import { ALWAYS_EXPORTED } from '../../alerts.js';
import { type AlertKey, type PackConfig } from '../../config.js';
import { type Sample, type Sim } from '../promsim.js';
import {
  Builder,
  JOB,
  MAP,
  holds,
  steps,
  stepsOf,
  sumOf,
  unless,
  type Cond,
  type Scenario,
} from './builder.js';
import { type AlertModel } from './common.js';

/** The conditions of MapwatchRegistryOverflow for one map (or target), in rule order. */
function registryOverflowConditions(
  c: PackConfig,
  sim: Sim,
  key: AlertKey,
  b: Builder,
  e: string,
  gen?: string,
): Cond[] {
  const W = steps(c, c.registry.overflowWindow);
  const s = b.values(METRICS.registryOverflow.name, {}, e, gen);
  return [
    (i) => {
      const inc = sim.increase(s, i, W);
      if (inc !== undefined && inc > 0) return inc;
      const now = sim.instant(s, i);
      return now !== undefined && now > 0 && sim.range(s, i, W, W).length === 0 ? now : undefined;
    },
  ];
}

/** Scenarios in which MapwatchRegistryOverflow fires, with a control per guard where one applies. */
function registryOverflowScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const W = steps(c, c.registry.overflowWindow);
  const forSteps = stepsOf(c, key, 'for');
  const start = 3;
  const again = start + W + forSteps + 5;
  const length = again + W + forSteps + 6;
  const b = new Builder(c, length);
  // A target that overflowed at start-up: the counter is already 40 at its first scrape (so increase()
  // sees nothing), then flat; later 15 more names are folded in.
  b.add(METRICS.registryOverflow.name, {}, (i) => (i < start ? undefined : i < again ? 40 : 55), 'target');
  b.add(METRICS.registryMaps.name, {}, () => 100, 'target');
  // A target that never overflowed: its counter is 0 from the start.
  b.add(METRICS.registryOverflow.name, {}, () => 0, 'target', MAP, 'zero');
  return [
    {
      title:
        'names overflow at start-up (the counter is born at 40), then 15 more names later; the alert resolves when none overflowed within the window',
      builder: b,
      controls: [{ entity: MAP, gen: 'zero', key, skip: -1, what: 'a target that never overflowed' }],
    },
  ];
}

/** The conditions of MapwatchMetricsAbsent for one map (or target), in rule order. */
function metricsAbsentConditions(
  c: PackConfig,
  sim: Sim,
  key: AlertKey,
  b: Builder,
  e: string,
  gen?: string,
): Cond[] {
  const L = steps(c, c.absence.lookback);
  const up = b.targetSeries('up', gen);
  const family = b.metric ?? METRICS.registryMaps.name;
  if (!ALWAYS_EXPORTED.some((m) => m.name === family)) throw new Error(`${family} is not watched`);
  const series = b.targetSeries(family, gen);
  /** Series of the family present at step j (the recorded count). */
  const countAt = (j: number) => series.filter((x) => sim.instant(x, j) !== undefined).length;
  return [
    (i) => {
      if (countAt(i) > 0) return undefined;
      if (c.recordingRules) {
        let top: number | undefined;
        for (let j = sim.first(i, L); j <= i; j++) {
          const n = countAt(j);
          if (n > 0) top = Math.max(top ?? 0, n);
        }
        return top;
      }
      const n = series.filter((x) => sim.maxOver(x, i, L) !== undefined).length;
      return n > 0 ? n : undefined;
    },
    (i) => holds(sumOf(up.map((x) => sim.instant(x, i))), (v) => v === 1),
  ];
}

/** Scenarios in which MapwatchMetricsAbsent fires, with a control per guard where one applies. */
function metricsAbsentScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const L = steps(c, c.absence.lookback);
  const forSteps = steps(c, c.alerts.metricsAbsent.for);
  // Absent for longer than an hour (or most of the lookback if that is shorter), then back.
  const start = 4;
  const stop = start + Math.min(L - 2, forSteps + 2 * steps(c, '1h'));
  const length = stop + forSteps + 6;
  // Exported until start, then gone (a staleness marker, as a scrape without the series writes).
  const gone =
    (v: number) =>
    (i: number): Sample =>
      i === start ? 'stale' : i > start && i < stop ? undefined : v;
  const target = (b: Builder, gen: string | undefined, up: (i: number) => number) =>
    b.add('up', {}, up, 'target', MAP, gen);
  const exporterGone = new Builder(c, length);
  for (const gen of [undefined, 'down']) {
    exporterGone.add(METRICS.registryMaps.name, {}, gone(12), 'target', MAP, gen);
    target(exporterGone, gen, (i) => (gen === 'down' && i >= start && i < stop ? 0 : 1));
  }
  exporterGone.add(METRICS.registryMaps.name, {}, () => 12, 'target', MAP, 'fine');
  target(exporterGone, 'fine', () => 1);
  // One family gone while the rest of mapwatch is exported: collecting it fails.
  const familyGone = new Builder(c, length);
  familyGone.metric = METRICS.entries.name;
  familyGone.add(METRICS.registryMaps.name, {}, () => 12, 'target');
  familyGone.add(METRICS.inserts.name, {}, (i) => 7 * i, 'map', MAP);
  for (const m of ['sessions', 'carts']) {
    familyGone.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, gone(30), 'map', m);
  }
  target(familyGone, undefined, () => 1);
  return [
    {
      title: 'a target stops exporting mapwatch metrics while staying up, for longer than an hour',
      builder: exporterGone,
      labels: { metric: METRICS.registryMaps.name },
      controls: [
        { entity: MAP, gen: 'fine', key, skip: 0, what: 'an up target that still exports' },
        { entity: MAP, gen: 'down', key, skip: 1, what: 'a target that went down' },
      ],
    },
    {
      title: "a target stops exporting one family (every map's entries) and exports the rest",
      builder: familyGone,
      labels: { metric: METRICS.entries.name },
      controls: [],
    },
  ];
}

/** The conditions of MapwatchJobMetricsAbsent for one map (or target), in rule order. */
function jobMetricsAbsentConditions(c: PackConfig, sim: Sim, key: AlertKey, b: Builder, e: string): Cond[] {
  const L = steps(c, c.absence.lookback);
  const family = b.metric ?? METRICS.registryMaps.name;
  if (!ALWAYS_EXPORTED.some((m) => m.name === family)) throw new Error(`${family} is not watched`);
  // The entity's job: every series of it, of every instance and source, counts (one alert per job).
  const job = b.series.find((x) => x.labels[LABELS.mapName] === e || x.labels.instance?.startsWith(`${e}-`))
    ?.labels.job;
  const ofJob = (name: string) =>
    b.series.filter((x) => x.labels.__name__ === name && x.labels.job === (job ?? JOB)).map((x) => x.values);
  const series = ofJob(family);
  const ups = ofJob('up');
  const countAt = (j: number) => series.filter((x) => sim.instant(x, j) !== undefined).length;
  const upAt = (j: number) => ups.some((x) => sim.instant(x, j) !== undefined);
  return [
    (i) => {
      if (countAt(i) > 0) return undefined;
      if (c.recordingRules) {
        let top: number | undefined;
        for (let j = sim.first(i, L); j <= i; j++) {
          const n = countAt(j);
          if (n > 0) top = Math.max(top ?? 0, n);
        }
        return top;
      }
      const n = series.filter((x) => sim.maxOver(x, i, L) !== undefined).length;
      return n > 0 ? n : undefined;
    },
    unless((i) => {
      if (!c.recordingRules) return ups.some((x) => sim.maxOver(x, i, L) !== undefined);
      for (let j = sim.first(i, L); j <= i; j++) if (upAt(j)) return true;
      return false;
    }),
  ];
}

/** Scenarios in which MapwatchJobMetricsAbsent fires, with a control per guard where one applies. */
function jobMetricsAbsentScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const L = steps(c, c.absence.lookback);
  const forSteps = steps(c, c.alerts.jobMetricsAbsent.for);
  const start = 4;
  const stop = start + Math.min(L - 2, forSteps + 2 * steps(c, '1h'));
  const length = stop + forSteps + 6;
  const gone =
    (v: number) =>
    (i: number): Sample =>
      i === start ? 'stale' : i > start && i < stop ? undefined : v;
  // Services that push (no `up` series): every instance of the job stops exporting, then comes back.
  const b = new Builder(c, length);
  b.add(METRICS.registryMaps.name, {}, gone(12), 'target', MAP);
  // Controls, each its own job. A scraped job (it has `up`) whose exporter goes: MapwatchMetricsAbsent's.
  b.add(METRICS.registryMaps.name, { job: 'scraped' }, gone(12), 'target', 'scraped');
  b.add('up', { job: 'scraped' }, () => 1, 'target', 'scraped');
  // A pushing job where one instance stops and another one still exports.
  b.add(METRICS.registryMaps.name, { job: 'partial' }, gone(12), 'target', 'partial');
  b.add(METRICS.registryMaps.name, { job: 'partial' }, () => 12, 'target', 'partial-alive');
  return [
    {
      title:
        'every instance of a job that pushes its metrics (no up series) stops exporting mapwatch metrics',
      builder: b,
      labels: { metric: METRICS.registryMaps.name },
      controls: [
        { entity: 'partial', key, skip: 0, what: 'a pushing job with an instance that still exports' },
        { entity: 'scraped', key, skip: 1, what: 'a scraped job (it has up series)' },
      ],
    },
  ];
}

/** The registry and absence alerts' models and fire scenarios, by alert key. */
export const ABSENCE_MODELS = {
  registryOverflow: { conditions: registryOverflowConditions, fire: registryOverflowScenarios },
  metricsAbsent: { conditions: metricsAbsentConditions, fire: metricsAbsentScenarios },
  jobMetricsAbsent: { conditions: jobMetricsAbsentConditions, fire: jobMetricsAbsentScenarios },
} satisfies Partial<Record<AlertKey, AlertModel>>;
