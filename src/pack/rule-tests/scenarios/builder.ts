/**
 * The series builder of the promtool test generator and the small pieces every scenario uses: one map (or
 * target) per entity, exported by both sources (prom-client, and the OTel exporter with its otel_scope_*
 * labels), with the configured groupBy labels; counters, phases and the model's condition helpers.
 */
import { LABELS, METRICS } from '../../../conventions.js';
import { type AlertKey, type PackConfig } from '../../config.js';
import { parseDuration } from '../../duration.js';
import { type Sample, type Sim, type SimSeries } from '../promsim.js';

export const JOB = 'checkout';
/** The two export paths: label sets of the same map as prom-client and the OTel exporter emit them. */
export const SOURCES = [
  { job: JOB, instance: 'checkout-0:9464' },
  { job: JOB, instance: 'checkout-1:9464', otel_scope_name: 'mapwatch', otel_scope_version: '0.1.0' },
] as const;
export const MAP = 'sessions';
/** Value given to each configured groupBy label, so the `by (..., <groupBy>)` path is exercised. */
export const GROUP_VALUE = 'eu-1';

export type Values = (i: number) => Sample;

export interface SeriesMeta {
  entity: string;
  source: number;
  /** Generation: a process that replaced the previous one under a new instance label (a new pod). */
  gen: string | undefined;
}

/** Instance label of source `k`, in generation `gen` when one is given (`checkout-0-b:9464`). */
export function instanceOf(k: number, gen?: string): string {
  const instance = (SOURCES[k] as { instance: string }).instance;
  return gen === undefined ? instance : instance.replace(':', `-${gen}:`);
}

/** Builds the series of one scenario for both sources. */
export class Builder {
  readonly series: SimSeries[] = [];
  private readonly meta: SeriesMeta[] = [];
  /** The metric family a MapwatchMetricsAbsent scenario removes (default: the registry gauge). */
  metric?: string;
  constructor(
    readonly c: PackConfig,
    readonly length: number,
  ) {}

  /**
   * Adds one series per source. `entity` names the map (map scope) or the target (target scope, as a
   * distinct instance); the faulty map/target is MAP. `gen` puts a map's series, and MAP's target series
   * (process memory, restarts), on the instance of that generation.
   */
  add(
    name: string,
    labels: Record<string, string>,
    f: Values,
    scope: 'map' | 'target' = 'map',
    entity = MAP,
    gen?: string,
  ): void {
    SOURCES.forEach((src, k) => {
      const base: Record<string, string> = { __name__: name, ...src };
      for (const l of this.c.groupBy) base[l] = GROUP_VALUE;
      if (scope === 'map') {
        base[LABELS.mapName] = entity;
        base.instance = instanceOf(k, gen);
      } else if (entity !== MAP) base.instance = `${entity}-${k}:9464`;
      else base.instance = instanceOf(k, gen);
      const values = Array.from({ length: this.length }, (_, i) => f(i));
      this.series.push({ labels: { ...base, ...labels }, values });
      this.meta.push({ entity, source: k, gen });
    });
  }

  /** Values of every matching series of the first source (both sources carry identical values). */
  all(name: string, labels: Record<string, string> = {}, entity = MAP, gen?: string): Sample[][] {
    return this.series
      .filter(
        (x, n) =>
          x.labels.__name__ === name &&
          this.meta[n]?.entity === entity &&
          this.meta[n]?.source === 0 &&
          this.meta[n]?.gen === gen &&
          Object.entries(labels).every(([k, v]) => x.labels[k] === v),
      )
      .map((x) => x.values);
  }

  /**
   * Series of the target of generation `gen` (source 0): its own series (process memory, restarts, scrape
   * health, the registry) and those of every map on it.
   */
  targetSeries(name: string, gen?: string): Sample[][] {
    const instance = instanceOf(0, gen);
    return this.series
      .filter(
        (x, n) => x.labels.__name__ === name && x.labels.instance === instance && this.meta[n]?.source === 0,
      )
      .map((x) => x.values);
  }

