/**
 * `mapwatch analyze` on hostile or broken input: every case returns or exits 2 in bounded time with
 * one line that says what to do, never a stack trace or exit 1.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapped } from '../../src/cli/analyze.js';
import { parseSeriesText } from '../../src/cli/analyze/parse.js';
import { isoTime } from '../../src/cli/analyze/plot.js';
import { cli, expectRefused } from '../helpers/analyze-cli.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const JSON_FIXTURE = join(FIXTURES, 'prometheus-query-range.json');

/** Every file of this suite lives under one temp dir, removed at the end. */
const ROOT = mkdtempSync(join(tmpdir(), 'mapwatch-hard-'));
afterAll(() => rmSync(ROOT, { recursive: true, force: true }));
const tempDir = (): string => mkdtempSync(join(ROOT, 'd-'));

function tempFile(content: string | Buffer, name = 'input'): string {
  const file = join(tempDir(), name);
  writeFileSync(file, content);
  return file;
}

const matrix = (values: unknown[]): string =>
  JSON.stringify({
    status: 'success',
    data: { resultType: 'matrix', result: [{ metric: { map_name: 'a' }, values }] },
  });

describe('timestamps out of range are refused quickly', () => {
  it.each([
    ['CSV 1e23 (ms)', '1e23,1\n', /:1: timestamp "1e23" is outside 1970..2200 \(read as Unix milliseconds\)/],
    ['CSV 1e16 (ms)', '1e16,1\n', /outside 1970..2200/],
    ['CSV negative seconds', '-5,1\n', /outside 1970..2200 \(read as Unix seconds\)/],
    ['CSV after a good row', '1700000000,1\n9e12,2\n', /:2: timestamp "9e12" is outside/],
    [
      'JSON 1e20 s',
      matrix([[1e20, '1']]),
      /values\[0\] has timestamp 100000000000000000000 is outside 1970..2200/,
    ],
    ['JSON 1e306 s', matrix([[1e306, '1']]), /values\[0\] has timestamp 1e\+306 is outside 1970..2200/],
    ['JSON a string timestamp', matrix([['1e306', '1']]), /outside 1970..2200/],
    ['JSON an empty timestamp', matrix([['', '1']]), /has a bad timestamp "".*expected Unix seconds/],
    ['JSON a null timestamp', matrix([[null, '1']]), /has a bad timestamp null/],
  ])('%s', async (_what, content, message) => {
    expectRefused(await cli([tempFile(content)]), message);
  });

  it('refuses 1e16 timestamps with --plot as bad input (exit 2), not "Invalid time value" (exit 1)', async () => {
    const dir = tempDir();
    const r = await cli([tempFile('1e16,1\n1.0000000001e16,2\n'), '--plot', join(dir, 'out.svg')]);
    expectRefused(r, /outside 1970..2200/);
    expect(r.err).not.toMatch(/Invalid time value/);
  });

  it('formats times a Date cannot hold without throwing', () => {
    expect(isoTime(1e16)).toBe('10000000000000000 ms');
    expect(isoTime(0)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('accepts the edges of the range', async () => {
    const r = await cli(['-', '--json'], `0,1\n${Date.UTC(2200, 0, 1)},2\n`);
    expect(r.code).toBe(0);
  });
});

describe('values', () => {
  it('skips NaN, +Inf, -Inf, negative and over-2^53 values and counts them on stderr', async () => {
    const r = await cli(
      ['-', '--json'],
      matrix([
        [1700000000, '1'],
        [1700000060, 'NaN'],
        [1700000120, '+Inf'],
        [1700000180, '-Inf'],
        [1700000240, '-3'],
        [1700000300, '1e306'],
        [1700000360, '2'],
      ]),
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toHaveLength(1);
    expect(r.err).toBe(
      'mapwatch analyze: note: skipped 5 samples: 3 NaN or infinite, 1 negative, 1 over 2^53\n',
    );
  });

  it('does the same in a CSV', async () => {
    const { skipped, series } = parseSeriesText(
      '1700000000,1\n1700000060,NaN\n1700000120,+Inf\n1700000180,-1\n1700000240,inf\n1700000300,4\n',
      'x.csv',
    );
    expect(series[0]!.points.map((p) => p.v)).toEqual([1, 4]);
    expect(skipped).toEqual({ nonFinite: 3, negative: 1, tooLarge: 0, duplicates: 0 });
  });

  it('runs, with a note, when every value was skipped', async () => {
    const r = await cli(['-', '--json'], '1700000000,NaN\n');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([
      expect.objectContaining({ state: 'collecting', suspect: false, reason: 'no data points' }),
    ]);
    expect(r.err).toMatch(/skipped 1 sample: 1 NaN or infinite/);
  });

  it.each([
    [
      'a word in JSON',
      matrix([[1700000000, 'five']]),
      /values\[0\] has a bad value "five"; expected a number/,
    ],
    ['an object in JSON', matrix([[1700000000, {}]]), /has a bad value \{\}/],
    ['a word in CSV', '1700000000,five\n', /:1: value "five" is not a number/],
    ['an empty CSV value', '1700000000,\n', /:1: value "" is not a number/],
  ])('refuses %s', async (_what, content, message) => {
    expectRefused(await cli([tempFile(content)]), message);
  });
});

describe('encodings and formats', () => {
  it('reads a JSON file that starts with a byte-order mark', async () => {
    const plain = await cli([JSON_FIXTURE, '--json']);
    const bom = await cli([tempFile(`\uFEFF${readFileSync(JSON_FIXTURE, 'utf8')}`), '--json']);
    expect(bom.code).toBe(0);
    expect(bom.out).toBe(plain.out);
  });

  it('reads a CSV with a byte-order mark, from stdin too', async () => {
    const r = await cli(['-', '--json'], '\uFEFF1700000000,1\n1700000060,2\n');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toHaveLength(1);
  });

  it.each([
    ['a truncated object', '{"status": "success", '],
    ['a truncated array', '[[1700000000, "1"'],
    ['an array with a BOM', '\uFEFF[1, 2,]'],
    ['deep nesting', '['.repeat(100_000)],
    ['a stray word after an object', '{} x'],
    ['a bad token after a line break', '{\n"a": x,\n"b": 1}'],
  ])('gives a JSON parse error, not a CSV one, for %s', async (_what, content) => {
    const r = await cli([tempFile(content)]);
    expectRefused(r, /is not valid JSON \(.*\); expected a Prometheus \/api\/v1\/query_range response/);
    expect(r.err).not.toMatch(/timestamp,value/);
  });

  it('refuses a JSON array that is not a response, and an empty input', async () => {
    expectRefused(await cli([tempFile('[]')]), /the JSON is not an object/);
    expectRefused(await cli(['-'], '  \n'), /stdin is empty/);
  });
});

describe('size limits', () => {
  const big = `timestamp,value\n${'1700000000,1\n'.repeat(90_000)}`; // ~1.1 MiB

  it('refuses stdin over the limit with exit 2, like a file', async () => {
    const viaStdin = await cli(['-', '--max-input-mb', '1'], big);
    expectRefused(viaStdin, /^mapwatch analyze: standard input is over 1 MiB; .*raise --max-input-mb\n$/);
    const viaFile = await cli([tempFile(big), '--max-input-mb', '1']);
    expectRefused(viaFile, /^mapwatch analyze: '.*input' is over 1 MiB; .*raise --max-input-mb\n$/);
    expect((await cli(['-', '--max-input-mb', '2'], big)).code).toBe(0);
  });

  it('stops reading a stream (the process stdin path) as soon as it passes the limit', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 65_536;
        this.push(Buffer.alloc(65_536, 0x31));
      },
    });
    await expect(readCapped(endless, 1_000_000, 'standard input')).rejects.toThrow(
      /standard input is over 0.95 MiB/,
    );
    expect(produced).toBeLessThan(2_000_000);
    expect(endless.destroyed).toBe(true);
  });

  it('refuses a directory and an unreadable path in one line', async () => {
    expectRefused(await cli([tempDir()]), /cannot read '.*': it is a directory/);
  });

  it('refuses a bad --max-input-mb', async () => {
    expectRefused(await cli(['-', '--max-input-mb', 'lots']), /--max-input-mb needs a positive number/);
  });
});

