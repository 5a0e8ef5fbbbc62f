/**
 * The exporter's own health in the promtool tests: the model of MapwatchExporterCollectErrors,
 * MapwatchExporterScrapeSlow and MapwatchExporterSamplesGrowing, and their fire scenarios with a control
 * target per guard. Their series are per scrape target: Prometheus' own scrape series and the registry gauge.
 */
import { METRICS } from '../../../conventions.js';
import { type AlertKey, type PackConfig } from '../../config.js';
import { type Sim } from '../promsim.js';
import { PROMETHEUS_SERIES } from '../../series.js';
import { Builder, MAP, counter, holds, phases, steps, sumOf, type Cond, type Scenario } from './builder.js';

export const EXPORTER_KEYS: readonly AlertKey[] = ['collectErrors', 'scrapeSlow', 'samplesGrowing'];

const { scrapeDuration, scrapeSamples } = PROMETHEUS_SERIES;

export function exporterConditions(c: PackConfig, sim: Sim, key: AlertKey, b: Builder, e: string): Cond[] {
  // A mapwatch target by history: it exported the registry gauge within the absence lookback (recorded as
  // a per-target count at each evaluation, or read raw with present_over_time).
  const L = steps(c, c.absence.lookback);
  const registry = b.values(METRICS.registryMaps.name, {}, e);
  const mapwatchTarget: Cond = (i) => {
    if (registry.length === 0) return undefined;
    if (!c.recordingRules) return sim.maxOver(registry, i, L) === undefined ? undefined : 1;
    for (let j = sim.first(i, L); j <= i; j++) if (sim.instant(registry, j) !== undefined) return 1;
    return undefined;
  };
  if (key === 'collectErrors') {
    const W = steps(c, c.exporter.errorsWindow);
    const s = b.all(METRICS.collectErrors.name, {}, e);
    return [(i) => holds(sumOf(s.map((x) => sim.increase(x, i, W))), (v) => v > 0)];
  }
  if (key === 'scrapeSlow') {
    const W = steps(c, c.exporter.window);
    const s = b.values(scrapeDuration, {}, e);
    return [(i) => holds(sim.avgOver(s, i, W), (v) => v > c.exporter.maxScrapeSeconds), mapwatchTarget];
  }
  const W = steps(c, c.exporter.growthWindow);
  const s = b.values(scrapeSamples, {}, e);
  const floors = (i: number) => [sim.minOver(s, i, W), sim.minOver(s, i, W, W)];
  return [
    (i) => {
      const [now, then] = floors(i);
      return now === undefined || then === undefined
        ? undefined
        : holds(now - then, (v) => v >= c.exporter.minSampleGrowth);
    },
    (i) => {
      const [now, then] = floors(i);
      return now === undefined || then === undefined || then === 0
        ? undefined
        : holds(now / then, (v) => v >= c.exporter.sampleGrowthRatio);
    },
    mapwatchTarget,
  ];
}

export function exporterScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const target = (b: Builder, entity: string, mapwatch = true) => {
    if (mapwatch) b.add(METRICS.registryMaps.name, {}, () => 12, 'target', entity);
    b.add(PROMETHEUS_SERIES.up, {}, () => 1, 'target', entity);
  };
  if (key === 'collectErrors') {
    const W = steps(c, c.exporter.errorsWindow);
    const p = phases(c, key, W);
    const b = new Builder(c, p.length);
    target(b, MAP);
    b.add(
      METRICS.collectErrors.name,
      {},
      counter(p.length, (i) => (i >= p.start && i < p.stop ? 1 : 0)),
      'target',
    );
    return [{ title: 'a metric fails to collect at every scrape for a while', builder: b, controls: [] }];
  }
  if (key === 'scrapeSlow') {
    const W = steps(c, c.exporter.window);
    const p = phases(c, key, W);
    const b = new Builder(c, p.length);
    const slow = 3 * c.exporter.maxScrapeSeconds;
    const fast = c.exporter.maxScrapeSeconds / 10;
    // The second half of the fault, every scrape times out: up is 0 and the target's series go stale
    // (the registry gauge too). The alert must hold through it, the worst of the slowness.
    const timeoutFrom = p.start + Math.floor((p.stop - p.start) / 2);
    const timingOut = (i: number) => i >= timeoutFrom && i < p.stop;
    b.add(
      METRICS.registryMaps.name,
      {},
      (i) => (i === timeoutFrom ? 'stale' : timingOut(i) ? undefined : 12),
      'target',
    );
    b.add(PROMETHEUS_SERIES.up, {}, (i) => (timingOut(i) ? 0 : 1), 'target');
    b.add(
      scrapeDuration,
      {},
      (i) => (timingOut(i) ? 2 * slow : i >= p.start && i < p.stop ? slow : fast),
      'target',
    );
    target(b, 'ctl-fast');
    b.add(scrapeDuration, {}, () => fast, 'target', 'ctl-fast');
    target(b, 'ctl-other', false);
    b.add(scrapeDuration, {}, () => slow, 'target', 'ctl-other');
    return [
      {
        title: 'scrapes of a mapwatch target slow down, then time out, then recover',
        builder: b,
        controls: [
          { entity: 'ctl-fast', key, skip: 0, what: 'a mapwatch target scraped fast' },
          { entity: 'ctl-other', key, skip: 1, what: 'a slow target without mapwatch' },
        ],
      },
    ];
  }
  const W = steps(c, c.exporter.growthWindow);
  const p = phases(c, key, W);
  const b = new Builder(c, p.length);
  const min = c.exporter.minSampleGrowth;
  /** Samples per scrape: `base`, rising by `total` per window from the fault's start to its stop. */
  const samples = (entity: string, base: number, total: number, mapwatch = true) => {
    const k = Math.ceil(total / W);
    target(b, entity, mapwatch);
    b.add(
      scrapeSamples,
      {},
      (i) => base + k * (Math.min(Math.max(i, p.start), p.stop) - p.start),
      'target',
      entity,
    );
  };
  samples(MAP, 2 * min + 7, 2 * min);
  samples('ctl-small', 101, min / 5);
  samples('ctl-big', 100 * min + 7, 2 * min);
  samples('ctl-other', 2 * min + 7, 2 * min, false);
  // A steady target with one failed scrape (Prometheus records 0 samples for it) early in the first window:
  // an hour later that 0 is the floor before, and the ratio over it must not be +Inf.
  target(b, 'ctl-failed');
  const failedAt = Math.max(1, p.start - W + 1);
  b.add(scrapeSamples, {}, (i) => (i === failedAt ? 0 : 2 * min + 7), 'target', 'ctl-failed');
  return [
    {
      title: 'the samples per scrape of a mapwatch target keep rising, then level off',
      builder: b,
      controls: [
        { entity: 'ctl-small', key, skip: 0, what: 'a steep rise of a few samples' },
        { entity: 'ctl-big', key, skip: 1, what: 'a rise small against a large target' },
        { entity: 'ctl-other', key, skip: 2, what: 'a target without mapwatch' },
        { entity: 'ctl-failed', key, skip: 1, what: 'a steady target with one failed scrape (0 samples)' },
      ],
    },
  ];
}