  /** Values of the first matching series; no samples at all when the scenario has none. */
  values(name: string, labels: Record<string, string> = {}, entity = MAP, gen?: string): Sample[] {
    return this.all(name, labels, entity, gen)[0] ?? [];
  }

  /**
   * A builder over recorded series (one sample per step): each map name is an entity and each instance a
   * generation of it, all from one source.
   */
  static recorded(c: PackConfig, series: SimSeries[]): Builder {
    const b = new Builder(c, Math.max(0, ...series.map((x) => x.values.length)));
    for (const x of series) {
      b.series.push(x);
      b.meta.push({ entity: x.labels[LABELS.mapName] ?? MAP, source: 0, gen: x.labels.instance });
    }
    return b;
  }

  /** The generations of an entity's series, in the order they were added. */
  gens(entity = MAP): Array<string | undefined> {
    const out: Array<string | undefined> = [];
    this.meta.forEach((m) => {
      if (m.entity === entity && !out.includes(m.gen)) out.push(m.gen);
    });
    return out;
  }
}

/** One condition of an alert expression: its value when it holds, undefined when it does not. */
export type Cond = (i: number) => number | undefined;

/** A map or target in a scenario that satisfies every condition of `key` except `skip`. */
export interface Control {
  entity: string;
  key: AlertKey;
  skip: number;
  what: string;
  /** The generation (instance) of the entity the control is about. */
  gen?: string;
}

export interface Scenario {
  title: string;
  builder: Builder;
  controls: Control[];
  /** Generations of MAP whose alerts are predicted (default: the one without a generation). */
  gens?: Array<string | undefined>;
  /** PromQL expressions checked at one step, with the value the model expects. */
  exprTests?: ExprTest[];
  /** Step at which the last generation started (reported in the test name). */
  startedAt?: number;
  /** Labels the expected alerts carry on top of the map's or target's (e.g. `metric`). */
  labels?: Record<string, string>;
  /** Other maps of the scenario (entity and generation) on which the model must predict no alert at all. */
  silent?: Array<{ entity: string; gen?: string }>;
}

export interface ExprTest {
  expr: string;
  at: number;
  samples: Array<{ labels: string; value: number }>;
}

export const round = (v: number) => Math.round(v * 1e6) / 1e6;
export const steps = (c: PackConfig, d: string) => parseDuration(d) / parseDuration(c.evaluationInterval);
/** The slope (per step) that rises by twice `min` over a window of `w` steps: clearly over a threshold. */
export const slopeFor = (min: number, w: number) => Math.ceil((2 * min) / w);

/** Stretches of a fault: healthy, then bad from `start` to `stop` (exclusive), then healthy again. */
export interface Phases {
  start: number;
  stop: number;
  length: number;
}

export function phases(c: PackConfig, key: AlertKey, windowSteps: number, minStart = 0): Phases {
  const t = c.alerts[key];
  const forSteps = steps(c, t.for);
  const kff = t.keepFiringFor ? steps(c, t.keepFiringFor) : 0;
  const start = Math.max(windowSteps + 2, minStart);
  const stop = start + 2 * windowSteps + forSteps + 4;
  return { start, stop, length: stop + 2 * windowSteps + kff + 6 };
}

/** A counter whose increase per step is `perStep(i)`, starting at 0 (or again at 0 after `resetAt`). */
export function counter(
  length: number,
  perStep: (i: number) => number,
  resetAt?: number,
): (i: number) => number {
  let acc = 0;
  const out = Array.from({ length }, (_, i) => {
    if (i === resetAt) acc = 0;
    const v = acc;
    acc += perStep(i);
    return round(v);
  });
  return (i: number) => out[i] as number;
}

/** Sum of defined values, undefined when none is (PromQL's sum drops missing series). */
export function sumOf(xs: Array<number | undefined>): number | undefined {
  const d = xs.filter((x): x is number => x !== undefined);
  return d.length ? d.reduce((a, x) => a + x, 0) : undefined;
}

