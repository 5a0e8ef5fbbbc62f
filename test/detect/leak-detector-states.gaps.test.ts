/**
 * The leak detector's states and reasons, pinned where no other test run with the mutation suite pins
 * them (issue #17, item 9, the survivors of a run over src/detect): how long a fresh vote is held before
 * it becomes a leak, the reason of each state word for word, the day-long path's pace, net-flow and
 * survival gates, the declared TTL's slack, and what a gap in the observations does to the verdict.
 */
import { describe, expect, it } from 'vitest';
import {
  LeakDetector,
  type LeakDetectorOptions,
  type LeakVerdictDetail,
  type Observation,
} from '../../src/detect/leak-detector.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);

/** Feeds `obs(minute)` every `step` minutes up to `minutes` (skipping undefined) and returns the verdicts. */
function feed(
  minutes: number,
  obs: (m: number) => Observation | undefined,
  options: LeakDetectorOptions = {},
  step = 1,
): Map<number, LeakVerdictDetail> {
  const d = new LeakDetector(options);
  const out = new Map<number, LeakVerdictDetail>();
  for (let m = 0; m <= minutes; m += step) {
    const o = obs(m);
    if (o !== undefined) out.set(m, d.observe('s', T0 + m * MIN, o));
  }
  return out;
}
const stateAt = (v: Map<number, LeakVerdictDetail>, m: number) => v.get(m)!.state;
const firstMinute = (v: Map<number, LeakVerdictDetail>, state: string) =>
  [...v].find(([, x]) => x.state === state)?.[0];
const states = (v: Map<number, LeakVerdictDetail>) => new Set([...v.values()].map((x) => x.state));

/** +10 entries a minute, all inserted, nothing deleted, the oldest entry as old as the map. */
const steady = (m: number): Observation => ({
  entries: 10 * m,
  inserts: 10 * m,
  deletes: 0,
  oldestAgeSeconds: m * 60,
});

describe('a fresh vote is held for holdMs before the verdict turns to leak', () => {
  it('by default 20 minutes: growing and saying so from 75 minutes, leak from 95', () => {
    const v = feed(120, steady);
    expect(firstMinute(v, 'growing')).toBe(75);
    expect(firstMinute(v, 'leak')).toBe(95);
    for (let m = 75; m < 95; m++) {
      expect(stateAt(v, m)).toBe('growing');
      expect(v.get(m)!.reason).toMatch(/; the evidence of a leak holds; confirming it before the verdict$/);
    }
    for (let m = 95; m <= 120; m++) expect(stateAt(v, m)).toBe('leak');
  });

  it('5 minutes: leak one bucket after the first vote; 0: leak at the first vote', () => {
    expect(firstMinute(feed(120, steady, { holdMs: 5 * MIN }), 'leak')).toBe(80);
    const v = feed(120, steady, { holdMs: 0 });
    expect(firstMinute(v, 'leak')).toBe(75);
    expect(states(v).has('growing')).toBe(false);
  });

  it('without a vote there is nothing to hold, even with holdMs 0', () => {
    const flat = feed(
      360,
      (m) => ({ entries: 1000 + (m % 7), inserts: m, deletes: m, oldestAgeSeconds: 60 }),
      {
        holdMs: 0,
      },
    );
    expect(states(flat).has('leak')).toBe(false);
  });
});

