/**
 * Static rules of the pack: alert naming and annotations, runbook anchors, Grafana dashboard-linter rules,
 * and that every metric any query names exists in the conventions module.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALL_METRICS, METRICS, metricBySeriesName, seriesNames } from '../../src/conventions.js';
import {
  ALERT_DEFS,
  INFO_INHIBITOR,
  buildAlertRules,
  buildRecordingRules,
  buildRuleGroups,
  externalSeries,
  runbookAnchor,
  type RecordingRule,
} from '../../src/pack/alerts.js';
import { defaultConfig, fastConfig, resolveConfig, type PackConfig } from '../../src/pack/config.js';
import { buildDashboards } from '../../src/pack/dashboards.js';
import { buildRunbook } from '../../src/pack/runbook.js';
import { toYaml } from '../../src/pack/write.js';
import { requireTool } from '../helpers/tools.js';
import { dashboardQueries } from './queries.js';
import { parseMatchers, scanSelectors } from './promql-scan.js';
import { runTool, withTempDir } from './tmp.js';

/** Repository root, so the tests do not depend on the working directory. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Series the pack reads that are not mapwatch's: Prometheus' own and the process metrics of the config. */
const nonMapwatch = (c: PackConfig = defaultConfig) => new Set(externalSeries(c));
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase']);
/**
 * Counters also read as a state: registry overflow often happens at start-up, before the first scrape, so
 * increase() misses a counter born above 0; the rule also looks for a new series that is above 0.
 */
const STATE_COUNTERS = new Set([METRICS.registryOverflow.name]);
/** A counter read other than through rate/increase; counting its series (`count(...)`) is fine. */
const counterMisused = (name: string, enclosing: string) =>
  name.endsWith('_total') &&
  !COUNTER_FUNCTIONS.has(enclosing) &&
  enclosing !== 'count' &&
  !STATE_COUNTERS.has(name);
/** Panels that state what happened within an alert's own window (the alert's quantity), not per interval. */
const ALERT_WINDOW_PANELS = new Set(['Names folded into _other']);

/** Names of metrics the rules may read: the conventions table, plus the series `recorded` defines. */
function checkNamesExist(
  expr: string,
  recorded: ReadonlySet<string> = new Set(),
  external: ReadonlySet<string> = nonMapwatch(),
): string[] {
  return scanSelectors(expr)
    .filter(
      (s) =>
        s.name !== '' &&
        !external.has(s.name) &&
        !recorded.has(s.name) &&
        metricBySeriesName(s.name) === undefined,
    )
    .map((s) => `unknown metric '${s.name}' in: ${expr}`);
}

/** Prometheus' recording rule naming: `level:metric:operations`, the metric from the conventions table. */
const RECORD_NAME = /^(instance_map|job_map|instance):([a-z_]+):([a-z0-9_]+)$/;

const configs: Array<[string, PackConfig]> = [
  ['default', defaultConfig],
  ['fast', fastConfig],
  [
    'custom',
    resolveConfig({
      selector: 'job=~"checkout-.*", env="prod"',
      groupBy: ['cluster'],
      alertLabels: { team: 'payments', tier: 'Tier 1' },
      excludeMaps: ['catalogue', 'routes.v2'],
      memory: { usageSeries: 'process_resident_memory_bytes', limitSeries: '', limitBytes: 4e9 },
    }),
  ],
];

/** The ```promql blocks of a runbook section. */
function promqlBlocks(section: string): string[] {
  return [...section.matchAll(/```promql\n([\s\S]*?)\n```/g)].map((m) => m[1] as string);
}

