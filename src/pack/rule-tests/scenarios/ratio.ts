/**
 * The two conditions the rate-ratio alerts share (failing loads, ineffective cache, load stampede,
 * promotion churn, lock storm): a ratio of two rates over the alert's window passes a threshold, and a
 * rate over the same window is high enough to matter.
 */
import { type PackConfig } from '../../config.js';
import { type Sim } from '../promsim.js';
import { holds, steps, type Builder, type Cond } from './builder.js';
import { mapInputs, type AlertModel } from './common.js';

/** A metric and label matchers; the series are those of one map (or target). */
export type Selector = readonly [name: string, labels?: Record<string, string>];

export interface RatioSpec {
  /** The window of every rate in the rule (a config duration). */
  window: string;
  /** `rate(part) / rate(whole)` must pass `ratioOk`. */
  part: Selector;
  whole: Selector;
  ratioOk: (v: number) => boolean;
  /** `rate(volume)` must pass `volumeOk`. */
  volume: Selector;
  volumeOk: (v: number) => boolean;
  /** The rule puts the volume condition first (the lock storm: tasks waiting, then the mean wait). */
  volumeFirst?: boolean;
}

/**
 * The ratio and the volume condition of one map (or target), in rule order. The ratio divides as PromQL
 * does: x / 0 is +Inf for x > 0, and 0 / 0 is NaN, which passes no threshold.
 */
export function ratioConditions(
  c: PackConfig,
  sim: Sim,
  b: Builder,
  e: string,
  gen: string | undefined,
  spec: RatioSpec,
): Cond[] {
  const { rate } = mapInputs(c, sim, b, e, gen);
  const W = steps(c, spec.window);
  const series = ([name, labels]: Selector) => b.all(name, labels, e);
  const [part, whole, volume] = [series(spec.part), series(spec.whole), series(spec.volume)];
  const ratioCond: Cond = (i) => {
    const [x, t] = [rate(part, i, W), rate(whole, i, W)];
    return x === undefined || t === undefined ? undefined : holds(x / t, spec.ratioOk);
  };
  const volumeCond: Cond = (i) => holds(rate(volume, i, W), spec.volumeOk);
  return spec.volumeFirst ? [volumeCond, ratioCond] : [ratioCond, volumeCond];
}

/** The `conditions` of an alert model whose rule is exactly a ratio and a volume condition. */
export const ratioModelConditions =
  (specOf: (c: PackConfig) => RatioSpec): AlertModel['conditions'] =>
  (c, sim, _key, b, e, gen) =>
    ratioConditions(c, sim, b, e, gen, specOf(c));
