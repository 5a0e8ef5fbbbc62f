/** The words of a verdict: what rose, what evidence held, what is missing. */
import type { WindowEvidence } from './evidence.js';
import type { FreshVote } from './fresh-vote.js';
import { formatCount, formatDuration, formatPercent } from './format.js';

const HOUR = 3_600_000;

/** The bound the window's evidence shows, in words. */
export function describeBoundSeen(w: WindowEvidence, seen: 'entries leave' | 'deletes kept pace'): string {
  return seen === 'entries leave'
    ? `entries leave: the oldest sampled entry is ${formatDuration(w.ageSeconds! * 1000)} old, younger than the ${formatDuration(w.spanMs)} window (expiry, eviction or clearing bounds it)`
    : `deletes kept pace with inserts (${formatCount(w.inserts!)} inserts, ${formatCount(w.deletes!)} deletes in ${formatDuration(w.spanMs)})`;
}

/** Why a rising series is not (yet) a leak: the evidence that is missing or against it. */
export function describeMissing(w: WindowEvidence, fresh: FreshVote): string {
  const missing: string[] = [];
  if (w.survived === undefined) missing.push('no survival ages (sampling off): unconfirmed');
  if (w.netPositive === undefined) missing.push('no insert/delete counters');
  if (!fresh.paced) {
    missing.push(
      `growth is slowing down: the late half of the window grew ${formatPercent(Math.max(0, w.lateToEarly))} of the early half (a cache filling?)`,
    );
  }
  if (!w.rising && missing.length === 0) missing.push('the rise is within the noise');
  if (fresh.vote && missing.length === 0)
    missing.push('the evidence of a leak holds; confirming it before the verdict');
  return missing.join('; ');
}

export function describeRise(w: WindowEvidence): string {
  const f0 = Math.round(w.level0);
  const f2 = Math.round(w.level1);
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
  } else parts.push('no insert/delete counters');
  return parts.join('; ');
}
