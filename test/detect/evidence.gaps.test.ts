/**
 * The window evidence of src/detect/evidence.ts, measured on hand-built rings where each value is known
 * exactly (issue #17, the survivors of a mutation run over evidence.ts): the smallest window measured,
 * each third's floor, the fitted rise and its thresholds (absolute, relative, t statistic, each at its
 * boundary), the steadiness of the three floors, survival at its boundary, net flow and pace.
 */
import { describe, expect, it } from 'vitest';
import { measureWindow, type EvidenceSettings, type WindowEvidence } from '../../src/detect/evidence.js';
import { BucketRing } from '../../src/detect/ring.js';

const MIN = 60_000;
const BASE: EvidenceSettings = {
  minTrendT: 3,
  minAbsRise: 3,
  minRelRise: 0,
  minSurvival: 0.85,
  minNetShare: 0.5,
};

interface Win {
  /** Inserts / deletes per bucket (cumulative); when absent the series has no counters. */
  ins?: number[];
  del?: number[];
  ages?: number[];
  spanMs?: number;
  settings?: Partial<EvidenceSettings>;
}

/** One observation per bucket 0..n-1 with `entries[b]`; measures the window [0, n-1]. */
function measure(entries: number[], w: Win = {}): WindowEvidence | undefined {
  const n = entries.length;
  const ring = new BucketRing(MIN, 64);
  for (let b = 0; b < n; b++) ring.add(b, entries[b]!, w.ins?.[b] ?? 0, w.del?.[b] ?? 0, w.ages?.[b] ?? NaN);
  const start = { atMs: 0, ev: ring.evidenceAtOrBefore(0, 0)! };
  const end = { atMs: w.spanMs ?? n * MIN, ev: ring.evidenceAtOrBefore(n - 1, 0)! };
  return measureWindow(ring, 0, n - 1, start, end, w.ins !== undefined ? 'present' : 'absent', {
    ...BASE,
    ...w.settings,
  });
}

function must(ev: WindowEvidence | undefined): WindowEvidence {
  expect(ev).toBeDefined();
  return ev!;
}

const LINE = [10, 20, 30, 40, 50, 60];
const FLAT = [10, 10, 10, 10, 10, 10];

describe('measureWindow: the window and its floors', () => {
  it('measures a window of six buckets (one a block), not one of five', () => {
    const ev = must(measure(LINE));
    expect(ev.spanMs).toBe(6 * MIN);
    expect(ev.level0).toBeCloseTo(10, 9);
    expect(ev.level1).toBeCloseTo(60, 9);
    expect(ev.rise).toBeCloseTo(50, 9);
    expect(ev.slopePerMs).toBeCloseTo(50 / (5 * MIN), 12);
    expect([ev.floor0, ev.floor1, ev.floor2]).toEqual([10, 30, 50]);
    expect(ev.entries).toBe(60);
    expect(ev.rising).toBe(true);
    expect(ev.floorsRising).toBe(true);
    expect(measure(LINE.slice(0, 5))).toBeUndefined();
  });

  it('takes each third’s floor from that third only', () => {
    const ev = must(measure([10, 12, 5, 40, 3, 60]));
    expect(ev.floor0).toBe(10);
    expect(ev.floor1).toBe(5);
    expect(ev.floor2).toBe(3);
  });

  it('gives no slope for a window of no duration', () => {
    expect(must(measure(LINE, { spanMs: 0 })).slopePerMs).toBe(0);
  });
});

