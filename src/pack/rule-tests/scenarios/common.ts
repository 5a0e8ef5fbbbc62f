/** What the alert modules under scenarios/ share: the shape of a model, and the inputs of map alerts. */
import { METRICS } from '../../../conventions.js';
import { type AlertKey, type PackConfig } from '../../config.js';
import { type Sample, type Sim } from '../promsim.js';
import { netInsertsOver, sumOf, unless, type Builder, type Cond, type Scenario } from './builder.js';

/**
 * What several map alerts' conditions read for one map (or one generation of it): its entries and
 * oldest sampled age, its net inserts, and the `unless` guards of a declared maxEntries or TTL.
 */
export function mapInputs(c: PackConfig, sim: Sim, b: Builder, e: string, gen?: string) {
  const rate = (s: Sample[][], i: number, w: number) => sumOf(s.map((x) => sim.rate(x, i, w)));
  const ent = b.values(METRICS.entries.name, {}, e, gen);
  const age = b.values(METRICS.oldestSampledAge.name, {}, e, gen);
  /** Inserts minus deletes over w steps (`or 0 * inserts`: no delete series counts as no deletes). */
  const netOver = netInsertsOver(sim, b, e, gen);
  /** Maps that grow by design skip the growth alerts (`excludeMaps`). */
  const growthOk = !c.excludeMaps.includes(e);
  const declaredMax = b.values(METRICS.declaredMaxEntries.name, {}, e, gen);
  const declaredTtl = b.values(METRICS.declaredTtl.name, {}, e, gen);
  const withinMax = unless((i) => {
    const [n, m] = [sim.instant(ent, i), sim.instant(declaredMax, i)];
    return n !== undefined && m !== undefined && n <= m;
  });
  const withinTtl = unless((i) => {
    const [a, t] = [sim.instant(age, i), sim.instant(declaredTtl, i)];
    return a !== undefined && t !== undefined && a <= t * c.fresh.ttlSlack;
  });
  return { rate, ent, age, netOver, growthOk, declaredMax, declaredTtl, withinMax, withinTtl };
}

/** What the generator knows of one alert: the model of its expression, and where it fires. */
export interface AlertModel {
  /** The conditions of the alert's expression for one map (or target) of a scenario, in rule order. */
  conditions: (c: PackConfig, sim: Sim, key: AlertKey, b: Builder, e: string, gen?: string) => Cond[];
  /**
   * Scenarios in which the alert fires, with controls that pin its guards. `nudge` (0: the data as
   * designed) shifts the faulty data by that many small steps, for a scenario whose printed value lands on
   * a rounding boundary of its format under some evaluation interval; a model that prints no ramp ignores it.
   */
  fire: (c: PackConfig, key: AlertKey, nudge?: number) => Scenario[];
}
