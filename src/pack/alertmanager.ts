/**
 * The prometheus-operator PrometheusRule manifest and an example Alertmanager config.
 *
 * Routing (docs/pack.md, "Severities and routing"): notifications are grouped by alert name, topology
 * (groupBy), job and map, never by instance, so a leak on 50 replicas is one notification. Critical alerts
 * page; warnings go to chat; info alerts go to chat too, but only as context: MapwatchInfoInhibitor (routed
 * nowhere) inhibits them while no warning or critical mapwatch alert fires for their job, as kube-prometheus
 * does with its InfoInhibitor.
 *
 * Inhibition: related alerts share a static `signal` label (growth, lock, loading, ...). A critical alert
 * inhibits every warning/info alert with the same `signal` on the same map and target, so a page for
 * `MapwatchMapCeilingPredicted` silences `MapwatchMapGrowingUnbounded` / `MapwatchMapLeakSuspected` for that
 * map, and `MapwatchLockStuck` silences `MapwatchLockStorm`, `MapwatchLockWaitsLong` and
 * `MapwatchLockTimeouts`; `MapwatchLockStorm` silences `MapwatchLockWaitsLong`. MapwatchMapInstancesGrowing inhibits the warning growth alerts of the same map: its
 * entries grow because its owners leak. Alert names stay distinct (one name, one meaning, one runbook section).
 */
import { LABELS } from '../conventions.js';
import { alertDef, buildRuleGroups, INFO_INHIBITOR, type RuleGroup } from './alerts.js';
import { RESOURCE_LABELS, type PackConfig } from './config.js';

/** The pack's labels, then the config's in name order, so the file does not change with key order. */
function resourceLabels(c: PackConfig): Record<string, string> {
  const own = Object.keys(c.resourceLabels).sort();
  return { ...RESOURCE_LABELS, ...Object.fromEntries(own.map((k) => [k, c.resourceLabels[k] as string])) };
}

export function prometheusRule(c: PackConfig): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'mapwatch',
      labels: resourceLabels(c),
    },
    spec: { groups: buildRuleGroups(c) satisfies RuleGroup[] },
  };
}

/** The same groups as a VictoriaMetrics operator VMRule, for the vmalert target. */
export function vmRule(c: PackConfig): Record<string, unknown> {
  return {
    apiVersion: 'operator.victoriametrics.com/v1beta1',
    kind: 'VMRule',
    metadata: {
      name: 'mapwatch',
      labels: resourceLabels(c),
    },
    spec: { groups: buildRuleGroups(c) satisfies RuleGroup[] },
  };
}

const MAPWATCH = 'alertname=~"Mapwatch.*"';

export function alertmanagerExample(c: PackConfig): Record<string, unknown> {
  const sameMap = ['job', 'instance', LABELS.mapName, ...c.groupBy];
  return {
    route: {
      receiver: 'team-chat',
      // No `instance`: one notification per alert, job and map, whatever the number of replicas.
      group_by: ['alertname', ...c.groupBy, 'job', LABELS.mapName],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { receiver: 'null', matchers: [`alertname="${INFO_INHIBITOR}"`] },
        { receiver: 'pager', matchers: ['severity="critical"', MAPWATCH], repeat_interval: '1h' },
        { receiver: 'team-chat', matchers: ['severity="warning"', MAPWATCH] },
        { receiver: 'team-chat', matchers: ['severity="info"', MAPWATCH], repeat_interval: '24h' },
      ],
    },
    inhibit_rules: [
      {
        source_matchers: ['severity="critical"', MAPWATCH],
        target_matchers: ['severity=~"warning|info"', MAPWATCH],
        equal: ['signal', ...sameMap],
      },
      {
        // A storm explains the long waits of its lock (its timeouts are failures and stay).
        source_matchers: [`alertname="${alertDef('lockStorm').name}"`],
        target_matchers: [`alertname="${alertDef('lockWaitsLong').name}"`],
        equal: sameMap,
      },
      {
        source_matchers: [`alertname="${alertDef('instancesGrowing').name}"`],
        target_matchers: ['signal="growth"', 'severity=~"warning|info"', MAPWATCH],
        equal: sameMap,
      },
      {
        source_matchers: [`alertname="${INFO_INHIBITOR}"`],
        target_matchers: ['severity="info"', MAPWATCH],
        equal: ['job', ...c.groupBy],
      },
    ],
    receivers: [
      { name: 'null' },
      { name: 'pager', webhook_configs: [{ url: 'http://pager.example.internal/alertmanager' }] },
      { name: 'team-chat', webhook_configs: [{ url: 'http://chat.example.internal/alertmanager' }] },
    ],
  };
}
