// What per-operation metrics calls cost: native Map against wrappers that call an OpenTelemetry
// Counter.add or a prom-client inc() on every operation, against lru-cache, and against InstrumentedMap
// with the defaults for reference. A table of its own: the SDK candidates allocate, and their garbage
// collected during other candidates' rounds would blur the ratios the goals of bench/maps.js are about.
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { LRUCache } from 'lru-cache';
import client from 'prom-client';
import { InstrumentedMap } from '../dist/maps/instrumented-map.js';
import { MapRegistry } from '../dist/registry.js';
import { measureMapOps } from './map-ops.js';

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
  const makers = {
    'native Map': () => new Map(),
    'InstrumentedMap (defaults)': () => new InstrumentedMap({ name: 'bench', registry }),
    'OTel Counter.add per op': otelCountingMap(),
    'prom-client inc() per op': promCountingMap(),
    'lru-cache': () => new LRUCache({ max: 1_000_000 }),
  };
  return {
    title: 'Metrics SDK calls per operation (ns/op, ratio to native Map in the same run)',
    baseline: 'native Map',
    rows: measureMapOps(makers),
    goals: [],
    notes: [
      'The OTel and prom-client rows are what calling a metrics SDK on every operation costs; mapwatch counts in plain fields and reads them at scrape time.',
    ],
  };
}
