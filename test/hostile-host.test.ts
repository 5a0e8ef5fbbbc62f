/**
 * The hostile host (issue 10, "done when"): collectors that throw anything, a map whose `size` throws,
 * frozen maps, Proxies wherever an object goes, and huge inputs under `--max-old-space-size=256`. In
 * every case the host process survives: no uncaught exception, no unhandled rejection, no crash, and
 * every scrape is answered with whatever can be collected.
 *
 * What this file asserts of the maps themselves is limited to what the exporters, names and LoadingMap
 * guarantee; the map types' own behaviour when frozen or wrapped is covered by their tests.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import client from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { METRICS } from '../src/conventions.js';
import { mapwatchRouter } from '../src/export/express.js';
import { registerOtelMetrics } from '../src/export/otel.js';
import { registerPromMetrics, serializeRegistry } from '../src/export/prometheus.js';
import { SCALAR_BUILDERS } from '../src/export/samples.js';
import { InstrumentedMap } from '../src/maps/instrumented-map.js';
import { instrument } from '../src/maps/instrument.js';
import { LoadingMap } from '../src/maps/loading-map.js';
import { ReadMostlyMap } from '../src/maps/read-mostly-map.js';
import { MapRegistry } from '../src/registry.js';
import { parseExposition, type Sample } from './helpers/exposition.js';
import { listenLocal } from './helpers/http.js';
import { LocalRouters } from './helpers/routers.js';
import { MeterProvider, PrometheusExporter } from './helpers/otel-sdk.js';
import { hostileProxy } from './helpers/hostile.js';
import { IN_CI } from './helpers/tools.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRIES = METRICS.entries.name;

const THROWN: Array<[string, () => unknown]> = [
  ['an Error', () => new Error('boom')],
  ['null', () => null],
  ['undefined', () => undefined],
  ['Object.create(null)', () => Object.create(null)],
  ['a Proxy that throws on every trap', hostileProxy],
];

// The host's view: anything that escapes to the process is recorded and fails the test.
const escaped: unknown[] = [];
const onEscape = (e: unknown) => escaped.push(e);
const routers = new LocalRouters();
const serve = routers.serve;
const cleanups: Array<() => unknown> = [];
let stderr: string[] = [];
const realWrite = process.stderr.write.bind(process.stderr);
beforeEach(() => {
  escaped.length = 0;
  stderr = [];
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  process.stderr.write = (chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  };
});
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
  await routers.closeAll();
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  process.stderr.write = realWrite;
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
  expect(escaped).toEqual([]);
});

async function get(url: string, accept?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { headers: accept ? { accept } : {}, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

/** A real OpenTelemetry SDK whose Prometheus exporter is served on 127.0.0.1. */
async function otelScrape(registry: MapRegistry): Promise<() => Promise<Sample[]>> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const server = await listenLocal((req, res) => exporter.getMetricsRequestHandler(req, res));
  const reg = registerOtelMetrics({ meterProvider: provider, registry });
  cleanups.push(
    () => server.close(),
    () => provider.shutdown(),
    () => reg.unregister(),
  );
  return async () => {
    const res = await get(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    return parseExposition(res.text);
  };
}

function withBuilder(key: 'inserts' | 'updates', thrown: () => unknown): void {
  const original = SCALAR_BUILDERS[key];
  SCALAR_BUILDERS[key] = () => {
    throw thrown();
  };
  cleanups.push(() => {
    SCALAR_BUILDERS[key] = original;
  });
}

describe('throwing collectors, whatever they throw', () => {
  it.each(THROWN)('%s: every scrape is answered, each failure is one stderr line', async (_what, thrown) => {
    const registry = new MapRegistry();
    const keep = new InstrumentedMap<string, number>({ name: 'users', registry }).set('a', 1);
    // mapwatch's own collector fails, and a user collector on the same Registry fails.
    withBuilder('inserts', thrown);
    const prom = new client.Registry();
    registerPromMetrics(prom, { registry });
    new client.Gauge({
      name: 'app_broken',
      help: 'h',
      registers: [prom],
      collect() {
        throw thrown();
      },
    });
    const url = await serve(mapwatchRouter({ promRegistry: prom }));
    for (const accept of [undefined, 'application/openmetrics-text']) {
      const res = await get(`${url}/metrics`, accept);
      expect(res.status).toBe(200);
      const samples = parseExposition(res.text);
      expect(samples.find((s) => s.name === ENTRIES)?.labels.map_name).toBe('users');
      expect(samples.some((s) => s.name === METRICS.inserts.name || s.name === 'app_broken')).toBe(false);
    }
    await expect(serializeRegistry(prom)).resolves.toContain(ENTRIES);

    // The OpenTelemetry path, with the same failing builder.
    const scrape = await otelScrape(registry);
    const viaOtel = await scrape();
    expect(viaOtel.some((s) => s.name === ENTRIES)).toBe(true);
    expect(viaOtel.some((s) => s.name === METRICS.inserts.name)).toBe(false);

    const reported = stderr.filter((l) => l.startsWith('mapwatch: collecting '));
    for (const name of [METRICS.inserts.name, 'app_broken']) {
      expect(reported.some((l) => l.startsWith(`mapwatch: collecting ${name} failed`))).toBe(true);
    }
    for (const line of reported) expect(line.indexOf('\n')).toBe(line.length - 1);
    void keep;
  });
});

