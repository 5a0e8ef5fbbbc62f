/**
 * `mapwatch analyze` at its boundaries: --timeout values AbortSignal.timeout cannot take, well-formed
 * JSON nested deeper than String()/JSON.stringify can recurse, and families that stop being exported
 * (carried forward only within Prometheus' lookback delta). Fake servers listen on 127.0.0.1 only and
 * are closed by the test that started them.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { AnalyzeJsonRow } from '../src/cli/analyze.js';
import { parseSeriesText, type MapRow, type Point } from '../src/cli/analyze/parse.js';
import { LOOKBACK_MS, alignRow } from '../src/cli/analyze/replay.js';
import { MAX_TIMEOUT_MS, PrometheusSourceError, fetchQueryRange } from '../src/cli/prometheus-source.js';
import { METRICS } from '../src/conventions.js';
import { scalarPoints } from '../src/export/samples.js';
import { InstrumentedMap, MapRegistry, startLeakDetection } from '../src/index.js';
import { cli, expectRefused } from './helpers/analyze-cli.js';

/** A server on 127.0.0.1 that answers every request with `status` and `body`; never, for status 0. */
async function fakeServer(
  status: number,
  body: string,
): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((req, res: ServerResponse) => {
    hits++;
    req.resume();
    if (status === 0) return; // held open until close()
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const EMPTY_MATRIX = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } });

