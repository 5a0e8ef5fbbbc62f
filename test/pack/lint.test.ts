/**
 * Static rules of the pack: alert naming and annotations, runbook anchors, Grafana dashboard-linter rules,
 * and that every metric any query names exists in the conventions module.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALL_METRICS, METRICS, metricBySeriesName, seriesNames } from '../../src/conventions.js';
import {
  ALERT_DEFS,
  buildAlertRules,
  buildRecordingRules,
  buildRuleGroups,
  runbookAnchor,
  type RecordingRule,
} from '../../src/pack/alerts.js';
import { defaultConfig, fastConfig, resolveConfig, type PackConfig } from '../../src/pack/config.js';
import { buildDashboards } from '../../src/pack/dashboards.js';
import { buildRunbook } from '../../src/pack/runbook.js';
import { dashboardQueries } from './queries.js';
import { parseMatchers, scanSelectors } from './promql-scan.js';

/** Repository root, so the tests do not depend on the working directory. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NON_MAPWATCH = new Set(['ALERTS', 'up']);
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase']);
/**
 * Counters used as a state (any value above 0 since the process started), never as a rate: registry
 * overflow happens at start-up, before the first scrape, so increase() would never see it.
 */
const STATE_COUNTERS = new Set([METRICS.registryOverflow.name]);
const counterMisused = (name: string, enclosing: string) =>
  name.endsWith('_total') && !COUNTER_FUNCTIONS.has(enclosing) && !STATE_COUNTERS.has(name);

/** Names of metrics the rules may read: the conventions table, plus the series `recorded` defines. */
function checkNamesExist(expr: string, recorded: ReadonlySet<string> = new Set()): string[] {
  return scanSelectors(expr)
    .filter(
      (s) => !NON_MAPWATCH.has(s.name) && !recorded.has(s.name) && metricBySeriesName(s.name) === undefined,
    )
    .map((s) => `unknown metric '${s.name}' in: ${expr}`);
}

/** Prometheus' recording rule naming: `level:metric:operations`, the metric from the conventions table. */
const RECORD_NAME = /^(instance_map|job_map):([a-z_]+):([a-z0-9_]+)$/;

const configs: Array<[string, PackConfig]> = [
  ['default', defaultConfig],
  ['fast', fastConfig],
  ['custom', resolveConfig({ selector: 'job=~"checkout-.*", env="prod"', groupBy: ['cluster'] })],
];

