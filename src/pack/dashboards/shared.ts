/**
 * What both dashboards are built from: the matchers of the dashboard's variables, the severity colours of
 * alert thresholds, the shared variables and annotation, links to the drill-down, top-N at the end of the
 * range, and the panels that draw each alert's own condition.
 */
import { LABELS, METRICS } from '../../conventions.js';
import { ALERT_DEFS, type ScopedConfig, Terms } from '../alerts.js';
import { type PackConfig, type Severity } from '../config.js';
import {
  datasourceVariable,
  type Link,
  type PanelSpec,
  queryVariable,
  type Threshold,
  type VariableModel,
} from '../grafana.js';
import { parseSelector } from '../config/selector.js';
import { selector } from '../promql.js';

/** The dashboard variables as matchers: Grafana's dashboard linter asks every selector for job and instance. */
export const JOB = 'job=~"$job"';
export const INSTANCE = 'instance=~"$instance"';
/**
 * Equality, not a regex: the map variable is single-select, so Grafana escapes its value for a string, not
 * for a regex, and a name such as `users(by id)` or `cache[v2]` must match itself.
 */
export const MAP = `${LABELS.mapName}="$map"`;
/** The window of every rate() on a panel, as the linter asks (alert-condition panels use the alert's own). */
export const RATE_INTERVAL = '$__rate_interval';
/** Appended to every selector of the query that picks the top N: its value at the end of the range. */
export const AT_END = ' @ end()';

/** Matchers of every panel selector: the configured selector, each groupBy variable, job and instance. */
export function scope(c: PackConfig): string[] {
  return [c.selector, ...variableMatchers(c)];
}

/** Each groupBy variable, job and instance. */
function variableMatchers(c: PackConfig): string[] {
  return [...groupMatchers(c), JOB, INSTANCE];
}

/** Each groupBy variable as a matcher of its label. */
function groupMatchers(c: PackConfig): string[] {
  return c.groupBy.map((l) => `${l}=~"$${l}"`);
}

/**
 * The same for `ALERTS`: an alert keeps only job, instance, map_name and the groupBy labels, so a selector
 * matcher on any other label (`env="prod"`) matched no alert, and the firing-alerts table and annotations
 * stayed empty. Those matchers are left out, and so is one on map_name, which target alerts do not have;
 * the alerts were selected by them when they were evaluated.
 */
export function alertsScope(c: PackConfig): string[] {
  const kept = new Set(['job', 'instance', ...c.groupBy]);
  const own = parseSelector(c.selector).filter((m) => kept.has(m.label));
  return [...own.map((m) => m.text), ...variableMatchers(c)];
}

/** The severity colours of the thresholds: red pages, orange goes to chat, blue is context. */
export const COLOR: Record<Severity, Threshold['color']> = {
  critical: 'red',
  warning: 'orange',
  info: 'blue',
};

/** The alert's threshold in its severity's colour, for the panel that draws its quantity. */
export function alertThreshold(
  c: PackConfig,
  key: (typeof ALERT_DEFS)[number]['key'],
  value: number,
): Threshold[] {
  return [{ value, color: COLOR[c.alerts[key].severity] }];
}

/**
 * The config the alert-condition panels are built from: the dashboard's matchers as the selector (with the
 * map for map series), and no recording rules (a dashboard reads raw series).
 */
export function panelConfig(c: PackConfig, withMap: boolean): ScopedConfig {
  const target = scope(c).join(', ');
  return {
    ...c,
    selector: withMap ? `${target}, ${MAP}` : target,
    targetSelector: target,
    recordingRules: false,
  };
}

/** Variables shared by both dashboards: the config selector narrows which jobs can be picked. */
export function commonVariables(c: PackConfig): VariableModel[] {
  const entries = METRICS.entries.name;
  const matchers = groupMatchers(c);
  // groupBy labels (cluster, namespace, ...) come first: they narrow the jobs and instances offered. Their
  // `All` is `.*`, which also matches targets without the label.
  const groups = c.groupBy.map((l, n) =>
    queryVariable(l, l, `label_values(${selector(entries, c.selector, ...matchers.slice(0, n))}, ${l})`, {
      allValue: '.*',
    }),
  );
  return [
    datasourceVariable(),
    ...groups,
    queryVariable('job', 'Job', `label_values(${selector(entries, c.selector, ...matchers)}, job)`),
    queryVariable(
      'instance',
      'Instance',
      `label_values(${selector(entries, c.selector, ...matchers, JOB)}, instance)`,
    ),
  ];
}

export function alertsAnnotation(c: PackConfig, extra: string[]) {
  return {
    name: 'Mapwatch alerts',
    expr: selector('ALERTS', 'alertname=~"Mapwatch.*"', 'alertstate="firing"', ...alertsScope(c), ...extra),
    titleFormat: '{{alertname}}',
    textFormat: '{{severity}}: {{map_name}} on {{instance}}',
  };
}

/** The drill-down of one map, with its job, instance and topology labels (Grafana data-link syntax). */
export function mapLink(c: PackConfig, label: (l: string) => string): string {
  return (
    `/d/${c.dashboards.uidPrefix}-map/mapwatch-map?var-map=${label(LABELS.mapName)}` +
    [...c.groupBy, 'job', 'instance'].map((l) => `&var-${l}=${label(l)}`).join('') +
    '&${datasource:queryparam}&${__url_time_range}'
  );
}

/** `expr(now) and on (labels) topk(k, expr(at the end of the range))`: the same N series at every step. */
export function topAtEnd(k: number, labels: string, expr: (at: string) => string): string {
  return `${expr('')}\n  and on (${labels}) topk(${k}, ${expr(AT_END)})`;
}

/**
 * One panel per alert that draws the quantity the alert compares, with the alert's threshold: map alerts on
 * the drill-down, target alerts (exporter health) on the overview.
 */
export function conditionPanels(
  c: PackConfig,
  scopeOf: 'map' | 'target',
  linksOf?: (perJob: boolean) => Link[],
): PanelSpec[] {
  const pc = panelConfig(c, scopeOf === 'map');
  return ALERT_DEFS.filter((d) => d.scope === scopeOf).map((def) => {
    const p = def.panel(pc, new Terms(pc));
    const legend =
      def.scope === 'map' && !p.perTarget
        ? '{{map_name}} @ {{instance}}'
        : def.key === 'metricsAbsent'
          ? '{{metric}} {{instance}} ({{job}})'
          : def.perJob
            ? '{{metric}} ({{job}})'
            : '{{instance}} ({{job}})';
    return {
      title: def.name,
      description:
        `What ${def.name} (${c.alerts[def.key].severity}) compares, over the alert's own windows` +
        (p.threshold === undefined ? '' : ', with its threshold as the line') +
        `. ${def.summary}`,
      unit: p.unit,
      ...(linksOf === undefined ? {} : { links: linksOf(def.perJob === true) }),
      width: scopeOf === 'map' ? 8 : 12,
      ...(p.threshold === undefined ? {} : { thresholds: alertThreshold(c, def.key, p.threshold) }),
      targets: [{ expr: p.expr, legendFormat: legend }],
    };
  });
}