describe('--timeout is refused outside what AbortSignal.timeout takes', () => {
  // No request is made: the option is checked before anything is fetched (port 9 is never reached).
  const refusal = (value: string) =>
    new RegExp(
      `^mapwatch analyze: --timeout needs a duration from 1ms to ${MAX_TIMEOUT_MS}ms \\(about 24\\.8 days\\), such as 30s or 5m, got "${value.replace('.', '\\.')}"\\n$`,
    );

  it.each([['60d'], ['1y']])('refuses --timeout %s with exit 2 and the allowed range', async (value) => {
    expectRefused(await cli(['--prometheus', 'http://127.0.0.1:9', '--timeout', value]), refusal(value));
  });

  it.each([['--step'], ['--range'], ['--timeout']])(
    'refuses %s given a number of 400 digits (Infinity once parsed)',
    async (option) => {
      const huge = `1${'0'.repeat(400)}`;
      expectRefused(
        await cli(['--prometheus', 'http://127.0.0.1:9', option, huge]),
        new RegExp(`^mapwatch analyze: ${option} needs a duration`),
      );
    },
  );

  it('accepts 2147483.647 s (2^31 - 1 ms) and refuses one ms more', async () => {
    const s = await fakeServer(200, EMPTY_MATRIX);
    try {
      const last = await cli(['--prometheus', s.url, '--timeout', '2147483.647', '--range', '1m']);
      expect(last).toMatchObject({ code: 0, out: 'no series in the input\n', err: '' });
      const over = await cli(['--prometheus', s.url, '--timeout', '2147483.648', '--range', '1m']);
      expectRefused(over, refusal('2147483.648'));
      expect(s.hits()).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('rounds --timeout 0.0005 (half a ms) up to 1 ms: a server that never answers is given up on', async () => {
    const s = await fakeServer(0, '');
    try {
      expectRefused(
        await cli(['--prometheus', s.url, '--timeout', '0.0005', '--range', '1m']),
        /did not answer within 0\.001 s; check the URL, or raise --timeout/,
      );
    } finally {
      await s.close();
    }
  });

  it('accepts --timeout 1.0001 (1000.1 ms, rounded up to 1001 ms) and runs', async () => {
    const s = await fakeServer(200, EMPTY_MATRIX);
    try {
      const r = await cli(['--prometheus', s.url, '--timeout', '1.0001', '--range', '1m']);
      expect(r).toMatchObject({ code: 0, out: 'no series in the input\n', err: '' });
      expect(s.hits()).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('fetchQueryRange refuses a timeout AbortSignal.timeout would throw on, before any request', async () => {
    let calls = 0;
    const fetchImpl = (() => {
      calls++;
      return Promise.reject(new Error('not reached'));
    }) as typeof fetch;
    for (const timeoutMs of [MAX_TIMEOUT_MS + 1, 0.5, 0]) {
      const got = fetchQueryRange({
        url: 'http://127.0.0.1:9',
        selector: '{}',
        startMs: 0,
        endMs: 60_000,
        stepMs: 60_000,
        timeoutMs,
        maxBytes: 1000,
        fetchImpl,
      });
      await expect(got).rejects.toThrow(PrometheusSourceError);
      await expect(got).rejects.toThrow(/--timeout needs a whole number of ms from 1 to 2147483647/);
    }
    expect(calls).toBe(0);
  });
});

describe('deeply nested JSON is described without recursing into it', () => {
  const DEPTH = 100_000;
  const deep = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
  const matrixWith = (metric: string, values: string) =>
    `{"status":"success","data":{"resultType":"matrix","result":[{"metric":${metric},"values":${values}}]}}`;
  // The start of the nested array as `show` renders it, cut with "...".
  const SHOWN = '\\[{37}\\.\\.\\.';

  it.each([
    [
      'a timestamp',
      matrixWith('{"__name__":"mapwatch_map_entries"}', `[[${deep},"1"]]`),
      `stdin: data\\.result\\[0\\]\\.values\\[0\\] has a bad timestamp ${SHOWN}; expected Unix seconds`,
    ],
    [
      'a value',
      matrixWith('{"__name__":"mapwatch_map_entries"}', `[[1700000000,${deep}]]`),
      `stdin: data\\.result\\[0\\]\\.values\\[0\\] has a bad value ${SHOWN}; expected a number as a string`,
    ],
    [
      'resultType',
      `{"status":"success","data":{"resultType":${deep},"result":[]}}`,
      `stdin: resultType is ${SHOWN}, not "matrix"`,
    ],
    [
      'a label value',
      matrixWith(`{"a":${deep}}`, '[]'),
      `stdin: data\\.result\\[0\\]\\.metric label "a" has the value ${SHOWN}, not a string; label values are strings`,
    ],
    [
      'the error of an error response',
      `{"status":"error","errorType":"bad_data","error":${deep}}`,
      `stdin is a Prometheus error response \\(bad_data: \\(an array, not a string: ${SHOWN}\\)\\); re-run the query`,
    ],
    [
      'the errorType of an error response',
      `{"status":"error","errorType":${deep},"error":"x"}`,
      `stdin is a Prometheus error response \\(\\(an array, not a string: ${SHOWN}\\): x\\)`,
    ],
  ])('refuses %s nested 100,000 deep with exit 2', async (_what, text, message) => {
    expectRefused(await cli(['-'], text), new RegExp(`^mapwatch analyze: ${message}`));
  });

  it('refuses a label value that is a number, naming the label', async () => {
    expectRefused(
      await cli(['-'], matrixWith('{"map_name":7}', '[[1700000000,"1"]]')),
      /data\.result\[0\]\.metric label "map_name" has the value 7, not a string/,
    );
  });

  it('exits 2 on an HTTP 400 from --prometheus whose error and status nest 100,000 deep', async () => {
    for (const body of [
      `{"status":"error","errorType":"x","error":${deep}}`,
      `{"status":${deep},"errorType":"x","error":"y"}`,
    ]) {
      const s = await fakeServer(400, body);
      try {
        expectRefused(
          await cli(['--prometheus', s.url, '--range', '1m']),
          /answered HTTP 400, status (\[{37}\.\.\.|"error") \(x: (\(an array, not a string: \[{37}\.\.\.\)|y)\); check --selector/,
        );
      } finally {
        await s.close();
      }
    }
  });

  it('reads a Prometheus answer whose warnings nest 100,000 deep, quoting them briefly', async () => {
    const s = await fakeServer(
      200,
      `{"status":"success","warnings":[${deep}],"data":{"resultType":"matrix","result":[]}}`,
    );
    try {
      const r = await cli(['--prometheus', s.url, '--range', '1m']);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(
        /^mapwatch analyze: note: Prometheus warning: \(an array, not a string: \[{37}\.\.\.\)\n$/,
      );
    } finally {
      await s.close();
    }
  });
});

describe('a family is carried forward only within the lookback delta', () => {
  const pts = (...p: [number, number][]): Point[] => p.map(([t, v]) => ({ t, v }));

  it('carries a value up to 5 minutes old, and counts it absent after that', () => {
    expect(LOOKBACK_MS).toBe(5 * 60_000); // Prometheus' default lookback delta
    const row: MapRow = {
      labels: { map_name: 'a' },
      entries: pts([0, 1], [60_000, 2], [LOOKBACK_MS, 3], [LOOKBACK_MS + 1, 4], [LOOKBACK_MS + 60_000, 5]),
      families: {
        maxEntries: pts([0, 100]),
        inserts: pts([0, 10], [LOOKBACK_MS + 60_000, 20]), // back after a gap: read again
      },
    };
    const got = [...alignRow(row)].map(({ t, obs }) => [t, obs.maxEntries, obs.inserts]);
    expect(got).toEqual([
      [0, 100, 10],
      [60_000, 100, 10],
      [LOOKBACK_MS, 100, 10],
      [LOOKBACK_MS + 1, undefined, undefined],
      [LOOKBACK_MS + 60_000, undefined, 20],
    ]);
  });

  it('reaches the in-process final state when a declared bound stops being exported', async () => {
    // A declared map that keeps growing (~11 entries a minute) under its bound; after 3 hours an
    // undeclared instance of the same name appears, so the name has no declared bound any more and
    // mapwatch_map_declared_max_entries is no longer exported. 36 hours, scraped every minute.
    let now = Date.UTC(2025, 0, 1);
    const registry = new MapRegistry({ now: () => now });
    const monitor = startLeakDetection({ registry, now: () => now, intervalMs: 60_000 });
    monitor.stop(); // ticked by hand below
    const a = new InstrumentedMap<string, number>({ name: 'sessions', registry, maxEntries: 100_000 });
    const families = [
      METRICS.entries,
      METRICS.inserts,
      METRICS.deletes,
      METRICS.oldestSampledAge,
      METRICS.instances,
      METRICS.declaredMaxEntries,
      METRICS.declaredTtl,
    ];
    const series = new Map<string, { metric: Record<string, string>; values: [number, string][] }>();
    let sibling: InstrumentedMap<string, number> | undefined;
    let k = 0;
    let inProcess: string | undefined;
    let firstLeak: number | undefined;
    for (let minute = 0; minute < 36 * 60; minute++) {
      now += 60_000;
      for (let i = 0; i < 12; i++) a.set(`k${k++}`, 1);
      a.delete(`k${k - 12}`);
      if (minute === 3 * 60) sibling = new InstrumentedMap({ name: 'sessions', registry });
      monitor.tick();
      const snap = registry.collect();
      for (const spec of families) {
        for (const p of scalarPoints(spec, snap)) {
          const metric = { __name__: spec.name, ...p.labels };
          const key = JSON.stringify(metric);
          if (!series.has(key)) series.set(key, { metric, values: [] });
          series.get(key)!.values.push([now / 1000, String(p.value)]);
        }
      }
      inProcess = snap.names.find((n) => n.name === 'sessions')?.leak?.state;
      if (inProcess === 'leak') firstLeak ??= now;
    }
    expect(sibling?.size).toBe(0);
    // The premise: the bound stopped being exported long before the end.
    const bound = [...series.values()].find((s) => s.metric.__name__ === METRICS.declaredMaxEntries.name);
    expect(bound?.values.length).toBeLessThan((36 * 60) / 2);
    expect(inProcess).toBe('leak');

    const text = JSON.stringify({
      status: 'success',
      data: { resultType: 'matrix', result: [...series.values()] },
    });
    expect(parseSeriesText(text, 'x').series.length).toBeGreaterThan(1);
    const r = await cli(['-', '--json'], text);
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out) as AnalyzeJsonRow[];
    expect(rows.map((row) => [row.series, row.state])).toEqual([[{ map_name: 'sessions' }, inProcess]]);
    // The bound still counts for up to LOOKBACK_MS after its last sample, as in a Prometheus query, so
    // analyze may flag up to that much later than the monitor, never sooner.
    const lag = rows[0]!.firstFlaggedAt! - firstLeak!;
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThanOrEqual(LOOKBACK_MS);
  });
});
