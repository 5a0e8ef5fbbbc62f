/**
 * The acceptance goals, measured on the seeded suite. With MAPWATCH_WRITE_REPORT=1 it also
 * writes docs/detector.md.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NEGATIVE_FAMILIES } from './scenarios.js';
import { buildReport, renderMarkdown } from './report.js';
import { delays } from './evaluate.js';

const report = buildReport();
const [ours, memwatch, deriv, derivFor] = report.rules;

describe('leak detector scorecard', () => {
  it('raises no false alarm in any negative family', () => {
    for (const family of NEGATIVE_FAMILIES) {
      const alarms = ours!.outcomes.filter((o) => o.scenario.family === family && o.flaggedAt !== undefined);
      expect(
        alarms.map((o) => o.scenario.id),
        family,
      ).toEqual([]);
    }
  });

  it('catches at least 95 % of the leaks', () => {
    expect(ours!.overall.recall).toBeGreaterThanOrEqual(0.95);
  });

  it('flags a steady leak of 0.5 % of base per hour within 2 h', () => {
    expect(report.slowLeakWorstDelayMs).toBeDefined();
    expect(report.slowLeakWorstDelayMs!).toBeLessThanOrEqual(2 * 3_600_000);
  });

  it('flags a fast leak that starts after a day of history within 3 h (median from the onset)', () => {
    const late = delays(ours!.outcomes.filter((o) => o.scenario.family === 'late-growth'));
    expect(late.median).toBeDefined();
    expect(late.median!).toBeLessThanOrEqual(3 * 3_600_000);
    // ...and never during the leak-free day before the onset.
    for (const o of ours!.outcomes.filter((x) => x.scenario.family === 'late-growth'))
      expect(o.delayMs!, o.scenario.id).toBeGreaterThan(0);
  });

  it('beats both baselines on F1', () => {
    for (const baseline of [memwatch!, deriv!, derivFor!]) {
      expect(ours!.overall.f1, baseline.name).toBeGreaterThan(baseline.overall.f1);
    }
  });

  it('writes docs/detector.md when asked', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('| mapwatch LeakDetector |');
    if (process.env.MAPWATCH_WRITE_REPORT === '1')
      writeFileSync(new URL('../../docs/detector.md', import.meta.url), md);
  });
});
