/**
 * The day-scale growth alerts in the promtool tests: MapwatchMapGrowingUnbounded, its ceiling variant and
 * MapwatchMapInstancesGrowing. Each alert's model (the conditions of its expression, in rule order) sits
 * next to the scenarios that make it fire and the controls that pin each of its guards, so that a change
 * to a rule and to its model are made in one place.
 */
import { LABELS, METRICS } from '../../../conventions.js';
import { type AlertKey, type PackConfig } from '../../config.js';
import { parseDuration } from '../../duration.js';
import { type Sample, type Sim } from '../promsim.js';
import {
  Builder,
  MAP,
  entriesSeries,
  holds,
  leakSeries,
  noiseAt,
  phases,
  slopeFor,
  steps,
  stepsOf,
  sumOf,
  type Cond,
  type Scenario,
} from './builder.js';
import { mapInputs, type AlertModel } from './common.js';
import { ceilingFor } from './live.js';

/** How far the floor (the minimum over w steps) rose since the w steps before. */
function floorRise(sim: Sim, s: Sample[], i: number, w: number): number | undefined {
  const now = sim.minOver(s, i, w);
  const then = sim.minOver(s, i, w, w);
  return now === undefined || then === undefined ? undefined : now - then;
}

/**
 * The job's peak over [t - 2P, t - P] as the rules compute it: at every step, the highest instance (the sum
 * of its series) of any generation of the entity; then the highest of those steps.
 */
export function jobPeak(
  sim: Sim,
  b: Builder,
  name: string,
  e: string,
  P: number,
): (i: number) => number | undefined {
  const gens = b.gens(e).map((g) => b.all(name, {}, e, g));
  const jobMax: Sample[] = Array.from({ length: b.length }, (_, j) => {
    let best: number | undefined;
    for (const series of gens) {
      const v = sumOf(series.map((x) => sim.instant(x, j)));
      if (v !== undefined && (best === undefined || v > best)) best = v;
    }
    return best;
  });
  return (i) => sim.maxOver(jobMax, i, P, P);
}

/** The count now above its job's peak of yesterday. */
function aboveYesterday(sim: Sim, s: Sample[], peak: (i: number) => number | undefined): Cond {
  return (i) => {
    const now = sim.instant(s, i);
    const p = peak(i);
    return now !== undefined && p !== undefined && now > p ? now : undefined;
  };
}

/**
 * A deploy: the old pod (generation a) ran more than a day at a steady size under churn; its replacement
 * (generation b, a new instance label) refills and then leaks. Yesterday's peak is the job's, so the new
 * pod is compared with the old one's and pages before it has a day of its own history.
 */
function newPodScenario(c: PackConfig, key: AlertKey): Scenario {
  const F = steps(c, c.growth.window);
  const P = steps(c, c.growth.peakWindow);
  const rise = c.growth.minFloorRise;
  const slope = Math.ceil((2 * rise) / F);
  const T0 = P + F + 2;
  const stop = T0 + 2 * F + stepsOf(c, key, 'for') + 4;
  const length = stop + 2 * F + stepsOf(c, key, 'keepFiringFor') + 6;
  const b = new Builder(c, length);
  const L = 1000;
  const churn = 10 * slope;
  const plain = { [LABELS.mapKind]: 'plain' };
  const evict = { [LABELS.cause]: 'evict' };
  const a =
    (f: (i: number) => number) =>
    (i: number): Sample =>
      i < T0 ? f(i) : i === T0 ? 'stale' : undefined;
  b.add(
    METRICS.entries.name,
    plain,
    a((i) => L + noiseAt(i, F, rise)),
    'map',
    MAP,
    'a',
  );
  b.add(
    METRICS.inserts.name,
    {},
    a((i) => churn * i + L),
    'map',
    MAP,
    'a',
  );
  b.add(
    METRICS.deletes.name,
    evict,
    a((i) => churn * i),
    'map',
    MAP,
    'a',
  );
  const level = (i: number) =>
    Math.min(L, Math.round((L * (i - T0 + 1)) / 3)) + slope * Math.max(0, Math.min(i, stop) - T0 - 2);
  const bb =
    (f: (i: number) => number) =>
    (i: number): Sample =>
      i < T0 ? undefined : f(i);
  b.add(METRICS.entries.name, plain, bb(level), 'map', MAP, 'b');
  b.add(
    METRICS.inserts.name,
    {},
    bb((i) => churn * (i - T0) + level(i)),
    'map',
    MAP,
    'b',
  );
  b.add(
    METRICS.deletes.name,
    evict,
    bb((i) => churn * (i - T0)),
    'map',
    MAP,
    'b',
  );
  return {
    title: 'a deploy replaces a pod that ran for over a day (new instance label), and the new pod leaks',
    builder: b,
    controls: [],
    gens: ['a', 'b'],
    startedAt: T0,
  };
}

