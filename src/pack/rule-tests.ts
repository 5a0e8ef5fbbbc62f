/**
 * Config -> promtool unit tests (alerts/tests/*.yml). Tests are generated, not hand-written, so that the
 * `for`, `keep_firing_for` and thresholds they check come from the same config as the rules.
 *
 * Every alert expression is modelled (promsim.ts) as a list of conditions joined by `and` / `unless`; the
 * first one carries the value. For every alert a scenario builds synthetic series (one map exported by
 * prom-client, the same map on another instance exported through OTel with its otel_scope_* labels, both
 * with the configured groupBy labels), the model predicts step by step whether the expression returns a
 * value, and a small copy of the Prometheus alert state machine turns that into the steps where the alert
 * must not yet fire, must fire, must keep firing and must stop.
 *
 * Control series pin every guard: next to the faulty map each scenario carries maps (or targets) that
 * satisfy every condition but one, and the test expects no alert for them. The generator checks with the
 * model that each control would fire at one of the tested steps if its missing condition were deleted
 * from the rule (`ruleTestCoverage`), so deleting any guard makes promtool fail. Silent scenarios (warm-up
 * then plateau, TTL sawtooth, periodic clear, a daily cycle near the ceiling, a 24h-TTL refill after a
 * restart, a membership set) assert that no alert fires at all.
 */
import { LABELS, LOCK_WAIT_BUCKETS, METRICS } from '../conventions.js';
import { ALERT_DEFS, alertDef, buildRule, type AlertDef } from './alerts.js';
import { ALERT_KEYS, type AlertKey, type PackConfig } from './config.js';
import { formatDuration, parseDuration } from './duration.js';
import { histogramSeries } from './promql.js';
import { Sim, histogramQuantile, renderTemplate, type Sample, type SimSeries } from './promsim.js';

const JOB = 'checkout';
/** The two export paths: label sets of the same map as prom-client and the OTel exporter emit them. */
const SOURCES = [
  { job: JOB, instance: 'checkout-0:9464' },
  { job: JOB, instance: 'checkout-1:9464', otel_scope_name: 'mapwatch', otel_scope_version: '0.1.0' },
] as const;
const MAP = 'sessions';
/** Alerts whose windows are hours to days; their tests run on a coarser step (see longConfig). */
const LONG_KEYS: readonly AlertKey[] = ['growth', 'growthCeiling', 'instancesGrowing'];
/** Value given to each configured groupBy label, so the `by (..., <groupBy>)` path is exercised. */
const GROUP_VALUE = 'eu-1';

type Values = (i: number) => Sample;

interface SeriesMeta {
  entity: string;
  source: number;
}

/** Builds the series of one scenario for both sources. */
class Builder {
  readonly series: SimSeries[] = [];
  private readonly meta: SeriesMeta[] = [];
  constructor(
    readonly c: PackConfig,
    readonly length: number,
  ) {}

  /**
   * Adds one series per source. `entity` names the map (map scope) or the target (target scope, as a
   * distinct instance); the faulty map/target is MAP.
   */
  add(
    name: string,
    labels: Record<string, string>,
    f: Values,
    scope: 'map' | 'target' = 'map',
    entity = MAP,
  ): void {
    SOURCES.forEach((src, k) => {
      const base: Record<string, string> = { __name__: name, ...src };
      for (const l of this.c.groupBy) base[l] = GROUP_VALUE;
      if (scope === 'map') base[LABELS.mapName] = entity;
      else if (entity !== MAP) base.instance = `${entity}-${k}:9464`;
      const values = Array.from({ length: this.length }, (_, i) => f(i));
      this.series.push({ labels: { ...base, ...labels }, values });
      this.meta.push({ entity, source: k });
    });
  }

  /** Values of every matching series of the first source (both sources carry identical values). */
  all(name: string, labels: Record<string, string> = {}, entity = MAP): Sample[][] {
    return this.series
      .filter(
        (x, n) =>
          x.labels.__name__ === name &&
          this.meta[n]?.entity === entity &&
          this.meta[n]?.source === 0 &&
          Object.entries(labels).every(([k, v]) => x.labels[k] === v),
      )
      .map((x) => x.values);
  }

  /** Values of the first matching series; no samples at all when the scenario has none. */
  values(name: string, labels: Record<string, string> = {}, entity = MAP): Sample[] {
    return this.all(name, labels, entity)[0] ?? [];
  }
}

/** One condition of an alert expression: its value when it holds, undefined when it does not. */
type Cond = (i: number) => number | undefined;

/** A map or target in a scenario that satisfies every condition of `key` except `skip`. */
interface Control {
  entity: string;
  key: AlertKey;
  skip: number;
  what: string;
}

