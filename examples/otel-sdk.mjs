// A map becomes OpenTelemetry metrics: register mapwatch on your MeterProvider next to the SDK, use the
// map as a Map, and the reader sees mapwatch.map.* instruments. Run: node examples/otel-sdk.mjs
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InstrumentedMap } from 'mapwatch';
import { registerOtelMetrics } from 'mapwatch/otel';

// A pull reader: the SDK's PeriodicExportingMetricReader or the Prometheus exporter play this part in a
// service; here one collection is enough.
class OnDemandReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

const reader = new OnDemandReader();
const meterProvider = new MeterProvider({ readers: [reader] });
registerOtelMetrics({ meterProvider });

const sessions = new InstrumentedMap({ name: 'sessions' });
sessions.set('alice', { since: Date.now() });
sessions.set('bob', { since: Date.now() });
sessions.get('alice'); // a hit
sessions.get('carol'); // a miss

const { resourceMetrics } = await reader.collect();
for (const { metrics } of resourceMetrics.scopeMetrics) {
  for (const metric of metrics) {
    for (const point of metric.dataPoints) {
      if (point.attributes.map_name !== 'sessions') continue;
      const labels = Object.entries(point.attributes)
        .filter(([k]) => k !== 'map_name')
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      console.log(`${metric.descriptor.name}${labels ? `{${labels}}` : ''} ${JSON.stringify(point.value)}`);
    }
  }
}
await meterProvider.shutdown();
