/**
 * Static rules of the dashboards: every rule of Grafana's dashboard-linter (./dashboard-linter.ts) over the
 * generated dashboards with no exemption, each check shown to reject what the linter rejects, the pack's own
 * conventions (envelope, units, data source, queries of known metrics) and the links that lead to the bad map.
 */
import { describe, expect, it } from 'vitest';
import { ALERT_DEFS, buildAlertRules } from '../../src/pack/alerts.js';
import { defaultConfig, resolveConfig } from '../../src/pack/config.js';
import { buildDashboards } from '../../src/pack/dashboards.js';
import type { Panel, SharedDashboard, VariableModel } from '../../src/pack/grafana.js';
import { expandVariables, scanSelectors, showMatcher } from './promql.js';
import { dashboardQueries, panelsOf, promAnnotations, queryText } from './queries.js';
import { LINTER_RULES, variablesOf, writtenDashboards, type Problems } from './dashboard-linter.js';
import { checkNamesExist, configs } from './lint-support.js';

describe.each(configs)('dashboards follow every dashboard-linter rule (%s config)', (_name, c) => {
  const dashboards = writtenDashboards(c);

  it.each(Object.keys(LINTER_RULES))('%s', (rule) => {
    const check = LINTER_RULES[rule] as (f: string, d: SharedDashboard) => Problems;
    expect(dashboards.flatMap(([f, d]) => check(f, d))).toEqual([]);
  });
});

describe('the dashboard-linter checks reject what the linter rejects', () => {
  const [[file, good]] = writtenDashboards(defaultConfig) as [[string, SharedDashboard]];
  /** The dashboard with its first time series panel changed. */
  const withPanel = (change: (p: Panel) => void): SharedDashboard => {
    const d = structuredClone(good);
    change(panelsOf(d).find((x) => x.type === 'timeseries') as Panel);
    return d;
  };
  /** The dashboard with the first target of its first time series panel replaced. */
  const withExpr = (expr: string) =>
    withPanel((p) => {
      (p.targets as Array<Record<string, unknown>>)[0] = { ...p.targets?.[0], expr };
    });
  const withVariable = (name: string, change: Partial<VariableModel>): SharedDashboard => ({
    ...good,
    templating: { list: variablesOf(good).map((v) => (v.name === name ? { ...v, ...change } : v)) },
  });
  const sel = (matchers = 'job=~"$job", instance=~"$instance"') => `mapwatch_map_inserts_total{${matchers}}`;
  const cases: Array<[string, SharedDashboard]> = [
    ['template-datasource-rule', withVariable('datasource', { name: 'ds' })],
    ['template-job-rule', withVariable('job', { allValue: '.*' })],
    ['template-instance-rule', withVariable('instance', { multi: false })],
    ['template-label-promql-rule', withVariable('job', { query: 'label_valuez(up, job)' })],
    ['template-on-time-change-reload-rule', withVariable('instance', { refresh: 1 })],
    ['panel-datasource-rule', withPanel((p) => (p.datasource = { type: 'prometheus', uid: 'prom-1' }))],
    ['panel-title-description-rule', withPanel((p) => (p.description = ''))],
    ['panel-units-rule', withPanel((p) => p.fieldConfig && (p.fieldConfig.defaults.unit = 'furlongs'))],
    ['panel-no-targets-rule', withPanel((p) => delete p.targets)],
    ['target-promql-rule', withExpr(`sum(rate(${sel()}[$__rate_interval])`)],
    ['target-rate-interval-rule', withExpr(`rate(${sel()}[5m])`)],
    ['target-job-rule', withExpr(`rate(${sel('instance=~"$instance"')}[$__rate_interval])`)],
    ['target-instance-rule', withExpr(`rate(${sel('job=~"$job", instance="$instance"')}[$__rate_interval])`)],
    ['target-counter-agg-rule', withExpr(`sum(${sel()})`)],
    ['uneditable-dashboard', { ...good, editable: true }],
  ];
  it('has a case for every rule', () => {
    expect(cases.map(([rule]) => rule).sort()).toEqual(Object.keys(LINTER_RULES).sort());
  });
  it.each(cases)('%s', (rule, bad) => {
    const check = LINTER_RULES[rule] as (f: string, d: SharedDashboard) => Problems;
    expect(check(file, good)).toEqual([]);
    expect(check(file, bad).length).toBeGreaterThan(0);
  });
  it('lets increase() read any window, as the linter does', () => {
    const d = withExpr(`sum(increase(${sel()}[15m]))`);
    for (const rule of ['target-rate-interval-rule', 'target-counter-agg-rule'])
      expect((LINTER_RULES[rule] as (f: string, d: SharedDashboard) => Problems)(file, d)).toEqual([]);
  });
});