interface Scenario {
  title: string;
  builder: Builder;
  controls: Control[];
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;
const steps = (c: PackConfig, d: string) => parseDuration(d) / parseDuration(c.evaluationInterval);

/** Stretches of a fault: healthy, then bad from `start` to `stop` (exclusive), then healthy again. */
interface Phases {
  start: number;
  stop: number;
  length: number;
}

function phases(c: PackConfig, key: AlertKey, windowSteps: number, minStart = 0): Phases {
  const t = c.alerts[key];
  const forSteps = steps(c, t.for);
  const kff = t.keepFiringFor ? steps(c, t.keepFiringFor) : 0;
  const start = Math.max(windowSteps + 2, minStart);
  const stop = start + 2 * windowSteps + forSteps + 4;
  return { start, stop, length: stop + 2 * windowSteps + kff + 6 };
}

/** A counter whose increase per step is `perStep(i)`, starting at 0 (or again at 0 after `resetAt`). */
function counter(length: number, perStep: (i: number) => number, resetAt?: number): (i: number) => number {
  let acc = 0;
  const out = Array.from({ length }, (_, i) => {
    if (i === resetAt) acc = 0;
    const v = acc;
    acc += perStep(i);
    return round(v);
  });
  return (i: number) => out[i] as number;
}

// ----------------------------------------------------------------------------------------- models

/** Sum of defined values, undefined when none is (PromQL's sum drops missing series). */
function sumOf(xs: Array<number | undefined>): number | undefined {
  const d = xs.filter((x): x is number => x !== undefined);
  return d.length ? d.reduce((a, x) => a + x, 0) : undefined;
}

function floorRise(sim: Sim, s: Sample[], i: number, w: number): number | undefined {
  const now = sim.minOver(s, i, w);
  const then = sim.minOver(s, i, w, w);
  return now === undefined || then === undefined ? undefined : now - then;
}

/** The count now above its peak over [t - 2P, t - P]. */
function aboveYesterday(sim: Sim, s: Sample[], P: number): Cond {
  return (i) => {
    const now = sim.instant(s, i);
    const peak = sim.maxOver(s, i, P, P);
    return now !== undefined && peak !== undefined && now > peak ? now : undefined;
  };
}

const holds = (v: number | undefined, ok: (v: number) => boolean): number | undefined =>
  v !== undefined && ok(v) ? v : undefined;

function ceilingFor(c: PackConfig, entity: string): number {
  return c.growth.ceilings[entity] ?? c.growth.ceiling;
}

/** The conditions of an alert's expression for one map (or target) of a scenario, in rule order. */
function conditions(c: PackConfig, sim: Sim, key: AlertKey, b: Builder, e: string): Cond[] {
  const rate = (s: Sample[][], i: number, w: number) => sumOf(s.map((x) => sim.rate(x, i, w)));
  switch (key) {
    case 'growth':
    case 'growthCeiling': {
      const F = steps(c, c.growth.window);
      const P = steps(c, c.growth.peakWindow);
      const ent = b.values(METRICS.entries.name, {}, e);
      const min = c.growth.minFloorRise;
      const rise: Cond = (i) => holds(floorRise(sim, ent, i, F), (v) => v >= min);
      const above = aboveYesterday(sim, ent, P);
      if (key === 'growthCeiling') {
        const W = steps(c, c.growth.predictWindow);
        const h = parseDuration(c.growth.predictHorizon);
        const pred: Cond = (i) => holds(sim.predictLinear(ent, i, W, h), (v) => v > ceilingFor(c, e));
        return [pred, rise, above];
      }
      const ins = b.values(METRICS.inserts.name, {}, e);
      const dels = b.all(METRICS.deletes.name, {}, e);
      const net: Cond = (i) => {
        const inc = sim.increase(ins, i, F);
        if (inc === undefined) return undefined;
        // `or 0 * inserts`: no delete series counts as no deletes.
        const del = sumOf(dels.map((d) => sim.increase(d, i, F))) ?? 0;
        return holds(inc - del, (v) => v >= min);
      };
      return [rise, net, above];
    }
    case 'leakSuspect': {
      const W = steps(c, c.leak.holdWindow);
      const s = b.values(METRICS.leakSuspect.name, {}, e);
      return [(i) => holds(sim.minOver(s, i, W), (v) => v === 1)];
    }
    case 'instancesGrowing': {
      const W = steps(c, c.instances.window);
      const s = b.values(METRICS.instances.name, {}, e);
      const min = c.instances.minFloorRise;
      return [
        (i) => holds(floorRise(sim, s, i, W), (v) => v >= min),
        (i) => holds(floorRise(sim, s, i, W / 2), (v) => v > 0),
        aboveYesterday(sim, s, steps(c, c.instances.peakWindow)),
      ];
    }
    case 'lockStuck': {
      const W = steps(c, c.lock.stuckWindow);
      const waiters = b.values(METRICS.lockWaiters.name, {}, e);
      const acq = b.all(METRICS.lockAcquisitions.name, {}, e);
      return [
        (i) => holds(sim.minOver(waiters, i, W), (v) => v > 0),
        // `unless ... increase(acquisitions) > 0`: holds when there was no grant (or no series at all).
        (i) => {
          const inc = sumOf(acq.map((a) => sim.increase(a, i, W)));
          return inc !== undefined && inc > 0 ? undefined : 0;
        },
      ];
    }
    case 'lockStorm': {
      const W = steps(c, c.lock.window);
      const ws = b.all(METRICS.lockWaitSeconds.name, {}, e);
      const wt = b.values(METRICS.lockWaiters.name, {}, e);
      return [
        (i) => holds(rate(ws, i, W), (v) => v > c.lock.stormWaitSecondsPerSecond),
        (i) => holds(sim.avgOver(wt, i, W), (v) => v >= c.lock.stormWaiters),
      ];
    }
    case 'lockWaitsLong': {
      const W = steps(c, c.lock.window);
      const h = histogramSeries(METRICS.lockWaitDuration);
      const bounds = [...LOCK_WAIT_BUCKETS, Infinity];
      const buckets = bounds.map(
        (le) => [le, b.values(h.bucket, { le: le === Infinity ? '+Inf' : String(le) }, e)] as const,
      );
      const cnt = b.all(h.count, {}, e);
      return [
        (i) => {
          const rates = buckets.map(([le, v]) => [le, sim.rate(v, i, W)] as const);
          if (rates.some(([, r]) => r === undefined)) return undefined;
          const q = histogramQuantile(c.lock.waitQuantile, rates as Array<[number, number]>);
          return holds(q, (v) => v > c.lock.longWaitSeconds);
        },
        (i) => holds(rate(cnt, i, W), (v) => v > c.lock.minContendedPerSecond),
      ];
    }
    case 'lockTimeouts': {
      const W = steps(c, c.lock.timeoutWindow);
      const s = b.all(METRICS.lockTimeouts.name, {}, e);
      return [(i) => holds(sumOf(s.map((x) => sim.increase(x, i, W))), (v) => v >= c.lock.minTimeouts)];
    }
    case 'promotionChurn': {
      const W = steps(c, c.promotion.window);
      const lk = b.all(METRICS.lookups.name, {}, e);
      const ce = b.all(METRICS.copiedEntries.name, {}, e);
      const pr = b.all(METRICS.promotions.name, {}, e);
      return [
        (i) => {
          const [l, x] = [rate(lk, i, W), rate(ce, i, W)];
          return l === undefined || x === undefined || l === 0
            ? undefined
            : holds(x / l, (v) => v > c.promotion.copiedPerLookup);
        },
        (i) => holds(rate(pr, i, W), (v) => v > c.promotion.minPromotionsPerSecond),
      ];
    }
    case 'cacheIneffective':
    case 'loadsFailing': {
      const cache = key === 'cacheIneffective';
      const W = steps(c, cache ? c.cache.window : c.loads.window);
      const name = cache ? METRICS.lookups.name : METRICS.loads.name;
      const badResult = cache ? 'miss' : 'failure';
      const threshold = cache ? c.cache.missRatio : c.loads.failureRatio;
      const minRate = cache ? c.cache.minLookupsPerSecond : c.loads.minLoadsPerSecond;
      const all = b.all(name, {}, e);
      const bad = b.all(name, { [LABELS.result]: badResult }, e);
      const conds: Cond[] = [
        (i) => {
          const [t, x] = [rate(all, i, W), rate(bad, i, W)];
          return t === undefined || x === undefined || t === 0
            ? undefined
            : holds(x / t, (v) => v > threshold);
        },
        (i) => holds(rate(all, i, W), (v) => v > minRate),
      ];
      if (cache) {
        const evict = [
          ...b.all(METRICS.deletes.name, { [LABELS.cause]: 'evict' }, e),
          ...b.all(METRICS.deletes.name, { [LABELS.cause]: 'expire' }, e),
        ];
        const loading = b.all(METRICS.entries.name, { [LABELS.mapKind]: 'loading' }, e);
        conds.push((i) => {
          const inc = sumOf(evict.map((d) => sim.increase(d, i, W)));
          if (inc !== undefined && inc > 0) return inc;
          return loading.some((s) => sim.instant(s, i) !== undefined) ? 1 : undefined;
        });
      }
      return conds;
    }
    case 'loadStampede': {
      const W = steps(c, c.loads.window);
      const ld = b.all(METRICS.loads.name, {}, e);
      const jn = b.all(METRICS.loadJoins.name, {}, e);
      return [
        (i) => {
          const [l, j] = [rate(ld, i, W), rate(jn, i, W)];
          return l === undefined || j === undefined || l === 0
            ? undefined
            : holds(j / l, (v) => v > c.loads.joinsPerLoad);
        },
        (i) => holds(rate(jn, i, W), (v) => v > c.loads.minJoinsPerSecond),
      ];
    }
    case 'registryOverflow': {
      const s = b.all(METRICS.registryOverflow.name, {}, e);
      return [(i) => holds(s.length ? sim.instant(s[0] as Sample[], i) : undefined, (v) => v > 0)];
    }
    case 'metricsAbsent': {
      const L = steps(c, c.absence.lookback);
      const s = b.values(METRICS.registryMaps.name, {}, e);
      const up = b.values('up', {}, e);
      return [
        (i) => (sim.maxOver(s, i, L) !== undefined && sim.instant(s, i) === undefined ? 1 : undefined),
        (i) => holds(sim.instant(up, i), (v) => v === 1),
      ];
    }
  }
}

/** The expression's value (the first condition's) when every condition but `skip` holds. */
function model(conds: Cond[], skip = -1): (i: number) => number | undefined {
  return (i) => {
    let value: number | undefined;
    for (let k = 0; k < conds.length; k++) {
      if (k === skip) continue;
      const v = (conds[k] as Cond)(i);
      if (v === undefined) return undefined;
      if (value === undefined) value = v;
    }
    return value;
  };
}

// ----------------------------------------------------------------------------------------- series

/** Noise that toggles every quarter of `w` steps, so every window sees its low value. */
const noiseAt = (i: number, w: number, size: number) =>
  (Math.floor(i / Math.max(1, Math.floor(w / 4))) % 2) * size;

/** Entries that rise by `slope` per step between start and stop, with churn and a little noise. */
function leakSeries(
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
function entriesSeries(
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

/** Lock, cache and load series of a healthy map (optionally restarting: counters reset at `resetAt`). */
function healthyExtras(c: PackConfig, b: Builder, resetAt?: number): void {
  const step = parseDuration(c.evaluationInterval);
  const n = b.length;
  const lookups = Math.ceil(4 * c.cache.minLookupsPerSecond * step);
  b.add(
    METRICS.lookups.name,
    { [LABELS.result]: 'hit' },
    counter(n, () => Math.round(lookups * 0.9), resetAt),
  );
  b.add(
    METRICS.lookups.name,
    { [LABELS.result]: 'miss' },
    counter(n, () => Math.round(lookups * 0.1), resetAt),
  );
  const loads = Math.ceil(4 * c.loads.minLoadsPerSecond * step);
  b.add(
    METRICS.loads.name,
    { [LABELS.result]: 'success' },
    counter(n, () => loads, resetAt),
  );
  b.add(
    METRICS.loadJoins.name,
    {},
    counter(n, () => loads, resetAt),
  );
  const grants = Math.ceil(4 * c.lock.minContendedPerSecond * step);
  b.add(
    METRICS.lockAcquisitions.name,
    { [LABELS.mode]: 'write', [LABELS.contended]: 'true' },
    counter(n, () => grants, resetAt),
  );
  b.add(
    METRICS.lockWaitSeconds.name,
    { [LABELS.mode]: 'write' },
    counter(n, () => 0.1 * c.lock.stormWaitSecondsPerSecond * step, resetAt),
  );
  // A busy lock: somebody is waiting in every sample, but grants keep flowing.
  b.add(METRICS.lockWaiters.name, {}, () => 2);
  b.add(METRICS.registryMaps.name, {}, () => 12, 'target');
  b.add('up', {}, () => 1, 'target');
}

// ----------------------------------------------------------------------------------------- scenarios

function fireScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const step = parseDuration(c.evaluationInterval);
  const F = steps(c, c.growth.window);
  const rise = c.growth.minFloorRise;
  const slopeFor = (min: number, w: number) => Math.ceil((2 * min) / w);
  switch (key) {
    case 'growth': {
      const P = steps(c, c.growth.peakWindow);
      const p = phases(c, key, F, P + 2);
      const slope = slopeFor(rise, F);
      const churn = new Builder(c, p.length);
      leakSeries(churn, p, 1000, slope, rise, F);
      // Controls. Slow: rises (so it is above yesterday's peak) but less than minFloorRise per window.
      const k = Math.max(1, Math.ceil((2 * F) / rise));
      const d = slopeFor(rise, F);
      entriesSeries(
        churn,
        'ctl-slow',
        (i) => 1000 + Math.floor(i / k),
        10 * d,
        (i) => d * i,
      );
      // Rising floor, above yesterday, but every insert deleted again (inserts = deletes).
      entriesSeries(
        churn,
        'ctl-no-net',
        (i) => 1000 + slope * i,
        10 * slope,
        () => 0,
      );
      const addOnly = new Builder(c, p.length);
      leakSeries(addOnly, p, 1000, slope, 0, F, false);
      return [
        {
          title: 'a leak under churn: the floor rises, inserts outpace deletes, above yesterday',
          builder: churn,
          controls: [
            { entity: 'ctl-slow', key, skip: 0, what: 'floor rising less than minFloorRise' },
            { entity: 'ctl-no-net', key, skip: 1, what: 'inserts matched by deletes' },
          ],
        },
        { title: 'a map only ever added to (no delete series exists)', builder: addOnly, controls: [] },
      ];
    }
    case 'growthCeiling': {
      const P = steps(c, c.growth.peakWindow);
      const p = phases(c, key, Math.max(F, steps(c, c.growth.predictWindow)), P + 2);
      const b = new Builder(c, p.length);
      const horizonSteps = parseDuration(c.growth.predictHorizon) / step;
      const ceiling = ceilingFor(c, MAP);
      const slope = Math.max(slopeFor(rise, F), Math.ceil(ceiling / horizonSteps));
      // Odd numbers, so that predicted values do not land on a rounding boundary of humanize.
      leakSeries(b, p, Math.round(ceiling / 4) + 7, slope + 1, 0, F);
      // Above its ceiling and above yesterday, but creeping (floor rise below minFloorRise).
      const k = Math.max(1, Math.ceil((2 * F) / rise));
      const high = Math.ceil(ceilingFor(c, 'ctl-creeping') * 1.1);
      entriesSeries(
        b,
        'ctl-creeping',
        (i) => high + Math.floor(i / k),
        10,
        (i) => Math.floor(i / k),
      );
      // A slow leak far below the ceiling.
      const sl = slopeFor(rise, F);
      entriesSeries(
        b,
        'ctl-far',
        (i) => 1000 + sl * i,
        10 * sl,
        (i) => sl * i,
      );
      return [
        {
          title: 'a fast leak heading for the ceiling',
          builder: b,
          controls: [
            { entity: 'ctl-far', key, skip: 0, what: 'a leak predicted to stay under the ceiling' },
            { entity: 'ctl-creeping', key, skip: 1, what: 'above the ceiling, floor barely rising' },
          ],
        },
      ];
    }
    case 'leakSuspect': {
      const W = steps(c, c.leak.holdWindow);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      b.add(METRICS.leakSuspect.name, {}, (i) => (i >= p.start && i < p.stop ? 1 : 0));
      return [{ title: 'the detector verdict turns to 1, holds, then clears', builder: b, controls: [] }];
    }
    case 'instancesGrowing': {
      const W = steps(c, c.instances.window);
      const P = steps(c, c.instances.peakWindow);
      const p = phases(c, key, W, P + 2);
      const b = new Builder(c, p.length);
      const min = c.instances.minFloorRise;
      const slope = slopeFor(min, W);
      b.add(
        METRICS.instances.name,
        {},
        (i) => 5 + slope * (Math.min(Math.max(i, p.start), p.stop) - p.start) + (i % 2),
      );
      // Steps of minFloorRise every two windows: risen over the previous window, flat in the recent half.
      b.add(METRICS.instances.name, {}, (i) => 5 + 2 * min * Math.floor(i / (2 * W)), 'map', 'ctl-stairs');
      // Still rising, but less than minFloorRise per window.
      const k = Math.max(1, Math.ceil((2 * W) / min));
      b.add(METRICS.instances.name, {}, (i) => 5 + Math.floor(i / k), 'map', 'ctl-slow');
      return [
        {
          title: 'owners of a map leak: the instance count keeps rising',
          builder: b,
          controls: [
            { entity: 'ctl-slow', key, skip: 0, what: 'rising less than minFloorRise' },
            { entity: 'ctl-stairs', key, skip: 1, what: 'risen, but no longer rising' },
          ],
        },
      ];
    }
    case 'lockStuck': {
      const W = steps(c, c.lock.stuckWindow);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const grants = Math.max(1, Math.ceil(4 * c.lock.minContendedPerSecond * step));
      // Healthy: waiters come and go, grants flow. Stuck: waiters pile up, no grant, no wait time credited.
      b.add(
        METRICS.lockAcquisitions.name,
        { [LABELS.mode]: 'write', [LABELS.contended]: 'true' },
        counter(p.length, (i) => (bad(i + 1) ? 0 : grants)),
      );
      b.add(METRICS.lockWaiters.name, {}, (i) => (bad(i) ? 5 + i - p.start : i % 2));
      b.add(
        METRICS.lockWaitSeconds.name,
        { [LABELS.mode]: 'write' },
        counter(p.length, (i) => (bad(i + 1) ? 0 : 0.01 * step)),
      );
      b.add(METRICS.lockTimeouts.name, {}, () => 0);
      // A busy lock: always somebody waiting, but grants keep flowing.
      b.add(
        METRICS.lockAcquisitions.name,
        { [LABELS.mode]: 'write', [LABELS.contended]: 'true' },
        counter(p.length, () => grants),
        'map',
        'ctl-busy',
      );
      b.add(METRICS.lockWaiters.name, {}, (i) => 3 + (i % 2), 'map', 'ctl-busy');
      // An idle lock: no grants, and the occasional waiter gives up (waiters drop to 0 in every window).
      b.add(
        METRICS.lockAcquisitions.name,
        { [LABELS.mode]: 'write', [LABELS.contended]: 'false' },
        () => 7,
        'map',
        'ctl-idle',
      );
      b.add(METRICS.lockWaiters.name, {}, (i) => (i % 2 === 0 ? 0 : 1), 'map', 'ctl-idle');
      return [
        {
          title: 'a stuck lock: waiters queue and nobody is granted the lock',
          builder: b,
          controls: [
            { entity: 'ctl-idle', key, skip: 0, what: 'no grants, but waiters drop to 0' },
            { entity: 'ctl-busy', key, skip: 1, what: 'waiters in every sample, grants flowing' },
          ],
        },
      ];
    }
    case 'lockStorm': {
      const W = steps(c, c.lock.window);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const T = c.lock.stormWaitSecondsPerSecond;
      const wait = (perSecond: (i: number) => number, entity = MAP) =>
        b.add(
          METRICS.lockWaitSeconds.name,
          { [LABELS.mode]: 'write' },
          counter(p.length, (i) => perSecond(i) * step),
          'map',
          entity,
        );
      wait((i) => (bad(i) ? 2 * T : 0.1 * T));
      b.add(METRICS.lockWaiters.name, {}, (i) => (bad(i) ? 2 * c.lock.stormWaiters : 1));
      // Long waits by few tasks; many tasks queued but hardly waiting.
      wait(() => 2 * T, 'ctl-few');
      b.add(METRICS.lockWaiters.name, {}, () => 1, 'map', 'ctl-few');
      wait(() => 0.1 * T, 'ctl-short');
      b.add(METRICS.lockWaiters.name, {}, () => 2 * c.lock.stormWaiters, 'map', 'ctl-short');
      return [
        {
          title: 'a lock storm: waiting time and waiters both high, then recovery',
          builder: b,
          controls: [
            { entity: 'ctl-short', key, skip: 0, what: 'many waiters, little waiting time' },
            { entity: 'ctl-few', key, skip: 1, what: 'much waiting time, few waiters' },
          ],
        },
      ];
    }
    case 'lockWaitsLong': {
      const W = steps(c, c.lock.window);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const slow = LOCK_WAIT_BUCKETS.find((x) => x > c.lock.longWaitSeconds * 1.5) ?? Infinity;
      const fast = LOCK_WAIT_BUCKETS[0] as number;
      const h = histogramSeries(METRICS.lockWaitDuration);
      const bounds = [...LOCK_WAIT_BUCKETS, Infinity];
      /** Histogram series of waits: `fastPer(i)` fast and `slowPer(i)` slow ones per step. */
      const histogram = (entity: string, fastPer: (i: number) => number, slowPer: (i: number) => number) => {
        const f = counter(p.length, fastPer);
        const sl = counter(p.length, slowPer);
        for (const le of bounds) {
          b.add(
            h.bucket,
            { [LABELS.mode]: 'write', le: le === Infinity ? '+Inf' : String(le) },
            (i) => round((le >= fast ? f(i) : 0) + (le >= slow ? sl(i) : 0)),
            'map',
            entity,
          );
        }
        b.add(h.count, { [LABELS.mode]: 'write' }, (i) => round(f(i) + sl(i)), 'map', entity);
        b.add(h.sum, { [LABELS.mode]: 'write' }, (i) => round(f(i) * fast + sl(i) * slow), 'map', entity);
      };
      // Per step, 2x the minimum contended rate of waits: fast ones (1 ms) when healthy, slow ones (just
      // above the threshold) during the fault.
      const perStep = Math.max(1, Math.ceil(2 * c.lock.minContendedPerSecond * step));
      histogram(
        MAP,
        (i) => (bad(i) ? 0 : perStep),
        (i) => (bad(i) ? perStep : 0),
      );
      // Slow waits, but too few to matter (a quarter of the minimum rate); fast waits at a high rate.
      histogram(
        'ctl-rare',
        () => 0,
        () => (c.lock.minContendedPerSecond * step) / 4,
      );
      histogram(
        'ctl-fast',
        () => perStep,
        () => 0,
      );
      return [
        {
          title: 'contended waits move to a slow bucket, then back',
          builder: b,
          controls: [
            { entity: 'ctl-fast', key, skip: 0, what: 'many contended waits, all fast' },
            { entity: 'ctl-rare', key, skip: 1, what: 'slow waits, below the minimum rate' },
          ],
        },
      ];
    }
    case 'lockTimeouts': {
      const W = steps(c, c.lock.timeoutWindow);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      const perStep = Math.max(1, Math.ceil((2 * c.lock.minTimeouts) / W));
      b.add(
        METRICS.lockTimeouts.name,
        {},
        (i) => perStep * (Math.min(Math.max(i, p.start), p.stop) - p.start),
      );
      return [{ title: 'lock acquisitions time out for a while', builder: b, controls: [] }];
    }
    case 'promotionChurn': {
      const W = steps(c, c.promotion.window);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const lookupsPerStep = 100 * step;
      const map = (entity: string, copied: (i: number) => number, promotions: (i: number) => number) => {
        b.add(
          METRICS.lookups.name,
          { [LABELS.result]: 'hit' },
          counter(p.length, () => lookupsPerStep),
          'map',
          entity,
        );
        b.add(
          METRICS.copiedEntries.name,
          {},
          counter(p.length, (i) => copied(i) * lookupsPerStep),
          'map',
          entity,
        );
        b.add(
          METRICS.promotions.name,
          {},
          counter(p.length, (i) => promotions(i) * step),
          'map',
          entity,
        );
      };
      const [hiCopy, loCopy] = [3 * c.promotion.copiedPerLookup, 0.01];
      const [hiProm, loProm] = [
        3 * c.promotion.minPromotionsPerSecond,
        c.promotion.minPromotionsPerSecond / 100,
      ];
      map(
        MAP,
        (i) => (bad(i) ? hiCopy : loCopy),
        (i) => (bad(i) ? hiProm : loProm),
      );
      map(
        'ctl-rare',
        () => hiCopy,
        () => loProm,
      );
      map(
        'ctl-cheap',
        () => loCopy,
        () => hiProm,
      );
      return [
        {
          title: 'a read-mostly map under a key-churning write load',
          builder: b,
          controls: [
            { entity: 'ctl-cheap', key, skip: 0, what: 'frequent promotions that copy little' },
            { entity: 'ctl-rare', key, skip: 1, what: 'costly but rare promotions' },
          ],
        },
      ];
    }
    case 'cacheIneffective':
    case 'loadsFailing': {
      const cache = key === 'cacheIneffective';
      const W = steps(c, cache ? c.cache.window : c.loads.window);
      const p = phases(c, key, W);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const name = cache ? METRICS.lookups.name : METRICS.loads.name;
      const [good, badResult] = cache ? ['hit', 'miss'] : ['success', 'failure'];
      const threshold = cache ? c.cache.missRatio : c.loads.failureRatio;
      const minRate = cache ? c.cache.minLookupsPerSecond : c.loads.minLoadsPerSecond;
      const high = Math.ceil(4 * minRate * step);
      const low = (minRate * step) / 4;
      const [hiShare, loShare] = [(1 + threshold) / 2, threshold / 5];
      const traffic = (b: Builder, entity: string, perStep: number, share: (i: number) => number) => {
        b.add(
          name,
          { [LABELS.result]: good as string },
          counter(p.length, (i) => (1 - share(i)) * perStep),
          'map',
          entity,
        );
        b.add(
          name,
          { [LABELS.result]: badResult as string },
          counter(p.length, (i) => share(i) * perStep),
          'map',
          entity,
        );
      };
      /** A cache in the sense of the rule: it evicts (or, `loading`, it is a loading map). */
      const scope = (b: Builder, entity: string, loading = false) => {
        if (!cache) return;
        if (loading) b.add(METRICS.entries.name, { [LABELS.mapKind]: 'loading' }, () => 40, 'map', entity);
        else b.add(METRICS.deletes.name, { [LABELS.cause]: 'evict' }, (i) => 5 * i, 'map', entity);
      };
      const scenario = (loading: boolean): Scenario => {
        const b = new Builder(c, p.length);
        // Healthy: a fifth of the threshold goes bad; fault: halfway between the threshold and 100%.
        traffic(b, MAP, high, (i) => (bad(i) ? hiShare : loShare));
        scope(b, MAP, loading);
        const controls: Control[] = [];
        if (!loading) {
          traffic(b, 'ctl-good', high, () => loShare);
          scope(b, 'ctl-good');
          traffic(b, 'ctl-quiet', low, () => hiShare);
          scope(b, 'ctl-quiet');
          controls.push(
            { entity: 'ctl-good', key, skip: 0, what: 'busy and healthy' },
            { entity: 'ctl-quiet', key, skip: 1, what: 'bad ratio at a negligible rate' },
          );
          if (cache) {
            // A membership set: 0 entries, never evicts, every has() misses.
            traffic(b, 'ctl-set', high, () => 1);
            b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, () => 0, 'map', 'ctl-set');
            controls.push({ entity: 'ctl-set', key, skip: 2, what: 'a membership set that never evicts' });
          }
        }
        return {
          title: cache
            ? loading
              ? 'a loading map whose lookups almost all miss'
              : 'an evicting cache whose lookups almost all miss'
            : 'a loader that fails often',
          builder: b,
          controls,
        };
      };
      return cache ? [scenario(false), scenario(true)] : [scenario(false)];
    }
    case 'loadStampede': {
      const W = steps(c, c.loads.window);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const loadsPerStep = Math.max(1, Math.ceil(c.loads.minJoinsPerSecond * step));
      const map = (entity: string, loads: number, joins: (i: number) => number) => {
        b.add(
          METRICS.loads.name,
          { [LABELS.result]: 'success' },
          counter(p.length, () => loads),
          'map',
          entity,
        );
        b.add(METRICS.loadJoins.name, {}, counter(p.length, joins), 'map', entity);
      };
      map(MAP, loadsPerStep, (i) => (bad(i) ? 2 * c.loads.joinsPerLoad : 1) * loadsPerStep);
      // Many joins but many more loads; few loads with many joiners each, at a negligible rate.
      map('ctl-spread', 4 * loadsPerStep, () => 4 * loadsPerStep);
      const rare = (c.loads.minJoinsPerSecond * step) / 4;
      map('ctl-rare', rare / (2 * c.loads.joinsPerLoad), () => rare);
      return [
        {
          title: 'many callers join every load of hot keys',
          builder: b,
          controls: [
            { entity: 'ctl-spread', key, skip: 0, what: 'many joins spread over many loads' },
            { entity: 'ctl-rare', key, skip: 1, what: 'many joiners per load at a negligible rate' },
          ],
        },
      ];
    }
    case 'registryOverflow': {
      const W = Math.max(4, steps(c, c.alerts.registryOverflow.for));
      const p = phases(c, key, W);
      const bb = new Builder(c, p.length);
      // A process that overflowed at start-up: the counter is already 40 at its first scrape and stays
      // flat (so increase() sees nothing); at `stop` it restarts with fewer names and the counter is 0.
      bb.add(
        METRICS.registryOverflow.name,
        {},
        (i) => (i < p.start ? undefined : i < p.stop ? 40 : 0),
        'target',
      );
      bb.add(METRICS.registryMaps.name, {}, () => 100, 'target');
      return [
        {
          title: 'the registry overflowed at start-up (counter flat after its first scrape), until a restart',
          builder: bb,
          controls: [],
        },
      ];
    }
    case 'metricsAbsent': {
      const L = steps(c, c.absence.lookback);
      const forSteps = steps(c, c.alerts.metricsAbsent.for);
      // Absent for longer than an hour (or most of the lookback if that is shorter), then back.
      const start = 4;
      const stop = start + Math.min(L - 2, forSteps + 2 * steps(c, '1h'));
      const length = stop + forSteps + 6;
      const b = new Builder(c, length);
      // Exported until start, then gone (a staleness marker, as a scrape without the series writes).
      const gone = (i: number): Sample => (i === start ? 'stale' : i > start && i < stop ? undefined : 12);
      b.add(METRICS.registryMaps.name, {}, gone, 'target');
      b.add('up', {}, () => 1, 'target');
      // A target that went down (up == 0, its series gone), and a healthy one.
      b.add(METRICS.registryMaps.name, {}, gone, 'target', 'ctl-down');
      b.add('up', {}, (i) => (i >= start ? 0 : 1), 'target', 'ctl-down');
      b.add(METRICS.registryMaps.name, {}, () => 12, 'target', 'ctl-fine');
      b.add('up', {}, () => 1, 'target', 'ctl-fine');
      return [
        {
          title: 'a target stops exporting mapwatch metrics while staying up, for longer than an hour',
          builder: b,
          controls: [
            { entity: 'ctl-fine', key, skip: 0, what: 'an up target that still exports' },
            { entity: 'ctl-down', key, skip: 1, what: 'a target that went down' },
          ],
        },
      ];
    }
  }
}

/** Shapes that look like faults but are not; no alert may fire on them. `long`: the day-scale shapes. */
function silentScenarios(c: PackConfig, long: boolean): Scenario[] {
  const F = steps(c, c.growth.window);
  const forSteps = Math.max(...ALERT_DEFS.map((d) => steps(c, c.alerts[d.key].for)));
  const length = 4 * F + 2 * forSteps + 10;
  const rise = c.growth.minFloorRise;
  const D = Math.max(steps(c, c.growth.peakWindow), steps(c, c.instances.peakWindow));
  // Long enough for every lock, cache and load window and `for` to elapse twice.
  const shortKeys = ALERT_KEYS.filter((k) => !LONG_KEYS.includes(k));
  const shortWindows = [
    c.lock.window,
    c.lock.stuckWindow,
    c.lock.timeoutWindow,
    c.cache.window,
    c.loads.window,
  ];
  const shortLength =
    2 *
      Math.max(...shortWindows.map((w) => steps(c, w)), ...shortKeys.map((k) => steps(c, c.alerts[k].for))) +
    steps(c, c.promotion.window) +
    10;
  const out: Scenario[] = [];
  const pinned = (...keys: AlertKey[]): Control[] =>
    keys.map((key) => ({ entity: MAP, key, skip: 2, what: 'below yesterday’s peak' }));

  // Warm-up: the map fills over a third of the floor window, then holds its size under churn; the owner
  // pool (instances) fills alongside.
  if (long) {
    const b = new Builder(c, length);
    const ramp = Math.max(1, Math.floor(F / 3));
    const top = 50 * rise;
    const level = (i: number) => Math.round((top * Math.min(i, ramp)) / ramp);
    b.add(
      METRICS.entries.name,
      { [LABELS.mapKind]: 'plain' },
      (i) => level(i) + (i % 2) * Math.round(rise / 2),
    );
    b.add(METRICS.inserts.name, {}, (i) => 20 * rise * i + level(i));
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'evict' }, (i) => 20 * rise * i);
    const inst = (i: number) => 2 + Math.round((20 * c.instances.minFloorRise * Math.min(i, ramp)) / ramp);
    b.add(METRICS.instances.name, {}, inst);
    b.add(METRICS.leakSuspect.name, {}, () => 0);
    out.push({ title: 'warm-up, then a plateau under churn', builder: b, controls: [] });
  }
  // TTL sawtooth: entries climb for a quarter window, then expire together.
  if (long) {
    const b = new Builder(c, length);
    const period = Math.max(2, Math.floor(F / 4));
    const perStep = Math.ceil((4 * rise) / period);
    b.add(METRICS.entries.name, { [LABELS.mapKind]: 'loading' }, (i) => perStep * (i % period));
    b.add(METRICS.inserts.name, {}, (i) => perStep * i);
    b.add(
      METRICS.deletes.name,
      { [LABELS.cause]: 'expire' },
      (i) => perStep * period * Math.floor(i / period),
    );
    b.add(METRICS.instances.name, {}, () => 1);
    out.push({ title: 'TTL sawtooth', builder: b, controls: [] });
  }
  // Periodic clear, slower than the floor window: the floor briefly looks like it rises, for less than `for`.
  if (long) {
    const b = new Builder(c, length);
    const period = Math.floor((3 * F) / 2);
    const perStep = Math.ceil((2 * rise) / F);
    b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, (i) => perStep * (i % period));
    b.add(METRICS.inserts.name, {}, (i) => perStep * i);
    b.add(
      METRICS.deletes.name,
      { [LABELS.cause]: 'clear' },
      (i) => perStep * period * Math.floor(i / period),
    );
    b.add(METRICS.instances.name, {}, () => 3);
    out.push({ title: 'periodic clear', builder: b, controls: [] });
  }
  // A daily cycle (a triangle over the peak window) under churn, peaking just under the ceiling: the
  // morning ramp raises the floor, outpaces deletes and extrapolates past the ceiling, every day.
  if (long) {
    const n = 3 * D + 2 * F + forSteps + 10;
    const b = new Builder(c, n);
    const half = Math.max(1, Math.floor(D / 2));
    const tri = (i: number) => {
      const x = i % (2 * half);
      return x <= half ? x : 2 * half - x;
    };
    const ceiling = ceilingFor(c, MAP);
    const low = Math.round(0.25 * ceiling);
    const slope = Math.max(1, Math.floor((0.7 * ceiling) / half));
    const churn = 2 * slope;
    b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, (i) => low + slope * tri(i));
    // Inserts add the rise on the way up, deletes the fall on the way down.
    const ups = (i: number) => {
      const cycles = Math.floor(i / (2 * half));
      const x = i % (2 * half);
      return cycles * half + Math.min(x, half);
    };
    const downs = (i: number) => i - ups(i);
    b.add(METRICS.inserts.name, {}, (i) => churn * i + slope * ups(i));
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'expire' }, (i) => churn * i + slope * downs(i));
    const instSlope = Math.max(1, Math.ceil((4 * c.instances.minFloorRise) / half));
    b.add(METRICS.instances.name, {}, (i) => 50 + instSlope * tri(i));
    out.push({
      title: 'a daily cycle under churn peaking near the ceiling',
      builder: b,
      controls: pinned('growth', 'growthCeiling', 'instancesGrowing'),
    });
  }
  // A long-TTL (one peak window) cache after a restart: counters reset, the map refills from 0 for a whole
  // day before anything expires, up to the level it held before.
  if (long) {
    const R = D;
    const n = R + D + 2 * F + forSteps + 10;
    const b = new Builder(c, n);
    const top = 100 * rise;
    const churn = Math.max(1, Math.ceil(top / D));
    const level = (i: number) => (i < R ? top : Math.min(top, churn * (i - R)));
    b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, level);
    b.add(METRICS.inserts.name, {}, (i) => (i < R ? churn * i : churn * (i - R)));
    // Before the restart expiries match inserts; after it nothing expires until the TTL has passed.
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'expire' }, (i) =>
      i < R ? churn * i : Math.max(0, churn * (i - R) - top),
    );
    b.add(METRICS.instances.name, {}, () => 4);
    out.push({
      title: 'a long-TTL cache refilling after a restart (counters reset)',
      builder: b,
      controls: pinned('growth'),
    });
  }
  // A healthy, busy map (a lock with a queue, a cache, a loader) whose process restarts halfway: every
  // counter resets, the map refills within a few steps.
  if (!long) {
    const b = new Builder(c, shortLength);
    const R = Math.floor(shortLength / 2);
    const top = 50 * rise;
    const level = (i: number) => (i < R ? top : Math.min(top, Math.round((top * (i - R + 1)) / 4)));
    b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, level);
    const churn = 2 * top;
    b.add(METRICS.inserts.name, {}, (i) => (i < R ? churn * i + top : churn * (i - R) + level(i)));
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'evict' }, (i) => (i < R ? churn * i : churn * (i - R)));
    b.add(METRICS.instances.name, {}, () => 3);
    b.add(METRICS.leakSuspect.name, {}, () => 0);
    healthyExtras(c, b, R);
    out.push({
      title: 'a healthy busy map whose process restarts (counters reset)',
      builder: b,
      controls: [],
    });
  }
  // A membership set (a blocklist checked with has()): 0 entries, nearly every lookup misses.
  if (!long) {
    const b = new Builder(c, shortLength);
    b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, () => 0);
    const step = parseDuration(c.evaluationInterval);
    const lookups = Math.ceil(4 * c.cache.minLookupsPerSecond * step);
    b.add(METRICS.lookups.name, { [LABELS.result]: 'miss' }, (i) => lookups * i);
    b.add(METRICS.lookups.name, { [LABELS.result]: 'hit' }, () => 0);
    b.add(METRICS.instances.name, {}, () => 1);
    out.push({
      title: 'a membership set with 0 entries whose lookups all miss',
      builder: b,
      controls: [{ entity: MAP, key: 'cacheIneffective', skip: 2, what: 'not a cache' }],
    });
  }
  return out;
}

