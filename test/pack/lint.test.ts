/**
 * Static rules of the pack: alert naming and annotations, runbook anchors, every rule of Grafana's
 * dashboard-linter (grafana/dashboard-linter, lint/rule_*.go) restated over the generated dashboards with no
 * exemption, and that every metric any query names exists in the conventions module. PromQL is read with
 * Prometheus' own grammar (./promql.ts).
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
import type { Panel, SharedDashboard, VariableModel } from '../../src/pack/grafana.js';
import { buildRunbook } from '../../src/pack/runbook.js';
import { toYaml } from '../../src/pack/write.js';
import { requireTool } from '../helpers/tools.js';
import {
  RATE_INTERVAL_SAMPLE,
  expandVariables,
  parseMatchers,
  parseVariableQuery,
  scanSelectors,
  showMatcher,
  syntaxErrors,
} from './promql.js';
import { dashboardQueries, panelsOf, promAnnotations, queryText } from './queries.js';
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
/**
 * Alert rules (the pack's own convention; dashboards follow dashboard-linter's stricter rule below): a
 * counter read other than through rate/increase; counting its series (`count(...)`) is fine.
 */
const counterMisused = (name: string, enclosing: string) =>
  name.endsWith('_total') &&
  !COUNTER_FUNCTIONS.has(enclosing) &&
  enclosing !== 'count' &&
  !STATE_COUNTERS.has(name);

