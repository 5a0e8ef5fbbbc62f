/**
 * Alert definitions and config -> Prometheus rules: each alert's rule with its labels and links, the info
 * inhibitor, and the rule groups with the recording rules ahead of the alerts that read them.
 */
import { LABELS, type MetricSpec } from '../../conventions.js';
import { type AlertKey, type PackConfig } from '../config.js';
import { by, on, selector } from '../promql.js';
import { PROMETHEUS_SERIES } from '../series.js';
import { GROWTH_ALERTS } from './growth.js';
import { LOCK_ALERTS } from './locks.js';
import { META_ALERTS } from './meta.js';
import { SHAPE_ALERTS } from './shape.js';
import { Terms } from './terms.js';
import {
  type AlertDef,
  type PromRule,
  type RecordingRule,
  type RuleGroup,
  type RuleGroupName,
} from './types.js';

const { alerts: ALERTS } = PROMETHEUS_SERIES;

/** Every alert, in the order of its group and, within a group, the order of the rule file. */
export const ALERT_DEFS: readonly AlertDef[] = [
  ...GROWTH_ALERTS,
  ...LOCK_ALERTS,
  ...SHAPE_ALERTS,
  ...META_ALERTS,
];

/** The info inhibitor's name: it holds info alerts back until a warning or critical alert fires for the job. */
export const INFO_INHIBITOR = 'MapwatchInfoInhibitor';

/**
 * kube-prometheus' InfoInhibitor for mapwatch: fires (severity `none`, routed nowhere) for every job with
 * mapwatch info alerts, pending or firing, and no firing mapwatch warning or critical alert; Alertmanager
 * inhibits the info alerts of that job with it. Info alerts thus reach a receiver only as context of a
 * real problem.
 *
 * Pending info alerts count and there is no `for`: the inhibitor is firing while an info alert is still
 * pending, so it is there before the info alert fires (counting firing ones only, with a `for`, it came an
 * evaluation or two after, and the first notification of every info episode reached chat). The config's
 * selector is not applied to ALERTS: the alerts aggregate its labels away (an `env="prod"` selector
 * matched no alert, and the inhibitor never fired).
 */
export function infoInhibitorRule(c: PackConfig): PromRule {
  const labels = ['job', ...c.groupBy];
  const alerts = (...matchers: string[]) =>
    `count ${by(labels)} (${selector(ALERTS, 'alertname=~"Mapwatch.*"', ...matchers)})`;
  return {
    alert: INFO_INHIBITOR,
    expr: `${alerts('severity="info"')}\nunless ${on(labels)}\n${alerts('alertstate="firing"', 'severity=~"warning|critical"')}`,
    for: '0s',
    labels: { severity: 'none', signal: 'inhibitor', ...sortedLabels(c.alertLabels) },
    annotations: {
      summary:
        'Mapwatch info alerts are held back: no mapwatch warning or critical alert fires for their job.',
      description:
        '{{ $value }} mapwatch info alerts are pending or firing for job {{ $labels.job }} and no warning or critical one fires. ' +
        'Alertmanager inhibits them with this alert, which is routed nowhere; they show up as context once a real problem fires.',
      runbook_url: `${c.runbookBaseUrl}#${runbookAnchor(INFO_INHIBITOR)}`,
      dashboard_url: dashboardUrl(c, 'target', true),
    },
  };
}

function sortedLabels(l: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(l)
      .sort()
      .map((k) => [k, l[k] as string]),
  );
}

/** GitHub's heading anchor of `## <name>` in runbook.md. */
export function runbookAnchor(name: string): string {
  return name.toLowerCase();
}

/**
 * The dashboard an alert opens: the map drill-down for one map, the overview for a target, with the
 * alert's job, instance, map and groupBy labels as the dashboard's variables.
 */
export function dashboardUrl(c: PackConfig, scope: 'map' | 'target', perJob = false): string {
  const q = (variable: string, label: string) => `var-${variable}={{ $labels.${label} | urlquery }}`;
  const vars = [
    ...c.groupBy.map((l) => q(l, l)),
    q('job', 'job'),
    ...(perJob ? [] : [q('instance', 'instance')]),
  ];
  if (scope === 'map') vars.push(q('map', LABELS.mapName));
  const [uid, slug] = scope === 'map' ? ['map', 'mapwatch-map'] : ['overview', 'mapwatch-overview'];
  return `${c.grafanaBaseUrl}/d/${c.dashboards.uidPrefix}-${uid}/${slug}?${vars.join('&')}`;
}

export function alertDef(key: AlertKey): AlertDef {
  const def = ALERT_DEFS.find((d) => d.key === key);
  if (!def) throw new Error(`no alert '${key}'`);
  return def;
}

export function buildRule(def: AlertDef, c: PackConfig, terms: Terms = new Terms(c)): PromRule {
  const timing = c.alerts[def.key];
  const rule: PromRule = {
    alert: def.name,
    expr: def.expr(c, terms),
    for: timing.for,
    labels: { severity: timing.severity, signal: def.signal, ...sortedLabels(c.alertLabels) },
    annotations: {
      summary: def.summary,
      description: def.description(c),
      runbook_url: `${c.runbookBaseUrl}#${runbookAnchor(def.name)}`,
      dashboard_url: dashboardUrl(c, def.scope, def.perJob),
    },
  };
  if (timing.keepFiringFor !== null) {
    // Insert after `for` so the YAML reads in a natural order.
    return {
      alert: rule.alert,
      expr: rule.expr,
      for: rule.for,
      keep_firing_for: timing.keepFiringFor,
      labels: rule.labels,
      annotations: rule.annotations,
    };
  }
  return rule;
}

const GROUP_ORDER: readonly RuleGroupName[] = [
  'mapwatch-growth',
  'mapwatch-locks',
  'mapwatch-shape',
  'mapwatch-meta',
];

/** The alerting rules of the config, in group order (no recording rules), the info inhibitor last. */
export function buildAlertRules(c: PackConfig): PromRule[] {
  return buildRuleGroups(c).flatMap((g) => g.rules.filter((r): r is PromRule => 'alert' in r));
}

/**
 * The rule groups. Recording rules come first in the group of the alerts that read them: rules of a group
 * are evaluated in order, each seeing what the ones before it wrote at the same evaluation.
 */
export function buildRuleGroups(c: PackConfig): RuleGroup[] {
  const terms = new Terms(c);
  return GROUP_ORDER.map((name) => {
    const alerts = ALERT_DEFS.filter((d) => d.group === name).map((d) => buildRule(d, c, terms));
    if (name === 'mapwatch-meta') alerts.push(infoInhibitorRule(c));
    return { name, interval: c.evaluationInterval, rules: [...terms.take(), ...alerts] };
  });
}

/** The recording rules of the config (none when `recordingRules` is off). */
export function buildRecordingRules(c: PackConfig): RecordingRule[] {
  return buildRuleGroups(c).flatMap((g) => g.rules.filter((r): r is RecordingRule => 'record' in r));
}

/**
 * The job's peak of yesterday as the growth alerts read it (the recorded series with its offset, or the
 * inline expression), for tests that check the history it keeps.
 */
export function yesterdaysJobPeak(c: PackConfig, m: MetricSpec, window: string): string {
  return new Terms(c).jobPeak(m, window);
}

/** Series the rules read that are not mapwatch's: Prometheus' own and the process metrics of the config. */
export function externalSeries(c: PackConfig): string[] {
  const m = c.memory;
  return [
    ...Object.values(PROMETHEUS_SERIES),
    m.usageSeries,
    m.startTimeSeries,
    ...(m.limitSeries ? [m.limitSeries] : []),
  ];
}
