/**
 * The lock verdict of `/debug/maps`: what the registry's numbers for a name's lock say now, judged with the
 * thresholds of the shipped lock alerts (`lock` in the pack config: `MapwatchLockStuck`,
 * `MapwatchLockStorm`), over the debug page's short server-side history (see debug-history.ts).
 *
 * The states, strongest first (one sentence each, as in docs/debug-page.md):
 * - `stuck`: tasks waited in every sample of the last `stuckSeconds` (the pack's `lock.stuckWindow`,
 *   5 min) and the lock was not granted once in that time, as `MapwatchLockStuck`.
 * - `storm`: at least `stormWaiters` (10) tasks wait now, or over the last `windowSeconds` (the pack's
 *   `lock.window`, 5 min) the waiting time accrued per second (the mean number of waiting tasks) reached
 *   `stormWaiters` while each contended acquisition waited `stormMeanWaitSeconds` (0.1 s) or more on
 *   average, as `MapwatchLockStorm`.
 * - `waits`: some task waits now, or some acquisition waited, timed out or was aborted within the window.
 * - `ok`: the name has a lock and nothing waited on it within the window.
 *
 * A name without a lock has no lock verdict (null). Waiting time is credited when a wait ends, so a queue
 * that is long right now shows in the waiter count first: that is why `storm` also reads the waiters now.
 */
import { defaultConfig } from '../pack/config.js';
import { parseDuration } from '../pack/duration.js';
import type { NameSnapshot } from '../registry.js';
import { describeValue } from '../describe-value.js';

export const LOCK_VERDICT_STATES = ['ok', 'waits', 'storm', 'stuck'] as const;
export type LockVerdictState = (typeof LOCK_VERDICT_STATES)[number];

export interface LockVerdictThresholds {
  /** Tasks waiting (now, or on average over the window) from which the lock storms. */
  stormWaiters: number;
  /** ...where, for the average over the window, each contended acquisition waited this long (s). */
  stormMeanWaitSeconds: number;
  /** Waiters in every sample for this long, and no grant: the lock is stuck (s). */
  stuckSeconds: number;
  /** Window of the rates (s). */
  windowSeconds: number;
}

/** The shipped alerts' thresholds (`defaultConfig.lock`), so the page and the pager agree. */
export const DEFAULT_LOCK_THRESHOLDS: Readonly<LockVerdictThresholds> = Object.freeze({
  stormWaiters: defaultConfig.lock.stormWaiters,
  stormMeanWaitSeconds: defaultConfig.lock.stormMeanWaitSeconds,
  stuckSeconds: parseDuration(defaultConfig.lock.stuckWindow),
  windowSeconds: parseDuration(defaultConfig.lock.window),
});

/** Checks and completes partial thresholds (a RangeError names the bad one). */
export function lockThresholds(partial: Partial<LockVerdictThresholds> = {}): LockVerdictThresholds {
  if (typeof partial !== 'object' || partial === null) {
    throw new TypeError('mapwatch: debug.lock must be an object like { stormWaiters: 10 }');
  }
  const out = { ...DEFAULT_LOCK_THRESHOLDS };
  for (const key of Object.keys(DEFAULT_LOCK_THRESHOLDS) as (keyof LockVerdictThresholds)[]) {
    const v = partial[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new RangeError(`mapwatch: debug.lock.${key} must be a positive number, got ${describeValue(v)}`);
    }
    out[key] = v;
  }
  return out;
}

/** A name's lock numbers at one moment: the waiters now and cumulative counters. */
export interface LockSample {
  /** ms since the epoch. */
  t: number;
  waiters: number;
  /** Grants, both modes, contended or not. */
  granted: number;
  /** Grants that had to wait, both modes. */
  contended: number;
  /** Acquisitions abandoned by timeout or abort. */
  abandoned: number;
  /** Seconds spent waiting (granted and abandoned waits), both modes. */
  waitSeconds: number;
}

/** The one place that reads the registry's lock counters. */
export function lockSampleOf(n: NameSnapshot, t: number): LockSample | undefined {
  const l = n.lock;
  if (l === undefined) return undefined;
  return {
    t,
    waiters: l.waiters,
    granted: l.read.uncontended + l.read.contended + l.write.uncontended + l.write.contended,
    contended: l.read.contended + l.write.contended,
    abandoned: l.timeouts,
    waitSeconds: l.read.waitSeconds + l.write.waitSeconds,
  };
}

