// Per-operation cost of counting with the defaults (age-only entry survival sampling on): native Map
// against mapwatch's wrappers, against wrappers that call an OpenTelemetry Counter.add or a prom-client
// inc() per operation, and against lru-cache. Sampling off and read tracking on are in bench/survival.js.
// Imports the built modules directly (dist/maps/...), so it does not depend on index exports.
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { LRUCache } from 'lru-cache';
import client from 'prom-client';
import { instrument } from '../dist/maps/instrument.js';
import { InstrumentedMap } from '../dist/maps/instrumented-map.js';
import { MapRegistry } from '../dist/registry.js';
import { goal } from './harness.js';
import { familyRatio, measureMapOps } from './map-ops.js';

/** Per-operation goals with the defaults, as ratios to native Map: get, set, delete. */
export const OP_GOALS = { get: 1.1, set: 1.15, delete: 1.25 };

const FAMILY_TEXT = {
  get: 'get (mean of hit and miss)',
  set: 'set (mean of insert and update)',
  delete: 'delete',
};

/** Goal rows for `candidate`: one per operation family. */
export function opGoals(rows, candidate, label) {
  return Object.entries(OP_GOALS).map(([family, limit]) =>
    goal(
      `${label}, ${FAMILY_TEXT[family]}: ratio to native Map <= ${limit.toFixed(2)}`,
      familyRatio(rows, candidate, family),
      limit,
    ),
  );
}

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
  // A registry with its defaults: every map samples entry ages (32 entries, no read tracking).
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
    title: 'Map operations with the defaults (ns/op, ratio to native Map in the same run)',
    baseline: 'native Map',
    rows,
    goals: [
      ...opGoals(rows, 'InstrumentedMap', 'InstrumentedMap'),
      ...opGoals(rows, 'instrument()', 'instrument()'),
    ],
    notes: [
      'InstrumentedMap and instrument() run with the defaults: age-only entry survival sampling (32 entries; inserts, deletes and clears call the sampler, get and has do not).',
      'Each candidate runs its own compiled loop over the same keys; rounds are interleaved and the median is reported.',
      'The OTel and prom-client rows are what calling a metrics SDK on every operation costs; mapwatch counts in plain fields and reads them at scrape time.',
    ],
  };
}