describe('a map whose size getter throws', () => {
  it('is scraped through prom-client and OpenTelemetry; the other maps are served', async () => {
    class BadSize<K, V> extends Map<K, V> {
      override get size(): number {
        throw new Error('size exploded');
      }
    }
    const registry = new MapRegistry();
    const keep: unknown[] = [new InstrumentedMap<string, number>({ name: 'good', registry }).set('a', 1)];
    try {
      keep.push(instrument(new BadSize<string, number>(), { name: 'bad', registry }));
    } catch {
      // instrument() may refuse it; either way the scrapes below must be answered
    }
    const url = await serve(mapwatchRouter({ registry }));
    const res = await get(`${url}/metrics`);
    expect(res.status).toBe(200);
    const good = parseExposition(res.text).find((s) => s.name === ENTRIES && s.labels.map_name === 'good');
    expect(good?.value).toBe(1);
    const viaOtel = await (await otelScrape(registry))();
    expect(viaOtel.find((s) => s.name === ENTRIES && s.labels.map_name === 'good')?.value).toBe(1);
  });

  it('instrument() counts it from its real entries: set and clear work, the scrape shows the true count', async () => {
    class BadSize<K, V> extends Map<K, V> {
      override get size(): number {
        throw new Error('size exploded');
      }
    }
    const registry = new MapRegistry();
    const bad = instrument(new BadSize<string, number>(), { name: 'bad', registry });
    bad.set('a', 1).set('b', 2).set('c', 3);
    bad.delete('c');
    const url = await serve(mapwatchRouter({ registry }));
    const res = await get(`${url}/metrics`);
    expect(res.status).toBe(200);
    const entries = parseExposition(res.text).find((s) => s.name === ENTRIES && s.labels.map_name === 'bad');
    expect(entries?.value).toBe(2);
    bad.clear();
    expect(registry.collect().names[0]!.entriesByKind.get('plain')).toBe(0);
  });
});

describe('frozen maps', () => {
  it('a frozen LoadingMap (with a TTL) keeps working; frozen maps of every type are scraped', async () => {
    const registry = new MapRegistry();
    let t = 0;
    const loading = Object.freeze(
      new LoadingMap<string, number>({ name: 'loading', registry, ttlMs: 100, now: () => t }),
    );
    loading.set('a', 1);
    expect(await loading.getOrLoad('b', () => 2)).toBe(2);
    t = 150;
    loading.set('c', 3);
    expect([...loading.keys()]).toEqual(['c']);
    expect(loading.delete('c')).toBe(true);
    loading.clear();

    const plain = new InstrumentedMap<string, number>({ name: 'plain', registry }).set('x', 1);
    const readMostly = new ReadMostlyMap<string, number>({ name: 'read-mostly', registry });
    readMostly.set('y', 2);
    const keep = [Object.freeze(plain), Object.freeze(readMostly), loading];
    const url = await serve(mapwatchRouter({ registry }));
    const res = await get(`${url}/metrics`);
    expect(res.status).toBe(200);
    const names = new Set(
      parseExposition(res.text)
        .filter((s) => s.name === ENTRIES)
        .map((s) => s.labels.map_name),
    );
    expect(names).toEqual(new Set(['plain', 'read-mostly', 'loading']));
    void keep;
  });

  it('frozen and deep-frozen InstrumentedMap and ReadMostlyMap keep working and counting', async () => {
    const registry = new MapRegistry();
    const deepFreeze = (o: object): void => {
      for (const key of Reflect.ownKeys(o)) {
        const v = (Object.getOwnPropertyDescriptor(o, key) as { value?: unknown }).value;
        if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) deepFreeze(v);
      }
      Object.freeze(o);
    };
    const app = {
      plain: new InstrumentedMap<string, number | undefined>({ name: 'plain', registry }),
      readMostly: new ReadMostlyMap<string, number>({ name: 'read-mostly', registry }),
    };
    deepFreeze(app);
    app.plain.set('k', undefined);
    expect(app.plain.has('k')).toBe(true);
    app.readMostly.set('a', 1);
    app.readMostly.clear();
    const url = await serve(mapwatchRouter({ registry }));
    expect((await get(`${url}/metrics`)).status).toBe(200);
    const plain = registry.collect().names.find((n) => n.name === 'plain')!;
    expect(plain.map.inserts).toBe(1);
    expect(plain.map.hits).toBe(1);
  });
});