/**
 * The conditions of MapwatchMapGrowingUnbounded and MapwatchMapCeilingPredicted for one map (or target), in
 * rule order.
 */
function growthConditions(
  c: PackConfig,
  sim: Sim,
  key: AlertKey,
  b: Builder,
  e: string,
  gen?: string,
): Cond[] {
  const { ent, netOver, growthOk, withinMax, withinTtl } = mapInputs(c, sim, b, e, gen);
  const F = steps(c, c.growth.window);
  const P = steps(c, c.growth.peakWindow);
  const min = c.growth.minFloorRise;
  const rise: Cond = (i) => holds(floorRise(sim, ent, i, F), (v) => v >= min);
  const above = aboveYesterday(sim, ent, jobPeak(sim, b, METRICS.entries.name, e, P));
  if (key === 'growthCeiling') {
    const W = steps(c, c.growth.predictWindow);
    const h = parseDuration(c.growth.predictHorizon);
    const ceiling = ceilingFor(c, e);
    const pred: Cond = (i) =>
      growthOk ? holds(sim.predictLinear(ent, i, W, h), (v) => v > ceiling) : undefined;
    const share = Math.round(ceiling * c.growth.pageAboveShare * 1e6) / 1e6;
    const headroom: Cond = (i) => holds(sim.instant(ent, i), (v) => v >= share);
    return [pred, rise, above, headroom];
  }
  const risen: Cond = (i) => (growthOk ? rise(i) : undefined);
  const net: Cond = (i) => holds(netOver(i, F), (v) => v >= min);
  return [risen, net, above, withinMax, withinTtl];
}

/** Scenarios in which MapwatchMapGrowingUnbounded fires, with a control per guard where one applies. */
function growthScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const step = parseDuration(c.evaluationInterval);
  const F = steps(c, c.growth.window);
  const rise = c.growth.minFloorRise;
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
  // The same leak shape, within a declared maxEntries (a cache filling toward its bound).
  leakSeries(churn, p, 1000, slope, rise, F, true, 'ctl-bounded');
  churn.add(METRICS.declaredMaxEntries.name, {}, () => 1000 + 4 * slope * p.length, 'map', 'ctl-bounded');
  // The same leak shape with a declared TTL its oldest sampled entries stay within (traffic growing).
  leakSeries(churn, p, 1000, slope, rise, F, true, 'ctl-ttl');
  const ttl = Math.max(1, Math.round(parseDuration(c.growth.window) / 2));
  churn.add(METRICS.oldestSampledAge.name, {}, (i) => Math.min(i * step, ttl), 'map', 'ctl-ttl');
  churn.add(METRICS.declaredTtl.name, {}, () => ttl, 'map', 'ctl-ttl');
  // The same leak on a map that grows by design (excludeMaps): silent.
  const excluded = c.excludeMaps[0];
  if (excluded !== undefined) leakSeries(churn, p, 1000, slope, rise, F, true, excluded);
  const addOnly = new Builder(c, p.length);
  leakSeries(addOnly, p, 1000, slope, 0, F, false);
  return [
    {
      title: 'a leak under churn: the floor rises, inserts outpace deletes, above yesterday',
      builder: churn,
      controls: [
        { entity: 'ctl-slow', key, skip: 0, what: 'floor rising less than minFloorRise' },
        { entity: 'ctl-no-net', key, skip: 1, what: 'inserts matched by deletes' },
        { entity: 'ctl-bounded', key, skip: 3, what: 'within its declared maxEntries' },
        { entity: 'ctl-ttl', key, skip: 4, what: 'oldest entries within the declared TTL' },
        ...(excluded === undefined
          ? []
          : [{ entity: excluded, key, skip: -1, what: 'the same leak on a map of excludeMaps' }]),
      ],
    },
    { title: 'a map only ever added to (no delete series exists)', builder: addOnly, controls: [] },
    newPodScenario(c, key),
  ];
}