// ----------------------------------------------------------------------------------------- state machine

interface StepState {
  firing: boolean;
  /** Value shown in annotations while firing. */
  value: number | undefined;
}

/** Prometheus' alert state machine (pending -> firing, keep_firing_for) applied to a model. */
function alertStates(
  c: PackConfig,
  key: AlertKey,
  m: (i: number) => number | undefined,
  length: number,
  step: number,
): StepState[] {
  const t = c.alerts[key];
  const forS = parseDuration(t.for);
  const kffS = t.keepFiringFor ? parseDuration(t.keepFiringFor) : 0;
  let state: 'inactive' | 'pending' | 'firing' = 'inactive';
  let activeAt = 0;
  let keepSince: number | undefined;
  let value: number | undefined;
  const out: StepState[] = [];
  for (let i = 0; i < length; i++) {
    const v = m(i);
    if (v !== undefined) {
      if (state === 'inactive') {
        state = 'pending';
        activeAt = i;
      }
      if (state === 'pending' && (i - activeAt) * step >= forS) state = 'firing';
      keepSince = undefined;
      value = v;
    } else if (state === 'firing' && kffS > 0) {
      keepSince ??= i;
      if ((i - keepSince) * step >= kffS) state = 'inactive';
    } else {
      state = 'inactive';
    }
    out.push({ firing: state === 'firing', value: state === 'firing' ? value : undefined });
  }
  return out;
}

