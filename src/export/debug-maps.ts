/**
 * The `/debug/maps` view: every map name with its entries and their recent trend, instances, growth, miss
 * ratio, the lock's waiters and verdict (lock-verdict.ts), declared bounds and the leak detector's state
 * and reason, as JSON and as a live HTML page. The trend and the lock verdict read a short server-side
 * history (debug-history.ts), so both are there on the page's first load.
 *
 * Only aggregate numbers and map names leave the process: never keys or values. Names are user text,
 * so the page renders them with `textContent` only, and a nonce-based Content-Security-Policy forbids
 * any script or handler the page did not ship itself.
 */
import { randomBytes } from 'node:crypto';
import { DELETE_CAUSES, type LeakState } from '../conventions.js';
import type { MapRegistry, NameSnapshot } from '../registry.js';
import { entriesOf, type DebugHistory } from './debug-history.js';
import {
  DEFAULT_LOCK_THRESHOLDS,
  lockSampleOf,
  lockVerdict,
  type LockVerdict,
  type LockVerdictThresholds,
} from './lock-verdict.js';
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
  /** The lock's verdict (`ok`, `waits`, `storm`, `stuck`; see lock-verdict.ts), or null without a lock. */
  lock: LockVerdict | null;
  /**
   * Entry counts of the server-side history, oldest first, ending with the count now: the page's trend.
   * Just the count now when the history is off or has not sampled the name yet.
   */
  trend: number[];
  /** Seconds from the trend's first point to now (0 for a single point). */
  trendSeconds: number;
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
  /** The server-side history behind `trend` and `lock`: samples kept and ms between them (null when off). */
  history: { length: number; intervalMs: number } | null;
  maps: DebugMapRow[];
}

export interface DebugMapsReportOptions {
  /** Server-side history (trend, lock rates); without it the trend is the count now. */
  history?: DebugHistory;
  /** Lock verdict thresholds; default the shipped alerts' (`DEFAULT_LOCK_THRESHOLDS`). */
  lock?: LockVerdictThresholds;
  /** Clock, ms; tests inject one. Default `Date.now`. */
  now?: () => number;
}

function rowOf(n: NameSnapshot, t: number, options: DebugMapsReportOptions): DebugMapRow {
  const m = n.map;
  const lookups = m.hits + m.misses;
  const entries = entriesOf(n);
  const past = options.history?.of(n.name);
  const trend = past ? [...past.entries, entries] : [entries];
  const firstT = past?.times[0];
  const lockNow = lockSampleOf(n, t);
  const lock =
    lockNow === undefined
      ? null
      : lockVerdict([...(past?.lock ?? []), lockNow], options.lock ?? DEFAULT_LOCK_THRESHOLDS);
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
    lock,
    trend,
    trendSeconds: firstT === undefined ? 0 : Math.max(0, (t - firstT) / 1000),
    state: n.leak ? n.leak.state : null,
    leakSuspect: n.leak ? n.leak.suspect : null,
    growthPerSecond: n.leak ? n.leak.growthPerSecond : null,
    reason: n.leak?.reason ?? null,
    declaredMaxEntries: n.declaredMaxEntries ?? null,
    declaredTtlSeconds: n.declaredTtlSeconds ?? null,
    oldestSampledAgeSeconds: n.survival ? n.survival.oldestAgeSeconds : null,
  };
}

