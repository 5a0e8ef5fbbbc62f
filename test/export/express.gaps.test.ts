/**
 * The express router's paths that a scraper or a browser depends on and no other test exercises (issue
 * #17, item 8): the 500 answer of a scrape that cannot be served at all, Accept negotiation by `q`,
 * the response headers of /metrics and /debug/maps, and the debug route's own options. Real express
 * servers on 127.0.0.1, closed after each test.
 */
import client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { mapwatchRouter, negotiateFormat, serialize } from '../../src/export/express.js';
import { registerPromMetrics } from '../../src/export/prometheus.js';
import { MapRegistry } from '../../src/registry.js';
import { LocalRouters } from '../helpers/routers.js';
import { populatedRegistry } from '../helpers/populate.js';

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

const routers = new LocalRouters();
const serve = routers.serve;
afterEach(async () => {
  await routers.closeAll();
});

describe('a scrape that cannot be served', () => {
  it('answers 500 with the reason as a comment, reports it, and the next good scrape is served', async () => {
    const { registry } = populatedRegistry();
    const prom = new client.Registry();
    registerPromMetrics(prom, { registry });
    const reported: Array<[string, string]> = [];
    const url = await serve(
      mapwatchRouter({
        promRegistry: prom,
        onError: (name, err) => reported.push([name, (err as Error).message]),
      }),
    );
    // A Registry broken as a whole (not one of its metrics): nothing can be served.
    const metrics = Object.getOwnPropertyDescriptor(prom, '_metrics')!;
    Object.defineProperty(prom, '_metrics', {
      configurable: true,
      get() {
        throw new Error('registry torn down');
      },
    });
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('# mapwatch: scrape failed: registry torn down\n');
    expect(reported).toEqual([['mapwatch scrape', 'registry torn down']]);

    Object.defineProperty(prom, '_metrics', metrics);
    const again = await fetch(`${url}/metrics`);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('mapwatch_map_inserts_total{map_name="users"} 6');
  });
});

describe('serialize()', () => {
  it('renders a Registry in the format asked for, with the collect timeout it is given', async () => {
    const { registry } = populatedRegistry();
    const prom = new client.Registry();
    registerPromMetrics(prom, { registry });
    const text = await serialize(prom, TEXT);
    expect(text).toContain('mapwatch_map_inserts_total{map_name="users"} 6');
    const om = await serialize(prom, OPENMETRICS, { timeoutMs: 5000 });
    expect(om.trimEnd().endsWith('# EOF')).toBe(true);
    await expect(serialize(prom, TEXT, { timeoutMs: 0 })).rejects.toThrow(
      /timeoutMs must be a positive number/,
    );
  });
});

describe('the /metrics response', () => {
  it('is never cached and varies by Accept', async () => {
    const { registry } = populatedRegistry();
    const url = await serve(mapwatchRouter({ registry }));
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('vary')).toMatch(/\bAccept\b/i);
  });

  it('follows the Accept header of the request', async () => {
    const { registry } = populatedRegistry();
    const url = await serve(mapwatchRouter({ registry }));
    const typeFor = async (accept: string) =>
      (await fetch(`${url}/metrics`, { headers: { accept } })).headers.get('content-type');
    expect(await typeFor('text/plain;q=0.2, application/openmetrics-text; q=0.5')).toBe(OPENMETRICS);
    expect(await typeFor('application/openmetrics-text; q=0.5, text/plain')).toBe(TEXT);
  });
});

describe('negotiateFormat by q', () => {
  it.each([
    // A later entry with a higher q wins, whichever comes first.
    ['text/plain;q=0.3, application/openmetrics-text;q=0.8', OPENMETRICS],
    ['application/openmetrics-text;q=0.3, text/plain;q=0.8', TEXT],
    ['application/openmetrics-text;q=0.2, text/plain;q=0.1, application/openmetrics-text;q=0.9', OPENMETRICS],
    ['text/plain;q=0.2, application/openmetrics-text;q=0.1, text/*;q=0.9', TEXT],
    // Spaces around parameters, as browsers and curl send them.
    ['application/openmetrics-text; q=0.5, text/plain; q=0.4', OPENMETRICS],
    ['application/openmetrics-text; q=0.5, text/plain', TEXT],
    ['application/openmetrics-text ; version=1.0.0 ; q=0.5 , text/plain ; q=0.6', TEXT],
    ['application/openmetrics-text ; q=0.9, text/plain ; q=0.5', OPENMETRICS],
    // Wildcards stand for text: they win over OpenMetrics with a higher q.
    ['application/openmetrics-text;q=0.5, text/*;q=0.9', TEXT],
    ['application/openmetrics-text;q=0.5, */*;q=0.9', TEXT],
    ['text/*;q=0.5, application/openmetrics-text;q=0.9', OPENMETRICS],
    // Case does not matter in media types or parameter names.
    ['Application/OpenMetrics-Text; Q=0.9, text/plain; q=0.1', OPENMETRICS],
    // A tie goes to OpenMetrics, whichever comes first.
    ['application/openmetrics-text;q=0.5, text/plain;q=0.5', OPENMETRICS],
    ['text/plain;q=0.5, application/openmetrics-text;q=0.5', OPENMETRICS],
    // Unknown types, q=0 and unreadable q values are ignored, not taken as a preference.
    ['application/json, application/openmetrics-text;q=0.1', OPENMETRICS],
    ['application/openmetrics-text;q=0, text/plain;q=0.1', TEXT],
    ['application/openmetrics-text;q=-1', TEXT],
    ['application/openmetrics-text;q=abc, text/plain;q=0.1', TEXT],
    ['application/openmetrics-text;version=1.0.0', OPENMETRICS],
    ['', TEXT],
  ])('%j -> %s', (accept, type) => {
    expect(negotiateFormat(accept)).toBe(type);
  });
});

