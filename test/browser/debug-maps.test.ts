/**
 * /debug/maps in a real headless Chromium: maps are listed, values update live, the leaking map is
 * flagged, and a map name made of markup renders as text. A screenshot is kept in test-results/.
 */
import express from 'express';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapwatchRouter } from '../../src/export/express.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { MapRegistry } from '../../src/registry.js';
import { launchChromium } from '../helpers/browser.js';
import { listenLocal, type RunningServer } from '../helpers/http.js';
import { requireTool } from '../helpers/tools.js';

const chromiumPath = requireTool('chromium');
const XSS_NAME = '<img src=x onerror="window.__pwned=1">';

describe.skipIf(!chromiumPath)('/debug/maps in headless Chromium', () => {
  const registry = new MapRegistry();
  const users = new InstrumentedMap<string, number>({ name: 'users', registry });
  const leaky = new InstrumentedMap<string, number>({ name: 'leaky-cache', registry });
  const hostile = new InstrumentedMap<string, number>({ name: XSS_NAME, registry });
  let server: RunningServer;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    users.set('a', 1);
    users.get('a');
    users.get('b');
    hostile.set('k', 1);
    const app = express();
    app.use(mapwatchRouter({ registry, debug: { refreshMs: 200 } }));
    server = await listenLocal(app as never);
    chrome = await launchChromium(chromiumPath!);
  });

  afterAll(async () => {
    await chrome?.close();
    await server?.close();
  });

  it('lists maps, updates live, flags the leak and escapes names', async () => {
    const page = await chrome.browser.newPage({ viewport: { width: 1400, height: 500 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const res = await page.goto(`${server.url}/debug/maps`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'nonce-");

    const rowFor = (name: string) =>
      page.locator('tbody tr').filter({ has: page.locator('td.name', { hasText: name }) });
    await expect.poll(() => page.locator('tbody tr').count(), { timeout: 10_000 }).toBe(3);

    // Live: grow the leaky map and see the entries cell follow.
    for (let i = 0; i < 500; i++) leaky.set(`k${i}`, i);
    await expect
      .poll(() => rowFor('leaky-cache').locator('td').nth(2).textContent(), { timeout: 10_000 })
      .toBe('500');
    for (let i = 500; i < 1500; i++) leaky.set(`k${i}`, i);
    registry.setLeakVerdict('leaky-cache', {
      state: 'leak',
      suspect: true,
      growthPerSecond: 250,
      reason: 'floor rose 1,500 entries in 6 s',
    });
    registry.setLeakVerdict('users', { state: 'ok', suspect: false, growthPerSecond: 0 });
    await expect
      .poll(() => rowFor('leaky-cache').locator('td').nth(2).textContent(), { timeout: 10_000 })
      .toBe('1,500');
    await expect.poll(() => rowFor('leaky-cache').getAttribute('class'), { timeout: 10_000 }).toBe('suspect');
    expect(await rowFor('leaky-cache').locator('.badge').textContent()).toBe('leak suspect');
    expect(await rowFor('users').locator('.badge').textContent()).toBe('ok');
    expect(await rowFor('users').locator('td').nth(6).textContent()).toBe('50.0 %');

    // The hostile name is text: no <img> element was created and its handler never ran.
    expect(await rowFor('onerror').locator('td.name').textContent()).toBe(XSS_NAME);
    expect(await page.locator('tbody img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    // The sparkline has a point per refresh it has seen.
    await expect
      .poll(
        async () =>
          (await rowFor('leaky-cache').locator('polyline').getAttribute('points'))?.split(' ').length ?? 0,
      )
      .toBeGreaterThan(2);

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/debug-maps.png', fullPage: true });
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('serves JSON to API clients and never includes keys or values', async () => {
    const res = await fetch(`${server.url}/debug/maps`, { headers: { accept: 'application/json' } });
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = await res.text();
    const report = JSON.parse(body) as { maps: Array<{ name: string; entries: number }> };
    expect(report.maps.map((m) => m.name).sort()).toEqual(['leaky-cache', 'users', XSS_NAME].sort());
    expect(body).not.toContain('"k1"');
    expect(body).not.toMatch(/"a"/);
  });
});
