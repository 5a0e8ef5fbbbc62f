/**
 * What the leak detector accepts (issue #17, the survivors of a mutation run over src/detect): each
 * option's limits, inclusive where the documentation says so, with the message that names the option;
 * which observations count and which are ignored; and which series the `maxSeries` cap forgets.
 */
import { describe, expect, it } from 'vitest';
import { LeakDetector, type LeakDetectorOptions } from '../../src/detect/leak-detector.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

describe('options', () => {
  const refused = (options: LeakDetectorOptions) => {
    try {
      new LeakDetector(options);
    } catch (e) {
      expect(e).toBeInstanceOf(RangeError);
      return (e as Error).message;
    }
    return 'accepted';
  };

  it('takes every limit itself', () => {
    for (const options of [
      { maxSeries: 1 },
      { bucketMs: 1000, windowMs: 6000, minWindowMs: 6000 },
      { bucketMs: 1000, windowMs: 10_000_000, minWindowMs: 6000 },
      { windowMs: 2 * HOUR, minWindowMs: 2 * HOUR },
      { holdMs: 0 },
      { longWindowMs: 6 * HOUR },
      { longWindowMs: 1000 * HOUR },
      { minRelRise: 0, minSurvival: 0, minNetShare: 0 },
      { minRelRise: 1, minSurvival: 1, minNetShare: 1 },
      { minAbsRise: 0.5 },
      { warmupMs: 0 },
    ])
      expect(refused(options), JSON.stringify(options)).toBe('accepted');
  });

  it('refuses what is past them, naming the option and the value', () => {
    const cases: Array<[LeakDetectorOptions, string]> = [
      [{ maxSeries: 0 }, 'option maxSeries must be a positive integer, got 0'],
      [{ maxSeries: 1.5 }, 'option maxSeries must be a positive integer, got 1.5'],
      [{ maxSeries: Infinity }, 'option maxSeries must be a positive integer, got Infinity'],
      [{ bucketMs: 0 }, 'option bucketMs must be a positive number, got 0'],
      [{ bucketMs: -5 }, 'option bucketMs must be a positive number, got -5'],
      [{ bucketMs: Number.NaN }, 'option bucketMs must be a positive number, got NaN'],
      [{ bucketMs: 999 }, 'option bucketMs must be at least 1000 (1 s), got 999'],
      [{ windowMs: 0 }, 'option windowMs must be a positive number, got 0'],
      [{ minWindowMs: -1 }, 'option minWindowMs must be a positive number, got -1'],
      [{ longWindowMs: 0 }, 'option longWindowMs must be a positive number, got 0'],
      [{ minAbsRise: 0 }, 'option minAbsRise must be a positive number, got 0'],
      [{ windowMs: 7 * MIN }, 'windowMs must be 6 to 10,000 whole buckets (bucketMs)'],
      // Fewer than six buckets could never give a verdict: the floor's trend needs six blocks.
      [{ bucketMs: 1000, windowMs: 5000, minWindowMs: 5000 }, 'windowMs must be 6 to 10,000 whole buckets'],
      [{ bucketMs: 1000, windowMs: 10_001_000, minWindowMs: 6000 }, 'windowMs must be 6 to 10,000 whole'],
      [{ minWindowMs: 2 * HOUR + 5 * MIN }, 'minWindowMs must be <= windowMs'],
      [{ minWindowMs: 25 * MIN }, 'minWindowMs must be at least 6 buckets (6 x bucketMs)'],
      [{ holdMs: -1 }, 'option holdMs must be >= 0, got -1'],
      [{ holdMs: Number.NaN }, 'option holdMs must be >= 0, got NaN'],
      [{ longWindowMs: 5 * HOUR }, 'longWindowMs must be 6 to 1,000 whole hours'],
      [{ longWindowMs: 1001 * HOUR }, 'longWindowMs must be 6 to 1,000 whole hours'],
      [{ longWindowMs: 6.5 * HOUR }, 'longWindowMs must be 6 to 1,000 whole hours'],
      [{ minRelRise: -0.1 }, 'option minRelRise must be from 0 to 1, got -0.1'],
      [{ minSurvival: 1.1 }, 'option minSurvival must be from 0 to 1, got 1.1'],
      [{ minNetShare: Number.NaN }, 'option minNetShare must be from 0 to 1, got NaN'],
      [{ warmupMs: -1 }, 'option warmupMs must be a number >= 0, got -1'],
      [{ warmupMs: Infinity }, 'option warmupMs must be a number >= 0, got Infinity'],
      [{ warmupMs: Number.NaN }, 'option warmupMs must be a number >= 0, got NaN'],
    ];
    for (const [options, message] of cases)
      expect(refused(options), JSON.stringify(options)).toContain(`mapwatch: LeakDetector ${message}`);
  });

  it('waits the warm-up plus the shortest window, 75 minutes by default', () => {
    expect(new LeakDetector().minObservedMs).toBe(75 * MIN);
    expect(new LeakDetector({ warmupMs: 0, minWindowMs: 40 * MIN }).minObservedMs).toBe(40 * MIN);
    const v = new LeakDetector({ warmupMs: 5 * MIN, minWindowMs: 40 * MIN }).observe('s', T0, 1);
    expect(v.reason).toBe('collecting: 0 ms observed, a verdict needs 45 min');
  });
});

