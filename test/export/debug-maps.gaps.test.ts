/**
 * What /debug/maps promises and only the browser suite (which mutation runs leave out) looked at (issue
 * #17): each row's numbers as the registry counts them (lookups, the miss ratio, deletes over every
 * cause, kinds, the leak reason and the declared bounds, null where there is none), the rows' order, the
 * page's Content-Security-Policy word for word with a fresh random nonce per response, and a JSON URL
 * that cannot close the page's script. Real registries and a real express server on 127.0.0.1.
 */
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { debugMapsPage, debugMapsReport, debugPageCsp, newNonce } from '../../src/export/debug-maps.js';
import { mapwatchRouter } from '../../src/export/express.js';
import { MapRegistry } from '../../src/registry.js';
import { listenLocal, type RunningServer } from '../helpers/http.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A registry and an array to pin its stand-in maps (`{ size }`), which it holds only weakly. */
function registryOf(): { registry: MapRegistry; keep: unknown[] } {
  return { registry: new MapRegistry(), keep: [] };
}

describe('a /debug/maps row', () => {
  it('reports lookups, the miss ratio and deletes of every cause as the registry counts them', () => {
    const { registry, keep } = registryOf();
    const cache = { size: 4 };
    keep.push(cache);
    const s = registry.trackMap(cache, 'cache', 'loading');
    s.hits = 3;
    s.misses = 1;
    s.inserts = 20;
    s.deletesExplicit = 1;
    s.deletesClear = 2;
    s.deletesEvict = 4;
    s.deletesExpire = 8;
    const cold = { size: 0 };
    keep.push(cold);
    const c = registry.trackMap(cold, 'cold', 'plain');
    c.misses = 2;

    const rows = debugMapsReport(registry, { now: () => 0 }).maps;
    const cacheRow = rows.find((r) => r.name === 'cache')!;
    expect(cacheRow).toMatchObject({
      kinds: ['loading'],
      entries: 4,
      inserts: 20,
      // one explicit delete, two cleared, four evicted, eight expired
      deletes: 15,
      hits: 3,
      misses: 1,
      // one miss in four lookups: the page shows 25.0 %
      missRatio: 0.25,
    });
    // Only misses: every lookup missed.
    expect(rows.find((r) => r.name === 'cold')!.missRatio).toBe(1);
  });

  it('has no miss ratio (null, not NaN) for a map never read; half the lookups missing is 50 %', () => {
    const { registry, keep } = registryOf();
    const unread = { size: 2 };
    const even = { size: 1 };
    keep.push(unread, even);
    registry.trackMap(unread, 'unread', 'plain').inserts = 2;
    const e = registry.trackMap(even, 'even', 'plain');
    e.hits = 5;
    e.misses = 5;
    const rows = debugMapsReport(registry, { now: () => 0 }).maps;
    expect(rows.find((r) => r.name === 'unread')!.missRatio).toBeNull();
    expect(rows.find((r) => r.name === 'even')!.missRatio).toBe(0.5);
  });

  it('lists every kind registered under the name', () => {
    const { registry, keep } = registryOf();
    const a = { size: 1 };
    const b = { size: 1 };
    keep.push(a, b);
    registry.trackMap(a, 'shared', 'sharded');
    registry.trackMap(b, 'shared', 'lru_cache');
    const row = debugMapsReport(registry, { now: () => 0 }).maps[0]!;
    expect([...row.kinds].sort()).toEqual(['lru_cache', 'sharded']);
    expect(row.instances).toBe(2);
  });

  it('carries the detector’s reason and the declared bounds, and null where there is none', () => {
    const { registry, keep } = registryOf();
    const bounded = { size: 3 };
    const open = { size: 2 };
    keep.push(bounded, open);
    registry.trackMap(bounded, 'bounded', 'plain', { maxEntries: 500, ttlMs: 90_000 });
    registry.trackMap(open, 'open', 'plain');
    const reason = 'entry floor rose by 40 in 10 min with no bound';
    registry.setLeakVerdict('bounded', { state: 'growing', suspect: false, growthPerSecond: 0.07, reason });
    registry.setLeakVerdict('open', { state: 'ok', suspect: false, growthPerSecond: 0 });

    const report = debugMapsReport(registry, { now: () => 0 });
    const row = (name: string) => report.maps.find((r) => r.name === name)!;
    expect(row('bounded')).toMatchObject({
      state: 'growing',
      leakSuspect: false,
      growthPerSecond: 0.07,
      reason,
      declaredMaxEntries: 500,
      declaredTtlSeconds: 90,
    });
    // null, not undefined: the JSON keeps every field, and the page shows "–".
    expect(row('open').reason).toBeNull();
    expect(row('open').declaredMaxEntries).toBeNull();
    expect(row('open').declaredTtlSeconds).toBeNull();
    const json = JSON.parse(JSON.stringify(report)) as { maps: Record<string, unknown>[] };
    expect(json.maps.find((r) => r.name === 'open')).toMatchObject({
      reason: null,
      declaredMaxEntries: null,
      declaredTtlSeconds: null,
    });
  });

  it('lists the biggest maps first, names in alphabetical order among equals', () => {
    const { registry, keep } = registryOf();
    // Registered in neither order.
    for (const [name, size] of [
      ['beta', 5],
      ['delta', 0],
      ['alpha', 5],
      ['gamma', 9],
      ['epsilon', 1],
    ] as const) {
      const m = { size };
      keep.push(m);
      registry.trackMap(m, name, 'plain');
    }
    const report = debugMapsReport(registry, { now: () => 0 });
    expect(report.maps.map((r) => [r.name, r.entries])).toEqual([
      ['gamma', 9],
      ['alpha', 5],
      ['beta', 5],
      ['epsilon', 1],
      ['delta', 0],
    ]);
  });
});

