/**
 * The detector's contract: states and reasons, declared bounds, entries alone, hostile input, and the
 * same verdicts through `mapwatch analyze`'s path as through the in-process monitor.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LeakDetector } from '../../src/detect/leak-detector.js';
import { createNameObserver, nameObservation, startLeakDetection } from '../../src/detect/monitor.js';
import { groupRows, parseSeriesText } from '../../src/cli/analyze/parse.js';
import { alignRow } from '../../src/cli/analyze/replay.js';
import { MapRegistry, type NameSnapshot, type RegistrySnapshot } from '../../src/registry.js';
import { MapStats } from '../../src/stats/map-stats.js';
import { NEGATIVE_FAMILIES, scenarios } from '../helpers/scenarios.js';
import { manifest } from '../helpers/scorecard.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

/** A steady leak with every piece of evidence: +600/h, nothing deleted, ages as old as the map. */
function feedSteadyLeak(d: LeakDetector, minutes: number, extra: object = {}) {
  let v = d.verdict('s');
  for (let m = 0; m <= minutes; m++) {
    const entries = 10 * m;
    v = d.observe('s', T0 + m * MIN, {
      entries,
      inserts: entries,
      deletes: 0,
      oldestAgeSeconds: m * 60,
      ...extra,
    });
  }
  return v!;
}

describe('LeakDetector states', () => {
  it('is collecting (never ok) before warm-up and the shortest window, and says how long it needs', () => {
    const v = feedSteadyLeak(new LeakDetector(), 30);
    expect(v.state).toBe('collecting');
    expect(v.suspect).toBe(false);
    expect(v.reason).toMatch(/^collecting: 30 min observed, a verdict needs 1.25 h/);
  });

  it('confirms a leak present from the first minute within 2 h, naming the evidence', () => {
    const d = new LeakDetector();
    let firstLeak: number | undefined;
    for (let m = 0; m <= 180; m++) {
      const v = d.observe('s', T0 + m * MIN, {
        entries: 10 * m,
        inserts: 10 * m,
        deletes: 0,
        oldestAgeSeconds: m * 60,
      });
      if (v.state === 'leak' && firstLeak === undefined) firstLeak = m;
    }
    expect(firstLeak).toBeDefined();
    expect(firstLeak!).toBeLessThanOrEqual(120);
    const v = d.verdict('s')!;
    expect(v.suspect).toBe(true);
    expect(v.reason).toMatch(/oldest sampled entry [0-9.]+ h old, as old as the map; 0 deletes/);
    expect(v.growthPerSecond * 3600).toBeCloseTo(600, -1);
  });

  it('a declared maxEntries not exceeded is ok; above it the evidence decides', () => {
    expect(feedSteadyLeak(new LeakDetector(), 180, { maxEntries: 5000 }).state).toBe('ok');
    expect(feedSteadyLeak(new LeakDetector(), 180, { maxEntries: 5000 }).reason).toMatch(
      /within its declared bound: 1,800 of 5,000/,
    );
    expect(feedSteadyLeak(new LeakDetector(), 180, { maxEntries: 1000 }).state).toBe('leak');
  });

  it('a declared TTL the oldest entry respects is ok; entries that outlive it are not protected', () => {
    expect(feedSteadyLeak(new LeakDetector(), 180, { ttlSeconds: 24 * 3600 }).state).toBe('ok');
    expect(feedSteadyLeak(new LeakDetector(), 180, { ttlSeconds: 600 }).state).toBe('leak');
  });

  it('entries that leave within the window bound the map, whatever the floor does', () => {
    const d = new LeakDetector();
    let v = d.verdict('s');
    for (let m = 0; m <= 240; m++)
      v = d.observe('s', T0 + m * MIN, {
        entries: 10 * m,
        inserts: 20 * m,
        deletes: 10 * m,
        oldestAgeSeconds: Math.min(m, 45) * 60,
      });
    expect(v!.state).toBe('ok');
    expect(v!.reason).toMatch(/entries leave: the oldest sampled entry is 45 min old/);
  });
});

describe('entries alone', () => {
  it('a steady leak reaches growing within 3 h, and the reason names the missing evidence', () => {
    const d = new LeakDetector();
    let growingAt: number | undefined;
    for (let m = 0; m <= 180; m++) {
      const v = d.observe('s', T0 + m * MIN, 5000 + 12 * m);
      if (v.state === 'growing' && growingAt === undefined) growingAt = m;
      expect(v.state).not.toBe('leak');
    }
    expect(growingAt).toBeDefined();
    expect(d.verdict('s')!.reason).toMatch(
      /no survival ages \(sampling off\): unconfirmed; no insert\/delete counters/,
    );
  });

  it('no bounded shape of the generator suite ever reaches leak', () => {
    for (const family of NEGATIVE_FAMILIES) {
      for (const s of scenarios(family, 3, 11)) {
        const d = new LeakDetector();
        for (const o of s.observations) expect(d.observe('s', o.t, o.entries).state, s.id).not.toBe('leak');
      }
    }
  });
});

