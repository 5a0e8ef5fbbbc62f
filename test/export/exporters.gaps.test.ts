/**
 * What the prom-client and OpenTelemetry exporters promise and no other test pinned (issue #17, the
 * survivors of a mutation run over src/export): which error reaches onError, the default stderr report,
 * argument checks that name the call, unregistering, waiting for a global MeterProvider, and the
 * instruments' descriptions. Real prom-client Registries and a real OpenTelemetry MeterProvider.
 */
import { metrics, type MeterProvider as ApiMeterProvider } from '@opentelemetry/api';
import client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_METRICS, METRICS } from '../../src/conventions.js';
import { describeError } from '../../src/export/errors.js';
import { registerOtelMetrics, OTEL_SCOPE_NAME } from '../../src/export/otel.js';
import { registerPromMetrics, serializeRegistry } from '../../src/export/prometheus.js';
import { SCALAR_BUILDERS } from '../../src/export/samples.js';
import { MapRegistry } from '../../src/registry.js';
import { MeterProvider, PrometheusExporter } from '../helpers/otel-sdk.js';
import { populatedRegistry } from '../helpers/populate.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/** Lines written to stderr while `run` runs. */
async function stderrOf(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string) => {
    lines.push(String(chunk));
    return true;
  };
  try {
    await run();
  } finally {
    process.stderr.write = write;
  }
  return lines;
}

/** A user metric on `prom` whose collection fails with `error`. */
function failingGauge(prom: client.Registry, name: string, error: () => unknown): void {
  new client.Gauge({
    name,
    help: 'fails',
    registers: [prom],
    collect() {
      throw error();
    },
  });
}

const NOT_A_REGISTRY = [{}, { getMetricsAsArray() {} }, { registerMetric() {} }, null, 'registry'];

describe('registerPromMetrics and serializeRegistry', () => {
  it('refuse what is not a prom-client Registry, naming the call', async () => {
    for (const bad of NOT_A_REGISTRY) {
      expect(() => registerPromMetrics(bad as never)).toThrow(
        'mapwatch: registerPromMetrics(promRegistry) needs a prom-client Registry (new client.Registry())',
      );
      await expect(serializeRegistry(bad as never)).rejects.toThrow(
        'mapwatch: serializeRegistry(promRegistry) needs a prom-client Registry (new client.Registry())',
      );
    }
  });

  it('refuse bad options with what to pass', async () => {
    const prom = new client.Registry();
    for (const bad of [null, 'x', 5]) {
      expect(() => registerPromMetrics(prom, bad as never)).toThrow(
        'mapwatch: registerPromMetrics(promRegistry, options) takes an options object',
      );
    }
    expect(() => registerPromMetrics(prom, { registry: {} as never })).toThrow(
      'mapwatch: registerPromMetrics(promRegistry, options): registry must be a mapwatch MapRegistry',
    );
    for (const timeoutMs of [0, -1, Number.NaN, '50' as never]) {
      await expect(serializeRegistry(prom, { timeoutMs }), String(timeoutMs)).rejects.toThrow(
        `mapwatch: timeoutMs must be a positive number of ms, got ${String(timeoutMs)}`,
      );
    }
    expect(prom.getMetricsAsArray()).toEqual([]);
  });

  it('hand onError the error each collector failed with, not a timeout', async () => {
    const prom = new client.Registry();
    failingGauge(prom, 'app_throws', () => new Error('sync failure'));
    const internals = prom as unknown as { _metrics: Record<string, unknown> };
    internals._metrics.app_rejects = {
      type: 'gauge',
      help: 'rejects',
      get: () => Promise.reject(new Error('async failure')),
    };
    internals._metrics.app_bad_type = {
      get type(): string {
        throw new Error('no type');
      },
      help: 'bad',
      get: async () => ({ values: [] }),
    };
    const seen = new Map<string, unknown>();
    const text = await serializeRegistry(prom, { onError: (name, err) => seen.set(name, err) });
    expect(text).not.toContain('app_');
    expect(
      Object.fromEntries([...seen].map(([name, err]) => [name, (err as Error | undefined)?.message])),
    ).toEqual({
      app_throws: 'sync failure',
      app_rejects: 'async failure',
      app_bad_type: 'no type',
    });
  });

  it('report a failing metric once on stderr by default, across scrapes, as a scrape failure', async () => {
    const prom = new client.Registry();
    failingGauge(prom, 'app_default_report', () => new Error('gone'));
    const lines = await stderrOf(async () => {
      for (let i = 0; i < 3; i++) await serializeRegistry(prom);
    });
    expect(lines.filter((l) => l.includes('app_default_report'))).toEqual([
      'mapwatch: collecting app_default_report failed, skipped in this scrape: gone\n',
    ]);
    const collectors = new client.Registry();
    const { registry } = populatedRegistry();
    registerPromMetrics(collectors, { registry });
    const original = SCALAR_BUILDERS.updates;
    SCALAR_BUILDERS.updates = () => {
      throw new Error('updates builder gone');
    };
    cleanups.push(() => (SCALAR_BUILDERS.updates = original));
    const own = await stderrOf(async () => {
      await collectors.metrics();
    });
    expect(own).toEqual([
      `mapwatch: collecting ${METRICS.updates.name} failed, skipped in this scrape: updates builder gone\n`,
    ]);
  });

  it('unregister() removes its own collectors only, however often it is called', () => {
    const prom = new client.Registry();
    const reg = registerPromMetrics(prom, { registry: new MapRegistry() });
    reg.unregister();
    expect(prom.getMetricsAsArray()).toEqual([]);
    // A metric of the same name registered since is someone else's.
    const mine = new client.Gauge({ name: METRICS.inserts.name, help: 'mine', registers: [prom] });
    reg.unregister();
    expect(prom.getSingleMetric(METRICS.inserts.name)).toBe(mine);
  });
});

