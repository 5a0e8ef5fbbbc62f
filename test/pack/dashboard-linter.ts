/**
 * Grafana's dashboard-linter (grafana/dashboard-linter, lint/rule_*.go) restated over the JSON the pack
 * writes, one check per upstream rule, so the dashboards are linted without the Go tool. PromQL is read with
 * Prometheus' own grammar (./promql.ts).
 */
import { type PackConfig } from '../../src/pack/config.js';
import { buildDashboards } from '../../src/pack/dashboards.js';
import type { Panel, SharedDashboard, VariableModel } from '../../src/pack/grafana.js';
import {
  RATE_INTERVAL_SAMPLE,
  expandVariables,
  parseVariableQuery,
  scanSelectors,
  showMatcher,
  syntaxErrors,
} from './promql.js';
import { panelsOf, queryText } from './queries.js';

/** The dashboards of a config as Grafana and its dashboard-linter read them: the JSON the pack writes. */
export function writtenDashboards(c: PackConfig): Array<[string, SharedDashboard]> {
  return Object.entries(buildDashboards(c)).map(([f, d]) => [
    f,
    JSON.parse(JSON.stringify(d)) as SharedDashboard,
  ]);
}

export const variablesOf = (d: SharedDashboard): VariableModel[] => d.templating?.list ?? [];
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
export const GRAFANA_UNITS = new Set([
  ...['none', 'string', 'short', 'percent', 'percentunit', 'humidity', 'dB', 'hex0x', 'hex', 'sci', 'locale'],
  ...['bytes', 'decbytes', 'bits', 'decbits', 'kbytes', 'deckbytes', 'mbytes', 'decmbytes', 'gbytes'],
  ...['decgbytes', 'tbytes', 'dectbytes', 'pbytes', 'decpbytes'],
  ...['hertz', 'ns', 'µs', 'ms', 's', 'm', 'h', 'd', 'dtdurationms', 'dtdurations', 'dthms', 'dtdhms'],
  ...['timeticks', 'clockms', 'clocks'],
  ...['cps', 'ops', 'reqps', 'rps', 'wps', 'iops', 'cpm', 'opm', 'rpm', 'wpm'],
  ...['bool', 'bool_yes_no', 'bool_on_off'],
]);

export type Problems = string[];

/**
 * One check per rule of grafana/dashboard-linter (lint/rules.go, NewRuleSet), in its order; each names the
 * upstream rule it restates and reports problems as `<dashboard>: <what>`. No rule has an exemption.
 */
export const LINTER_RULES: Record<string, (file: string, d: SharedDashboard) => Problems> = {
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
