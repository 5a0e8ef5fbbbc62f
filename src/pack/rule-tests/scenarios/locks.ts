/**
 * The lock alerts (stuck, storm, long waits, timeouts) and read-mostly promotion churn in the promtool
 * tests: each alert's model next to its fire scenarios and the controls that pin its guards.
 */
import { LABELS, LOCK_WAIT_BUCKETS, METRICS } from '../../../conventions.js';
import { type AlertKey, type PackConfig } from '../../config.js';
import { parseDuration } from '../../duration.js';
import { histogramSeries } from '../../promql.js';
import { histogramQuantile, type Sample, type Sim } from '../promsim.js';
import {
  Builder,
  MAP,
  counter,
  holds,
  phases,
  round,
  steps,
  sumOf,
  type Cond,
  type Scenario,
} from './builder.js';
import { mapInputs, type AlertModel } from './common.js';
import { ratioModelConditions } from './ratio.js';

/** The conditions of MapwatchLockStuck for one map (or target), in rule order. */
function lockStuckConditions(c: PackConfig, sim: Sim, key: AlertKey, b: Builder, e: string): Cond[] {
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

/** Scenarios in which MapwatchLockStuck fires, with a control per guard where one applies. */
function lockStuckScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const step = parseDuration(c.evaluationInterval);
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

/** The conditions of MapwatchLockStorm for one map (or target), in rule order. */
const lockStormConditions = ratioModelConditions((c) => ({
  window: c.lock.window,
  part: [METRICS.lockWaitSeconds.name],
  whole: [METRICS.lockAcquisitions.name, { [LABELS.contended]: 'true' }],
  ratioOk: (v) => v >= c.lock.stormMeanWaitSeconds,
  volume: [METRICS.lockWaitSeconds.name],
  volumeOk: (v) => v >= c.lock.stormWaiters,
  volumeFirst: true,
}));

/** Scenarios in which MapwatchLockStorm fires, with a control per guard where one applies. */
function lockStormScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const step = parseDuration(c.evaluationInterval);
  const W = steps(c, c.lock.window);
  const p = phases(c, key, W);
  const b = new Builder(c, p.length);
  const bad = (i: number) => i >= p.start && i < p.stop;
  const [L, M] = [c.lock.stormWaiters, c.lock.stormMeanWaitSeconds];
  /** A lock where `waiting(i)` tasks wait on average and each contended acquisition waits `wait(i)` s. */
  const lock = (entity: string, waiting: (i: number) => number, wait: (i: number) => number) => {
    b.add(
      METRICS.lockWaitSeconds.name,
      { [LABELS.mode]: 'write' },
      counter(p.length, (i) => waiting(i) * step),
      'map',
      entity,
    );
    b.add(
      METRICS.lockAcquisitions.name,
      { [LABELS.mode]: 'write', [LABELS.contended]: 'true' },
      counter(p.length, (i) => (waiting(i) / wait(i)) * step),
      'map',
      entity,
    );
  };
  lock(
    MAP,
    (i) => (bad(i) ? 2 * L : L / 10),
    (i) => (bad(i) ? 2 * M : M / 2),
  );
  // Few tasks waiting, each for long; many waiting, each briefly (a busy lock that moves fast).
  lock(
    'ctl-few',
    () => L / 4,
    () => 4 * M,
  );
  lock(
    'ctl-fast',
    () => 2 * L,
    () => M / 10,
  );
  return [
    {
      title: 'a lock storm: many tasks wait at once and each waits long, then recovery',
      builder: b,
      controls: [
        { entity: 'ctl-few', key, skip: 0, what: 'long waits of few tasks' },
        { entity: 'ctl-fast', key, skip: 1, what: 'many tasks waiting briefly each' },
      ],
    },
  ];
}

