/**
 * The detector's evidence, each piece a small test a maintainer can state in one sentence:
 *
 * - **floor**: the lowest entry count of each third of the window rises, third after third, by more than
 *   noise (whatever comes and goes, a leak leaves entries behind that never leave);
 * - **survival**: the oldest sampled entry is older than the window (nothing that old was removed during
 *   it); a map bounded by TTL, eviction or clearing keeps its oldest entries younger than its bound;
 * - **net flow**: inserts outpaced deletes (all causes) over the window by at least half the floor's rise;
 * - **pace**: the growth kept its pace: the late half of the window grew nearly as much as the early
 *   half (a cache filling a bounded key space slows down as it fills; a leak does not);
 * - **bound**: a declared `maxEntries` not exceeded, or a declared TTL that the oldest entry respects.
 *
 * This module only measures; the detector (leak-detector.ts) combines the pieces into a state.
 */
import type { BucketEvidence, BucketRing } from './ring.js';

/** What one evaluation of a window found. `undefined` fields are evidence that was not available. */
export interface WindowEvidence {
  readonly spanMs: number;
  readonly floors: readonly [number, number, number];
  /** floors[2] - floors[0]. */
  readonly rise: number;
  /** Smallest rise that counts (absolute and relative to the base floor). */
  readonly threshold: number;
  /** Floors rise third after third, by at least the threshold overall. */
  readonly rising: boolean;
  /** Growth of the floor between the first and last thirds' centres, entries per ms. */
  readonly slopePerMs: number;
  readonly entries: number;
  readonly ageSeconds: number | undefined;
  /** The oldest sampled entry is older than `minSurvival` of the window. */
  readonly survived: boolean | undefined;
  readonly inserts: number | undefined;
  readonly deletes: number | undefined;
  /** Net inserts cover at least `minNetShare` of the floor's rise, and are positive. */
  readonly netPositive: boolean | undefined;
  /** Late half over early half of the window's growth (net flow, or entries without counters). */
  readonly lateToEarly: number;
}

export interface EvidenceSettings {
  readonly minAbsRise: number;
  readonly minRelRise: number;
  readonly minSurvival: number;
  readonly minNetShare: number;
}

/**
 * Measures the window of buckets [from, to] of `ring` (complete buckets). `start` is the evidence at the
 * window's opening instant, `end` at its last observation; times are ms. Returns undefined when a third
 * of the window holds no observation (a gap: no evidence either way).
 */
export function measureWindow(
  ring: BucketRing,
  from: number,
  to: number,
  start: { atMs: number; ev: BucketEvidence },
  end: { atMs: number; ev: BucketEvidence },
  hasCounters: boolean,
  settings: EvidenceSettings,
): WindowEvidence | undefined {
  const n = to - from + 1;
  if (n < 3) return undefined;
  const third = Math.floor(n / 3);
  const f0 = ring.minOver(from, from + third - 1);
  const f1 = ring.minOver(from + third, to - third);
  const f2 = ring.minOver(to - third + 1, to);
  if (Number.isNaN(f0) || Number.isNaN(f1) || Number.isNaN(f2)) return undefined;
  const spanMs = end.atMs - start.atMs;
  const rise = f2 - f0;
  const threshold = Math.max(settings.minAbsRise, settings.minRelRise * Math.max(f0, 0));
  const rising = f1 > f0 && f2 > f1 && rise >= threshold;
  const centresMs = ((n - third) / n) * spanMs;
  const slopePerMs = centresMs > 0 ? rise / centresMs : 0;

  const ageSeconds = Number.isNaN(end.ev.ageSeconds) ? undefined : end.ev.ageSeconds;
  const survived = ageSeconds === undefined ? undefined : ageSeconds * 1000 >= settings.minSurvival * spanMs;

  let inserts: number | undefined;
  let deletes: number | undefined;
  let netPositive: boolean | undefined;
  if (hasCounters) {
    inserts = end.ev.inserts - start.ev.inserts;
    deletes = end.ev.deletes - start.ev.deletes;
    const net = inserts - deletes;
    netPositive = inserts > 0 && net > 0 && net >= settings.minNetShare * rise;
  }

  // Pace: growth as net flow where counters exist (exact), else as the entry count's change.
  const grown = (ev: BucketEvidence): number => (hasCounters ? ev.inserts - ev.deletes : ev.entries);
  const mid = ring.evidenceAtOrBefore(from + Math.floor(n / 2) - 1, from);
  const early = mid ? grown(mid) - grown(start.ev) : NaN;
  const late = mid ? grown(end.ev) - grown(mid) : NaN;
  const lateToEarly = early > 0 ? late / early : late > 0 ? Infinity : 0;
  return {
    spanMs,
    floors: [f0, f1, f2],
    rise,
    threshold,
    rising,
    slopePerMs,
    entries: end.ev.entries,
    ageSeconds,
    survived,
    inserts,
    deletes,
    netPositive,
    lateToEarly,
  };
}