describe("the page's Content-Security-Policy", () => {
  async function serve(): Promise<string> {
    const app = express();
    app.use(mapwatchRouter({ registry: new MapRegistry(), debug: { history: false } }));
    const server = await listenLocal(app as never);
    servers.push(server);
    return server.url;
  }

  it('allows only the nonce’d script and style, fetches to its own origin, and nothing else', async () => {
    const url = await serve();
    const res = await fetch(`${url}/debug/maps`, { headers: { accept: 'text/html' } });
    const csp = res.headers.get('content-security-policy')!;
    const html = await res.text();
    const nonce = /<script nonce="([^"]+)">/.exec(html)?.[1];
    expect(nonce).toBeDefined();
    expect(html).toContain(`<style nonce="${nonce}">`);
    expect(csp).toBe(
      [
        "default-src 'none'",
        `script-src 'nonce-${nonce}'`,
        `style-src 'nonce-${nonce}'`,
        "connect-src 'self'",
        "img-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join('; '),
    );
    expect(debugPageCsp(nonce!)).toBe(csp);
  });

  it('uses a fresh unguessable nonce for every response: 16 random bytes', async () => {
    const url = await serve();
    const nonces = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url}/debug/maps`, { headers: { accept: 'text/html' } });
      const nonce = /script-src 'nonce-([^']+)'/.exec(res.headers.get('content-security-policy')!)?.[1];
      expect(nonce).toBeDefined();
      expect(await res.text()).toContain(`<script nonce="${nonce}">`);
      nonces.add(nonce!);
    }
    expect(nonces.size).toBe(3);
    for (const nonce of [...nonces, newNonce()]) {
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(nonce, 'base64')).toHaveLength(16);
    }
  });
});

describe('the JSON URL in the page', () => {
  it('is read in the browser from where the page was loaded: nothing of the request reaches the page', () => {
    // Two pages differ only by their nonce; the path of the JSON is the page's own, plus .json.
    const a = debugMapsPage('nonceA', 750);
    expect(debugMapsPage('nonceB', 750).replaceAll('nonceB', 'nonceA')).toBe(a);
    expect(a.match(/<script/g)).toHaveLength(1);
    expect(a).toMatch(/const JSON_URL = location\.pathname\.replace\(.+\) \+ '\.json';/);
  });
});
