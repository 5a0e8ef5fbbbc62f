/**
 * The `/debug/maps` view: every map name with its entries, instances, growth, miss ratio, lock waiters,
 * declared bounds and the leak detector's state and reason, as JSON and as a live HTML page.
 *
 * Only aggregate numbers and map names leave the process: never keys or values. Names are user text,
 * so the page renders them with `textContent` only, and a nonce-based Content-Security-Policy forbids
 * any script or handler the page did not ship itself.
 */
import { randomBytes } from 'node:crypto';
import { DELETE_CAUSES, type LeakState } from '../conventions.js';
import type { MapRegistry, NameSnapshot } from '../registry.js';
import { DELETE_FIELD } from './samples.js';

export interface DebugMapRow {
  name: string;
  kinds: string[];
  entries: number;
  instances: number;
  inserts: number;
  deletes: number;
  hits: number;
  misses: number;
  /** misses / (hits + misses) since start, or null without lookups. */
  missRatio: number | null;
  lockWaiters: number | null;
  /** The leak detector's state, or null when the name has not been analysed. */
  state: LeakState | null;
  /** True in the `leak` state only (null when not analysed). */
  leakSuspect: boolean | null;
  growthPerSecond: number | null;
  reason: string | null;
  /** Declared bound over the live instances (sum of maxEntries), or null when not every one declares it. */
  declaredMaxEntries: number | null;
  /** Declared TTL in seconds (the longest over the live instances), or null. */
  declaredTtlSeconds: number | null;
  /** Age of the oldest sampled entry, in seconds, or null without survival sampling. */
  oldestSampledAgeSeconds: number | null;
}

export interface DebugMapsReport {
  generatedAt: string;
  trackedNames: number;
  overflow: number;
  maps: DebugMapRow[];
}

function rowOf(n: NameSnapshot): DebugMapRow {
  const m = n.map;
  const lookups = m.hits + m.misses;
  let entries = 0;
  for (const v of n.entriesByKind.values()) entries += v;
  return {
    name: n.name,
    kinds: [...n.kinds],
    entries,
    instances: n.instances,
    inserts: m.inserts,
    deletes: DELETE_CAUSES.reduce((sum, cause) => sum + m[DELETE_FIELD[cause]], 0),
    hits: m.hits,
    misses: m.misses,
    missRatio: lookups === 0 ? null : m.misses / lookups,
    lockWaiters: n.lock ? n.lock.waiters : null,
    state: n.leak ? n.leak.state : null,
    leakSuspect: n.leak ? n.leak.suspect : null,
    growthPerSecond: n.leak ? n.leak.growthPerSecond : null,
    reason: n.leak?.reason ?? null,
    declaredMaxEntries: n.declaredMaxEntries ?? null,
    declaredTtlSeconds: n.declaredTtlSeconds ?? null,
    oldestSampledAgeSeconds: n.survival ? n.survival.oldestAgeSeconds : null,
  };
}

export function debugMapsReport(registry: MapRegistry): DebugMapsReport {
  const snap = registry.collect();
  return {
    generatedAt: new Date().toISOString(),
    trackedNames: snap.trackedNames,
    overflow: snap.overflow,
    maps: snap.names.map(rowOf).sort((a, b) => b.entries - a.entries || a.name.localeCompare(b.name)),
  };
}

/** A fresh nonce per response, for the page's one inline script and style. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function debugPageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The HTML page. It polls `jsonUrl` every `refreshMs` and keeps the last 60 entry counts of each map in
 * memory for its sparkline, so the server stays stateless.
 */
