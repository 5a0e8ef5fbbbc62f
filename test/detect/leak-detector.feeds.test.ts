/**
 * The detector on feeds its own tests did not make (found by a bug hunt from outside): observations
 * further apart than the fresh window's blocks, a hold measured at any sampling interval, counters that
 * stop arriving or never move, a rise that starts inside the window, and an instance count's reason.
 * Each case failed before: a leak `collecting` for days ("a verdict needs 1.25 h" after 4 d), a hold of
 * 40 min at a 10-min interval, a 10 %/h leak `ok` for 48 h ("deletes kept pace: 0 inserts, 0 deletes"),
 * "floor -218", and "sampling off" for a series that can never have ages.
 */
import { describe, expect, it } from 'vitest';
import { LeakDetector, type LeakVerdictDetail, type Observation } from '../../src/detect/leak-detector.js';
import { combine } from '../../src/detect/monitor.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);

/** Verdicts of `obs(minute)` fed every `step` minutes up to `minutes`, by minute. */
function feed(minutes: number, obs: (m: number) => Observation, step = 1): Map<number, LeakVerdictDetail> {
  const d = new LeakDetector();
  const out = new Map<number, LeakVerdictDetail>();
  for (let m = 0; m <= minutes; m += step) out.set(m, d.observe('s', T0 + m * MIN, obs(m)));
  return out;
}
const first = (v: Map<number, LeakVerdictDetail>, test: (x: LeakVerdictDetail) => boolean) =>
  [...v].find(([, x]) => test(x))?.[0];

/** A leak of 600 entries an hour, never deleted, every entry kept, with counters and ages. */
const leak = (m: number): Observation => ({
  entries: 10 * m,
  inserts: 10 * m,
  deletes: 0,
  oldestAgeSeconds: m * 60,
});

describe('observations further apart than the fresh window can read', () => {
  it.each([20, 30, 60])(
    'every %i min: a leak is confirmed by the day-long window, never collecting for days',
    (step) => {
      const v = feed(3 * 24 * 60, leak, step);
      const leakAt = first(v, (x) => x.state === 'leak');
      expect(leakAt).toBeDefined();
      expect(leakAt!).toBeLessThanOrEqual(26 * 60 + step);
      // Before it, a reason that never contradicts itself ("4 d observed, a verdict needs 1.25 h").
      for (const [m, x] of v) {
        if (m >= 75 && x.state === 'collecting') expect(x.reason, `minute ${m}`).toMatch(/window has a gap/);
      }
    },
  );

  it('a bounded map sampled every hour is ok from the day-long window, not collecting for ever', () => {
    // A TTL cache at its steady state: the oldest entry is never older than 30 min, deletes keep pace.
    const v = feed(
      2 * 24 * 60,
      (m) => ({ entries: 5000, inserts: 100 * m, deletes: 100 * m, oldestAgeSeconds: 1800 }),
      60,
    );
    const last = [...v.values()].at(-1)!;
    expect(last.state).toBe('ok');
    expect([...v.values()].some((x) => x.state === 'leak')).toBe(false);
  });
});

describe('the hold before leak', () => {
  it.each([1, 5, 10])(
    'is holdMs of time (20 min), not a count of evaluations, at a %i-min interval',
    (step) => {
      const v = feed(8 * 60, leak, step);
      const holds = first(
        v,
        (x) => x.state === 'growing' && x.reason.includes('the evidence of a leak holds'),
      );
      const leakAt = first(v, (x) => x.state === 'leak');
      expect(holds).toBeDefined();
      expect(leakAt! - holds!).toBe(20);
    },
  );
});

describe('insert/delete counters that cannot be read as net flow', () => {
  /** +100 entries an hour from 5,000, every entry kept, ages as old as the map. */
  const growing = (m: number, counters: { inserts: number; deletes: number } | undefined): Observation => ({
    entries: 5000 + Math.round((100 * m) / 60),
    oldestAgeSeconds: m * 60,
    ...counters,
  });

  it.each([
    [
      'stop arriving after 10 min',
      (m: number) => (m <= 10 ? { inserts: 2 * m, deletes: 0 } : undefined),
      /do not cover the window/,
    ],
    [
      'never move while the entries rise',
      () => ({ inserts: 0, deletes: 0 }),
      /ignored: the entries grew more than was inserted/,
    ],
  ])('%s: the leak is still confirmed, and the reason says why they were not used', (_, counters, why) => {
    const v = feed(48 * 60, (m) => growing(m, counters(m)));
    const states = new Set([...v.values()].map((x) => x.state));
    expect(states.has('leak')).toBe(true);
    expect([...v.values()].at(-1)!.state).toBe('leak');
    expect([...v.values()].at(-1)!.reason).toMatch(why);
    expect([...v.values()].some((x) => /deletes kept pace/.test(x.reason))).toBe(false);
  });
});

describe('reasons', () => {
  it('never print a negative floor when the rise starts inside the window', () => {
    // Empty for 200 min, then 1,200 entries an hour: the fitted line starts below zero.
    const v = feed(6 * 60, (m) => {
      const entries = m <= 200 ? 0 : 20 * (m - 200);
      return { entries, inserts: entries, deletes: 0 };
    });
    const floors = [...v.values()].flatMap((x) => [
      ...(/floor (-?[\d,]+) -> (-?[\d,]+)/.exec(x.reason)?.slice(1) ?? []),
    ]);
    expect(floors.length).toBeGreaterThan(10);
    expect(floors.filter((f) => f.startsWith('-'))).toEqual([]);
  });

  it('of an instance count do not say "sampling off": such a series never has ages or counters', () => {
    const entries: LeakVerdictDetail = {
      state: 'ok',
      suspect: false,
      growthPerSecond: 0,
      reason: 'no growth',
    };
    const v = feed(180, (m) => ({ entries: 30 + Math.floor(m / 2) }));
    const instances = v.get(180)!;
    expect(instances.state).toBe('growing');
    const reason = combine(entries, instances).reason;
    expect(reason).toMatch(
      /^instances: floor [\d,]+ -> [\d,]+ .*instances\/h; a count of live maps, confirmed only by the day-long window; entries: no growth$/,
    );
    expect(reason).not.toMatch(/sampling off|counters/);
  });
});
