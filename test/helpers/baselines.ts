/**
 * Runs the detector and the two baselines over scenarios and scores them: precision, recall, F1 and
 * detection delay per family. Used by the pinned tests and by the report that writes docs/detector.md.
 */
import { LeakDetector, type LeakDetectorOptions } from '../../src/detect/leak-detector.js';
import type { Observation, Scenario } from './scenarios.js';

/** A rule replayed over one series: returns when it first flagged (ms) or undefined. */
export type Rule = (observations: readonly Observation[]) => number | undefined;

export function detectorRule(options: LeakDetectorOptions = {}, onFlag?: (reason: string) => void): Rule {
  return (observations) => {
    const detector = new LeakDetector(options);
    for (const o of observations) {
      const v = detector.observe('s', o.t, o.entries, o.inserts, o.deletes);
      if (v.suspect) {
        onFlag?.(v.reason);
        return o.t;
      }
    }
    return undefined;
  };
}

/**
 * memwatch's rule, carried over: memwatch reports a leak after five consecutive garbage collections
 * whose post-GC heap grew. The nearest analogue of a post-GC minimum for a map is the floor of a short
 * window; here: the minimum of each 15-minute window, flagged after 5 consecutive increases.
 */
export function memwatchRule(windowMs = 15 * 60_000, increases = 5): Rule {
  return (observations) => {
    let window = -1;
    let min = Infinity;
    let prevMin = NaN;
    let streak = 0;
    for (const o of observations) {
      const w = Math.floor(o.t / windowMs);
      if (w !== window) {
        if (window >= 0) {
          streak = min > prevMin ? streak + 1 : 0;
          prevMin = min;
          if (streak >= increases) return o.t;
        }
        window = w;
        min = Infinity;
      }
      if (o.entries < min) min = o.entries;
    }
    return undefined;
  };
}

/**
 * PromQL `deriv(entries[1h]) > 0`: the least-squares slope over the last hour of samples, evaluated
 * every minute (a rule group interval), optionally required to hold `forMs` (an alert's `for:`).
 */
export function derivRule(rangeMs = 3_600_000, forMs = 0, evalMs = 60_000): Rule {
  return (observations) => {
    let lo = 0;
    let nextEval = -Infinity;
    let since: number | undefined;
    for (let hi = 0; hi < observations.length; hi++) {
      const now = observations[hi]!.t;
      if (now < nextEval) continue;
      nextEval = now + evalMs;
      while (observations[lo]!.t < now - rangeMs) lo++;
      const n = hi - lo + 1;
      // Prometheus needs two samples in range and some history.
      if (n < 2 || now - observations[0]!.t < rangeMs) continue;
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let sxy = 0;
      for (let j = lo; j <= hi; j++) {
        const x = (observations[j]!.t - now) / 1000;
        const y = observations[j]!.entries;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
      }
      const den = n * sxx - sx * sx;
      const slope = den === 0 ? 0 : (n * sxy - sx * sy) / den;
      if (slope > 0) {
        since ??= now;
        if (now - since >= forMs) return now;
      } else {
        since = undefined;
      }
    }
    return undefined;
  };
}

export interface Outcome {
  readonly scenario: Scenario;
  readonly flaggedAt: number | undefined;
  /** ms from the leak's start (positives) or from the series start (false alarms). */
  readonly delayMs: number | undefined;
}

export function runRule(rule: Rule, scenarios: readonly Scenario[]): Outcome[] {
  return scenarios.map((scenario) => {
    const flaggedAt = rule(scenario.observations);
    const start = scenario.observations[0]?.t ?? 0;
    return {
      scenario,
      flaggedAt,
      delayMs: flaggedAt === undefined ? undefined : flaggedAt - start - scenario.leakStartMs,
    };
  });
}

export interface Scores {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
}

export function score(outcomes: readonly Outcome[]): Scores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const o of outcomes) {
    const flagged = o.flaggedAt !== undefined;
    if (o.scenario.leak) {
      if (flagged) tp++;
      else fn++;
    } else if (flagged) fp++;
    else tn++;
  }
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, tn, precision, recall, f1 };
}

/** Median and worst detection delay (ms) of the flagged positives; undefined when none was flagged. */
export function delays(outcomes: readonly Outcome[]): {
  median: number | undefined;
  worst: number | undefined;
} {
  const d = outcomes
    .filter((o) => o.scenario.leak && o.delayMs !== undefined)
    .map((o) => o.delayMs!)
    .sort((a, b) => a - b);
  if (d.length === 0) return { median: undefined, worst: undefined };
  const mid = d.length >> 1;
  return { median: d.length % 2 ? d[mid]! : (d[mid - 1]! + d[mid]!) / 2, worst: d[d.length - 1]! };
}
