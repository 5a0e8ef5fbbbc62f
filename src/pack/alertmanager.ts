/**
 * The prometheus-operator PrometheusRule manifest and an example Alertmanager config.
 *
 * Inhibition design: related alerts share a static `signal` label (growth, lock, loading, ...). A critical
 * alert inhibits every warning/info alert with the same `signal` on the same map and target, so a page
 * for `MapwatchMapCeilingPredicted` silences `MapwatchMapGrowingUnbounded` / `MapwatchMapLeakSuspected`
 * for that map, and `MapwatchLockStuck` / `MapwatchLockStorm` silence `MapwatchLockWaitsLong` /
 * `MapwatchLockTimeouts`.
 * Alert names stay distinct (one name, one meaning, one runbook section).
 */
import { LABELS } from '../conventions.js';
import { buildRuleGroups, type RuleGroup } from './alerts.js';
import { type PackConfig } from './config.js';

export function prometheusRule(c: PackConfig): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'mapwatch',
      labels: { 'app.kubernetes.io/name': 'mapwatch', 'app.kubernetes.io/component': 'alert-rules' },
    },
    spec: { groups: buildRuleGroups(c) satisfies RuleGroup[] },
  };
}

export function alertmanagerExample(c: PackConfig): Record<string, unknown> {
  const equal = ['signal', 'job', 'instance', LABELS.mapName, ...c.groupBy];
  return {
    route: {
      receiver: 'default',
      group_by: ['alertname', 'job', 'instance', LABELS.mapName, ...c.groupBy],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        {
          receiver: 'pager',
          matchers: ['severity="critical"', 'alertname=~"Mapwatch.*"'],
          repeat_interval: '1h',
        },
        { receiver: 'team-chat', matchers: ['severity="warning"', 'alertname=~"Mapwatch.*"'] },
        {
          receiver: 'team-chat',
          matchers: ['severity="info"', 'alertname=~"Mapwatch.*"'],
          repeat_interval: '24h',
        },
      ],
    },
    inhibit_rules: [
      {
        source_matchers: ['severity="critical"', 'alertname=~"Mapwatch.*"'],
        target_matchers: ['severity=~"warning|info"', 'alertname=~"Mapwatch.*"'],
        equal,
      },
    ],
    receivers: [
      { name: 'default' },
      { name: 'pager', webhook_configs: [{ url: 'http://pager.example.internal/alertmanager' }] },
      { name: 'team-chat', webhook_configs: [{ url: 'http://chat.example.internal/alertmanager' }] },
    ],
  };
}