// ----------------------------------------------------------------------------------------- YAML objects

/** promtool series notation; integer arithmetic runs compress to `a+bxn`, gaps to `_xn`. */
export function encodeValues(values: Sample[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    const v = values[i];
    if (typeof v !== 'number') {
      if (v === 'stale') {
        parts.push('stale');
        i++;
        continue;
      }
      let j = i;
      while (j + 1 < values.length && values[j + 1] === undefined) j++;
      parts.push(j > i ? `_x${j - i + 1}` : '_');
      i = j + 1;
      continue;
    }
    let j = i;
    const next = values[i + 1];
    if (Number.isInteger(v) && typeof next === 'number' && Number.isInteger(next)) {
      const d = next - v;
      while (j + 1 < values.length && values[j + 1] === (values[j] as number) + d) j++;
      parts.push(d === 0 ? `${v}x${j - i}` : `${v}${d > 0 ? '+' : '-'}${Math.abs(d)}x${j - i}`);
    } else {
      parts.push(String(v));
    }
    i = j + 1;
  }
  return parts.join(' ');
}

function seriesText(labels: Record<string, string>): string {
  const { __name__: name, ...rest } = labels;
  const inner = Object.keys(rest)
    .sort()
    .map((k) => `${k}="${rest[k]}"`)
    .join(', ');
  return `${name}{${inner}}`;
}

