/**
 * The config boundary: values promtool, Go's YAML parser or Go's template engine would refuse, and values that
 * crashed the generator or made it run without bound, are refused by `resolveConfig` with a message naming the
 * key, and by the CLI with exit code 2 in well under a second.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/main.js';
import { ConfigError, defaultConfig, fastConfig, resolveConfig } from '../../src/pack/config.js';
import { withTempDir } from './tmp.js';

const refused = (partial: unknown, message: RegExp) => {
  let error: unknown;
  try {
    resolveConfig(partial);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const text = (error as Error).message;
  expect(text).toMatch(message);
  // One line, so that a control character in the input cannot break the message either.
  expect(text).not.toMatch(/[\n\r\u2028\u2029]/);
};

describe('selector: matchers as Prometheus parses them', () => {
  it.each([
    ['job="a\\q"', /selector matcher job="…": unknown escape '\\q'/],
    ['job="a\\\'"', /unknown escape '\\''/],
    ['job="\\x4"', /malformed escape/],
    ['job="\\xff"', /not a valid UTF-8 character/],
    ['job="\\ud800"', /not a valid UTF-8 character/],
    ['__name__="foo"', /selector must not match on __name__/],
    ['job="a", __name__=~"x.*"', /selector must not match on __name__/],
    ['job=~"["', /selector matcher job=~"\[" is not a valid regexp/],
    ['job=~"(?=a)"', /lookaround/],
    ['job=~"(a)\\\\1"', /backreferences/],
    ['job=~"a{1001}"', /repetition counts above 1000/],
  ])('refuses %s', (selector, message) => refused({ selector }, message));

  it('refuses a raw newline inside the quotes', () =>
    refused({ selector: 'job="a\nb"' }, /selector contains the control character U\+000A/));

  it('accepts the escapes Go accepts, and refuses the others', () => {
    for (const selector of [
      'job="a\\nb"',
      'job="\\u00e9"',
      'job="\\101"',
      'job=~"a|b.*", instance!~"x\\\\.y"',
      ' job = "a" ',
    ]) {
      expect(resolveConfig({ selector }).selector).toBe(selector);
    }
    refused({ selector: 'job="\\e"' }, /unknown escape '\\e'/);
  });
});

describe('huge values', () => {
  const message = (partial: unknown): string => {
    try {
      resolveConfig(partial);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('accepted');
  };

  it('are refused in messages of bounded length that still say what to write', () => {
    // A selector is written into every rule and test series: 100 KB of it wrote 272 MB in 18 s.
    const huge = message({ selector: `job=~"${'('.repeat(50_000)}a${')'.repeat(50_000)}"` });
    expect(huge.length).toBeLessThan(1_100);
    expect(huge).toMatch(/^selector is 100008 characters, longer than the 2048 a selector may be .*job=~/);
    // Within the limit, 2,000 unclosed groups: V8's own message repeats the whole pattern.
    const nested = message({ selector: `job=~"${'('.repeat(2_000)}"` });
    expect(nested.length).toBeLessThan(1_100);
    expect(nested).toMatch(/^selector matcher job=~"\(+… \(2000 characters\)" is not a valid regexp: /);
    const escape = message({ selector: `job=~"${'x'.repeat(2_000)}\\\\y"` });
    expect(escape.length).toBeLessThan(1_100);
    expect(escape).toMatch(/invalid escape sequence \\y/);
    const target = message({ target: 't'.repeat(1_000_000) });
    expect(target.length).toBeLessThan(1_100);
    expect(target).toMatch(/^target must be one of prometheus, prometheus3, vmalert; got 'ttt/);
    expect(target).toMatch(/characters left out/);
  });

  it('nested past the stack are refused with a ConfigError (exit 2), not a stack overflow', () => {
    // Found by a hostile-input probe: JSON.stringify of the value in the message overflowed (exit 1).
    let deep: unknown = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    for (const partial of [{ growth: { window: deep } }, { alertLabels: { team: deep } }]) {
      expect(message(partial)).toMatch(/must be a string, got an array$/);
    }
    // Found by review: a string where a number belongs must read as a string.
    expect(message({ growth: { ceilings: { sessions: '1000' } } })).toBe(
      'growth.ceilings.sessions must be a number, got "1000"',
    );
  });
});

describe('text that reaches the rules YAML', () => {
  it.each([
    [{ excludeMaps: ['a\u2028b'] }, /excludeMaps\[0\] contains the control character U\+2028/],
    [{ alertLabels: { team: 'a\u2029b' } }, /alertLabels.team contains the control character U\+2029/],
    [{ alertLabels: { team: 'a\tb' } }, /alertLabels.team contains the control character U\+0009/],
    [{ selector: 'job="a\u2028"' }, /selector contains the control character U\+2028/],
    [{ growth: { ceilings: { 'a\u2028b': 5 } } }, /growth.ceilings key "a\\u2028b" contains the control/],
    [{ excludeMaps: ['a\u0085b'] }, /U\+0085/],
    [{ excludeMaps: ['\ud800'] }, /excludeMaps\[0\] contains an unpaired UTF-16 surrogate/],
    [{ selector: 'job="\ufffd"' }, /selector contains U\+FFFD/],
    [{ dashboards: { tags: ['a\u0000'] } }, /dashboards.tags\[0\] contains the control character U\+0000/],
  ])('refuses %j', (partial, message) => refused(partial, message));
});

describe('Go template syntax in labels and annotations', () => {
  it.each([
    [{ alertLabels: { team: '{{ oops' } }, /alertLabels.team must not contain '\{\{' or '\}\}'/],
    [{ alertLabels: { team: 'a}}' } }, /alertLabels.team must not contain/],
    [
      { runbookBaseUrl: 'https://x/{{' },
      /runbookBaseUrl must not contain '\{\{' or '\}\}' \(Prometheus expands/,
    ],
    [{ grafanaBaseUrl: 'https://x/{{' }, /grafanaBaseUrl must not contain/],
  ])('refuses %j', (partial, message) => refused(partial, message));

  it('refuses braces in alert labels but not in map names, which only reach PromQL strings', () => {
    expect(resolveConfig({ excludeMaps: ['{{ x }}'] }).excludeMaps).toEqual(['{{ x }}']);
    refused({ alertLabels: { team: '{{ x }}' } }, /alertLabels.team must not contain/);
  });
});

describe('groupBy', () => {
  it.each([
    ['__name__', /groupBy: '__name__' is reserved by Prometheus/],
    ['__meta_x', /reserved by Prometheus/],
    ['datasource', /groupBy: 'datasource' is the name of a dashboard variable/],
    ['map', /groupBy: 'map' is the name of a dashboard variable/],
  ])('refuses %s', (label, message) => refused({ groupBy: [label] }, message));
});

describe('unknown keys named like Object.prototype members', () => {
  it.each([
    [{ constructor: 1 }, /unknown key 'constructor'/],
    [{ growth: { toString: 'x' } }, /unknown key 'growth.toString'/],
    [{ lock: { hasOwnProperty: 1 } }, /unknown key 'lock.hasOwnProperty'/],
    [JSON.parse('{"__proto__": {"x": 1}}'), /unknown key '__proto__'/],
  ])('refuses %j', (partial, message) => refused(partial, message));
});

describe('durations: Prometheus grammar and bounded ranges', () => {
  it.each([
    [{ evaluationInterval: 'abc' }, /evaluationInterval must be a Prometheus duration/],
    [{ evaluationInterval: '1500ms' }, /evaluationInterval must be a whole number of seconds/],
    [{ evaluationInterval: '1s' }, /evaluationInterval must be from 5s to 15m; got '1s'/],
    [{ evaluationInterval: '1h' }, /evaluationInterval must be from 5s to 15m/],
    [
      { cache: { window: '1m30m' } },
      /cache.window must be a Prometheus duration such as .* \(units largest first\)/,
    ],
    [{ cache: { window: '1m1m' } }, /cache.window must be a Prometheus duration/],
    [{ absence: { lookback: '300y' } }, /absence.lookback must be from 1s to 7d; got '300y'/],
    [{ growth: { peakWindow: '1y' } }, /growth.peakWindow must be from 1s to 7d/],
    [{ growth: { predictHorizon: '2d' } }, /growth.predictHorizon must be from 1s to 1d/],
    [{ alerts: { growth: { for: '1y' } } }, /alerts.growth.for must be from 1s to 1d; got '1y'/],
    [{ alerts: { growth: { for: '10y' } } }, /alerts.growth.for must be from 1s to 1d/],
    [{ alerts: { growth: { keepFiringFor: '2d' } } }, /alerts.growth.keepFiringFor must be from 1s to 1d/],
    [{ lock: { stuckWindow: '7d' } }, /lock.stuckWindow must be from 1s to 6h/],
    [{ growth: { peakWindow: '5d' } }, /growth.peakWindow \(5d\) must span at most 5760 evaluations/],
    [
      { lock: { stuckWindow: '6h' }, alerts: { lockStuck: { for: '1d' } } },
      /lock.stuckWindow \+ alerts.lockStuck.for \+ .* must together span at most 1440 evaluations/,
    ],
    [{ dashboards: { refresh: '1s' } }, /dashboards.refresh must be from 5s to 1d/],
  ])('refuses %j', (partial, message) => refused(partial, message));

  it.each([
    [
      { absence: { lookback: '4d' } },
      { absence: { lookback: '4d1m' } },
      /absence.lookback \(4d1m\) must span/,
    ],
    [
      { growth: { predictHorizon: '1d' } },
      { growth: { predictHorizon: '1d1m' } },
      /predictHorizon must be from/,
    ],
    [{ evaluationInterval: '5s' }, { evaluationInterval: '4s' }, /evaluationInterval must be from 5s/],
    [
      { lock: { stuckWindow: '6h' }, alerts: { lockStuck: { for: '17h', keepFiringFor: '1h' } } },
      { lock: { stuckWindow: '6h' }, alerts: { lockStuck: { for: '17h', keepFiringFor: '1h1m' } } },
      /must together span at most 1440 evaluations/,
    ],
  ])('accepts %j at its bound, refuses %j past it', (at, past, message) => {
    // 5s needs the fast preset's short windows; the other bounds hold over the defaults.
    const base = 'evaluationInterval' in at ? fastConfig : defaultConfig;
    expect(() => resolveConfig(at, base)).not.toThrow();
    expect(() => resolveConfig(past, base)).toThrow(message);
  });
});

describe('numbers: each option within a documented range', () => {
  it.each([
    [
      { lock: { waitQuantile: 0.999999999 } },
      /lock.waitQuantile must be a number from 0.5 to 0.999 \(a quantile\)/,
    ],
    [{ lock: { timeoutRatio: 1e-12 } }, /lock.timeoutRatio must be a number from 0.001 to 0.999/],
    [{ memory: { limitSeries: '', limitBytes: 1 } }, /memory.limitBytes must be a number from 1.048576e\+6/],
    [
      { memory: { ratio: 1, limitSeries: '', limitBytes: 2 ** 30 } },
      /memory.ratio must be a number from 0.5 to 0.999/,
    ],
    [{ growth: { ceiling: 1e-300 } }, /growth.ceiling must be a number from 1 to 1e\+15/],
    [{ growth: { minFloorRise: 1e-300 } }, /growth.minFloorRise must be a number from 10 to 1e\+15/],
    [{ growth: { ceiling: 1e21 } }, /growth.ceiling must be a number from 1 to 1e\+15/],
    [{ growth: { ceilings: { sessions: 1e300 } } }, /growth.ceilings.sessions must be a number from 1/],
    [
      { exporter: { sampleGrowthRatio: 1.0000001 } },
      /exporter.sampleGrowthRatio must be a number from 1.01 to 1.5/,
    ],
    [
      { exporter: { maxScrapeSeconds: 1e30 } },
      /exporter.maxScrapeSeconds must be a number from 0.001 to 3600/,
    ],
    [{ fresh: { ageRatio: 1 } }, /fresh.ageRatio must be a number from 0.5 to 0.95/],
    [{ lock: { longWaitSeconds: 10 } }, /lock.longWaitSeconds must be a number from 0.001 to 5/],
    [{ loads: { joinsPerLoad: 0.5 } }, /loads.joinsPerLoad must be a number from 1 to 1e\+6/],
  ])('refuses %j', (partial, message) => refused(partial, message));

  it.each([
    [{ lock: { waitQuantile: 0.999 } }, { lock: { waitQuantile: 0.9991 } }],
    [{ lock: { timeoutRatio: 0.001 } }, { lock: { timeoutRatio: 0.0009 } }],
    [
      { memory: { ratio: 0.999, limitSeries: '', limitBytes: 2 ** 20 } },
      { memory: { ratio: 0.999, limitSeries: '', limitBytes: 2 ** 20 - 1 } },
    ],
    [{ growth: { ceiling: 1e15, minFloorRise: 1e15 } }, { growth: { ceiling: 1e15 + 2 } }],
    [{ exporter: { sampleGrowthRatio: 1.01 } }, { exporter: { sampleGrowthRatio: 1.009 } }],
  ])('accepts %j at its bound, refuses %j past it', (at, past) => {
    expect(() => resolveConfig(at)).not.toThrow();
    expect(() => resolveConfig(past)).toThrow(/must be a number from/);
  });
});

describe('the CLI refuses at the boundary with exit code 2, quickly', () => {
  it.each([
    [{ evaluationInterval: 'abc' }, /evaluationInterval must be a Prometheus duration/],
    [{ groupBy: ['__name__'] }, /groupBy: '__name__' is reserved/],
    [{ alerts: { growth: { for: '10y' } } }, /alerts.growth.for must be from 1s to 1d/],
    [{ lock: { stuckWindow: '7d' } }, /lock.stuckWindow must be from 1s to 6h/],
    [{ selector: 'job=~"["' }, /is not a valid regexp/],
    // Valid on its face, but the pack's own tests cannot hold under it: a bad config, not a crash.
    [
      { growth: { peakWindow: '2d' } },
      /the config fails the pack's self-check: config makes MapwatchMapInstancesGrowing fire on the/,
    ],
  ])('%j', async (partial, message) => {
    await withTempDir(async (dir) => {
      const config = join(dir, 'pack.json');
      await writeFile(config, JSON.stringify(partial));
      const err: string[] = [];
      const cli: CliIo = { stdout: () => {}, stderr: (t) => err.push(t), readStdin: async () => '' };
      const started = Date.now();
      expect(await runCli(['rules', '--config', config, '--out', join(dir, 'a')], cli)).toBe(2);
      // A hang guard, not a timing goal: generous for a loaded machine.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(err.join('')).toMatch(message);
      expect(err.join('').trim().split('\n')).toHaveLength(1);
    });
  });
});
