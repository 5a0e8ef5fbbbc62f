/**
 * /debug/maps in a real headless Chromium: maps are listed, values update live, each leak state
 * (collecting, ok, growing, leak) has its own badge with the detector's reason, declared bounds are
 * shown, and map names and reasons made of markup render as text. A screenshot is kept in test-results/.
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
const XSS_REASON = '<img src=y onerror="window.__pwned=2"> floor rose';

describe.skipIf(!chromiumPath)('/debug/maps in headless Chromium', () => {
  const registry = new MapRegistry();
  const users = new InstrumentedMap<string, number>({ name: 'users', registry });
  const leaky = new InstrumentedMap<string, number>({ name: 'leaky-cache', registry });
  const hostile = new InstrumentedMap<string, number>({ name: XSS_NAME, registry });
  const warming = new InstrumentedMap<string, number>({
    name: 'warming',
    registry,
    maxEntries: 10_000,
    ttlMs: 90 * 60_000,
  });
  let server: RunningServer;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    users.set('a', 1);
    users.get('a');
    users.get('b');
    hostile.set('k', 1);
    warming.set('w', 1);
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
    await expect.poll(() => page.locator('tbody tr').count(), { timeout: 10_000 }).toBe(4);
    // Before any verdict: every name reads "not analysed", never ok.
    expect(await rowFor('users').locator('.badge').textContent()).toBe('not analysed');

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
    registry.setLeakVerdict('users', {
      state: 'ok',
      suspect: false,
      growthPerSecond: 0,
      reason: 'flat for 6 h',
    });
    registry.setLeakVerdict('warming', {
      state: 'collecting',
      suspect: false,
      growthPerSecond: 0,
      reason: 'collecting: 12 min of the 2 h needed',
    });
    registry.setLeakVerdict(XSS_NAME, {
      state: 'growing',
      suspect: false,
      growthPerSecond: 3,
      reason: XSS_REASON,
    });
    await expect
      .poll(() => rowFor('leaky-cache').locator('td').nth(2).textContent(), { timeout: 10_000 })
      .toBe('1,500');
    await expect
      .poll(() => rowFor('leaky-cache').getAttribute('class'), { timeout: 10_000 })
      .toBe('state-leak');

    // Each state has its badge, its text and the detector's reason.
    const badge = (name: string) => rowFor(name).locator('.badge');
    const reason = (name: string) => rowFor(name).locator('td.reason').textContent();
    expect(await badge('leaky-cache').textContent()).toBe('leak');
    expect(await badge('onerror').textContent()).toBe('growing');
    expect(await badge('users').textContent()).toBe('ok');
    expect(await badge('warming').textContent()).toBe('collecting');
    expect(await reason('leaky-cache')).toBe('floor rose 1,500 entries in 6 s');
    expect(await reason('users')).toBe('flat for 6 h');
    expect(await reason('warming')).toBe('collecting: 12 min of the 2 h needed');
    expect(await rowFor('onerror').getAttribute('class')).toBe('state-growing');
    expect(await rowFor('users').getAttribute('class')).toBeNull();
    expect(await rowFor('warming').getAttribute('class')).toBeNull();
    expect(await rowFor('users').locator('td').nth(6).textContent()).toBe('50.0 %');

    // Four distinct looks, and collecting never looks like ok (no green, a dashed outline).
    const look = (name: string) =>
      badge(name).evaluate((el) => {
        // Runs in the page; the test's TypeScript has no DOM library, hence the local type.
        const view = globalThis as unknown as {
          getComputedStyle(e: unknown): { backgroundColor: string; color: string; borderStyle: string };
        };
        const cs = view.getComputedStyle(el);
        return { background: cs.backgroundColor, color: cs.color, border: cs.borderStyle };
      });
    const looks = {
      leak: await look('leaky-cache'),
      growing: await look('onerror'),
      ok: await look('users'),
      collecting: await look('warming'),
    };
    expect(new Set(Object.values(looks).map((l) => l.background)).size).toBe(4);
    expect(looks.collecting.color).not.toBe(looks.ok.color);
    expect(looks.collecting.border).toBe('dashed');
    const [r, g, b] = looks.collecting.background.match(/\d+/g)!.map(Number);
    expect(g! > r! + 10 && g! > b! + 10, `collecting background ${looks.collecting.background}`).toBe(false);

    // The declared bound, where every live instance declares one.
    expect(await rowFor('warming').locator('td.bound').textContent()).toBe('≤ 10,000 entries · TTL 1.5 h');
    expect(await rowFor('users').locator('td.bound').textContent()).toBe('–');

    // The hostile name and reason are text: no <img> element was created and no handler ran.
    expect(await rowFor('onerror').locator('td.name').textContent()).toBe(XSS_NAME);
    expect(await reason('onerror')).toBe(XSS_REASON);
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
    const report = JSON.parse(body) as {
      maps: Array<{
        name: string;
        entries: number;
        state: string | null;
        reason: string | null;
        declaredMaxEntries: number | null;
        declaredTtlSeconds: number | null;
      }>;
    };
    expect(report.maps.map((m) => m.name).sort()).toEqual(
      ['leaky-cache', 'users', 'warming', XSS_NAME].sort(),
    );
    const warm = report.maps.find((m) => m.name === 'warming')!;
    expect(warm).toMatchObject({ state: 'collecting', declaredMaxEntries: 10_000, declaredTtlSeconds: 5400 });
    expect(report.maps.find((m) => m.name === 'users')).toMatchObject({
      state: 'ok',
      declaredMaxEntries: null,
    });
    expect(body).not.toContain('"k1"');
    expect(body).not.toMatch(/"a"/);
  });
});
