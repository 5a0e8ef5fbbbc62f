import { metrics } from '@opentelemetry/api';
import client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_METRICS, METRICS, seriesNames } from '../../src/conventions.js';
import { registerOtelMetrics } from '../../src/export/otel.js';
import { registerPromMetrics } from '../../src/export/prometheus.js';
import { SCALAR_BUILDERS } from '../../src/export/samples.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { MapRegistry } from '../../src/registry.js';
import { parseExposition, seriesKey, type Sample } from '../helpers/exposition.js';
import { listenLocal, type RunningServer } from '../helpers/http.js';
import { MeterProvider, OTEL_SDK_MAJOR, PrometheusExporter } from '../helpers/otel-sdk.js';
import { populatedRegistry } from '../helpers/populate.js';

/** Labels the OTel exporter adds to every series by convention; not part of mapwatch's label sets. */
const OTEL_SCOPE_LABELS = ['otel_scope_name', 'otel_scope_version', 'otel_scope_schema_url'];

interface OtelStack {
  provider: InstanceType<typeof MeterProvider>;
  server: RunningServer;
  scrape(): Promise<Sample[]>;
}

/** A real MeterProvider whose reader is the Prometheus exporter, served over HTTP on 127.0.0.1. */
async function otelStack(): Promise<OtelStack> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const server = await listenLocal((req, res) => exporter.getMetricsRequestHandler(req, res));
  return {
    provider,
    server,
    async scrape() {
      const res = await fetch(`${server.url}/metrics`);
      expect(res.status).toBe(200);
      return parseExposition(await res.text()).filter((s) => s.name.startsWith('mapwatch_'));
    },
  };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/** An otelStack observing `registry`, closed and unregistered after the test. */
async function observedBy(registry: MapRegistry): Promise<OtelStack> {
  const stack = await otelStack();
  cleanups.push(
    () => stack.server.close(),
    () => stack.provider.shutdown(),
  );
  cleanups.push(registerOtelMetrics({ meterProvider: stack.provider, registry }).unregister);
  return stack;
}

