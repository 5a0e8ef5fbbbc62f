#!/usr/bin/env node
// Records the leak detector's signal-quality fixtures: real npm caches (lru-cache, quick-lru,
// node-cache, mem, p-memoize, express-session's MemoryStore, and plain InstrumentedMaps) run under
// workloads of their own, from process start, on a simulated clock (@sinonjs/fake-timers), and
// instrumented as a user would (an InstrumentedMap as the store where a cache takes a Map, an adapter
// over the cache's own hooks where it does not). Every 60 simulated seconds a scrape is taken; each
// fixture is written as the Prometheus query_range response for its series, to
// test/fixtures/recorded/<family>-<variant>.json, with test/fixtures/recorded/manifest.json listing
// them. See scripts/record/*.mjs for the adapters and workloads.
//
// Usage:
//   npm run record:fixtures                       build, then record every fixture
//   node scripts/record-fixtures.mjs --check      record into a temp dir and compare with the committed
//                                                 files (exit 1 on any difference): determinism check
//   node scripts/record-fixtures.mjs --only node-cache,plain   only fixtures whose file name contains one
//                                                 of the words (the manifest is always written whole)
//   node scripts/record-fixtures.mjs --out DIR    write somewhere else
//
// Deterministic: seeded PRNGs (Math.random is replaced by a seeded stream while a fixture records),
// simulated time, no I/O in the workloads. Every loop is bounded by the fixture's simulated hours.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { recordFixture } from './record/sim.mjs';
import { fixtures as lruCache } from './record/lru-cache.mjs';
import { fixtures as quickLru } from './record/quick-lru.mjs';
import { fixtures as nodeCache } from './record/node-cache.mjs';
import { fixtures as memoize } from './record/memoize.mjs';
import { fixtures as expressSession } from './record/express-session.mjs';
import { fixtures as plain } from './record/plain.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const COMMITTED = join(root, 'test/fixtures/recorded');
const ALL = [...lruCache, ...quickLru, ...nodeCache, ...memoize, ...expressSession, ...plain];

function parseArgs(argv) {
  const args = { check: false, only: undefined, out: COMMITTED };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') args.check = true;
    else if (a === '--only') args.only = argv[++i]?.split(',').filter(Boolean);
    else if (a === '--out') args.out = argv[++i];
    else throw new Error(`unknown argument ${a} (use --check, --only a,b or --out DIR)`);
  }
  return args;
}

/** The exact installed version of a package, from its package.json. */
function versionOf(name) {
  return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

const rootVersion = () => JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

const fileOf = (f) => `${f.family}-${f.variant}.json`;

function manifestOf(list) {
  return list.map((f) => ({
    file: fileOf(f),
    family: f.family,
    library:
      f.family === 'plain'
        ? `mapwatch@${rootVersion()} InstrumentedMap`
        : `${f.family}@${versionOf(f.family)}`,
    leak: f.leak,
    declared: f.declared,
    hours: f.hours,
    description: f.description,
    leakStartsAtSeconds: f.leak ? (f.leakStartsAtSeconds ?? 0) : null,
    restartsAtSeconds: restartsOf(f),
    mapName: f.mapName,
    seed: f.seed,
  }));
}

function restartsOf(f) {
  const out = [];
  if (!f.restartEverySeconds) return out;
  for (let s = f.restartEverySeconds; s < f.hours * 3600; s += f.restartEverySeconds) out.push(s);
  return out;
}

/** Scrapes where inserts minus deletes is not the entry count (restarts start a new count). */
function netFlowMismatches(resp) {
  const byName = new Map();
  for (const s of resp.data.result) {
    const key = s.metric.__name__ + (s.metric.cause ? `:${s.metric.cause}` : '');
    byName.set(key, s.values);
  }
  const entries = byName.get('mapwatch_map_entries');
  const inserts = byName.get('mapwatch_map_inserts_total');
  const causes = ['explicit', 'clear', 'evict', 'expire'].map((c) =>
    byName.get(`mapwatch_map_deletes_total:${c}`),
  );
  let bad = 0;
  for (let i = 0; i < entries.length; i++) {
    const net = Number(inserts[i][1]) - causes.reduce((a, c) => a + Number(c[i][1]), 0);
    if (net !== Number(entries[i][1])) bad++;
  }
  return bad;
}

async function loadMapwatch() {
  const dist = join(root, 'dist/index.js');
  if (!existsSync(dist)) {
    throw new Error('dist/index.js not found: run `npm run build` first (or `npm run record:fixtures`)');
  }
  // The sampler is internal (not in the package's index): it is loaded from its own module, and so are
  // the two classes, so that a half-built index (another part failing to compile) cannot stop the recorder.
  const load = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
  const [{ InstrumentedMap }, { MapRegistry }, { SurvivalSampler }] = await Promise.all([
    load('maps/instrumented-map.js'),
    load('registry.js'),
    load('maps/survival.js'),
  ]);
  return { InstrumentedMap, MapRegistry, SurvivalSampler };
}

async function recordAll(list, outDir, mw) {
  await mkdir(outDir, { recursive: true });
  const started = Date.now();
  for (const f of list) {
    const t0 = Date.now();
    const resp = await recordFixture(f, mw);
    await writeFile(join(outDir, fileOf(f)), JSON.stringify(resp));
    const entries = resp.data.result.find((s) => s.metric.__name__ === 'mapwatch_map_entries').values;
    const mismatch = netFlowMismatches(resp);
    console.log(
      `${fileOf(f).padEnd(48)} ${String(f.hours).padStart(2)} h  entries at end ${entries.at(-1)[1].padStart(7)}` +
        `  ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s` +
        (mismatch > 0 ? `  (inserts - deletes != entries at ${mismatch} scrapes)` : ''),
    );
  }
  await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifestOf(ALL), null, 2)}\n`);
  console.log(
    `recorded ${list.length} fixtures in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${outDir}`,
  );
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const names = new Set();
  for (const f of ALL) {
    if (names.has(fileOf(f))) throw new Error(`duplicate fixture ${fileOf(f)}`);
    names.add(fileOf(f));
  }
  const list = args.only ? ALL.filter((f) => args.only.some((w) => fileOf(f).includes(w))) : ALL;
  if (list.length === 0) throw new Error(`no fixture matches --only ${args.only.join(',')}`);
  const mw = await loadMapwatch();
  if (!args.check) {
    await recordAll(list, args.out, mw);
    return;
  }
  const tmp = await mkdtemp(join(tmpdir(), 'mapwatch-record-'));
  try {
    await recordAll(list, tmp, mw);
    const differ = [];
    for (const file of [...list.map(fileOf), 'manifest.json']) {
      const committed = join(args.out, file);
      if (!existsSync(committed)) {
        differ.push(`${file} (missing in ${args.out})`);
        continue;
      }
      const [a, b] = await Promise.all([readFile(committed), readFile(join(tmp, file))]);
      if (!a.equals(b)) differ.push(file);
    }
    if (differ.length > 0) {
      console.error(
        `--check: ${differ.length} file(s) differ from a fresh recording:\n  ${differ.join('\n  ')}`,
      );
      process.exitCode = 1;
    } else {
      console.log(`--check: all ${list.length} fixtures and the manifest re-record identically`);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
