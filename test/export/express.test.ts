import express from 'express';
import client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS } from '../../src/conventions.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { mapwatchRouter, negotiateFormat } from '../../src/export/express.js';
import { registerPromMetrics } from '../../src/export/prometheus.js';
import { listenLocal } from '../helpers/http.js';
import { LocalRouters } from '../helpers/routers.js';
import { parseExposition } from '../helpers/exposition.js';
import { populatedRegistry } from '../helpers/populate.js';

const INSERTS = METRICS.inserts.name;
const routers = new LocalRouters();
const serve = routers.serve;
afterEach(async () => {
  await routers.closeAll();
});

describe('mapwatchRouter over a real socket', () => {
  it('serves the Prometheus text format by default', async () => {
    const { registry } = populatedRegistry();
    const url = await serve(mapwatchRouter({ registry }));
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const samples = parseExposition(await res.text());
    expect(samples.find((s) => s.name === METRICS.inserts.name && s.labels.map_name === 'users')?.value).toBe(
      6,
    );
  });

  it('negotiates OpenMetrics 1.0.0 and leaves the text format intact afterwards', async () => {
    const { registry } = populatedRegistry();
    const prom = new client.Registry();
    registerPromMetrics(prom, { registry });
    new client.Counter({ name: 'app_requests_total', help: 'Requests.', registers: [prom] }).inc(3);
    const url = await serve(mapwatchRouter({ promRegistry: prom }));

    const om = await fetch(`${url}/metrics`, {
      headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' },
    });
    expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const omText = await om.text();
    const family = INSERTS.replace(/_total$/, '');
    expect(omText.trimEnd().endsWith('# EOF')).toBe(true);
    expect(omText).toContain(`# TYPE ${family} counter`);
    expect(omText).toContain(`${INSERTS}{map_name="users"} 6`);
    expect(omText).toContain('# TYPE app_requests counter');
    expect(omText).toMatch(/^app_requests_total 3$/m);
    expect(omText).not.toContain('_total_total');

    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain(`# TYPE ${INSERTS} counter`);
    expect(text).toContain(`${INSERTS}{map_name="users"} 6`);
    expect(text).toMatch(/^app_requests_total 3$/m);
  });

  it('serves an OpenMetrics-native Registry as text with every counter name intact, default labels too', async () => {
    const { registry } = populatedRegistry();
    const OpenMetricsRegistry = client.Registry as unknown as new (type: string) => client.Registry;
    const prom = new OpenMetricsRegistry(client.Registry.OPENMETRICS_CONTENT_TYPE);
    prom.setDefaultLabels({ service: 'checkout' });
    registerPromMetrics(prom, { registry });
    new client.Counter({ name: 'app_requests_total', help: 'Requests.', registers: [prom] }).inc(2);
    const url = await serve(mapwatchRouter({ promRegistry: prom }));
    // An OpenMetrics scrape renames the registry's counter objects in place; text must not notice.
    const om = await (
      await fetch(`${url}/metrics`, { headers: { accept: 'application/openmetrics-text' } })
    ).text();
    expect(om).toContain(`${INSERTS}{map_name="users",service="checkout"} 6`);
    for (let i = 0; i < 2; i++) {
      const text = await (await fetch(`${url}/metrics`, { headers: { accept: 'text/plain' } })).text();
      expect(text).toContain(`# TYPE ${INSERTS} counter`);
      expect(text).toContain(`${INSERTS}{map_name="users",service="checkout"} 6`);
      expect(text).toMatch(/^app_requests_total\{service="checkout"\} 2$/m);
    }
  });

  it('reports fresh numbers on a second scrape within the same macrotask', async () => {
    const { registry } = populatedRegistry();
    const prom = new client.Registry();
    registerPromMetrics(prom, { registry });
    const map = new InstrumentedMap<number, number>({ name: 'fresh', registry });
    const inserts = async () =>
      parseExposition(await prom.metrics()).find((s) => s.name === INSERTS && s.labels.map_name === 'fresh')
        ?.value;
    map.set(1, 1);
    expect(await inserts()).toBe(1);
    map.set(2, 2).set(3, 3);
    expect(await inserts()).toBe(3);
  });

  it('serves the debug page at a trailing slash and under a mount path', async () => {
    const { registry } = populatedRegistry();
    const app = express();
    app.use('/ops', mapwatchRouter({ registry, debug: true }));
    const server = await listenLocal(app as never);
    routers.track(server);
    const page = await fetch(`${server.url}/ops/debug/maps/`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    // The page asks for its own path plus .json (test/browser/debug-maps.test.ts follows it in Chromium).
    const report = (await (await fetch(`${server.url}/ops/debug/maps.json`)).json()) as {
      maps: { name: string }[];
    };
    expect(report.maps.map((m) => m.name)).toContain('users');
  });

  it('answers HEAD with headers and no body', async () => {
    const { registry } = populatedRegistry();
    const url = await serve(mapwatchRouter({ registry }));
    const res = await fetch(`${url}/metrics`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toBe('');
  });

  it('honours a custom path and rejects a bad one', async () => {
    const { registry } = populatedRegistry();
    const url = await serve(mapwatchRouter({ registry, path: '/internal/metrics' }));
    expect((await fetch(`${url}/internal/metrics`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    expect(() => mapwatchRouter({ path: 'metrics' })).toThrow(/must start with '\/'/);
  });
});

describe('negotiateFormat', () => {
  it.each([
    [undefined, 'text/plain'],
    ['*/*', 'text/plain'],
    ['application/openmetrics-text', 'application/openmetrics-text'],
    ['text/plain;q=0.9, application/openmetrics-text;q=0.5', 'text/plain'],
    ['application/openmetrics-text;q=0', 'text/plain'],
    ['application/json', 'text/plain'],
    ['text/plain, application/openmetrics-text', 'application/openmetrics-text'],
    ['application/openmetrics-text;Q=0.9,text/plain;q=0.5', 'application/openmetrics-text'],
    // The most specific range decides: q=0 on text/plain refuses text even beside a wildcard.
    ['text/plain;q=0, */*', 'application/openmetrics-text'],
    ['text/plain;q=0, text/*', 'text/plain'], // nothing acceptable is offered: text, as without a header
    ['text/*;q=0, application/*;q=0', 'text/plain'],
    ['application/*', 'application/openmetrics-text'],
    ['application/*;q=0.5, text/plain;q=0.4', 'application/openmetrics-text'],
    ['application/*, application/openmetrics-text;q=0', 'text/plain'],
    ['text/plain;version=0.0.4;q=1,*/*;q=0.1', 'text/plain'],
    ['application/openmetrics-text;q=1.5', 'text/plain'],
    // What Prometheus 2.x sends by default.
    [
      'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
      'application/openmetrics-text',
    ],
  ])('%s -> %s', (accept, type) => {
    expect(negotiateFormat(accept)).toContain(type);
  });
});
