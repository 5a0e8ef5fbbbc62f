// Cost of the leak detector per observed series: time per observation (every piece of evidence fed,
// buckets completing as in production) and memory per series with its rings full, beside the cost of
// copying the same observation into a plain Map (the least any per-series bookkeeping costs).
// `npm run build && node --expose-gc bench/run.js detector` runs it alone.
import { LeakDetector } from '../dist/detect/leak-detector.js';
import { QUICK, compareSync, goal, makeLoop, withRatios } from './harness.js';

const SERIES = QUICK ? 200 : 2000;
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1);

/** Observations of `SERIES` series, one a minute each, as the monitor feeds them. */
function observations(minutes) {
  const out = [];
  for (let m = 0; m < minutes; m++)
    for (let i = 0; i < SERIES; i++) {
      out.push({
        key: `map-${i}`,
        t: T0 + m * MINUTE,
        obs: {
          entries: 1000 + m * (i % 7),
          inserts: 2000 + m * 10,
          deletes: 1000 + m * 9,
          oldestAgeSeconds: m * 60,
        },
      });
    }
  return out;
}

/**
 * A collected heap with the FinalizationRegistry callbacks of earlier sections run: a single gc() leaves
 * their dead tokens' weak cells for the next turn, and freeing them in the middle of a measurement once
 * cut this one's figure to a sixth.
 */
async function settledBytes() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  globalThis.gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Bytes per series with every ring full: heap plus typed-array backing stores, after a full GC. */
async function bytesPerSeries() {
  const feed = observations(QUICK ? 200 : 26 * 60); // a day and more: both rings wrap
  const before = await settledBytes();
  const detector = new LeakDetector({ maxSeries: SERIES });
  for (const o of feed) detector.observe(o.key, o.t, o.obs);
  const after = await settledBytes();
  // Both stay reachable until after the measurement, so neither's collection skews it.
  globalThis.__benchSink = detector.size + feed.length;
  return (after - before) / SERIES;
}

export async function run() {
  // Three hours of warm series, then timed observations that keep completing buckets.
  const warm = observations(180);
  const timed = observations(QUICK ? 10 : 120);
  const prepareDetector = () => {
    const detector = new LeakDetector({ maxSeries: SERIES });
    for (const o of warm) detector.observe(o.key, o.t + 0, o.obs);
    return { detector, feed: timed.map((o) => ({ ...o, t: o.t + 180 * MINUTE })) };
  };
  const results = compareSync(
    [
      {
        name: 'Map#set of the observation',
        prepare: () => ({ map: new Map(), feed: timed }),
        loop: makeLoop('const o = s.feed[i % s.feed.length]; s.map.set(o.key, o.obs); acc += s.map.size;'),
      },
      {
        name: 'LeakDetector.observe',
        prepare: prepareDetector,
        loop: makeLoop(
          'const o = s.feed[i % s.feed.length]; acc += s.detector.observe(o.key, o.t, o.obs).growthPerSecond;',
        ),
      },
    ],
    { ops: timed.length, warmup: QUICK ? 0 : 1 },
  );
  const rows = withRatios('observe', results, 'Map#set of the observation');
  const usPerObservation = rows.find((r) => r.candidate === 'LeakDetector.observe').nsPerOp / 1000;
  const kb = (await bytesPerSeries()) / 1024;
  return {
    title: 'Leak detector per observed series (ns/op, ratio to a Map#set in the same run)',
    baseline: 'Map#set of the observation',
    rows,
    goals: [
      { ...goal('time per observation <= 5 µs', usPerObservation, 5), unit: ' µs' },
      { ...goal('memory per series, rings full, <= 4 KB', kb, 4), unit: ' KB' },
    ],
    notes: [
      `${SERIES} series observed once a minute with entries, both counters and the oldest sampled age; every fifth observation completes a 5-minute bucket and re-evaluates the window, every sixtieth an hourly one.`,
      'Memory is the heap plus typed-array backing stores after a full GC, over a day of observations (both rings full), divided by the series count.',
    ],
  };
}
