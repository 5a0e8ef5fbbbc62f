/**
 * Every dashboard query (panel targets, the alert annotation, the variables), with Grafana's variables
 * substituted, is evaluated by promtool against sixteen hours of synthetic series from both export paths,
 * with the process and scrape series of their targets. Each must return data carrying exactly the labels its
 * legend (or annotation text, or variable) shows, with every value the synthetic data has for them (within
 * the matchers the query puts on them). The panels that draw an alert's own condition read the alert's
 * windows (the longest, 6h offset 6h), hence the sixteen hours.
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
import { externalSeries } from '../../src/pack/alerts.js';
import { defaultConfig } from '../../src/pack/config.js';
import { PROMETHEUS_SERIES } from '../../src/pack/series.js';
import { toYaml } from '../../src/pack/write.js';
import { requireTool } from '../helpers/tools.js';
import { scanSelectors } from './promql.js';
import { dashboardQueries, substituteVariables } from './queries.js';
import { runTool, withTempDir } from './tmp.js';

const promtool = requireTool('promtool');

const MAPS = ['alpha', 'beta'];
/** Both export paths, with the topology labels of the default groupBy (cluster, namespace). */
const SOURCES: Array<Record<string, string>> = [
  { job: 'shop', instance: 'shop-0:9464', cluster: 'eu-1', namespace: 'shop' },
  {
    job: 'shop',
    instance: 'shop-1:9464',
    cluster: 'eu-1',
    namespace: 'shop',
    otel_scope_name: 'mapwatch',
    otel_scope_version: '0.1.0',
  },
];
/** Samples every minute for a little over sixteen hours; queries are evaluated at sixteen hours. */
const STEPS = 1000;
const EVAL_AT = '16h';

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
          out.push({ labels: { __name__: m.name, ...base }, values: `0+60x${STEPS}` });
        } else if (m.type === 'gauge') {
          // Verdicts and states are 1 so the `== 1` filters (suspects, current state) have something to show.
          const flag = m === METRICS.leakSuspect || m === METRICS.leakState;
          out.push({ labels: { __name__: m.name, ...base }, values: flag ? `1x${STEPS}` : `5x${STEPS}` });
        } else {
          const [bucket, sum, count] = [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`];
          const bounds = [...(m.buckets ?? []), '+Inf'];
          bounds.forEach((le, i) =>
            out.push({
              labels: { __name__: bucket, ...base, le: String(le) },
              values: `0+${i + 1}x${STEPS}`,
            }),
          );
          out.push({ labels: { __name__: count, ...base }, values: `0+${bounds.length}x${STEPS}` });
          out.push({ labels: { __name__: sum, ...base }, values: `0+3x${STEPS}` });
        }
      }
    }
  }
  for (const src of SOURCES) {
    const { otel_scope_name: _a, otel_scope_version: _b, ...target } = src;
    // The target's own series: what Prometheus writes for every scrape, and the process metrics the memory
    // alerts read (the names of the config: usage, limit, start time).
    const own: Record<string, string> = {
      [PROMETHEUS_SERIES.up]: `1x${STEPS}`,
      [PROMETHEUS_SERIES.scrapeDuration]: `0.05x${STEPS}`,
      [PROMETHEUS_SERIES.scrapeSamples]: `1200+1x${STEPS}`,
      [defaultConfig.memory.usageSeries]: `500000000x${STEPS}`,
      [defaultConfig.memory.startTimeSeries]: `1700000000x${STEPS}`,
    };
    if (defaultConfig.memory.limitSeries) own[defaultConfig.memory.limitSeries] = `2000000000x${STEPS}`;
    expect(Object.keys(own).sort()).toEqual(
      externalSeries(defaultConfig)
        .filter((n) => n !== PROMETHEUS_SERIES.alerts)
        .sort(),
    );
    for (const [name, values] of Object.entries(own))
      out.push({ labels: { __name__: name, ...target }, values });
    out.push({
      labels: {
        __name__: 'ALERTS',
        ...target,
        alertname: 'MapwatchLockStorm',
        alertstate: 'firing',
        severity: 'critical',
        [LABELS.mapName]: 'alpha',
      },
      values: `1x${STEPS}`,
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

/**
 * The label sets a query showing `shown` must return: every value the named series carry, combined; a
 * label the query writes itself (`label_replace(..., "metric", "<value>", ...)`) takes the values written.
 */
function expectedGroups(expr: string, shown: string[], series: Series[]): Array<Record<string, string>> {
  const names = new Set(scanSelectors(expr).map((s) => s.name));
  const matching = series.filter((s) => names.has(s.labels.__name__ as string));
  const written = new Map<string, string[]>();
  for (const m of expr.matchAll(/label_replace\([\s\S]*?\),\s*"(\w+)",\s*"([^"]*)"/g)) {
    written.set(m[1] as string, [...(written.get(m[1] as string) ?? []), m[2] as string]);
  }
  // Values a selector of the query keeps: `l="v"` or `l=~"a|b"` on a shown label narrows it.
  const kept = (l: string, v: string) =>
    scanSelectors(expr).every((x) => {
      const m = x.matchers.get(l);
      if (!m) return true;
      if (m.op === '=') return v === m.value;
      if (m.op === '=~') return new RegExp(`^(?:${m.value})$`).test(v);
      return true;
    });
  return product(shown, (l) =>
    [
      ...new Set(
        written.get(l) ??
          matching.map((s) => s.labels[l]).filter((v): v is string => v !== undefined && kept(l, v)),
      ),
    ].sort(),
  );
}

describe.skipIf(!promtool)('dashboard queries evaluated by promtool', () => {
  it('every query returns data with the labels it shows', async () => {
    const series = syntheticSeries();
    const queries = dashboardQueries(defaultConfig);
    expect(queries.length).toBeGreaterThan(60);
    const checks = queries.map((q) => {
      const inner = substituteVariables(q.expr, '5m');
      const expr = q.shownLabels.length
        ? `group by (${q.shownLabels.join(', ')}) (${inner})`
        : `group(${inner})`;
      return { q, expr, groups: expectedGroups(inner, q.shownLabels, series) };
    });
    const empty = checks.filter((x) => x.groups.length === 0).map((x) => x.q.where);
    expect(empty, 'queries whose labels the synthetic data cannot show').toEqual([]);
    // One promtool run: every query is an expression test of one test group over the same series.
    const output = await withTempDir(async (dir) => {
      const file = join(dir, 'queries.yml');
      await writeFile(
        file,
        toYaml({
          evaluation_interval: '1m',
          tests: [
            {
              interval: '1m',
              input_series: series.map((s) => ({ series: seriesText(s.labels), values: s.values })),
              promql_expr_test: checks.map((x) => ({
                expr: x.expr,
                eval_time: EVAL_AT,
                exp_samples: x.groups.map((g) => ({ labels: seriesText({ __name__: '', ...g }), value: 1 })),
              })),
            },
          ],
        }),
      );
      return runTool(promtool as string, ['test', 'rules', file]);
    });
    const failed = checks.filter((x) => output.output.includes(JSON.stringify(x.expr)));
    console.log(`dashboard queries evaluated: ${queries.length - failed.length}/${queries.length}`);
    expect(
      failed.map((x) => x.q.where),
      output.output.slice(0, 4000),
    ).toEqual([]);
    expect(output.code, output.output.slice(0, 4000)).toBe(0);
  });
});
