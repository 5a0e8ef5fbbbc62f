/**
 * The exporters against a host that gets things wrong (found by a bug hunt from outside): a registry
 * clock that is not one, a registry that cannot be read, an async onError that rejects, option values
 * whose `toString` throws, no-op and shut-down MeterProviders, a registration racing one that waits for
 * the global provider, a Proxy as the registry, and a foreign collector whose output Prometheus could not
 * parse. Real prom-client Registries, a real OpenTelemetry SDK, and promtool where it is installed.
 */
import { execFileSync } from 'node:child_process';
import { metrics } from '@opentelemetry/api';
import client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_METRICS, METRICS } from '../../src/conventions.js';
import { registerOtelMetrics } from '../../src/export/otel.js';
import { registerPromMetrics, serializeRegistry } from '../../src/export/prometheus.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { MapRegistry } from '../../src/registry.js';
import { MeterProvider, PrometheusExporter } from '../helpers/otel-sdk.js';
import { hostileProxy } from '../helpers/hostile.js';
import { requireTool } from '../helpers/tools.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/** A value whose conversion to a string throws, as `String()` of it would. */
const unprintable = (): object => Object.create(null) as object;

describe('the registry clock', () => {
  it('is refused at construction when it is not a function', () => {
    for (const now of [42, 'Date.now', unprintable()]) {
      expect(() => new MapRegistry({ now: now as never })).toThrow(
        /^mapwatch: new MapRegistry\(\{ now \}\): now must be a function returning ms since the epoch/,
      );
    }
  });

  it('returning NaN fails collect() with what is wrong, before any sampled entry is stamped', () => {
    let clock = Number.NaN;
    const registry = new MapRegistry({ now: () => clock });
    const map = new InstrumentedMap({ name: 'clocked', registry });
    map.set('a', 1);
    expect(() => registry.collect()).toThrow(
      "mapwatch: the registry's clock (now) returned NaN, not a finite number of ms",
    );
    clock = 1_000_000;
    registry.collect();
    clock += 5_000;
    const survival = registry.collect().names.find((n) => n.name === 'clocked')!.survival!;
    expect(survival.oldestAgeSeconds).toBe(5);
  });
});

describe('a registry that cannot be read', () => {
  it('through prom-client: the error count is served, each other metric is reported once per scrape', async () => {
    const registry = new MapRegistry();
    const map = new InstrumentedMap({ name: 'unread', registry }).set('a', 1);
    const prom = new client.Registry();
    registerPromMetrics(prom, {
      registry,
      onError: (name, err) => reported.push([name, (err as Error).message]),
    });
    let calls = 0;
    registry.collect = () => {
      calls++;
      throw new Error('registry broken');
    };
    const reported: Array<[string, string]> = [];
    const text = await serializeRegistry(prom, { onError: () => undefined });
    expect(calls).toBe(1); // the failure is kept for the scrape, not met once per metric
    expect(text).toMatch(new RegExp(`^${METRICS.collectErrors.name} \\d+$`, 'm'));
    expect(text).not.toMatch(new RegExp(`^${METRICS.entries.name}\\{`, 'm'));
    const readers = ALL_METRICS.filter((m) => m !== METRICS.collectErrors);
    expect(reported).toEqual(readers.map((m) => [m.name, 'registry broken']));
    expect(map.size).toBe(1);
  });

  it('the OTel path observes the error count too (the other test of this is in exporters.gaps)', async () => {
    const reader = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [reader] });
    cleanups.push(() => provider.shutdown());
    const registry = new MapRegistry();
    const otel = registerOtelMetrics({ meterProvider: provider, registry, onError: () => undefined });
    cleanups.push(() => otel.unregister());
    registry.collect = () => {
      throw new Error('registry broken');
    };
    const { resourceMetrics } = await reader.collect();
    const errors = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === METRICS.collectErrors.otelName)!;
    expect(errors.dataPoints).toHaveLength(1);
    expect(errors.dataPoints[0]!.value).toBeGreaterThan(0);
  });
});

