/** Every promtool test file for a config, and which control pins which guard of which alert. */
import { ALERT_DEFS, INFO_INHIBITOR } from '../alerts.js';
import { ALERT_KEYS, type AlertKey, type PackConfig } from '../config.js';
import { promDuration } from '../duration.js';
import { checkControls, fireTest, shapeTest, type Pin } from './checks.js';
import { conditions, fireScenarios } from './models.js';
import { RoundingBoundaryError } from './promsim.js';
import { MAP, steps, type Control, type Scenario } from './scenarios/builder.js';
import { freshStartScenarios } from './scenarios/fresh-start.js';
import { infoInhibitorTest } from './scenarios/inhibitor.js';
import { MEMORY_KEYS, oomCycleScenario } from './scenarios/memory.js';
import { silentScenarios } from './scenarios/silent.js';
import { LONG_KEYS, freshConfig, longConfig, simOf } from './timing.js';
import { inputSeries, testFile, type PromtoolTestFile } from './yaml.js';

/** The generated files, and what the coverage checks (index.ts) read from them. */
export interface Generated {
  files: Record<string, PromtoolTestFile>;
  /**
   * Per alert key and condition index, the test files in which some control pins it, each with the indices
   * (in its `tests`) of the test groups that hold such a control.
   */
  pinned: Map<AlertKey, Map<number, Map<string, Set<number>>>>;
  /** Per alert key, how many conditions its model has (1: no guard to pin). */
  conditionCounts: Map<AlertKey, number>;
}

/**
 * One file per alert (its fire scenarios, on the step timing.ts picks for it), the silent, fresh-start and
 * out-of-memory shapes every alert is checked on, and the info inhibitor's test.
 */
export function generate(c: PackConfig, ruleFile: string): Generated {
  const long = longConfig(c);
  const fresh = freshConfig(c);
  const configFor = (key: AlertKey) =>
    LONG_KEYS.includes(key) ? long : key === 'freshLeak' || MEMORY_KEYS.includes(key) ? fresh : c;
  const files: Record<string, PromtoolTestFile> = {};
  const pinned = new Map<AlertKey, Map<number, Map<string, Set<number>>>>();
  /** The Pin of test group `group` of `file`. */
  const pinIn =
    (file: string, group: number): Pin =>
    (key, skip) => {
      const byCondition = pinned.get(key) ?? new Map<number, Map<string, Set<number>>>();
      pinned.set(key, byCondition);
      const byFile = byCondition.get(skip) ?? new Map<string, Set<number>>();
      byCondition.set(skip, byFile);
      byFile.set(file, (byFile.get(file) ?? new Set<number>()).add(group));
    };
  const conditionCounts = new Map<AlertKey, number>();
  for (const def of ALERT_DEFS) {
    const cc = configFor(def.key);
    const sim = simOf(cc);
    const scenarios = fireScenarios(cc, def.key);
    conditionCounts.set(
      def.key,
      conditions(cc, sim, def.key, (scenarios[0] as Scenario).builder, MAP).length,
    );
    const file = `${def.name}.yml`;
    const tests = scenarios.map((sc, k) =>
      clearOfBoundaries(
        sc,
        (n) => fireScenarios(cc, def.key, n)[k] as Scenario,
        (s, pin) => fireTest(cc, def, s, sim, pin),
      )(pinIn(file, k)),
    );
    files[file] = testFile(cc, ruleFile, tests);
  }
  const pinsOf = (file: string) => (group: number) => pinIn(file, group);
  files['silent-shapes.yml'] = silentFile(
    c,
    ruleFile,
    silentScenarios(c, false),
    pinsOf('silent-shapes.yml'),
  );
  files['silent-long-shapes.yml'] = silentFile(
    long,
    ruleFile,
    silentScenarios(long, true),
    pinsOf('silent-long-shapes.yml'),
  );
  const freshSim = simOf(fresh);
  files['fresh-start-shapes.yml'] = testFile(
    fresh,
    ruleFile,
    freshStartScenarios(fresh).map((sc, k) =>
      shapeTest(fresh, sc, freshSim, pinIn('fresh-start-shapes.yml', k)),
    ),
  );
  files['oom-cycle.yml'] = testFile(fresh, ruleFile, [
    shapeTest(fresh, oomCycleScenario(fresh), freshSim, pinIn('oom-cycle.yml', 0), 'out of memory'),
  ]);
  files[`${INFO_INHIBITOR}.yml`] = infoInhibitorTest(c, ruleFile) as unknown as PromtoolTestFile;
  return { files, pinned, conditionCounts };
}

/** Nudges tried before giving up: each shifts the faulty data by one small step (AlertModel.fire). */
const MAX_NUDGE = 8;

/**
 * The test group of a fire scenario whose printed values are clear of every rounding boundary of their
 * format: the scenario as designed (`first`), else the first of its nudged variants (`nudged(n)`) that is.
 * An evaluation interval changes the values a ratio prints while its window fills (10.025 at 15s), and
 * which one lands on a boundary cannot be known before the model computes it. The pins of a variant that
 * failed are dropped, so only those of the group written count.
 */
function clearOfBoundaries(
  first: Scenario,
  nudged: (n: number) => Scenario,
  test: (sc: Scenario, pin: Pin) => Record<string, unknown>,
): (pin: Pin) => Record<string, unknown> {
  return (pin) => {
    let sc = first;
    for (let n = 1; ; n++) {
      const pins: Array<Parameters<Pin>> = [];
      try {
        const group = test(sc, (...args) => pins.push(args));
        for (const args of pins) pin(...args);
        return group;
      } catch (err) {
        if (!(err instanceof RoundingBoundaryError) || n > MAX_NUDGE) throw err;
      }
      sc = nudged(n);
    }
  };
}

/** `pinOf(k)`: the Pin of the k-th shape's test group. */
function silentFile(
  c: PackConfig,
  ruleFile: string,
  silent: Scenario[],
  pinOf: (group: number) => Pin,
): PromtoolTestFile {
  const sim = simOf(c);
  const at = (i: number) => promDuration(i * sim.step);
  return testFile(
    c,
    ruleFile,
    silent.map((sc, k) => {
      // Every half floor window on the day-scale shapes, a tenth of the shape on the short ones.
      const every = Math.max(
        1,
        Math.min(Math.floor(steps(c, c.growth.window) / 2), Math.floor(sc.builder.length / 10)),
      );
      const times: number[] = [];
      for (let i = every; i < sc.builder.length; i += every) times.push(i);
      // Every alert's model must agree that the shape is silent (checked by the controls below, skip -1).
      const everyAlert: Control[] = ALERT_KEYS.flatMap((key) =>
        (sc.gens ?? [undefined]).map((gen) => ({ entity: MAP, key, skip: -1, what: '', gen })),
      );
      checkControls(c, sim, { ...sc, controls: everyAlert }, new Set(), () => undefined, false);
      checkControls(c, sim, sc, new Set(times), pinOf(k), false);
      return {
        name: `no alert fires on ${sc.title}`,
        interval: c.evaluationInterval,
        input_series: inputSeries(sc.builder),
        alert_rule_test: times.flatMap((i) =>
          ALERT_DEFS.map((d) => ({ eval_time: at(i), alertname: d.name, exp_alerts: [] })),
        ),
      };
    }),
  );
}