describe('observations', () => {
  it('counts an empty map and the latest timestamp a Date can hold', () => {
    const d = new LeakDetector();
    expect(d.observe('empty', T0, 0).reason).toBe('collecting: 0 ms observed, a verdict needs 1.25 h');
    d.observe('late', 8.64e15, 1);
    d.observe('early', -8.64e15, 1);
    expect(d.size).toBe(3);
  });

  it('ignores a bad one and answers with the verdict that stands', () => {
    const d = new LeakDetector();
    const ignored = d.observe('s', Number.NaN, 1);
    expect([ignored.state, ignored.reason, d.size]).toEqual([
      'collecting',
      'collecting: 0 ms observed, a verdict needs 1.25 h',
      0,
    ]);
    d.observe('s', T0, 1);
    const standing = d.observe('s', T0 + 10 * MIN, 2);
    expect(standing.reason).toBe('collecting: 10 min observed, a verdict needs 1.25 h');
    for (const bad of [
      d.observe('s', T0 + 5 * MIN, 3),
      d.observe('s', T0 + 20 * MIN, -1),
      d.observe('s', T0 + 20 * MIN, Number.NaN),
      d.observe('s', T0 + 20 * MIN, Infinity),
      // Past 2^53 a count is no map's; past 3.4e38 the rings' floats held Infinity and floors read NaN.
      d.observe('s', T0 + 20 * MIN, 2 ** 53 + 2),
      d.observe('s', T0 + 20 * MIN, 1e39),
      d.observe('s', 8.64e15 + 1, 1),
    ])
      expect(bad).toBe(standing);
  });

  it('reads an oldest age longer than any time it accepts as no age, never as an Infinity', () => {
    // Ages are held as 32-bit floats: 3.5e38 s was kept, turned into Infinity, and a leak's reason read
    // "oldest sampled entry Infinity d old".
    const run = (bad: number) => {
      const d = new LeakDetector();
      const verdicts = [];
      for (let m = 0; m <= 600; m++) {
        const h = m / 60;
        const e = Math.round(2000 + 200 * h);
        const age = m > 300 && m % 7 === 0 ? bad : h * 3600;
        verdicts.push(
          d.observe('s', T0 + m * MIN, { entries: e, inserts: e, deletes: 0, oldestAgeSeconds: age }),
        );
      }
      return verdicts.map((v) => `${v.state}: ${v.reason}`);
    };
    const absent = run(Number.NaN);
    expect(absent.some((v) => v.startsWith('leak'))).toBe(true);
    for (const huge of [3.5e38, 1e39, Number.MAX_VALUE, 2 * 8.64e12 + 1]) {
      const got = run(huge);
      expect(got.filter((v) => /Infinity|NaN/.test(v))).toEqual([]);
      expect(got).toEqual(absent);
    }
    // The longest age it keeps (two timestamps a Date can hold apart) is read, and changes the verdicts.
    expect(run(2 * 8.64e12)).not.toEqual(absent);
  });

  it('reads counters past 2^53 as absent: never a NaN or Infinity in a reason', () => {
    // Found by review: two counter resets near the largest double summed their corrections to Infinity,
    // and the evidence read Infinity - Infinity ("NaN inserts").
    const run = (counter: (m: number) => number | undefined) => {
      const d = new LeakDetector();
      const verdicts = [];
      for (let m = 0; m <= 600; m++) {
        const e = Math.round(2000 + (200 * m) / 60);
        const c = counter(m);
        verdicts.push(
          d.observe('s', T0 + m * MIN, { entries: e, inserts: c, deletes: c, oldestAgeSeconds: m * 60 }),
        );
      }
      return verdicts.map((v) => `${v.state}: ${v.reason}`);
    };
    const none = run(() => undefined);
    // Huge counters that reset (fall) every 100 minutes.
    const huge = run((m) => Number.MAX_VALUE / (1 + (m % 100)));
    expect(huge.filter((v) => /NaN|Infinity/.test(v))).toEqual([]);
    expect(huge).toEqual(none);
    expect(run(() => 2 ** 53 + 2)).toEqual(none);
    // The largest taken is read: counters that stay flat beside rising entries are no map's own.
    expect(run(() => 2 ** 53)).not.toEqual(none);
  });

  it('takes the short form (key, time, entries, inserts, deletes) like an observation object', () => {
    const a = new LeakDetector();
    const b = new LeakDetector();
    let last: [string, string] = ['', ''];
    for (let m = 0; m <= 240; m += 5) {
      const e = 1000 + 5 * m;
      const va = a.observe('s', T0 + m * MIN, e, 3 * e, 2 * e);
      const vb = b.observe('s', T0 + m * MIN, { entries: e, inserts: 3 * e, deletes: 2 * e });
      expect(va.state).toBe(vb.state);
      last = [va.reason, vb.reason];
    }
    expect(last[0]).toBe(last[1]);
    expect(last[0]).not.toMatch(/no insert\/delete counters/);
  });
});