/** An `unless` guard: holds (value 0) unless `excluded` at that step. */
export const unless =
  (excluded: (i: number) => boolean): Cond =>
  (i) =>
    excluded(i) ? undefined : 0;

export const holds = (v: number | undefined, ok: (v: number) => boolean): number | undefined =>
  v !== undefined && ok(v) ? v : undefined;

/** Noise that toggles every quarter of `w` steps, so every window sees its low value. */
export const noiseAt = (i: number, w: number, size: number) =>
  (Math.floor(i / Math.max(1, Math.floor(w / 4))) % 2) * size;

/** Entries that rise by `slope` per step between start and stop, with churn and a little noise. */
export function leakSeries(
  b: Builder,
  p: Phases,
  base: number,
  slope: number,
  noise: number,
  F: number,
  deletes = true,
  entity = MAP,
): void {
  const level = (i: number) => base + slope * (Math.min(Math.max(i, p.start), p.stop) - p.start);
  const churn = 10 * Math.max(slope, 1);
  b.add(
    METRICS.entries.name,
    { [LABELS.mapKind]: 'plain' },
    (i) => level(i) + noiseAt(i, F, noise),
    'map',
    entity,
  );
  if (!deletes) {
    // The classic slow leak: only ever added to, so no delete series exists at all.
    b.add(METRICS.inserts.name, {}, (i) => level(i) - base, 'map', entity);
    return;
  }
  // inserts - deletes tracks the level; churn keeps both counters moving as in a real cache.
  b.add(METRICS.inserts.name, {}, (i) => churn * i + level(i) - base, 'map', entity);
  b.add(METRICS.deletes.name, { [LABELS.cause]: 'explicit' }, (i) => churn * i, 'map', entity);
}

/** A map whose entries follow `level` while inserts and deletes churn `churn` per step plus net `net`. */
export function entriesSeries(
  b: Builder,
  entity: string,
  level: (i: number) => number,
  churn: number,
  net: (i: number) => number,
  cause = 'evict',
): void {
  b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, level, 'map', entity);
  b.add(METRICS.inserts.name, {}, (i) => churn * i + net(i), 'map', entity);
  b.add(METRICS.deletes.name, { [LABELS.cause]: cause }, (i) => churn * i, 'map', entity);
}

/** Sample size of the survival sampler the synthetic ages stand for (the library's default). */
export const SAMPLE_SIZE = 32;

/**
 * Age of the oldest sampled entry of a map that keeps what it inserts, `from` its first step: a uniform
 * sample of k entries inserted at a steady rate has its oldest at k/(k+1) of the map's age.
 */
export const keptAge =
  (step: number, from = 0) =>
  (i: number): Sample =>
    i < from ? undefined : Math.round(((i - from) * step * SAMPLE_SIZE) / (SAMPLE_SIZE + 1));

export const stepsOf = (c: PackConfig, key: AlertKey, which: 'for' | 'keepFiringFor') => {
  const v = c.alerts[key][which];
  return v ? steps(c, v) : 0;
};

/**
 * Inserts minus deletes of a map over w steps, as the rules compute them (`or 0 * inserts`: a map without a
 * delete series counts as deleting nothing).
 */
export function netInsertsOver(
  sim: Sim,
  b: Builder,
  e: string,
  gen?: string,
): (i: number, w: number) => number | undefined {
  return (i, w) => {
    const inc = sumOf(b.all(METRICS.inserts.name, {}, e, gen).map((x) => sim.increase(x, i, w)));
    if (inc === undefined) return undefined;
    const del = sumOf(b.all(METRICS.deletes.name, {}, e, gen).map((d) => sim.increase(d, i, w))) ?? 0;
    return inc - del;
  };
}

/** The entries of a map summed over its series at step i (undefined when it has none). */
export function entriesAt(sim: Sim, b: Builder, e: string, gen?: string): (i: number) => number | undefined {
  const series = b.all(METRICS.entries.name, {}, e, gen);
  return (i) => sumOf(series.map((x) => sim.instant(x, i)));
}
