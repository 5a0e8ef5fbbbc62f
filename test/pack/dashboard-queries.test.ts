/**
 * Every dashboard query (panel targets, the alert annotation, the variables), with Grafana's variables
 * substituted, is evaluated by promtool against synthetic series from both export paths. Each must return
 * data carrying exactly the labels its legend (or annotation text, or variable) shows, with every value
 * the synthetic data has for them.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALL_METRICS,
  DELETE_CAUSES,
  LABELS,
  LEAK_STATES,
  LOAD_RESULTS,
  LOCK_MODES,
  LOOKUP_RESULTS,
  METRICS,
  type MetricSpec,
} from '../../src/conventions.js';
import { defaultConfig } from '../../src/pack/config.js';
import { toYaml } from '../../src/pack/write.js';
import { requireTool } from '../helpers/tools.js';
import { scanSelectors } from './promql-scan.js';
import { dashboardQueries, substituteVariables } from './queries.js';
import { runTool, withTempDir } from './tmp.js';

const promtool = requireTool('promtool');

const MAPS = ['alpha', 'beta'];
const SOURCES: Array<Record<string, string>> = [
  { job: 'shop', instance: 'shop-0:9464' },
  { job: 'shop', instance: 'shop-1:9464', otel_scope_name: 'mapwatch', otel_scope_version: '0.1.0' },
];

interface Series {
  labels: Record<string, string>;
  values: string;
}

/** Values each label takes in the synthetic data, per metric. */
function labelValues(m: MetricSpec, label: string): string[] {
  switch (label) {
    case LABELS.mapName:
      return MAPS;
    case LABELS.mapKind:
      return ['plain'];
    case LABELS.result:
      return m === METRICS.loads ? [...LOAD_RESULTS] : [...LOOKUP_RESULTS];
    case LABELS.cause:
      return [...DELETE_CAUSES];
    case LABELS.mode:
      return [...LOCK_MODES];
    case LABELS.contended:
      return ['true', 'false'];
    case LABELS.state:
      return [...LEAK_STATES];
    default:
      throw new Error(`no synthetic values for label ${label} of ${m.name}`);
  }
}

function product(
  labels: readonly string[],
  valuesOf: (l: string) => string[],
): Array<Record<string, string>> {
  let out: Array<Record<string, string>> = [{}];
  for (const l of labels) out = out.flatMap((o) => valuesOf(l).map((v) => ({ ...o, [l]: v })));
  return out;
}

/** Every metric of the conventions table, every label combination, both sources. */
function syntheticSeries(): Series[] {
  const out: Series[] = [];
  for (const m of ALL_METRICS) {
    for (const src of SOURCES) {
      for (const combo of product(m.labels, (l) => labelValues(m, l))) {
        const base = { ...src, ...combo };
        if (m.type === 'counter') {
          out.push({ labels: { __name__: m.name, ...base }, values: '0+60x60' });
        } else if (m.type === 'gauge') {
          // Verdicts and states are 1 so the `== 1` filters (suspects, current state) have something to show.
          const flag = m === METRICS.leakSuspect || m === METRICS.leakState;
          out.push({ labels: { __name__: m.name, ...base }, values: flag ? '1x60' : '5x60' });
        } else {
          const [bucket, sum, count] = [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`];
          const bounds = [...(m.buckets ?? []), '+Inf'];
          bounds.forEach((le, i) =>
            out.push({ labels: { __name__: bucket, ...base, le: String(le) }, values: `0+${i + 1}x60` }),
          );
          out.push({ labels: { __name__: count, ...base }, values: `0+${bounds.length}x60` });
          out.push({ labels: { __name__: sum, ...base }, values: '0+3x60' });
        }
      }
    }
  }
  for (const src of SOURCES) {
    const { otel_scope_name: _a, otel_scope_version: _b, ...target } = src;
    out.push({
      labels: {
        __name__: 'ALERTS',
        ...target,
        alertname: 'MapwatchLockStorm',
        alertstate: 'firing',
        severity: 'critical',
        [LABELS.mapName]: 'alpha',
      },
      values: '1x60',
    });
  }
  return out;
}

function seriesText(labels: Record<string, string>): string {
  const { __name__: name, ...rest } = labels;
  return `${name}{${Object.keys(rest)
    .sort()
    .map((k) => `${k}="${rest[k]}"`)
    .join(', ')}}`;
}

/** The label sets a query showing `shown` must return: every value the named series carry, combined. */
function expectedGroups(expr: string, shown: string[], series: Series[]): Array<Record<string, string>> {
  const names = new Set(scanSelectors(expr).map((s) => s.name));
  const matching = series.filter((s) => names.has(s.labels.__name__ as string));
  return product(shown, (l) =>
    [...new Set(matching.map((s) => s.labels[l]).filter((v): v is string => v !== undefined))].sort(),
  );
}

describe.skipIf(!promtool)('dashboard queries evaluated by promtool', () => {
  it('every query returns data with the labels it shows', async () => {
    const series = syntheticSeries();
    const queries = dashboardQueries(defaultConfig);
    expect(queries.length).toBeGreaterThan(30);
    const failures: string[] = [];
    let passed = 0;
    await withTempDir(async (dir) => {
      for (const [i, q] of queries.entries()) {
        const inner = substituteVariables(q.expr);
        const expr = q.shownLabels.length
          ? `group by (${q.shownLabels.join(', ')}) (${inner})`
          : `group(${inner})`;
        const groups = expectedGroups(q.expr, q.shownLabels, series);
        const file = join(dir, `q${i}.yml`);
        await writeFile(
          file,
          toYaml({
            evaluation_interval: '1m',
            tests: [
              {
                interval: '1m',
                input_series: series.map((s) => ({ series: seriesText(s.labels), values: s.values })),
                promql_expr_test: [
                  {
                    expr,
                    eval_time: '30m',
                    exp_samples: groups.map((g) => ({
                      labels: seriesText({ __name__: '', ...g }),
                      value: 1,
                    })),
                  },
                ],
              },
            ],
          }),
        );
        const r = await runTool(promtool as string, ['test', 'rules', file]);
        if (r.code === 0 && groups.length > 0) passed++;
        else failures.push(`${q.where}: ${expr}\n${r.output.slice(0, 1500)}`);
      }
    });
    const pct = Math.round((100 * passed) / queries.length);
    console.log(`dashboard queries evaluated: ${passed}/${queries.length} (${pct}%)`);
    expect(failures).toEqual([]);
    expect(passed).toBe(queries.length);
  });
});
