/**
 * Issue 10 item 2: one failing collector on the served prom-client Registry, whatever it throws, costs
 * its own metric and never the scrape, and never reaches the host as an unhandled rejection.
 *
 * prom-client's own `registry.metrics()` (15.x) rejects as a whole when any collector throws; the old
 * router then answered 500 (dropping mapwatch's series too) and, for a thrown value `String()` cannot
 * convert (`Object.create(null)`), threw from its rejection handler: an unhandled rejection that exits
 * the process under Node's default `--unhandled-rejections=throw`.
 */
import client from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { METRICS } from '../../src/conventions.js';
import { describeError } from '../../src/export/errors.js';
import { mapwatchRouter } from '../../src/export/express.js';
import { registerPromMetrics, serializeRegistry } from '../../src/export/prometheus.js';
import { LocalRouters } from '../helpers/routers.js';
import { parseExposition } from '../helpers/exposition.js';
import { populatedRegistry } from '../helpers/populate.js';
import { hostileProxy } from '../helpers/hostile.js';

const INSERTS = METRICS.inserts.name;
const TEXT = client.Registry.PROMETHEUS_CONTENT_TYPE;
const OPENMETRICS = client.Registry.OPENMETRICS_CONTENT_TYPE;
const RegistryOfFormat = client.Registry as unknown as new (contentType: string) => client.Registry;

/** Every kind of value a collector can throw. */
export const THROWN: Array<[string, () => unknown]> = [
  ['an Error', () => new Error('collector exploded')],
  ['null', () => null],
  ['undefined', () => undefined],
  ['Object.create(null)', () => Object.create(null)],
  ['a Proxy that throws on every trap', hostileProxy],
  ['a string with a newline', () => 'line one\nmapwatch: forged line'],
  [
    'an Error whose message getter throws',
    () => Object.defineProperty(new Error(), 'message', { get: hostileGet }),
  ],
];

function hostileGet(): never {
  throw new Error('getter');
}

/** A user metric on the same Registry whose collect() throws `thrown()` (synchronously, as a Gauge does). */
function throwingGauge(prom: client.Registry, name: string, thrown: () => unknown): void {
  new client.Gauge({
    name,
    help: 'A user gauge whose collect() throws.',
    registers: [prom],
    collect() {
      throw thrown();
    },
  });
}

const routers = new LocalRouters();
const serve = routers.serve;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await routers.closeAll();
});

