// Per-operation cost of counting: native Map against mapwatch's wrappers, against wrappers that call an
// OpenTelemetry Counter.add or a prom-client inc() per operation, and against lru-cache.
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { LRUCache } from 'lru-cache';
import client from 'prom-client';
import { InstrumentedMap, MapRegistry, instrument } from '../dist/index.js';
import { compareSync, goal, makeLoop, median, QUICK, withRatios } from './harness.js';

const HOT = 1024; // keys in the working set of lookups and updates (a power of two: `i & (HOT - 1)`)

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
  const ops = QUICK ? 2_000 : 200_000;
  const keys = Array.from({ length: ops }, (_, i) => `key:${i}`);
  const missKeys = Array.from({ length: HOT }, (_, i) => `absent:${i}`);
  const filled = (make, n) => {
    const t = make();
    for (let i = 0; i < n; i++) t.set(keys[i], i);
    return t;
  };

  // Each op: how to prepare a round's state, and the loop body (compiled anew per candidate).
  const opDefs = {
    'get-hit': {
      state: (make) => ({ t: filled(make, HOT), keys }),
      body: `if (s.t.get(s.keys[i & ${HOT - 1}]) !== undefined) acc++;`,
      reuse: true,
    },
    'get-miss': {
      state: (make) => ({ t: filled(make, HOT), keys: missKeys }),
      body: `if (s.t.get(s.keys[i & ${HOT - 1}]) === undefined) acc++;`,
      reuse: true,
    },
    'set-insert': { state: (make) => ({ t: make(), keys }), body: 's.t.set(s.keys[i], i);' },
    'set-update': {
      state: (make) => ({ t: filled(make, HOT), keys }),
      body: `s.t.set(s.keys[i & ${HOT - 1}], i);`,
      reuse: true,
    },
    delete: { state: (make) => ({ t: filled(make, ops), keys }), body: 'if (s.t.delete(s.keys[i])) acc++;' },
  };

  const rows = [];
  for (const [op, def] of Object.entries(opDefs)) {
    const candidates = Object.entries(makers).map(([name, make]) => {
      let cached;
      return {
        name,
        prepare: () => (def.reuse ? (cached ??= def.state(make)) : def.state(make)),
        loop: makeLoop(def.body),
      };
    });
    rows.push(...withRatios(op, compareSync(candidates, { ops }), 'native Map'));
  }

  const ratiosOf = (candidate, opNames) =>
    rows.filter((r) => r.candidate === candidate && opNames.includes(r.op)).map((r) => r.ratio);
  const getSet = ['get-hit', 'get-miss', 'set-insert', 'set-update'];
  return {
    title: 'Map operations (ns/op, ratio to native Map in the same run)',
    baseline: 'native Map',
    rows,
    goals: [
      goal(
        'InstrumentedMap get and set: median ratio to native Map <= 1.10',
        median(ratiosOf('InstrumentedMap', getSet)),
        1.1,
      ),
      goal(
        'instrument()ed Map get and set: median ratio to native Map <= 1.15',
        median(ratiosOf('instrument()', getSet)),
        1.15,
      ),
    ],
    notes: [
      'Each candidate runs its own compiled loop over the same keys; rounds are interleaved and the median is reported.',
      'The OTel and prom-client rows are what calling a metrics SDK on every operation costs; mapwatch counts in plain fields and reads them at scrape time.',
    ],
  };
}
