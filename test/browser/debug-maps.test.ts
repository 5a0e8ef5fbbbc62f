/**
 * /debug/maps in a real headless Chromium: maps are listed, values update live, each leak state
 * (collecting, ok, growing, leak) has its own badge with the detector's reason, declared bounds are
 * shown, and map names and reasons made of markup render as text. On a page that fetches once, the
 * trend (the server's history), each lock verdict (ok, waits, storm, stuck) and names wrapped only
 * between words are there on first load. Screenshots are kept in test-results/.
 */
import express from 'express';
import { setMaxListeners } from 'node:events';
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapwatchRouter } from '../../src/export/express.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { MapRegistry } from '../../src/registry.js';
import { RWLock, type Release } from '../../src/sync/rwlock.js';
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
    app.use(mapwatchRouter({ registry, debug: { refreshMs: 200, history: { intervalMs: 100 } } }));
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
    // No lock under these names: no lock verdict.
    expect(await rowFor('users').locator('td.lock').textContent()).toBe('–');

    // Four distinct looks, and collecting never looks like ok (no green, a dashed outline).
    // Read in one synchronous pass over the (never replaced) tbody: the rows are redrawn every 200 ms,
    // and a badge detached between two reads has no computed style.
    type Look = { background: string; color: string; border: string };
    const byState = await page.locator('tbody').evaluate((tbody) => {
      // Runs in the page; the test's TypeScript has no DOM library, hence the local types.
      type El = { className: string };
      const view = globalThis as unknown as {
        getComputedStyle(e: El): { backgroundColor: string; color: string; borderStyle: string };
      };
      const found = (tbody as unknown as { querySelectorAll(s: string): El[] }).querySelectorAll(
        '.badge[class*="state-"]',
      );
      const out: Record<string, Look> = {};
      for (const el of found) {
        const cs = view.getComputedStyle(el);
        out[el.className.replace('badge state-', '')] = {
          background: cs.backgroundColor,
          color: cs.color,
          border: cs.borderStyle,
        };
      }
      return out;
    });
    expect(Object.keys(byState).sort()).toEqual(['collecting', 'growing', 'leak', 'ok']);
    const looks = byState as Record<'leak' | 'growing' | 'ok' | 'collecting', Look>;
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
    // The sparkline has a point per server-side sample.
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

  it('loads its rows behind a proxy that strips a path prefix, under a mount path, at a trailing slash', async () => {
    // As kubectl proxy or an ingress rewrite of /svc/(.*) to /$1: the browser sees /svc/..., the router
    // does not. A JSON URL built by the server from the request's path pointed at the proxy's root (404).
    const mounted = express();
    mounted.use('/ops', mapwatchRouter({ registry, debug: { refreshMs: 200 } }));
    const upstream = await listenLocal(mounted as never);
    const proxy = await listenLocal((req, res) => {
      if (!req.url?.startsWith('/svc/')) {
        res.writeHead(404).end();
        return;
      }
      const forward = request(
        `${upstream.url}${req.url.slice('/svc'.length)}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.writeHead(502).end());
      req.pipe(forward);
    });
    try {
      const page = await chrome.browser.newPage();
      const jsonPaths: string[] = [];
      page.on('request', (r) => {
        if (r.url().endsWith('.json')) jsonPaths.push(new URL(r.url()).pathname);
      });
      const res = await page.goto(`${proxy.url}/svc/ops/debug/maps/`);
      expect(res?.status()).toBe(200);
      await expect
        .poll(() => page.locator('td.name', { hasText: 'users' }).count(), { timeout: 10_000 })
        .toBe(1);
      expect(jsonPaths[0]).toBe('/svc/ops/debug/maps.json');
      expect(await page.locator('#status').getAttribute('class')).not.toBe('error');
      await page.close();
    } finally {
      await proxy.close();
      await upstream.close();
    }
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

// Separators after which a name may wrap, or a lower-case letter or digit followed by an upper-case one.
const LONG_NAME = 'checkout-api.sessionsByTenant.recently_evicted:entries/v2';
const SEPARATORS = '.-_:/@#';

describe.skipIf(!chromiumPath)('/debug/maps on first load: trend, lock verdicts, whole words', () => {
  const registry = new MapRegistry();
  const orders = new InstrumentedMap<string, number>({ name: 'orders', registry });
  const longName = new InstrumentedMap<string, number>({ name: LONG_NAME, registry });
  // A TTL under a second is shown in ms (it read "TTL 0 s").
  const accounts = new InstrumentedMap<string, number>({ name: 'accounts', registry, ttlMs: 20 });
  const warming = new InstrumentedMap<string, number>({ name: 'warming', registry });
  // ledger: 387 tasks queue behind writers that each hold it 100 ms (a storm, granted every 100 ms).
  const ledger = new RWLock({ name: 'ledger', registry });
  // journal: held and never released while 3 tasks wait (stuck).
  const journal = new RWLock({ name: 'journal', registry });
  // inbox: 2 tasks waited a moment and were granted (waits); settings: never contended (ok).
  const inbox = new RWLock({ name: 'inbox', registry });
  const settings = new RWLock({ name: 'settings', registry });
  const abort = new AbortController();
  const pending: Promise<unknown>[] = [];
  let journalRelease: Release | undefined;
  let server: RunningServer;
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let jsonRequests = 0;

  interface Row {
    name: string;
    trend: number[];
    lock: { state: string; reason: string } | null;
  }
  const report = async (): Promise<Row[]> =>
    ((await (await fetch(`${server.url}/debug/maps.json`)).json()) as { maps: Row[] }).maps;
  const row = async (name: string): Promise<Row | undefined> => (await report()).find((r) => r.name === name);

  beforeAll(async () => {
    longName.set('k', 1);
    accounts.set('a', 1);
    warming.set('w', 1);
    // The four leak states, set before the page is opened.
    const verdict = (state: 'collecting' | 'ok' | 'growing' | 'leak', reason: string) => ({
      state,
      suspect: state === 'leak',
      growthPerSecond: 0,
      reason,
    });
    // A slow confirmed leak (12 entries an hour) shows its rate, not a rounded 0.
    registry.setLeakVerdict('orders', {
      ...verdict('leak', 'floor rose 800 entries'),
      growthPerSecond: 12 / 3600,
    });
    registry.setLeakVerdict(LONG_NAME, verdict('growing', 'rising, unconfirmed'));
    registry.setLeakVerdict('accounts', verdict('ok', 'flat'));
    registry.setLeakVerdict('warming', verdict('collecting', 'collecting: 1 min of the 2 h needed'));
    const app = express();
    app.use((req, _res, next) => {
      if (req.path === '/debug/maps.json') jsonRequests++;
      next();
    });
    // One fetch per page load (refreshMs of a minute): what the page shows comes from the server alone.
    // The stuck window is 1 s here (5 min in the shipped alert), the rate window 60 s.
    app.use(
      mapwatchRouter({
        registry,
        debug: {
          refreshMs: 60_000,
          history: { intervalMs: 100, length: 100 },
          lock: { stuckSeconds: 1, windowSeconds: 60 },
        },
      }),
    );
    server = await listenLocal(app as never);
    chrome = await launchChromium(chromiumPath!);

    const { signal } = abort;
    setMaxListeners(500, signal); // one abort listener per waiter
    const swallow = (p: Promise<unknown>): void => void pending.push(p.catch(() => undefined));
    for (let i = 0; i < 387; i++) swallow(ledger.withWrite(() => sleep(100), { signal }));
    journalRelease = await journal.acquireWrite();
    for (let i = 0; i < 3; i++) swallow(journal.acquireWrite({ signal }).then((release) => release()));
    const inboxRelease = await inbox.acquireWrite();
    const granted = [inbox.withWrite(() => undefined), inbox.withWrite(() => undefined)];
    inboxRelease();
    await Promise.all(granted);
    await settings.withRead(() => undefined);
    await settings.withWrite(() => undefined);
    // orders grows by 100 entries between samples, eight times.
    for (let step = 0; step < 8; step++) {
      for (let i = 0; i < 100; i++) orders.set(`o${step * 100 + i}`, i);
      await sleep(150);
    }
  });

  afterAll(async () => {
    abort.abort();
    journalRelease?.();
    await Promise.all(pending);
    await chrome?.close();
    await server?.close();
  });

  it('shows the four leak states, the trend, the four lock verdicts and whole words with a single fetch', async () => {
    const page = await chrome.browser.newPage({ viewport: { width: 700, height: 700 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // Wait (bounded) until the journal has waited past the 1 s stuck window.
    await expect.poll(async () => (await row('journal'))?.lock?.state, { timeout: 10_000 }).toBe('stuck');
    const before = jsonRequests;
    await page.goto(`${server.url}/debug/maps`);
    const rowFor = (name: string) =>
      page.locator(`tbody tr`).filter({ has: page.locator('td.name', { hasText: name }) });
    await expect.poll(() => page.locator('tbody tr').count(), { timeout: 10_000 }).toBe(8);
    expect(jsonRequests - before).toBe(1);

    // The four leak states.
    const leakBadge = (name: string) => rowFor(name).locator('.badge[class*="state-"]').textContent();
    expect(await leakBadge('orders')).toBe('leak');
    expect(await leakBadge('sessionsBy')).toBe('growing');
    expect(await leakBadge('accounts')).toBe('ok');
    expect(await leakBadge('warming')).toBe('collecting');
    expect(await rowFor('orders').getAttribute('class')).toBe('state-leak');
    expect(await rowFor('orders').locator('td').nth(5).textContent()).toBe('0.0033');
    expect(await rowFor('accounts').locator('td.bound').textContent()).toBe('TTL 20 ms');

    // The trend: the server's samples of orders, rising from 0 (or the first hundreds) to 800.
    const points = ((await rowFor('orders').locator('polyline').getAttribute('points')) ?? '')
      .split(' ')
      .map((p) => Number(p.split(',')[1]));
    expect(points.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < points.length; i++) expect(points[i]!).toBeLessThanOrEqual(points[i - 1]!); // y grows downwards
    expect(points[points.length - 1]!).toBeLessThan(points[0]!);
    expect(await rowFor('orders').locator('td.trend .why').textContent()).toMatch(/^\+[1-8]00 in \d/);
    expect(await rowFor('orders').locator('svg').getAttribute('aria-label')).toMatch(/, 800$/);

    // The lock verdicts, with their reasons.
    const lockBadge = (name: string) => rowFor(name).locator('td.lock .badge').textContent();
    const lockWhy = (name: string) => rowFor(name).locator('td.lock .why').textContent();
    expect(await lockBadge('ledger')).toBe('storm');
    expect(await lockWhy('ledger')).toMatch(/^\d{2,3} tasks waiting now \(a storm from 10\)$/);
    expect(await lockBadge('journal')).toBe('stuck');
    expect(await lockWhy('journal')).toMatch(
      /^3 tasks waiting, and the lock was not granted once in [\d.]+\ss/,
    );
    expect(await lockBadge('inbox')).toBe('waits');
    expect(await lockWhy('inbox')).toMatch(/^2 contended in [\d.]+\ss/);
    expect(await lockBadge('settings')).toBe('ok');
    expect(await lockWhy('settings')).toMatch(/^no task waited in [\d.]+\ss$/);
    expect(await rowFor('orders').locator('td.lock').textContent()).toBe('–');
    // Four distinct looks.
    const backgrounds = await page
      .locator('td.lock .badge')
      .evaluateAll((els) =>
        els.map(
          (el) =>
            (
              globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
            ).getComputedStyle(el).backgroundColor,
        ),
      );
    expect(new Set(backgrounds).size).toBe(4);

    // The long name wraps (the column is narrow), and only after a separator or inside camelCase.
    const cellName = JSON.stringify(LONG_NAME);
    const lines = await page.evaluate<{ c: string; top: number }[]>(`(() => {
      const tr = [...document.querySelectorAll('tbody tr')].find((r) => r.dataset.name === ${cellName});
      const td = tr.querySelector('td.name');
      const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
      const chars = [];
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        for (let i = 0; i < n.data.length; i++) {
          const range = document.createRange();
          range.setStart(n, i);
          range.setEnd(n, i + 1);
          chars.push({ c: n.data[i], top: range.getBoundingClientRect().top });
        }
      }
      return chars;
    })()`);
    expect(lines.map((l) => l.c).join('')).toBe(LONG_NAME);
    const breaks: string[] = [];
    for (let i = 1; i < lines.length; i++) {
      if (lines[i]!.top > lines[i - 1]!.top + 2)
        breaks.push(LONG_NAME.slice(0, i) + '|' + LONG_NAME.slice(i));
    }
    expect(breaks.length, 'the name wraps in a narrow column').toBeGreaterThan(0);
    for (const at of breaks) {
      const [head, tail] = at.split('|') as [string, string];
      const before = head.at(-1)!;
      const after = tail[0]!;
      expect(SEPARATORS.includes(before) || (/[a-z0-9]/.test(before) && /[A-Z]/.test(after)), at).toBe(true);
    }
    expect(await rowFor('sessionsBy').locator('td.name').textContent()).toBe(LONG_NAME);

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/debug-maps-first-load.png', fullPage: true });
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
