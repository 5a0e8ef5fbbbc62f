/**
 * The leak detector's gates that no other test pins (issue #17, item 9): the day-long path's minimum
 * rise and steadiness, the verdict's fields in every state, and the counter arithmetic (a counter that
 * starts high or restarts changes nothing).
 */
import { describe, expect, it } from 'vitest';
import { LeakDetector, type LeakVerdictDetail, type Observation } from '../../src/detect/leak-detector.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

interface Step {
  atMs: number;
  verdict: LeakVerdictDetail;
}

/** Feeds `obs(hour)` every 5 minutes for `hours` and returns every verdict. */
function feed(hours: number, obs: (h: number) => Observation, d = new LeakDetector()): Step[] {
  const steps: Step[] = [];
  for (let m = 0; m <= hours * 60; m += 5) {
    steps.push({ atMs: T0 + m * MIN, verdict: d.observe('s', T0 + m * MIN, obs(m / 60)) });
  }
  return steps;
}

const states = (steps: Step[]) => new Set(steps.map((s) => s.verdict.state));
const firstLeakHour = (steps: Step[]) => {
  const hit = steps.find((s) => s.verdict.state === 'leak');
  return hit === undefined ? undefined : (hit.atMs - T0) / HOUR;
};

describe('the day-long path (entries alone)', () => {
  // Without survival ages or counters, only the day-long window can confirm a leak.
  const linear = (perDay: number) => (h: number) => ({
    entries: Math.round(100_000 * (1 + (perDay * h) / 24)),
  });

  it('confirms a floor rising 5 % a day after a day, and says it read the day', () => {
    const steps = feed(36, linear(0.05));
    const at = firstLeakHour(steps);
    expect(at).toBeDefined();
    expect(at!).toBeGreaterThanOrEqual(24);
    expect(at!).toBeLessThanOrEqual(26);
    const v = steps.at(-1)!.verdict;
    expect(v.state).toBe('leak');
    expect(v.reason).toMatch(/^over 1 d: floor /);
    expect(v.reason).toContain('no survival ages; no insert/delete counters');
  });

  it('does not page for a floor rising 2 % a day: drift of a bounded map, below the 3 % a day it needs', () => {
    const steps = feed(72, linear(0.02));
    expect(states(steps).has('leak')).toBe(false);
  });

  it('does not page for a tiny map whose floor gains 2 entries a day: below the 3 entries it needs', () => {
    const steps = feed(72, (h) => ({ entries: 50 + Math.floor((3 * h) / 24) }));
    expect(states(steps).has('leak')).toBe(false);
    // The same shape, ten times larger, is a leak of 6 % a day.
    const larger = feed(36, (h) => ({ entries: 10 * (50 + Math.floor((3 * h) / 24)) }));
    expect(states(larger).has('leak')).toBe(true);
  });

  it('does not page for bulk loads: two steps of 5,000 a day apart, with a trickle in between', () => {
    const steps = feed(72, (h) => ({
      entries: 100_000 + Math.round(20 * h) + (h >= 10 ? 5000 : 0) + (h >= 30 ? 5000 : 0),
    }));
    expect(states(steps).has('leak')).toBe(false);
  });
});

describe('the verdict', () => {
  it('is suspect in the leak state only, and serialises its state, flag, growth and reason', () => {
    const steps = [
      ...feed(36, (h) => ({ entries: Math.round(100_000 * (1 + (0.05 * h) / 24)) })),
      ...feed(6, (h) => ({ entries: 1000 + (h > 3 ? 100 : 0), maxEntries: 5000 })),
    ];
    const seen = new Set<string>();
    for (const { verdict } of steps) {
      seen.add(verdict.state);
      expect(verdict.suspect, verdict.state).toBe(verdict.state === 'leak');
      expect(JSON.parse(JSON.stringify(verdict))).toEqual({
        state: verdict.state,
        suspect: verdict.suspect,
        growthPerSecond: verdict.growthPerSecond,
        reason: verdict.reason,
      });
      if (verdict.state === 'collecting') expect(verdict.growthPerSecond).toBe(0);
    }
    expect([...seen].sort()).toEqual(['collecting', 'growing', 'leak', 'ok']);
  });

  it('reports the floor growth in entries per second', () => {
    // 600 entries an hour, every piece of evidence present.
    const steps = feed(4, (h) => ({
      entries: Math.round(600 * h),
      inserts: Math.round(600 * h),
      deletes: 0,
      oldestAgeSeconds: h * 3600,
    }));
    const v = steps.at(-1)!.verdict;
    expect(v.state).toBe('leak');
    expect(v.growthPerSecond).toBeCloseTo(600 / 3600, 2);
  });
});