describe(`OpenTelemetry observable instruments (sdk-metrics ${OTEL_SDK_MAJOR}.x)`, () => {
  it('produce the same Prometheus names, label sets and values as the prom-client path', async () => {
    const { registry, recordWaits } = populatedRegistry();
    const stack = await otelStack();
    cleanups.push(
      () => stack.server.close(),
      () => stack.provider.shutdown(),
    );
    const otel = registerOtelMetrics({ meterProvider: stack.provider, registry });
    cleanups.push(() => otel.unregister());
    expect(otel.bound).toBe(true);
    const prom = new client.Registry();
    registerPromMetrics(prom, { registry });
    // Waits recorded after both are registered reach both histograms.
    recordWaits();

    const viaOtel = await stack.scrape();
    const viaProm = parseExposition(await prom.metrics());
    const otelSeries = new Map(viaOtel.map((s) => [seriesKey(s, OTEL_SCOPE_LABELS), s.value]));
    const promSeries = new Map(viaProm.map((s) => [seriesKey(s), s.value]));

    // Histogram buckets/sum/count of the waits recorded before registration exist only in prom-client
    // (OTel has no asynchronous histogram), so compare those series on names and labels only.
    const isWaitHistogram = (key: string) => key.startsWith(METRICS.lockWaitDuration.name);
    expect([...otelSeries.keys()].sort()).toEqual([...promSeries.keys()].sort());
    for (const [key, v] of promSeries) {
      if (!isWaitHistogram(key)) expect(otelSeries.get(key), key).toBeCloseTo(v, 9);
    }
    // The fixture gives every metric of the table data, and every one appears through OTel.
    const names = new Set(viaOtel.map((s) => s.name));
    for (const m of ALL_METRICS) for (const series of seriesNames(m)) expect(names, series).toContain(series);
    // Leak state: one series per state for each analysed name.
    const leakStates = viaOtel.filter(
      (s) => s.name === METRICS.leakState.name && s.labels.map_name === 'users',
    );
    expect(leakStates.map((s) => `${s.labels.state}=${s.value}`).sort()).toEqual([
      'collecting=0',
      'growing=0',
      'leak=1',
      'ok=0',
    ]);
    // The OTel histogram counts exactly the waits recorded after registration.
    const otelCount = viaOtel.find(
      (s) => s.name === `${METRICS.lockWaitDuration.name}_count` && s.labels.mode === 'read',
    );
    expect(otelCount?.value).toBe(2);
  });

  it('reflects new operations at the next collection', async () => {
    const registry = new MapRegistry();
    const stack = await observedBy(registry);
    const map = new InstrumentedMap<number, number>({ name: 'live', registry });
    const inserts = async () =>
      (await stack.scrape()).find((s) => s.name === METRICS.inserts.name && s.labels.map_name === 'live')
        ?.value;
    map.set(1, 1);
    expect(await inserts()).toBe(1);
    map.set(2, 2).set(3, 3);
    expect(await inserts()).toBe(3);
  });

  it('a gauge series the registry no longer has reads NaN, not its last value (found by review)', async () => {
    // The SDK keeps exporting the last value of a series no longer observed: a declared bound that had
    // stopped holding (an undeclared map joined the name) stayed at 50, and MapwatchMapAboveDeclaredMax
    // paged on 200 entries, while the prom-client path had no such series.
    const registry = new MapRegistry();
    const stack = await observedBy(registry);
    const prom = new client.Registry();
    registerPromMetrics(prom, { registry });
    const declared = new InstrumentedMap<number, number>({ name: 'sessions', registry, maxEntries: 50 });
    const declaredMax = (samples: Sample[]) =>
      samples.find((s) => s.name === METRICS.declaredMaxEntries.name && s.labels.map_name === 'sessions')
        ?.value;
    expect(declaredMax(await stack.scrape())).toBe(50);
    const undeclared = new InstrumentedMap<number, number>({ name: 'sessions', registry });
    for (let i = 0; i < 200; i++) undeclared.set(i, i);
    expect(declaredMax(parseExposition(await prom.metrics()))).toBeUndefined();
    for (let scrape = 0; scrape < 2; scrape++) {
      const otel = await stack.scrape();
      const value = declaredMax(otel);
      expect(value === undefined || Number.isNaN(value), `scrape ${scrape}: ${value}`).toBe(true);
      expect(
        otel.find((s) => s.name === METRICS.entries.name && s.labels.map_name === 'sessions')?.value,
      ).toBe(200);
    }
    expect(declared.size).toBe(0);
  });

  it('keeps every series of 600 names with the View the README gives; without it the SDK folds them', async () => {
    // The SDK keeps 2,000 series per instrument by default and folds the rest into one overflow series:
    // deletes have 4 series per name, so past 500 names some maps lost theirs (found by review).
    const registry = new MapRegistry();
    for (let i = 0; i < 600; i++)
      new InstrumentedMap<number, number>({ name: `cache_${i}`, registry }).set(1, 1);
    const deletes = async (views?: unknown) => {
      const exporter = new PrometheusExporter({ preventServerStart: true });
      const provider = new MeterProvider({ readers: [exporter], ...(views ? { views } : {}) } as never);
      const reg = registerOtelMetrics({ meterProvider: provider, registry });
      const { resourceMetrics } = await exporter.collect();
      reg.unregister();
      await provider.shutdown();
      const metric = resourceMetrics.scopeMetrics
        .flatMap((s) => s.metrics)
        .find((m) => m.descriptor.name === METRICS.deletes.otelName);
      return metric?.dataPoints ?? [];
    };
    const folded = await deletes();
    expect(folded.length).toBeLessThan(600 * 4);
    expect(folded.some((p) => p.attributes['otel.metric.overflow'] === true)).toBe(true);
    const kept = await deletes([{ meterName: 'mapwatch', aggregationCardinalityLimit: 6 * 1001 }]);
    expect(kept).toHaveLength(600 * 4);
  });

  it('binds to a global MeterProvider registered after registerOtelMetrics() was called', async () => {
    const registry = new MapRegistry();
    const keep = new InstrumentedMap({ name: 'late', registry }).set('k', 1);
    const otel = registerOtelMetrics({ registry, pollIntervalMs: 5 });
    cleanups.push(() => otel.unregister());
    expect(otel.bound).toBe(false);

    const stack = await otelStack();
    cleanups.push(
      () => stack.server.close(),
      () => stack.provider.shutdown(),
      () => metrics.disable(),
    );
    metrics.setGlobalMeterProvider(stack.provider);
    for (let i = 0; i < 200 && !otel.bound; i++) await new Promise((r) => setTimeout(r, 5));
    expect(otel.bound).toBe(true);
    const samples = await stack.scrape();
    expect(samples.find((s) => s.name === METRICS.entries.name && s.labels.map_name === 'late')?.value).toBe(
      1,
    );
    void keep;
  });

  it('a failing metric costs that metric only', async () => {
    const { registry } = populatedRegistry();
    const original = SCALAR_BUILDERS.updates;
    SCALAR_BUILDERS.updates = () => {
      throw new Error('broken');
    };
    cleanups.push(() => {
      SCALAR_BUILDERS.updates = original;
    });
    const stack = await otelStack();
    cleanups.push(
      () => stack.server.close(),
      () => stack.provider.shutdown(),
    );
    const errors: string[] = [];
    cleanups.push(
      registerOtelMetrics({ meterProvider: stack.provider, registry, onError: (n) => errors.push(n) })
        .unregister,
    );
    const samples = await stack.scrape();
    expect(samples.some((s) => s.name === METRICS.updates.name)).toBe(false);
    expect(samples.some((s) => s.name === METRICS.inserts.name)).toBe(true);
    expect(errors).toContain(METRICS.updates.name);
  });

  it('unregister() stops observing: later operations no longer change what is exported', async () => {
    const registry = new MapRegistry();
    const map = new InstrumentedMap<number, number>({ name: 'gone', registry });
    const stack = await otelStack();
    cleanups.push(
      () => stack.server.close(),
      () => stack.provider.shutdown(),
    );
    const otel = registerOtelMetrics({ meterProvider: stack.provider, registry });
    const inserts = async () =>
      (await stack.scrape()).find((s) => s.name === METRICS.inserts.name && s.labels.map_name === 'gone')
        ?.value;
    map.set(1, 1);
    expect(await inserts()).toBe(1);
    otel.unregister();
    expect(otel.bound).toBe(false);
    map.set(2, 2);
    // The SDK may keep exporting the last cumulative value, but it is no longer updated.
    expect(await inserts()).not.toBe(2);
  });

  it('rejects a bad poll interval', () => {
    expect(() => registerOtelMetrics({ pollIntervalMs: 0 })).toThrow(/positive number/);
  });
});
