/**
 * First contact, as a user has it: `npm pack` the package (its `prepack` builds it), install the tarball
 * in a fresh project with nothing but its runtime and peer dependencies, and use it. Runs the installed
 * `mapwatch` bin (--version, --help, rules, dashboards, analyze), imports every export subpath from an
 * ESM file and, through import(), from a CommonJS file, and typechecks a consumer under TypeScript's
 * node16 and nodenext resolution.
 *
 * `npm pack` runs in a copy of the working tree (node_modules linked, not copied), so that its build
 * never rewrites the dist/ that other test files are reading at the same time. The npm registry must be
 * reachable (for the peers); every command has a time limit, and the temporary directory goes at the end.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import * as srcRoot from '../../src/index.js';
import * as srcConventions from '../../src/conventions.js';
import * as srcExpress from '../../src/export/express.js';
import * as srcOtel from '../../src/export/otel.js';
import * as srcPrometheus from '../../src/export/prometheus.js';
import { cleanEnv, describeRun, run, type RunResult } from './run.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
};
const FIXTURE = join(REPO, 'test/fixtures/prometheus-query-range.json');
const TSC = join(REPO, 'node_modules/.bin/tsc');

const SUBPATHS = {
  mapwatch: srcRoot,
  'mapwatch/otel': srcOtel,
  'mapwatch/prometheus': srcPrometheus,
  'mapwatch/express': srcExpress,
  'mapwatch/conventions': srcConventions,
} as const;

/** Working-tree entries the copy leaves out: dependencies, build output, test output, VCS. */
const NOT_COPIED = new Set([
  'node_modules',
  '.git',
  'dist',
  'dist-check',
  'test-results',
  '.stack',
  'coverage',
]);

let root = '';
let app = '';
let packedFiles: string[] = [];
let install: RunResult | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mapwatch-install-'));
  const clone = join(root, 'clone');
  await cp(REPO, clone, {
    recursive: true,
    filter: (src) => {
      const rel = relative(REPO, src);
      return !NOT_COPIED.has(rel) && basename(src) !== 'node_modules' && !src.endsWith('.tgz');
    },
  });
  await symlink(join(REPO, 'node_modules'), join(clone, 'node_modules'), 'dir');

  const pack = await run('npm', ['pack', '--json', '--pack-destination', root], {
    cwd: clone,
    timeoutMs: 180_000,
  });
  if (pack.code !== 0) throw new Error(describeRun('npm pack', pack));
  // npm prints the prepack script's output on stderr; stdout is the JSON report.
  const report = JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[/m))) as {
    filename: string;
    files: { path: string }[];
  }[];
  packedFiles = report[0]!.files.map((f) => f.path);
  const tarball = join(root, report[0]!.filename);

  app = join(root, 'app');
  await mkdir(app);
  await writeFile(
    join(app, 'package.json'),
    JSON.stringify({ name: 'mapwatch-first-contact', version: '0.0.0', private: true }),
  );
  install = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', tarball, '@opentelemetry/api', 'prom-client', 'express'],
    { cwd: app, timeoutMs: 240_000 },
  );
  if (install.code !== 0) throw new Error(describeRun('npm install of the tarball and its peers', install));
}, 480_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

