/**
 * `mapwatch analyze --prometheus URL` against a REAL Prometheus (Debian `prometheus` + `promtool`): 30 h
 * of generated mapwatch families are backfilled with `promtool tsdb create-blocks-from openmetrics`, a
 * Prometheus with no scrape targets serves them on 127.0.0.1, and analyze reads them back. The server is
 * stopped after its tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, waitReady, type StackProcess } from '../../scripts/stack.mjs';
import { cli, expectRefused } from '../helpers/analyze-cli.js';
import { DEFAULT_SELECTOR, buildSelector } from '../../src/cli/prometheus-source.js';
import { METRICS } from '../../src/conventions.js';
import { requireTool } from '../helpers/tools.js';
import type { AnalyzeJsonRow } from '../../src/cli/analyze.js';

type JsonRow = AnalyzeJsonRow;

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