interface ExpAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

function expectedAlerts(c: PackConfig, key: AlertKey, value: number): ExpAlert[] {
  const def = alertDef(key);
  const rule = buildRule(def, c);
  return SOURCES.map((src) => {
    const labels: Record<string, string> = { job: src.job, instance: src.instance };
    for (const l of c.groupBy) labels[l] = GROUP_VALUE;
    if (def.scope === 'map') labels[LABELS.mapName] = MAP;
    const exp_labels = { ...labels, severity: rule.labels.severity, signal: rule.labels.signal };
    return {
      exp_labels,
      exp_annotations: {
        description: renderTemplate(rule.annotations.description, labels, value),
        runbook_url: rule.annotations.runbook_url,
        summary: rule.annotations.summary,
      },
    };
  });
}

export interface PromtoolTestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: Array<Record<string, unknown>>;
}

function testFile(c: PackConfig, ruleFile: string, tests: Array<Record<string, unknown>>): PromtoolTestFile {
  return { rule_files: [ruleFile], evaluation_interval: c.evaluationInterval, tests };
}

/** Steps worth checking: just before and at every change of the predicted firing state, and midway. */
function checkpoints(states: StepState[]): number[] {
  const out = new Set<number>();
  let since = 0;
  for (let i = 1; i < states.length; i++) {
    if ((states[i] as StepState).firing !== (states[i - 1] as StepState).firing) {
      out.add(i - 1);
      out.add(i);
      // The middle of the stretch that just ended, so a long firing (or silent) stretch is checked inside.
      out.add(Math.floor((since + i - 1) / 2));
      since = i;
    }
  }
  out.delete(0);
  return [...out].sort((a, b) => a - b);
}

