/**
 * A rise made in one step (a bulk load) is no leak until a step repeats: the detector's step test
 * (evidence.ts findStep, leak-detector.ts noteStep), fed minute by minute from a map's first minute.
 */
import { describe, expect, it } from 'vitest';
import { LeakDetector } from '../../src/detect/leak-detector.js';
import type { LeakState } from '../../src/conventions.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

/**
 * A map with `base` entries kept from the start (its oldest entry as old as the map unless `oldestAgeMs`
 * says otherwise), a churn of about 1,200 entries that come and go (a 20-min TTL at 60/min, with some
 * wobble), and `kept(t)` more entries loaded at moments and never removed. Returns the state and reason
 * at every minute.
 */
function run(
  hours: number,
  kept: (tMs: number) => number,
  base = 5_000,
  oldestAgeMs: (tMs: number) => number = (t) => t,
): { states: LeakState[]; reasons: string[] } {
  const d = new LeakDetector();
  const states: LeakState[] = [];
  const reasons: string[] = [];
  let churnInserts = 0;
  for (let m = 0; m <= hours * 60; m++) {
    const t = m * MIN;
    churnInserts += 60;
    const churnLive = Math.min(m, 20) * 60 + Math.round(25 * Math.sin(m / 7));
    const v = d.observe('m', T0 + t, {
      entries: base + kept(t) + churnLive,
      inserts: base + kept(t) + churnInserts,
      deletes: churnInserts - churnLive,
      oldestAgeSeconds: oldestAgeMs(t) / 1000,
    });
    states.push(v.state);
    reasons.push(v.reason);
  }
  return { states, reasons };
}

const firstLeakMin = (states: LeakState[]) => states.indexOf('leak');

describe('a rise in one step', () => {
  it('a one-off bulk load beside a base kept from the start is growing, never leak', () => {
    const { states, reasons } = run(10, (t) => (t >= HOUR ? 20_000 : 0));
    expect(firstLeakMin(states)).toBe(-1);
    const step = reasons.findIndex((r) => /one step of/.test(r));
    expect(step, 'the load shows as a step').toBeGreaterThan(60);
    expect(states[step]).toBe('growing');
    expect(reasons[step]).toMatch(
      /one step of \+(19,9\d\d|20,0\d\d) entries about .+ ago between flat floors/,
    );
    expect(states.at(-1)).toBe('ok');
  });

  it('a load that takes minutes, across a bucket boundary, is a step too', () => {
    // 5,000 a minute from 0:59 to 1:02: the 5-min bucket floors rise in two moves, not one.
    const load = (t: number) => Math.min(20_000, Math.max(0, Math.floor(t / MIN) - 58) * 5_000);
    const { states, reasons } = run(10, load);
    expect(firstLeakMin(states)).toBe(-1);
    expect(reasons.some((r) => /one step of \+(19|20),\d{3} entries/.test(r))).toBe(true);
  });

  it('the same loads every 2 h are a leak once the second one lands', () => {
    const batches = (t: number) => (t >= HOUR ? 4_000 * (1 + Math.floor((t - HOUR) / (2 * HOUR))) : 0);
    const { states, reasons } = run(10, batches);
    const leakAt = firstLeakMin(states);
    expect(leakAt, 'not before the second batch (3 h)').toBeGreaterThanOrEqual(3 * 60);
    expect(leakAt, 'within the hold and a bucket of the second batch').toBeLessThanOrEqual(4 * 60);
    expect(reasons[leakAt]).toMatch(/oldest sampled entry .+ old/);
    // Held from the sixth hour, once the six-hour hold window is observed. Before it, a 2-h window that
    // has just let one batch go as the next lands reads flat for a moment (batches exactly a window apart).
    expect(states.slice(6 * 60).every((s) => s === 'leak')).toBe(true);
  });

  it('batches in a map that keeps nothing else: the first batch counts before its entries are old', () => {
    // No base: survival comes from the first batch only once it is older than the window, long after it
    // landed. The first batch must still be remembered, so the second is a repeat.
    const batches = (t: number) => (t >= HOUR ? 4_000 * (1 + Math.floor((t - HOUR) / (2 * HOUR))) : 0);
    // Its oldest entry: the churn's (20 min at most) until the first batch, then the first batch's.
    const oldest = (t: number) => (t >= HOUR ? t - HOUR : Math.min(t, 20 * MIN));
    const { states } = run(10, batches, 0, oldest);
    const leakAt = firstLeakMin(states);
    expect(leakAt, 'after the second batch (3 h)').toBeGreaterThanOrEqual(3 * 60);
    expect(leakAt, 'not held back to the third batch (5 h)').toBeLessThan(5 * 60);
  });

  it('two loads further apart than six hours are two loads', () => {
    const loads = (t: number) => (t >= HOUR ? 20_000 : 0) + (t >= 8 * HOUR ? 20_000 : 0);
    const { states } = run(14, loads);
    expect(firstLeakMin(states)).toBe(-1);
  });

  it('a leak that starts late in a running map is a ramp, not a step', () => {
    // 2,000 entries an hour from 5 h beside 5,000: inside a window it starts flat, then rises.
    const { states, reasons } = run(9, (t) =>
      t >= 5 * HOUR ? Math.round((2_000 * (t - 5 * HOUR)) / HOUR) : 0,
    );
    expect(reasons.filter((r) => /one step of/.test(r))).toEqual([]);
    const leakAt = firstLeakMin(states);
    expect(leakAt).toBeGreaterThan(5 * 60);
    expect(leakAt).toBeLessThanOrEqual(7 * 60);
  });

  it('a huge step, or one past what the detector takes, is read without throwing and is no leak', () => {
    // 1e15 is taken: a step like any other, and its reason says how big. Past 2^53 a count is no map's and
    // is ignored like a NaN (1e39 and up once reached the rings' 32-bit floats as Infinity, floors NaN).
    for (const size of [1e15, 1e30, 1e300, Number.MAX_VALUE]) {
      const { states, reasons } = run(6, (t) => (t >= HOUR ? size : 0));
      expect(firstLeakMin(states), `${size}`).toBe(-1);
      expect(reasons.every((r) => typeof r === 'string' && r.length > 0)).toBe(true);
      expect(reasons.filter((r) => /NaN|Infinity/.test(r))).toEqual([]);
      // 1e15 in the rings' 32-bit floats is about 999,999,990,000,000: written out, not in exponent form.
      if (size === 1e15)
        expect(reasons.some((r) => /one step of \+99\d(,\d{3}){4} entries/.test(r))).toBe(true);
      else expect(reasons.some((r) => /one step of/.test(r))).toBe(false);
    }
  });

  it('a steady rise is no step: the same growth spread over the hours is a leak within 3 h', () => {
    // As much as the batches add over 8 h, at a steady pace from 1 h.
    const { states } = run(8, (t) => (t >= HOUR ? Math.round((2_000 * (t - HOUR)) / HOUR) : 0));
    const leakAt = firstLeakMin(states);
    expect(leakAt).toBeGreaterThan(60);
    expect(leakAt).toBeLessThanOrEqual(4 * 60);
  });
});