describe('insert and delete counters', () => {
  type Counter = (h: number) => number;
  /** How a raw counter is reported: as is, or distorted (offset, restarted). */
  type Report = (h: number, counter: Counter) => number;
  const RESTART_H = 2.5;
  const STEP_H = 5 / 60;
  const asIs: Report = (h, c) => c(h);
  // Already counting when observation starts.
  const high: Report = (h, c) => c(h) + 1e6;
  // The counting process restarts just after the observation before RESTART_H: from 0 again.
  const restarted: Report = (h, c) => (h < RESTART_H ? c(h) : c(h) - c(RESTART_H - STEP_H));

  /** A leak, and a bounded map with heavy churn, both with counters. */
  const leak = (report: Report) => (h: number) => ({
    entries: Math.round(600 * h),
    inserts: report(h, (x) => Math.round(900 * x)),
    deletes: report(h, (x) => Math.round(300 * x)),
    oldestAgeSeconds: h * 3600,
  });
  // Entries rise but deletes nearly keep pace with inserts: the counters say the rise is not a leak.
  const churn = (report: Report) => (h: number) => ({
    entries: 5000 + Math.round(600 * h),
    inserts: report(h, (x) => Math.round(3000 * x)),
    deletes: report(h, (x) => Math.round(2800 * x)),
    oldestAgeSeconds: h * 3600,
  });
  const summary = (steps: Step[]) => steps.map((s) => `${s.verdict.state}: ${s.verdict.reason}`);

  it.each([
    ['counting starts at the first observation: a counter already high changes nothing', high],
    ['a counter that restarts (drops) is corrected: the verdicts and reasons stay the same', restarted],
  ])('%s', (_title, report) => {
    // Without a warm-up the first window starts at the first observation, where counting starts.
    for (const options of [{}, { warmupMs: 0 }]) {
      for (const shape of [leak, churn]) {
        const detector = () => new LeakDetector(options);
        expect(summary(feed(5, shape(report), detector()))).toEqual(
          summary(feed(5, shape(asIs), detector())),
        );
      }
    }
  });

  it('read as given, they decide and explain the verdicts', () => {
    const leaking = feed(5, leak(asIs)).at(-1)!.verdict;
    expect(leaking.state).toBe('leak');
    expect(leaking.reason).toMatch(/deletes 33.3 % of inserts$/);
    const bounded = feed(5, churn(asIs));
    expect(states(bounded).has('leak')).toBe(false);
    expect(bounded.at(-1)!.verdict.state).toBe('ok');
    expect(bounded.at(-1)!.verdict.reason).toMatch(
      /^deletes kept pace with inserts \(6,\d{3} inserts, 5,\d{3} deletes in 2 h\)$/,
    );
  });
});

