/** The words of a verdict: what rose, what evidence held, what is missing. */
import type { WindowEvidence } from './evidence.js';
import type { FreshVote } from './fresh-vote.js';
import { formatCount, formatDuration, formatPercent } from './format.js';

const HOUR = 3_600_000;

/** The bound the window's evidence shows, in words. */
export function describeBoundSeen(w: WindowEvidence, seen: 'entries leave' | 'deletes kept pace'): string {
  if (seen === 'deletes kept pace')
    return `deletes kept pace with inserts (${formatCount(w.inserts!)} inserts, ${formatCount(w.deletes!)} deletes in ${formatDuration(w.spanMs)})`;
  const ageMs = w.ageSeconds! * 1000;
  return !w.ageFlat
    ? `entries leave: the oldest sampled entry is ${formatDuration(ageMs)} old, younger than the ${formatDuration(w.spanMs)} window (expiry, eviction or clearing bounds it)`
    : `entries leave: the oldest sampled entry stays about ${formatDuration(ageMs)} old (${formatDuration(w.startAgeSeconds * 1000)} at the window's start): entries that old are removed all along (a TTL or eviction near that age; declare it with ttlMs)`;
}

/** Evidence a series of entries alone lacks, in the words a map's reason uses (see monitor.ts's combine). */
export const NO_AGES = 'no survival ages (sampling off): unconfirmed';

export const COUNTERS_ABSENT = 'no insert/delete counters';

/** Why a window has no net flow evidence. */
const COUNTERS_MISSING: Record<NonNullable<WindowEvidence['countersMissing']>, string> = {
  absent: COUNTERS_ABSENT,
  stale: 'insert/delete counters do not cover the window',
  inconsistent: 'insert/delete counters ignored: the entries grew more than was inserted',
};

/** Why a rising series is not (yet) a leak: the evidence that is missing or against it. */
export function describeMissing(w: WindowEvidence, fresh: FreshVote): string {
  const counters = w.countersMissing === undefined ? '' : COUNTERS_MISSING[w.countersMissing];
  // The fresh vote holds without net flow: missing counters block nothing, the hold is all that is left.
  if (fresh.vote)
    return `the evidence of a leak holds; confirming it before the verdict${counters && ` (${counters})`}`;
  const missing: string[] = [];
  if (w.survived === undefined) missing.push(NO_AGES);
  if (counters) missing.push(counters);
  if (!fresh.paced) {
    missing.push(
      `growth is slowing down: the late half of the window grew ${formatPercent(Math.max(0, w.lateToEarly))} of the early half (a cache filling?)`,
    );
  }
  if (!w.rising && missing.length === 0) missing.push('the rise is within the noise');
  return missing.join('; ');
}

export function describeRise(w: WindowEvidence): string {
  // The fitted line at the first and last blocks' centres: a rise that starts inside the window takes
  // it below zero at the start, and a floor of entries is never negative.
  const f0 = Math.max(0, Math.round(w.level0));
  const f2 = Math.max(0, Math.round(w.level1));
  const pct = f0 > 0 ? ` (${w.rise >= 0 ? '+' : ''}${formatPercent(w.rise / f0)})` : '';
  return `floor ${formatCount(f0)} -> ${formatCount(f2)}${pct} over ${formatDuration(w.spanMs)}, ${w.slopePerMs >= 0 ? '+' : ''}${formatCount(w.slopePerMs * HOUR)} entries/h`;
}

export function leakReason(w: WindowEvidence, mapAgeMs: number): string {
  const parts = [describeRise(w)];
  if (w.ageSeconds !== undefined) {
    const ageMs = w.ageSeconds * 1000;
    const asOld = ageMs >= 0.9 * mapAgeMs ? ', as old as the map' : '';
    parts.push(`oldest sampled entry ${formatDuration(ageMs)} old${asOld}`);
  } else parts.push('no survival ages');
  if (w.inserts !== undefined && w.deletes !== undefined) {
    parts.push(
      w.deletes === 0
        ? `0 deletes, ${formatCount(w.inserts)} inserts`
        : `deletes ${formatPercent(w.deletes / Math.max(w.inserts, 1))} of inserts`,
    );
  } else parts.push(COUNTERS_MISSING[w.countersMissing ?? 'absent']);
  return parts.join('; ');
}
