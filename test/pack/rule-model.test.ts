/**
 * The rule model without promtool: its closed (Prometheus 2) and left-open (Prometheus 3, VictoriaMetrics)
 * range selectors, and the cost of the long windows that docs/pack.md reports.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildRuleGroups } from '../../src/pack/alerts.js';
import { defaultConfig, resolveConfig } from '../../src/pack/config.js';
import { parseDuration } from '../../src/pack/duration.js';
import { Sim } from '../../src/pack/rule-tests/promsim.js';
import { buildRuleTests, ruleTestCoverage } from '../../src/pack/rule-tests/index.js';
import { toYaml } from '../../src/pack/write.js';

/** Repository root, so the tests do not depend on the working directory. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The rule model under both range semantics: Prometheus 2's closed ranges, `[t - w, t]`, and Prometheus 3's
 * left-open ones, `(t - w, t]`. The closed model is checked against promtool 2.42 by every committed test; the
 * left-open one generates the prometheus3 flavour's tests.
 */
describe('the rule model, closed and left-open', () => {
  // One sample a minute: 10, 20, ..., 100 at minutes 0..9; a 3m window ending at minute 6 has its left edge on
  // the sample of minute 3.
  const series = Array.from({ length: 10 }, (_, j) => 10 * (j + 1));
  const closed = new Sim(60, 'closed');
  const open = new Sim(60, 'left-open');

  it('keeps the sample on the left edge of a range only when ranges are closed', () => {
    expect(closed.range(series, 6, 3).map(([j]) => j)).toEqual([3, 4, 5, 6]);
    expect(open.range(series, 6, 3).map(([j]) => j)).toEqual([4, 5, 6]);
    expect(closed.minOver(series, 6, 3)).toBe(40);
    expect(open.minOver(series, 6, 3)).toBe(50);
    // With an offset the range moves back and keeps its semantics.
    expect(closed.maxOver(series, 6, 3, 3)).toBe(40);
    expect(open.maxOver(series, 6, 3, 3)).toBe(40);
    expect(open.minOver(series, 6, 3, 3)).toBe(20);
  });

  it('extrapolates increase() to the left edge when the edge sample is left out', () => {
    // Closed: 4 samples span the whole 3m (+30). Left-open: 3 samples span 2m (+20), extrapolated by the
    // missing minute to +30, as Prometheus 3 does for a counter that did not start in the window.
    expect(closed.increase(series, 6, 3)).toBe(30);
    expect(open.increase(series, 6, 3)).toBeCloseTo(30, 9);
    expect(closed.changes(series, 6, 3)).toBe(3);
    expect(open.changes(series, 6, 3)).toBe(2);
  });

  it('looks back 5m for an instant selector, the sample exactly 5m old only when closed', () => {
    const gap = [1, undefined, undefined, undefined, undefined, undefined];
    expect(closed.instant(gap, 5)).toBe(1);
    expect(open.instant(gap, 5)).toBeUndefined();
    expect(open.instant(gap, 4)).toBe(1);
  });

  it('generates the prometheus3 flavour under the left-open model, every guard pinned', () => {
    const c = resolveConfig({ target: 'prometheus3' });
    const p3 = buildRuleTests(c);
    const p2 = buildRuleTests(defaultConfig);
    expect(Object.keys(p3)).toEqual(Object.keys(p2));
    expect(ruleTestCoverage(c)).toEqual([]);
    // The two models disagree where the test data put a sample on a window's left edge: the flavours' tests
    // are not interchangeable (docs/pack.md, "Prometheus 3").
    const differing = Object.keys(p2).filter((f) => toYaml(p2[f]) !== toYaml(p3[f]));
    expect(differing.length).toBeGreaterThan(0);
  });
});

/**
 * Samples one evaluation of each group reads through its range selectors, one series per selector: raw series
 * at the scrape interval, recorded ones (`level:metric:op`) at the evaluation interval.
 */
function samplesPerEvaluation(c: typeof defaultConfig, scrape: number): Record<string, number> {
  const evaluation = parseDuration(c.evaluationInterval);
  const out: Record<string, number> = {};
  for (const g of buildRuleGroups(c)) {
    let n = 0;
    for (const r of g.rules) {
      for (const m of r.expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\[(\d+[smhd])\]/g)) {
        const step = (m[1] as string).includes(':') ? evaluation : scrape;
        n += parseDuration(m[2] as string) / step;
      }
    }
    out[g.name] = n;
  }
  return out;
}

describe('the cost of the long windows (docs/pack.md, "Running at fleet scale")', () => {
  it('states the samples per evaluation of the generated rules, inline and recorded', () => {
    const docs = readFileSync(join(ROOT, 'docs/pack.md'), 'utf8');
    const recorded = samplesPerEvaluation(defaultConfig, 15);
    const inline = samplesPerEvaluation(resolveConfig({ recordingRules: false }), 15);
    const fmt = (n: number) => n.toLocaleString('en-US');
    const row = (label: string) => docs.split('\n').find((l) => l.startsWith(`| ${label}`)) ?? '';
    expect(row('`mapwatch-growth`')).toContain(fmt(inline['mapwatch-growth'] as number));
    expect(row('`mapwatch-growth`')).toContain(fmt(recorded['mapwatch-growth'] as number));
    expect(row('`mapwatch-meta`')).toContain(fmt(inline['mapwatch-meta'] as number));
    expect(row('`mapwatch-meta`')).toContain(fmt(recorded['mapwatch-meta'] as number));
    expect(recorded['mapwatch-growth']).toBeLessThan((inline['mapwatch-growth'] as number) / 2);
    // The figure: a day's window at a 15 s scrape is 5,760 samples per series and evaluation.
    expect(docs).toContain(`reads ${fmt(86_400 / 15)} samples`);
  });
});

/** The vmalert flavour: parsed and validated (MetricsQL expressions, templates) by the real vmalert. */
