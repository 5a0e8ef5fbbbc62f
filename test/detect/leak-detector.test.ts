import { describe, expect, it } from 'vitest';
import { LeakDetector } from '../../src/detect/leak-detector.js';
import { formatCount, formatDuration } from '../../src/detect/format.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2024, 0, 1);

/** Feeds a steady leak of `perHour` entries over `base`, one sample a minute, with counters. */
function feedLeak(d: LeakDetector, key: string, hours: number, base = 10_000, perHour = 50, start = T0) {
  let v = d.verdict(key);
  for (let m = 0; m <= hours * 60; m++) {
    const entries = Math.round(base + (perHour * m) / 60);
    const ins = entries + m * 50;
    v = d.observe(key, start + m * MIN, entries, ins, ins - entries);
  }
  return v!;
}

describe('LeakDetector', () => {
  it('flags a steady leak with a rate and a reason a person can act on', () => {
    const d = new LeakDetector();
    const v = feedLeak(d, 'a', 3);
    expect(v.suspect).toBe(true);
    expect(v.score).toBe(1);
    expect(v.growthPerSecond * 3600).toBeGreaterThan(40);
    expect(v.growthPerSecond * 3600).toBeLessThan(60);
    expect(v.reason).toMatch(
      /^floor rose [\d,]+ entries \(\+[\d.]+ %\) in [\d.]+ h, steadily \(~[\d,.]+\/h\) while deletes kept pace with [\d.]+ % of inserts/,
    );
  });

  it('says it is still collecting history at first', () => {
    const d = new LeakDetector();
    const v = feedLeak(d, 'a', 0.5);
    expect(v.suspect).toBe(false);
    expect(v.reason).toMatch(/collecting history: 30 min observed/);
  });

  it('does not flag a flat map and says so', () => {
    const d = new LeakDetector();
    const v = feedLeak(d, 'a', 8, 10_000, 0);
    expect(v.suspect).toBe(false);
    expect(v.reason).toMatch(/no growth|no sustained growth/);
  });

  it('treats a counter reset as a restart, not as deletes outpacing inserts', () => {
    const d = new LeakDetector();
    let v = d.verdict('a');
    for (let m = 0; m <= 180; m++) {
      const entries = 10_000 + Math.round((50 * m) / 60);
      // The counters restart from small values at minute 60 (a process restart keeping its gauge).
      const ins = m < 60 ? 1_000_000 + entries + 20 * m : entries + 20 * (m - 60);
      v = d.observe('a', T0 + m * MIN, entries, ins, ins - entries);
    }
    expect(v!.suspect).toBe(true);
  });

  it('blocks the verdict when counters say deletes kept pace with inserts', () => {
    const d = new LeakDetector();
    let v = d.verdict('a');
    for (let m = 0; m <= 180; m++) {
      const entries = 10_000 + Math.round((50 * m) / 60);
      // Counters that disagree with the gauge: nothing net was inserted.
      v = d.observe('a', T0 + m * MIN, entries, 1000 + 50 * m, 1000 + 50 * m);
    }
    expect(v!.suspect).toBe(false);
    expect(v!.reason).toMatch(/deletes kept pace with inserts/);
  });

  it('handles irregular sampling and gaps', () => {
    const d = new LeakDetector();
    let v = d.verdict('a');
    let t = 0;
    for (let i = 0; i < 400 && t < 3 * HOUR; i++) {
      t += (i % 7 === 0 ? 4 : 0.5 + (i % 3)) * MIN; // 0.5 to 4 minutes apart
      v = d.observe('a', T0 + t, 10_000 + Math.round((50 * t) / HOUR));
    }
    expect(v!.suspect).toBe(true);
  });

  it('ignores out-of-order and non-finite observations', () => {
    const d = new LeakDetector();
    const v = feedLeak(d, 'a', 3);
    expect(d.observe('a', T0, 0).suspect).toBe(v.suspect);
    expect(d.observe('a', T0 + 4 * HOUR, NaN)).toBe(v);
  });

  it('keeps series independent and caps their number, evicting the least recently observed', () => {
    const d = new LeakDetector({ maxSeries: 3 });
    for (const k of ['a', 'b', 'c']) d.observe(k, T0, 1);
    d.observe('a', T0 + MIN, 1);
    d.observe('d', T0 + MIN, 1);
    expect(d.size).toBe(3);
    expect(d.evicted).toBe(1);
    expect(d.verdict('b')).toBeUndefined();
    expect(d.verdict('a')).toBeDefined();
  });

  it('rejects scales that fit no ring', () => {
    expect(() => new LeakDetector({ scales: [{ windowMs: 7 * 24 * HOUR, windows: 4 }] })).toThrow(
      /fits neither ring/,
    );
    expect(() => new LeakDetector({ scales: [{ windowMs: HOUR, windows: 2 }] })).toThrow(/at least 3/);
  });

  it('keeps its state size constant however long it runs', () => {
    const d = new LeakDetector();
    feedLeak(d, 'a', 1);
    const before = process.memoryUsage().heapUsed;
    feedLeak(d, 'a', 24 * 5, 10_000, 50, T0 + 2 * HOUR);
    expect(d.size).toBe(1);
    // No per-observation allocation is retained: five days of minutes add far less than one ring.
    global.gc?.();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(2_000_000);
  });
});

describe('formatting', () => {
  it('groups thousands and picks a duration unit', () => {
    expect(formatCount(1140)).toBe('1,140');
    expect(formatCount(12.345)).toBe('12.3');
    expect(formatCount(-0.5)).toBe('-0.5');
    expect(formatDuration(2 * HOUR)).toBe('2 h');
    expect(formatDuration(90 * MIN)).toBe('1.5 h');
    expect(formatDuration(15 * MIN)).toBe('15 min');
  });
});
