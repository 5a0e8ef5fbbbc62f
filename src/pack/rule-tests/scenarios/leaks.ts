/**
 * The leak alerts that do not need a day of history: a fresh target leaking from its first minute, a map
 * past its declared maxEntries, and the in-process detector's verdict (leak suspect). Each alert's model
 * sits next to its fire scenarios and the controls that pin its guards.
 */
import { LABELS, METRICS } from '../../../conventions.js';
import { FRESH_EARLIER_RISE_SHARE, freshAgeThreshold } from '../../alerts.js';
import { type AlertKey, type PackConfig } from '../../config.js';
import { parseDuration } from '../../duration.js';
import { type Sim } from '../promsim.js';
import {
  Builder,
  MAP,
  entriesSeries,
  holds,
  keptAge,
  phases,
  steps,
  stepsOf,
  type Cond,
  type Scenario,
} from './builder.js';
import { mapInputs, type AlertModel } from './common.js';

/**
 * A new target that leaks from its first minute (no history at all), fixed later. Controls: each satisfies
 * every condition of the fresh-target alert but one.
 */
function freshLeakScenario(c: PackConfig): Scenario {
  const key: AlertKey = 'freshLeak';
  const step = parseDuration(c.evaluationInterval);
  const W = steps(c, c.fresh.window);
  const Fw = steps(c, c.fresh.floorWindow);
  const Fo = steps(c, c.fresh.floorOffset);
  const minNet = c.fresh.minNetInserts;
  const slope = 2 * Math.ceil(minNet / W) + 1;
  const stop = 2 * W + stepsOf(c, key, 'for') + 4;
  const length = stop + W + Fo + Fw + stepsOf(c, key, 'keepFiringFor') + 6;
  const b = new Builder(c, length);
  const churn = 10 * slope;
  const age = keptAge(step);
  /** A leak of `slope` entries per step under churn, from the first step until `stop`. */
  const leak = (entity: string) => {
    const level = (i: number) => slope * Math.min(i, stop);
    entriesSeries(b, entity, level, churn, level, 'explicit');
    b.add(METRICS.oldestSampledAge.name, {}, age, 'map', entity);
  };
  leak(MAP);
  // Growing too slowly to matter: net inserts under minNetInserts per window, though nothing is removed.
  const k = Math.max(1, Math.ceil((2 * W) / minNet));
  entriesSeries(
    b,
    'ctl-slow',
    (i) => Math.floor(i / k),
    churn,
    (i) => Math.floor(i / k),
  );
  b.add(METRICS.oldestSampledAge.name, {}, age, 'map', 'ctl-slow');
  // A TTL cache under rising traffic: it grows, but its oldest entries never get older than the TTL.
  const ttl = Math.max(step, Math.floor((W * step) / 2));
  entriesSeries(
    b,
    'ctl-ttl',
    (i) => slope * i,
    churn,
    (i) => slope * i,
    'expire',
  );
  b.add(METRICS.oldestSampledAge.name, {}, (i) => Math.min(i * step, ttl), 'map', 'ctl-ttl');
  // Deletes that bypass the instrumentation (Map.prototype.delete.call): inserts pile up and the sample
  // never sees a delete, but the size is flat. No delete series at all.
  b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, () => 10 * minNet, 'map', 'ctl-uncounted');
  b.add(METRICS.inserts.name, {}, (i) => slope * i, 'map', 'ctl-uncounted');
  b.add(METRICS.oldestSampledAge.name, {}, age, 'map', 'ctl-uncounted');
  // The same leak within a declared maxEntries, and within a declared TTL.
  leak('ctl-bounded');
  b.add(METRICS.declaredMaxEntries.name, {}, () => 4 * slope * length, 'map', 'ctl-bounded');
  leak('ctl-long-ttl');
  b.add(METRICS.declaredTtl.name, {}, () => length * step, 'map', 'ctl-long-ttl');
  // The same leak on a map that grows by design (excludeMaps): silent.
  const excluded = c.excludeMaps[0];
  if (excluded !== undefined) leak(excluded);
  return {
    title: 'a new target that leaks from its first minute (no history), fixed later',
    builder: b,
    controls: [
      { entity: 'ctl-slow', key, skip: 0, what: 'net inserts under the minimum' },
      { entity: 'ctl-ttl', key, skip: 1, what: 'oldest entries capped by a TTL' },
      { entity: 'ctl-uncounted', key, skip: 2, what: 'a flat floor (deletes not counted)' },
      { entity: 'ctl-bounded', key, skip: 4, what: 'within its declared maxEntries' },
      { entity: 'ctl-long-ttl', key, skip: 5, what: 'within its declared TTL' },
      ...(excluded === undefined
        ? []
        : [{ entity: excluded, key, skip: -1, what: 'the same leak on a map of excludeMaps' }]),
    ],
  };
}