describe('--plot failures', () => {
  it('prints the whole analysis first, then exits 2 when the plot cannot be written', async () => {
    const dir = tempDir();
    const blocked = join(dir, 'is-a-dir');
    mkdirSync(blocked);
    for (const target of [join(dir, 'missing', 'out.svg'), blocked]) {
      const r = await cli([JSON_FIXTURE, '--plot', target]);
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/^series\s+state/);
      expect(r.out.trimEnd().split('\n')).toHaveLength(3);
      expect(r.err).toMatch(
        /^mapwatch analyze: cannot write the plot to '.*': (ENOENT|EISDIR); the analysis above is complete, pick a writable --plot path\n$/,
      );
    }
  });

  it('keeps the JSON on stdout complete when the plot fails', async () => {
    const r = await cli([JSON_FIXTURE, '--json', '--plot', '/nonexistent-dir/out.svg']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toHaveLength(2);
  });
});

describe('option errors are one line', () => {
  it.each([
    [['--plot'], /--plot/],
    [['x', '--end', 'yesterday'], /--end only applies with --prometheus/],
    [['--prometheus', 'http://127.0.0.1:1', '--end', 'yesterday'], /--end needs an RFC 3339 time/],
    [['--prometheus', 'http://127.0.0.1:1', '--step', '0s'], /--step needs a duration/],
    [['--prometheus', 'http://127.0.0.1:1', '--range', '5 hours'], /--range needs a duration/],
    [['--prometheus', 'http://127.0.0.1:1', '--range', '100000y'], /--range reaches before 1970/],
    [['--prometheus', 'http://127.0.0.1:1', 'file.json'], /either an input file or --prometheus/],
    [['--prometheus', 'not a url'], /--prometheus needs a URL/],
    [['--prometheus', 'ftp://127.0.0.1/'], /--prometheus needs an http or https URL/],
    [
      ['--prometheus', 'http://127.0.0.1:1', '--selector', 'job="api"'],
      /--selector takes label matchers in braces/,
    ],
    [['--prometheus', 'http://127.0.0.1:1', '--selector', '{__name__="x"}'], /must not match __name__/],
    [['--prometheus', 'http://127.0.0.1:1', '--range', '10000d', '--step', '1s'], /at most 100 are made/],
  ])('%j', async (args, message) => {
    expectRefused(await cli(args), message);
  });
});
