// Cost of one scrape of 1,000 map names through each exporter, against prom-client serialising the same
// number of plain series (the floor any prom-client-based exporter pays).
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import client from 'prom-client';
import { InstrumentedMap } from '../dist/maps/instrumented-map.js';
import { MapRegistry } from '../dist/registry.js';
import { registerOtelMetrics } from '../dist/export/otel.js';
import { registerPromMetrics } from '../dist/export/prometheus.js';
import { compareAsync, QUICK, withRatios } from './harness.js';

const NAMES = 1000;

export async function run() {
  const registry = new MapRegistry({ maxNames: NAMES });
  const keep = [];
  for (let n = 0; n < NAMES; n++) {
    const m = new InstrumentedMap({ name: `map-${n}`, registry });
    for (let i = 0; i < 10; i++) m.set(i, i);
    m.get(1);
    m.get(-1);
    m.delete(3);
    keep.push(m);
  }

  const promRegistry = new client.Registry();
  registerPromMetrics(promRegistry, { registry });
  const promText = await promRegistry.metrics();
  const seriesCount = promText.split('\n').filter((l) => l.startsWith('mapwatch_')).length;

  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  registerOtelMetrics({ meterProvider: provider, registry });
  const serializer = new PrometheusSerializer();

  // The same number of series, as plain prom-client gauges with static values.
  const plainRegistry = new client.Registry();
  const perName = Math.round(seriesCount / NAMES);
  const gauges = Array.from(
    { length: perName },
    (_, i) =>
      new client.Gauge({
        name: `plain_metric_${i}`,
        help: 'x',
        labelNames: ['map_name'],
        registers: [plainRegistry],
      }),
  );
  for (let n = 0; n < NAMES; n++) for (const g of gauges) g.set({ map_name: `map-${n}` }, n);

  const one = (fn) => ({
    name: fn.name,
    prepare: () => undefined,
    loop: async (_s, n) => {
      let len = 0;
      for (let i = 0; i < n; i++) len += (await fn()).length;
      return len;
    },
  });
  const results = await compareAsync(
    [
      one(async function promClientPlainSeries() {
        return plainRegistry.metrics();
      }),
      one(async function mapwatchViaPromClient() {
        return promRegistry.metrics();
      }),
      one(async function mapwatchViaOtelPrometheusExporter() {
        const { resourceMetrics } = await exporter.collect();
        return serializer.serialize(resourceMetrics);
      }),
    ],
    { ops: QUICK ? 1 : 5, warmup: QUICK ? 0 : 2 },
  );
  await provider.shutdown();
  const rows = withRatios('scrape', results, 'promClientPlainSeries').map((r) => ({
    ...r,
    nsPerOp: r.nsPerOp,
  }));
  return {
    title: `One scrape of ${NAMES} map names (${seriesCount} series; ns per scrape, ratio to prom-client serialising as many plain series)`,
    baseline: 'promClientPlainSeries',
    rows,
    goals: [],
    notes: [`${seriesCount} mapwatch series for ${NAMES} plain maps (${perName} per name).`],
  };
}
