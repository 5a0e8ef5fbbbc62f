/**
 * From a model to alert states: an expression's value per step from its conditions, Prometheus' alert
 * state machine (pending, firing, keep_firing_for) over those values, and the steps worth checking.
 */
import { type AlertKey, type PackConfig } from '../config.js';
import { parseDuration } from '../duration.js';
import { type Cond } from './scenarios/builder.js';

/** The expression's value (the first condition's) when every condition but `skip` holds. */
export function expressionModel(conds: Cond[], skip = -1): (i: number) => number | undefined {
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

export interface StepState {
  firing: boolean;
  /** Value shown in annotations while firing. */
  value: number | undefined;
  /** The last active evaluation: annotations (and their live queries) were expanded then. */
  at: number;
}

/** Prometheus' alert state machine (pending -> firing, keep_firing_for) applied to a model. */
export function alertStates(
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
  let at = 0;
  const out: StepState[] = [];
  for (let i = 0; i < length; i++) {
    const v = m(i);
    if (v !== undefined) {
      at = i;
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
    out.push({ firing: state === 'firing', value: state === 'firing' ? value : undefined, at });
  }
  return out;
}

/** Steps worth checking: just before and at every change of the predicted firing state, and midway. */
export function checkpoints(states: StepState[]): number[] {
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
