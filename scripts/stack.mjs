#!/usr/bin/env node
// `npm run stack`: the demo service scraped by a real Prometheus (1 s scrape, the shipped rules in their
// fast-window variant) that sends alerts to a real Alertmanager, which posts them to a webhook receiver
// that prints each page. Everything listens on 127.0.0.1 and stops on Ctrl-C.
// `npm run stack -- <scenarios> victoria-metrics`: the same on VictoriaMetrics instead: vmagent scrapes the
// demo and remote-writes into victoria-metrics, vmalert evaluates the rules' vmalert flavour.
//
// The same module is the end-to-end test's harness (test/e2e): `startStack()` returns the URLs, the
// pages received and `stop()`.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export function findBinary(name) {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `url` until it answers 2xx, at most `timeoutMs`. */
export async function waitReady(url, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.message;
    }
    await sleep(100);
  }
  throw new Error(`${what} not ready at ${url} after ${timeoutMs} ms (${last})`);
}

/** A webhook receiver for Alertmanager: records every alert of every notification. */
async function startWebhook(port, onAlert) {
  const alerts = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      if (body.length < 1_000_000) body += c;
    });
    req.on('end', () => {
      try {
        const payload = JSON.parse(body);
        for (const a of payload.alerts ?? []) {
          const alert = {
            receivedAt: Date.now(),
            status: a.status,
            labels: a.labels,
            annotations: a.annotations,
          };
          alerts.push(alert);
          onAlert?.(alert);
        }
        res.writeHead(200).end('ok');
      } catch {
        res.writeHead(400).end('bad payload');
      }
    });
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    alerts,
    url: `http://127.0.0.1:${port}/alerts`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