describe('registerOtelMetrics', () => {
  it('refuses bad options, naming the call', () => {
    for (const bad of [null, 'x']) {
      expect(() => registerOtelMetrics(bad as never)).toThrow(
        'mapwatch: registerOtelMetrics(options) takes an options object, e.g. { meterProvider }',
      );
    }
    expect(() => registerOtelMetrics({ registry: {} as never })).toThrow(
      'mapwatch: registerOtelMetrics(options): registry must be a mapwatch MapRegistry',
    );
    for (const pollIntervalMs of [0, -1, Number.NaN, Infinity, '5' as never]) {
      expect(() => registerOtelMetrics({ pollIntervalMs }), String(pollIntervalMs)).toThrow(
        `mapwatch: pollIntervalMs must be a positive number, got ${String(pollIntervalMs)}`,
      );
    }
    for (const meterProvider of [{}, 'provider']) {
      expect(() => registerOtelMetrics({ meterProvider: meterProvider as never })).toThrow(
        'mapwatch: meterProvider must be an OpenTelemetry MeterProvider (with getMeter())',
      );
    }
  });

  it('creates every instrument in the mapwatch scope with its description and unit', async () => {
    const reader = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [reader] });
    cleanups.push(() => provider.shutdown());
    const errors: string[] = [];
    const { registry, recordWaits } = populatedRegistry();
    const otel = registerOtelMetrics({ meterProvider: provider, registry, onError: (n) => errors.push(n) });
    cleanups.push(() => otel.unregister());
    recordWaits();
    const { resourceMetrics } = await reader.collect();
    const scopes = resourceMetrics.scopeMetrics;
    expect(scopes.map((s) => s.scope.name)).toEqual([OTEL_SCOPE_NAME]);
    expect(OTEL_SCOPE_NAME).toBe('mapwatch');
    const descriptors = new Map(scopes[0]!.metrics.map((m) => [m.descriptor.name, m.descriptor]));
    for (const spec of ALL_METRICS) {
      const d = descriptors.get(spec.otelName);
      expect(d, spec.otelName).toBeDefined();
      expect(d!.description, spec.otelName).toBe(spec.help);
      expect(d!.unit, spec.otelName).toBe(spec.unit ?? '');
    }
    // A healthy registry collects without a single error.
    expect(errors).toEqual([]);
  });

  it('reports a failing metric on stderr by default as a collection failure', async () => {
    const reader = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [reader] });
    cleanups.push(() => provider.shutdown());
    const { registry } = populatedRegistry();
    const otel = registerOtelMetrics({ meterProvider: provider, registry });
    cleanups.push(() => otel.unregister());
    const original = SCALAR_BUILDERS.inserts;
    SCALAR_BUILDERS.inserts = () => {
      throw new Error('inserts builder gone');
    };
    cleanups.push(() => (SCALAR_BUILDERS.inserts = original));
    const lines = await stderrOf(async () => {
      await reader.collect();
    });
    expect(lines).toEqual([
      `mapwatch: collecting ${METRICS.inserts.name} failed, skipped in this collection: inserts builder gone\n`,
    ]);
  });

  it('a registry that fails to collect costs each metric that reads it, and the error count is still observed', async () => {
    const reader = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [reader] });
    cleanups.push(() => provider.shutdown());
    const registry = new MapRegistry();
    const reported: Array<[string, string]> = [];
    const otel = registerOtelMetrics({
      meterProvider: provider,
      registry,
      onError: (name, err) => reported.push([name, (err as Error).message]),
    });
    cleanups.push(() => otel.unregister());
    // A registry broken from outside (a host that patched it): the collection must survive it.
    registry.collect = () => {
      throw new Error('registry broken');
    };
    const { resourceMetrics } = await reader.collect();
    // One report per observable that reads the registry (the lock-wait histogram is recorded as waits
    // happen, not collected), as prom-client's path reports one per metric left out.
    const readers = ALL_METRICS.filter((m) => m.type !== 'histogram' && m !== METRICS.collectErrors);
    expect(reported).toEqual(readers.map((m) => [m.name, 'registry broken']));
    const observed = resourceMetrics.scopeMetrics.flatMap((s) =>
      s.metrics.filter((m) => m.dataPoints.length > 0).map((m) => m.descriptor.name),
    );
    expect(observed).toEqual([METRICS.collectErrors.otelName]);
  });

  describe('with the global MeterProvider', () => {
    const setGlobal = (provider: ApiMeterProvider) => {
      metrics.setGlobalMeterProvider(provider);
      cleanups.push(() => metrics.disable());
    };
    const ticks = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 5));
    };

    it('binds at once to one already registered', () => {
      const provider = new MeterProvider();
      cleanups.push(() => provider.shutdown());
      setGlobal(provider);
      const otel = registerOtelMetrics({ registry: new MapRegistry(), pollIntervalMs: 60_000 });
      cleanups.push(() => otel.unregister());
      expect(otel.bound).toBe(true);
    });

    it('binds once to one registered later, and then stops looking', async () => {
      const reported: string[] = [];
      const otel = registerOtelMetrics({
        registry: new MapRegistry(),
        pollIntervalMs: 5,
        onError: (name) => reported.push(name),
      });
      cleanups.push(() => otel.unregister());
      const provider = new MeterProvider();
      cleanups.push(() => provider.shutdown());
      setGlobal(provider);
      for (let i = 0; i < 200 && !otel.bound; i++) await ticks(1);
      expect(otel.bound).toBe(true);
      await ticks(10);
      expect(reported).toEqual([]);
    });

    it('stays unbound while none is registered, and only one registration may wait', async () => {
      const first = registerOtelMetrics({ registry: new MapRegistry(), pollIntervalMs: 5 });
      cleanups.push(() => first.unregister());
      await ticks(5);
      expect(first.bound).toBe(false);
      const waitingAlready = /already called for the global MeterProvider \(still waiting for it\)/;
      expect(() => registerOtelMetrics({ registry: new MapRegistry() })).toThrow(waitingAlready);
      // Unregistering a registration bound to its own provider does not end the wait of the first.
      const provider = new MeterProvider();
      cleanups.push(() => provider.shutdown());
      registerOtelMetrics({ meterProvider: provider, registry: new MapRegistry() }).unregister();
      expect(() => registerOtelMetrics({ registry: new MapRegistry() })).toThrow(waitingAlready);
      // Once the first stops waiting (twice, even), another may wait, and only one.
      first.unregister();
      first.unregister();
      const second = registerOtelMetrics({ registry: new MapRegistry(), pollIntervalMs: 5 });
      cleanups.push(() => second.unregister());
      first.unregister();
      expect(() => registerOtelMetrics({ registry: new MapRegistry() })).toThrow(waitingAlready);
    });

    it('reports a global provider that throws while it waits, and keeps waiting', async () => {
      const reported: Array<[string, string]> = [];
      const otel = registerOtelMetrics({
        registry: new MapRegistry(),
        pollIntervalMs: 5,
        onError: (name, err) => reported.push([name, (err as Error).message]),
      });
      cleanups.push(() => otel.unregister());
      setGlobal({
        getMeter() {
          throw new Error('provider broken');
        },
      });
      for (let i = 0; i < 200 && reported.length === 0; i++) await ticks(1);
      expect(reported[0]).toEqual(['mapwatch OpenTelemetry binding', 'provider broken']);
      expect(otel.bound).toBe(false);
    });
  });
});

describe('describeError', () => {
  it('keeps a description of 300 characters whole and cuts a longer one with an ellipsis', () => {
    expect(describeError('x'.repeat(300))).toBe('x'.repeat(300));
    expect(describeError('x'.repeat(301))).toBe(`${'x'.repeat(300)}…`);
  });

  it('never shows the source of a thrown function, nor an empty name', () => {
    expect(
      describeError(function secret() {
        return 'token';
      }),
    ).toBe('a function');
    const unnamed = new Error('plain');
    unnamed.name = '';
    expect(describeError(unnamed)).toBe('plain');
  });
});