describe('Proxies', () => {
  it('where an exporter, a name or a signal is expected: a clear TypeError at the call', () => {
    const registry = new MapRegistry();
    const p = hostileProxy();
    expect(() => registerPromMetrics(p as never, { registry })).toThrow(/needs a prom-client Registry/);
    expect(() => mapwatchRouter({ promRegistry: p as never })).toThrow(/must be a prom-client Registry/);
    expect(() => registerOtelMetrics({ meterProvider: p as never, registry })).toThrow(
      /must be an OpenTelemetry MeterProvider/,
    );
    expect(() => new InstrumentedMap({ name: p as never, registry })).toThrow(/map name must be a string/);
    const loading = new LoadingMap<string, number>({ name: 'l', registry });
    expect(() => loading.getOrLoad('k', () => 1, { signal: p as never })).toThrow(/must be an AbortSignal/);
  });

  it('given to instrument() (a throwing Proxy, a Proxy around a Map): a TypeError, nothing registered', () => {
    const registry = new MapRegistry();
    expect(() => instrument(hostileProxy() as never, { name: 'p', registry })).toThrow(TypeError);
    expect(() => instrument(new Proxy(new Map(), {}), { name: 'p', registry })).toThrow(/genuine/);
    expect(registry.names()).toEqual([]);
  });

  it('as InstrumentedMap entries: the error of the trap, the iterator closed, nothing counted as live', () => {
    const registry = new MapRegistry();
    expect(() => new InstrumentedMap([hostileProxy()] as never, { name: 'p', registry })).toThrow('trap');
    expect(registry.collect().names[0]!.instances).toBe(0);
  });

  it('as the Registry passed to serializeRegistry: a rejection with the same clear error', async () => {
    await expect(serializeRegistry(hostileProxy() as never)).rejects.toThrow(/needs a prom-client Registry/);
  });

  it('around a LoadingMap: its methods refuse the Proxy as a native Map does, with a TypeError', () => {
    const loading = new LoadingMap<string, number>({ name: 'l', registry: new MapRegistry() });
    const wrapped = new Proxy(loading, {});
    expect(() => wrapped.get('k')).toThrow(TypeError);
    expect(() => new Proxy(new Map(), {}).get('k')).toThrow(TypeError);
  });
});

/**
 * Huge inputs, in a child process with a 256 MB heap running against the built package (dist/, from
 * `npm run build`). A crash (out of memory) or a hang (killed at the bound) fails the case.
 */
const DIST = join(ROOT, 'dist');
const HAVE_DIST = existsSync(join(DIST, 'index.js')) && existsSync(join(DIST, 'export/prometheus.js'));
if (!HAVE_DIST) {
  const message = 'dist/ not found: run `npm run build` first';
  if (IN_CI) throw new Error(`${message}; CI=true makes it a failure`);
  realWrite(`SKIPPING the huge-input cases of test/hostile-host.test.ts: ${message}\n`);
}

const CHILD_PRELUDE = `
const dist = ${JSON.stringify(pathToFileURL(DIST).href)};
const m = await import(dist + '/index.js');
const { serializeRegistry } = await import(dist + '/export/prometheus.js');
const { default: client } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'node_modules/prom-client/index.js')).href)});
process.on('unhandledRejection', (e) => { console.log('unhandled rejection'); process.exit(3); });
const turn = () => new Promise((r) => setImmediate(r));
`;

