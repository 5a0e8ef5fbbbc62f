/**
 * Issue 10 item 7: registering mapwatch twice on one MeterProvider used to double-count (the SDK hands
 * both registrations the same instruments: the lock-wait histogram counted 6 for 3 waits) while the
 * prom-client path threw. Both paths now refuse the second registration with the same advice, and both
 * accept a new registration after unregister().
 */
import { metrics } from '@opentelemetry/api';
import client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS } from '../../src/conventions.js';
import { registerOtelMetrics } from '../../src/export/otel.js';
import { registerPromMetrics } from '../../src/export/prometheus.js';
import { MapRegistry } from '../../src/registry.js';
import { parseExposition } from '../helpers/exposition.js';
import { listenLocal, type RunningServer } from '../helpers/http.js';
import { MeterProvider, PrometheusExporter } from '../helpers/otel-sdk.js';

const WAIT_COUNT = `${METRICS.lockWaitDuration.name}_count`;

/** A registry with one named lock; `wait()` records one contended wait, as a real RWLock does. */
function lockRegistry() {
  const registry = new MapRegistry();
  const lockObject = {};
  const lock = registry.trackLock(lockObject, 'inventory');
  return { registry, lockObject, wait: () => lock.recordAcquire('write', true, 0.01) };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function otelStack() {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const server: RunningServer = await listenLocal((req, res) => exporter.getMetricsRequestHandler(req, res));
  cleanups.push(
    () => server.close(),
    () => provider.shutdown(),
  );
  return {
    provider,
    async waitCount(): Promise<number> {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return parseExposition(text)
        .filter((s) => s.name === WAIT_COUNT && s.labels.map_name === 'inventory')
        .reduce((sum, s) => sum + s.value, 0);
    },
  };
}

const SECOND_REGISTRATION = /already called for this MeterProvider.*unregister\(\)/;

describe('a second registration on the same target', () => {
  it('OpenTelemetry: refused with advice; the histogram counts each of 3 waits once', async () => {
    const { registry, lockObject, wait } = lockRegistry();
    const stack = await otelStack();
    const first = registerOtelMetrics({ meterProvider: stack.provider, registry });
    cleanups.push(() => first.unregister());
    expect(() => registerOtelMetrics({ meterProvider: stack.provider, registry })).toThrow(
      SECOND_REGISTRATION,
    );
    // Another mapwatch registry on the same provider would share the same instruments too.
    expect(() => registerOtelMetrics({ meterProvider: stack.provider, registry: new MapRegistry() })).toThrow(
      SECOND_REGISTRATION,
    );
    for (let i = 0; i < 3; i++) wait();
    expect(await stack.waitCount()).toBe(3);

    // After unregister() the provider can be registered again, and counts once.
    first.unregister();
    const second = registerOtelMetrics({ meterProvider: stack.provider, registry });
    cleanups.push(() => second.unregister());
    expect(second.bound).toBe(true);
    wait();
    expect(await stack.waitCount()).toBe(4);
    void lockObject;
  });

  it('prom-client: refused with the same advice, and accepted again after unregister()', () => {
    const { registry } = lockRegistry();
    const prom = new client.Registry();
    const first = registerPromMetrics(prom, { registry });
    expect(() => registerPromMetrics(prom, { registry })).toThrow(/already registered.*unregister\(\)/);
    first.unregister();
    expect(() => registerPromMetrics(prom, { registry }).unregister()).not.toThrow();
  });

  it('OpenTelemetry, global provider: a second registration waiting for it is refused too', async () => {
    const { registry, lockObject, wait } = lockRegistry();
    const waitingA = registerOtelMetrics({ registry, pollIntervalMs: 5 });
    cleanups.push(() => waitingA.unregister());
    expect(waitingA.bound).toBe(false);
    expect(() => registerOtelMetrics({ registry, pollIntervalMs: 5 })).toThrow(/already called.*global/);

    // A registration explicitly on the provider that later becomes the global one: the waiting one,
    // when the provider appears, is refused and reported (through onError), not bound a second time.
    const stack = await otelStack();
    const explicit = registerOtelMetrics({ meterProvider: stack.provider, registry });
    cleanups.push(() => explicit.unregister());
    waitingA.unregister();
    const errors: string[] = [];
    const waitingB = registerOtelMetrics({
      registry,
      pollIntervalMs: 5,
      onError: (_name, err) => errors.push((err as Error).message),
    });
    cleanups.push(() => waitingB.unregister());
    metrics.setGlobalMeterProvider(stack.provider);
    cleanups.push(() => metrics.disable());
    for (let i = 0; i < 400 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(errors).toEqual([expect.stringMatching(SECOND_REGISTRATION)]);
    expect(waitingB.bound).toBe(false);
    for (let i = 0; i < 3; i++) wait();
    expect(await stack.waitCount()).toBe(3);
    void lockObject;
  });

  it('refuses arguments that are not options or a MeterProvider with a clear error', () => {
    expect(() => registerOtelMetrics(null as never)).toThrow(/takes an options object/);
    expect(() => registerOtelMetrics({ meterProvider: {} as never })).toThrow(/must be an OpenTelemetry/);
    expect(() => registerOtelMetrics({ pollIntervalMs: '5' as never })).toThrow(/pollIntervalMs/);
    expect(() => registerPromMetrics({} as never)).toThrow(/needs a prom-client Registry/);
  });
});