function mapwatch(args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return run(join(app, 'node_modules/.bin/mapwatch'), args, { cwd: app, timeoutMs });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

describe('the packed tarball, installed in a fresh project', () => {
  it('holds every bin and export target and every file the README links, and no sources or tests', () => {
    const targets = [
      ...Object.values(pkg.bin),
      ...Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t))),
    ].map((p) => posix.normalize(p));
    for (const t of targets) expect(packedFiles, t).toContain(t);

    const readme = readFileSync(join(app, 'node_modules/mapwatch/README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1]!)
      .filter((l) => !/^[a-z]+:/i.test(l) && !l.startsWith('#'))
      .map((l) => posix.normalize(l.split('#')[0]!));
    expect(links.length).toBeGreaterThanOrEqual(4);
    for (const l of links) expect(packedFiles, `README links ${l}`).toContain(l);

    const stray = packedFiles.filter(
      (f) => /^(src|test|demo|scripts)\//.test(f) || (f.startsWith('bench/') && f !== 'bench/RESULTS.md'),
    );
    expect(stray).toEqual([]);
    expect(packedFiles.filter((f) => f.endsWith('.tgz'))).toEqual([]);
  });

  it('installs its runtime dependencies and none of the development ones', () => {
    const installed = join(app, 'node_modules');
    expect(existsSync(join(installed, 'mapwatch/dist/cli.js'))).toBe(true);
    expect(existsSync(join(installed, 'yaml/package.json'))).toBe(true);
    for (const dev of ['typescript', 'vitest', 'publint', '@arethetypeswrong/cli', 'fast-check'])
      expect(existsSync(join(installed, dev)), dev).toBe(false);
  });

  it('npx mapwatch --version and -V print the package version', async () => {
    for (const flag of ['--version', '-V']) {
      // npm_config_yes=false: npx must use the installed bin, never fetch a package of that name. (Not
      // `npx --no mapwatch --version`: there npx takes --version for itself and prints npm's version.)
      const r = await run('npx', ['mapwatch', flag], {
        cwd: app,
        timeoutMs: 60_000,
        env: cleanEnv({ npm_config_yes: 'false' }),
      });
      expect(r.code, describeRun(`npx mapwatch ${flag}`, r)).toBe(0);
      expect(r.stdout).toBe(`${pkg.version}\n`);
    }
  });

  it('mapwatch --help lists every command and the analyze options', async () => {
    const r = await mapwatch(['--help']);
    expect(r.code, describeRun('mapwatch --help', r)).toBe(0);
    for (const word of [
      'analyze',
      'rules',
      'dashboards',
      '--time-scale',
      '--prometheus',
      '--version',
      '--out',
    ])
      expect(r.stdout).toContain(word);
  });

  it('mapwatch rules --out writes the alert rules, manifest, runbook and promtool tests', async () => {
    const out = join(root, 'out-rules');
    const r = await mapwatch(['rules', '--out', out]);
    expect(r.code, describeRun('mapwatch rules', r)).toBe(0);
    const written = Number(/^wrote (\d+) files to /.exec(r.stdout)?.[1]);
    expect(filesUnder(out)).toHaveLength(written);
    const rules = parseYaml(await readFile(join(out, 'mapwatch.rules.yml'), 'utf8')) as {
      groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
    };
    const alerts = rules.groups.flatMap((g) => g.rules).filter((x) => x.alert !== undefined);
    expect(alerts.length).toBeGreaterThan(5);
    // Every alert reads mapwatch's series, but for the info inhibitor, which reads only ALERTS.
    for (const a of alerts.filter((x) => x.alert !== 'MapwatchInfoInhibitor'))
      expect(a.expr, a.alert).toMatch(/mapwatch_/);
    const manifest = parseYaml(await readFile(join(out, 'prometheus-rule.yaml'), 'utf8')) as { kind: string };
    expect(manifest.kind).toBe('PrometheusRule');
    expect(await readFile(join(out, 'runbook.md'), 'utf8')).toMatch(/^# /m);
    expect(filesUnder(join(out, 'tests')).length).toBeGreaterThan(0);
  });

  it('mapwatch dashboards --out writes the Grafana dashboards', async () => {
    const out = join(root, 'out-dashboards');
    const r = await mapwatch(['dashboards', '--out', out]);
    expect(r.code, describeRun('mapwatch dashboards', r)).toBe(0);
    expect(r.stdout).toMatch(/^wrote 2 files to /);
    for (const [file, uid] of [
      ['mapwatch-overview.json', 'mapwatch-overview'],
      ['mapwatch-map.json', 'mapwatch-map'],
    ]) {
      const d = JSON.parse(await readFile(join(out, file!), 'utf8')) as { uid: string; panels: unknown[] };
      expect(d.uid).toBe(uid);
      expect(d.panels.length).toBeGreaterThan(0);
    }
  });

  it('mapwatch analyze reads a recorded capture, and bad input exits 2 with one line', async () => {
    const r = await mapwatch(['analyze', FIXTURE]);
    expect(r.code, describeRun('mapwatch analyze', r)).toBe(0);
    expect(r.stdout).toMatch(/^series\s+state\s+growth/);
    expect(r.stdout).toContain('map_name="sessions"');

    const json = await mapwatch(['analyze', FIXTURE, '--json', '--time-scale', '60']);
    expect(json.code, describeRun('mapwatch analyze --json', json)).toBe(0);
    const rows = JSON.parse(json.stdout) as { series: { map_name: string }; state: string }[];
    expect(rows.map((x) => x.series.map_name).sort()).toEqual(['cache', 'sessions']);

    for (const args of [['analyze', join(root, 'missing.json')], ['bogus'], ['rules', '--bogus']]) {
      const bad = await mapwatch(args);
      expect(bad.code, describeRun(`mapwatch ${args.join(' ')}`, bad)).toBe(2);
      expect(bad.stderr.trimEnd().split('\n'), bad.stderr).toHaveLength(1);
      expect(bad.stdout).toBe('');
    }
  });

  /** A program that loads every subpath (`load` binds them), uses each for real and prints a report. */
  const USE_EVERY_SUBPATH = `
async function useEverySubpath(m, client, express) {
  const registry = new m['mapwatch'].MapRegistry();
  const map = new m['mapwatch'].InstrumentedMap([['a', 1], ['b', 2]], { name: 'first_contact', registry });
  map.get('a');
  map.get('missing');
  const promRegistry = new client.Registry();
  m['mapwatch/prometheus'].registerPromMetrics(promRegistry, { registry });
  const promText = await promRegistry.metrics();
  m['mapwatch/otel'].registerOtelMetrics({ registry }).unregister();
  const web = express();
  web.use(m['mapwatch/express'].mapwatchRouter({ registry }));
  const server = await new Promise((resolve) => {
    const s = web.listen(0, '127.0.0.1', () => resolve(s));
  });
  let http;
  try {
    const res = await fetch('http://127.0.0.1:' + server.address().port + '/metrics', {
      signal: AbortSignal.timeout(10000),
    });
    http = { status: res.status, body: await res.text() };
  } finally {
    server.closeAllConnections();
    server.close();
  }
  const exportNames = {};
  for (const [name, mod] of Object.entries(m)) exportNames[name] = Object.keys(mod).sort();
  return {
    exportNames,
    promText,
    http,
    entriesMetric: m['mapwatch/conventions'].METRICS.entries.name,
    isMap: map instanceof Map || typeof map.entries === 'function',
  };
}
`;

  const ESM = `import * as root from 'mapwatch';
import * as otel from 'mapwatch/otel';
import * as prometheus from 'mapwatch/prometheus';
import * as expressExport from 'mapwatch/express';
import * as conventions from 'mapwatch/conventions';
import client from 'prom-client';
import express from 'express';
${USE_EVERY_SUBPATH}
const m = { mapwatch: root, 'mapwatch/otel': otel, 'mapwatch/prometheus': prometheus,
  'mapwatch/express': expressExport, 'mapwatch/conventions': conventions };
console.log(JSON.stringify(await useEverySubpath(m, client, express)));
`;

  // Node 20 cannot require() an ES module, so CommonJS loads mapwatch with import().
  const CJS = `'use strict';
const client = require('prom-client');
const express = require('express');
${USE_EVERY_SUBPATH}
(async () => {
  const m = {};
  for (const s of ${JSON.stringify(Object.keys(SUBPATHS))}) m[s] = await import(s);
  console.log(JSON.stringify(await useEverySubpath(m, client, express)));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

  it.each([
    ['ESM (import)', 'first-contact.mjs', ESM],
    ['CommonJS (import())', 'first-contact.cjs', CJS],
  ])('imports and uses every subpath from %s', async (_kind, file, source) => {
    await writeFile(join(app, file), source);
    const r = await run(process.execPath, [file], { cwd: app, timeoutMs: 60_000 });
    expect(r.code, describeRun(`node ${file}`, r)).toBe(0);
    const report = JSON.parse(r.stdout) as {
      exportNames: Record<string, string[]>;
      promText: string;
      http: { status: number; body: string };
      entriesMetric: string;
    };
    // The installed build exports exactly what the sources do.
    for (const [subpath, mod] of Object.entries(SUBPATHS))
      expect(report.exportNames[subpath], subpath).toEqual(Object.keys(mod).sort());
    expect(report.entriesMetric).toBe('mapwatch_map_entries');
    // Two initial entries, one hit, one miss, through prom-client and through the express route.
    const entries = /^mapwatch_map_entries\{[^}]*map_name="first_contact"[^}]*\} 2$/m;
    expect(report.promText).toMatch(entries);
    expect(report.promText).toMatch(/^mapwatch_map_inserts_total\{[^}]*map_name="first_contact"[^}]*\} 2$/m);
    expect(report.promText).toMatch(
      /^mapwatch_map_lookups_total\{[^}]*map_name="first_contact"[^}]*result="miss"[^}]*\} 1$/m,
    );
    expect(report.http.status).toBe(200);
    expect(report.http.body).toMatch(entries);
  });

  const CORE_TYPES = `import { InstrumentedMap, MapRegistry, instrument, LEAK_STATES } from 'mapwatch';
import { registerOtelMetrics, type OtelRegistration } from 'mapwatch/otel';
import { registerPromMetrics } from 'mapwatch/prometheus';
import { METRICS, type MetricSpec } from 'mapwatch/conventions';

const registry = new MapRegistry();
const sessions: Map<string, number> = new InstrumentedMap<string, number>([['a', 1]], { name: 'typed', registry });
const legacy: Map<string, boolean> = instrument(new Map<string, boolean>(), { name: 'legacy', registry });
// @ts-expect-error a map name is a string: the types are real, not any
new InstrumentedMap({ name: 42 });
// @ts-expect-error values are numbers
sessions.set('b', 'two');
const otel: OtelRegistration = registerOtelMetrics({ registry });
const prom: { unregister(): void } = registerPromMetrics(undefined, { registry });
const spec: MetricSpec = METRICS.entries;
const state: 'collecting' | 'ok' | 'growing' | 'leak' = LEAK_STATES[0];
export { legacy, otel, prom, spec, state };
`;

  const CJS_TYPES = `async function firstContact(): Promise<string> {
  const { InstrumentedMap } = await import('mapwatch');
  const { METRICS } = await import('mapwatch/conventions');
  const map = new InstrumentedMap<string, number>({ name: 'typed_cjs' });
  // @ts-expect-error values are numbers
  map.set('a', 'x');
  return METRICS.entries.name;
}
export = firstContact;
`;

  const EXPRESS_TYPES = `import express from 'express';
import { mapwatchRouter } from 'mapwatch/express';
const app = express();
app.use(mapwatchRouter({ debug: true }));
// @ts-expect-error debug is a boolean or an options object
mapwatchRouter({ debug: 'yes' });
export { app };
`;

  async function typecheck(files: string[]): Promise<void> {
    for (const resolution of ['node16', 'nodenext']) {
      const config = join(app, `tsconfig.${resolution}.json`);
      await writeFile(
        config,
        JSON.stringify({
          compilerOptions: {
            module: resolution,
            moduleResolution: resolution,
            target: 'es2022',
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: [],
          },
          files,
        }),
      );
      const r = await run(TSC, ['-p', config], { cwd: app, timeoutMs: 120_000 });
      expect(r.code, describeRun(`tsc (${resolution}) on ${files.join(', ')}`, r)).toBe(0);
    }
  }

  it('types resolve for every subpath under node16 and nodenext, from ESM and from CommonJS', async () => {
    await mkdir(join(app, 'types'), { recursive: true });
    await writeFile(join(app, 'types/core.mts'), CORE_TYPES);
    await writeFile(join(app, 'types/cjs.cts'), CJS_TYPES);
    await writeFile(join(app, 'types/express.mts'), EXPRESS_TYPES);
    // The core subpaths typecheck with nothing but the peers installed (no @types/node needed).
    await typecheck(['types/core.mts', 'types/cjs.cts']);
    // express ships no types: a TypeScript user of mapwatch/express installs @types/express.
    const types = await run('npm', ['install', '--no-audit', '--no-fund', '--no-save', '@types/express@^5'], {
      cwd: app,
      timeoutMs: 180_000,
    });
    expect(types.code, describeRun('npm install @types/express', types)).toBe(0);
    await typecheck(['types/core.mts', 'types/cjs.cts', 'types/express.mts']);
  }, 420_000);
});