describe('onError', () => {
  it('an async handler that rejects, or returns a thenable that throws, ends nothing', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', listener);
    cleanups.push(() => process.off('unhandledRejection', listener));
    const prom = new client.Registry();
    new client.Gauge({
      name: 'app_fails',
      help: 'fails',
      registers: [prom],
      collect() {
        throw new Error('collect failed');
      },
    });
    let asked = 0;
    const handlers = [
      async () => {
        asked++;
        await Promise.resolve();
        throw new Error('async logger down');
      },
      () => {
        asked++;
        return {
          get then(): never {
            throw new Error('then getter');
          },
        };
      },
      () => {
        asked++;
        // A thenable that rejects through the handler it is given, as a promise would.
        return { then: (_: unknown, reject: (e: unknown) => void) => reject(new Error('thenable rejects')) };
      },
    ];
    for (const onError of handlers) {
      // An async function where `=> void` is typed: TypeScript accepts it in user code (a variable of
      // the handler type), which is the case under test.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      const text = await serializeRegistry(prom, { onError });
      expect(text).not.toContain('app_fails');
    }
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(asked).toBe(3);
    expect(unhandled).toEqual([]);
  });
});

describe('option values whose conversion to a string throws', () => {
  it('get the message that says what to pass, not a conversion error', async () => {
    const registry = new MapRegistry();
    expect(() => registerOtelMetrics({ registry, pollIntervalMs: unprintable() as never })).toThrow(
      'mapwatch: pollIntervalMs must be a positive number, got an object',
    );
    const prom = new client.Registry();
    await expect(serializeRegistry(prom, { timeoutMs: unprintable() as never })).rejects.toThrow(
      'mapwatch: timeoutMs must be a positive number of ms, got an object',
    );
    await expect(serializeRegistry(prom, { contentType: unprintable() as never })).rejects.toThrow(
      /^mapwatch: contentType must be .* got "an object"$/,
    );
    expect(() => new MapRegistry({ maxNames: unprintable() as never })).toThrow(
      'mapwatch: maxNames must be a positive integer, got an object',
    );
  });
});

describe('MeterProviders that export nothing', () => {
  it('the API no-op provider and a shut-down SDK provider leave the registration unbound and unclaimed', async () => {
    const registry = new MapRegistry();
    // With no SDK registered, the API hands out its no-op provider.
    const noop = registerOtelMetrics({ meterProvider: metrics.getMeterProvider(), registry });
    expect(noop.bound).toBe(false);
    noop.unregister();
    const reader = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [reader] });
    await provider.shutdown();
    const late = registerOtelMetrics({ meterProvider: provider, registry });
    expect(late.bound).toBe(false);
    // Not claimed: a second registration on it is no second registration of instruments.
    const again = registerOtelMetrics({ meterProvider: provider, registry });
    expect(again.bound).toBe(false);
    late.unregister();
    again.unregister();
  });
});

describe('a registration waiting for the global MeterProvider', () => {
  it('takes the provider first when an SDK has registered before its poll ran: a later one is refused', () => {
    const waiting = registerOtelMetrics({ registry: new MapRegistry(), pollIntervalMs: 60_000 });
    cleanups.push(() => waiting.unregister());
    expect(waiting.bound).toBe(false);
    const provider = new MeterProvider();
    cleanups.push(() => provider.shutdown());
    metrics.setGlobalMeterProvider(provider);
    cleanups.push(() => metrics.disable());
    expect(() => registerOtelMetrics({ registry: new MapRegistry() })).toThrow(
      /already called for this MeterProvider/,
    );
    expect(waiting.bound).toBe(true);
    // A registration on another provider is not held up by it.
    const other = new MeterProvider();
    cleanups.push(() => other.shutdown());
    const own = registerOtelMetrics({ meterProvider: other, registry: new MapRegistry() });
    cleanups.push(() => own.unregister());
    expect(own.bound).toBe(true);
  });
});