/** The conditions of MapwatchMapLeakFreshTarget for one map (or target), in rule order. */
function freshLeakConditions(
  c: PackConfig,
  sim: Sim,
  key: AlertKey,
  b: Builder,
  e: string,
  gen?: string,
): Cond[] {
  const { ent, age, netOver, growthOk, withinMax, withinTtl } = mapInputs(c, sim, b, e, gen);
  const W = steps(c, c.fresh.window);
  const Fw = steps(c, c.fresh.floorWindow);
  const Fo = steps(c, c.fresh.floorOffset);
  const threshold = freshAgeThreshold(c);
  return [
    (i) => {
      const n = sim.instant(ent, i);
      if (n === undefined || !growthOk) return undefined;
      const min = Math.max(c.fresh.minNetShare * n, c.fresh.minNetInserts);
      return holds(netOver(i, W), (v) => v >= min);
    },
    (i) => {
      const [now, then] = [sim.instant(age, i), sim.instant(age, i - W)];
      return now === undefined || then === undefined ? undefined : holds(now - then, (v) => v >= threshold);
    },
    (i) => {
      const [now, then] = [sim.minOver(ent, i, Fw), sim.minOver(ent, i, Fw, Fo)];
      return now === undefined || then === undefined ? undefined : holds(now - then, (v) => v > 0);
    },
    (i) => {
      // The offset before carried its share of the two offsets' rise (not one step).
      const [now, then, before] = [
        sim.minOver(ent, i, Fw),
        sim.minOver(ent, i, Fw, Fo),
        sim.minOver(ent, i, Fw, 2 * Fo),
      ];
      if (now === undefined || then === undefined || before === undefined) return undefined;
      return then - before >= FRESH_EARLIER_RISE_SHARE * (now - before) ? 0 : undefined;
    },
    withinMax,
    withinTtl,
  ];
}

/** Scenarios in which MapwatchMapLeakFreshTarget fires, with a control per guard where one applies. */
function freshLeakScenarios(c: PackConfig): Scenario[] {
  return [freshLeakScenario(c)];
}

/** The conditions of MapwatchMapAboveDeclaredMax for one map (or target), in rule order. */
function declaredMaxConditions(
  c: PackConfig,
  sim: Sim,
  key: AlertKey,
  b: Builder,
  e: string,
  gen?: string,
): Cond[] {
  const { ent, declaredMax } = mapInputs(c, sim, b, e, gen);
  return [
    (i) => {
      const [n, m] = [sim.instant(ent, i), sim.instant(declaredMax, i)];
      return n !== undefined && m !== undefined && n > m ? n : undefined;
    },
  ];
}

/** Scenarios in which MapwatchMapAboveDeclaredMax fires, with a control per guard where one applies. */
function declaredMaxScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const W = steps(c, c.alerts.declaredMax.for);
  const p = phases(c, key, W);
  const b = new Builder(c, p.length);
  const max = 5000;
  // An LRU whose eviction broke for a while: it fills past its declared max, then evicts back to it.
  const over = (i: number) => Math.min(Math.max(0, i - p.start), Math.max(0, p.stop - i), W) * 37;
  entriesSeries(b, MAP, (i) => max + over(i) - (i < p.start ? 200 : 0), 50, over);
  b.add(METRICS.declaredMaxEntries.name, {}, () => max);
  // A bounded map right at its maximum: no alert.
  entriesSeries(
    b,
    'ctl-at-max',
    () => max,
    50,
    () => 0,
  );
  b.add(METRICS.declaredMaxEntries.name, {}, () => max, 'map', 'ctl-at-max');
  return [
    {
      title: 'entries above the declared maxEntries for a while, then evicted back under it',
      builder: b,
      controls: [{ entity: 'ctl-at-max', key, skip: -1, what: 'a map exactly at its maximum' }],
    },
  ];
}

/** The conditions of MapwatchMapLeakSuspected for one map (or target), in rule order. */
function leakSuspectConditions(
  c: PackConfig,
  sim: Sim,
  key: AlertKey,
  b: Builder,
  e: string,
  gen?: string,
): Cond[] {
  const { growthOk } = mapInputs(c, sim, b, e, gen);
  const W = steps(c, c.leak.holdWindow);
  const s = b.values(METRICS.leakSuspect.name, {}, e, gen);
  const rate = b.values(METRICS.growthPerSecond.name, {}, e, gen);
  return [
    (i) => {
      const v = sim.instant(rate, i);
      return v === undefined || !growthOk ? undefined : v * 3600;
    },
    (i) => holds(sim.minOver(s, i, W), (v) => v === 1),
  ];
}

/** Scenarios in which MapwatchMapLeakSuspected fires, with a control per guard where one applies. */
function leakSuspectScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const W = steps(c, c.leak.holdWindow);
  const p = phases(c, key, W);
  const b = new Builder(c, p.length);
  const verdict = (i: number) => (i >= p.start && i < p.stop ? 1 : 0);
  b.add(METRICS.leakSuspect.name, {}, verdict);
  // The detector's growth rate (entries per second), the value the alert shows per hour.
  b.add(METRICS.growthPerSecond.name, {}, (i) => (verdict(i) ? 0.4167 : 0.0013));
  b.add(METRICS.leakSuspect.name, {}, () => 0, 'map', 'ctl-growing');
  b.add(METRICS.growthPerSecond.name, {}, () => 0.4167, 'map', 'ctl-growing');
  b.add(METRICS.leakSuspect.name, {}, verdict, 'map', 'ctl-no-rate');
  return [
    {
      title: 'the detector verdict turns to 1, holds, then clears',
      builder: b,
      controls: [
        { entity: 'ctl-no-rate', key, skip: 0, what: 'a verdict without a growth rate' },
        { entity: 'ctl-growing', key, skip: 1, what: 'a growth rate without the verdict' },
      ],
    },
  ];
}

/** The leak alerts' models and fire scenarios, by alert key. */
export const LEAK_MODELS = {
  freshLeak: { conditions: freshLeakConditions, fire: freshLeakScenarios },
  declaredMax: { conditions: declaredMaxConditions, fire: declaredMaxScenarios },
  leakSuspect: { conditions: leakSuspectConditions, fire: leakSuspectScenarios },
} satisfies Partial<Record<AlertKey, AlertModel>>;