/** Scrapes with a bound, so that a request the server never answers fails the test instead of hanging it. */
async function scrape(url: string, accept?: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`${url}/metrics`, {
    headers: accept ? { accept } : {},
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** Lets pending rejections surface as 'unhandledRejection' before the test looks. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

describe('a failing user collector on the served Registry', () => {
  it.each(THROWN)(
    'throwing %s costs its own metric: mapwatch and the other user metrics are served, in both formats',
    async (_what, thrown) => {
      const { registry } = populatedRegistry();
      const prom = new client.Registry();
      registerPromMetrics(prom, { registry, onError: () => undefined });
      new client.Counter({ name: 'app_requests_total', help: 'Requests.', registers: [prom] }).inc(3);
      throwingGauge(prom, 'app_broken', thrown);
      const errors: Array<[string, string]> = [];
      const url = await serve(
        mapwatchRouter({
          promRegistry: prom,
          onError: (name, err) => errors.push([name, describeError(err)]),
        }),
      );

      const text = await scrape(url);
      expect(text.status).toBe(200);
      expect(text.type).toBe(TEXT);
      const samples = parseExposition(text.text);
      expect(samples.find((s) => s.name === INSERTS && s.labels.map_name === 'users')?.value).toBe(6);
      expect(samples.find((s) => s.name === 'app_requests_total')?.value).toBe(3);
      expect(text.text).not.toContain('app_broken');

      const om = await scrape(url, 'application/openmetrics-text');
      expect(om.status).toBe(200);
      expect(om.type).toBe(OPENMETRICS);
      expect(om.text).toContain(`# TYPE ${INSERTS.replace(/_total$/, '')} counter`);
      expect(om.text).toMatch(/^app_requests_total 3$/m);
      expect(om.text).not.toContain('app_broken');
      expect(om.text.endsWith('\n# EOF\n')).toBe(true);

      // Reported, per scrape, under the metric's name; the description is one printable line.
      expect(errors.map(([name]) => name)).toEqual(['app_broken', 'app_broken']);
      for (const [, description] of errors) expect(description).not.toMatch(/[\n\r]/);
      await settle();
      expect(unhandled).toEqual([]);
    },
  );

  it('a collector that rejects, returns garbage or is itself a hostile Proxy costs its own metric', async () => {
    const { registry } = populatedRegistry();
    const prom = new client.Registry();
    registerPromMetrics(prom, { registry });
    const rejecting = {
      name: 'app_rejects',
      help: 'h',
      type: 'gauge',
      get: () => Promise.reject(Object.create(null)),
      reset: () => undefined,
    };
    const garbage = { name: 'app_garbage', help: 'h', type: 'gauge', get: async () => ({ values: 5 }) };
    const resolvesToProxy = {
      name: 'app_proxy_value',
      help: 'h',
      type: 'gauge',
      get: async () => hostileProxy(),
    };
    for (const m of [rejecting, garbage, resolvesToProxy]) prom.registerMetric(m as unknown as client.Metric);
    // A metric object that throws on every trap, registered behind prom-client's back.
    (prom as unknown as { _metrics: Record<string, unknown> })._metrics.app_hostile = hostileProxy();
    const errors: string[] = [];
    const url = await serve(mapwatchRouter({ promRegistry: prom, onError: (name) => errors.push(name) }));
    for (const accept of [undefined, 'application/openmetrics-text']) {
      const res = await scrape(url, accept);
      expect(res.status).toBe(200);
      expect(res.text).toContain(`${INSERTS}{map_name="users"} 6`);
      expect(res.text).not.toMatch(/app_(rejects|garbage|proxy_value|hostile)/);
    }
    expect(errors.sort()).toEqual(
      ['app_garbage', 'app_hostile', 'app_proxy_value', 'app_rejects'].flatMap((n) => [n, n]).sort(),
    );
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('a collector that never settles is left out after collectTimeoutMs; the scrape is answered', async () => {
    const { registry } = populatedRegistry();
    const prom = new client.Registry();
    registerPromMetrics(prom, { registry });
    prom.registerMetric({
      name: 'app_hangs',
      help: 'h',
      type: 'gauge',
      get: () => new Promise(() => undefined),
      reset: () => undefined,
    } as unknown as client.Metric);
    const errors: string[] = [];
    const url = await serve(
      mapwatchRouter({
        promRegistry: prom,
        collectTimeoutMs: 50,
        onError: (name, err) => errors.push(`${name}: ${describeError(err)}`),
      }),
    );
    const res = await scrape(url); // bounded at 10 s: without the timeout it would never be answered
    expect(res.status).toBe(200);
    expect(res.text).toContain(`${INSERTS}{map_name="users"} 6`);
    expect(res.text).not.toContain('app_hangs');
    expect(errors).toEqual(['app_hangs: collection did not finish within 50 ms']);
    expect(() => mapwatchRouter({ collectTimeoutMs: 0 })).toThrow(/collectTimeoutMs must be a positive/);
  });

  it('the default report is one stderr line per metric and message, whatever was thrown', async () => {
    const { registry } = populatedRegistry();
    const prom = new client.Registry();
    registerPromMetrics(prom, { registry });
    throwingGauge(prom, 'app_null_object', () => Object.create(null));
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: string) => {
      lines.push(String(chunk));
      return true;
    };
    try {
      const url = await serve(mapwatchRouter({ promRegistry: prom }));
      for (let i = 0; i < 3; i++) expect((await scrape(url)).status).toBe(200);
    } finally {
      process.stderr.write = write;
    }
    const ours = lines.filter((l) => l.includes('app_null_object'));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatch(/^mapwatch: collecting app_null_object failed, skipped in this scrape: .+\n$/);
  });
});

describe('mapwatch_collect_errors_total', () => {
  it('counts one per metric left out of a scrape, on every exporter path', async () => {
    const prom = new client.Registry();
    const { registry, keep } = populatedRegistry();
    registerPromMetrics(prom, { registry, onError: () => undefined });
    new client.Gauge({
      name: 'app_broken',
      help: 'throws',
      registers: [prom],
      collect() {
        throw new Error('broken');
      },
    });
    const errorsOf = async (): Promise<number> => {
      const text = await serializeRegistry(prom, { onError: () => undefined });
      const sample = parseExposition(text).find((x) => x.name === METRICS.collectErrors.name);
      expect(sample, 'mapwatch_collect_errors_total is served').toBeDefined();
      return sample!.value;
    };
    const first = await errorsOf();
    const second = await errorsOf();
    const third = await errorsOf();
    // Each scrape leaves app_broken out once; the counter is read before that scrape's failure or after.
    expect(second - first).toBe(1);
    expect(third - second).toBe(1);
    void keep;
  });
});

describe('serializeRegistry', () => {
  /** Every kind of prom-client metric, default labels with characters that need escaping, exemplars. */
  function fullRegistry(contentType: string): client.Registry {
    const prom = new RegistryOfFormat(contentType);
    prom.setDefaultLabels({ service: 'check"out' });
    const { registry, keep } = populatedRegistry();
    registerPromMetrics(prom, { registry, onError: () => undefined });
    (prom as unknown as { keep: unknown }).keep = keep;
    const om = contentType === OPENMETRICS;
    new client.Counter({ name: 'app_c_total', help: 'h\nx', labelNames: ['a'], registers: [prom] }).inc(
      { a: 'x\\y' },
      2,
    );
    new client.Gauge({ name: 'app_g', help: 'g', registers: [prom] }).set(1.5);
    const h = new client.Histogram({
      name: 'app_h',
      help: 'h',
      labelNames: ['l'],
      buckets: [1, 2],
      registers: [prom],
      enableExemplars: om,
    });
    if (om) {
      h.observe({ labels: { l: 'a' }, value: 1.5 } as never);
      h.observe({ labels: { l: 'b' }, value: 0.5, exemplarLabels: { trace: 't' } } as never);
    } else {
      h.observe({ l: 'a' }, 1.5);
      h.observe({ l: 'b' }, 0.5);
    }
    new client.Summary({ name: 'app_s', help: 's', registers: [prom] }).observe(3);
    return prom;
  }

  it.each([
    ['text', TEXT],
    ['OpenMetrics', OPENMETRICS],
  ])('with nothing failing, serves byte for byte what prom-client serves (%s registry)', async (_f, type) => {
    const prom = fullRegistry(type);
    const ours = await serializeRegistry(prom);
    expect(ours).toBe(await prom.metrics());
    // And again after prom-client renamed the registry's counter objects in place (OpenMetrics).
    expect(await serializeRegistry(prom)).toBe(ours);
  });

  it('serves the other format without renaming the metric objects', async () => {
    const prom = fullRegistry(TEXT);
    const text = await prom.metrics();
    const om = await serializeRegistry(prom, { contentType: OPENMETRICS });
    expect(om).toContain('# TYPE app_c counter');
    expect(om).toContain('app_c_total{a="x\\\\y",service="check\\"out"} 2');
    expect(om.endsWith('\n# EOF\n')).toBe(true);
    expect(await prom.metrics()).toBe(text);
    expect(prom.getSingleMetric('app_c_total')).toBeDefined();
  });

  it('asks every collector in one synchronous pass: one registry snapshot per scrape', async () => {
    const { registry } = populatedRegistry();
    const prom = new client.Registry();
    registerPromMetrics(prom, { registry, onError: () => undefined });
    let snapshots = 0;
    const collect = registry.collect.bind(registry);
    registry.collect = () => {
      snapshots++;
      return collect();
    };
    await serializeRegistry(prom);
    expect(snapshots).toBe(1);
    await serializeRegistry(prom, { contentType: OPENMETRICS });
    expect(snapshots).toBe(2);
  });

  it('refuses bad arguments with a clear error', async () => {
    await expect(serializeRegistry({} as client.Registry)).rejects.toThrow(/needs a prom-client Registry/);
    await expect(serializeRegistry(new client.Registry(), { contentType: 'text/html' })).rejects.toThrow(
      /contentType must be/,
    );
    await expect(serializeRegistry(new client.Registry(), { timeoutMs: -1 })).rejects.toThrow(
      /timeoutMs must be a positive/,
    );
  });
});
