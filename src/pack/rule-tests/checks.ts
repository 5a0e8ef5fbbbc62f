/**
 * One promtool test group from a scenario: the alert states the model predicts for MAP, the steps around
 * every change, the alerts expected there, and the controls checked against the model (each must stay
 * silent and fire once its missing guard is deleted).
 */
import { ALERT_DEFS, alertDef, type AlertDef } from '../alerts.js';
import { type AlertKey, type PackConfig } from '../config.js';
import { promDuration } from '../duration.js';
import { conditions } from './models.js';
import { type LiveResolver, type Sim } from './promsim.js';
import { MAP, steps, type Scenario } from './scenarios/builder.js';
import { liveResolver } from './scenarios/live.js';

/**
 * A config under which the pack's own rule tests cannot hold: an alert would fire on a shape meant to
 * stay silent, or never fire (or never resolve) on its own scenario. The config's fault, not the
 * generator's: the CLI reports it as a bad config (exit 2), with what to change.
 */
export class ConfigCheckError extends Error {
  override name = 'ConfigCheckError';
}
import { alertStates, checkpoints, expressionModel, type StepState } from './state-machine.js';
import { expectedAlerts, inputSeries, type ExpAlert } from './yaml.js';

/** Records that a control pins condition `skip` of alert `key` (in the file being generated). */
export type Pin = (key: AlertKey, skip: number) => void;

/**
 * Checks a scenario's controls against the model; returns the steps where they must be checked. `strict`:
 * a control on MAP that fires under this config is an error (a shape that must be silent is not).
 */
export function checkControls(
  c: PackConfig,
  sim: Sim,
  sc: Scenario,
  at: Set<number>,
  pin: Pin,
  extraSteps: boolean,
  strict = true,
): number[] {
  const extra: number[] = [];
  for (const ctl of sc.controls) {
    const conds = conditions(c, sim, ctl.key, sc.builder, ctl.entity, ctl.gen);
    const full = alertStates(c, ctl.key, expressionModel(conds), sc.builder.length, sim.step);
    if (full.some((x) => x.firing)) {
      if (ctl.entity === MAP && strict) {
        throw new ConfigCheckError(
          `config makes ${alertDef(ctl.key).name} fire on the '${sc.title}' shape; lengthen its 'for' or windows`,
        );
      }
      continue; // not a valid control under this config: it pins nothing
    }
    if (ctl.skip < 0) continue; // a map that must stay silent, pinning no guard
    const mutated = alertStates(c, ctl.key, expressionModel(conds, ctl.skip), sc.builder.length, sim.step);
    let hit = [...at].find((i) => mutated[i]?.firing);
    if (hit === undefined && extraSteps) {
      const first = mutated.findIndex((x) => x.firing);
      if (first >= 0) {
        hit = first;
        extra.push(first);
      }
    }
    if (hit !== undefined) pin(ctl.key, ctl.skip);
  }
  return extra;
}

interface GenStates {
  gen: string | undefined;
  states: StepState[];
  /** The live values of the alert's description as evaluated at a step. */
  live: (at: number) => LiveResolver;
  /** Labels the alerts carry beyond the map's or target's. */
  labels: Record<string, string>;
}

/** The predicted alert states of MAP, per generation (instance) of the scenario. */
function mapStates(c: PackConfig, sim: Sim, key: AlertKey, sc: Scenario): GenStates[] {
  return (sc.gens ?? [undefined]).map((gen) => ({
    gen,
    states: alertStates(
      c,
      key,
      expressionModel(conditions(c, sim, key, sc.builder, MAP, gen)),
      sc.builder.length,
      sim.step,
    ),
    live: (at: number) => liveResolver(c, sim, sc.builder, MAP, gen, at),
    labels: sc.labels ?? {},
  }));
}

/** The alerts expected at step i: every generation firing then, from both sources. */
function expectedAt(c: PackConfig, key: AlertKey, per: GenStates[], i: number): ExpAlert[] {
  return per.flatMap((p) => {
    const st = p.states[i] as StepState;
    return st.firing ? expectedAlerts(c, key, st.value as number, p.gen, p.live(st.at), p.labels) : [];
  });
}

/** Throws if the model predicts any alert on a map the scenario says must stay silent. */
function checkSilent(c: PackConfig, sim: Sim, sc: Scenario): void {
  for (const { entity, gen } of sc.silent ?? []) {
    for (const def of ALERT_DEFS) {
      const states = alertStates(
        c,
        def.key,
        expressionModel(conditions(c, sim, def.key, sc.builder, entity, gen)),
        sc.builder.length,
        sim.step,
      );
      if (states.some((x) => x.firing)) {
        throw new Error(`${def.name} fires on ${entity} in '${sc.title}', which must stay silent`);
      }
    }
  }
}

