/**
 * `mapwatch analyze` v2 on a query_range JSON holding several families at once: one row per map
 * identity, entries summed over map_kind, deletes over cause, the families aligned on the entries'
 * timestamps and fed through the same detector path as the process (createNameObserver).
 */
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/conventions.js';
import { LeakDetector } from '../../src/detect/leak-detector.js';
import { createNameObserver } from '../../src/detect/monitor.js';
import type { NameObservation } from '../../src/detect/observation.js';
import { groupRows, parseSeriesText, sumSeries, type MapRow } from '../../src/cli/analyze/parse.js';
import { alignRow, detectorFeed, replay } from '../../src/cli/analyze/replay.js';
import type { AnalyzeJsonRow } from '../../src/cli/analyze.js';
import { cli } from '../helpers/analyze-cli.js';

type Values = [number, string][];
interface Item {
  metric: Record<string, string>;
  values: Values;
}
const matrix = (result: Item[]): string =>
  JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });

const T0 = 1_700_000_000; // seconds
const base = { job: 'api', instance: 'h:1' };

/** Deterministic noise in [0, 1). */
function noise(i: number): number {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return x - Math.floor(x);
}

/**
 * 30 h at 60 s of two maps, every family, as Prometheus would export them. `sessions` leaks 2
 * entries a minute (never deleted, so its oldest sampled entry keeps ageing) under a churning working
 * set, its entries split over two map kinds; `cache` is bounded: 5,000 entries declared and held
 * from the start, evicting as fast as it inserts, TTL 600 s. Returns the matrix and, per map, the observations the
 * process would have made at each step.
 */
