// Per-operation cost of counting: native Map against mapwatch's wrappers, against wrappers that call an
// OpenTelemetry Counter.add or a prom-client inc() per operation, and against lru-cache.
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { LRUCache } from 'lru-cache';
import client from 'prom-client';
import { InstrumentedMap, MapRegistry, instrument } from '../dist/index.js';
import { goal } from './harness.js';
import { measureMapOps, medianGetSetRatio } from './map-ops.js';

/** A Map wrapper that calls an OTel Counter.add per operation, as naive instrumentation would. */
function otelCountingMap() {
  const provider = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
  const meter = provider.getMeter('bench');
  const lookups = meter.createCounter('bench.lookups');
  const writes = meter.createCounter('bench.writes');
  const HIT = { map_name: 'bench', result: 'hit' };
  const MISS = { map_name: 'bench', result: 'miss' };
  const W = { map_name: 'bench' };
  return () => {
    const m = new Map();
    return {
      get(k) {
        const v = m.get(k);
        lookups.add(1, v !== undefined ? HIT : MISS);
        return v;
      },
      set(k, v) {
        m.set(k, v);
        writes.add(1, W);
        return this;
      },
      delete(k) {
        const r = m.delete(k);
        writes.add(1, W);
        return r;
      },
    };
  };
}

/** A Map wrapper that calls prom-client inc() with labels per operation. */
function promCountingMap() {
  const registry = new client.Registry();
  const lookups = new client.Counter({
    name: 'bench_lookups_total',
    help: 'x',
    labelNames: ['map_name', 'result'],
    registers: [registry],
  });
  const writes = new client.Counter({
    name: 'bench_writes_total',
    help: 'x',
    labelNames: ['map_name'],
    registers: [registry],
  });
  return () => {
    const m = new Map();
    return {
      get(k) {
        const v = m.get(k);
        lookups.inc({ map_name: 'bench', result: v !== undefined ? 'hit' : 'miss' });
        return v;
      },
      set(k, v) {
        m.set(k, v);
        writes.inc({ map_name: 'bench' });
        return this;
      },
      delete(k) {
        const r = m.delete(k);
        writes.inc({ map_name: 'bench' });
        return r;
      },
    };
  };
}

export async function run() {
  const registry = new MapRegistry();
  const otelMap = otelCountingMap();
  const promMap = promCountingMap();
  const makers = {
    'native Map': () => new Map(),
    InstrumentedMap: () => new InstrumentedMap({ name: 'bench', registry }),
    'instrument()': () => instrument(new Map(), { name: 'bench-instrumented', registry }),
    'OTel Counter.add per op': otelMap,
    'prom-client inc() per op': promMap,
    'lru-cache': () => new LRUCache({ max: 1_000_000 }),
  };
  const rows = measureMapOps(makers);
  return {
    title: 'Map operations (ns/op, ratio to native Map in the same run)',
    baseline: 'native Map',
    rows,
    goals: [
      goal(
        'InstrumentedMap get and set: median ratio to native Map <= 1.10',
        medianGetSetRatio(rows, 'InstrumentedMap'),
        1.1,
      ),
      goal(
        'instrument()ed Map get and set: median ratio to native Map <= 1.15',
        medianGetSetRatio(rows, 'instrument()'),
        1.15,
      ),
    ],
    notes: [
      'Each candidate runs its own compiled loop over the same keys; rounds are interleaved and the median is reported.',
      'The OTel and prom-client rows are what calling a metrics SDK on every operation costs; mapwatch counts in plain fields and reads them at scrape time.',
    ],
  };
}