describe('dashboards follow the pack conventions', () => {
  const dashboards = buildDashboards(defaultConfig);

  it.each(Object.entries(dashboards))('%s has the import and provisioning envelope', (_f, d) => {
    expect(d.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(d.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(d.title).toBeTruthy();
    expect(d.description).toBeTruthy();
    expect(d.__inputs).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    );
    expect(d.__requires).toContainEqual(expect.objectContaining({ type: 'datasource', id: 'prometheus' }));
    const vars = variablesOf(d);
    expect(vars.find((v) => v.name === 'datasource')).toMatchObject({
      type: 'datasource',
      query: 'prometheus',
    });
  });

  it.each(Object.entries(dashboards))(
    '%s: every panel has a title, description, unit and the ${datasource}',
    (_f, d) => {
      for (const p of panelsOf(d)) {
        expect(p.title, JSON.stringify(p.title)).toBeTruthy();
        expect(p.description, p.title).toBeTruthy();
        expect(p.fieldConfig?.defaults.unit, p.title).toBeTruthy();
        expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        for (const t of p.targets ?? [])
          expect(t.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      }
    },
  );

  it.each(Object.entries(dashboards))(
    '%s: each alert annotation writes its query where every Grafana from 10.4 on reads it',
    (_f, d) => {
      const list = promAnnotations(d);
      expect(list.length).toBeGreaterThan(0);
      for (const a of list) {
        expect(a.target.expr, a.name).toBeTruthy();
        expect(a.expr, a.name).toBe(a.target.expr);
        expect(a.step, a.name).toBe(a.target.interval);
      }
    },
  );

  it('per-map aggregations keep job and the groupBy labels, and the drill-down matches its one map exactly', () => {
    // Two clusters with the same job and instance names stay apart, as in the rules (docs/pack.md), and
    // the links find every label they pass.
    const loose: string[] = [];
    for (const q of dashboardQueries(defaultConfig)) {
      // Panels (the map variable lists names alone, by (map_name), on purpose).
      for (const m of q.kind === 'panel' ? q.expr.matchAll(/\bby \(([^)]*)\)/g) : []) {
        const labels = m[1]!.split(',').map((l) => l.trim());
        if (!labels.includes('map_name')) continue;
        for (const l of ['job', 'instance', ...defaultConfig.groupBy])
          if (!labels.includes(l)) loose.push(`${q.where}: by (${m[1]}) without ${l}`);
      }
      // A single-select variable is escaped for a string, not a regex: `users(by id)` must match itself.
      if (q.where.startsWith('mapwatch-map.json'))
        for (const s of scanSelectors(expandVariables(q.expr))) {
          const matcher = s.matchers.get('map_name');
          if (matcher) expect(showMatcher(matcher), q.where).toBe('="$map"');
        }
    }
    expect(loose).toEqual([]);
  });

  it('every query names known metrics; annotations and variables select $job and $instance', () => {
    const problems: string[] = [];
    for (const q of dashboardQueries(defaultConfig)) {
      problems.push(...checkNamesExist(q.expr).map((p) => `${q.where}: ${p}`));
      if (q.kind === 'panel') continue; // dashboard-linter's target rules above
      for (const s of scanSelectors(expandVariables(q.expr))) {
        // The job variable and the topology variables before it narrow the jobs offered: no $job in them.
        const shown = q.shownLabels[0] ?? '';
        const isJobVariable =
          q.kind === 'variable' && (shown === 'job' || defaultConfig.groupBy.includes(shown));
        if (!isJobVariable && showMatcher(s.matchers.get('job')) !== '=~"$job"')
          problems.push(`${q.where}: ${s.name} lacks job=~"$job"`);
        if (q.kind !== 'variable' && showMatcher(s.matchers.get('instance')) !== '=~"$instance"') {
          problems.push(`${q.where}: ${s.name} lacks instance=~"$instance"`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("selects ALERTS by the selector's matchers on labels an alert keeps, the rest by all of it", () => {
    const c = resolveConfig({ selector: 'job=~"checkout-.*", env="prod"', groupBy: ['cluster'] });
    const problems: string[] = [];
    let alertSelectors = 0;
    for (const q of dashboardQueries(c)) {
      for (const s of scanSelectors(expandVariables(q.expr))) {
        const env = showMatcher(s.matchers.get('env'));
        // An alert has no env label (aggregated away): env="prod" on ALERTS matched nothing.
        const want = s.name === 'ALERTS' ? showMatcher(undefined) : '="prod"';
        if (s.name === 'ALERTS') alertSelectors++;
        if (q.kind !== 'variable' || s.name !== 'ALERTS')
          if (env !== want) problems.push(`${q.where}: ${s.name} has env${env}`);
        if (s.name === 'ALERTS' && !q.expr.includes('job=~"checkout-.*"'))
          problems.push(`${q.where}: ALERTS without the selector's job matcher`);
      }
    }
    expect(alertSelectors).toBeGreaterThan(3);
    expect(problems).toEqual([]);
  });
});

describe('dashboards lead to the bad map', () => {
  const dashboards = buildDashboards(defaultConfig);
  type Panel = {
    title: string;
    type: string;
    targets?: Array<{ expr: string; instant?: boolean }>;
    links?: Array<{ url: string }>;
    options?: { legend?: { sortBy?: string; sortDesc?: boolean } };
    fieldConfig?: {
      defaults?: { links?: Array<{ url: string }>; thresholds?: { steps: Array<{ value: number | null }> } };
      overrides?: Array<{ properties: Array<{ id: string; value: unknown }> }>;
    };
  };
  const overview = (dashboards['mapwatch-overview.json'] as { panels: Panel[] }).panels;
  const map = (dashboards['mapwatch-map.json'] as { panels: Panel[] }).panels;

  it("the overview's first row lists the firing mapwatch alerts by map and instance", () => {
    const first = overview[0] as Panel & { gridPos: { y: number; w: number } };
    expect(first.type).toBe('table');
    expect(first.gridPos).toMatchObject({ y: 0, w: 24 });
    const expr = first.targets?.[0]?.expr ?? '';
    expect(expr).toContain('ALERTS{');
    expect(expr).toContain('alertname=~"Mapwatch.*"');
    expect(expr).toContain('alertstate="firing"');
    expect(first.targets?.[0]?.instant).toBe(true);
  });

  it('every link to the drill-down carries the job and the instance (and the map where there is one; a job alone for per-job alerts)', () => {
    const urls = [...overview, ...map].flatMap((p) => [
      ...(p.links ?? []),
      ...(p.fieldConfig?.defaults?.links ?? []),
      ...(p.fieldConfig?.overrides ?? []).flatMap((o) =>
        o.properties.filter((x) => x.id === 'links').flatMap((x) => x.value as Array<{ url: string }>),
      ),
    ]);
    expect(urls.length).toBeGreaterThan(10);
    const perJob = overview.filter((p) => p.title === 'MapwatchJobMetricsAbsent');
    expect(perJob).toHaveLength(1);
    for (const { url } of urls) {
      expect(url).toMatch(/var-job=|\$\{job:queryparam\}/);
      // A per-job alert's series has no instance label: its link opens the job, all instances.
      const ofJob = (perJob[0]!.fieldConfig?.defaults?.links ?? []).some((l) => l.url === url);
      if (ofJob) expect(url).not.toContain('instance');
      else expect(url).toMatch(/var-instance=|\$\{instance:queryparam\}/);
      // A link passes only labels its series carry: no map where the series has none.
      if (!url.includes('var-map=')) expect(url).not.toContain('map_name');
      if (url.includes('field.labels.map_name') || url.includes('fields.map_name'))
        expect(url).toContain('var-map=');
    }
  });

  it('time series legends are sorted, and every top-N picks its series at the end of the range', () => {
    for (const p of [...overview, ...map].filter((x) => x.type === 'timeseries')) {
      expect(p.options?.legend, p.title).toMatchObject({ sortBy: 'Last *', sortDesc: true });
      for (const t of p.targets ?? []) {
        for (const m of t.expr.matchAll(/topk\((\d+), ([\s\S]*)\)/g)) {
          expect(m[2], `${p.title}: topk over a range query changes its set at every step`).toContain(
            '@ end()',
          );
        }
      }
    }
  });

  it("the panel of every alert's own condition draws the alert's threshold, as the rule compares it", () => {
    const rules = buildAlertRules(defaultConfig);
    // Drawn as a share or a count where the rule compares differently: above the declared max (a share of
    // 1), and names folded or collections failed (any increase, drawn at one).
    const drawnOtherwise = new Set([
      'MapwatchMapAboveDeclaredMax',
      'MapwatchRegistryOverflow',
      'MapwatchExporterCollectErrors',
    ]);
    const panels = [...overview, ...map].filter((p) => ALERT_DEFS.some((d) => d.name === p.title));
    expect(panels.map((p) => p.title).sort()).toEqual(ALERT_DEFS.map((d) => d.name).sort());
    for (const p of panels) {
      const steps = p.fieldConfig?.defaults?.thresholds?.steps ?? [];
      const line = steps.find((x) => x.value !== null)?.value;
      if (line === undefined || line === null || drawnOtherwise.has(p.title)) continue;
      const expr = rules.find((r) => r.alert === p.title)?.expr ?? '';
      expect(expr, `${p.title} compares with ${line}`).toMatch(
        new RegExp(`[<>=] ${String(line).replace('.', '\\.')}\\b`),
      );
    }
  });

  it("the map variable reads any name out of Grafana's query_result lines", () => {
    const v = variablesOf(dashboards['mapwatch-map.json'] as SharedDashboard).find((x) => x.name === 'map');
    const body = /^\/(.*)\/$/.exec(v?.regex ?? '')?.[1] ?? '';
    // As Grafana's metric_find_query writes a result (getOriginalMetricName: no escaping), then the value
    // and the time; the variable keeps the first capture group.
    for (const name of ['sessions', 'a"b', 'users(by id)', 'x"} y', 'cache[v2]', '"', 'a,b="c"']) {
      const line = `{map_name="${name}"} 1234 1700000000000`;
      expect(new RegExp(body).exec(line)?.[1], name).toBe(name);
    }
  });

  it('the drill-down defaults to the biggest map, not the first name', () => {
    const v = variablesOf(dashboards['mapwatch-map.json'] as SharedDashboard).find((x) => x.name === 'map');
    expect(queryText(v?.query)).toMatch(/^query_result\(sort_desc\(/);
    expect(v?.sort).toBe(0);
    // One map at a time: no `All`, and no saved selection (Grafana picks the first, the biggest, on load).
    expect(v).toMatchObject({ multi: false, includeAll: false });
    expect(v).not.toHaveProperty('current');
    expect(v).not.toHaveProperty('allValue');
  });
});