describe('measureWindow: is the floor rising', () => {
  it('a rise exactly at the absolute threshold counts, a hair below does not', () => {
    expect(must(measure(LINE, { settings: { minAbsRise: 50 } })).rising).toBe(true);
    expect(must(measure(LINE, { settings: { minAbsRise: 50.001 } })).rising).toBe(false);
  });

  it('a noiseless rise meets any t threshold', () => {
    expect(must(measure(LINE, { settings: { minTrendT: Infinity } })).rising).toBe(true);
  });

  it('the relative threshold scales with the starting floor', () => {
    const big = [1000, 1010, 1020, 1030, 1040, 1050];
    const strict = must(measure(big, { settings: { minRelRise: 0.1 } }));
    expect(strict.rise).toBeCloseTo(50, 9);
    expect(strict.rising).toBe(false); // needs 100
    expect(strict.floorsRising).toBe(false); // floors rise 40, needs 100
    const loose = must(measure(big, { settings: { minRelRise: 0.009 } }));
    expect(loose.rising).toBe(true); // needs 9
    expect(loose.floorsRising).toBe(true);
  });

  it('a rise lost in its noise does not count: t ≈ 0.61 with 4 degrees of freedom', () => {
    const noisy = [0, 100, 0, 100, 0, 100];
    const ev = must(measure(noisy, { settings: { minTrendT: 0.7 } }));
    expect(ev.rise).toBeCloseTo(300 / 7, 9);
    expect(ev.rising).toBe(false);
    expect(must(measure(noisy, { settings: { minTrendT: 0.6 } })).rising).toBe(true);
    expect(must(measure(noisy, { settings: { minTrendT: 3 } })).rising).toBe(false);
  });

  it('a flat floor has no trend (t = 0), even with no minimum rise', () => {
    const zero = { minAbsRise: 0, minRelRise: 0 };
    expect(must(measure(FLAT, { settings: { ...zero, minTrendT: 1 } })).rising).toBe(false);
    expect(must(measure(FLAT, { settings: { ...zero, minTrendT: 0 } })).rising).toBe(true);
  });

  it('a falling floor is not rising', () => {
    const ev = must(measure([60, 50, 40, 30, 20, 10], { settings: { minAbsRise: 0, minTrendT: -Infinity } }));
    expect(ev.rise).toBeCloseTo(-50, 9);
    expect(ev.rising).toBe(false);
    expect(ev.floorsRising).toBe(false);
  });
});

describe('measureWindow: do the floors rise third after third', () => {
  it('needs the middle floor above the first', () => {
    expect(must(measure([10, 20, 10, 30, 60, 70])).floorsRising).toBe(false);
  });

  it('needs the last floor above the middle', () => {
    expect(must(measure([10, 20, 30, 40, 30, 50])).floorsRising).toBe(false);
    expect(must(measure([10, 20, 100, 100, 50, 60])).floorsRising).toBe(false);
  });

  it('a rise of the floors exactly at the threshold counts', () => {
    const ev = must(measure([10, 20, 11, 20, 13, 20]));
    expect([ev.floor0, ev.floor1, ev.floor2]).toEqual([10, 11, 13]);
    expect(ev.floorsRising).toBe(true);
    expect(must(measure([10, 20, 11, 20, 13, 20], { settings: { minAbsRise: 3.5 } })).floorsRising).toBe(
      false,
    );
  });
});

describe('measureWindow: survival', () => {
  // The first age is the window's start: 0, so the age grows by as much as it reaches.
  const ages = (last: number): number[] => [0, 1, 1, 1, 1, last];

  it('the oldest entry survived when exactly `minSurvival` of the window old', () => {
    const settings = { minSurvival: 0.5 };
    const at = must(measure(LINE, { ages: ages(180), settings }));
    expect(at.ageSeconds).toBe(180);
    expect(at.survived).toBe(true);
    expect(must(measure(LINE, { ages: ages(179.5), settings })).survived).toBe(false);
  });

  it('an oldest age that stays flat is no survival, however old: entries of that age leave all along', () => {
    // Found by review on a flat cache with an undeclared 2 h TTL under a 2 h window: the oldest age stayed
    // at 1.95 h, old enough, and the floor's noise read as a leak every few hours.
    const span = 6 * MIN;
    const flat = must(measure(LINE, { ages: [330, 331, 332, 333, 334, 335] }));
    expect(flat.ageSeconds).toBe(335);
    expect(flat.ageSeconds! * 1000).toBeGreaterThanOrEqual(BASE.minSurvival * span);
    expect([flat.survived, flat.ageFlat, flat.startAgeSeconds]).toEqual([false, true, 330]);
    // Grown by half the window (180 s): survived; by less: not.
    expect(must(measure(LINE, { ages: [330, 400, 450, 480, 500, 510] })).survived).toBe(true);
    const short = must(measure(LINE, { ages: [331, 400, 450, 480, 500, 510] }));
    expect([short.survived, short.ageFlat]).toEqual([false, true]);
    // Too young is not flat: the other reason.
    expect(must(measure(LINE, { ages: [0, 60, 120, 180, 240, 300] })).ageFlat).toBe(false);
  });

  it('no age observed: no survival evidence', () => {
    const ev = must(measure(LINE));
    expect(ev.ageSeconds).toBeUndefined();
    expect(ev.survived).toBeUndefined();
  });
});

