/**
 * `mapwatch/prometheus`: mapwatch's metrics as collectors on a prom-client Registry.
 *
 * Each metric of the conventions table becomes one collector object that prom-client asks at scrape
 * time; values come from a registry snapshot, never from per-operation prom-client calls. A collector
 * that fails costs its own metric (it reports no samples and logs once), never the scrape.
 */
import client, { type Registry } from 'prom-client';
import { ALL_METRICS, type MetricSpec } from '../conventions.js';
import { defaultRegistry, type MapRegistry, type RegistrySnapshot } from '../registry.js';
import { histogramPoints, scalarPoints, type Labels } from './samples.js';
import { guarded, reportOncePerMessage, type CollectErrorHandler } from './errors.js';
import { snapshotPerTick } from './snapshot-cache.js';

export interface PromMetricsOptions {
  /** mapwatch registry to read; default `defaultRegistry`. */
  registry?: MapRegistry;
  /** Called when a collector fails (default: one line on stderr per metric and failure message). */
  onError?: CollectErrorHandler;
}

export interface PromRegistration {
  /** The prom-client metric names registered. */
  readonly metricNames: readonly string[];
  /** Removes every mapwatch collector from the prom-client Registry. */
  unregister(): void;
}

interface PromValue {
  value: number;
  labels: Labels;
  metricName?: string;
}

/** The shape prom-client's Registry expects of a metric (what its own Counter/Gauge provide). */
class MapwatchCollector {
  name: string;
  /** The name it was registered under (prom-client may rename `name` later). */
  readonly registeredName: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** How prom-client's cluster AggregatorRegistry combines workers (from the conventions table). */
  readonly aggregator: string;

  constructor(
    private readonly spec: MetricSpec,
    private readonly snapshot: () => RegistrySnapshot,
    private readonly onError: CollectErrorHandler,
  ) {
    this.name = spec.name;
    this.registeredName = spec.name;
    this.help = spec.help;
    this.type = spec.type;
    this.aggregator = spec.aggregate;
  }

  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    values: PromValue[];
    aggregator: string;
  }> {
    let values: PromValue[];
    try {
      values = this.type === 'histogram' ? this.histogramValues() : this.scalarValues();
    } catch (err) {
      values = [];
      this.onError(this.spec.name, err);
    }
    // `this.name`, not spec.name: prom-client's OpenMetrics serialiser renames counters in place
    // (strips `_total`) and expects the object to report the renamed form, as its own metrics do.
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    // Values are derived from the mapwatch registry at each scrape; there is nothing to reset here.
  }

  private scalarValues(): PromValue[] {
    return scalarPoints(this.spec, this.snapshot()).map((p) => ({ value: p.value, labels: p.labels }));
  }

  private histogramValues(): PromValue[] {
    const bounds = this.spec.buckets!;
    const out: PromValue[] = [];
    for (const h of histogramPoints(this.spec, this.snapshot())) {
      let cumulative = 0;
      for (let i = 0; i <= bounds.length; i++) {
        cumulative += h.buckets[i] ?? 0;
        const le = i < bounds.length ? String(bounds[i]) : '+Inf';
        out.push({ metricName: `${this.name}_bucket`, labels: { ...h.labels, le }, value: cumulative });
      }
      out.push({ metricName: `${this.name}_sum`, labels: h.labels, value: h.sum });
      out.push({ metricName: `${this.name}_count`, labels: h.labels, value: h.count });
    }
    return out;
  }
}

/**
 * Registers mapwatch's collectors on `promRegistry` (default: prom-client's global `register`).
 * Throws if they are already registered there, with what to do about it.
 */
export function registerPromMetrics(
  promRegistry: Registry = client.register,
  options: PromMetricsOptions = {},
): PromRegistration {
  const registry = options.registry ?? defaultRegistry;
  const onError = guarded(options.onError ?? reportOncePerMessage('scrape'));
  const clash = ALL_METRICS.find((m) => promRegistry.getSingleMetric(m.name) !== undefined);
  if (clash) {
    throw new Error(
      `mapwatch: ${clash.name} is already registered on this prom-client Registry; ` +
        'call unregister() on the earlier registration first, or pass another Registry',
    );
  }
  const snapshot = snapshotPerTick(registry);
  const collectors = ALL_METRICS.map((spec) => new MapwatchCollector(spec, snapshot, onError));
  for (const c of collectors) promRegistry.registerMetric(c as unknown as client.Metric);
  return {
    metricNames: collectors.map((c) => c.registeredName),
    unregister() {
      for (const c of collectors) {
        const name = c.registeredName;
        if (promRegistry.getSingleMetric(name) === (c as unknown)) promRegistry.removeSingleMetric(name);
      }
    },
  };
}
