/**
 * Property tests for `LeakDetector.observe` (issue 10, "done when"): arbitrary numbers (huge, negative,
 * NaN, Infinity, -0), key strings and orderings.
 * - Every call returns, never throws, and returns a well-formed verdict whose reason can be read and
 *   serialised.
 * - Order: the detector ignores a point older than the last one of its series, so a shuffled feed must
 *   reach exactly the verdicts of its in-order subsequence (the shuffled feed with its out-of-order points
 *   dropped first), at every accepted point and at the end.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEAK_STATES } from '../../src/conventions.js';
import { LeakDetector, type LeakDetectorOptions } from '../../src/detect/leak-detector.js';
import type { LeakVerdictDetail, Observation } from '../../src/detect/observation.js';

const MINUTE = 60_000;

/** Numbers a careless or hostile feed can hold. */
const anyNumber = fc.oneof(
  fc.double(), // includes NaN, +-Infinity, -0, subnormals and +-Number.MAX_VALUE
  fc.constantFrom(
    0,
    -0,
    Number.NaN,
    Infinity,
    -Infinity,
    1e23,
    1e308,
    -1e308,
    2 ** 53,
    2 ** 53 + 2,
    8.64e15,
    8.64e15 + 2,
    -8.64e15,
    Number.MIN_VALUE,
    Number.MAX_VALUE,
    Number.MAX_SAFE_INTEGER,
  ),
  fc.integer(),
  fc.maxSafeInteger(),
);
/** Timestamps: anything, or a plausible epoch-ms neighbourhood, so that buckets really fill. */
const anyTime = fc.oneof(
  anyNumber,
  fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }),
  fc.integer({ min: 0, max: 100_000_000 }).map((d) => 1_700_000_000_000 + d * 1000),
);
const anyKey = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }), // lone surrogates included
  fc.constantFrom('', '__proto__', 'constructor', 'hasOwnProperty', 'a\uD800', 'x'.repeat(10_000)),
);
const anyObservation: fc.Arbitrary<Observation | number> = fc.oneof(
  anyNumber,
  fc.record(
    {
      entries: anyNumber,
      inserts: anyNumber,
      deletes: anyNumber,
      oldestAgeSeconds: anyNumber,
      maxEntries: anyNumber,
      ttlSeconds: anyNumber,
    },
    { requiredKeys: ['entries'] },
  ),
);
const anyCall = fc.tuple(anyKey, anyTime, anyObservation, fc.option(anyNumber), fc.option(anyNumber));

/** Detector configurations: the defaults, a tiny series cap (eviction), and a fast one (verdicts in minutes). */
const FAST: LeakDetectorOptions = {
  bucketMs: MINUTE,
  windowMs: 10 * MINUTE,
  minWindowMs: 6 * MINUTE,
  warmupMs: 0,
  holdMs: 2 * MINUTE,
  longWindowMs: 6 * 3_600_000,
};
const CONFIGS: Array<[string, LeakDetectorOptions]> = [
  ['default options', {}],
  ['maxSeries 2', { maxSeries: 2 }],
  ['fast windows', FAST],
];

function snapshot(v: LeakVerdictDetail) {
  return { state: v.state, suspect: v.suspect, growthPerSecond: v.growthPerSecond, reason: v.reason };
}

function checkVerdict(v: LeakVerdictDetail): void {
  expect(LEAK_STATES).toContain(v.state);
  expect(v.suspect).toBe(v.state === 'leak');
  expect(typeof v.growthPerSecond).toBe('number');
  expect(typeof v.reason).toBe('string');
  expect(typeof JSON.stringify(v)).toBe('string');
}

describe.each(CONFIGS)('LeakDetector.observe with %s', (_name, options) => {
  it('returns a well-formed verdict for any key, number and order, never throwing, in bounded time', () => {
    let slowest = 0;
    fc.assert(
      fc.property(fc.array(anyCall, { maxLength: 200 }), (calls) => {
        const detector = new LeakDetector(options);
        for (const [key, t, obs, inserts, deletes] of calls) {
          const started = performance.now();
          const v =
            typeof obs === 'number'
              ? detector.observe(key, t, obs, inserts ?? undefined, deletes ?? undefined)
              : detector.observe(key, t, obs);
          checkVerdict(v);
          slowest = Math.max(slowest, performance.now() - started);
        }
        expect(detector.size).toBeLessThanOrEqual(options.maxSeries ?? 2000);
        for (const [key] of calls) {
          const v = detector.verdict(key);
          if (v !== undefined) checkVerdict(v);
        }
      }),
      { numRuns: 200 },
    );
    // A generous bound: one observe is microseconds; the hang this guards against never returns.
    expect(slowest).toBeLessThan(1000);
  });
});