describe('the reason, word for word', () => {
  it('of a leak: the rise, the oldest entry (as old as the map), inserts and deletes', () => {
    const v = feed(180, steady).get(180)!;
    expect(v.state).toBe('leak');
    expect(v.reason).toBe(
      'floor 675 -> 1,675 (+148 %) over 2 h, +600 entries/h; oldest sampled entry 2.98 h old, as old as the map; 0 deletes, 1,200 inserts',
    );
    expect(v.growthPerSecond).toBeCloseTo(600 / 3600, 6);
  });

  it('of a leak whose oldest entry is younger than the map, that deletes, or that has no counters', () => {
    const younger = feed(240, (m) => ({ ...steady(m), oldestAgeSeconds: Math.max(0, m - 60) * 60 }), {}, 5);
    expect(younger.get(240)!.reason).toBe(
      'floor 1,275 -> 2,275 (+78.4 %) over 2 h, +600 entries/h; oldest sampled entry 2.92 h old; 0 deletes, 1,200 inserts',
    );
    const deleting = feed(240, (m) => ({ ...steady(m), inserts: 40 * m, deletes: 30 * m }), {}, 5);
    expect(deleting.get(240)!.reason).toMatch(/; deletes 75 % of inserts$/);
    const noCounters = feed(240, (m) => ({ entries: 10 * m, oldestAgeSeconds: m * 60 }), {}, 5);
    expect(noCounters.get(240)!.state).toBe('leak');
    expect(noCounters.get(240)!.reason).toMatch(/, as old as the map; no insert\/delete counters$/);
  });

  it('of a cache filling up: growing, and the growth slowing down', () => {
    const fill = (m: number): Observation => {
      const e = Math.round(5000 * (1 - Math.exp(-m / 60)));
      return { entries: e, inserts: e, deletes: 0, oldestAgeSeconds: m * 60 };
    };
    const v = feed(240, fill).get(240)!;
    expect(v.state).toBe('growing');
    expect(v.reason).toBe(
      'floor 4,457 -> 4,933 (+10.7 %) over 2 h, +286 entries/h; growth is slowing down: the late half of the window grew 36.8 % of the early half (a cache filling?)',
    );
  });

  it('of a flat map: a rise within the noise, or none', () => {
    const v = feed(240, (m) => ({ entries: 1000 + (m % 7) }));
    expect(v.get(120)!.state).toBe('ok');
    expect(v.get(120)!.reason).toBe(
      'no sustained growth: floor 1,000 -> 1,000 (+0.01 %) over 1.75 h, +0.05 entries/h, within the noise',
    );
    expect(v.get(240)!.reason).toBe('no growth: floor 1,001 -> 1,000 (-0.03 %) over 2 h, -0.17 entries/h');
  });

  it('of a rise with evidence missing: each missing piece named; a vote that holds without counters says so', () => {
    const entriesOnly = feed(180, (m) => ({ entries: 5000 + 12 * m })).get(180)!;
    expect(entriesOnly.state).toBe('growing');
    expect(entriesOnly.reason).toMatch(
      /^floor [\d,]+ -> [\d,]+ \(\+[\d.]+ %\) over 2 h, \+[\d.]+ entries\/h; no survival ages \(sampling off\): unconfirmed; no insert\/delete counters$/,
    );
    // Survival ages but no counters: the vote holds (net flow is not needed), so the reason says the
    // hold is all that is left, and which evidence it goes without.
    const agesOnly = feed(80, (m) => ({ entries: 10 * m, oldestAgeSeconds: m * 60 })).get(80)!;
    expect(agesOnly.state).toBe('growing');
    expect(agesOnly.reason).toBe(
      'floor 170 -> 688 (+305 %) over 1.08 h, +574 entries/h; the evidence of a leak holds; confirming it ' +
        'before the verdict (no insert/delete counters)',
    );
  });

  it('of a constant map: a rise of +0', () => {
    const v = feed(180, () => ({ entries: 1000 })).get(180)!;
    expect(v.reason).toBe('no growth: floor 1,000 -> 1,000 (+0 %) over 2 h, +0 entries/h');
  });

  it('of a map whose entries leave', () => {
    const v = feed(240, (m) => ({
      entries: 5000 - 5 * m,
      inserts: 100 * m,
      deletes: 105 * m,
      oldestAgeSeconds: 600,
    })).get(240)!;
    expect(v.state).toBe('ok');
    expect(v.growthPerSecond).toBeCloseTo(-300 / 3600, 6);
    expect(v.reason).toBe(
      'entries leave: the oldest sampled entry is 10 min old, younger than the 2 h window (expiry, eviction or clearing bounds it)',
    );
  });

  it('of a map within a declared TTL counted with its slack (10 % and two buckets)', () => {
    // 2.98 h old against a TTL of 2.65 h: beyond the TTL and its 10 %, within two more buckets.
    const v = feed(180, (m) => ({ ...steady(m), ttlSeconds: 2.65 * 3600 })).get(180)!;
    expect(v.state).toBe('ok');
    expect(v.reason).toBe('within its declared TTL: oldest sampled entry 2.98 h old, TTL 2.65 h');
  });
});

