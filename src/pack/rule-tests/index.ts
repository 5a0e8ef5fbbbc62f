/**
 * Config -> promtool unit tests (alerts/tests/*.yml). Tests are generated, not hand-written, so that the
 * `for`, `keep_firing_for` and thresholds they check come from the same config as the rules.
 *
 * Every alert expression is modelled (promsim.ts) as a list of conditions joined by `and` / `unless`; the
 * first one carries the value. For every alert a scenario builds synthetic series (one map exported by
 * prom-client, the same map on another instance exported through OTel with its otel_scope_* labels, both
 * with the configured groupBy labels), the model predicts step by step whether the expression returns a
 * value, and a small copy of the Prometheus alert state machine turns that into the steps where the alert
 * must not yet fire, must fire, must keep firing and must stop.
 *
 * Control series pin every guard: next to the faulty map each scenario carries maps (or targets) that
 * satisfy every condition but one, and the test expects no alert for them. The generator checks with the
 * model that each control would fire at one of the tested steps if its missing condition were deleted
 * from the rule (`ruleTestCoverage`), so deleting any guard makes promtool fail. Silent scenarios (warm-up
 * then plateau, TTL sawtooth, periodic clear, a daily cycle near the ceiling, a 24h-TTL refill after a
 * restart, a membership set) assert that no alert fires at all.
 *
 * Layout: models.ts maps each alert key to its model and fire scenarios, which live together in
 * scenarios/<group>.ts (growth, leaks, locks, caches, absence, memory, exporter), so a rule and its model
 * change in one place; scenarios/silent.ts and scenarios/fresh-start.ts hold the shapes every alert is
 * checked on, scenarios/inhibitor.ts the info inhibitor's test, scenarios/live.ts the live values of
 * descriptions (the `query` templates) and scenarios/builder.ts the series builder. state-machine.ts turns
 * a model into alert states, checks.ts states into test groups, yaml.ts writes promtool's notation,
 * timing.ts picks the step each file runs on (so a tuned config gets tests of its own) and generate.ts puts
 * the files together. Only `mapwatch rules` loads this folder; the rules, dashboards and runbook do not.
 */
import { ALERT_DEFS } from '../alerts.js';
import { type PackConfig } from '../config.js';
import { generate } from './generate.js';
import { type PromtoolTestFile } from './yaml.js';

/** A guard of an alert that no control of the generated tests pins. */
export interface Unpinned {
  alert: string;
  condition: number;
}

/**
 * All promtool test files for a config, keyed by file name. `ruleFile` is the rule file path relative to
 * the test files' directory.
 */
export function buildRuleTests(
  c: PackConfig,
  ruleFile = '../mapwatch.rules.yml',
): Record<string, PromtoolTestFile> {
  return generate(c, ruleFile).files;
}

/**
 * Conditions (index in rule order, 0 = the one carrying the value) of alerts with more than one condition
 * that no control of the generated tests pins: deleting them from the rule would go unnoticed.
 */
export function ruleTestCoverage(c: PackConfig): Unpinned[] {
  const g = generate(c, '../mapwatch.rules.yml');
  const out: Unpinned[] = [];
  for (const def of ALERT_DEFS) {
    const n = g.conditionCounts.get(def.key) ?? 0;
    if (n < 2) continue;
    for (let k = 0; k < n; k++) {
      if (!g.pinned.get(def.key)?.has(k)) out.push({ alert: def.name, condition: k });
    }
  }
  return out;
}

/** A guard (condition 1 or later) of an alert and the generated test files whose controls pin it. */
export interface PinnedGuard {
  alert: string;
  condition: number;
  /** The test files, sorted (the alerts' own files before the shapes). */
  files: string[];
  /** Per file, the indices (in its `tests`) of the test groups that hold a control pinning the guard. */
  groups: Record<string, number[]>;
}

/**
 * Every guard of every alert with more than one condition, with the test files (and their test groups)
 * that must fail when the guard is deleted from the rule (the mutation run in
 * test/pack/promtool.test.ts).
 */
export function pinnedGuards(c: PackConfig): PinnedGuard[] {
  const g = generate(c, '../mapwatch.rules.yml');
  return ALERT_DEFS.flatMap((def) =>
    Array.from({ length: Math.max(0, (g.conditionCounts.get(def.key) ?? 0) - 1) }, (_, n) => {
      const byFile = g.pinned.get(def.key)?.get(n + 1) ?? new Map<string, Set<number>>();
      const files = [...byFile.keys()].sort();
      const groups = Object.fromEntries(
        files.map((f) => [f, [...(byFile.get(f) ?? [])].sort((a, b) => a - b)]),
      );
      return { alert: def.name, condition: n + 1, files, groups };
    }),
  );
}

export { replayRecording, type ReplayPage } from './replay.js';
export { type PromtoolTestFile } from './yaml.js';
