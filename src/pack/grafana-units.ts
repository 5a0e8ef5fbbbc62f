/**
 * The Grafana unit of each metric, derived from what the metric table already says (its OpenTelemetry unit
 * and its type) rather than stored beside it: how a dashboard formats a value is the pack's concern, not
 * the conventions', and a new metric gets its unit without a second field to keep in step.
 */
import { METRICS, type MetricSpec } from '../conventions.js';

/** The Grafana unit ids the pack derives (a subset of Grafana's value formats). */
export type GrafanaUnit = 's' | 'ops' | 'bool' | 'short' | 'percentunit' | 'none';

/**
 * - `s`: seconds, whatever the type (a counter of seconds rated is seconds per second, drawn as seconds).
 * - `{...}` (an annotation, a count of things): a counter is drawn through rate(), so per second (`ops`);
 *   a `{verdict}` gauge is 0 or 1 (`bool`); any other gauge is a plain count (`short`).
 * - `1` (a ratio): a share of a whole (`percentunit`), except the shard imbalance, the fullest shard over
 *   the mean one, which is 1 and above and reads as a factor, not a percentage (`none`).
 */
export function grafanaUnitOf(m: MetricSpec): GrafanaUnit {
  if (m.unit === 's') return 's';
  if (m.unit === '1') return m.key === METRICS.shardImbalance.key ? 'none' : 'percentunit';
  if (/^\{[^{}]+\}$/.test(m.unit)) {
    if (m.type === 'counter') return 'ops';
    return m.unit === '{verdict}' ? 'bool' : 'short';
  }
  // A unit of another kind (bytes, a per-unit) needs its own rule here before a dashboard can draw it.
  throw new Error(`no Grafana unit for ${m.name} (unit '${m.unit}', ${m.type})`);
}