describe('the pace test', () => {
  it('is not applied to growth under 1 % an hour: a slow leak is confirmed even when its halves differ', () => {
    // 0.5 % an hour, every entry kept; one sample caught a burst at the middle of the first window, so
    // the late half of the window seems to grow less than half as much as the early half.
    const floor = (m: number) => 100_000 + (500 / 60) * m;
    const v = feed(
      80,
      (m) => ({ entries: Math.round(floor(m) + (m === 44 ? 100 : 0)), oldestAgeSeconds: m * 60 }),
      {
        holdMs: 0,
      },
    );
    expect(stateAt(v, 74)).toBe('collecting');
    expect(stateAt(v, 75)).toBe('leak');
    expect(v.get(75)!.reason).toBe(
      'floor 100,146 -> 100,562 (+0.42 %) over 1 h, +500 entries/h; oldest sampled entry 1.23 h old, as old as the map; no insert/delete counters',
    );
  });
});

describe('the day-long path', () => {
  const base = 100_000;
  const hourly =
    (entries: (h: number) => number, extra: (h: number) => Partial<Observation> = () => ({})) =>
    (m: number): Observation => ({ entries: Math.round(entries(m / 60)), ...extra(m / 60) });

  it('does not confirm a floor whose growth is speeding up (late half three times the early half)', () => {
    const v = feed(
      28 * 60,
      hourly((h) => base + 20 * h * h),
      {},
      5,
    );
    expect(states(v).has('leak')).toBe(false);
    expect(stateAt(v, 28 * 60)).toBe('growing');
  });

  it('does not confirm a floor whose growth is slowing down (late half 0.4 of the early half)', () => {
    const v = feed(
      27 * 60,
      hourly((h) => base + (h <= 13 ? 250 * h : 3250 + 100 * (h - 13))),
      {},
      5,
    );
    expect(states(v).has('leak')).toBe(false);
  });

  it('does not confirm a rise the net flow does not cover', () => {
    // 5 % a day, but inserts outpace deletes by 2,000 a day only: less than half of the rise.
    const v = feed(
      36 * 60,
      hourly(
        (h) => base * (1 + (0.05 * h) / 24),
        (h) => ({ inserts: Math.round(3000 * h), deletes: Math.round(3000 * h - (2000 * h) / 24) }),
      ),
      {},
      5,
    );
    expect(states(v).has('leak')).toBe(false);
  });

  it('does not confirm a rise whose oldest entries leave within the day', () => {
    const v = feed(
      36 * 60,
      hourly(
        (h) => base * (1 + (0.05 * h) / 24),
        (h) => ({ oldestAgeSeconds: Math.min(h, 1) * 3600 }),
      ),
      {},
      5,
    );
    expect(states(v).has('leak')).toBe(false);
    expect(v.get(36 * 60)!.reason).toMatch(/^entries leave: the oldest sampled entry is 1 h old/);
  });
});

describe('a gap in the observations', () => {
  it('keeps a series collecting until the window has data again, saying how long it was observed', () => {
    const v = feed(120, (m) => (m === 0 || m >= 70 ? steady(m) : undefined), {}, 5);
    expect(v.get(120)!.state).toBe('collecting');
    // Not "needs 1.25 h" after 2 h: it says what is missing, and what will decide instead.
    expect(v.get(120)!.reason).toBe(
      'collecting: 2 h observed, 1.25 h needed, but the last 2 h window has a gap (each of its six blocks ' +
        'needs an observation); the 1 d window decides once observed (it needs an observation every hour)',
    );
  });

  it('leaves the last verdict standing while the window has a hole', () => {
    const v = feed(480, (m) => (m > 180 && m < 360 ? undefined : steady(m)), {}, 5);
    const before = v.get(180)!;
    expect(before.state).toBe('leak');
    expect(v.get(360)!.state).toBe('leak');
    expect(v.get(360)!.reason).toBe(before.reason);
  });
});