describe('the maxSeries cap', () => {
  it('forgets the least recently observed tenth at once, and counts them', () => {
    const d = new LeakDetector({ maxSeries: 20 });
    for (let i = 0; i < 20; i++) d.observe(`k${i}`, T0 + i * 1000, 1);
    // k0 and k1 are observed again: the stalest are now k2 and k3.
    d.observe('k0', T0 + 30_000, 1);
    d.observe('k1', T0 + 31_000, 1);
    d.observe('new', T0 + 32_000, 1);
    expect([d.size, d.evicted]).toEqual([19, 2]);
    expect(['k0', 'k1', 'k2', 'k3', 'k4', 'new'].map((k) => d.verdict(k) !== undefined)).toEqual([
      true,
      true,
      false,
      false,
      true,
      true,
    ]);
  });

  it('forgets one at a time under a cap below ten', () => {
    const d = new LeakDetector({ maxSeries: 3 });
    for (const [i, k] of ['a', 'b', 'c', 'd', 'e'].entries()) d.observe(k, T0 + i, 1);
    expect([d.size, d.evicted]).toEqual([3, 2]);
    expect(['a', 'b', 'c', 'd', 'e'].map((k) => d.verdict(k) !== undefined)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
  });

  it('forget() drops one series', () => {
    const d = new LeakDetector();
    d.observe('a', T0, 1);
    d.observe('b', T0, 1);
    d.forget('a');
    expect([d.size, d.verdict('a'), d.evicted]).toEqual([1, undefined, 0]);
  });
});