export function debugMapsReport(
  registry: MapRegistry,
  options: DebugMapsReportOptions = {},
): DebugMapsReport {
  const snap = registry.collect();
  const t = (options.now ?? Date.now)();
  const h = options.history;
  return {
    generatedAt: new Date(t).toISOString(),
    trackedNames: snap.trackedNames,
    overflow: snap.overflow,
    history: h ? { length: h.length, intervalMs: h.intervalMs } : null,
    maps: snap.names
      .map((n) => rowOf(n, t, options))
      .sort((a, b) => b.entries - a.entries || a.name.localeCompare(b.name)),
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
 * The HTML page. It polls the JSON beside it every `refreshMs` and draws each row from the response
 * alone: the trend is the server's history (`row.trend`), so it is there on the first load and the page
 * keeps no state between refreshes.
 *
 * The JSON's URL is the page's own path plus `.json`, read in the browser from where the page was
 * loaded. The server cannot know it: behind a proxy that strips a prefix (`kubectl proxy`, an ingress
 * rewrite of `/svc/(.*)` to `/$1`) the path the browser sees is not the one the router got, and a URL
 * built from the request's path sent the page to the proxy's root, where every refresh failed with 404.
 */
export function debugMapsPage(nonce: string, refreshMs = 2000): string {
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
  /* Names wrap only where the page put a <wbr> (after . / : _ - @ # and inside camelCase), or at a hyphen:
     never mid-word. overflow-wrap: break-word leaves the cell's minimum width at its longest part. */
  td.name, th.name { text-align: left; white-space: normal; word-break: normal; overflow-wrap: break-word; max-width: 28rem; }
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
  td.lock, th.lock { text-align: left; white-space: normal; max-width: 18rem; }
  td.lock .why, td.trend .why { display: block; color: #5b6475; font-size: .8rem; }
  td.lock .why { min-width: 11rem; }
  .badge.lock-ok { background: #e6f4ea; color: #137333; }
  .badge.lock-waits { background: #e8f0fe; color: #1a4fb8; }
  .badge.lock-storm { background: #f9ab00; color: #3d2600; }
  .badge.lock-stuck { background: #a50e0e; color: #fff; }
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
    <th>miss ratio</th><th class="lock">lock</th><th>declared bound</th><th>leak state</th><th class="name">reason</th>
  </tr></thead>
  <tbody id="rows"></tbody>
</table>
<script nonce="${nonce}">
(() => {
  // This page's path without trailing slashes, plus .json (see debugMapsPage).
  const JSON_URL = location.pathname.replace(/\\/+$/, '') + '.json';
  const REFRESH_MS = ${Number(refreshMs)};
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
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'entries: ' + points.map((v) => fmt(v)).join(', '));
    svg.setAttribute('viewBox', '0 0 120 24');
    const line = document.createElementNS(SVG, 'polyline');
    const min = Math.min(...points), max = Math.max(...points);
    const span = max - min || 1;
    const step = points.length > 1 ? 120 / (points.length - 1) : 0;
    // One point draws as a flat line; min === max draws at mid-height.
    const y = (v) => (max === min ? 12 : 22 - ((v - min) / span) * 20).toFixed(1);
    const xy = points.length > 1 ? points.map((v, i) => (i * step).toFixed(1) + ',' + y(v)) : ['0,' + y(points[0]), '120,' + y(points[0])];
    line.setAttribute('points', xy.join(' '));
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
  const LOCK_STATES = { ok: 'ok', waits: 'waits', storm: 'storm', stuck: 'stuck' };
  function lockCell(row) {
    const td = document.createElement('td');
    td.className = 'lock';
    const v = row.lock;
    if (!v || typeof v !== 'object') {
      td.textContent = '–';
      return td;
    }
    const span = document.createElement('span');
    const known = Object.prototype.hasOwnProperty.call(LOCK_STATES, v.state);
    span.className = 'badge lock-' + (known ? v.state : 'none');
    span.textContent = known ? LOCK_STATES[v.state] : 'unknown';
    td.appendChild(span);
    const why = document.createElement('span');
    why.className = 'why';
    why.textContent = String(v.reason || '');
    td.appendChild(why);
    return td;
  }
  // Break opportunities in a name: after . / : _ - @ # and between a lower-case letter or digit and an
  // upper-case letter. Text nodes and <wbr> elements only: the name stays inert text.
  function nameCell(name) {
    const td = document.createElement('td');
    td.className = 'name';
    const parts = String(name).split(/(?<=[.\\/:_@#-])|(?<=[a-z0-9])(?=[A-Z])/);
    parts.forEach((part, i) => {
      if (i > 0) td.appendChild(document.createElement('wbr'));
      td.appendChild(document.createTextNode(part));
    });
    return td;
  }
  function sign(n) {
    return (n > 0 ? '+' : n < 0 ? '−' : '±') + fmt(Math.abs(n));
  }
  function trendCell(row) {
    const td = document.createElement('td');
    td.className = 'trend';
    if (!row.kinds.length) {
      td.textContent = '–'; // a lock on its own: no entries to trend
      return td;
    }
    const points = Array.isArray(row.trend) && row.trend.length ? row.trend.map(Number) : [row.entries];
    td.appendChild(spark(points));
    const why = document.createElement('span');
    why.className = 'why';
    why.textContent = points.length > 1 && row.trendSeconds > 0
      ? sign(points[points.length - 1] - points[0]) + ' in ' + duration(row.trendSeconds)
      : 'no history yet';
    td.appendChild(why);
    return td;
  }
  function stateBadge(row) {
    const span = document.createElement('span');
    const known = Object.prototype.hasOwnProperty.call(STATES, row.state);
    span.className = 'badge state-' + (known ? row.state : 'none');
    span.textContent = known ? STATES[row.state] : 'not analysed';
    return span;
  }
  function rate(n) {
    // Two decimals hide a slow leak (12 entries an hour is 0.0033/s): small rates keep two significant digits.
    if (n === null || n === undefined || n === 0 || Math.abs(n) >= 1) return fmt(n, 2);
    return Number(n).toLocaleString('en-US', { maximumSignificantDigits: 2 });
  }
  function duration(s) {
    if (s >= 86400) return fmt(s / 86400, 1) + ' d';
    if (s >= 3600) return fmt(s / 3600, 1) + ' h';
    if (s >= 60) return fmt(s / 60, 1) + ' min';
    if (s >= 1) return fmt(s, 1) + ' s';
    return fmt(s * 1000, 1) + ' ms';
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
    for (const row of report.maps) {
      const tr = document.createElement('tr');
      tr.dataset.name = row.name;
      if (row.state === 'leak' || row.state === 'growing') tr.className = 'state-' + row.state;
      tr.appendChild(nameCell(row.name));
      tr.appendChild(cell(row.kinds.join(', ')));
      tr.appendChild(cell(fmt(row.entries)));
      tr.appendChild(trendCell(row));
      tr.appendChild(cell(fmt(row.instances)));
      tr.appendChild(cell(rate(row.growthPerSecond)));
      tr.appendChild(cell(row.missRatio === null ? '–' : (row.missRatio * 100).toFixed(1) + ' %'));
      tr.appendChild(lockCell(row));
      tr.appendChild(cell(bound(row), 'bound'));
      const v = document.createElement('td');
      v.appendChild(stateBadge(row));
      tr.appendChild(v);
      tr.appendChild(cell(row.reason || '', 'reason'));
      frag.appendChild(tr);
    }
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