function scenario(hours = 30): { result: Item[]; truth: Map<string, { t: number; obs: NameObservation }[]> } {
  const steps = hours * 60;
  const s = {
    plain: [] as Values,
    loading: [] as Values,
    inserts: [] as Values,
    explicit: [] as Values,
    expire: [] as Values,
    age: [] as Values,
    neverRead: [] as Values,
    instances: [] as Values,
  };
  const c = {
    entries: [] as Values,
    inserts: [] as Values,
    evict: [] as Values,
    age: [] as Values,
    instances: [] as Values,
    max: [] as Values,
    ttl: [] as Values,
  };
  const truth = new Map<string, { t: number; obs: NameObservation }[]>([
    ['sessions', []],
    ['cache', []],
  ]);
  let leaked = 20_000;
  let working = 0;
  let sIns = 20_000;
  let sDelExplicit = 0;
  let sDelExpire = 0;
  let cEntries = 5000; // a cache that has been running: full from the start
  let cIns = 5000;
  let cEvict = 0;
  for (let i = 0; i < steps; i++) {
    const t = T0 + i * 60;
    leaked += 2;
    sIns += 2;
    const target = Math.floor(1500 * noise(i) ** 3);
    if (target > working) sIns += target - working;
    else {
      sDelExplicit += Math.floor((working - target) / 2);
      sDelExpire += working - target - Math.floor((working - target) / 2);
    }
    working = target;
    const loadingPart = 100;
    const sEntries = leaked + working;
    s.plain.push([t, String(sEntries - loadingPart)]);
    s.loading.push([t, String(loadingPart)]);
    s.inserts.push([t, String(sIns)]);
    s.explicit.push([t, String(sDelExplicit)]);
    s.expire.push([t, String(sDelExpire)]);
    s.age.push([t, String(3600 + i * 60)]);
    s.neverRead.push([t, '0.9']);
    s.instances.push([t, '1']);
    truth.get('sessions')!.push({
      t: t * 1000,
      obs: {
        entries: sEntries,
        inserts: sIns,
        deletes: sDelExplicit + sDelExpire,
        oldestAgeSeconds: 3600 + i * 60,
        instances: 1,
      },
    });
    cIns += 50;
    cEntries += 50;
    if (cEntries > 5000) {
      cEvict += cEntries - 5000;
      cEntries = 5000;
    }
    const cAge = 100 + (i % 10) * 50;
    c.entries.push([t, String(cEntries)]);
    c.inserts.push([t, String(cIns)]);
    c.evict.push([t, String(cEvict)]);
    c.age.push([t, String(cAge)]);
    c.instances.push([t, '1']);
    c.max.push([t, '5000']);
    c.ttl.push([t, '600']);
    truth.get('cache')!.push({
      t: t * 1000,
      obs: {
        entries: cEntries,
        inserts: cIns,
        deletes: cEvict,
        oldestAgeSeconds: cAge,
        maxEntries: 5000,
        ttlSeconds: 600,
        instances: 1,
      },
    });
  }
  const m = (name: string, labels: Record<string, string>, values: Values): Item => ({
    metric: { __name__: name, ...base, ...labels },
    values,
  });
  const result: Item[] = [
    m(METRICS.entries.name, { map_name: 'sessions', map_kind: 'plain' }, s.plain),
    m(METRICS.entries.name, { map_name: 'sessions', map_kind: 'loading' }, s.loading),
    m(METRICS.inserts.name, { map_name: 'sessions' }, s.inserts),
    m(METRICS.deletes.name, { map_name: 'sessions', cause: 'explicit' }, s.explicit),
    m(METRICS.deletes.name, { map_name: 'sessions', cause: 'expire' }, s.expire),
    m(METRICS.oldestSampledAge.name, { map_name: 'sessions' }, s.age),
    m(METRICS.sampledNeverRead.name, { map_name: 'sessions' }, s.neverRead),
    m(METRICS.instances.name, { map_name: 'sessions' }, s.instances),
    m(METRICS.entries.name, { map_name: 'cache', map_kind: 'plain' }, c.entries),
    m(METRICS.inserts.name, { map_name: 'cache' }, c.inserts),
    m(METRICS.deletes.name, { map_name: 'cache', cause: 'evict' }, c.evict),
    m(METRICS.oldestSampledAge.name, { map_name: 'cache' }, c.age),
    m(METRICS.instances.name, { map_name: 'cache' }, c.instances),
    m(METRICS.declaredMaxEntries.name, { map_name: 'cache' }, c.max),
    m(METRICS.declaredTtl.name, { map_name: 'cache' }, c.ttl),
  ];
  return { result, truth };
}

type JsonRow = AnalyzeJsonRow;

/** The in-process path, fed by hand: what the monitor would have answered at the end. */
function direct(observations: { t: number; obs: NameObservation }[]) {
  const observe = createNameObserver(new LeakDetector());
  let firstFlaggedAt: number | null = null;
  let firstGrowingAt: number | null = null;
  let last: ReturnType<typeof observe> | undefined;
  for (const { t, obs } of observations) {
    last = observe('direct', t, obs);
    if (last.state === 'leak') firstFlaggedAt ??= t;
    if (last.state === 'leak' || last.state === 'growing') firstGrowingAt ??= t;
  }
  if (last === undefined) throw new Error('direct(): no observations');
  return { state: last.state, firstFlaggedAt, firstGrowingAt, growthRate: last.growthPerSecond };
}

