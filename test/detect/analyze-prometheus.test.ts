/**
 * `mapwatch analyze --prometheus URL`: the selector and range plumbing, error handling against small
 * fake servers, and the whole path against a REAL Prometheus (Debian `prometheus` + `promtool`): 30 h
 * of generated mapwatch families are backfilled with `promtool tsdb create-blocks-from openmetrics`,
 * a Prometheus with no scrape targets serves them on 127.0.0.1, and analyze reads them back.
 * Every server listens on 127.0.0.1 with a free port and is stopped after its tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, waitReady, type StackProcess } from '../../scripts/stack.mjs';
import { runCli, type CliIo } from '../../src/cli/main.js';
import {
  DEFAULT_SELECTOR,
  MAX_POINTS_PER_REQUEST,
  buildSelector,
  familyNameMatcher,
  parseDuration,
  parseTime,
  planChunks,
} from '../../src/cli/prometheus-source.js';
import { METRICS } from '../../src/conventions.js';
import { requireTool } from '../helpers/tools.js';
import type { AnalyzeJsonRow } from '../../src/cli/analyze.js';

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), readStdin: async () => '' };
  const started = performance.now();
  const code = await runCli(['analyze', ...args], io);
  return { code, out, err, ms: performance.now() - started };
}

type JsonRow = AnalyzeJsonRow;

describe('selector, durations and chunks', () => {
  it('builds the default selector from METRICS and adds the user matchers', () => {
    const names = [
      METRICS.entries,
      METRICS.inserts,
      METRICS.deletes,
      METRICS.oldestSampledAge,
      METRICS.sampledNeverRead,
      METRICS.instances,
      METRICS.declaredMaxEntries,
      METRICS.declaredTtl,
    ].map((m) => m.name);
    const m = /^__name__=~"(.*)"$/.exec(familyNameMatcher())!;
    const re = new RegExp(`^(?:${m[1]})$`);
    for (const n of names) expect(n).toMatch(re);
    expect(METRICS.lookups.name).not.toMatch(re);
    expect(DEFAULT_SELECTOR).toBe(
      '{__name__=~"mapwatch_map_(entries|inserts_total|deletes_total|oldest_sampled_age_seconds|sampled_never_read_ratio|instances|declared_max_entries|declared_ttl_seconds)"}',
    );
    expect(buildSelector(undefined)).toBe(DEFAULT_SELECTOR);
    expect(buildSelector('{}')).toBe(DEFAULT_SELECTOR);
    expect(buildSelector(' {job="api", map_name=~"s.*",} ')).toBe(
      `{${familyNameMatcher()},job="api", map_name=~"s.*"}`,
    );
  });

  it('reads durations and times', () => {
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('60')).toBe(60_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    for (const bad of ['', 'h', '5 hours', '-1h', '1.5h', '1e3']) expect(parseDuration(bad)).toBeUndefined();
    expect(parseTime('1700000000')).toBe(1_700_000_000_000);
    expect(parseTime('2023-11-14T22:13:20Z')).toBe(1_700_000_000_000);
    expect(parseTime('tomorrow')).toBeUndefined();
  });

  it('cuts a range into contiguous requests of at most 11,000 points on the step grid', () => {
    const start = 1_700_000_000_000;
    const step = 5_000;
    const end = start + 30 * 3_600_000; // 21,601 points
    const chunks = planChunks(start, end, step);
    expect(chunks).toHaveLength(2);
    expect(chunks[0]!.startMs).toBe(start);
    expect(chunks[chunks.length - 1]!.endMs).toBe(end);
    let points = 0;
    chunks.forEach((c, i) => {
      const n = (c.endMs - c.startMs) / step + 1;
      expect(n).toBeLessThanOrEqual(MAX_POINTS_PER_REQUEST);
      expect(Number.isInteger(n)).toBe(true);
      if (i > 0) expect(c.startMs).toBe(chunks[i - 1]!.endMs + step);
      points += n;
    });
    expect(points).toBe(21_601);
    expect(planChunks(start, start, step)).toEqual([{ startMs: start, endMs: start }]);
  });
});

/** A throwaway HTTP server on 127.0.0.1; `handler` sees each request with its form body parsed. */
async function fakeServer(
  handler: (req: IncomingMessage, form: URLSearchParams, res: ServerResponse) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      if (body.length < 100_000) body += c.toString('utf8');
    });
    req.on('end', () => handler(req, new URLSearchParams(body), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function expectRefused(r: Awaited<ReturnType<typeof cli>>, message: RegExp): void {
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe('');
  expect(r.err).toMatch(message);
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
}

describe('--prometheus against fake servers', () => {
  it('exits 2 on an HTTP error page that is not JSON', async () => {
    const s = await fakeServer((_req, _form, res) => res.writeHead(502).end('<html>Bad Gateway\n</html>'));
    try {
      expectRefused(
        await cli(['--prometheus', s.url]),
        /answered HTTP 502 with a body that is not JSON \("<html>Bad Gateway <\/html>"\); is --prometheus the Prometheus base URL\?/,
      );
    } finally {
      await s.close();
    }
  });

  it('exits 2 with the Prometheus error on HTTP 400 and on a 200 with status error', async () => {
    const body = JSON.stringify({
      status: 'error',
      errorType: 'bad_data',
      error: '1:2: parse error:\nunexpected',
    });
    for (const status of [400, 200]) {
      const s = await fakeServer((_req, _form, res) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(body),
      );
      try {
        expectRefused(
          await cli(['--prometheus', s.url]),
          new RegExp(
            `answered HTTP ${status}, status "error" \\(bad_data: 1:2: parse error: unexpected\\); check --selector`,
          ),
        );
      } finally {
        await s.close();
      }
    }
  });

  it('gives up after --timeout when the server never answers', async () => {
    const s = await fakeServer(() => {
      /* never answers */
    });
    try {
      const r = await cli(['--prometheus', s.url, '--timeout', '1s']);
      expectRefused(r, /did not answer within 1 s; check the URL, or raise --timeout/);
      expect(r.ms).toBeLessThan(5000);
    } finally {
      await s.close();
    }
  });

  it('gives up after --timeout when the body stalls half way', async () => {
    const s = await fakeServer((_req, _form, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"success","data":{"resultType":"matrix","result":[');
    });
    try {
      expectRefused(await cli(['--prometheus', s.url, '--timeout', '1s']), /did not answer within 1 s/);
    } finally {
      await s.close();
    }
  });

  it('stops reading an answer over --max-input-mb', async () => {
    const s = await fakeServer((_req, _form, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = 'x'.repeat(65_536);
      let sent = 0;
      const pump = (): void => {
        while (sent < 4_000_000) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    try {
      expectRefused(
        await cli(['--prometheus', s.url, '--max-input-mb', '1']),
        /sent more than 1048576 bytes; narrow --selector, shorten --range or raise --step/,
      );
    } finally {
      await s.close();
    }
  });

  it('exits 2 when nothing listens', async () => {
    const port = await freePort();
    expectRefused(
      await cli(['--prometheus', `http://127.0.0.1:${port}`]),
      /cannot reach Prometheus at http:\/\/127.0.0.1:\d+\/api\/v1\/query_range: .*ECONNREFUSED/,
    );
  });

  it('posts the combined selector and fetches a long range in chunks of at most 11,000 points', async () => {
    const requests: URLSearchParams[] = [];
    const paths: string[] = [];
    const s = await fakeServer((req, form, res) => {
      requests.push(form);
      paths.push(`${req.method} ${req.url}`);
      const start = Number(form.get('start'));
      const end = Number(form.get('end'));
      const step = Number(form.get('step'));
      const n = Math.round((end - start) / step) + 1;
      if (n > 11_000) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            status: 'error',
            errorType: 'bad_data',
            error: 'exceeded maximum resolution of 11,000 points per timeseries',
          }),
        );
        return;
      }
      const values = Array.from({ length: n }, (_, i) => [
        start + i * step,
        String(1000 + Math.floor((start + i * step) / 3600)),
      ]);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'matrix',
            result: [
              { metric: { __name__: METRICS.entries.name, map_name: 'a', map_kind: 'plain' }, values },
              { metric: { __name__: METRICS.inserts.name, map_name: 'a' }, values },
            ],
          },
          warnings: ['a test warning'],
        }),
      );
    });
    try {
      const r = await cli([
        '--prometheus',
        `${s.url}/prom/`,
        '--selector',
        '{job="api"}',
        '--range',
        '30h',
        '--step',
        '5s',
        '--end',
        '1700000000',
        '--json',
      ]);
      expect(r.code, r.err).toBe(0);
      expect(requests).toHaveLength(2);
      expect(paths).toEqual(['POST /prom/api/v1/query_range', 'POST /prom/api/v1/query_range']);
      expect(requests[0]!.get('query')).toBe(`{${familyNameMatcher()},job="api"}`);
      expect(requests[0]!.get('step')).toBe('5');
      expect(requests[0]!.get('start')).toBe(String(1_700_000_000 - 30 * 3600));
      expect(requests[1]!.get('end')).toBe('1700000000');
      expect(Number(requests[1]!.get('start'))).toBe(Number(requests[0]!.get('end')) + 5);
      const rows = JSON.parse(r.out) as JsonRow[];
      expect(rows.map((x) => x.series)).toEqual([{ map_name: 'a' }]);
      expect(r.err).toMatch(/note: Prometheus warning: a test warning/);
    } finally {
      await s.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// A real Prometheus.

const prometheusBin = requireTool('prometheus');
const promtoolBin = requireTool('promtool');

/** 30 h at 60 s ending at `endS`: a leaking `sessions` and a bounded `cache` (job api), and a map of another job. */
function openMetrics(endS: number): string {
  const steps = 30 * 60;
  const startS = endS - steps * 60;
  type S = { labels: string; values: number[] };
  const fam = new Map<string, { type: 'gauge' | 'counter'; series: S[] }>();
  const add = (metric: { name: string; type: string }, labels: string, values: number[]): void => {
    const type = metric.type === 'counter' ? 'counter' : 'gauge';
    const f = fam.get(metric.name) ?? { type, series: [] };
    f.series.push({ labels, values });
    fam.set(metric.name, f);
  };
  const noise = (i: number): number => {
    const x = Math.sin(i * 12.9898) * 43758.5453;
    return x - Math.floor(x);
  };
  const sPlain: number[] = [];
  const sLoading: number[] = [];
  const sIns: number[] = [];
  const sDelExplicit: number[] = [];
  const sDelExpire: number[] = [];
  const sAge: number[] = [];
  let leaked = 20_000;
  let working = 0;
  let ins = 20_000;
  let explicit = 0;
  let expire = 0;
  for (let i = 0; i <= steps; i++) {
    leaked += 2;
    ins += 2;
    const target = Math.floor(1500 * noise(i) ** 3);
    if (target > working) ins += target - working;
    else {
      explicit += Math.floor((working - target) / 2);
      expire += working - target - Math.floor((working - target) / 2);
    }
    working = target;
    sPlain.push(leaked + working - 100);
    sLoading.push(100);
    sIns.push(ins);
    sDelExplicit.push(explicit);
    sDelExpire.push(expire);
    sAge.push(3600 + i * 60);
  }
  const n = steps + 1;
  const constant = (v: number): number[] => Array.from({ length: n }, () => v);
  const s = 'instance="h:1",job="api",map_name="sessions"';
  const c = 'instance="h:1",job="api",map_name="cache"';
  add(METRICS.entries, `${s},map_kind="plain"`, sPlain);
  add(METRICS.entries, `${s},map_kind="loading"`, sLoading);
  add(METRICS.inserts, s, sIns);
  add(METRICS.deletes, `cause="explicit",${s}`, sDelExplicit);
  add(METRICS.deletes, `cause="expire",${s}`, sDelExpire);
  add(METRICS.oldestSampledAge, s, sAge);
  add(METRICS.sampledNeverRead, s, constant(0.9));
  add(METRICS.instances, s, constant(1));
  add(METRICS.entries, `${c},map_kind="plain"`, constant(5000));
  add(
    METRICS.inserts,
    c,
    Array.from({ length: n }, (_, i) => 5000 + 50 * i),
  );
  add(
    METRICS.deletes,
    `cause="evict",${c}`,
    Array.from({ length: n }, (_, i) => 50 * i),
  );
  add(
    METRICS.oldestSampledAge,
    c,
    Array.from({ length: n }, (_, i) => 100 + (i % 10) * 50),
  );
  add(METRICS.instances, c, constant(1));
  add(METRICS.declaredMaxEntries, c, constant(5000));
  add(METRICS.declaredTtl, c, constant(600));
  add(METRICS.entries, 'instance="h:2",job="other",map_kind="plain",map_name="x"', constant(7));
  const lines: string[] = [];
  for (const [name, { type, series }] of fam) {
    const base = type === 'counter' ? name.replace(/_total$/, '') : name;
    lines.push(`# TYPE ${base} ${type}`);
    for (const { labels, values } of series)
      values.forEach((v, i) => lines.push(`${name}{${labels}} ${v} ${startS + i * 60}`));
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

describe.skipIf(!prometheusBin || !promtoolBin)('--prometheus against a real Prometheus', () => {
  // A whole minute a little in the past, so that every generated sample is older than the head block.
  const END = Math.floor(Date.now() / 60_000) * 60 - 120;
  let dir = '';
  let prom: StackProcess | undefined;
  let url = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mapwatch-analyze-prom-'));
    writeFileSync(join(dir, 'input.om'), openMetrics(END));
    execFileSync(
      promtoolBin!,
      ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'input.om'), join(dir, 'data')],
      {
        timeout: 60_000,
        stdio: 'pipe',
      },
    );
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
    const port = await freePort();
    prom = startProcess(
      'prometheus',
      prometheusBin!,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        '--storage.tsdb.retention.time=30d',
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      dir,
    );
    url = `http://127.0.0.1:${port}`;
    try {
      await waitReady(`${url}/-/ready`, 30_000, 'Prometheus');
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${prom.log().slice(-2000)}`, { cause: err });
    }
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const common = () => [
    '--prometheus',
    url,
    '--selector',
    '{job="api"}',
    '--range',
    '30h',
    '--end',
    String(END),
  ];

  it('reads every family back, one row per map, and confirms the leak', async () => {
    const r = await cli([...common(), '--step', '60s', '--json']);
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out) as JsonRow[];
    expect(rows.map((x) => x.series)).toEqual([
      { instance: 'h:1', job: 'api', map_name: 'cache' },
      { instance: 'h:1', job: 'api', map_name: 'sessions' },
    ]);
    const [cache, sessions] = rows;
    expect(sessions!.state).toBe('leak');
    expect(sessions!.suspect).toBe(true);
    expect(sessions!.firstFlaggedAt).toBeGreaterThan((END - 30 * 3600) * 1000);
    expect(sessions!.firstFlaggedAt).toBeLessThanOrEqual(END * 1000);
    expect(sessions!.growthRate).toBeGreaterThan(0);
    expect(cache!.suspect).toBe(false);
    expect(cache!.firstGrowingAt).toBeNull();
  });

  it('gives the same answer as the query_range JSON of the same query saved to a file', async () => {
    const form = new URLSearchParams({
      query: buildSelector('{job="api"}'),
      start: String(END - 30 * 3600),
      end: String(END),
      step: '60',
    });
    const res = await fetch(`${url}/api/v1/query_range`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const file = join(dir, 'query_range.json');
    writeFileSync(file, await res.text());
    const fromFile = await cli([file, '--json']);
    const live = await cli([...common(), '--step', '60s', '--json']);
    expect(fromFile.code).toBe(0);
    expect(fromFile.out).toBe(live.out);
  });

  it('fetches a range over 11,000 points in chunks (Prometheus refuses it in one request)', async () => {
    const whole = new URLSearchParams({
      query: DEFAULT_SELECTOR,
      start: String(END - 30 * 3600),
      end: String(END),
      step: '5',
    });
    const refused = await fetch(`${url}/api/v1/query_range`, { method: 'POST', body: whole });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/11,000 points/);
    const r = await cli([...common(), '--step', '5s', '--json']);
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out) as JsonRow[];
    expect(rows.map((x) => x.series.map_name)).toEqual(['cache', 'sessions']);
    expect(rows[1]!.suspect).toBe(true);
    expect(rows[0]!.suspect).toBe(false);
  });

  it('selects by the user matchers and says so when nothing matches', async () => {
    const other = await cli([
      '--prometheus',
      url,
      '--selector',
      '{job="other"}',
      '--range',
      '30h',
      '--end',
      String(END),
      '--json',
    ]);
    expect(other.code).toBe(0);
    expect((JSON.parse(other.out) as JsonRow[]).map((x) => x.series)).toEqual([
      { instance: 'h:2', job: 'other', map_name: 'x' },
    ]);
    const none = await cli(['--prometheus', url, '--selector', '{job="nope"}', '--end', String(END)]);
    expect(none.code).toBe(0);
    expect(none.out).toBe('no series in the input\n');
  });

  it('exits 2 with the message of Prometheus on a bad selector', async () => {
    expectRefused(
      await cli(['--prometheus', url, '--selector', '{job=~"("}', '--end', String(END)]),
      /answered HTTP 400, status "error" \(bad_data: .*\); check --selector/,
    );
  });
});