const inputSeries = (b: Builder) =>
  b.series.map((s) => ({ series: seriesText(s.labels), values: encodeValues(s.values) }));

/** A guard of an alert that no control of the generated tests pins. */
export interface Unpinned {
  alert: string;
  condition: number;
}

interface Generated {
  files: Record<string, PromtoolTestFile>;
  /** Per alert key, the indices of conditions some control pins. */
  pinned: Map<AlertKey, Set<number>>;
  conditionCounts: Map<AlertKey, number>;
}

/** Checks a scenario's controls against the model; returns the steps where they must be checked. */
function checkControls(
  c: PackConfig,
  sim: Sim,
  sc: Scenario,
  at: Set<number>,
  pinned: Map<AlertKey, Set<number>>,
  extraSteps: boolean,
): number[] {
  const extra: number[] = [];
  for (const ctl of sc.controls) {
    const conds = conditions(c, sim, ctl.key, sc.builder, ctl.entity);
    const full = alertStates(c, ctl.key, model(conds), sc.builder.length, sim.step);
    if (full.some((x) => x.firing)) {
      if (ctl.entity === MAP) {
        throw new Error(
          `config makes ${alertDef(ctl.key).name} fire on the '${sc.title}' shape; lengthen its 'for' or windows`,
        );
      }
      continue; // not a valid control under this config: it pins nothing
    }
    const mutated = alertStates(c, ctl.key, model(conds, ctl.skip), sc.builder.length, sim.step);
    let hit = [...at].find((i) => mutated[i]?.firing);
    if (hit === undefined && extraSteps) {
      const first = mutated.findIndex((x) => x.firing);
      if (first >= 0) {
        hit = first;
        extra.push(first);
      }
    }
    if (hit !== undefined) {
      const set = pinned.get(ctl.key) ?? new Set<number>();
      set.add(ctl.skip);
      pinned.set(ctl.key, set);
    }
  }
  return extra;
}