const firstFiring = (per: GenStates[]) => {
  const firsts = per.map((p) => p.states.findIndex((x) => x.firing)).filter((i) => i >= 0);
  return firsts.length ? Math.min(...firsts) : -1;
};

/** One promtool test group: the steps around every predicted change of the alert's firing state. */
export function fireTest(
  c: PackConfig,
  def: AlertDef,
  sc: Scenario,
  sim: Sim,
  pin: Pin,
): Record<string, unknown> {
  const at = (i: number) => promDuration(i * sim.step);
  const per = mapStates(c, sim, def.key, sc);
  const fired = firstFiring(per);
  if (fired < 0)
    throw new ConfigCheckError(
      `${def.name}: the scenario '${sc.title}' never fires under this config; loosen its thresholds or shorten its windows`,
    );
  const length = sc.builder.length;
  const firingAt = (i: number) => per.some((p) => p.states[i]?.firing);
  let lastFiring = length - 1;
  while (lastFiring >= 0 && !firingAt(lastFiring)) lastFiring--;
  if (lastFiring >= length - 1)
    throw new ConfigCheckError(
      `${def.name}: the scenario '${sc.title}' never resolves under this config; shorten its 'for', 'keepFiringFor' or windows`,
    );
  const base = [...new Set(per.flatMap((p) => checkpoints(p.states)))];
  const extra = checkControls(c, sim, sc, new Set(base), pin, true);
  const all = [...new Set([...base, ...extra])].sort((a, b) => a - b);
  const kff = c.alerts[def.key].keepFiringFor;
  const age =
    sc.startedAt === undefined ? '' : ` (${at(fired - sc.startedAt)} after the new instance started)`;
  return {
    name:
      `${def.name}: ${sc.title}; fires after for=${c.alerts[def.key].for} at ${at(fired)}${age}` +
      (kff ? `, keeps firing for ${kff} until ${at(lastFiring)}` : `, resolves at ${at(lastFiring + 1)}`) +
      (sc.controls.length ? `; controls: ${sc.controls.map((x) => x.what).join(', ')}` : ''),
    interval: c.evaluationInterval,
    input_series: inputSeries(sc.builder),
    alert_rule_test: all.map((i) => ({
      eval_time: at(i),
      alertname: def.name,
      exp_alerts: expectedAt(c, def.key, per, i),
    })),
  };
}

/**
 * One promtool test group for a fresh-start shape: every alert, at a regular grid and around every
 * predicted change of its state, expecting what the model predicts (firing or not); plus the expression
 * checks of the shape.
 */
export function shapeTest(
  c: PackConfig,
  sc: Scenario,
  sim: Sim,
  pin: Pin,
  prefix = 'fresh start',
): Record<string, unknown> {
  const at = (i: number) => promDuration(i * sim.step);
  const n = sc.builder.length;
  checkSilent(c, sim, sc);
  const every = Math.max(1, Math.floor(steps(c, c.fresh.window) / 2));
  const grid: number[] = [];
  for (let i = every; i < n; i += every) grid.push(i);
  const extra = checkControls(c, sim, sc, new Set(grid), pin, true, false);
  const checks: Array<{ i: number; order: number; test: Record<string, unknown> }> = [];
  const fired: string[] = [];
  ALERT_DEFS.forEach((def, order) => {
    const per = mapStates(c, sim, def.key, sc);
    const times = new Set([...grid, ...extra, ...per.flatMap((p) => checkpoints(p.states))]);
    for (const i of times) {
      checks.push({
        i,
        order,
        test: { eval_time: at(i), alertname: def.name, exp_alerts: expectedAt(c, def.key, per, i) },
      });
    }
    const first = firstFiring(per);
    if (first >= 0) {
      const on = per.filter((p) => p.states.some((x) => x.firing)).length;
      fired.push(`${def.name} fires from ${at(first)}${per.length > 1 ? ` on ${on} instances` : ''}`);
    }
  });
  checks.sort((a, b) => a.i - b.i || a.order - b.order);
  const test: Record<string, unknown> = {
    name: `${prefix} ${sc.title}: ${fired.length ? fired.join('; ') : 'no alert fires'}`,
    interval: c.evaluationInterval,
    input_series: inputSeries(sc.builder),
    alert_rule_test: checks.map((x) => x.test),
  };
  if (sc.exprTests?.length) {
    test.promql_expr_test = sc.exprTests.map((t) => ({
      expr: t.expr,
      eval_time: at(t.at),
      exp_samples: t.samples,
    }));
  }
  return test;
}