describe('a Proxy as the registry option', () => {
  it('throwing or revoked, it is refused with the message, not the trap error', () => {
    const throwing = new Proxy(
      {},
      {
        get() {
          throw new Error('trap exploded');
        },
      },
    );
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    for (const proxy of [throwing, revocable.proxy]) {
      expect(() => registerPromMetrics(new client.Registry(), { registry: proxy as never })).toThrow(
        /registry must be a mapwatch MapRegistry/,
      );
      expect(() =>
        registerOtelMetrics({ meterProvider: new MeterProvider(), registry: proxy as never }),
      ).toThrow(/registry must be a mapwatch MapRegistry/);
      expect(() => new InstrumentedMap({ name: 'proxied', registry: proxy as never })).toThrow(
        /new InstrumentedMap\(\): registry must be a mapwatch MapRegistry/,
      );
    }
  });
});

const RegistryOfFormat = client.Registry as unknown as new (contentType: string) => client.Registry;

/**
 * promtool 2.42 `check metrics` reads `text`: exit 3 for lint findings (help text, unit names), 1 with
 * "error while linting" when the text does not parse.
 */
function expectPromtoolParses(promtool: string, text: string): void {
  let status = 0;
  let stderr = '';
  try {
    execFileSync(promtool, ['check', 'metrics'], { input: text, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    status = (error as { status: number }).status;
    stderr = String((error as { stderr: Buffer }).stderr);
  }
  expect(stderr).not.toContain('error while linting');
  expect([0, 3]).toContain(status);
}

describe('a foreign collector whose output Prometheus could not parse', () => {
  /** A metric injected as prom-client would hold it, returning `values` (prom-client checks names only at creation). */
  const inject = (prom: client.Registry, name: string, values: unknown, type = 'gauge'): void => {
    (prom as unknown as { _metrics: Record<string, unknown> })._metrics[name] = {
      type,
      help: 'foreign',
      get: async () => ({ name, type, help: 'foreign', values, aggregator: 'sum' }),
    };
  };

  it('is left out and reported; the rest is served and parses', async () => {
    const prom = new client.Registry();
    const registry = new MapRegistry();
    const map = new InstrumentedMap({ name: 'served', registry }).set('a', 1);
    registerPromMetrics(prom, { registry });
    new client.Gauge({ name: 'app_fine', help: 'fine', registers: [prom], labelNames: ['le'] }).set(
      { le: 'x' },
      3,
    );
    inject(prom, 'app_bad_label', [{ value: 1, labels: { 'bad label': 'x' } }]);
    inject(prom, 'app_string_value', [{ value: 'not a number', labels: {} }]);
    inject(prom, 'app-dash', [{ value: 1 }]);
    inject(prom, 'app_bad_sample', [{ value: 1, metricName: 'app bad' }]);
    inject(prom, 'app_bad_type', [{ value: 1 }], 'gauge\n# evil');
    inject(prom, 'app_no_values', 'none');
    const reported = new Map<string, string>();
    const promtool = requireTool('promtool');
    for (const contentType of [
      client.Registry.PROMETHEUS_CONTENT_TYPE,
      client.Registry.OPENMETRICS_CONTENT_TYPE,
    ]) {
      reported.clear();
      const text = await serializeRegistry(prom, {
        contentType: contentType,
        onError: (name, err) => reported.set(name, (err as Error).message),
      });
      expect(Object.fromEntries(reported)).toEqual({
        app_bad_label: 'label name "bad label" is not valid',
        app_string_value: 'a value is "not a number", not a number',
        'app-dash': 'metric name "app-dash" is not valid',
        app_bad_sample: 'a sample name "app bad" is not valid',
        app_bad_type: 'metric type "gauge\\n# evil" is not valid',
        app_no_values: 'its values are not an array',
      });
      expect(text).toContain('app_fine{le="x"} 3');
      expect(text).toContain(`${METRICS.entries.name}{map_name="served",map_kind="plain"} ${map.size}`);
      if (contentType !== client.Registry.PROMETHEUS_CONTENT_TYPE || promtool === undefined) continue;
      expectPromtoolParses(promtool, text);
    }
  });

  it('with label values that are not strings, bad exemplar labels or bad default labels: left out, the rest parses', async () => {
    // Found by review: prom-client writes a non-string label value unescaped, so an Express query
    // parameter given twice (?q=a&q=b, an array) carried a quote and a line break into the page; exemplar
    // label names were not checked; a bad default label broke every line, mapwatch's included.
    const registry = new MapRegistry();
    const map = new InstrumentedMap({ name: 'served', registry }).set('a', 1);
    const promtool = requireTool('promtool');
    const hostileQuery = ['"} 1\nevil', 'x'];
    for (const contentType of [
      client.Registry.PROMETHEUS_CONTENT_TYPE,
      client.Registry.OPENMETRICS_CONTENT_TYPE,
    ]) {
      const prom = new RegistryOfFormat(contentType);
      registerPromMetrics(prom, { registry });
      prom.setDefaultLabels({ service: 'api', 'service-name': 'api', tags: ['a"b'] as unknown as string });
      const searches = new client.Counter({
        name: 'app_searches',
        help: 'h',
        labelNames: ['q'],
        registers: [prom],
      });
      searches.inc({ q: hostileQuery as unknown as string });
      const latency = new client.Histogram({
        name: 'app_latency_seconds',
        help: 'h',
        labelNames: ['q'],
        buckets: [1],
        registers: [prom],
      });
      latency.observe({ q: hostileQuery as unknown as string }, 0.5);
      const traced = new client.Counter({
        name: 'app_traced',
        help: 'h',
        labelNames: ['route'],
        registers: [prom],
        enableExemplars: contentType === client.Registry.OPENMETRICS_CONTENT_TYPE,
      });
      if (contentType === client.Registry.OPENMETRICS_CONTENT_TYPE)
        traced.inc({ labels: { route: '/a' }, value: 1, exemplarLabels: { 'trace-id': 'abc' } } as never);
      else traced.inc({ route: '/a' });
      new client.Gauge({ name: 'app_fine', help: 'fine', registers: [prom] }).set(3);
      const reported = new Map<string, string>();
      const text = await serializeRegistry(prom, {
        onError: (name, err) => reported.set(name, (err as Error).message),
      });
      expect(reported.get('app_searches')).toMatch(/the value of label "q" is .*not a string/);
      expect(reported.get('app_latency_seconds')).toMatch(/the value of label "q" is .*not a string/);
      expect(reported.get('(default labels)')).toMatch(
        /default labels left out: label name "service-name" is not valid; the value of label "tags" is/,
      );
      if (contentType === client.Registry.OPENMETRICS_CONTENT_TYPE)
        expect(reported.get('app_traced')).toBe('label name "trace-id" is not valid');
      else expect(text).toContain('app_traced{route="/a",service="api"} 1');
      expect(text).toContain('app_fine{service="api"} 3');
      expect(text).toContain(
        `${METRICS.entries.name}{map_name="served",map_kind="plain",service="api"} ${map.size}`,
      );
      expect(text).not.toContain('evil');
      if (contentType !== client.Registry.PROMETHEUS_CONTENT_TYPE || promtool === undefined) continue;
      expectPromtoolParses(promtool, text);
    }
  });

  it('with default labels that cannot be read: left out whole and reported, the scrape served', async () => {
    const registry = new MapRegistry();
    new InstrumentedMap({ name: 'served', registry }).set('a', 1);
    for (const hostile of [
      hostileProxy(),
      Object.defineProperty({}, 'service', { enumerable: true, get: hostileGet }),
    ]) {
      const prom = new client.Registry();
      registerPromMetrics(prom, { registry });
      (prom as unknown as { _defaultLabels: unknown })._defaultLabels = hostile;
      const reported: string[] = [];
      const text = await serializeRegistry(prom, { onError: (name) => void reported.push(name) });
      expect(reported).toEqual(['(default labels)']);
      expect(text).toContain(`${METRICS.entries.name}{map_name="served",map_kind="plain"} 1`);
    }
  });
});

function hostileGet(): never {
  throw new Error('getter of a default label');
}
