/**
 * The selector's regexes against Go's own regexp, through a real promtool: for RE2 constructs JavaScript
 * spells differently (src/pack/config/re2.ts), the label values mapwatch's `matches` accepts are exactly
 * those promtool's `=~` selects, and the patterns mapwatch refuses, promtool refuses too. Before re2.ts,
 * `(?i)checkout` was refused though Prometheus takes it, `\y` passed though Prometheus refuses it, and
 * `[]a]`, `a{`, `\Q.\E` and `\pL` were read as something else. Node 20 only, as the other promtool files.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matches } from '../../src/pack/config/selector.js';
import { resolveConfig } from '../../src/pack/config.js';
import { requireTool } from '../helpers/tools.js';
import { runTool, withTempDir } from './tmp.js';

const promtool = requireTool('promtool');

/** Patterns written the RE2 way, each a construct JavaScript reads differently or not at all. */
const PATTERNS = [
  '(?i)checkout-.*',
  '(?is)a.b',
  '\\Qa.b\\E',
  '[]a]+',
  '[^]a]',
  'a{',
  'a{,2}',
  'a{2}',
  '\\pL+',
  '\\p{Greek}+',
  '\\PL',
  '\\p{^Greek}',
  '(?P<x>ab)c?',
  '\\x{41}\\x42?',
  'a\\:b|a\\-b|a\\"b',
  '[[:alpha:]]+[[:digit:]]',
  '[[:punct:]]',
  '\\101',
  '\\Aab\\z',
  '[\\d\\-x]+',
  '[a\\]]+',
  '\\a?x',
];

/** Label values tried against every pattern. */
const VALUES = [
  'Checkout-1',
  'checkout-x',
  'CHECKOUT-',
  'a.b',
  'aXb',
  'A.B',
  ']',
  ']a]',
  'b',
  'a',
  'aa',
  'a{',
  'a{,2}',
  'é',
  'αβ',
  'ab',
  'abc',
  'A',
  'AB',
  '1',
  'a:b',
  'a-b',
  'a"b',
  'x-1',
  'abc1',
  '-',
  '\u0007x',
  'x',
];

const promqlString = (s: string): string => JSON.stringify(s);
const yamlString = (s: string): string => JSON.stringify(s);

async function promtoolTest(name: string, body: string): Promise<{ code: number; output: string }> {
  return withTempDir(async (dir) => {
    await writeFile(join(dir, name), body);
    return runTool(promtool!, ['test', 'rules', name], dir);
  });
}

describe.skipIf(!promtool)("the selector's regexes read as Go reads them", () => {
  it('accepts each RE2 pattern and selects exactly the values promtool selects', async () => {
    const series = VALUES.map((v, i) => `probe{case="${i}", v=${promqlString(v)}}`);
    const lines = [
      'rule_files: []',
      'evaluation_interval: 1m',
      'tests:',
      '  - interval: 1m',
      '    input_series:',
      ...series.map((s) => `      - series: ${yamlString(s)}\n        values: '1'`),
      '    promql_expr_test:',
    ];
    let selected = 0;
    for (const pattern of PATTERNS) {
      // The config takes the pattern (it was refused, or read differently, before).
      const selector = `job=~${promqlString(pattern)}`;
      expect(resolveConfig({ selector }).selector).toBe(selector);
      const hits = VALUES.flatMap((v, i) => (matches({ op: '=~', value: pattern }, v) ? [series[i]!] : []));
      selected += hits.length;
      lines.push(
        `      - expr: ${yamlString(`probe{v=~${promqlString(pattern)}}`)}`,
        '        eval_time: 0m',
        hits.length ? '        exp_samples:' : '        exp_samples: []',
        ...hits.map((s) => `          - labels: ${yamlString(s)}\n            value: 1`),
      );
    }
    // Not a vacuous agreement: the patterns select values, and not all of them.
    expect(selected).toBeGreaterThan(PATTERNS.length);
    expect(selected).toBeLessThan((PATTERNS.length * VALUES.length) / 2);
    const result = await promtoolTest('agree.yml', `${lines.join('\n')}\n`);
    expect(result.output).toContain('SUCCESS');
    expect(result.code, result.output).toBe(0);
  });

  it.each([
    ['\\y', /invalid escape sequence \\y/, /invalid escape sequence/],
    ['(?=a)', /lookaround/, /invalid or unsupported Perl syntax/],
    ['a{1001}', /repetition counts above 1000/, /invalid repeat count/],
    ['(a)\\1', /backreferences/, /invalid escape sequence/],
    ['[a', /missing closing \]/, /missing closing \]/],
    ['(?<n>a)', /named groups are written \(\?P<name>…\)/, /invalid or unsupported Perl syntax/],
    ['\\p{Nope}', /unknown Unicode class/, /invalid character class range/],
    // RE2 alone would take it; Prometheus' ^(?:…)$ wrapping makes the \Q swallow the closing parenthesis.
    ['\\Qa.b', /\\Q without \\E/, /missing closing \)/],
  ])('refuses %s, as promtool does', async (pattern, ours, theirs) => {
    const selector = `job=~${promqlString(pattern)}`;
    expect(() => resolveConfig({ selector })).toThrow(ours);
    const result = await promtoolTest(
      'refused.yml',
      [
        'rule_files: []',
        'tests:',
        '  - input_series: []',
        '    promql_expr_test:',
        `      - expr: ${yamlString(`probe{v=~${promqlString(pattern)}}`)}`,
        '        eval_time: 0m',
        '        exp_samples: []',
        '',
      ].join('\n'),
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(theirs);
  });

  it('refuses flags in the middle of a pattern with what to write instead', () => {
    // Go takes these; JavaScript on Node 20 has no way to say them, so mapwatch cannot check them.
    for (const pattern of ['a(?i)b', 'a(?i:b)'])
      expect(() => resolveConfig({ selector: `job=~${promqlString(pattern)}` })).toThrow(
        /flags are read only at the very start of a pattern, like \(\?i\)checkout\.\*/,
      );
  });
});