export interface LockVerdict {
  state: LockVerdictState;
  /** One line naming the evidence. */
  reason: string;
  waiters: number;
  /** Seconds waited per second over the window (the mean number of waiting tasks), or null without history. */
  waitingPerSecond: number | null;
  /** Mean wait of a contended (or abandoned) acquisition over the window, s, or null without one. */
  meanWaitSeconds: number | null;
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });

const NBSP = '\u00a0';

function span(seconds: number): string {
  if (seconds >= 3600) return `${fmt(seconds / 3600, 1)}${NBSP}h`;
  if (seconds >= 60) return `${fmt(seconds / 60, 1)}${NBSP}min`;
  if (seconds >= 1) return `${fmt(seconds, 1)}${NBSP}s`;
  return `${fmt(seconds * 1000, 1)}${NBSP}ms`;
}

const tasks = (n: number): string => (n === 1 ? '1 task' : `${fmt(n)} tasks`);

/**
 * The latest sample at or before `t`, or the oldest one when all are younger (the history is shorter
 * than the window). `samples` is oldest first.
 */
function baseAt(samples: readonly LockSample[], t: number): LockSample {
  let base = samples[0]!;
  for (const s of samples) {
    if (s.t > t) break;
    base = s;
  }
  return base;
}

/**
 * Judges a lock from its samples, oldest first, the last one being now. Pure; `th` from `lockThresholds`.
 */
export function lockVerdict(samples: readonly LockSample[], th: LockVerdictThresholds): LockVerdict {
  const now = samples[samples.length - 1];
  if (now === undefined) throw new RangeError('mapwatch: lockVerdict needs at least one sample');

  // Rates over the window (or what the history has of it).
  const base = baseAt(samples, now.t - th.windowSeconds * 1000);
  const dt = (now.t - base.t) / 1000;
  const dWait = Math.max(0, now.waitSeconds - base.waitSeconds);
  const dWaited = Math.max(0, now.contended - base.contended) + Math.max(0, now.abandoned - base.abandoned);
  const waitingPerSecond = dt > 0 ? dWait / dt : null;
  const meanWaitSeconds = dWaited > 0 ? dWait / dWaited : dWait > 0 ? Infinity : null;
  const verdict = (state: LockVerdictState, reason: string): LockVerdict => ({
    state,
    reason,
    waiters: now.waiters,
    waitingPerSecond,
    meanWaitSeconds: meanWaitSeconds === Infinity ? null : meanWaitSeconds,
  });

  // Stuck: waiters in every sample since the last one at or before now - stuckSeconds, and no grant since.
  const stuckFrom = now.t - th.stuckSeconds * 1000;
  if (now.waiters > 0 && samples[0]!.t <= stuckFrom) {
    const from = baseAt(samples, stuckFrom);
    let waitedThroughout = true;
    for (const s of samples) if (s.t >= from.t && s.waiters <= 0) waitedThroughout = false;
    if (waitedThroughout && now.granted === from.granted) {
      return verdict(
        'stuck',
        `${tasks(now.waiters)} waiting, and the lock was not granted once in ${span((now.t - from.t) / 1000)}: a holder never released it`,
      );
    }
  }

  if (now.waiters >= th.stormWaiters) {
    return verdict('storm', `${tasks(now.waiters)} waiting now (a storm from ${fmt(th.stormWaiters)})`);
  }
  const window = span(dt);
  const meanText =
    meanWaitSeconds === null || meanWaitSeconds === Infinity
      ? ''
      : `, ${span(meanWaitSeconds)} per contended wait`;
  if (
    waitingPerSecond !== null &&
    waitingPerSecond >= th.stormWaiters &&
    meanWaitSeconds !== null &&
    meanWaitSeconds >= th.stormMeanWaitSeconds
  ) {
    return verdict('storm', `${fmt(waitingPerSecond, 1)} tasks waiting on average over ${window}${meanText}`);
  }
  if (now.waiters > 0) return verdict('waits', `${tasks(now.waiters)} waiting now`);
  if (dWaited > 0 || dWait > 0) {
    const timeouts = Math.max(0, now.abandoned - base.abandoned);
    const abandoned = timeouts > 0 ? `, ${fmt(timeouts)} timed out or aborted` : '';
    return verdict(
      'waits',
      `${fmt(Math.max(0, now.contended - base.contended))} contended in ${window}${meanText}${abandoned}`,
    );
  }
  return verdict('ok', dt > 0 ? `no task waited in ${window}` : 'no task waiting');
}