describe('hostile input', () => {
  it('returns at once on huge, non-finite, negative and unsorted input, ignoring it', () => {
    const d = new LeakDetector();
    const started = performance.now();
    for (const t of [1e23, 1e20, -1e23, NaN, Infinity, 8.64e15 + 1])
      expect(d.observe('s', t, 1).state).toBe('collecting');
    expect(d.size).toBe(0);
    d.observe('s', T0, 1);
    d.observe('s', 8.64e15, 1); // the largest timestamp accepted, far ahead: bucket arithmetic stays bounded
    for (const e of [NaN, -1, Infinity]) d.observe('s', 8.64e15, e);
    expect(d.observe('s', T0, 5).state).toBe('collecting'); // older than the last: ignored
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('survives a bucketMs of 1 s across the whole range of dates, and a stream of new keys past the cap', () => {
    const d = new LeakDetector({ bucketMs: 1000, maxSeries: 1000 });
    for (const t of [-8.64e15, 0, 8.64e15]) d.observe('s', t, 1);
    expect(d.verdict('s')!.state).toBe('collecting');
    for (let i = 0; i < 200_000; i++) d.observe(`k${i}`, T0 + i, 1);
    expect(d.size).toBeLessThanOrEqual(1000);
    expect(d.evicted).toBeGreaterThanOrEqual(199_000);
    expect(() => new LeakDetector({ bucketMs: 1 })).toThrow(/at least 1000/);
  });

  it('forgets the least recently observed series past maxSeries', () => {
    const d = new LeakDetector({ maxSeries: 2 });
    d.observe('a', T0, 1);
    d.observe('b', T0, 1);
    d.observe('a', T0 + 1, 1);
    d.observe('c', T0 + 2, 1);
    expect(d.verdict('b')).toBeUndefined();
    expect(d.verdict('a')).toBeDefined();
    expect(d.evicted).toBe(1);
  });

  it('rejects bad options with a message that says what to pass', () => {
    expect(() => new LeakDetector({ bucketMs: 0 })).toThrow(/bucketMs must be a positive number/);
    expect(() => new LeakDetector({ windowMs: 7 * MIN })).toThrow(/whole buckets/);
    expect(() => new LeakDetector({ minSurvival: 2 })).toThrow(/from 0 to 1/);
    expect(() => startLeakDetection({ intervalMs: 2 ** 31 })).toThrow(/up to 2147483647/);
  });
});

/** A registry whose snapshots are read from a recording: the monitor sees what the process saw. */
class RecordedRegistry extends MapRegistry {
  snapshot: NameSnapshot | undefined;
  override collect(): RegistrySnapshot {
    return { names: this.snapshot ? [this.snapshot] : [], trackedNames: 1, overflow: 0 };
  }
}

describe('analyze and the in-process monitor reach the same states on recorded data', () => {
  for (const m of manifest().slice(0, 6)) {
    it(m.file, () => {
      const [row] = groupRows(
        parseSeriesText(
          readFileSync(new URL(`../fixtures/recorded/${m.file}`, import.meta.url), 'utf8'),
          m.file,
        ).series,
      ).rows;
      const analyze = createNameObserver(new LeakDetector());
      let t = 0;
      const registry = new RecordedRegistry({ now: () => t });
      const monitor = startLeakDetection({ registry, now: () => t, intervalMs: HOUR });
      const states: [string, string][] = [];
      for (const { t: at, obs } of alignRow(row!)) {
        t = at;
        const map = new MapStats();
        map.inserts = obs.inserts ?? 0;
        map.deletesExplicit = obs.deletes ?? 0;
        registry.snapshot = {
          name: 'm',
          kinds: new Set(['plain']),
          entriesByKind: new Map([['plain', obs.entries]]),
          instances: obs.instances ?? 1,
          map,
          lock: undefined,
          shardImbalance: undefined,
          leak: undefined,
          declaredMaxEntries: obs.maxEntries,
          declaredTtlSeconds: obs.ttlSeconds,
          survival:
            obs.oldestAgeSeconds === undefined
              ? undefined
              : { oldestAgeSeconds: obs.oldestAgeSeconds, neverReadRatio: 0 },
        };
        expect(nameObservation(registry.snapshot)).toMatchObject({
          entries: obs.entries,
          oldestAgeSeconds: obs.oldestAgeSeconds,
        });
        monitor.tick();
        const inProcess =
          registry.snapshot === undefined ? undefined : monitor.detector.verdict('m\u0000entries');
        states.push([analyze('m', at, obs).state, inProcess?.state ?? 'none']);
      }
      monitor.stop();
      expect(states.length).toBeGreaterThan(100);
      for (const [a, b] of states) expect(b).toBe(a);
    });
  }
});