/** Names of metrics the rules may read: the conventions table, plus the series `recorded` defines. */
function checkNamesExist(
  expr: string,
  recorded: ReadonlySet<string> = new Set(),
  external: ReadonlySet<string> = nonMapwatch(),
): string[] {
  return scanSelectors(expandVariables(expr))
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
const RECORD_NAME = /^(instance_map|job_map|instance|job):([a-z_]+):([a-z0-9_]+)$/;

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
    // A per-job alert (MapwatchJobMetricsAbsent) has no instance to select.
    if (!def?.perJob) expect(dashboard).toContain('var-instance={{ $labels.instance | urlquery }}');
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
        for (const [k, v] of wanted)
          if (showMatcher(s.matchers.get(k)) !== showMatcher(v))
            problems.push(`${r.alert}: ${s.name} lacks ${k}${showMatcher(v)}`);
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
        // `job:up:count`: the absence alert for pushing jobs counts Prometheus' own `up` per job.
        const known = base === 'up' || ALL_METRICS.some((x) => x.name === base || x.name === `${base}_total`);
        if (!m || !known) {
          problems.push(`${rec.record} is not level:<metric of the table>:operations`);
        }
        const labels =
          m?.[1] === 'job_map'
            ? ['job', 'map_name']
            : m?.[1] === 'job'
              ? ['job']
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
            if (showMatcher(x.matchers.get(k)) !== showMatcher(v))
              problems.push(`${rec.record}: ${x.name} lacks ${k}${showMatcher(v)}`);
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

/** The dashboards of a config as Grafana and its dashboard-linter read them: the JSON the pack writes. */
function writtenDashboards(c: PackConfig): Array<[string, SharedDashboard]> {
  return Object.entries(buildDashboards(c)).map(([f, d]) => [
    f,
    JSON.parse(JSON.stringify(d)) as SharedDashboard,
  ]);
}

const variablesOf = (d: SharedDashboard): VariableModel[] => d.templating?.list ?? [];
const dataSourceVariables = (d: SharedDashboard) =>
  variablesOf(d).filter((v) => v.type.toLowerCase() === 'datasource');
/** dashboard-linter's Prometheus rules apply when the first templated data source is a Prometheus one. */
const isPrometheusDashboard = (d: SharedDashboard) =>
  queryText(dataSourceVariables(d)[0]?.query) === 'prometheus';
const titleCase = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const uidOf = (ds: unknown) => (typeof ds === 'string' ? ds : ((ds as { uid?: string } | null)?.uid ?? ''));

/** Panel types the linter's panel rules look at (its lint/constants.go, and stat). */
const PANEL_RULE_TYPES = new Set(['stat', 'singlestat', 'graph', 'table', 'timeseries', 'gauge']);
/** Panel types whose queries the linter parses (target-promql-rule, target-rate-interval-rule). */
const QUERY_PANEL_TYPES = new Set(['singlestat', 'gauge', 'table', 'stat', 'state-timeline', 'timeseries']);
/**
 * Unit ids of Grafana's value formats (grafana-data's valueFormats/categories.ts) in the categories a map
 * exporter can use: misc, data, time, throughput and boolean. dashboard-linter accepts every category; a unit
 * outside these fails here, which is stricter, never looser.
 */
const GRAFANA_UNITS = new Set([
  ...['none', 'string', 'short', 'percent', 'percentunit', 'humidity', 'dB', 'hex0x', 'hex', 'sci', 'locale'],
  ...['bytes', 'decbytes', 'bits', 'decbits', 'kbytes', 'deckbytes', 'mbytes', 'decmbytes', 'gbytes'],
  ...['decgbytes', 'tbytes', 'dectbytes', 'pbytes', 'decpbytes'],
  ...['hertz', 'ns', 'µs', 'ms', 's', 'm', 'h', 'd', 'dtdurationms', 'dtdurations', 'dthms', 'dtdhms'],
  ...['timeticks', 'clockms', 'clocks'],
  ...['cps', 'ops', 'reqps', 'rps', 'wps', 'iops', 'cpm', 'opm', 'rpm', 'wpm'],
  ...['bool', 'bool_yes_no', 'bool_on_off'],
]);

type Problems = string[];

/**
 * One check per rule of grafana/dashboard-linter (lint/rules.go, NewRuleSet), in its order; each names the
 * upstream rule it restates and reports problems as `<dashboard>: <what>`. No rule has an exemption.
 */
const LINTER_RULES: Record<string, (file: string, d: SharedDashboard) => Problems> = {
  // rule_template_datasource.go: a templated data source, named `<type>_datasource` (or `datasource` when
  // it is the only one) and labelled `<Type> data source` (or `Data source`).
  'template-datasource-rule': (f, d) => {
    const ds = dataSourceVariables(d);
    if (ds.length === 0) return [`${f}: no templated data source`];
    return ds.flatMap((v) => {
      const type = queryText(v.query);
      const names = [`${type.toLowerCase()}_datasource`, ...(ds.length === 1 ? ['datasource'] : [])];
      const labels = [`${titleCase(type)} data source`, ...(ds.length === 1 ? ['Data source'] : [])];
      return [
        ...(names.includes(v.name) ? [] : [`${f}: data source variable named '${v.name}', not ${names}`]),
        ...(labels.includes(v.label ?? '') ? [] : [`${f}: data source variable labelled '${v.label}'`]),
      ];
    });
  },
  // rule_template_job.go, rule_template_instance.go (checkTemplate): a `job` and an `instance` variable, each
  // a query of the templated data source, labelled Job / Instance, multi-select, `All` being `.+`.
  'template-job-rule': (f, d) => templateProblems(f, d, 'job'),
  'template-instance-rule': (f, d) => templateProblems(f, d, 'instance'),
  // rule_template_label_promql.go: every query variable calls label_names, label_values, metrics or
  // query_result, on PromQL that parses.
  'template-label-promql-rule': (f, d) =>
    isPrometheusDashboard(d)
      ? variablesOf(d)
          .filter((v) => v.type === 'query')
          .flatMap((v) => {
            const query = queryText(v.query);
            const fn = /([a-z_]+)\((.+)\)/s.exec(query)?.[1];
            if (!fn || !['label_names', 'label_values', 'metrics', 'query_result'].includes(fn))
              return [`${f}: variable ${v.name}: invalid function in ${query}`];
            const { expr } = parseVariableQuery(query, v.regex);
            const errors = expr === '' ? [] : syntaxErrors(expandVariables(expr));
            return errors.map((e) => `${f}: variable ${v.name}: ${e}`);
          })
      : [],
  // rule_template_on_time_change_reload.go: query variables refresh on time range change (refresh 2).
  'template-on-time-change-reload-rule': (f, d) =>
    variablesOf(d)
      .filter((v) => v.type === 'query' && v.refresh !== 2)
      .map((v) => `${f}: variable ${v.name} refreshes on ${String(v.refresh)}, not on time range change (2)`),
  // rule_panel_datasource.go: singlestat, graph, table and time series panels use a templated data source.
  'panel-datasource-rule': (f, d) => {
    const allowed = dataSourceVariables(d).flatMap((v) => [`$${v.name}`, `\${${v.name}}`]);
    return panelsOf(d)
      .filter((p) => ['singlestat', 'graph', 'table', 'timeseries'].includes(p.type))
      .filter((p) => !allowed.includes(uidOf(p.datasource)))
      .map((p) => `${f}: panel '${p.title}' uses data source '${uidOf(p.datasource)}'`);
  },
  // rule_panel_title_description.go: every panel has a title and a description.
  'panel-title-description-rule': (f, d) =>
    panelsOf(d)
      .filter((p) => PANEL_RULE_TYPES.has(p.type) && (!p.title || !p.description))
      .map((p) => `${f}: panel '${p.title}' lacks a title or a description`),
  // rule_panel_units.go: a valid unit (an override's unit first, else the default), unless the panel maps
  // its values to text, or is a stat panel showing non-numeric fields.
  'panel-units-rule': (f, d) =>
    panelsOf(d)
      .filter((p) => PANEL_RULE_TYPES.has(p.type))
      .filter((p) => {
        const reduce = (p.options as { reduceOptions?: { fields?: string } } | undefined)?.reduceOptions;
        if (p.type === 'stat' && (reduce?.fields ?? '') !== '') return false;
        const props = (p.fieldConfig?.overrides ?? []).flatMap((o) => o.properties);
        if (props.some((x) => x.id === 'mappings' && x.value != null) || p.fieldConfig?.defaults.mappings)
          return false;
        const unit = props.filter((x) => x.id === 'unit').at(-1)?.value ?? p.fieldConfig?.defaults.unit;
        return typeof unit !== 'string' || !GRAFANA_UNITS.has(unit);
      })
      .map((p) => `${f}: panel '${p.title}' has no valid unit ('${String(p.fieldConfig?.defaults.unit)}')`),
  // rule_panel_no_targets.go: every panel has targets.
  'panel-no-targets-rule': (f, d) =>
    panelsOf(d)
      .filter((p) => PANEL_RULE_TYPES.has(p.type) && !p.targets)
      .map((p) => `${f}: panel '${p.title}' has no targets`),
  // rule_target_promql.go: every target of a query panel has an expression (or names an existing panel),
  // and it parses once Grafana's variables are replaced by sample values.
  'target-promql-rule': (f, d) =>
    targetsOf(d, QUERY_PANEL_TYPES).flatMap(({ p, expr, panelId }) => {
      if (expr === '')
        return panelsOf(d).some((x) => x.id === panelId) ? [] : [`${f}: '${p.title}' has an empty target`];
      return syntaxErrors(expandVariables(expr)).map((e) => `${f}: '${p.title}': ${e}`);
    }),
  // rule_target_rate_interval.go: a range selector passed to rate() or irate() runs over $__rate_interval;
  // one with another range must sit in a function call. increase() and the *_over_time functions may read
  // any window.
  'target-rate-interval-rule': (f, d) =>
    targetsOf(d, QUERY_PANEL_TYPES).flatMap(({ p, expr }) =>
      parsedSelectors(expr)
        .filter(
          (s) => s.range !== undefined && s.range !== RATE_INTERVAL_SAMPLE && s.rangeParent !== undefined,
        )
        .filter((s) => s.rangeParent !== 'FunctionCall' || ['rate', 'irate'].includes(s.rangeFunction ?? ''))
        .map(
          (s) =>
            `${f}: '${p.title}': ${s.rangeFunction ?? s.rangeParent}(${s.name}[${s.range}]) should use $__rate_interval`,
        ),
    ),
  // rule_target_job_instance.go: every selector of every target matches job=~"$job" and instance=~"$instance".
  'target-job-rule': (f, d) => requiredMatcherProblems(f, d, 'job'),
  'target-instance-rule': (f, d) => requiredMatcherProblems(f, d, 'instance'),
  // rule_target_counter_agg.go: a counter (a metric ending in _total) is read only as a range passed straight
  // to rate(), irate() or increase(). Upstream compares the printed selector, which with matchers never
  // ends in _total; this checks the metric name, as the rule's description says.
  'target-counter-agg-rule': (f, d) =>
    targetsOf(d).flatMap(({ p, expr }) =>
      parsedSelectors(expr)
        .filter((s) => s.name.endsWith('_total'))
        .filter(
          (s) => s.range === undefined || !['rate', 'irate', 'increase'].includes(s.rangeFunction ?? ''),
        )
        .map((s) => `${f}: '${p.title}': counter ${s.name} is not aggregated with rate, irate or increase`),
    ),
  // rule_uneditable.go: the dashboard is not editable.
  'uneditable-dashboard': (f, d) => (d.editable === true ? [`${f}: is editable`] : []),
};

/** Targets of the dashboard's panels (of the given types), with their expression. */
function targetsOf(d: SharedDashboard, types?: ReadonlySet<string>) {
  return panelsOf(d)
    .filter((p) => !types || types.has(p.type))
    .flatMap((p: Panel) =>
      (p.targets ?? []).map((t) => ({
        p,
        expr: String(t.expr ?? ''),
        panelId: t.panelId as number | undefined,
      })),
    );
}

/** Selectors of a target's expression, variables replaced; none when it does not parse (another rule's). */
function parsedSelectors(expr: string) {
  const expanded = expandVariables(expr);
  return syntaxErrors(expanded).length ? [] : scanSelectors(expanded);
}

function templateProblems(f: string, d: SharedDashboard, name: string): Problems {
  if (!isPrometheusDashboard(d)) return [];
  const v = variablesOf(d).find((x) => x.name === name);
  if (!v) return [`${f}: no ${name} variable`];
  const uid = uidOf(v.datasource);
  return [
    ...(['$datasource', '${datasource}', '$prometheus_datasource', '${prometheus_datasource}'].includes(uid)
      ? []
      : [`${f}: ${name} variable uses data source '${uid}'`]),
    ...(v.type === 'query' ? [] : [`${f}: ${name} variable is a ${v.type}, not a query`]),
    ...(v.label === titleCase(name) ? [] : [`${f}: ${name} variable labelled '${v.label}'`]),
    ...(v.multi ? [] : [`${f}: ${name} variable is not multi-select`]),
    ...(v.allValue === '.+' ? [] : [`${f}: ${name} variable's All is '${v.allValue}', not '.+'`]),
  ];
}

function requiredMatcherProblems(f: string, d: SharedDashboard, label: string): Problems {
  if (!isPrometheusDashboard(d)) return [];
  return targetsOf(d).flatMap(({ p, expr }) =>
    parsedSelectors(expr)
      .filter((s) => showMatcher(s.matchers.get(label)) !== showMatcher({ op: '=~', value: `$${label}` }))
      .map((s) => `${f}: '${p.title}': ${s.name} matches ${label}${showMatcher(s.matchers.get(label))}`),
  );
}

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
    const v = variablesOf(dashboards['mapwatch-map.json'] as SharedDashboard).find((x) => x.name === 'map');
    expect(queryText(v?.query)).toMatch(/^query_result\(sort_desc\(/);
    expect(v?.sort).toBe(0);
    // One map at a time: no `All`, and no saved selection (Grafana picks the first, the biggest, on load).
    expect(v).toMatchObject({ multi: false, includeAll: false });
    expect(v).not.toHaveProperty('current');
    expect(v).not.toHaveProperty('allValue');
  });
});

describe('the PromQL reading the lint rules rely on', () => {
  it('finds selectors with their matchers, range and enclosing function, and never a label or a function', () => {
    const uses = scanSelectors(
      'sum by (job, le) (rate(a_total{x="}"}[5m] @ end())) / on (job) group_left b offset 1h and vector(1)',
    );
    expect(uses.map((u) => [u.name, [...u.matchers], u.range, u.rangeFunction, u.enclosing])).toEqual([
      ['a_total', [['x', { op: '=', value: '}' }]], '5m', 'rate', 'rate'],
      ['b', [], undefined, undefined, ''],
    ]);
  });

  it('refuses an expression that does not parse instead of guessing', () => {
    expect(() => scanSelectors('sum(rate(a_total[5m])')).toThrow(/syntax error/);
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
