/**
 * Seeded scenario generators for the leak detector: every shape the detector must tell apart, with
 * noise, several sizes, rates and sampling intervals. Deterministic: the same seed gives the same series.
 *
 * Each scenario is a list of observations `(t, entries, inserts?, deletes?)`; counters are derived from
 * the entry path plus churn (entries that come and go between two samples), so they are consistent with
 * the gauge the way a real map's counters are.
 */

import { Rng } from './prng.js';
import { makers } from './scenario-shapes.js';

export { prng, Rng } from './prng.js';

export interface Observation {
  t: number;
  entries: number;
  inserts?: number;
  deletes?: number;
}

export const NEGATIVE_FAMILIES = [
  'warmup-plateau',
  'lru-capacity',
  'ttl-sawtooth',
  'periodic-clear',
  'diurnal',
  'bursty-noise',
  'bulk-load',
  'shrinking',
  'slow-warmup',
] as const;
export const POSITIVE_FAMILIES = [
  'steady-growth',
  'churn-growth',
  'diurnal-growth',
  'instance-growth',
  'late-growth',
] as const;
export type Family = (typeof NEGATIVE_FAMILIES)[number] | (typeof POSITIVE_FAMILIES)[number];

export interface Scenario {
  readonly id: string;
  readonly family: Family;
  readonly leak: boolean;
  /** Human summary of the parameters. */
  readonly params: string;
  /** When the leak starts (ms from the series start); detection delay is measured from here. */
  readonly leakStartMs: number;
  /** Base size, and the leak rate as a share of base per hour (positives). */
  readonly base: number;
  readonly relRatePerHour: number;
  /** Sample-to-sample Gaussian jitter as a share of base (0 when the noise has another shape). */
  readonly jitter?: number;
  readonly observations: Observation[];
}

export const T0 = Date.UTC(2024, 0, 1);

export function scenarios(family: Family, count: number, seed = 1): Scenario[] {
  const out: Scenario[] = [];
  for (let i = 0; i < count; i++) {
    const rng = new Rng(seed * 1_000_003 + i * 7919 + family.length * 31 + family.charCodeAt(0));
    out.push({ id: `${family}#${i}`, family, ...makers[family](rng, i) });
  }
  return out;
}

export function allScenarios(perFamily: number, seed = 1): Scenario[] {
  return [...NEGATIVE_FAMILIES, ...POSITIVE_FAMILIES].flatMap((f) => scenarios(f, perFamily, seed));
}