describe('analyze: several families in one query_range JSON', () => {
  const { result, truth } = scenario();
  const text = matrix(result);

  it('groups one row per map and rebuilds exactly the observations the process made', () => {
    const { rows, ignored, withoutEntries } = groupRows(parseSeriesText(text, 'q.json').series);
    expect(ignored.size).toBe(0);
    expect(withoutEntries).toBe(0);
    expect(rows.map((r) => r.labels)).toEqual([
      { ...base, map_name: 'cache' },
      { ...base, map_name: 'sessions' },
    ]);
    for (const row of rows) {
      const expected = truth.get(row.labels.map_name!)!;
      const got = [...alignRow(row)];
      expect(got).toHaveLength(expected.length);
      got.forEach((g, i) => {
        const want = expected[i]!;
        expect(g.t).toBe(want.t);
        for (const [k, v] of Object.entries(want.obs)) expect(g.obs[k as keyof NameObservation], k).toBe(v);
      });
    }
  });

  it('reaches the same verdicts as the in-process detector path fed by hand', async () => {
    const { code, out } = await cli(['-', '--json'], text);
    expect(code).toBe(0);
    const rows = JSON.parse(out) as JsonRow[];
    for (const row of rows) {
      const want = direct(truth.get(row.series.map_name!)!);
      expect(row.state).toBe(want.state);
      expect(row.firstFlaggedAt).toBe(want.firstFlaggedAt);
      expect(row.firstGrowingAt).toBe(want.firstGrowingAt);
      expect(row.growthRate).toBeCloseTo(want.growthRate, 12);
      expect(row.suspect).toBe(want.firstFlaggedAt !== null);
    }
    const byName = new Map(rows.map((r) => [r.series.map_name, r]));
    // With every family present the leak is confirmed; the bounded cache never grows.
    expect(byName.get('sessions')!.state).toBe('leak');
    expect(byName.get('sessions')!.suspect).toBe(true);
    expect(byName.get('sessions')!.growthRate).toBeGreaterThan(0);
    expect(byName.get('cache')!.suspect).toBe(false);
    expect(byName.get('cache')!.firstGrowingAt).toBeNull();
    expect(['ok', 'collecting']).toContain(byName.get('cache')!.state);
  });

  it('gives the same rows whatever the order of the series and of their points', async () => {
    const shuffled = result
      .map((item, i) => ({
        ...item,
        values: [...item.values].sort((a, b) => noise(a[0] + i) - noise(b[0] + i)),
      }))
      .reverse();
    const a = await cli(['-', '--json'], text);
    const b = await cli(['-', '--json'], matrix(shuffled));
    expect(b.code).toBe(0);
    expect(b.out).toBe(a.out);
  });

  it('prints the table with state, growth, first flagged, first growing and reason', async () => {
    const { code, out } = await cli(['-'], text);
    expect(code).toBe(0);
    const [head, ...lines] = out.trimEnd().split('\n');
    expect(head).toMatch(/^series\s+state\s+growth\s+first flagged\s+first growing\s+reason$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/map_name="sessions"\}\s+leak\s+\+[\d.,]+\/h\s+\d{4}-\d\d-\d\dT\S+Z\s+\d{4}-/);
  });
});

