/**
 * Property tests for `mapwatch analyze`'s input path: arbitrary numbers, strings and orderings either
 * parse or are refused with an InputError (exit 2), always in bounded time; and the order of the
 * points and series never changes the verdicts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/conventions.js';
import {
  InputError,
  MAX_TIME_MS,
  MAX_VALUE,
  MIN_TIME_MS,
  groupRows,
  parseSeriesText,
  type ParsedInput,
} from '../../src/cli/analyze/parse.js';
import { cli } from '../helpers/analyze-cli.js';

/** Parses, or returns the InputError; anything else thrown fails the property. */
function parseOrRefuse(text: string): ParsedInput | InputError {
  try {
    return parseSeriesText(text, 'p');
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
}

/** Whatever came out is well formed: times in range, sorted and unique; values finite, >= 0, <= 2^53. */
function checkParsed(r: ParsedInput | InputError): void {
  if (r instanceof InputError) {
    expect(r.message).not.toMatch(/\n/);
    return;
  }
  for (const s of r.series) {
    for (let i = 0; i < s.points.length; i++) {
      const { t, v } = s.points[i]!;
      expect(t >= MIN_TIME_MS && t <= MAX_TIME_MS).toBe(true);
      expect(Number.isFinite(v) && v >= 0 && v <= MAX_VALUE).toBe(true);
      if (i > 0) expect(t).toBeGreaterThan(s.points[i - 1]!.t);
    }
  }
}

/** Numbers as they may appear in a file: any double, huge, tiny, integers, and Prometheus' words. */
const numberToken = fc.oneof(
  fc.double().map(String),
  fc.integer().map(String),
  fc.integer({ min: 0, max: 8_000_000_000_000 }).map(String),
  fc.constantFrom(
    'NaN',
    '+Inf',
    '-Inf',
    'Infinity',
    '1e306',
    '1e23',
    '1e16',
    '1e20',
    '-0',
    '0x10',
    '',
    ' ',
    'abc',
    '1_000',
  ),
);

const anyJsonValue = fc.oneof(
  numberToken,
  fc.double(),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.string({ maxLength: 8 }),
  fc.constant([]),
  fc.constant({}),
);

const RUNS = { numRuns: 200 };

describe('parsers on arbitrary input', () => {
  it('any string: parsed and well formed, or refused with a one-line InputError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        checkParsed(parseOrRefuse(text));
        checkParsed(parseOrRefuse(`{${text}`));
        checkParsed(parseOrRefuse(`[${text}`));
      }),
      RUNS,
    );
  });

  it('CSV of arbitrary number tokens', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(numberToken, numberToken), { maxLength: 40 }),
        fc.boolean(),
        (rows, header) => {
          const text = `${header ? 'timestamp,value\n' : ''}${rows.map(([t, v]) => `${t},${v}`).join('\n')}`;
          checkParsed(parseOrRefuse(text));
        },
      ),
      RUNS,
    );
  });

  it('query_range JSON with arbitrary pairs and labels', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            metric: fc.dictionary(
              fc.constantFrom('__name__', 'map_name', 'map_kind', 'cause', 'job'),
              fc.string({ maxLength: 4 }),
            ),
            values: fc.array(
              fc.oneof(fc.tuple(anyJsonValue, anyJsonValue), fc.array(anyJsonValue, { maxLength: 3 })),
              {
                maxLength: 20,
              },
            ),
          }),
          { maxLength: 5 },
        ),
        (result) => {
          const r = parseOrRefuse(
            JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }),
          );
          checkParsed(r);
          if (!(r instanceof InputError)) expect(() => groupRows(r.series)).not.toThrow();
        },
      ),
      RUNS,
    );
  });

  it('the command on arbitrary CSV: exit 0 or 2 (one line), within bounded time', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(numberToken, numberToken), { maxLength: 30 }), async (rows) => {
        const r = await cli(['-', '--json'], rows.map(([t, v]) => `${t},${v}`).join('\n'));
        expect([0, 2]).toContain(r.code);
        if (r.code === 2) expect(r.err.trimEnd().split('\n')).toHaveLength(1);
        else expect(() => JSON.parse(r.out) as unknown).not.toThrow();
        expect(r.ms).toBeLessThan(2000);
      }),
      { numRuns: 100 },
    );
  });
});

