/**
 * Which holds of a named lock are timed, and how much each timed one counts.
 *
 * A clock read costs about as much as a whole uncontended acquire+release (one `performance.now()` is
 * ~50 ns on Node 20, an await-and-release 50-200 ns), so timing every hold would more than double the
 * price of a named lock. The rule, decided when the hold is granted (so the estimate stays unbiased):
 * - a contended grant reads the clock anyway (its wait must be exact): its hold is timed, weight 1;
 * - an uncontended grant on a lock in "exact" mode is timed, weight 1. A lock is in exact mode while its
 *   last timed hold lasted EXACT_HOLD_SECONDS or more: two clock reads are then at most ~0.1 % of a hold,
 *   and long holds, the ones that make a lock busy, are measured exactly rather than estimated;
 * - otherwise an uncontended grant is timed with probability 1/HOLD_SAMPLE_EVERY, independently of every
 *   other grant, and a timed one counts HOLD_SAMPLE_EVERY times its duration.
 * Each hold's expected contribution is its true duration, so the hold total is an unbiased estimate of
 * the true total, exact for contended and long holds. Independent draws (geometric gaps from Math.random,
 * not "every Nth grant") keep a periodic workload from being sampled on one phase only.
 *
 * A hold carries its decision as a number, the token: UNTIMED, a grant time (weight 1), or a sampled
 * grant time stored as SAMPLED - time (weight HOLD_SAMPLE_EVERY). Tokens never equal RWLock's NOT_FREE
 * (-2), which sits between UNTIMED and SAMPLED.
 */

/** Mean number of short uncontended grants per timed one; also the weight of a timed one. */
export const HOLD_SAMPLE_EVERY = 32;

/** A timed hold at least this long (seconds) puts its lock in exact mode until one is shorter. */
export const EXACT_HOLD_SECONDS = 0.0001;

/** The token of a hold that is not timed. */
export const UNTIMED = -1;

/** Sampled tokens are SAMPLED - grantTime, so <= SAMPLED (performance.now() is never negative). */
const SAMPLED = -3;

const LOG_UNSAMPLED = Math.log(1 - 1 / HOLD_SAMPLE_EVERY);

/** Short uncontended grants left until the next timed one; one process-wide stream for every lock. */
let countdown = nextGap();

/** The token of an uncontended grant; `exact` is the lock's mode. */
export function uncontendedHold(exact: boolean): number {
  if (exact) return performance.now();
  if (--countdown > 0) return UNTIMED;
  countdown = nextGap();
  return SAMPLED - performance.now();
}

/** How long (seconds, unweighted) the timed hold of `token` has lasted until now. */
export function heldSeconds(token: number): number {
  const grantedAt = token <= SAMPLED ? SAMPLED - token : token;
  return (performance.now() - grantedAt) / 1000;
}

/** How many times the timed hold of `token` counts. */
export function holdWeight(token: number): number {
  return token <= SAMPLED ? HOLD_SAMPLE_EVERY : 1;
}

/** A geometric gap (>= 1, mean HOLD_SAMPLE_EVERY): the number of Bernoulli(1/N) trials up to a success. */
function nextGap(): number {
  // 1 - Math.random() is in (0, 1], so the log is finite and <= 0. `| 0` keeps the countdown a small
  // integer (Smi): a module-level binding holding a double is boxed, and every decrement would allocate.
  // The cap keeps it far below 2^31; no draw reaches it in practice (P(gap > 1e6) = (31/32)^1e6).
  return (1 + Math.min(Math.floor(Math.log(1 - Math.random()) / LOG_UNSAMPLED), 1e6)) | 0;
}