/** The conditions of MapwatchLockWaitsLong for one map (or target), in rule order. */
function lockWaitsLongConditions(
  c: PackConfig,
  sim: Sim,
  key: AlertKey,
  b: Builder,
  e: string,
  gen?: string,
): Cond[] {
  const { rate } = mapInputs(c, sim, b, e, gen);
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

/** Scenarios in which MapwatchLockWaitsLong fires, with a control per guard where one applies. */
function lockWaitsLongScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const step = parseDuration(c.evaluationInterval);
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

/** The conditions of MapwatchLockTimeouts for one map (or target), in rule order. */
function lockTimeoutsConditions(c: PackConfig, sim: Sim, key: AlertKey, b: Builder, e: string): Cond[] {
  const W = steps(c, c.lock.timeoutWindow);
  const inc = (series: Sample[][], i: number) => sumOf(series.map((x) => sim.increase(x, i, W)));
  const timeouts = b.all(METRICS.lockTimeouts.name, {}, e);
  const grants = b.all(METRICS.lockAcquisitions.name, {}, e);
  return [
    // timeouts / ((grants or 0 * timeouts) + timeouts); 0 / 0 is NaN, which compares false.
    (i) => {
      const [t, g] = [inc(timeouts, i), inc(grants, i) ?? 0];
      if (t === undefined || t + g === 0) return undefined;
      return holds(t / (g + t), (v) => v >= c.lock.timeoutRatio);
    },
    (i) => holds(inc(timeouts, i), (v) => v >= c.lock.minTimeouts),
  ];
}

/** Scenarios in which MapwatchLockTimeouts fires, with a control per guard where one applies. */
function lockTimeoutsScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const W = steps(c, c.lock.timeoutWindow);
  const p = phases(c, key, W);
  const b = new Builder(c, p.length);
  const bad = (i: number) => i >= p.start && i < p.stop;
  const perStep = Math.max(1, Math.ceil((2 * c.lock.minTimeouts) / W));
  /** Grants per step that make `perStep` timeouts the share `share` of the attempts. */
  const grantsFor = (share: number) => Math.ceil((perStep * (1 - share)) / share);
  const lock = (entity: string, timeouts: (i: number) => number, grants: number) => {
    b.add(METRICS.lockTimeouts.name, {}, counter(p.length, timeouts), 'map', entity);
    b.add(
      METRICS.lockAcquisitions.name,
      { [LABELS.mode]: 'write', [LABELS.contended]: 'true' },
      counter(p.length, () => grants),
      'map',
      entity,
    );
  };
  lock(MAP, (i) => (bad(i) ? perStep : 0), grantsFor(2 * c.lock.timeoutRatio));
  // As many timeouts among far more grants; a high share of very few timeouts.
  lock('ctl-busy', () => perStep, grantsFor(c.lock.timeoutRatio / 10));
  lock('ctl-rare', () => c.lock.minTimeouts / (4 * W), 0);
  return [
    {
      title: 'a share of the lock acquisitions time out for a while',
      builder: b,
      controls: [
        { entity: 'ctl-busy', key, skip: 0, what: 'timeouts a small share of many grants' },
        { entity: 'ctl-rare', key, skip: 1, what: 'fewer timeouts than the minimum' },
      ],
    },
  ];
}

/** The conditions of MapwatchPromotionChurn for one map (or target), in rule order. */
const promotionChurnConditions = ratioModelConditions((c) => ({
  window: c.promotion.window,
  part: [METRICS.copiedEntries.name],
  whole: [METRICS.lookups.name],
  ratioOk: (v) => v > c.promotion.copiedPerLookup,
  volume: [METRICS.promotions.name],
  volumeOk: (v) => v > c.promotion.minPromotionsPerSecond,
}));

/** Scenarios in which MapwatchPromotionChurn fires, with a control per guard where one applies. */
function promotionChurnScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const step = parseDuration(c.evaluationInterval);
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
  const [hiProm, loProm] = [3 * c.promotion.minPromotionsPerSecond, c.promotion.minPromotionsPerSecond / 100];
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

/** The lock alerts' models and fire scenarios, by alert key. */
export const LOCK_MODELS = {
  lockStuck: { conditions: lockStuckConditions, fire: lockStuckScenarios },
  lockStorm: { conditions: lockStormConditions, fire: lockStormScenarios },
  lockWaitsLong: { conditions: lockWaitsLongConditions, fire: lockWaitsLongScenarios },
  lockTimeouts: { conditions: lockTimeoutsConditions, fire: lockTimeoutsScenarios },
  promotionChurn: { conditions: promotionChurnConditions, fire: promotionChurnScenarios },
} satisfies Partial<Record<AlertKey, AlertModel>>;
