/**
 * Small PromQL builders shared by the alerts and the dashboards. They exist so that every selector gets the
 * configured matchers and every aggregation the same label list: series may come from prom-client or from
 * the OTel Prometheus exporter (which adds otel_scope_* labels), and only explicit `by (...)` / `on (...)`
 * lists make both sources land on the same result.
 */
import { LABELS, seriesNames, type MetricSpec } from '../conventions.js';

/** `metric{matchers}` with the given matchers joined (empty ones dropped). */
export function selector(series: string, ...matchers: string[]): string {
  const m = matchers.filter((x) => x.trim() !== '');
  return `${series}{${m.join(', ')}}`;
}

/** The `_bucket` / `_count` / `_sum` series of a histogram, taken from the conventions table. */
export function histogramSeries(m: MetricSpec): { bucket: string; sum: string; count: string } {
  const [bucket, sum, count] = seriesNames(m);
  if (m.type !== 'histogram' || !bucket || !sum || !count) throw new Error(`${m.name} is not a histogram`);
  return { bucket, sum, count };
}

/** Labels that identify one map's series across both export paths. */
export function mapLabels(extra: readonly string[]): string[] {
  return ['job', 'instance', LABELS.mapName, ...extra];
}

/** Labels of a map name across every instance of a job (job-level history). */
export function jobMapLabels(extra: readonly string[]): string[] {
  return ['job', LABELS.mapName, ...extra];
}

/** Labels that identify one scrape target. */
export function targetLabels(extra: readonly string[]): string[] {
  return ['job', 'instance', ...extra];
}

export function by(labels: readonly string[]): string {
  return `by (${labels.join(', ')})`;
}

export function on(labels: readonly string[]): string {
  return `on (${labels.join(', ')})`;
}

/** A number in PromQL without exponent surprises (1e6 -> 1000000). */
export function num(n: number): string {
  return Number.isInteger(n) ? n.toFixed(0) : String(n);
}
