/**
 * Both prom-client and mapwatch have a "registry". Passing a prom-client Registry where mapwatch's goes
 * used to be accepted, and every metric then failed at each scrape; now each exporter refuses it at
 * once and says where it belongs.
 */
import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { mapwatchRouter } from '../../src/export/express.js';
import { registerOtelMetrics } from '../../src/export/otel.js';
import { registerPromMetrics } from '../../src/export/prometheus.js';
import { MapRegistry } from '../../src/registry.js';
import { MeterProvider } from '../helpers/otel-sdk.js';

describe('the registry option of the exporters', () => {
  const prom = new client.Registry();
  // Typed as mapwatch's: the mistake is a JavaScript caller's, or an `as any` away in TypeScript.
  const wrong = prom as unknown as MapRegistry;

  it('mapwatchRouter refuses a prom-client Registry and names promRegistry', () => {
    expect(() => mapwatchRouter({ registry: wrong })).toThrow(
      /prom-client Registry; pass it as promRegistry/,
    );
  });

  it('registerPromMetrics refuses it and names the first argument', () => {
    const target = new client.Registry();
    expect(() => registerPromMetrics(target, { registry: wrong })).toThrow(
      /pass it as the first argument, registerPromMetrics\(promRegistry\)/,
    );
    expect(target.getMetricsAsArray()).toHaveLength(0); // nothing registered on the way
  });

  it('registerOtelMetrics refuses it and anything else that is not a MapRegistry', () => {
    const meterProvider = new MeterProvider();
    expect(() => registerOtelMetrics({ meterProvider, registry: wrong })).toThrow(/prom-client Registry/);
    for (const bad of [null, 42, 'default', {}]) {
      expect(() => registerOtelMetrics({ meterProvider, registry: bad as unknown as MapRegistry })).toThrow(
        /registry must be a mapwatch MapRegistry/,
      );
    }
  });

  it('accepts a MapRegistry and the default', () => {
    const registry = new MapRegistry();
    const target = new client.Registry();
    const reg = registerPromMetrics(target, { registry });
    expect(target.getMetricsAsArray().length).toBeGreaterThan(0);
    reg.unregister();
    expect(() => mapwatchRouter({ registry })).not.toThrow();
    expect(() => mapwatchRouter()).not.toThrow();
  });
});
