/**
 * `mapwatch analyze` on the fixtures captured from a real Prometheus (scripts/capture-fixture.mjs) and
 * on bad input. Runs the command through the CLI dispatcher with an in-memory io.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/main.js';
import { parseCsv, parseSeriesText } from '../../src/detect/parse.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const JSON_FIXTURE = join(FIXTURES, 'prometheus-query-range.json');
const CSV_FIXTURE = join(FIXTURES, 'sessions-entries.csv');

async function cli(args: string[], stdin = '') {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), readStdin: async () => stdin };
  const code = await runCli(['analyze', ...args], io);
  return { code, out, err };
}

interface JsonRow {
  series: Record<string, string>;
  suspect: boolean;
  firstFlaggedAt: number | null;
  suspectNow: boolean;
  growthRate: number;
  reason: string;
}

describe('mapwatch analyze', () => {
  it('reads a real query_range capture and prints a table per series', async () => {
    const { code, out } = await cli([JSON_FIXTURE]);
    expect(code).toBe(0);
    expect(out).toMatch(/^series\s+verdict\s+growth\s+first flagged\s+reason/);
    expect(out).toContain('map_name="sessions"');
    expect(out).toContain('map_name="cache"');
    // A capture of a few minutes is too short for real-time windows, and says so.
    expect(out).toMatch(/collecting history/);
  });

  it('replays the capture at --time-scale 60: the leaking map is flagged, the bounded one is not', async () => {
    const { code, out } = await cli([JSON_FIXTURE, '--json', '--time-scale', '60']);
    expect(code).toBe(0);
    const rows = JSON.parse(out) as JsonRow[];
    const byName = new Map(rows.map((r) => [r.series.map_name, r]));
    const sessions = byName.get('sessions')!;
    const cache = byName.get('cache')!;
    expect(Object.keys(sessions).sort()).toEqual([
      'firstFlaggedAt',
      'growthRate',
      'reason',
      'series',
      'suspect',
      'suspectNow',
    ]);
    expect(sessions.series.__name__).toBe('mapwatch_map_entries');
    expect(sessions.suspect).toBe(true);
    expect(sessions.firstFlaggedAt).toBeTypeOf('number');
    expect(sessions.growthRate).toBeGreaterThan(0);
    expect(sessions.reason).toMatch(/floor rose/);
    // The map leaked steadily to the end of the capture: the verdict must not flip back at the last
    // point because one test (here the peaks, lifted by bursts early on) happened to fail there.
    expect(sessions.suspectNow).toBe(true);
    expect(cache.suspect).toBe(false);
    expect(cache.suspectNow).toBe(false);
    expect(cache.firstFlaggedAt).toBeNull();
    // The flag time lies inside the capture, in the input's own (unscaled) time.
    const doc = JSON.parse(readFileSync(JSON_FIXTURE, 'utf8')) as {
      data: { result: { values: [number, string][] }[] };
    };
    const values = doc.data.result[0]!.values;
    expect(sessions.firstFlaggedAt!).toBeGreaterThan(values[0]![0] * 1000);
    expect(sessions.firstFlaggedAt!).toBeLessThanOrEqual(values[values.length - 1]![0] * 1000);
  });

  it('reads the CSV fixture, and the same data from stdin', async () => {
    const file = await cli([CSV_FIXTURE, '--json', '--time-scale', '60']);
    expect(file.code).toBe(0);
    const [row] = JSON.parse(file.out) as JsonRow[];
    expect(row!.series).toEqual({ source: CSV_FIXTURE });
    expect(row!.suspect).toBe(true);
    const stdin = await cli(['-', '--json', '--time-scale', '60'], readFileSync(CSV_FIXTURE, 'utf8'));
    expect(stdin.code).toBe(0);
    expect((JSON.parse(stdin.out) as JsonRow[])[0]!.firstFlaggedAt).toBe(row!.firstFlaggedAt);
  });

  it('draws an SVG with a first-flagged marker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapwatch-plot-'));
    const svg = join(dir, 'out.svg');
    const { code } = await cli([JSON_FIXTURE, '--plot', svg, '--time-scale', '60']);
    expect(code).toBe(0);
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(text.match(/<polyline/g)).toHaveLength(2);
    expect(text.match(/class="first-flagged"/g)).toHaveLength(1);
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
  ];
  for (const [what, content, extra, message] of bad) {
    it(`exits 2 with a clear message on ${what}`, async () => {
      let args = extra;
      if (content !== undefined) {
        const file = join(mkdtempSync(join(tmpdir(), 'mapwatch-bad-')), 'input');
        writeFileSync(file, content);
        args = [file, ...extra];
      }
      const { code, err, out } = await cli(args);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(message);
    });
  }

  it('exits 2 without an input', async () => {
    const { code, err } = await cli([]);
    expect(code).toBe(2);
    expect(err).toMatch(/missing input file/);
  });
});

describe('input parsing', () => {
  it('tells seconds from milliseconds in CSV and skips headers, comments and blanks', () => {
    const [s] = parseCsv('# exported\ntime,entries\n\n1700000060,2\n1700000000000,1\n', 'x.csv');
    expect(s!.points).toEqual([
      { t: 1700000000000, v: 1 },
      { t: 1700000060000, v: 2 },
    ]);
  });

  it('drops NaN samples from a matrix and keeps the labels', () => {
    const [s] = parseSeriesText(
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
    expect(s!.labels).toEqual({ map_name: 'a' });
    expect(s!.points.map((p) => p.t)).toEqual([1000, 3000]);
  });
});
