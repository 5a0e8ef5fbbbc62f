/**
 * The fresh path's vote over one window (up to 2 h): the floor rises by more than its noise, the oldest
 * sampled entry survived the window, net flow is not against it, the growth kept its pace, and it is
 * not one step.
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
/**
 * One step: the floor rose by more than this share of the fitted rise within two of the six blocks
 * (and see below). A steady rise puts two fifths of it there; a bulk load all of it (0,0,0,H,H,H is
 * fitted as a rise of 1.29 H, so 0.78; a jump at the window's edge, 1.4); a leak that starts within the
 * window's second half, 0.64.
 */
const STEP_SHARE_OF_RISE = 0.7;
/**
 * And that is also this large a share of the floor it starts from. Under churn of a map's whole size an
 * hour the floor's noise makes jumps of a few percent between blocks, larger than a slow leak's rise;
 * they are noise, not steps, and must not block the vote. Measured without this clause: the scenario
 * suite's slow-leak-0.5pct took 3.7 h instead of 1.9 h, and 3 of 16 runs of slow-leak-heavy-churn were
 * never flagged in 30 h.
 */
const STEP_SHARE_OF_LEVEL = 0.1;

/** What the fresh tests found: a vote, the bound the evidence shows (if any), and whether it is paced. */
export interface FreshVote {
  readonly vote: boolean;
  readonly boundSeen: 'entries leave' | 'deletes kept pace' | undefined;
  readonly paced: boolean;
  /**
   * The rise is one step: a bulk load beside entries that stay (settings loaded at start, whose age
   * reads as survival). A leak rises in more than two blocks.
   */
  readonly oneStep: boolean;
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
  const oneStep =
    w.maxStep > STEP_SHARE_OF_RISE * w.rise && w.maxStep > STEP_SHARE_OF_LEVEL * Math.max(w.level0, 0);
  const vote = w.rising && w.survived === true && w.netPositive !== false && paced && !oneStep;
  return { vote, boundSeen, paced, oneStep };
}
