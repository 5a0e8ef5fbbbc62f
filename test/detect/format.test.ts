/**
 * The numbers in a verdict's reason (`mapwatch analyze`, the debug page): counts grouped by thousands with
 * two, one or no decimals by size, durations in the largest unit that is at least 1, percentages. People
 * read and grep these, so they are pinned exactly (issue #17, the survivors of a run over src/detect).
 */
import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, formatPercent } from '../../src/detect/format.js';

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [0.04, '0.04'],
    [0.1, '0.1'],
    [0.005, '0.01'],
    [2.5, '2.5'],
    [9.996, '10'],
    [12.345, '12.3'],
    [12.3, '12.3'],
    [99.96, '100'],
    [100, '100'],
    [1140, '1,140'],
    [1234.56, '1,235'],
    [1_234_567, '1,234,567'],
    [1e9, '1,000,000,000'],
    [999_999_999_999_999, '999,999,999,999,999'],
    [1e15, '1e+15'],
    [1.234e15, '1.23e+15'],
    [1e30, '1e+30'],
    [2.5e30, '2.5e+30'],
    [Number.MAX_VALUE, '1.8e+308'],
  ])('%s -> %s', (value, text) => {
    expect(formatCount(value)).toBe(text);
  });

  it('signs negative values, but never writes -0', () => {
    expect(formatCount(-3)).toBe('-3');
    expect(formatCount(-1234.5)).toBe('-1,235');
    expect(formatCount(-0.25)).toBe('-0.25');
    expect(formatCount(-0.001)).toBe('0');
    expect(formatCount(-0)).toBe('0');
    expect(formatCount(-1e30)).toBe('-1e+30');
  });

  it('writes what is not finite as JavaScript does', () => {
    expect([Infinity, -Infinity, Number.NaN].map(formatCount)).toEqual(['Infinity', '-Infinity', 'NaN']);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [500, '500 ms'],
    [999, '999 ms'],
    [1000, '1 s'],
    [90_000, '1.5 min'],
    [60_000, '1 min'],
    [3_600_000, '1 h'],
    [5_400_000, '1.5 h'],
    [86_400_000, '1 d'],
    [172_800_000, '2 d'],
    [-3_600_000, '-1 h'],
    [-1000, '-1 s'],
  ])('%s ms -> %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatPercent', () => {
  it.each([
    [0.0312, '3.12 %'],
    [0, '0 %'],
    [1, '100 %'],
    [-0.5, '-50 %'],
    [0.333333, '33.3 %'],
  ])('%s -> %s', (ratio, text) => {
    expect(formatPercent(ratio)).toBe(text);
  });
});
