/**
 * Shape of the recorded fixtures (scripts/record-fixtures.mjs, `npm run record:fixtures`): recordings
 * of real npm caches under workloads from process start, written as Prometheus query_range responses.
 * Fast structural checks only; leak verdicts on these fixtures are judged elsewhere.
 *
 * Full determinism check (re-records everything into a temp dir and compares byte for byte, ~40 s):
 *   node scripts/record-fixtures.mjs --check
 * This suite re-records one small fixture twice instead.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DELETE_CAUSES, METRICS } from '../../src/conventions.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const DIR = join(ROOT, 'test/fixtures/recorded');
const EPOCH = 1_767_225_600;
const STEP = 60;

interface ManifestRow {
  file: string;
  family: string;
  library: string;
  leak: boolean;
  declared: boolean;
  hours: number;
  description: string;
  leakStartsAtSeconds: number | null;
  restartsAtSeconds: number[];
  mapName: string;
}

interface Series {
  metric: Record<string, string>;
  values: [number, string][];
}

const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as ManifestRow[];

function load(file: string): Series[] {
  const body = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as {
    status: string;
    data: { resultType: string; result: Series[] };
  };
  expect(body.status).toBe('success');
  expect(body.data.resultType).toBe('matrix');
  return body.data.result;
}

const COUNTERS = new Set([METRICS.inserts.name, METRICS.deletes.name]);
const KNOWN = new Set(Object.values(METRICS).map((m) => m.name));
const REQUIRED = [
  METRICS.entries.name,
  METRICS.instances.name,
  METRICS.inserts.name,
  METRICS.deletes.name,
  METRICS.oldestSampledAge.name,
  METRICS.sampledNeverRead.name,
];

const tmp = mkdtempSync(join(tmpdir(), 'mapwatch-recorded-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('recorded fixtures: manifest', () => {
  it('lists every fixture file once, with the documented fields', () => {
    expect(manifest.length).toBeGreaterThanOrEqual(20);
    const files = manifest.map((m) => m.file);
    expect(new Set(files).size).toBe(files.length);
    const onDisk = readdirSync(DIR).filter((f) => f !== 'manifest.json');
    expect(onDisk.sort()).toEqual([...files].sort());
    for (const m of manifest) {
      expect(m.file).toBe(`${m.file.slice(0, -'.json'.length)}.json`);
      expect(m.file.startsWith(`${m.family}-`)).toBe(true);
      expect(m.library).toMatch(/@\d+\.\d+\.\d+/);
      expect(typeof m.leak).toBe('boolean');
      expect(typeof m.declared).toBe('boolean');
      expect([8, 30]).toContain(m.hours);
      expect(m.description.length).toBeGreaterThan(20);
      expect(m.leakStartsAtSeconds === null).toBe(!m.leak);
      for (const r of m.restartsAtSeconds) expect(r % STEP).toBe(0);
    }
    // Both kinds, and the cases that look like a leak without a declaration.
    expect(manifest.some((m) => m.leak)).toBe(true);
    expect(manifest.some((m) => !m.leak && !m.declared)).toBe(true);
  });

  it('stays small enough to commit (under 15 MB)', () => {
    let bytes = 0;
    for (const f of readdirSync(DIR)) bytes += statSync(join(DIR, f)).size;
    expect(bytes).toBeLessThan(15 * 1024 * 1024);
  });
});

describe.each(manifest.map((m) => [m.file, m] as const))('recorded fixture %s', (file, m) => {
  const series = load(file);
  const restarts = new Set(m.restartsAtSeconds.map((s) => EPOCH + s));
  const byName = (name: string) => series.filter((s) => s.metric.__name__ === name);

  it('has the required families with known names and one map', () => {
    for (const name of REQUIRED) expect(byName(name).length, name).toBeGreaterThan(0);
    for (const s of series) {
      expect(KNOWN.has(s.metric.__name__ ?? ''), s.metric.__name__).toBe(true);
      expect(s.metric.job).toBe('record');
      expect(s.metric.instance).toBe(m.family);
      expect(s.metric.map_name).toBe(m.mapName);
    }
    expect(byName(METRICS.entries.name)[0]?.metric.map_kind).toBe('plain');
    const causes = byName(METRICS.deletes.name).map((s) => s.metric.cause);
    expect([...causes].sort()).toEqual([...DELETE_CAUSES].sort());
    const declared =
      byName(METRICS.declaredMaxEntries.name).length + byName(METRICS.declaredTtl.name).length > 0;
    expect(declared).toBe(m.declared);
    const labelSets = series.map((s) => JSON.stringify(s.metric));
    expect(new Set(labelSets).size).toBe(labelSets.length);
  });

  it('is sorted, on a 60 s grid, with finite values', () => {
    const points = (m.hours * 3600) / STEP + 1;
    const bad: string[] = [];
    for (const s of series) {
      if (s.values.length > points) bad.push(`${s.metric.__name__}: ${s.values.length} points`);
      let prev = -Infinity;
      for (const [t, v] of s.values) {
        if (!(t > prev) || (t - EPOCH) % STEP !== 0 || !Number.isFinite(Number(v))) {
          bad.push(`${s.metric.__name__} at ${t}: ${v}`);
        }
        prev = t;
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
    const entries = byName(METRICS.entries.name)[0]!;
    expect(entries.values.length).toBe(points);
    expect(entries.values.at(-1)![0]).toBe(EPOCH + m.hours * 3600);
  });

  it('starts at process start: entries and counters at (or near) zero', () => {
    const entries = byName(METRICS.entries.name)[0]!;
    expect(entries.values[0]![0]).toBe(EPOCH);
    expect(Number(entries.values[0]![1])).toBe(0);
    for (const s of series.filter((x) => COUNTERS.has(x.metric.__name__ ?? ''))) {
      expect(s.values[0]![0]).toBe(EPOCH);
      expect(Number(s.values[0]![1])).toBeLessThanOrEqual(10);
    }
    expect(Number(byName(METRICS.instances.name)[0]!.values[0]![1])).toBe(1);
  });

  it('has monotonic counters, except at the documented restarts', () => {
    const bad: string[] = [];
    for (const s of series.filter((x) => COUNTERS.has(x.metric.__name__ ?? ''))) {
      for (let i = 1; i < s.values.length; i++) {
        const [t, v] = s.values[i]!;
        const before = Number(s.values[i - 1]![1]);
        const ok = restarts.has(t) ? Number(v) <= 10 : Number(v) >= before;
        if (!ok) bad.push(`${s.metric.__name__}{${s.metric.cause ?? ''}} at ${t}: ${before} -> ${v}`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
});

describe('recorder', () => {
  it.skipIf(!existsSync(join(ROOT, 'dist/index.js')))(
    're-records a fixture identically (deterministic)',
    () => {
      const run = (out: string) =>
        execFileSync(process.execPath, ['scripts/record-fixtures.mjs', '--only', 'slow-fill', '--out', out], {
          cwd: ROOT,
          stdio: 'pipe',
          timeout: 30_000,
        });
      run(join(tmp, 'a'));
      run(join(tmp, 'b'));
      const file = 'lru-cache-slow-fill-max-10k.json';
      const a = readFileSync(join(tmp, 'a', file));
      expect(a.length).toBeGreaterThan(1000);
      expect(a.equals(readFileSync(join(tmp, 'b', file)))).toBe(true);
      expect(readFileSync(join(tmp, 'a', 'manifest.json'), 'utf8')).toBe(
        readFileSync(join(DIR, 'manifest.json'), 'utf8'),
      );
    },
  );
});