describe('analyze: grouping and alignment rules', () => {
  const pts = (...xs: [number, number][]) => xs.map(([t, v]) => ({ t, v }));

  it('sums entries over map_kind at each timestamp and deletes over cause with carried values', () => {
    expect(sumSeries([pts([1, 10], [2, 11], [3, 12]), pts([2, 5], [3, 6])], 'exact')).toEqual(
      pts([1, 10], [2, 16], [3, 18]),
    );
    // A cause that misses a sample does not make the counter drop; one not yet seen counts 0.
    expect(sumSeries([pts([1, 10], [3, 12]), pts([2, 5], [3, 6])], 'carry')).toEqual(
      pts([1, 10], [2, 15], [3, 18]),
    );
  });

  it('counts a series without __name__ as entries and ignores other metrics, with a note', async () => {
    const text = matrix([
      { metric: { map_name: 'a' }, values: [[T0, '5']] },
      { metric: { __name__: 'process_resident_memory_bytes', job: 'x' }, values: [[T0, '1']] },
      { metric: { __name__: METRICS.inserts.name, map_name: 'b' }, values: [[T0, '1']] },
    ]);
    const { code, out, err } = await cli(['-', '--json'], text);
    expect(code).toBe(0);
    const rows = JSON.parse(out) as JsonRow[];
    expect(rows.map((r) => r.series)).toEqual([{ map_name: 'a' }]);
    expect(err).toMatch(
      /note: ignored series of metrics analyze does not read: process_resident_memory_bytes \(1\)/,
    );
    expect(err).toMatch(/note: 1 map\(s\) had no mapwatch_map_entries series/);
  });

  it('refuses an input with series but no entries family, in one line', async () => {
    const text = matrix([{ metric: { __name__: METRICS.inserts.name, map_name: 'b' }, values: [[T0, '1']] }]);
    const { code, out, err } = await cli(['-'], text);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(
      `mapwatch analyze: no ${METRICS.entries.name} series in the input (the only required family); include it in the query\n`,
    );
  });

  it('says so when the result is empty', async () => {
    const { code, out } = await cli(['-'], matrix([]));
    expect(code).toBe(0);
    expect(out).toBe('no series in the input\n');
  });

  it('aligns on the entries: latest value at or before, undefined before the first, counters raw', () => {
    const row: MapRow = {
      labels: { map_name: 'a' },
      entries: pts([1000, 1], [2000, 2], [3000, 3], [4000, 4]),
      families: {
        inserts: pts([1500, 100], [3000, 5]), // a reset at 3000 stays as recorded
        maxEntries: pts([5000, 9]), // only after the last entries point
      },
    };
    const got = [...alignRow(row)].map(({ t, obs }) => [t, obs.entries, obs.inserts, obs.maxEntries]);
    expect(got).toEqual([
      [1000, 1, undefined, undefined],
      [2000, 2, 100, undefined],
      [3000, 3, 5, undefined],
      [4000, 4, 5, undefined],
    ]);
  });

  it('sorts points and lets the last of duplicate timestamps win', () => {
    const text = matrix([
      {
        metric: { map_name: 'a' },
        values: [
          [T0 + 2, '3'],
          [T0, '1'],
          [T0 + 1, '7'],
          [T0 + 1, '2'],
        ],
      },
    ]);
    const { series, skipped } = parseSeriesText(text, 'q.json');
    expect(series[0]!.points).toEqual(pts([T0 * 1000, 1], [(T0 + 1) * 1000, 2], [(T0 + 2) * 1000, 3]));
    expect(skipped.duplicates).toBe(1);
  });

  it('merges one series split over several result items (as chunked fetches return it)', () => {
    const metric = { __name__: METRICS.entries.name, map_name: 'a', map_kind: 'plain' };
    const text = matrix([
      { metric, values: [[T0 + 60, '2']] },
      { metric, values: [[T0, '1']] },
    ]);
    const { rows } = groupRows(parseSeriesText(text, 'q.json').series);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.entries).toEqual(pts([T0 * 1000, 1], [(T0 + 60) * 1000, 2]));
  });

  it('stretches time, ages and TTLs with --time-scale; reports times and rates in the input time', () => {
    const row: MapRow = {
      labels: {},
      entries: pts([10_000, 1], [11_000, 2]),
      families: {
        oldestAgeSeconds: pts([10_000, 5]),
        ttlSeconds: pts([10_000, 30]),
        inserts: pts([10_000, 7]),
      },
    };
    expect([...detectorFeed(row, 60)]).toEqual([
      {
        t: 10_000,
        tMs: 10_000,
        obs: expect.objectContaining({ entries: 1, oldestAgeSeconds: 300, ttlSeconds: 1800, inserts: 7 }),
      },
      {
        t: 11_000,
        tMs: 70_000,
        obs: expect.objectContaining({ entries: 2, oldestAgeSeconds: 300, ttlSeconds: 1800, inserts: 7 }),
      },
    ]);
    const long: MapRow = {
      labels: {},
      entries: Array.from({ length: 400 }, (_, i) => ({ t: T0 * 1000 + i * 1000, v: 1000 + i })),
      families: {},
    };
    expect(replay(long, { timeScale: 60 }).points).toBe(400);
    expect(() => replay(long, { timeScale: 0 })).toThrow(RangeError);
    expect(() => replay(long, { timeScale: Infinity })).toThrow(RangeError);
  });
});
