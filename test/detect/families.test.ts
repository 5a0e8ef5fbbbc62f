/**
 * Pins the detector's behaviour per scenario family, on a seed other than the report's: a family that
 * regresses fails its own test.
 */
import { describe, expect, it } from 'vitest';
import { NEGATIVE_FAMILIES, POSITIVE_FAMILIES, scenarios, type Scenario } from './scenarios.js';
import { detectorRule, runRule } from './evaluate.js';

const SEED = 7;
const PER_FAMILY = 8;
const rule = detectorRule();
const HOUR = 3_600_000;

function flagged(list: Scenario[]): string[] {
  return runRule(rule, list)
    .filter((o) => o.flaggedAt !== undefined)
    .map((o) => `${o.scenario.id} (${o.scenario.params}) at ${(o.delayMs! / HOUR).toFixed(1)} h`);
}

describe('must not flag', () => {
  for (const family of NEGATIVE_FAMILIES) {
    it(family, () => {
      expect(flagged(scenarios(family, PER_FAMILY, SEED))).toEqual([]);
    });
  }
});

describe('must flag', () => {
  for (const family of POSITIVE_FAMILIES) {
    it(family, () => {
      // Tiny maps under a large daily cycle are the documented exception (docs/detector.md).
      const list = scenarios(family, PER_FAMILY, SEED).filter(
        (s) => !(family === 'diurnal-growth' && s.base < 2000),
      );
      const missed = runRule(rule, list).filter((o) => o.flaggedAt === undefined);
      expect(missed.map((o) => `${o.scenario.id} (${o.scenario.params})`)).toEqual([]);
    });
  }

  // The 2 h goal holds while the sample jitter stays well below the rise per 15-min window
  // (0.125 % of base); noisier slow leaks take longer and are pinned separately.
  it('a steady leak of 0.5 % of base per hour within 2 h (jitter <= 0.06 % of base)', () => {
    const slow = scenarios('steady-growth', 72, SEED).filter(
      (s) => s.relRatePerHour === 0.005 && s.base >= 2000 && s.jitter! <= 0.0006,
    );
    expect(slow.length).toBeGreaterThanOrEqual(3);
    for (const o of runRule(rule, slow)) {
      expect(o.delayMs, o.scenario.id).toBeDefined();
      expect(o.delayMs!, o.scenario.id).toBeLessThanOrEqual(2 * HOUR);
    }
  });

  // The fast path: a map with a day of history that starts leaking 3-20 %/h (or doubling every
  // 6-12 h) is flagged within hours of the onset, not the day or more the long windows need.
  it('a fast leak after a day of history: median delay from the onset <= 3 h, worst <= 12 h', () => {
    const outcomes = runRule(rule, scenarios('late-growth', PER_FAMILY, SEED));
    const d = outcomes.map((o) => o.delayMs ?? Infinity).sort((a, b) => a - b);
    const median = (d[(d.length - 1) >> 1]! + d[d.length >> 1]!) / 2;
    expect(median).toBeLessThanOrEqual(3 * HOUR);
    expect(d[d.length - 1]!).toBeLessThanOrEqual(12 * HOUR);
  });

  it('a steady leak of 0.5 % of base per hour under more jitter within 6 h', () => {
    const slow = scenarios('steady-growth', 72, SEED).filter(
      (s) => s.relRatePerHour === 0.005 && s.base >= 2000 && s.jitter! > 0.0006,
    );
    expect(slow.length).toBeGreaterThanOrEqual(1);
    for (const o of runRule(rule, slow)) {
      expect(o.delayMs, o.scenario.id).toBeDefined();
      expect(o.delayMs!, o.scenario.id).toBeLessThanOrEqual(6 * HOUR);
    }
  });
});
