import express from 'express';
import client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS } from '../../src/conventions.js';
import { mapwatchRouter, negotiateFormat } from '../../src/export/express.js';
import { registerPromMetrics } from '../../src/export/prometheus.js';
import { listenLocal, type RunningServer } from '../helpers/http.js';
import { parseExposition } from '../helpers/exposition.js';
import { populatedRegistry } from '../helpers/populate.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(router: express.Router): Promise<string> {
  const app = express();
  app.use(router);
  const server = await listenLocal(app as never);
  servers.push(server);
  return server.url;
}

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
    expect(omText.trimEnd().endsWith('# EOF')).toBe(true);
    expect(omText).toContain('# TYPE mapwatch_map_inserts counter');
    expect(omText).toContain('# TYPE app_requests counter');
    expect(omText).toMatch(/^app_requests_total 3$/m);
    expect(omText).not.toContain('_total_total');

    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('# TYPE mapwatch_map_inserts_total counter');
    expect(text).toMatch(/^app_requests_total 3$/m);
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
  ])('%s -> %s', (accept, type) => {
    expect(negotiateFormat(accept)).toContain(type);
  });
});