describe('declared bounds, the wait for a verdict, and a leak that slows down', () => {
  /** Every minute: +10 entries, all inserted, nothing deleted, the oldest as old as the map. */
  const steady =
    (extra: Partial<Observation> = {}) =>
    (h: number) => ({
      entries: Math.round(600 * h),
      inserts: Math.round(600 * h),
      deletes: 0,
      oldestAgeSeconds: h * 3600,
      ...extra,
    });
  const every = (minutes: number, obs: (h: number) => Observation, d = new LeakDetector()) => {
    const out: Array<{ minute: number; verdict: LeakVerdictDetail }> = [];
    for (let m = 0; m <= minutes; m++)
      out.push({ minute: m, verdict: d.observe('s', T0 + m * MIN, obs(m / 60)) });
    return out;
  };

  it('a declared maxEntries bounds the map up to and including the bound', () => {
    const at = every(180, steady({ maxEntries: 1800 })).at(-1)!.verdict;
    expect(at.state).toBe('ok');
    expect(at.reason).toBe('within its declared bound: 1,800 of 1,800 entries');
    expect(every(180, steady({ maxEntries: 1799 })).at(-1)!.verdict.state).not.toBe('ok');
  });

  it('a declared TTL bounds the map while the oldest entry respects it (with slack), never without ages', () => {
    const within = every(180, steady({ ttlSeconds: 3 * 3600 })).at(-1)!.verdict;
    expect(within.state).toBe('ok');
    expect(within.reason).toBe('within its declared TTL: oldest sampled entry 2.98 h old, TTL 3 h');
    // 2.98 h is beyond 2.5 h plus 10 % and two buckets.
    expect(every(180, steady({ ttlSeconds: 2.5 * 3600 })).at(-1)!.verdict.state).not.toBe('ok');
    // A declaration nothing can check (no ages) is no bound: a plain map enforces no TTL, and a sweeper
    // that never runs would otherwise keep a leak `ok` for ever.
    const noAges = every(180, (h) => ({ entries: Math.round(600 * h), ttlSeconds: 600 })).at(-1)!.verdict;
    expect(noAges.state).toBe('growing');
    expect(noAges.reason).toMatch(
      /; no survival ages \(sampling off\): unconfirmed; no insert\/delete counters$/,
    );
  });

  it('collects for exactly the warm-up and the shortest window: 75 minutes by default', () => {
    const states = every(80, steady()).map((s) => s.verdict.state);
    expect(states.slice(0, 75).every((s) => s === 'collecting')).toBe(true);
    expect(states.slice(75).includes('collecting')).toBe(false);
  });

  it('stays a leak while the floor still rises, says since when, and leaves it once growth stops', () => {
    const entries = (m: number) => (m <= 180 ? 10 * m : m <= 300 ? 1800 + 2 * (m - 180) : 2040);
    const steps = every(720, (h) => {
      const e = entries(Math.round(h * 60));
      return { entries: e, inserts: e, deletes: 0, oldestAgeSeconds: h * 3600 };
    });
    const first = steps.find((s) => s.verdict.state === 'leak')!.minute;
    const at240 = steps[240]!.verdict;
    expect(at240.state).toBe('leak');
    const since = /^still rising: .+; leak since ([\d.]+) h$/.exec(at240.reason);
    expect(since).not.toBeNull();
    expect(Number(since![1])).toBeCloseTo((240 - first) / 60, 1);
    // Growth stopped at 5 h: by 7 h the fresh window is flat, but the last six hours still rose.
    const at420 = steps[420]!.verdict;
    expect(at420.state).toBe('leak');
    expect(at420.reason).toMatch(
      /^still rising over the last 6 h \(floor \+[\d,]+\), not over the last 2 h \(/,
    );
    // It leaves once the six hours hold no rise either: about six hours after the stop.
    const left = steps.find((s) => s.minute > first && s.verdict.state !== 'leak')!;
    expect(left.minute).toBeGreaterThan(600);
    expect(left.minute).toBeLessThanOrEqual(300 + 7 * 60);
    const last = steps.at(-1)!.verdict;
    expect(last.state).toBe('ok');
    expect(last.reason).toMatch(/^no growth: floor 2,040 -> 2,040 /);
  });

  it('a leak whose oldest sampled entry leaves the reservoir stays a leak: a fallen age is not a flat one', () => {
    // At 6 h the reservoir admits an insert in the oldest entry's slot: the oldest age falls from 6 h to
    // 3.8 h (the next oldest sampled), then grows on. Measured end to end, a window across the fall saw
    // the age change by 2 h - 2.2 h: read as flat, that ended the verdict ("entries leave").
    const steps = every(600, (h) => {
      const e = Math.round(2000 + 200 * h);
      return { entries: e, inserts: e, deletes: 0, oldestAgeSeconds: (h < 6 ? h : h - 2.2) * 3600 };
    });
    const first = steps.find((s) => s.verdict.state === 'leak')!.minute;
    expect(first).toBeLessThan(180);
    const after = steps.filter((s) => s.minute >= first).map((s) => s.verdict.state);
    expect(new Set(after)).toEqual(new Set(['leak']));
  });

  it('a leak undone by a clean-up leaves the verdict once the six hours hold no more rise than it undid', () => {
    // 200 entries an hour; at 6.1 h a clean-up deletes 1,300 of them, more than the last six hours added.
    // The hourly window that takes the clean-up in (hours 1-7) still fits a small rise, and a positive
    // rise alone held the verdict until 8 h.
    const inserted = (h: number) => Math.round(2000 + 200 * h);
    const steps = every(600, (h) => {
      const inserts = inserted(h);
      const deletes = h < 6.1 ? 0 : 1300;
      return { entries: inserts - deletes, inserts, deletes, oldestAgeSeconds: h * 3600 };
    });
    const first = steps.find((s) => s.verdict.state === 'leak')!.minute;
    expect(first).toBeLessThan(180);
    expect(steps[360]!.verdict.state).toBe('leak');
    const left = steps.find((s) => s.minute > 366 && s.verdict.state !== 'leak')!;
    expect(left.minute).toBeLessThanOrEqual(7 * 60 + 20);
  });

  it('a leak that pauses for two hours stays a leak: one flat fresh window is no fix', () => {
    // 200 entries an hour, a two-hour pause at 6 h (a quiet night), growth again from 8 h.
    const entries = (h: number) => Math.round(2000 + 200 * Math.min(h, 6) + 200 * Math.max(0, h - 8));
    const steps = every(720, (h) => {
      const e = entries(h);
      return { entries: e, inserts: e, deletes: 0, oldestAgeSeconds: h * 3600 };
    });
    const first = steps.find((s) => s.verdict.state === 'leak')!.minute;
    expect(first).toBeLessThan(180);
    const after = steps.filter((s) => s.minute >= first).map((s) => s.verdict.state);
    expect(new Set(after)).toEqual(new Set(['leak']));
  });

  it('sampled every 30 min, a leak is judged again by the day-long window: kept while it rises, left once cleared', () => {
    // A leak found at 5-min sampling, then observed every 30 min (a host's own scheduler): the fresh
    // window has gaps, and the standing verdict was returned as it was, so a map cleared at 8 h stayed
    // `leak`, with its 8-hour-old reason, for good.
    const run = (cleared: boolean) => {
      const d = new LeakDetector();
      const out: { h: number; v: LeakVerdictDetail }[] = [];
      for (let m = 0; m <= 60 * 60; m += m < 8 * 60 ? 5 : 30) {
        const h = m / 60;
        const grown = Math.round(2000 + 300 * h);
        const obs: Observation =
          cleared && h > 8
            ? { entries: 100, inserts: grown, deletes: grown - 100, oldestAgeSeconds: 600 }
            : { entries: grown, inserts: grown, deletes: 0, oldestAgeSeconds: h * 3600 };
        out.push({ h, v: d.observe('s', T0 + m * MIN, obs) });
      }
      return out;
    };
    const cleared = run(true);
    expect(cleared.find((s) => s.v.state === 'leak')!.h).toBeLessThan(2);
    const end = cleared.at(-1)!.v;
    expect(end.state).toBe('ok');
    expect(end.reason).toMatch(/^over 1 d: floor .* -> .*each of its six blocks needs an observation/);
    // Judged once a day of hourly buckets is observed, not before.
    expect(cleared.find((s) => s.h > 8 && s.v.state !== 'leak')!.h).toBeGreaterThan(24);
    expect(cleared.find((s) => s.h > 8 && s.v.state !== 'leak')!.h).toBeLessThan(26);
    // The leak that goes on stays a leak, and its reason is what the day showed.
    const kept = run(false);
    expect(new Set(kept.filter((s) => s.h >= 2).map((s) => s.v.state))).toEqual(new Set(['leak']));
    expect(kept.at(-1)!.v.reason).toMatch(/^over 1 d: floor .*as old as the map/);
  });
});
