/**
 * `mapwatch analyze` on the fixtures captured from a real Prometheus (scripts/capture-fixture.mjs) and
 * on bad input. Runs the command through the CLI dispatcher with an in-memory io.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv, parseSeriesText } from '../../src/cli/analyze/parse.js';
import type { AnalyzeJsonRow } from '../../src/cli/analyze.js';
import { cli } from '../helpers/analyze-cli.js';

const STATES = ['collecting', 'ok', 'growing', 'leak'];

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const JSON_FIXTURE = join(FIXTURES, 'prometheus-query-range.json');
const CSV_FIXTURE = join(FIXTURES, 'sessions-entries.csv');
/** Every file this suite writes lives under one temp dir, removed at the end. */
const ROOT = mkdtempSync(join(tmpdir(), 'mapwatch-analyze-'));
afterAll(() => rmSync(ROOT, { recursive: true, force: true }));

type JsonRow = AnalyzeJsonRow;

describe('mapwatch analyze', () => {
  it('reads a real query_range capture and prints a table per series', async () => {
    const { code, out } = await cli([JSON_FIXTURE]);
    expect(code).toBe(0);
    expect(out).toMatch(/^series\s+state\s+growth\s+first flagged\s+first growing\s+reason/);
    expect(out).toContain('map_name="sessions"');
    expect(out).toContain('map_name="cache"');
    // A capture of a few minutes is too short for real-time windows: nothing but collecting.
    const lines = out.trimEnd().split('\n').slice(1);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^\{[^}]*\}\s+collecting\s/);
  });

  it('replays the capture at --time-scale 60: the leaking map is seen growing, the bounded one is not', async () => {
    const { code, out } = await cli([JSON_FIXTURE, '--json', '--time-scale', '60']);
    expect(code).toBe(0);
    const rows = JSON.parse(out) as JsonRow[];
    const byName = new Map(rows.map((r) => [r.series.map_name, r]));
    const sessions = byName.get('sessions')!;
    const cache = byName.get('cache')!;
    expect(Object.keys(sessions)).toEqual([
      'series',
      'state',
      'suspect',
      'firstFlaggedAt',
      'firstGrowingAt',
      'growthRate',
      'reason',
    ]);
    // One row per map: the identity drops __name__ and map_kind.
    expect(sessions.series).toEqual({
      instance: expect.any(String),
      job: 'mapwatch-capture',
      map_name: 'sessions',
    });
    // The capture holds entries only (no counters), so the detector may stop at growing; it must
    // get there, and stay there or beyond to the end: the map leaked steadily to the last point.
    expect(['growing', 'leak']).toContain(sessions.state);
    expect(sessions.firstGrowingAt).toBeTypeOf('number');
    expect(sessions.growthRate).toBeGreaterThan(0);
    // suspect is "leak at any point", and firstFlaggedAt goes with it.
    expect(sessions.suspect).toBe(sessions.firstFlaggedAt !== null);
    if (sessions.firstFlaggedAt !== null)
      expect(sessions.firstFlaggedAt).toBeGreaterThanOrEqual(sessions.firstGrowingAt!);
    expect(['ok', 'collecting']).toContain(cache.state);
    expect(cache.suspect).toBe(false);
    expect(cache.firstFlaggedAt).toBeNull();
    expect(cache.firstGrowingAt).toBeNull();
    for (const r of rows) expect(STATES).toContain(r.state);
    // The flag time lies inside the capture, in the input's own (unscaled) time.
    const doc = JSON.parse(readFileSync(JSON_FIXTURE, 'utf8')) as {
      data: { result: { values: [number, string][] }[] };
    };
    const values = doc.data.result[0]!.values;
    expect(sessions.firstGrowingAt!).toBeGreaterThan(values[0]![0] * 1000);
    expect(sessions.firstGrowingAt!).toBeLessThanOrEqual(values[values.length - 1]![0] * 1000);
  });

  it('reads the CSV fixture, and the same data from stdin', async () => {
    const file = await cli([CSV_FIXTURE, '--json', '--time-scale', '60']);
    expect(file.code).toBe(0);
    const [row] = JSON.parse(file.out) as JsonRow[];
    expect(row!.series).toEqual({ source: CSV_FIXTURE });
    expect(['growing', 'leak']).toContain(row!.state);
    expect(row!.firstGrowingAt).toBeTypeOf('number');
    const stdin = await cli(['-', '--json', '--time-scale', '60'], readFileSync(CSV_FIXTURE, 'utf8'));
    expect(stdin.code).toBe(0);
    // Same rows but for the source label.
    const fromStdin = (JSON.parse(stdin.out) as JsonRow[])[0]!;
    expect(fromStdin.series).toEqual({ source: 'stdin' });
    expect({ ...fromStdin, series: row!.series }).toEqual(row);
  });

  it('draws an SVG with a marker where growth was first seen', async () => {
    const dir = mkdtempSync(join(ROOT, 'plot-'));
    const svg = join(dir, 'out.svg');
    const { code } = await cli([JSON_FIXTURE, '--plot', svg, '--time-scale', '60']);
    expect(code).toBe(0);
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(text.match(/<polyline/g)).toHaveLength(2);
    // Only sessions grows: one marker, growing or (when leak came at the same instant) flagged.
    expect(text.match(/class="first-(growing|flagged)"/g)?.length).toBeGreaterThanOrEqual(1);
    expect(text.match(/class="first-growing"/g)?.length ?? 0).toBeLessThanOrEqual(1);
    expect(text.match(/class="first-flagged"/g)?.length ?? 0).toBeLessThanOrEqual(1);
    expect(text).toContain('map_name=&#34;sessions&#34;');
  });

  const bad: [string, string | undefined, string[], RegExp][] = [
    [
      'a missing file',
      undefined,
      ['/nonexistent/query.json'],
      /cannot read '\/nonexistent\/query.json': no such file; expected/,
    ],
    [
      'invalid JSON',
      '{"status": "success", ',
      [],
      /is not valid JSON .*expected a Prometheus \/api\/v1\/query_range response/,
    ],
    [
      'an instant vector',
      '{"status":"success","data":{"resultType":"vector","result":[]}}',
      [],
      /resultType is "vector", not "matrix" \(use \/api\/v1\/query_range/,
    ],
    [
      'a Prometheus error',
      '{"status":"error","errorType":"bad_data","error":"parse error"}',
      [],
      /error response \(bad_data: parse error\)/,
    ],
    [
      'a bad CSV line',
      'timestamp,value\n1700000000,5\n1700000060,five\n',
      [],
      /:3: value "five" is not a number; expected "timestamp,value"/,
    ],
    ['a CSV line with three fields', '1700000000,5,6\n', [], /:1: 3 fields/],
    ['an unknown flag', '1700000000,5\n', ['--fast'], /unknown option '--fast'/],
    ['a bad time scale', '1700000000,5\n', ['--time-scale', '0'], /--time-scale needs a positive number/],
    [
      'a huge time scale',
      '1700000000,5\n',
      ['--time-scale', '1e300'],
      /--time-scale needs a positive number up to/,
    ],
    ['two inputs', '1700000000,5\n', ['other.csv'], /one input only/],
    [
      'a --prometheus option without --prometheus',
      '1700000000,5\n',
      ['--range', '1h'],
      /--range only applies with --prometheus/,
    ],
    ['a missing option value', '1700000000,5\n', ['--plot'], /--plot.*argument missing|--plot/],
  ];
  for (const [what, content, extra, message] of bad) {
    it(`exits 2 with a clear message on ${what}`, async () => {
      let args = extra;
      if (content !== undefined) {
        const file = join(mkdtempSync(join(ROOT, 'bad-')), 'input');
        writeFileSync(file, content);
        args = [file, ...extra];
      }
      const { code, err, out } = await cli(args);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(message);
      // One line, no stack trace.
      expect(err.trimEnd().split('\n')).toHaveLength(1);
      expect(err).not.toMatch(/\n\s+at /);
    });
  }

  it('exits 2 without an input', async () => {
    const { code, err } = await cli([]);
    expect(code).toBe(2);
    expect(err).toMatch(/missing input file/);
  });

  it('prints a help listing every option', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    for (const option of [
      '--json',
      '--plot',
      '--time-scale',
      '--max-input-mb',
      '--prometheus',
      '--selector',
      '--range',
      '--step',
      '--end',
      '--timeout',
      '--help',
    ])
      expect(out).toContain(option);
    expect(out).toMatch(/summed over map_kind/);
    expect(out).toMatch(/duplicate timestamps the last one wins/);
  });
});

describe('input parsing', () => {
  it('tells seconds from milliseconds in CSV and skips headers, comments and blanks', () => {
    const [s] = parseCsv('# exported\ntime,entries\n\n1700000060,2\n1700000000000,1\n', 'x.csv').series;
    expect(s!.points).toEqual([
      { t: 1700000000000, v: 1 },
      { t: 1700000060000, v: 2 },
    ]);
  });

  it('drops NaN samples from a matrix and keeps the labels', () => {
    const { series, skipped } = parseSeriesText(
      JSON.stringify({
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: { map_name: 'a' },
              values: [
                [1, '1'],
                [2, 'NaN'],
                [3, '3'],
              ],
            },
          ],
        },
      }),
      'q.json',
    );
    const [s] = series;
    expect(s!.labels).toEqual({ map_name: 'a' });
    expect(s!.points.map((p) => p.t)).toEqual([1000, 3000]);
    expect(skipped.nonFinite).toBe(1);
  });
});
