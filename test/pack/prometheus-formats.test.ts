/**
 * The template functions and durations the pack's test generator prints, as Prometheus prints them: Go's
 * `%.4g` in exponent form for huge values, and durations with milliseconds. Pure functions: these run on
 * every Node line, unlike the promtool files.
 */
import { describe, expect, it } from 'vitest';
import { promDuration } from '../../src/pack/duration.js';
import { humanize, humanizePercentage } from '../../src/pack/rule-tests/promsim.js';

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