const CASES: Record<string, string> = {
  // 200,000 callers that abort on a load that never settles: ~380 MB if each were kept (issue item 15).
  'aborted LoadingMap callers': `
    const map = new m.LoadingMap({ name: 'w', registry: new m.MapRegistry() });
    const never = new Promise(() => {});
    for (let i = 0; i < 200_000; i++) {
      const ac = new AbortController();
      map.getOrLoad('k', () => never, { signal: ac.signal }).catch(() => {});
      ac.abort(new Error('caller ' + i + ' left'));
      if (i % 10_000 === 0) await turn();
    }
    if (map.loading !== 1) throw new Error('the load should still be in flight');
  `,
  // A collector throwing a distinct 10 MB message at each of 40 scrapes: remembered whole, 400 MB.
  'huge error messages from a collector': `
    const r = new client.Registry();
    let i = 0;
    new client.Gauge({ name: 'g', help: 'h', registers: [r], collect() { throw new Error(String(i++).padEnd(10_000_000, 'x')); } });
    new client.Gauge({ name: 'ok_gauge', help: 'h', registers: [r] }).set(1);
    process.stderr.write = () => true;
    for (let k = 0; k < 40; k++) {
      const text = await serializeRegistry(r);
      if (!text.includes('ok_gauge 1')) throw new Error('the healthy metric was not served');
    }
  `,
  // Names: a 50 MB one is refused at once; 200,000 distinct ones fold past the name cap.
  'huge and countless names': `
    const registry = new m.MapRegistry();
    try { new m.InstrumentedMap({ name: 'x'.repeat(50_000_000), registry }); throw new Error('accepted'); }
    catch (e) { if (!(e instanceof RangeError)) throw e; }
    for (let i = 0; i < 200_000; i++) {
      new m.InstrumentedMap({ name: 'n' + i, registry }).set(i, i);
      if (i % 10_000 === 0) await turn();
    }
    const r = new client.Registry();
    const { registerPromMetrics } = await import(dist + '/export/prometheus.js');
    registerPromMetrics(r, { registry });
    const text = await serializeRegistry(r, { contentType: client.Registry.OPENMETRICS_CONTENT_TYPE });
    if (!text.endsWith('# EOF\\n')) throw new Error('bad scrape');
  `,
  // The leak detector fed a flood of keys and hostile numbers: bounded by maxSeries.
  'a flood of detector series': `
    const d = new m.LeakDetector();
    const hostile = [1e23, -1e23, 1e308, NaN, Infinity, -Infinity, -0, 2 ** 53 + 2, 8.64e15, -8.64e15];
    for (let i = 0; i < 30_000; i++) {
      const t = i % 3 === 0 ? hostile[i % hostile.length] : 1.7e12 + i * 1000;
      d.observe('k' + i, t, { entries: i % 7 === 0 ? hostile[i % hostile.length] : i, inserts: i, deletes: 0 });
    }
    if (d.size > 2000) throw new Error('unbounded: ' + d.size);
  `,
  // Arbitrary observe() calls, as in test/detect/leak-detector.property.test.ts, but here a hang is
  // bounded: the child is killed at the bound and the case fails, where in-process it would stall the run.
  'arbitrary detector input (fast-check, bounded)': `
    const { default: fc } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'node_modules/fast-check/lib/fast-check.js')).href)});
    const num = fc.oneof(fc.double(), fc.constantFrom(1e23, 1e20, 1e308, -1e308, 2 ** 53 + 2, 8.64e15, -8.64e15, -0, NaN), fc.maxSafeInteger());
    const obs = fc.oneof(num, fc.record({ entries: num, inserts: num, deletes: num, oldestAgeSeconds: num, maxEntries: num, ttlSeconds: num }, { requiredKeys: ['entries'] }));
    const call = fc.tuple(fc.string({ unit: 'binary', maxLength: 8 }), fc.oneof(num, fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true })), obs);
    for (const options of [{}, { maxSeries: 2 }]) {
      fc.assert(fc.property(fc.array(call, { maxLength: 100 }), (calls) => {
        const d = new m.LeakDetector(options);
        for (const [k, t, o] of calls) {
          const v = typeof o === 'number' ? d.observe(k, t, o) : d.observe(k, t, o);
          if (typeof v.reason !== 'string') throw new Error('no reason');
        }
      }), { numRuns: 300 });
    }
  `,
  // A user collector with 200,000 series beside mapwatch's, in both formats.
  'a huge user metric': `
    const r = new client.Registry();
    const g = new client.Gauge({ name: 'big', help: 'h', labelNames: ['id'], registers: [r] });
    for (let i = 0; i < 200_000; i++) g.set({ id: String(i) }, i);
    for (const ct of [client.Registry.PROMETHEUS_CONTENT_TYPE, client.Registry.OPENMETRICS_CONTENT_TYPE]) {
      const text = await serializeRegistry(r, { contentType: ct });
      if (!text.includes('big{id="199999"} 199999')) throw new Error('missing series');
    }
  `,
};

function runChild(
  body: string,
): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--max-old-space-size=256',
        '--input-type=module',
        '-e',
        `${CHILD_PRELUDE}\n${body}\nconsole.log('ok');`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    // Bounded: a hang is a failure, not a stuck run.
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    });
  });
}

describe.skipIf(!HAVE_DIST)('huge inputs under --max-old-space-size=256 (a child process on dist/)', () => {
  it.each(Object.keys(CASES))(
    '%s: the process survives',
    async (name) => {
      const { code, signal, out, err } = await runChild(CASES[name]!);
      // On failure, the child's last stderr (an out-of-memory report, a stack) is in the diff.
      expect({ code, signal, out: out.trim(), err: code === 0 ? '' : err }).toEqual({
        code: 0,
        signal: null,
        out: 'ok',
        err: '',
      });
    },
    150_000,
  );
});
