#!/usr/bin/env node
// Captures a real Prometheus query_range response for the `mapwatch analyze` fixtures.
//
// Starts a tiny HTTP server on 127.0.0.1 exposing prom-client metrics of a registry with a leaking
// InstrumentedMap ("sessions": a churning working set over a floor that keeps ~2 entries/s forever)
// and a bounded one ("cache": evicts past 5,000), points the real `prometheus` binary at it
// (scrape_interval 1s, TSDB in a temp dir), lets it scrape for CAPTURE_SECONDS (default 180), then
// writes test/fixtures/prometheus-query-range.json (mapwatch_map_entries, step 1s) and
// test/fixtures/sessions-entries.csv (the sessions series as timestamp,value).
//
// Usage: npm run capture:fixture (CAPTURE_SECONDS and CAPTURE_OUT=<dir> for a trial run)
// Every loop is bounded in count and time; both processes are stopped at the end, also on failure.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, waitReady } from './stack.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.CAPTURE_SECONDS ?? 180);
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? 'prometheus';
// Where the fixtures go; another folder for a trial run that must not replace the committed ones.
const OUT = process.env.CAPTURE_OUT ?? join(root, 'test/fixtures');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function requireBuild() {
  if (!existsSync(join(root, 'dist/export/prometheus.js'))) {
    throw new Error('dist/ not found: run npm run build first (or npm run capture:fixture)');
  }
}

async function main() {
  requireBuild();
  const { MapRegistry, InstrumentedMap } = await import(join(root, 'dist/index.js'));
  const { startLeakDetection } = await import(join(root, 'dist/detect/monitor.js'));
  const { registerPromMetrics } = await import(join(root, 'dist/export/prometheus.js'));
  const { METRICS } = await import(join(root, 'dist/conventions.js'));
  const client = (await import('prom-client')).default;

  const registry = new MapRegistry();
  const sessions = new InstrumentedMap({ name: 'sessions', registry, sampleSurvival: true });
  const cache = new InstrumentedMap({ name: 'cache', registry });
  const promRegistry = new client.Registry();
  registerPromMetrics(promRegistry, { registry });
  const detection = startLeakDetection({ registry, intervalMs: 1000 });

  // Workload, every 100 ms: sessions keeps a floor of 20,000 long-lived entries that grows by 0.2
  // per tick (never deleted: the leak, 0.6 % of the floor per minute, so that `analyze --time-scale 60`
  // sees 0.6 %/h) under a working set of 0..2,000 that comes and goes (mostly small, now and then large);
  // cache inserts 50 keys per tick and evicts the oldest past 5,000.
  let next = 0;
  for (let i = 0; i < 20_000; i++) sessions.set(`s${next++}`, i);
  const working = [];
  let leakCarry = 0;
  let cacheNext = 0;
  const workload = setInterval(() => {
    leakCarry += 0.2;
    for (; leakCarry >= 1; leakCarry--) sessions.set(`s${next++}`, 0);
    const target = Math.floor(2000 * Math.random() ** 6);
    while (working.length < target) {
      const k = `w${next++}`;
      sessions.set(k, 1);
      working.push(k);
    }
    while (working.length > target) sessions.delete(working.shift());
    for (let i = 0; i < 50; i++) {
      cache.set(`c${cacheNext}`, cacheNext);
      cacheNext++;
      if (cache.size > 5000) cache.delete(cache.keys().next().value);
    }
    for (let i = 0; i < 20; i++) cache.get(`c${cacheNext - 1 - Math.floor(Math.random() * 6000)}`);
  }, 100);

  const server = createServer(async (req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': promRegistry.contentType });
    res.end(await promRegistry.metrics());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const appPort = server.address().port;
  const promPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'mapwatch-capture-'));
  await writeFile(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: mapwatch-capture\n    static_configs:\n      - targets: ['127.0.0.1:${appPort}']\n`,
  );
  const prom = startProcess(
    'prometheus',
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    dir,
  );
  const promExited = () => prom.child.exitCode !== null || prom.child.signalCode !== null;
  const base = `http://127.0.0.1:${promPort}`;
  try {
    await waitReady(`${base}/-/ready`, 60_000, 'Prometheus');
    const start = Date.now() / 1000;
    console.error(`prometheus on ${base}, scraping 127.0.0.1:${appPort} for ${SECONDS} s...`);
    for (let s = 0; s < SECONDS && !promExited(); s += 10) await sleep(Math.min(10, SECONDS - s) * 1000);
    if (promExited()) throw new Error(`prometheus exited early:\n${prom.log().slice(-2000)}`);
    const end = Date.now() / 1000;
    const params = new URLSearchParams({
      query: METRICS.entries.name,
      start: String(start),
      end: String(end),
      step: '1s',
    });
    const res = await fetch(`${base}/api/v1/query_range?${params}`);
    const text = await res.text();
    const doc = JSON.parse(text);
    if (doc.status !== 'success' || doc.data.result.length === 0)
      throw new Error(`query failed or empty: ${text.slice(0, 300)}`);
    await writeFile(join(OUT, 'prometheus-query-range.json'), text.endsWith('\n') ? text : `${text}\n`);
    const s = doc.data.result.find((r) => r.metric.map_name === 'sessions');
    const csv = ['timestamp,value', ...s.values.map(([t, v]) => `${t},${v}`)].join('\n');
    await writeFile(join(OUT, 'sessions-entries.csv'), `${csv}\n`);
    console.error(`wrote ${doc.data.result.length} series, ${s.values.length} points each`);
  } finally {
    clearInterval(workload);
    detection.stop();
    server.close();
    await prom.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`capture-fixture: ${err?.stack ?? err}`);
  process.exitCode = 1;
});