/** A valid series: unique timestamps (seconds) inside the range, values that are kept. */
const validSeries = fc
  .uniqueArray(fc.integer({ min: 1_600_000_000, max: 1_600_000_000 + 40 * 3600 }), {
    minLength: 1,
    maxLength: 300,
  })
  .chain((times) =>
    fc.tuple(
      fc.constant(times),
      fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: times.length, maxLength: times.length }),
    ),
  )
  .map(([times, values]) => times.map((t, i) => [t, values[i]!] as [number, number]));

/** A permutation of `xs` driven by fast-check. */
const shuffle = <T>(xs: readonly T[]) =>
  fc.array(fc.nat(), { minLength: xs.length, maxLength: xs.length }).map((keys) =>
    xs
      .map((x, i) => ({ x, k: keys[i]! }))
      .sort((a, b) => a.k - b.k)
      .map((e) => e.x),
  );

describe('order does not matter', () => {
  it('sorted and shuffled CSV give the same verdicts', async () => {
    await fc.assert(
      fc.asyncProperty(
        validSeries.chain((pairs) => fc.tuple(fc.constant(pairs), shuffle(pairs))),
        fc.constantFrom(1, 60),
        async ([pairs, shuffled], scale) => {
          const sorted = [...pairs].sort((a, b) => a[0] - b[0]);
          const csv = (ps: [number, number][]) => ps.map(([t, v]) => `${t},${v}`).join('\n');
          const a = await cli(['-', '--json', '--time-scale', String(scale)], csv(sorted));
          const b = await cli(['-', '--json', '--time-scale', String(scale)], csv(shuffled));
          expect(a.code).toBe(0);
          expect(b.out).toBe(a.out);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('shuffled series and points of a multi-family JSON give the same rows', async () => {
    const families = [
      [METRICS.entries.name, { map_kind: 'plain' }],
      [METRICS.entries.name, { map_kind: 'locked' }],
      [METRICS.inserts.name, {}],
      [METRICS.deletes.name, { cause: 'explicit' }],
      [METRICS.deletes.name, { cause: 'evict' }],
      [METRICS.instances.name, {}],
      [METRICS.oldestSampledAge.name, {}],
    ] as const;
    const item = fc.tuple(fc.constantFrom('a', 'b'), fc.constantFrom(...families), validSeries);
    await fc.assert(
      fc.asyncProperty(
        fc
          .uniqueArray(item, {
            maxLength: 8,
            selector: ([m, [name, labels]]) => `${m} ${name} ${JSON.stringify(labels)}`,
          })
          .chain((items) =>
            fc.tuple(
              fc.constant(items),
              shuffle(items).chain((order) =>
                fc.tuple(...order.map(([m, f, pairs]) => shuffle(pairs).map((p) => [m, f, p] as const))),
              ),
            ),
          ),
        async ([items, shuffled]) => {
          const doc = (
            list: readonly (readonly [string, (typeof families)[number], readonly [number, number][]])[],
          ) =>
            JSON.stringify({
              status: 'success',
              data: {
                resultType: 'matrix',
                result: list.map(([m, [name, labels], pairs]) => ({
                  metric: { __name__: name, map_name: m, ...labels },
                  values: pairs.map(([t, v]) => [t, String(v)]),
                })),
              },
            });
          const a = await cli(['-', '--json'], doc(items));
          const b = await cli(['-', '--json'], doc(shuffled));
          expect([0, 2]).toContain(a.code);
          expect(b.code).toBe(a.code);
          expect(b.out).toBe(a.out);
          expect(b.err).toBe(a.err);
        },
      ),
      { numRuns: 40 },
    );
  });
});
