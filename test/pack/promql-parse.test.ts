/**
 * Every PromQL expression the pack ships parses with Prometheus' own grammar (`@prometheus-io/lezer-promql`):
 * the rules and the promtool tests' `promql_expr_test` entries under alerts/, the runbook's PromQL blocks, and
 * every query of the dashboards (targets, annotations, variables), read from the committed files that users
 * get (generated.test.ts pins them to the generator), and from the generator for the other configs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildRuleGroups } from '../../src/pack/alerts.js';
import { defaultConfig, fastConfig, resolveConfig, type PackConfig } from '../../src/pack/config.js';
import { buildDashboards } from '../../src/pack/dashboards.js';
import type { SharedDashboard } from '../../src/pack/grafana.js';
import { buildRunbook } from '../../src/pack/runbook.js';
import { expandVariables, syntaxErrors } from './promql.js';
import { dashboardQueries, panelsOf, promAnnotations } from './queries.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Expression {
  where: string;
  expr: string;
}

type Yaml = Record<string, unknown>;
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const yamlFiles = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f));

/** `expr` of every rule of a rule file, a PrometheusRule or a VMRule (their groups sit under `spec`). */
function ruleExpressions(file: string): Expression[] {
  const doc = parse(read(file)) as Yaml;
  const groups = ((doc.spec as Yaml | undefined)?.groups ?? doc.groups ?? []) as Array<{
    name: string;
    rules?: Array<{ alert?: string; record?: string; expr: string }>;
  }>;
  return groups.flatMap((g) =>
    (g.rules ?? []).map((r) => ({ where: `${file} ${g.name} ${r.alert ?? r.record}`, expr: String(r.expr) })),
  );
}

/** `expr` of every `promql_expr_test` entry of a promtool test file. */
function promtoolTestExpressions(file: string): Expression[] {
  const doc = parse(read(file)) as {
    tests?: Array<{ name?: string; promql_expr_test?: Array<{ expr: string }> }>;
  };
  return (doc.tests ?? []).flatMap((t, i) =>
    (t.promql_expr_test ?? []).map((x, j) => ({
      where: `${file} test ${i} expr ${j}`,
      expr: String(x.expr),
    })),
  );
}

/** The ```promql blocks of a runbook. */
function runbookExpressions(where: string, md: string): Expression[] {
  return [...md.matchAll(/```promql\n([\s\S]*?)\n```/g)].map((m, i) => ({
    where: `${where} block ${i}`,
    expr: m[1] as string,
  }));
}

/** Every query of the dashboards: targets, annotations (both places they carry it) and variables. */
function dashboardExpressions(c: PackConfig, dashboards: Record<string, SharedDashboard>): Expression[] {
  const legacy = Object.entries(dashboards).flatMap(([f, d]) =>
    promAnnotations(d).map((a) => ({ where: `${f} annotation '${a.name}' (expr)`, expr: a.expr })),
  );
  return [...dashboardQueries(c, dashboards).filter((q) => q.expr !== ''), ...legacy];
}

function committedExpressions(): Expression[] {
  const dashboards = Object.fromEntries(
    readdirSync(join(ROOT, 'dashboards'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => [`dashboards/${f}`, JSON.parse(read(join('dashboards', f))) as SharedDashboard]),
  );
  const alerts = yamlFiles('alerts').filter((f) => !f.includes('alertmanager'));
  return [
    ...alerts.flatMap(ruleExpressions),
    ...yamlFiles('alerts/tests').flatMap(promtoolTestExpressions),
    ...runbookExpressions('alerts/runbook.md', read('alerts/runbook.md')),
    ...dashboardExpressions(defaultConfig, dashboards),
  ];
}

/** The expressions that do not parse, with the parser's complaints; Grafana's variables given sample values. */
function unparsed(list: readonly Expression[]): string[] {
  return list.flatMap(({ where, expr }) =>
    syntaxErrors(expandVariables(expr)).map((e) => `${where}: ${e}\n${expr}`),
  );
}

describe('every PromQL expression the pack ships parses with lezer-promql', () => {
  const committed = committedExpressions();

  it('the committed rules, promtool tests, runbook and dashboards', () => {
    const kinds = (prefix: string) => committed.filter((x) => x.where.startsWith(prefix)).length;
    // Each source contributes: an empty list would pass vacuously.
    expect(kinds('alerts/mapwatch.rules.yml')).toBeGreaterThan(20);
    expect(kinds('alerts/prometheus-rule.yaml')).toBe(kinds('alerts/mapwatch.rules.yml'));
    expect(kinds('alerts/tests/')).toBeGreaterThan(0);
    expect(kinds('alerts/runbook.md')).toBeGreaterThan(20);
    expect(kinds('dashboards/')).toBeGreaterThan(60);
    console.log(`PromQL expressions parsed: ${committed.length}`);
    expect(unparsed(committed)).toEqual([]);
  });

  const custom = resolveConfig({
    selector: 'job=~"checkout-.*", env="prod"',
    groupBy: ['cluster'],
    excludeMaps: ['catalogue', 'routes.v2'],
    memory: { usageSeries: 'process_resident_memory_bytes', limitSeries: '', limitBytes: 4e9 },
  });
  it.each([
    ['fast', fastConfig],
    ['custom', custom],
  ] as const)('the rules, runbook and dashboards of the %s config', (_name, c) => {
    const generated: Expression[] = [
      ...buildRuleGroups(c).flatMap((g) =>
        g.rules.map((r) => ({ where: `rule group ${g.name}`, expr: r.expr })),
      ),
      ...runbookExpressions('runbook', buildRunbook(c)),
      ...dashboardExpressions(c, buildDashboards(c)),
    ];
    expect(generated.length).toBeGreaterThan(100);
    expect(unparsed(generated)).toEqual([]);
  });

  it('the check rejects malformed PromQL, and each shipped expression once broken', () => {
    const malformed = [
      'sum(rate(mapwatch_map_inserts_total[5m])', // unbalanced parenthesis
      'rate(mapwatch_map_inserts_total[5m]', // unclosed call
      'mapwatch_map_entries{job="a"', // unclosed matchers
      'mapwatch_map_entries{job=="a"}', // no such match operator
      'mapwatch_map_entries{job="a}', // unterminated string
      'sum by (job (mapwatch_map_entries)', // unclosed label list
      'mapwatch_map_entries >', // operator without its right-hand side
      'rates(mapwatch_map_inserts_total[5m])', // no such function
      'mapwatch_map_entries[5x]', // no such duration unit
      '', // nothing
    ];
    for (const expr of malformed) expect(syntaxErrors(expr), expr).not.toEqual([]);
    // A dashboard query and a rule with their closing parenthesis dropped: the check sees it in real queries.
    const panel = panelsOf(buildDashboards(defaultConfig)['mapwatch-map.json'] as SharedDashboard)[0];
    const real = [
      String(panel?.targets?.[0]?.expr),
      String(buildRuleGroups(defaultConfig)[0]?.rules[0]?.expr),
    ];
    for (const expr of real) {
      expect(syntaxErrors(expandVariables(expr)), expr).toEqual([]);
      expect(syntaxErrors(expandVariables(expr.replace(/\)([^)]*)$/, '$1'))), expr).not.toEqual([]);
    }
  });
});