describe.each(configs)('alert rules (%s config)', (_name, c) => {
  const rules = buildAlertRules(c);
  const records = buildRecordingRules(c);
  const recorded = new Set(records.map((r) => r.record));

  it('has one rule per alert definition and the info inhibitor, with unique names', () => {
    expect(rules.map((r) => r.alert)).toEqual([...ALERT_DEFS.map((d) => d.name), INFO_INHIBITOR]);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it.each(rules.map((r) => [r.alert, r] as const))('%s follows the naming and annotation rules', (_n, r) => {
    const def = ALERT_DEFS.find((d) => d.name === r.alert);
    expect(r.alert).toMatch(/^Mapwatch([A-Z][a-z0-9]+)+$/);
    expect(r.alert.length).toBeLessThanOrEqual(40);
    // `none` only for the info inhibitor, which is routed nowhere (kube-prometheus' convention).
    expect(def ? ['critical', 'warning', 'info'] : ['none']).toContain(r.labels.severity);
    expect(r.for).toMatch(/^\d+[smhd]/);
    expect(r.annotations.summary).toMatch(/^[A-Z].+\.$/);
    expect(r.annotations.summary).not.toContain('{{');
    expect(r.annotations.description).toContain('{{ $labels.');
    if (def?.scope === 'map') expect(r.annotations.description).toContain('{{ $labels.map_name }}');
    // A live value: $value, or a query template evaluated with the alert.
    expect(r.annotations.description).toMatch(
      /\{\{ (\$value( \| humanize(Percentage)?)?|printf "%\.0f" \$value) \}\}|\| query \}\}/,
    );
    expect(r.annotations.runbook_url).toBe(`${c.runbookBaseUrl}#${runbookAnchor(r.alert)}`);
    // The dashboard of the alert with its job and instance (and map) selected.
    const dashboard = r.annotations.dashboard_url;
    expect(dashboard.startsWith(`${c.grafanaBaseUrl}/d/${c.dashboards.uidPrefix}-`)).toBe(true);
    expect(dashboard).toContain('var-job={{ $labels.job | urlquery }}');
    expect(dashboard).toContain('var-instance={{ $labels.instance | urlquery }}');
    if (def?.scope === 'map') expect(dashboard).toContain('var-map={{ $labels.map_name | urlquery }}');
    for (const l of c.groupBy) expect(dashboard).toContain(`var-${l}={{ $labels.${l} | urlquery }}`);
    // Values only in annotations: labels are static words, and the owner labels of the config.
    const { severity, signal, ...owners } = r.labels;
    for (const v of [severity, signal]) expect(v).toMatch(/^[a-z_]+$/);
    expect(owners).toEqual(c.alertLabels);
  });

  it('names only metrics of the conventions module, with the configured selector on every selector', () => {
    const wanted = parseMatchers(c.selector);
    const problems: string[] = [];
    for (const r of rules) {
      problems.push(...checkNamesExist(r.expr, recorded, nonMapwatch(c)));
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
        const labels =
          m?.[1] === 'job_map'
            ? ['job', 'map_name']
            : m?.[1] === 'instance'
              ? ['job', 'instance']
              : ['job', 'instance', 'map_name'];
        // An aggregation lists the labels it keeps; max_over_time() of a recorded series keeps its labels.
        if (rec.expr.includes(' by (')) {
          for (const l of [...labels, ...c.groupBy])
            if (!rec.expr.includes(l)) problems.push(`${rec.record} does not keep ${l}`);
        }
        const wanted = parseMatchers(c.selector);
        problems.push(...checkNamesExist(rec.expr, recorded, nonMapwatch(c)));
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
      expect(checkNamesExist(r.expr, new Set(), nonMapwatch(c)), r.alert).toEqual([]);
      expect(r.expr, r.alert).not.toMatch(/\b(instance_map|job_map):/);
    }
  });

  it('skips the maps of excludeMaps in the first condition of every growth alert, and only there', () => {
    for (const def of ALERT_DEFS) {
      const rule = rules.find((r) => r.alert === def.name);
      const first = rule?.expr.split(/\n(?=(?:and|unless) on )/)[0] ?? '';
      const growth = def.signal === 'growth' || def.signal === 'instances';
      if (c.excludeMaps.length === 0) expect(rule?.expr, def.name).not.toContain('map_name!~');
      else if (growth) expect(first, def.name).toContain('map_name!~');
      else expect(rule?.expr, def.name).not.toContain('map_name!~');
    }
  });

  it('links every alert to a runbook section with Meaning, Impact, Diagnosis, Mitigation and PromQL', () => {
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
      // Ready-to-paste PromQL in the Diagnosis, naming only series that exist.
      const diagnosis = section.split('### Diagnosis\n')[1]?.split('### Mitigation\n')[0] ?? '';
      const queries = promqlBlocks(diagnosis);
      expect(queries.length, `${r.alert} has a PromQL block`).toBeGreaterThan(0);
      for (const q of queries) expect(checkNamesExist(q, new Set(), nonMapwatch(c)), r.alert).toEqual([]);
    }
  });

  it('names the tools of an investigation in the runbook, with their risks', () => {
    const md = buildRunbook(c);
    for (const text of [
      '/debug/maps',
      'mapwatch analyze --prometheus http://<prometheus>:9090 --selector \'{job="<job>",map_name="<map_name>"}\'',
      '--heapsnapshot-signal',
      'v8.writeHeapSnapshot()',
      'process.report.writeReport()',
      'stops the process',
      'personal data',
      'disk',
    ]) {
      expect(md).toContain(text);
    }
  });
});

