/** The shapes of the alert pack: an alert's definition and the Prometheus rules built from it. */
import { type AlertKey, type PackConfig, type Severity } from '../config.js';
import { type Terms } from './terms.js';

/** Which rule group an alert lives in. */
export type RuleGroupName = 'mapwatch-growth' | 'mapwatch-locks' | 'mapwatch-shape' | 'mapwatch-meta';

/** The quantity an alert compares, as a dashboard panel draws it: the expression and its threshold. */
export interface ConditionPanel {
  expr: string;
  /** The alert's threshold on that quantity, drawn as a line; absent where it is not a fixed number. */
  threshold?: number;
  unit: string;
  /** The quantity is per target, not per map (the memory alerts): its legend names the instance only. */
  perTarget?: boolean;
}

export interface AlertDef {
  key: AlertKey;
  name: string;
  group: RuleGroupName;
  /**
   * Value of the `signal` label. Alertmanager inhibits a warning by a critical alert of the same signal on
   * the same map (see alertmanager.ts), so related alerts share it.
   */
  signal: string;
  /** `map`: one alert per map name; `target`: one per scrape target (registry-wide signals). */
  scope: 'map' | 'target';
  /** A target-scope alert that is per job (job and groupBy labels, no instance): one alert for the job. */
  perJob?: true;
  summary: string;
  description: (c: PackConfig) => string;
  expr: (c: PackConfig, t: Terms) => string;
  /**
   * The alert's own condition for its dashboard panel, built with the same helpers from a config whose
   * selector carries the dashboard's variables (see dashboards.ts).
   */
  panel: (c: PackConfig, t: Terms) => ConditionPanel;
}

export interface PromRule {
  alert: string;
  expr: string;
  for: string;
  keep_firing_for?: string;
  labels: { severity: Severity | 'none'; signal: string } & Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string; dashboard_url: string };
}

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface RuleGroup {
  name: RuleGroupName;
  interval: string;
  rules: Array<RecordingRule | PromRule>;
}

/**
 * A config as the dashboards build panels from it: `targetSelector` holds the matchers of series that are
 * per scrape target (process memory, scrape health, registry metrics), which carry no map_name.
 */
export type ScopedConfig = PackConfig & { targetSelector?: string };
