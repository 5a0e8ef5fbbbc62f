/**
 * The promtool test of MapwatchInfoInhibitor (alerts/tests/MapwatchInfoInhibitor.yml): ALERTS series of one
 * job whose info alert is pending, then fires alone, then beside a warning, then alone again; of a job whose
 * info alert always has a critical beside it; of a job whose info alert is only pending; and of a job whose
 * info alert has a warning beside it that is only pending. The inhibitor must be firing for a job exactly
 * while an info alert of it is pending or firing and no warning or critical one fires: from the info
 * alert's first pending evaluation on, so it is there before the info alert fires.
 */
import { buildRuleGroups, infoInhibitorRule, INFO_INHIBITOR } from '../../alerts.js';
import { type PackConfig } from '../../config.js';
import { parseDuration, promDuration } from '../../duration.js';
import { renderTemplate, type Sample } from '../promsim.js';
import { seriesText } from '../yaml.js';
import { GROUP_VALUE, JOB } from './builder.js';

function encode(values: Sample[]): string {
  return values.map((v) => (v === undefined ? '_' : String(v))).join(' ');
}

export function infoInhibitorTest(c: PackConfig, ruleFile: string): Record<string, unknown> {
  const step = parseDuration(c.evaluationInterval);
  const at = (i: number) => promDuration(i * step);
  const n = 48;
  const groups: Record<string, string> = {};
  for (const l of c.groupBy) groups[l] = GROUP_VALUE;
  const alert = (
    job: string,
    alertname: string,
    severity: string,
    state: string,
    on: (i: number) => boolean,
  ) => ({
    series: seriesText({
      __name__: 'ALERTS',
      alertname,
      alertstate: state,
      severity,
      job,
      instance: `${job}-0:9464`,
      map_name: 'sessions',
      ...groups,
    }),
    // A resolved alert's ALERTS series ends with a staleness marker, as Prometheus writes it.
    values: encode(
      Array.from({ length: n }, (_, i) => (on(i) ? 1 : i > 0 && on(i - 1) ? 'stale' : undefined)),
    ),
  });
  // As Prometheus writes ALERTS: the pending series while the alert waits out its `for`, then the firing one.
  const infoPending = (i: number) => i >= 4 && i < 8;
  const infoFiring = (i: number) => i >= 8 && i < 40;
  const warning = (i: number) => i >= 16 && i < 28;
  const input = [
    alert(JOB, 'MapwatchCacheIneffective', 'info', 'pending', infoPending),
    alert(JOB, 'MapwatchCacheIneffective', 'info', 'firing', infoFiring),
    alert(JOB, 'MapwatchMapGrowingUnbounded', 'warning', 'firing', warning),
    alert('ctl-critical', 'MapwatchPromotionChurn', 'info', 'firing', () => true),
    alert('ctl-critical', 'MapwatchLockStuck', 'critical', 'firing', () => true),
    alert('ctl-pending', 'MapwatchLoadStampede', 'info', 'pending', () => true),
    alert('ctl-warning-pending', 'MapwatchLoadStampede', 'info', 'firing', () => true),
    alert('ctl-warning-pending', 'MapwatchLockStorm', 'warning', 'pending', () => true),
  ];
  // No `for`: firing at the first evaluation its condition holds.
  const firing = (i: number) => (infoPending(i) || infoFiring(i)) && !warning(i);
  const rule = infoInhibitorRule(c);
  const expected = (job: string) => {
    const labels: Record<string, string> = { job, ...groups };
    return {
      exp_labels: { ...labels, ...rule.labels },
      exp_annotations: {
        description: renderTemplate(rule.annotations.description, labels, 1),
        summary: rule.annotations.summary,
        runbook_url: rule.annotations.runbook_url,
        dashboard_url: renderTemplate(rule.annotations.dashboard_url, labels, 1),
      },
    };
  };
  // The jobs whose info alerts are held back at every step: a pending info alert, and one beside a warning
  // that is only pending (a warning releases them once it fires, not before).
  const always = [expected('ctl-pending'), expected('ctl-warning-pending')];
  const checks: number[] = [];
  for (let i = 1; i < n; i++) if (firing(i) !== firing(i - 1)) checks.push(i - 1, i);
  checks.push(2, 10, 22, 34, n - 2);
  // The rule file carries every group: the inhibitor must hold next to the other rules too.
  if (!buildRuleGroups(c).some((g) => g.rules.some((r) => 'alert' in r && r.alert === INFO_INHIBITOR))) {
    throw new Error(`${INFO_INHIBITOR} is missing from the rule groups`);
  }
  return {
    rule_files: [ruleFile],
    evaluation_interval: c.evaluationInterval,
    tests: [
      {
        name:
          `${INFO_INHIBITOR}: an info alert pending, firing alone, then beside a warning of its job, then alone ` +
          'again; a job with a critical alert; a job whose info alert is pending; one whose warning is pending',
        interval: c.evaluationInterval,
        input_series: input,
        alert_rule_test: [...new Set(checks)]
          .sort((a, b) => a - b)
          .map((i) => ({
            eval_time: at(i),
            alertname: INFO_INHIBITOR,
            exp_alerts: [...(firing(i) ? [expected(JOB)] : []), ...always],
          })),
      },
    ],
  };
}