describe('measureWindow: net flow', () => {
  const zeros = [0, 0, 0, 0, 0, 0];

  it('net inserts exactly at `minNetShare` of the rise count, less do not', () => {
    const ins = [0, 10, 20, 30, 40, 50];
    const del = [0, 5, 10, 15, 20, 25];
    const ev = must(measure(LINE, { ins, del }));
    expect(ev.inserts).toBe(50);
    expect(ev.deletes).toBe(25);
    expect(ev.netPositive).toBe(true);
    expect(must(measure(LINE, { ins, del, settings: { minNetShare: 0.51 } })).netPositive).toBe(false);
  });

  it("counters that cannot be this map's (entries grew more than was inserted) are no flow evidence", () => {
    // A map whose stats are never bumped: 0 inserts while the floor rose 50.
    const still = must(measure(LINE, { ins: zeros, del: zeros }));
    expect([still.inserts, still.deletes, still.netPositive, still.countersMissing]).toEqual([
      undefined,
      undefined,
      undefined,
      'inconsistent',
    ]);
    // Up to the slack (10 % of the inserts, at least minAbsRise) they are used.
    const within = must(measure(LINE, { ins: [0, 9, 18, 27, 36, 47], del: zeros }));
    expect([within.inserts, within.countersMissing]).toEqual([47, undefined]);
    const past = must(measure(LINE, { ins: [0, 8, 16, 24, 32, 40], del: zeros }));
    expect(past.countersMissing).toBe('inconsistent');
  });

  it('inserts balanced by deletes are not net growth, even on a flat floor', () => {
    const flow = [0, 10, 20, 30, 40, 50];
    const ev = must(measure(FLAT, { ins: flow, del: flow }));
    expect(ev.inserts).toBe(50);
    expect(ev.deletes).toBe(50);
    expect(ev.netPositive).toBe(false);
  });

  it('compares the first block with the last one', () => {
    const ev = must(measure(FLAT, { ins: [0, 0, 0, 0, 0, 10], del: zeros }));
    expect(ev.netPositive).toBe(true);
    const back = must(measure(FLAT, { ins: [0, 0, 0, 0, 10, 10], del: [0, 0, 0, 0, 0, 10] }));
    expect(back.netPositive).toBe(false);
  });

  it('without counters there is no flow evidence', () => {
    const ev = must(measure(LINE));
    expect(ev.inserts).toBeUndefined();
    expect(ev.deletes).toBeUndefined();
    expect(ev.netPositive).toBeUndefined();
  });
});

describe('measureWindow: pace (late half over early half)', () => {
  it('measures growth as inserts minus deletes where counters exist', () => {
    // Net flow 0, 10, 20, 25, 30, 30: early half (to bucket 2) grew 20, the late half 10.
    const ev = must(measure(LINE, { ins: [0, 10, 20, 30, 40, 50], del: [0, 0, 0, 5, 10, 20] }));
    expect(ev.lateToEarly).toBeCloseTo(0.5, 12);
  });

  it('measures growth as the entry count without counters', () => {
    expect(must(measure([10, 20, 30, 40, 50, 100])).lateToEarly).toBeCloseTo(70 / 20, 12);
  });

  it('no early growth: infinite pace if the late half grew, else none', () => {
    expect(must(measure(FLAT)).lateToEarly).toBe(0);
    expect(must(measure([5, 5, 5, 5, 5, 9])).lateToEarly).toBe(Infinity);
    expect(must(measure([5, 5, 5, 5, 5, 2])).lateToEarly).toBe(0);
    expect(must(measure([5, 5, 2, 5, 5, 9])).lateToEarly).toBe(Infinity);
    expect(must(measure([5, 5, 2, 5, 5, 1])).lateToEarly).toBe(0);
  });
});