const promtool = requireTool('promtool');

describe.skipIf(!promtool)('every PromQL block of the runbook parses', () => {
  it.each(configs)('%s config', async (_name, c) => {
    const queries = promqlBlocks(buildRunbook(c));
    expect(queries.length).toBeGreaterThan(ALERT_DEFS.length);
    await withTempDir(async (dir) => {
      const file = join(dir, 'runbook-queries.yml');
      // Each query as a recording rule: promtool parses (and type-checks) every expression.
      await writeFile(
        file,
        toYaml({
          groups: [
            { name: 'runbook', rules: queries.map((expr, i) => ({ record: `runbook:query:${i}`, expr })) },
          ],
        }),
      );
      const r = await runTool(promtool as string, ['check', 'rules', file]);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain(`SUCCESS: ${queries.length} rules found`);
    });
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
        type: string;
        description: string;
        datasource: unknown;
        fieldConfig: { defaults: { unit: string } };
        targets: Array<{ datasource: unknown }>;
      };
      for (const p of (d.panels as Panel[]).filter((x) => x.type !== 'row')) {
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
        // The job variable and the topology variables before it narrow the jobs offered: no $job in them.
        const shown = q.shownLabels[0] ?? '';
        const isJobVariable =
          q.kind === 'variable' && (shown === 'job' || defaultConfig.groupBy.includes(shown));
        if (!isJobVariable && m.get('job') !== '=~"$job"')
          problems.push(`${q.where}: ${s.name} lacks job=~"$job"`);
        if (q.kind !== 'variable' && m.get('instance') !== '=~"$instance"') {
          problems.push(`${q.where}: ${s.name} lacks instance=~"$instance"`);
        }
        // The panels of an alert's own condition read the alert's windows; every other one the interval.
        const condition =
          ALERT_DEFS.some((d) => d.name === q.title) || ALERT_WINDOW_PANELS.has(q.title ?? '');
        if (COUNTER_FUNCTIONS.has(s.enclosing) && s.range !== '$__rate_interval' && !condition) {
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

  it('every link to the drill-down carries the job and the instance (and the map where there is one)', () => {
    const urls = [...overview, ...map].flatMap((p) => [
      ...(p.links ?? []),
      ...(p.fieldConfig?.defaults?.links ?? []),
      ...(p.fieldConfig?.overrides ?? []).flatMap((o) =>
        o.properties.filter((x) => x.id === 'links').flatMap((x) => x.value as Array<{ url: string }>),
      ),
    ]);
    expect(urls.length).toBeGreaterThan(10);
    for (const { url } of urls) {
      expect(url).toMatch(/var-job=|\$\{job:queryparam\}/);
      expect(url).toMatch(/var-instance=|\$\{instance:queryparam\}/);
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

  it('the drill-down defaults to the biggest map, not the first name', () => {
    const vars = (dashboards['mapwatch-map.json'] as { templating: { list: Array<Record<string, unknown>> } })
      .templating.list;
    const v = vars.find((x) => x.name === 'map');
    expect(v?.definition).toMatch(/^query_result\(sort_desc\(/);
    expect(v?.sort).toBe(0);
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

function sourcesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((f) =>
    statSync(join(ROOT, dir, f)).isDirectory() ? sourcesUnder(join(dir, f)) : [join(dir, f)],
  );
}

describe('no metric name is spelled as a literal in the pack sources', () => {
  const files = [...sourcesUnder('src/pack'), 'src/cli/rules.ts', 'src/cli/dashboards.ts'];
  const names = ALL_METRICS.flatMap((m) => [m.name, ...seriesNames(m)]);
  it.each(files)('%s', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    expect(names.filter((n) => text.includes(n))).toEqual([]);
  });
});