export function debugMapsPage(jsonUrl: string, nonce: string, refreshMs = 2000): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mapwatch: maps</title>
<style nonce="${nonce}">
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #fafbfc; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  .meta { color: #5b6475; margin-bottom: 1rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { padding: .45rem .6rem; border-bottom: 1px solid #e3e6ec; text-align: right; white-space: nowrap; }
  th { background: #f0f2f6; font-weight: 600; position: sticky; top: 0; }
  td.name, th.name { text-align: left; white-space: normal; word-break: break-all; max-width: 28rem; }
  td.reason { text-align: left; white-space: normal; color: #5b6475; max-width: 24rem; }
  tr.state-leak { background: #fff1f0; }
  tr.state-growing { background: #fff8e6; }
  .badge { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .8rem; border: 1px solid transparent; }
  /* collecting is "no evidence yet": neutral and dashed, never the green of ok */
  .badge.state-collecting { background: #f1f3f9; color: #3c4a6b; border: 1px dashed #8a94ad; }
  .badge.state-ok { background: #e6f4ea; color: #137333; }
  .badge.state-growing { background: #fdd663; color: #5c3d00; }
  .badge.state-leak { background: #d93025; color: #fff; }
  .badge.state-none { background: #eceff3; color: #5b6475; }
  td.bound { color: #3c4a6b; }
  svg.spark { width: 120px; height: 24px; vertical-align: middle; }
  svg.spark polyline { fill: none; stroke: #3367d6; stroke-width: 1.5; }
  tr.state-growing svg.spark polyline { stroke: #b06000; }
  tr.state-leak svg.spark polyline { stroke: #d93025; }
  .error { color: #d93025; }
</style>
</head>
<body>
<h1>mapwatch: maps</h1>
<div class="meta"><span id="status">loading…</span></div>
<table>
  <thead><tr>
    <th class="name">map</th><th>kind</th><th>entries</th><th>trend</th><th>instances</th><th>growth/s</th>
    <th>miss ratio</th><th>lock waiters</th><th>declared bound</th><th>leak state</th><th class="name">reason</th>
  </tr></thead>
  <tbody id="rows"></tbody>
</table>
<script nonce="${nonce}">
(() => {
  const JSON_URL = ${JSON.stringify(jsonUrl).replace(/</g, '\\u003c')};
  const REFRESH_MS = ${Number(refreshMs)};
  const HISTORY = 60;
  const history = new Map();
  const SVG = 'http://www.w3.org/2000/svg';

  function cell(text, cls) {
    const td = document.createElement('td');
    if (cls) td.className = cls;
    td.textContent = text; // names are user text: never innerHTML
    return td;
  }
  function fmt(n, digits) {
    if (n === null || n === undefined) return '–';
    return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits ?? 0 });
  }
  function spark(points) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('viewBox', '0 0 120 24');
    const line = document.createElementNS(SVG, 'polyline');
    const min = Math.min(...points), max = Math.max(...points);
    const span = max - min || 1;
    const step = points.length > 1 ? 120 / (points.length - 1) : 0;
    line.setAttribute('points', points.map((v, i) => (i * step).toFixed(1) + ',' + (22 - ((v - min) / span) * 20).toFixed(1)).join(' '));
    svg.appendChild(line);
    return svg;
  }
  // Known states only: the class and text come from this table, never from the response.
  const STATES = {
    collecting: 'collecting',
    ok: 'ok',
    growing: 'growing',
    leak: 'leak',
  };
  function stateBadge(row) {
    const span = document.createElement('span');
    const known = Object.prototype.hasOwnProperty.call(STATES, row.state);
    span.className = 'badge state-' + (known ? row.state : 'none');
    span.textContent = known ? STATES[row.state] : 'not analysed';
    return span;
  }
  function duration(s) {
    if (s >= 86400) return fmt(s / 86400, 1) + ' d';
    if (s >= 3600) return fmt(s / 3600, 1) + ' h';
    if (s >= 60) return fmt(s / 60, 1) + ' min';
    return fmt(s, 1) + ' s';
  }
  function bound(row) {
    const parts = [];
    if (row.declaredMaxEntries !== null && row.declaredMaxEntries !== undefined) parts.push('≤ ' + fmt(row.declaredMaxEntries) + ' entries');
    if (row.declaredTtlSeconds !== null && row.declaredTtlSeconds !== undefined) parts.push('TTL ' + duration(row.declaredTtlSeconds));
    return parts.length ? parts.join(' · ') : '–';
  }
  function render(report) {
    const tbody = document.getElementById('rows');
    const frag = document.createDocumentFragment();
    const seen = new Set();
    for (const row of report.maps) {
      seen.add(row.name);
      const h = history.get(row.name) || [];
      h.push(row.entries);
      if (h.length > HISTORY) h.shift();
      history.set(row.name, h);
      const tr = document.createElement('tr');
      tr.dataset.name = row.name;
      if (row.state === 'leak' || row.state === 'growing') tr.className = 'state-' + row.state;
      tr.appendChild(cell(row.name, 'name'));
      tr.appendChild(cell(row.kinds.join(', ')));
      tr.appendChild(cell(fmt(row.entries)));
      const trend = document.createElement('td');
      trend.appendChild(spark(h));
      tr.appendChild(trend);
      tr.appendChild(cell(fmt(row.instances)));
      tr.appendChild(cell(fmt(row.growthPerSecond, 2)));
      tr.appendChild(cell(row.missRatio === null ? '–' : (row.missRatio * 100).toFixed(1) + ' %'));
      tr.appendChild(cell(fmt(row.lockWaiters)));
      tr.appendChild(cell(bound(row), 'bound'));
      const v = document.createElement('td');
      v.appendChild(stateBadge(row));
      tr.appendChild(v);
      tr.appendChild(cell(row.reason || '', 'reason'));
      frag.appendChild(tr);
    }
    for (const name of history.keys()) if (!seen.has(name)) history.delete(name);
    tbody.replaceChildren(frag);
    const status = document.getElementById('status');
    status.className = '';
    status.textContent = report.maps.length + ' map names · updated ' + new Date(report.generatedAt).toLocaleTimeString() +
      (report.overflow ? ' · ' + report.overflow + ' maps folded into _other past the name cap' : '');
  }
  async function tick() {
    try {
      const res = await fetch(JSON_URL, { headers: { accept: 'application/json' }, cache: 'no-store' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      render(await res.json());
    } catch (err) {
      const status = document.getElementById('status');
      status.className = 'error';
      status.textContent = 'refresh failed: ' + err.message;
    } finally {
      setTimeout(tick, REFRESH_MS);
    }
  }
  tick();
})();
</script>
</body>
</html>
`;
}
