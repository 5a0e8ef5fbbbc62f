/**
 * The promtool tests generated under evaluation intervals other than the default's 1m, through the real
 * promtool: at 5s and 15s (the most common Prometheus interval) the joins per load and the failure share a
 * scenario prints while its window fills landed on a rounding boundary of `humanize` (10.025) and the
 * generator refused to run; the scenarios now nudge their fault data off it. Also the series notation of
 * map names holding `"` or `\`, Go's `%.4g` in exponent form, and durations of half seconds.
 *
 * The configs are the defaults with only the interval changed, passed to the generator without
 * validation: what the validator admits is config/'s concern; this pins that the generator works there.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, resolveConfig } from '../../src/pack/config.js';
import { promDuration } from '../../src/pack/duration.js';
import { humanize, humanizePercentage } from '../../src/pack/rule-tests/promsim.js';
import { requireTool } from '../helpers/tools.js';
import { passesGeneratedTests } from './promtool-support.js';

const promtool = requireTool('promtool');

describe.skipIf(!promtool)('promtool on tests generated under other evaluation intervals', () => {
  const tool = promtool as string;

  it.each(['5s', '15s'])(
    'passes the tests generated at evaluationInterval %s',
    (evaluationInterval) => passesGeneratedTests(tool, { ...defaultConfig, evaluationInterval }),
    300_000,
  );

  it(
    'passes the tests generated for map names holding a double quote and a backslash',
    () => passesGeneratedTests(tool, resolveConfig({ excludeMaps: ['a"b\\c', 'x.y*'] })),
    300_000,
  );
});

describe('formats as Prometheus does', () => {
  it.each([
    [3e30, '3e+06Y'],
    [3.5e30, '3.5e+06Y'],
    [999.95, '1000'],
    [10.25, '10.25'],
  ])('humanize(%d) is %s, as Go %.4g prints it', (v, text) => expect(humanize(v)).toBe(text));

  it.each([
    [123.45, '1.234e+04%'],
    [1e-7, '1e-05%'],
    [0.5, '50%'],
  ])('humanizePercentage(%d) is %s', (v, text) => expect(humanizePercentage(v)).toBe(text));

  it.each([
    [4502.5, '1h15m2s500ms'],
    [0.25, '250ms'],
    [3 * 0.1, '300ms'],
  ])('promDuration(%d) is %s', (seconds, text) => expect(promDuration(seconds)).toBe(text));

  it('refuses a duration finer than a millisecond', () =>
    expect(() => promDuration(0.0005)).toThrow(/cannot format/));
});