/** A plausible series (sorted): a leak, a flat map, a fill or a shrink, with noise, counters and ages. */
const seriesArb = fc
  .record({
    t0: fc.integer({ min: 0, max: 2_000_000_000 }).map((s) => s * 1000),
    steps: fc.array(fc.integer({ min: 0, max: 40_000 }), { minLength: 20, maxLength: 160 }),
    base: fc.integer({ min: 0, max: 100_000 }),
    slopePerMin: fc.constantFrom(0, 0.5, 3, 40, -2),
    noise: fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 160, maxLength: 160 }),
    withCounters: fc.boolean(),
    withAges: fc.boolean(),
    maxEntries: fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: undefined }),
  })
  .map(({ t0, steps, base, slopePerMin, noise, withCounters, withAges, maxEntries }) => {
    const points: Array<{ t: number; obs: Observation }> = [];
    let t = t0;
    steps.forEach((step, i) => {
      t += step;
      const minutes = (t - t0) / MINUTE;
      const entries = Math.max(0, Math.round(base + slopePerMin * minutes + noise[i]!));
      const inserts = withCounters ? entries + 10 * i : undefined;
      const deletes = withCounters ? 10 * i : undefined;
      const oldestAgeSeconds = withAges ? (t - t0) / 1000 : undefined;
      points.push({ t, obs: { entries, inserts, deletes, oldestAgeSeconds, maxEntries } });
    });
    return points;
  });

type Point = { key: string; t: number; obs: Observation };

/** Interleaves up to three series under their keys, in time order (ties: first series first). */
const feedArb = fc
  .array(seriesArb, { minLength: 1, maxLength: 3 })
  .map((all) =>
    all.flatMap((points, s) => points.map((p) => ({ key: `series-${s}`, ...p }))).sort((a, b) => a.t - b.t),
  );

/** The points of `feed` the detector keeps: each at or after the last kept point of its series. */
function inOrderSubsequence(feed: readonly Point[]): Point[] {
  const last = new Map<string, number>();
  return feed.filter((p) => {
    const prev = last.get(p.key);
    if (prev !== undefined && p.t < prev) return false;
    last.set(p.key, p.t);
    return true;
  });
}

/** Feeds every point; returns the verdicts after each point the detector kept, per key, and the finals. */
function run(feed: readonly Point[], options: LeakDetectorOptions) {
  const detector = new LeakDetector(options);
  const kept = new Set(inOrderSubsequence(feed));
  const steps: Array<ReturnType<typeof snapshot> & { key: string }> = [];
  for (const p of feed) {
    const before = detector.verdict(p.key);
    const v = detector.observe(p.key, p.t, p.obs);
    if (kept.has(p)) steps.push({ key: p.key, ...snapshot(v) });
    else if (before !== undefined) expect(v).toBe(before); // a dropped point leaves the verdict as it was
  }
  const finals = [...new Set(feed.map((p) => p.key))].sort().map((k) => {
    const v = detector.verdict(k);
    return v && snapshot(v);
  });
  return { steps, finals };
}

/** Moves some points of a sorted feed elsewhere (they arrive late or early), keeping most in order. */
function displace(feed: readonly Point[], moves: ReadonlyArray<readonly [number, number]>): Point[] {
  const out = [...feed];
  for (const [from, to] of moves) {
    const [p] = out.splice(from % out.length, 1);
    out.splice(to % (out.length + 1), 0, p!);
  }
  return out;
}

describe('LeakDetector.observe: order', () => {
  it.each([
    ['default options', {}],
    ['fast windows', FAST],
  ])(
    'a feed with displaced points reaches the verdicts of its in-order subsequence (%s)',
    (_n, options: LeakDetectorOptions) => {
      let nonTrivial = 0;
      fc.assert(
        fc.property(feedArb, fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 40 }), (sorted, moves) => {
          const shuffled = displace(sorted, moves);
          const subsequence = inOrderSubsequence(shuffled);
          const a = run(shuffled, options);
          const b = run(subsequence, options);
          expect(a.steps).toEqual(b.steps);
          expect(a.finals).toEqual(b.finals);
          // Sorted input is its own in-order subsequence: nothing is dropped.
          expect(inOrderSubsequence(sorted)).toHaveLength(sorted.length);
          if (b.finals.some((v) => v !== undefined && v.state !== 'collecting')) nonTrivial++;
        }),
        { numRuns: 150 },
      );
      // The property is not only checked on series too short for a verdict.
      if (options === FAST) expect(nonTrivial).toBeGreaterThan(10);
    },
  );

  it('a fully shuffled feed reaches the verdicts of its in-order subsequence', () => {
    fc.assert(
      fc.property(
        feedArb.chain((sorted) =>
          fc.shuffledSubarray(sorted, { minLength: sorted.length, maxLength: sorted.length }),
        ),
        (shuffled) => {
          const a = run(shuffled, FAST);
          const b = run(inOrderSubsequence(shuffled), FAST);
          expect(a.steps).toEqual(b.steps);
          expect(a.finals).toEqual(b.finals);
        },
      ),
      { numRuns: 100 },
    );
  });
});