/** One promtool test group: the steps around every predicted change of the alert's firing state. */
function fireTest(
  c: PackConfig,
  def: AlertDef,
  sc: Scenario,
  sim: Sim,
  pinned: Map<AlertKey, Set<number>>,
): Record<string, unknown> {
  const at = (i: number) => formatDuration(i * sim.step);
  const conds = conditions(c, sim, def.key, sc.builder, MAP);
  const states = alertStates(c, def.key, model(conds), sc.builder.length, sim.step);
  const fired = states.findIndex((x) => x.firing);
  if (fired < 0) throw new Error(`${def.name}: the scenario '${sc.title}' never fires under this config`);
  const lastFiring = states.length - 1 - [...states].reverse().findIndex((x) => x.firing);
  if (lastFiring >= states.length - 1)
    throw new Error(`${def.name}: the scenario '${sc.title}' never resolves`);
  const base = checkpoints(states);
  const extra = checkControls(c, sim, sc, new Set(base), pinned, true);
  const all = [...new Set([...base, ...extra])].sort((a, b) => a - b);
  const kff = c.alerts[def.key].keepFiringFor;
  return {
    name:
      `${def.name}: ${sc.title}; fires after for=${c.alerts[def.key].for} at ${at(fired)}` +
      (kff ? `, keeps firing for ${kff} until ${at(lastFiring)}` : `, resolves at ${at(lastFiring + 1)}`) +
      (sc.controls.length ? `; controls: ${sc.controls.map((x) => x.what).join(', ')}` : ''),
    interval: c.evaluationInterval,
    input_series: inputSeries(sc.builder),
    alert_rule_test: all.map((i) => {
      const st = states[i] as StepState;
      return {
        eval_time: at(i),
        alertname: def.name,
        exp_alerts: st.firing ? expectedAlerts(c, def.key, st.value as number) : [],
      };
    }),
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The config as the day-scale tests see it: the same rules evaluated on the largest step that divides
 * every window, \`for\` and keep_firing_for of the growth alerts and leaves at least 8 samples in the
 * shortest window (15m for the defaults). promtool evaluates every rule at every step of a test, so a
 * two-day test at 1m would take minutes; at 15m it takes a second and checks the same boundaries.
 */
function longConfig(c: PackConfig): PackConfig {
  const interval = parseDuration(c.evaluationInterval);
  const timing = LONG_KEYS.flatMap((k) => [c.alerts[k].for, c.alerts[k].keepFiringFor ?? c.alerts[k].for]);
  const windows = [c.growth.window, c.growth.predictWindow, c.growth.peakWindow, c.instances.peakWindow];
  const all = [...windows, ...timing].map(parseDuration);
  const halfInstances = parseDuration(c.instances.window) / 2;
  all.push(halfInstances);
  const g = all.reduce(gcd);
  const bound =
    Math.min(parseDuration(c.growth.window), parseDuration(c.growth.predictWindow), halfInstances) / 8;
  for (let k = Math.floor(g / interval); k > 1; k--) {
    const d = k * interval;
    if (g % d === 0 && d <= bound) return { ...c, evaluationInterval: formatDuration(d) };
  }
  return c;
}

function generate(c: PackConfig, ruleFile: string): Generated {
  const long = longConfig(c);
  const files: Record<string, PromtoolTestFile> = {};
  const pinned = new Map<AlertKey, Set<number>>();
  const conditionCounts = new Map<AlertKey, number>();
  for (const def of ALERT_DEFS) {
    const cc = LONG_KEYS.includes(def.key) ? long : c;
    const sim = new Sim(parseDuration(cc.evaluationInterval));
    const scenarios = fireScenarios(cc, def.key);
    conditionCounts.set(
      def.key,
      conditions(cc, sim, def.key, (scenarios[0] as Scenario).builder, MAP).length,
    );
    const tests = scenarios.map((sc) => fireTest(cc, def, sc, sim, pinned));
    files[`${def.name}.yml`] = testFile(cc, ruleFile, tests);
  }
  files['silent-shapes.yml'] = silentFile(c, ruleFile, silentScenarios(c, false), pinned);
  files['silent-long-shapes.yml'] = silentFile(long, ruleFile, silentScenarios(long, true), pinned);
  return { files, pinned, conditionCounts };
}

function silentFile(
  c: PackConfig,
  ruleFile: string,
  silent: Scenario[],
  pinned: Map<AlertKey, Set<number>>,
): PromtoolTestFile {
  const sim = new Sim(parseDuration(c.evaluationInterval));
  const at = (i: number) => formatDuration(i * sim.step);
  return testFile(
    c,
    ruleFile,
    silent.map((sc) => {
      // Every half floor window on the day-scale shapes, a tenth of the shape on the short ones.
      const every = Math.max(
        1,
        Math.min(Math.floor(steps(c, c.growth.window) / 2), Math.floor(sc.builder.length / 10)),
      );
      const times: number[] = [];
      for (let i = every; i < sc.builder.length; i += every) times.push(i);
      // Every alert's model must agree that the shape is silent (checked by the controls below, skip -1).
      const everyAlert: Control[] = ALERT_KEYS.map((key) => ({ entity: MAP, key, skip: -1, what: '' }));
      checkControls(c, sim, { ...sc, controls: everyAlert }, new Set(), new Map(), false);
      checkControls(c, sim, sc, new Set(times), pinned, false);
      return {
        name: `no alert fires on ${sc.title}`,
        interval: c.evaluationInterval,
        input_series: inputSeries(sc.builder),
        alert_rule_test: times.flatMap((i) =>
          ALERT_DEFS.map((d) => ({ eval_time: at(i), alertname: d.name, exp_alerts: [] })),
        ),
      };
    }),
  );
}

/**
 * All promtool test files for a config, keyed by file name. `ruleFile` is the rule file path relative to
 * the test files' directory.
 */
export function buildRuleTests(
  c: PackConfig,
  ruleFile = '../mapwatch.rules.yml',
): Record<string, PromtoolTestFile> {
  return generate(c, ruleFile).files;
}

/**
 * Conditions (index in rule order, 0 = the one carrying the value) of alerts with more than one condition
 * that no control of the generated tests pins: deleting them from the rule would go unnoticed.
 */
export function ruleTestCoverage(c: PackConfig): Unpinned[] {
  const g = generate(c, '../mapwatch.rules.yml');
  const out: Unpinned[] = [];
  for (const def of ALERT_DEFS) {
    const n = g.conditionCounts.get(def.key) ?? 0;
    if (n < 2) continue;
    for (let k = 0; k < n; k++) {
      if (!g.pinned.get(def.key)?.has(k)) out.push({ alert: def.name, condition: k });
    }
  }
  return out;
}