/** Scenarios in which MapwatchMapCeilingPredicted fires, with a control per guard where one applies. */
function growthCeilingScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const step = parseDuration(c.evaluationInterval);
  const F = steps(c, c.growth.window);
  const rise = c.growth.minFloorRise;
  const P = steps(c, c.growth.peakWindow);
  const p = phases(c, key, Math.max(F, steps(c, c.growth.predictWindow)), P + 2);
  const b = new Builder(c, p.length);
  const horizonSteps = parseDuration(c.growth.predictHorizon) / step;
  const ceiling = ceilingFor(c, MAP);
  const slope = Math.max(slopeFor(rise, F), Math.ceil(ceiling / horizonSteps));
  // Odd numbers, so that predicted values do not land on a rounding boundary of humanize. It starts a
  // little under the share of its ceiling at which it may page, so the headroom guard holds it back first.
  const below = Math.round(ceiling * Math.max(0, c.growth.pageAboveShare - 0.1));
  leakSeries(b, p, below + 7, slope + 1, 0, F);
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
  // A slow leak close to its ceiling (past the share at which it may page), predicted to stay under it.
  const sl = slopeFor(rise, F);
  const near = Math.round((ceilingFor(c, 'ctl-near') * (1 + 3 * c.growth.pageAboveShare)) / 4) + 3;
  entriesSeries(
    b,
    'ctl-near',
    (i) => near + sl * i,
    10 * sl,
    (i) => sl * i,
  );
  // A steep climb predicted past the ceiling while it still holds less than the share at which it may
  // page: headroom is left now. It levels off under that share.
  const own = ceilingFor(c, 'ctl-steep');
  const share = c.growth.pageAboveShare;
  const steep = ((1.1 - share) * own) / horizonSteps;
  const predictSteps = steps(c, c.growth.predictWindow);
  const from = Math.max(0, (share - 0.1) * own - steep * (predictSteps + 1));
  const top = Math.floor(share * own) - 1;
  const climb = (i: number) => Math.min(top, Math.round(from + steep * Math.max(0, i - p.start)));
  entriesSeries(b, 'ctl-steep', climb, 10, (i) => climb(i) - climb(0));
  return [
    {
      title: 'a fast leak heading for the ceiling',
      builder: b,
      controls: [
        {
          entity: 'ctl-near',
          key,
          skip: 0,
          what: 'a leak close to the ceiling, predicted to stay under it',
        },
        { entity: 'ctl-creeping', key, skip: 1, what: 'above the ceiling, floor barely rising' },
        { entity: 'ctl-steep', key, skip: 3, what: 'a steep climb that leaves headroom now' },
      ],
    },
  ];
}

/** The conditions of MapwatchMapInstancesGrowing for one map (or target), in rule order. */
function instancesGrowingConditions(
  c: PackConfig,
  sim: Sim,
  key: AlertKey,
  b: Builder,
  e: string,
  gen?: string,
): Cond[] {
  const { growthOk } = mapInputs(c, sim, b, e, gen);
  const W = steps(c, c.instances.window);
  const s = b.values(METRICS.instances.name, {}, e, gen);
  const min = c.instances.minFloorRise;
  return [
    (i) => (growthOk ? holds(floorRise(sim, s, i, W), (v) => v >= min) : undefined),
    (i) => holds(floorRise(sim, s, i, W / 2), (v) => v > 0),
    aboveYesterday(sim, s, jobPeak(sim, b, METRICS.instances.name, e, steps(c, c.instances.peakWindow))),
  ];
}

/** Scenarios in which MapwatchMapInstancesGrowing fires, with a control per guard where one applies. */
function instancesGrowingScenarios(c: PackConfig, key: AlertKey): Scenario[] {
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

/** The growth alerts' models and fire scenarios, by alert key. */
export const GROWTH_MODELS = {
  growth: { conditions: growthConditions, fire: growthScenarios },
  growthCeiling: { conditions: growthConditions, fire: growthCeilingScenarios },
  instancesGrowing: { conditions: instancesGrowingConditions, fire: instancesGrowingScenarios },
} satisfies Partial<Record<AlertKey, AlertModel>>;
