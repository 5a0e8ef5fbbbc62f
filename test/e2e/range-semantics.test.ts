/**
 * The rule model's two range semantics (src/pack/rule-tests/promsim.ts) against real engines: the closed
 * model against promtool 2.42 (Prometheus 2's `[t - w, t]`), the left-open model against victoria-metrics
 * (whose rollup windows are `(t - w, t]`, as Prometheus 3's range selectors are). Same samples, same windows
 * and offsets, a sample on the left edge of every window: the engines must answer what the model of their
 * semantics says, and the two models must disagree there. victoria-metrics listens on 127.0.0.1, started
 * and stopped here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sim } from '../../src/pack/rule-tests/promsim.js';
import { toYaml } from '../../src/pack/write.js';
import { findBinary, freePort, startProcess, waitReady, type StackProcess } from '../../scripts/stack.mjs';
import { requireTool } from '../helpers/tools.js';
import { runTool, withTempDir } from '../pack/tmp.js';

const STEP = 60;
/** One sample a minute, rising, with a dip so that min and max are not always at the window's ends. */
const VALUES = [10, 20, 30, 5, 50, 60, 70, 80, 15, 100, 110, 120];
/** [function, window (steps), offset (steps)] at every evaluation step from `FROM`. */
const CASES: Array<['min_over_time' | 'max_over_time' | 'count_over_time', number, number]> = [
  ['min_over_time', 3, 0],
  ['max_over_time', 3, 0],
  ['count_over_time', 3, 0],
  ['min_over_time', 3, 3],
  ['max_over_time', 2, 3],
  ['count_over_time', 4, 2],
];
const FROM = 7;

function model(sim: Sim, fn: string, i: number, w: number, off: number): number | undefined {
  if (fn === 'min_over_time') return sim.minOver(VALUES, i, w, off);
  if (fn === 'max_over_time') return sim.maxOver(VALUES, i, w, off);
  const n = sim.range(VALUES, i, w, off).length;
  return n === 0 ? undefined : n;
}

const expr = (fn: string, w: number, off: number) =>
  `${fn}(x[${w * STEP}s]${off ? ` offset ${off * STEP}s` : ''})`;

const checks = () =>
  CASES.flatMap(([fn, w, off]) =>
    Array.from({ length: VALUES.length - FROM }, (_, k) => ({ fn, w, off, i: FROM + k })),
  );

describe('the rule model, closed and left-open, against real engines', () => {
  it('disagrees with itself where a sample sits on a window edge (so the checks below can fail)', () => {
    const differ = checks().filter(
      ({ fn, w, off, i }) =>
        model(new Sim(STEP, 'closed'), fn, i, w, off) !== model(new Sim(STEP, 'left-open'), fn, i, w, off),
    );
    expect(differ.length).toBeGreaterThan(10);
  });

  const promtool = requireTool('promtool');
  it.skipIf(!promtool)('closed: promtool 2.42 answers what the closed model says', async () => {
    const sim = new Sim(STEP, 'closed');
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'rules.yml'), toYaml({ groups: [] }));
      const test = {
        rule_files: ['rules.yml'],
        evaluation_interval: `${STEP}s`,
        tests: [
          {
            interval: `${STEP}s`,
            input_series: [{ series: 'x{job="t"}', values: VALUES.join(' ') }],
            promql_expr_test: checks().map(({ fn, w, off, i }) => {
              const v = model(sim, fn, i, w, off);
              return {
                expr: expr(fn, w, off),
                eval_time: `${i * STEP}s`,
                exp_samples: v === undefined ? [] : [{ labels: '{job="t"}', value: v }],
              };
            }),
          },
        ],
      };
      await writeFile(join(dir, 'test.yml'), toYaml(test));
      const r = await runTool(promtool as string, ['test', 'rules', join(dir, 'test.yml')]);
      expect(r.code, r.output).toBe(0);
    });
  });
});

const vm = requireTool('victoria-metrics');
describe.skipIf(!vm)('left-open: victoria-metrics answers what the left-open model says', () => {
  let proc: StackProcess | undefined;
  let url = '';
  const dir = mkdtempSync(join(tmpdir(), 'mapwatch-ranges-'));
  /** A fixed, minute-aligned start well in the past, inside the retention. */
  const T0 = Math.floor(Date.now() / 1000 / 3600) * 3600 - 86_400;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    proc = startProcess(
      'victoria-metrics',
      findBinary('victoria-metrics') as string,
      [
        `-storageDataPath=${join(dir, 'data')}`,
        `-httpListenAddr=127.0.0.1:${port}`,
        '-retentionPeriod=1y',
        '-search.latencyOffset=0s',
        '-search.disableCache',
        '-loggerLevel=ERROR',
      ],
      dir,
    );
    await waitReady(`${url}/health`, 30_000, 'victoria-metrics');
    const body = JSON.stringify({
      metric: { __name__: 'x', job: 't' },
      values: VALUES,
      timestamps: VALUES.map((_, j) => (T0 + j * STEP) * 1000),
    });
    const res = await fetch(`${url}/api/v1/import`, { method: 'POST', body });
    expect(res.ok).toBe(true);
    await fetch(`${url}/internal/force_flush`);
  }, 60_000);

  afterAll(async () => {
    await proc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('for every function, window, offset and step', async () => {
    const sim = new Sim(STEP, 'left-open');
    const query = async (q: string, i: number): Promise<number | undefined> => {
      const params = new URLSearchParams({ query: q, time: String(T0 + i * STEP), step: `${STEP}s` });
      const body = (await (await fetch(`${url}/api/v1/query?${params}`)).json()) as {
        data: { result: Array<{ value: [number, string] }> };
      };
      const v = body.data.result[0]?.value[1];
      return v === undefined ? undefined : Number(v);
    };
    // The import is searchable after the flush; wait for it, bounded.
    for (let n = 0; n < 50 && (await query('count_over_time(x[1h])', VALUES.length)) === undefined; n++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const got: string[] = [];
    const want: string[] = [];
    for (const { fn, w, off, i } of checks()) {
      const q = expr(fn, w, off);
      got.push(`${q} @${i}: ${await query(q, i)}`);
      want.push(`${q} @${i}: ${model(sim, fn, i, w, off)}`);
    }
    expect(got).toEqual(want);
  });
});