describe.each(configs)('alert rules (%s config)', (_name, c) => {
  const rules = buildAlertRules(c);
  const records = buildRecordingRules(c);
  const recorded = new Set(records.map((r) => r.record));

  it('has one rule per alert definition, with unique names', () => {
    expect(rules.map((r) => r.alert)).toEqual(ALERT_DEFS.map((d) => d.name));
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it.each(rules.map((r) => [r.alert, r] as const))('%s follows the naming and annotation rules', (_n, r) => {
    const def = ALERT_DEFS.find((d) => d.name === r.alert);
    expect(r.alert).toMatch(/^Mapwatch([A-Z][a-z0-9]+)+$/);
    expect(r.alert.length).toBeLessThanOrEqual(40);
    expect(['critical', 'warning', 'info']).toContain(r.labels.severity);
    expect(r.for).toMatch(/^\d+[smhd]/);
    expect(r.annotations.summary).toMatch(/^[A-Z].+\.$/);
    expect(r.annotations.summary).not.toContain('{{');
    expect(r.annotations.description).toContain('{{ $labels.');
    if (def?.scope === 'map') {
      expect(r.annotations.description).toContain('{{ $labels.map_name }}');
      expect(r.annotations.description).toMatch(
        /\{\{ (\$value( \| humanize(Percentage)?)?|printf "%\.0f" \$value) \}\}/,
      );
    }
    expect(r.annotations.runbook_url).toBe(`${c.runbookBaseUrl}#${runbookAnchor(r.alert)}`);
    // Values only in annotations: labels are static words.
    for (const v of Object.values(r.labels)) expect(v).toMatch(/^[a-z_]+$/);
  });

  it('names only metrics of the conventions module, with the configured selector on every selector', () => {
    const wanted = parseMatchers(c.selector);
    const problems: string[] = [];
    for (const r of rules) {
      problems.push(...checkNamesExist(r.expr, recorded));
      for (const s of scanSelectors(r.expr)) {
        // Recorded series were selected when they were recorded; they keep only the aggregation labels.
        if (recorded.has(s.name)) continue;
        const have = parseMatchers(s.matchers);
        for (const [k, v] of wanted)
          if (have.get(k) !== v) problems.push(`${r.alert}: ${s.name} lacks ${k}${v}`);
        if (counterMisused(s.name, s.enclosing)) {
          problems.push(`${r.alert}: counter ${s.name} outside rate/increase`);
        }
      }
      // Both export paths must aggregate to the same series: every aggregation lists its labels.
      const bare = /\b(sum|max|min|count|avg)\s*\(/.exec(r.expr);
      if (bare) problems.push(`${r.alert}: aggregation without by (...): ${bare[0]}`);
      for (const extra of c.groupBy)
        if (!r.expr.includes(extra)) problems.push(`${r.alert}: does not keep ${extra}`);
    }
    expect(problems).toEqual([]);
  });

  it('records only long windows the alerts read, named level:metric:operations, before their first reader', () => {
    expect(records.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const g of buildRuleGroups(c)) {
      const defined = new Set<string>();
      for (const r of g.rules) {
        const reads = scanSelectors(r.expr).filter((x) => recorded.has(x.name));
        for (const x of reads)
          if (!defined.has(x.name)) problems.push(`${x.name} read before it is recorded in ${g.name}`);
        if (!('record' in r)) continue;
        const rec = r as RecordingRule;
        defined.add(rec.record);
        const m = RECORD_NAME.exec(rec.record);
        const base = m?.[2] ?? '';
        if (!m || !ALL_METRICS.some((x) => x.name === base || x.name === `${base}_total`)) {
          problems.push(`${rec.record} is not level:<metric of the table>:operations`);
        }
        const labels = m?.[1] === 'job_map' ? ['job', 'map_name'] : ['job', 'instance', 'map_name'];
        // An aggregation lists the labels it keeps; max_over_time() of a recorded series keeps its labels.
        if (rec.expr.includes(' by (')) {
          for (const l of [...labels, ...c.groupBy])
            if (!rec.expr.includes(l)) problems.push(`${rec.record} does not keep ${l}`);
        }
        const wanted = parseMatchers(c.selector);
        problems.push(...checkNamesExist(rec.expr, recorded));
        for (const x of scanSelectors(rec.expr)) {
          if (recorded.has(x.name)) continue;
          for (const [k, v] of wanted)
            if (parseMatchers(x.matchers).get(k) !== v)
              problems.push(`${rec.record}: ${x.name} lacks ${k}${v}`);
        }
      }
    }
    const read = new Set(
      [...rules.map((r) => r.expr), ...records.map((r) => r.expr)].flatMap((e) =>
        scanSelectors(e).map((x) => x.name),
      ),
    );
    for (const r of records) if (!read.has(r.record)) problems.push(`${r.record} is recorded but never read`);
    expect(problems).toEqual([]);
  });

  it('writes the same alerts inline, with no recording rule, when recordingRules is off', () => {
    const off = { ...c, recordingRules: false };
    expect(buildRecordingRules(off)).toEqual([]);
    const inline = buildAlertRules(off);
    expect(inline.map((r) => r.alert)).toEqual(rules.map((r) => r.alert));
    for (const r of inline) {
      expect(checkNamesExist(r.expr), r.alert).toEqual([]);
      expect(r.expr, r.alert).not.toMatch(/\b(instance_map|job_map):/);
    }
  });

  it('links every alert to a runbook section with Meaning, Impact, Diagnosis and Mitigation', () => {
    const md = buildRunbook(c);
    const headings = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1] as string);
    // GitHub anchors: lower case, spaces to dashes, punctuation dropped.
    const anchors = headings.map((h) =>
      h
        .toLowerCase()
        .replace(/[^a-z0-9 _-]/g, '')
        .replace(/ /g, '-'),
    );
    for (const r of rules) {
      const fragment = r.annotations.runbook_url.split('#')[1];
      expect(anchors, `runbook anchor for ${r.alert}`).toContain(fragment);
      const section = md.split(/^## /m).find((s) => s.startsWith(`${r.alert}\n`)) ?? '';
      for (const h of ['Meaning', 'Impact', 'Diagnosis', 'Mitigation'])
        expect(section).toContain(`### ${h}\n`);
    }
  });
});

describe('dashboards follow the dashboard-linter rules', () => {
  const dashboards = buildDashboards(defaultConfig);

  it.each(Object.entries(dashboards))('%s has the import and provisioning envelope', (_f, d) => {
    expect(d.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(d.schemaVersion as number).toBeGreaterThanOrEqual(39);
    expect(d.title).toBeTruthy();
    expect(d.description).toBeTruthy();
    const inputs = d.__inputs as Array<Record<string, unknown>>;
    expect(inputs).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    );
    expect(d.__requires).toContainEqual(expect.objectContaining({ type: 'datasource', id: 'prometheus' }));
    const vars = (d.templating as { list: Array<Record<string, unknown>> }).list;
    expect(vars.find((v) => v.name === 'datasource')).toMatchObject({
      type: 'datasource',
      query: 'prometheus',
    });
    for (const name of ['job', 'instance']) {
      expect(
        vars.find((v) => v.name === name),
        name,
      ).toMatchObject({ type: 'query', multi: true, includeAll: true });
    }
  });

  it.each(Object.entries(dashboards))(
    '%s: every panel has a title, description, unit and the ${datasource}',
    (_f, d) => {
      type Panel = {
        title: string;
        description: string;
        datasource: unknown;
        fieldConfig: { defaults: { unit: string } };
        targets: Array<{ datasource: unknown }>;
      };
      for (const p of d.panels as Panel[]) {
        expect(p.title, JSON.stringify(p.title)).toBeTruthy();
        expect(p.description, p.title).toBeTruthy();
        expect(p.fieldConfig.defaults.unit, p.title).toBeTruthy();
        expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        for (const t of p.targets) expect(t.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      }
    },
  );

  it('every query selects $job and $instance, uses $__rate_interval, and names known metrics', () => {
    const problems: string[] = [];
    for (const q of dashboardQueries(defaultConfig)) {
      problems.push(...checkNamesExist(q.expr).map((p) => `${q.where}: ${p}`));
      for (const s of scanSelectors(q.expr)) {
        const m = parseMatchers(s.matchers);
        const isJobVariable = q.kind === 'variable' && q.shownLabels[0] === 'job';
        if (!isJobVariable && m.get('job') !== '=~"$job"')
          problems.push(`${q.where}: ${s.name} lacks job=~"$job"`);
        if (q.kind !== 'variable' && m.get('instance') !== '=~"$instance"') {
          problems.push(`${q.where}: ${s.name} lacks instance=~"$instance"`);
        }
        if (COUNTER_FUNCTIONS.has(s.enclosing) && s.range !== '$__rate_interval') {
          problems.push(`${q.where}: ${s.enclosing} over [${s.range}] instead of [$__rate_interval]`);
        }
        if (counterMisused(s.name, s.enclosing)) {
          problems.push(`${q.where}: counter ${s.name} outside rate/increase`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('the scanner the lint rules rely on', () => {
  it('finds selectors and their enclosing functions, and ignores labels and functions', () => {
    const uses = scanSelectors(
      'sum by (job, le) (rate(a_total{x="}"}[5m])) / on (job) group_left b offset 1h and vector(1)',
    );
    expect(uses).toEqual([
      { name: 'a_total', matchers: 'x="}"', range: '5m', enclosing: 'rate' },
      { name: 'b', matchers: '', range: undefined, enclosing: '' },
    ]);
  });

  it('flags a misspelt metric', () => {
    expect(checkNamesExist('rate(mapwatch_map_inserts{job="a"}[1m])')).toHaveLength(1);
  });
});

describe('no metric name is spelled as a literal in the pack sources', () => {
  const files = [
    ...readdirSync(join(ROOT, 'src/pack')).map((f) => join('src/pack', f)),
    'src/cli/rules.ts',
    'src/cli/dashboards.ts',
  ];
  const names = ALL_METRICS.flatMap((m) => [m.name, ...seriesNames(m)]);
  it.each(files)('%s', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    expect(names.filter((n) => text.includes(n))).toEqual([]);
  });
});
