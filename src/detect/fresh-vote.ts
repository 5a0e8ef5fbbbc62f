/**
 * The fresh path's vote over one window (up to 2 h): the floor rises by more than its noise, the oldest
 * sampled entry survived the window, net flow is not against it, and the growth kept its pace.
 */
import type { WindowEvidence } from './evidence.js';

const HOUR = 3_600_000;
/**
 * Pace within a window: the late half must grow at least this share of the early half. A fill of a
 * bounded key space slows down from its first minutes (a power law of exponent ~0.5-0.7); a leak's
 * growth follows its traffic, which moves far less within 2 h.
 */
const MIN_LATE_TO_EARLY = 0.7;
/** Relative growth per hour below which the pace test is not applied (see freshVote). */
const SLOW_REL_PER_HOUR = 0.01;

/** What the fresh tests found: a vote, the bound the evidence shows (if any), and whether it is paced. */
export interface FreshVote {
  readonly vote: boolean;
  readonly boundSeen: 'entries leave' | 'deletes kept pace' | undefined;
  readonly paced: boolean;
}

export function freshVote(w: WindowEvidence): FreshVote {
  const boundSeen =
    w.survived === false
      ? 'entries leave'
      : w.netPositive === false && w.rising
        ? 'deletes kept pace'
        : undefined;
  // Below 1 %/h of the map's size, churn noise swamps the halves' comparison (a net flow of 100/h
  // beside thousands of inserts and deletes an hour), and a fill that slow is close to its bound anyway.
  const slow = (w.slopePerMs * HOUR) / Math.max(w.level0, 1) < SLOW_REL_PER_HOUR;
  const paced = slow || w.lateToEarly >= MIN_LATE_TO_EARLY;
  const vote = w.rising && w.survived === true && w.netPositive !== false && paced;
  return { vote, boundSeen, paced };
}
