/** Recorded series through the model of every map alert (test/pack/recorded.test.ts). */
import { LABELS, METRICS } from '../../conventions.js';
import { ALERT_DEFS } from '../alerts.js';
import { type PackConfig } from '../config.js';
import { promDuration } from '../duration.js';
import { conditions } from './models.js';
import { type SimSeries } from './promsim.js';
import { Builder } from './scenarios/builder.js';
import { liveResolver } from './scenarios/live.js';
import { alertStates, checkpoints, expressionModel, type StepState } from './state-machine.js';
import { simOf } from './timing.js';
import { expectedAlert, inputSeries } from './yaml.js';

/** An alert the model predicts on a recording: its labels and when it first fires (seconds from the start). */
export interface ReplayPage {
  alert: string;
  labels: Record<string, string>;
  firstFiringAt: number;
}

/**
 * Replays recorded series (any job, instance and map_name labels; one sample per evaluation step of `c`,
 * from the recording's first step) through the model of every map alert. Returns the pages it predicts and
 * a promtool test group that checks those predictions against the real rules, at a regular grid and
 * around every predicted change.
 */
export function replayRecording(
  c: PackConfig,
  title: string,
  series: SimSeries[],
): { test: Record<string, unknown>; pages: ReplayPage[] } {
  const sim = simOf(c);
  const at = (i: number) => promDuration(i * sim.step);
  const b = Builder.recorded(c, series);
  const targets = new Map<
    string,
    { entity: string; gen: string | undefined; labels: Record<string, string> }
  >();
  for (const x of series) {
    const entity = x.labels[LABELS.mapName];
    if (entity === undefined || x.labels.__name__ !== METRICS.entries.name) continue;
    const labels: Record<string, string> = { job: x.labels.job ?? '', instance: x.labels.instance ?? '' };
    for (const l of c.groupBy) if (x.labels[l] !== undefined) labels[l] = x.labels[l];
    labels[LABELS.mapName] = entity;
    targets.set(JSON.stringify(labels), { entity, gen: x.labels.instance, labels });
  }
  const every = Math.max(1, Math.round(1800 / sim.step));
  const grid: number[] = [];
  for (let i = every; i < b.length; i += every) grid.push(i);
  const pages: ReplayPage[] = [];
  const checks: Array<{ i: number; order: number; test: Record<string, unknown> }> = [];
  // Map alerts only: the recordings hold map series, no target series (process, scrape, registry).
  ALERT_DEFS.filter((d) => d.scope === 'map').forEach((def, order) => {
    const per = [...targets.values()].map((t) => ({
      t,
      states: alertStates(
        c,
        def.key,
        expressionModel(conditions(c, sim, def.key, b, t.entity, t.gen)),
        b.length,
        sim.step,
      ),
    }));
    for (const p of per) {
      const first = p.states.findIndex((x) => x.firing);
      if (first >= 0) pages.push({ alert: def.name, labels: p.t.labels, firstFiringAt: first * sim.step });
    }
    const times = new Set([...grid, ...per.flatMap((p) => checkpoints(p.states))]);
    for (const i of times) {
      const exp = per.flatMap((p) => {
        const st = p.states[i] as StepState;
        const live = liveResolver(c, sim, b, p.t.entity, p.t.gen, st.at);
        return st.firing ? [expectedAlert(c, def.key, st.value as number, p.t.labels, live)] : [];
      });
      checks.push({ i, order, test: { eval_time: at(i), alertname: def.name, exp_alerts: exp } });
    }
  });
  checks.sort((x, y) => x.i - y.i || x.order - y.order);
  return {
    pages,
    test: {
      name: title,
      interval: c.evaluationInterval,
      input_series: inputSeries(b),
      alert_rule_test: checks.map((x) => x.test),
    },
  };
}
