// The mapwatch demo service: real workloads through every map type, served on 127.0.0.1 with /metrics
// and /debug/maps. `npm start` runs it; scenarios can be chosen at start and switched at run time.
//
//   node demo/server.js [--scenario healthy,leak] [--port 9464] [--memory-limit-mb 64]
//   curl -X POST 'http://127.0.0.1:9464/scenario?set=healthy,lock-storm'
//
// --memory-limit-mb exports that limit instead of V8's heap limit: a small value plays a process close to
// its memory limit, so the memory alerts fire while a map grows (use it with `leak` alone).
import express from 'express';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import client from 'prom-client';
import { MapRegistry } from '../dist/index.js';
import { mapwatchRouter } from '../dist/export/express.js';
import { registerPromMetrics } from '../dist/export/prometheus.js';
import { startLeakDetection } from '../dist/detect/monitor.js';
import { defaultConfig, fastConfig } from '../dist/pack/config.js';
import { parseDuration } from '../dist/pack/duration.js';
import { SCENARIOS, TICK_MS, createWorkloads } from './scenarios.js';

function fail(message) {
  console.error(`demo: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: process.env.SCENARIO ?? 'healthy' },
    port: { type: 'string', default: process.env.PORT ?? '9464' },
    host: { type: 'string', default: '127.0.0.1' },
    'detect-interval-ms': { type: 'string', default: process.env.DETECT_INTERVAL_MS ?? '1000' },
    'memory-limit-mb': { type: 'string', default: process.env.MEMORY_LIMIT_MB },
  },
});

function parseScenarios(text) {
  const names = String(text)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // Own names only: `in` would take `constructor` or `__proto__` (every object has them) for a scenario.
  const unknown = names.filter((n) => !Object.hasOwn(SCENARIOS, n));
  if (unknown.length)
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; choose from ${Object.keys(SCENARIOS).join(', ')}`,
    );
  return new Set(names);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0-65535, got ${values.port}`);
const memoryLimitMb = values['memory-limit-mb'] === undefined ? undefined : Number(values['memory-limit-mb']);
if (memoryLimitMb !== undefined && !(memoryLimitMb > 0)) {
  fail(`--memory-limit-mb must be a positive number, got ${values['memory-limit-mb']}`);
}
let active;
try {
  active = parseScenarios(values.scenario);
} catch (err) {
  fail(err.message);
}

const registry = new MapRegistry();
const workloads = createWorkloads(registry);
const ticker = setInterval(() => workloads.tick(active), TICK_MS);
// The detector's defaults look at windows of hours. The demo compresses time so that a fault shows
// within a minute: 1 s buckets, a 30 s window, confirmed after 5 s (the long path needs whole hours
// and stays out of the way).
const detection = startLeakDetection({
  registry,
  intervalMs: Number(values['detect-interval-ms']),
  bucketMs: 1000,
  windowMs: 30_000,
  minWindowMs: 20_000,
  warmupMs: 5000,
  holdMs: 5000,
});

// One prom-client registry for mapwatch and the process metrics the memory alerts read: prom-client's
// defaults (heap in use, start time) and the V8 heap limit, which prom-client does not export (yet). The
// names come from the pack config, so the demo exports what the shipped rules read.
const promRegistry = new client.Registry();
client.collectDefaultMetrics({ register: promRegistry });
if (defaultConfig.memory.limitSeries) {
  new client.Gauge({
    name: defaultConfig.memory.limitSeries,
    help: 'V8 heap size limit in bytes (v8.getHeapStatistics().heap_size_limit), or the limit of --memory-limit-mb.',
    registers: [promRegistry],
    collect() {
      this.set(
        memoryLimitMb === undefined ? getHeapStatistics().heap_size_limit : memoryLimitMb * 1024 * 1024,
      );
    },
  });
}
registerPromMetrics(promRegistry, { registry });

const app = express();
app.disable('x-powered-by');
// The maps page keeps a minute of history (a sample a second) and judges locks with the fast rules'
// windows (15 s where the shipped alerts wait 5 min), as the detector above compresses time.
app.use(
  mapwatchRouter({
    promRegistry,
    registry,
    debug: {
      refreshMs: 1000,
      history: { intervalMs: 1000, length: 60 },
      lock: {
        stuckSeconds: parseDuration(fastConfig.lock.stuckWindow),
        windowSeconds: parseDuration(fastConfig.lock.window),
      },
    },
  }),
);
app.get('/scenario', (_req, res) => res.json({ active: [...active], available: SCENARIOS }));
app.post('/scenario', (req, res) => {
  try {
    if (req.query.set !== undefined) active = parseScenarios(req.query.set);
    if (req.query.enable !== undefined) for (const n of parseScenarios(req.query.enable)) active.add(n);
    if (req.query.disable !== undefined) for (const n of parseScenarios(req.query.disable)) active.delete(n);
    console.log(`demo: scenarios now ${[...active].join(', ') || '(none)'}`);
    res.json({ active: [...active] });
  } catch (err) {
    res.status(400).json({ error: err.message });
  }
});
app.get('/', (_req, res) => res.redirect('/debug/maps'));

// Express 5 hands a listen error (port in use, bad host) to this callback, not to an 'error' listener.
const server = app.listen(port, values.host, (err) => {
  if (err) fail(`cannot listen on ${values.host}:${port}: ${err.message}`);
  const { port: actual } = server.address();
  const base = `http://${values.host}:${actual}`;
  console.log(`mapwatch demo listening on ${base}`);
  console.log(`  metrics:   ${base}/metrics`);
  console.log(`  maps page: ${base}/debug/maps`);
  console.log(`  scenarios: ${[...active].join(', ')} (available: ${Object.keys(SCENARIOS).join(', ')})`);
  console.log(`  switch:    curl -X POST '${base}/scenario?set=healthy,leak'`);
});
server.on('error', (err) => fail(`cannot listen on ${values.host}:${port}: ${err.message}`));

function shutdown() {
  clearInterval(ticker);
  detection.stop();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