export function startProcess(name, cmd, args, logDir) {
  const logPath = join(logDir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], cwd: ROOT });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    name,
    child,
    logPath,
    exited,
    log: () => readFileSync(logPath, 'utf8'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** The binaries of each engine, with the Debian package that has them. */
export const ENGINE_BINARIES = {
  prometheus: [
    ['prometheus', 'prometheus'],
    ['prometheus-alertmanager', 'prometheus-alertmanager'],
  ],
  'victoria-metrics': [
    ['victoria-metrics', 'victoria-metrics'],
    ['vmagent', 'victoria-metrics'],
    ['vmalert', 'victoria-metrics'],
    ['prometheus-alertmanager', 'prometheus-alertmanager'],
  ],
};

/**
 * Starts the pipeline. `demos` is a list of `{ job, scenarios, args? }`: one demo process per entry, each its
 * own scrape job (`args`: more demo options, e.g. `['--memory-limit-mb', '8']`). Every target carries the
 * topology labels the pack keeps (`cluster`, and the job as `namespace`), as on Kubernetes. `engine` is
 * `prometheus` (Prometheus scrapes and evaluates the rules) or `victoria-metrics` (vmagent scrapes and
 * remote-writes into victoria-metrics, vmalert evaluates the rules' vmalert flavour and writes its recording
 * rules and ALERTS back). Returns `{ promUrl, amUrl, demoUrls, alerts, stop() }`; `promUrl` answers the
 * Prometheus query API either way.
 */
export async function startStack({
  demos = [{ job: 'mapwatch-demo', scenarios: 'healthy' }],
  engine = 'prometheus',
  onAlert,
  log = () => {},
} = {}) {
  const wanted = ENGINE_BINARIES[engine];
  if (!wanted)
    throw new Error(`unknown engine '${engine}' (expected ${Object.keys(ENGINE_BINARIES).join(' or ')})`);
  const bin = Object.fromEntries(wanted.map(([name]) => [name, findBinary(name)]));
  const missing = wanted.filter(([name]) => !bin[name]);
  if (missing.length) {
    const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    throw new Error(
      `missing ${missing.map(([name]) => name).join(', ')}: apt-get install -y ${pkgs} (or npm run setup)`,
    );
  }
  const alertmanager = bin['prometheus-alertmanager'];

  const dir = mkdtempSync(join(tmpdir(), 'mapwatch-stack-'));
  const procs = [];
  let webhook;
  const stop = async () => {
    for (const p of [...procs].reverse()) await p.stop();
    await webhook?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { fastConfig, resolveConfig } = await import(pathToFileURL(join(ROOT, 'dist/pack/config.js')).href);
    const { renderAlerts } = await import(pathToFileURL(join(ROOT, 'dist/pack/render-alerts.js')).href);
    const { writeFileSet } = await import(pathToFileURL(join(ROOT, 'dist/pack/write.js')).href);
    const { alertmanagerExample } = await import(pathToFileURL(join(ROOT, 'dist/pack/alertmanager.js')).href);
    const config = engine === 'prometheus' ? fastConfig : resolveConfig({ target: 'vmalert' }, fastConfig);
    await writeFileSet(join(dir, 'rules'), {
      'mapwatch.rules.yml': renderAlerts(config)['mapwatch.rules.yml'],
    });

    const [amPort, whPort, promPort, agentPort, vmalertPort, ...demoPorts] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      ...demos.map(() => freePort()),
    ]);

    webhook = await startWebhook(whPort, onAlert);
    // Alertmanager first: an alert sent before Prometheus has discovered it would only be re-sent
    // after --rules.alert.resend-delay.
    const example = alertmanagerExample(config);
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      stringify({
        route: {
          receiver: 'webhook',
          // The shipped grouping (no instance) and the info inhibitor routed nowhere, as users run them.
          group_by: example.route.group_by,
          group_wait: '1s',
          group_interval: '2s',
          repeat_interval: '1h',
          routes: example.route.routes.filter((r) => r.receiver === 'null'),
        },
        receivers: [
          { name: 'null' },
          { name: 'webhook', webhook_configs: [{ url: webhook.url, send_resolved: true }] },
        ],
        // The shipped inhibition rules, so the pipeline exercises them as users will run them.
        inhibit_rules: example.inhibit_rules,
      }),
    );
    procs.push(
      startProcess(
        'alertmanager',
        alertmanager,
        [
          `--config.file=${join(dir, 'alertmanager.yml')}`,
          `--storage.path=${join(dir, 'am-data')}`,
          `--web.listen-address=127.0.0.1:${amPort}`,
          '--cluster.listen-address=',
          '--log.level=warn',
        ],
        dir,
      ),
    );
    const amUrl = `http://127.0.0.1:${amPort}`;

    const demoUrls = {};
    demos.forEach(({ job, scenarios, args = [] }, i) => {
      const port = demoPorts[i];
      demoUrls[job] = `http://127.0.0.1:${port}`;
      procs.push(
        startProcess(
          `demo-${job}`,
          process.execPath,
          [join(ROOT, 'demo/server.js'), '--port', String(port), '--scenario', scenarios, ...args],
          dir,
        ),
      );
    });

    const scrapeConfigs = demos.map(({ job }, i) => ({
      job_name: job,
      static_configs: [
        { targets: [`127.0.0.1:${demoPorts[i]}`], labels: { cluster: 'local', namespace: job } },
      ],
    }));
    await waitReady(`${amUrl}/-/ready`, 20_000, 'Alertmanager');
    await Promise.all(
      Object.entries(demoUrls).map(([job, url]) => waitReady(`${url}/metrics`, 20_000, `demo ${job}`)),
    );
    const promUrl = `http://127.0.0.1:${promPort}`;
    if (engine === 'prometheus') {
      writeFileSync(
        join(dir, 'prometheus.yml'),
        stringify({
          global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
          rule_files: [join(dir, 'rules', 'mapwatch.rules.yml')],
          alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
          scrape_configs: scrapeConfigs,
        }),
      );
      procs.push(
        startProcess(
          'prometheus',
          bin.prometheus,
          [
            `--config.file=${join(dir, 'prometheus.yml')}`,
            `--storage.tsdb.path=${join(dir, 'prom-data')}`,
            `--web.listen-address=127.0.0.1:${promPort}`,
            '--rules.alert.resend-delay=1s',
            '--log.level=warn',
          ],
          dir,
        ),
      );
      await waitReady(`${promUrl}/-/ready`, 30_000, 'Prometheus');
    } else {
      // Storage first, then the scraper writing into it, then the rule evaluator reading it.
      procs.push(
        startProcess(
          'victoria-metrics',
          bin['victoria-metrics'],
          [
            `-storageDataPath=${join(dir, 'vm-data')}`,
            `-httpListenAddr=127.0.0.1:${promPort}`,
            '-retentionPeriod=1d',
            // Samples answer queries as soon as they are written (the default hides the last 30 s), and no
            // query result is served from a cache filled before the samples arrived.
            '-search.latencyOffset=0s',
            '-search.disableCache',
            '-loggerLevel=WARN',
          ],
          dir,
        ),
      );
      await waitReady(`${promUrl}/health`, 30_000, 'victoria-metrics');
      writeFileSync(
        join(dir, 'scrape.yml'),
        stringify({ global: { scrape_interval: '1s', scrape_timeout: '1s' }, scrape_configs: scrapeConfigs }),
      );
      procs.push(
        startProcess(
          'vmagent',
          bin.vmagent,
          [
            `-promscrape.config=${join(dir, 'scrape.yml')}`,
            `-remoteWrite.url=${promUrl}/api/v1/write`,
            `-remoteWrite.tmpDataPath=${join(dir, 'vmagent-data')}`,
            '-remoteWrite.flushInterval=1s',
            `-httpListenAddr=127.0.0.1:${agentPort}`,
            '-loggerLevel=WARN',
          ],
          dir,
        ),
      );
      await waitReady(`http://127.0.0.1:${agentPort}/health`, 30_000, 'vmagent');
      procs.push(
        startProcess(
          'vmalert',
          bin.vmalert,
          [
            `-rule=${join(dir, 'rules', 'mapwatch.rules.yml')}`,
            `-datasource.url=${promUrl}`,
            // Recording rules and ALERTS go back into victoria-metrics; alert state is restored from it.
            `-remoteWrite.url=${promUrl}`,
            '-remoteWrite.flushInterval=1s',
            `-remoteRead.url=${promUrl}`,
            `-notifier.url=${amUrl}`,
            `-httpListenAddr=127.0.0.1:${vmalertPort}`,
            `-external.url=${promUrl}`,
            '-rule.resendDelay=1s',
            '-loggerLevel=WARN',
          ],
          dir,
        ),
      );
      await waitReady(`http://127.0.0.1:${vmalertPort}/health`, 30_000, 'vmalert');
    }

    log(`${engine} ${promUrl} · alertmanager ${amUrl} · webhook ${webhook.url}`);
    for (const [job, url] of Object.entries(demoUrls)) log(`demo ${job}: ${url}/metrics · ${url}/debug/maps`);
    return { dir, promUrl, amUrl, demoUrls, alerts: webhook.alerts, procs, stop };
  } catch (err) {
    const logs = procs.map((p) => `--- ${p.name}\n${p.log().slice(-2000)}`).join('\n');
    await stop();
    throw new Error(`${err.message}\n${logs}`, { cause: err });
  }
}

/** Instant query against Prometheus' HTTP API; returns the result vector. */
export async function promQuery(promUrl, expr) {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = await res.json();
  if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error ?? res.status}`);
  return body.data;
}

async function main() {
  const scenarios = process.argv[2] ?? 'healthy,leak,lock-storm';
  const engine = process.argv[3] ?? 'prometheus';
  const stack = await startStack({
    demos: [{ job: 'mapwatch-demo', scenarios }],
    engine,
    log: (line) => console.log(line),
    onAlert: (a) =>
      console.log(
        `PAGE [${a.status}] ${a.labels.alertname} severity=${a.labels.severity} map=${a.labels.map_name ?? '-'}: ${a.annotations.summary} ${a.annotations.description ?? ''}`,
      ),
  });
  console.log(
    `stack up (scenarios ${scenarios}); pages print below as they arrive. Ctrl-C stops everything.`,
  );
  const shutdown = async () => {
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(`stack: ${err.message}`);
    process.exit(1);
  });
}