describe('the /debug/maps route', () => {
  it('answers a registry that cannot be read with a JSON 500, reported through onError, no stack trace', async () => {
    // collect() refuses a clock that returns NaN (a registry that cannot be read); /metrics survives it.
    const registry = new MapRegistry({ now: () => NaN });
    const seen: string[] = [];
    const url = await serve(
      mapwatchRouter({ registry, debug: true, onError: (metric) => void seen.push(metric) }),
    );
    for (const [path, accept] of [
      ['/debug/maps.json', 'application/json'],
      ['/debug/maps', 'application/json'],
    ] as const) {
      const res = await fetch(`${url}${path}`, { headers: { accept } });
      expect(res.status, path).toBe(500);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      const body = (await res.json()) as { error: string };
      expect(body.error, path).toMatch(/clock/);
      expect(body.error, path).not.toMatch(/\n\s+at /);
    }
    expect(seen).toEqual(['mapwatch debug page', 'mapwatch debug page']);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });

  it('serves page and JSON at debug.path, not at the default, with no-store and nosniff', async () => {
    const { registry } = populatedRegistry();
    const url = await serve(mapwatchRouter({ registry, debug: { path: '/ops/maps', refreshMs: 750 } }));
    expect((await fetch(`${url}/debug/maps`)).status).toBe(404);
    expect((await fetch(`${url}/debug/maps.json`)).status).toBe(404);

    const page = await fetch(`${url}/ops/maps`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('vary')).toMatch(/\bAccept\b/i); // HTML or JSON by Accept: caches must key on it
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('content-security-policy')).toBeTruthy();
    const html = await page.text();
    expect(html).toContain('<title>mapwatch: maps</title>');
    expect(/const REFRESH_MS = (\d+);/.exec(html)?.[1]).toBe('750');

    for (const [path, accept] of [
      ['/ops/maps.json', 'text/html'],
      ['/ops/maps', 'application/json'],
      // A client that prefers JSON gets JSON, even if it would take HTML.
      ['/ops/maps', 'application/json, text/html;q=0.5'],
    ] as const) {
      const res = await fetch(`${url}${path}`, { headers: { accept } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      const report = (await res.json()) as { maps: { name: string }[] };
      expect(report.maps.map((m) => m.name)).toContain('users');
    }
  });

  it('refreshes every 2 s by default and is not mounted unless asked for', async () => {
    const { registry } = populatedRegistry();
    const on = await serve(mapwatchRouter({ registry, debug: true }));
    const html = await (await fetch(`${on}/debug/maps`, { headers: { accept: 'text/html' } })).text();
    expect(/const REFRESH_MS = (\d+);/.exec(html)?.[1]).toBe('2000');
    const off = await serve(mapwatchRouter({ registry }));
    expect((await fetch(`${off}/debug/maps`)).status).toBe(404);
    expect((await fetch(`${off}/debug/maps.json`)).status).toBe(404);
  });

  it('refuses a debug.path without a leading slash and a refreshMs under 100 ms or over 2^31 - 1', () => {
    const { registry } = populatedRegistry();
    expect(() => mapwatchRouter({ registry, debug: { path: 'debug' } })).toThrow(
      `mapwatch: debug.path must start with '/', got "debug"`,
    );
    expect(() => mapwatchRouter({ registry, debug: { path: 42 as never } })).toThrow(
      `mapwatch: debug.path must start with '/', got "42"`,
    );
    // Over 2^31 - 1 ms the page's setTimeout would fire at once: the page would poll without pause.
    for (const refreshMs of [99, 0, -1, Number.NaN, Infinity, 2 ** 31]) {
      expect(() => mapwatchRouter({ registry, debug: { refreshMs } }), String(refreshMs)).toThrow(
        `mapwatch: debug.refreshMs must be a number of ms from 100 to 2147483647, got ${String(refreshMs)}`,
      );
    }
    expect(() => mapwatchRouter({ registry, debug: { refreshMs: 100 } })).not.toThrow();
    expect(() => mapwatchRouter({ registry, debug: { refreshMs: 2 ** 31 - 1 } })).not.toThrow();
    expect(() => mapwatchRouter({ registry, debug: 'on' as never })).toThrow(
      /^mapwatch: debug must be true or an object/,
    );
  });
});

describe('mapwatchRouter options', () => {
  it('refuses what is not an options object, a promRegistry that is not one, and a bad timeout', () => {
    for (const bad of [null, 'debug', 42]) {
      expect(() => mapwatchRouter(bad as never)).toThrow(
        'mapwatch: mapwatchRouter(options) takes an options object, e.g. { debug: true }',
      );
    }
    for (const promRegistry of [{}, { getMetricsAsArray() {} }, { registerMetric() {} }]) {
      expect(() => mapwatchRouter({ promRegistry: promRegistry as never })).toThrow(
        'mapwatch: mapwatchRouter promRegistry must be a prom-client Registry',
      );
    }
    for (const collectTimeoutMs of [0, -5, Number.NaN, '100' as never]) {
      expect(() => mapwatchRouter({ collectTimeoutMs }), String(collectTimeoutMs)).toThrow(
        `mapwatch: collectTimeoutMs must be a positive number of ms, got ${String(collectTimeoutMs)}`,
      );
    }
    expect(() => mapwatchRouter({ path: 42 as never })).toThrow(
      `mapwatch: path must start with '/', got "42"`,
    );
  });
});
