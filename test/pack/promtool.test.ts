/**
 * The alert rules through the real promtool: `check rules` on every rule file (the plain file and the
 * PrometheusRule's spec), `test rules` on the committed tests (promtool-configs.test.ts: on tests generated
 * for other configs and flavours), `amtool check-config` on the Alertmanager example. A mutation run proves
 * the tests can fail: every guard of every alert is deleted in turn. promtool runs go through
 * promtool-support.ts, two processes at a time.
 *
 * Not run on Node 24 (package.json "test:node24"): what this file checks is the rules and test files, run
 * by the promtool binary; the generator that writes them is pinned byte for byte on Node 24 by
 * generated.test.ts, so a second run would check the same bytes with the same binary. See docs/pack.md,
 * "The rule tests in CI".
 */
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ALERT_DEFS,
  INFO_INHIBITOR,
  alertDef,
  buildRecordingRules,
  buildRuleGroups,
} from '../../src/pack/alerts.js';
import { defaultConfig, fastConfig, resolveConfig } from '../../src/pack/config.js';
import { parseDuration } from '../../src/pack/duration.js';
import {
  buildRuleTests,
  pinnedGuards,
  ruleTestCoverage,
  type PinnedGuard,
} from '../../src/pack/rule-tests/index.js';
import { renderAlerts } from '../../src/pack/render-alerts.js';
import { toYaml, writeFileSet } from '../../src/pack/write.js';
import { requireTool } from '../helpers/tools.js';
import {
  groupFileName,
  groupFilePath,
  groupFileText,
  guardsOf,
  promtoolRun,
  testRules,
  type GroupRef,
} from './promtool-support.js';
import { runTool, withTempDir } from './tmp.js';

/** Repository root, so the tests do not depend on the working directory. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const promtool = requireTool('promtool');
const amtool = requireTool('amtool');
const vmalert = requireTool('vmalert');
/** Alerting rules (the info inhibitor too) and recording rules of the default config. */
const RULE_COUNT = ALERT_DEFS.length + 1 + buildRecordingRules(defaultConfig).length;

interface RuleTest {
  name: string;
  alert_rule_test: Array<{
    eval_time: string;
    alertname: string;
    exp_alerts: Array<{ exp_labels: Record<string, string> }>;
  }>;
  promql_expr_test?: Array<{ expr: string; eval_time: string; exp_samples: unknown[] }>;
}

function committedTests(file: string): RuleTest[] {
  return (parse(readFileSync(join(ROOT, 'alerts/tests', file), 'utf8')) as { tests: RuleTest[] }).tests;
}

const firing = (t: RuleTest) => t.alert_rule_test.filter((x) => x.exp_alerts.length > 0);

describe.skipIf(!promtool)('promtool', () => {
  const tool = promtool as string;

  it('checks the committed rule file', async () => {
    const r = await runTool(tool, ['check', 'rules', 'alerts/mapwatch.rules.yml'], ROOT);
    expect(r.output).toContain(`SUCCESS: ${RULE_COUNT} rules found`);
    expect(r.code).toBe(0);
  });

  it('checks the rules inside the committed PrometheusRule manifest', async () => {
    const manifest = parse(readFileSync(join(ROOT, 'alerts/prometheus-rule.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(manifest.kind).toBe('PrometheusRule');
    await withTempDir(async (dir) => {
      const file = join(dir, 'spec.rules.yml');
      await writeFile(file, toYaml(manifest.spec));
      const r = await runTool(tool, ['check', 'rules', file]);
      expect(r.output).toContain(`SUCCESS: ${RULE_COUNT} rules found`);
      expect(r.code).toBe(0);
    });
  });

  it('passes the committed promtool unit tests', async () => {
    const files = readdirSync(join(ROOT, 'alerts/tests'))
      .filter((f) => f.endsWith('.yml'))
      .map((f) => join('alerts/tests', f));
    expect(files.length).toBeGreaterThan(ALERT_DEFS.length);
    const r = await testRules(tool, files, ROOT);
    expect(r.code, r.output).toBe(0);
  }, 300_000);

  it('has, for every alert, a test that it fires at its for boundary and not one evaluation before', () => {
    for (const def of ALERT_DEFS) {
      const file = parse(readFileSync(join(ROOT, `alerts/tests/${def.name}.yml`), 'utf8')) as {
        evaluation_interval: string;
        tests: Array<Record<string, unknown>>;
      };
      const step = parseDuration(file.evaluation_interval);
      for (const t of file.tests) {
        const checks = t.alert_rule_test as Array<{ eval_time: string; exp_alerts: unknown[] }>;
        const firstFiring = checks.findIndex((x) => x.exp_alerts.length > 0);
        expect(firstFiring, def.name).toBeGreaterThan(0);
        const before = checks[firstFiring - 1] as { eval_time: string; exp_alerts: unknown[] };
        expect(before.exp_alerts, def.name).toEqual([]);
        // Exactly one evaluation before: an alert firing one step early fails the test.
        expect(
          parseDuration(before.eval_time) + step,
          `${def.name}: checkpoint one evaluation before firing`,
        ).toBe(parseDuration((checks[firstFiring] as { eval_time: string }).eval_time));
        expect(checks[checks.length - 1]?.exp_alerts, `${def.name} resolves`).toEqual([]);
      }
    }
    const silentNames = ['silent-shapes.yml', 'silent-long-shapes.yml'].flatMap((f) => {
      const silent = parse(readFileSync(join(ROOT, 'alerts/tests', f), 'utf8')) as {
        tests: Array<Record<string, unknown>>;
      };
      for (const t of silent.tests) {
        const names = new Set((t.alert_rule_test as Array<{ alertname: string }>).map((x) => x.alertname));
        expect([...names].sort()).toEqual(ALERT_DEFS.map((d) => d.name).sort());
      }
      return silent.tests.map((t) => t.name);
    });
    expect(silentNames).toEqual([
      'no alert fires on a healthy busy map whose process restarts (counters reset)',
      'no alert fires on a membership set with 0 entries whose lookups all miss',
      'no alert fires on warm-up, then a plateau under churn',
      'no alert fires on TTL sawtooth',
      'no alert fires on periodic clear',
      'no alert fires on a daily cycle under churn peaking near the ceiling',
      'no alert fires on a long-TTL cache refilling after a restart (counters reset)',
      'no alert fires on a long-TTL cache refilling after a restart under a new instance label (pod name)',
    ]);
  });

  // The fresh-start shapes of the leak-verdicts issue, as the committed tests (run by promtool above) state
  // them for the default rules: every shape starts with its target, no series before it.
  describe('fresh-start shapes (committed tests, default rules)', () => {
    const tests = committedTests('fresh-start-shapes.yml');
    const shape = (letter: string) => {
      const t = tests.find((x) => x.name.startsWith(`fresh start (${letter})`));
      if (!t) throw new Error(`no fresh-start shape (${letter})`);
      return t;
    };
    const FRESH = alertDef('freshLeak').name;

    it('checks every alert on every shape', () => {
      expect(tests.map((t) => /^fresh start \((.)\)/.exec(t.name)?.[1])).toEqual([...'abcdefgh']);
      for (const t of tests) {
        expect(new Set(t.alert_rule_test.map((x) => x.alertname))).toEqual(
          new Set(ALERT_DEFS.map((d) => d.name)),
        );
      }
    });

    it('(a) pages a leak present from the first minute within 3h, with the fresh-target alert only', () => {
      const f = firing(shape('a'));
      expect(new Set(f.map((x) => x.alertname))).toEqual(new Set([FRESH]));
      expect(Math.min(...f.map((x) => parseDuration(x.eval_time)))).toBeLessThanOrEqual(3 * 3600);
    });

    it.each([...'bdefgh'])('(%s) pages nobody', (letter) => {
      const t = shape(letter);
      expect(t.name).toMatch(/: no alert fires$/);
      expect(firing(t)).toEqual([]);
    });

    it('(c) pages every restarted instance, and the job keeps its peak of yesterday across instances', () => {
      const t = shape('c');
      const f = firing(t);
      expect(new Set(f.map((x) => x.alertname))).toEqual(new Set([FRESH]));
      const instances = new Set(f.flatMap((x) => x.exp_alerts.map((a) => a.exp_labels.instance)));
      // Six generations, each exported by prom-client and by the OTel exporter.
      expect(instances.size).toBe(12);
      expect(t.promql_expr_test).toHaveLength(1);
      expect(t.promql_expr_test?.[0]?.exp_samples).toHaveLength(1);
    });
  });

  // The out-of-memory cycle of the on-call issue, as the committed test (run by promtool above) states it
  // for the default rules: a map from 0 past its ceiling in 10h, killed at the memory limit, ten times.
  describe('out-of-memory cycle (committed test, default rules)', () => {
    const [test] = committedTests('oom-cycle.yml');
    const cycle = parseDuration(/ in ([0-9dhms]+), killed/.exec(test?.name ?? '')?.[1] ?? '0s');
    const cyclesOf = (alert: string) =>
      new Set(
        firing(test as RuleTest)
          .filter((x) => x.alertname === alert)
          .map((x) => Math.floor(parseDuration(x.eval_time) / cycle)),
      );

    it('runs ten cycles of ten hours over four days, checking every alert', () => {
      expect(cycle).toBe(10 * 3600);
      expect(test?.name).toMatch(/killed at the memory limit and restarted, 10 times/);
      expect(new Set(test?.alert_rule_test.map((x) => x.alertname))).toEqual(
        new Set(ALERT_DEFS.map((d) => d.name)),
      );
    });

    it('pages within the first cycle and in every cycle after, before the kill', () => {
      const memory = alertDef('memoryNearLimit').name;
      expect([...cyclesOf(memory)].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
      const first = Math.min(
        ...firing(test as RuleTest)
          .filter((x) => x.alertname === memory)
          .map((x) => parseDuration(x.eval_time)),
      );
      expect(first).toBeLessThan(cycle);
      for (const x of firing(test as RuleTest).filter((y) => y.alertname === memory)) {
        expect(x.exp_alerts.map((a) => a.exp_labels.severity)).toEqual(['critical', 'critical']);
        expect(new Set(x.exp_alerts.map((a) => a.exp_labels.map_name))).toEqual(new Set(['sessions']));
      }
    });

    it('pages the restart that follows every kill, naming the map that grew', () => {
      const restart = alertDef('restartNearLimit').name;
      expect([...cyclesOf(restart)].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('pages nothing for the cache of the same process, which refills after every restart', () => {
      const maps = new Set(
        firing(test as RuleTest).flatMap((x) => x.exp_alerts.map((a) => a.exp_labels.map_name)),
      );
      expect([...maps]).toEqual(['sessions']);
    });
  });

  it(`${INFO_INHIBITOR} is firing while an info alert of its job is pending or firing alone`, () => {
    const [test] = committedTests(`${INFO_INHIBITOR}.yml`);
    const steps = firing(test as RuleTest);
    const jobAt = (job: string) =>
      steps
        .filter((x) => x.exp_alerts.some((a) => a.exp_labels.job === job))
        .map((x) => parseDuration(x.eval_time) / 60);
    const on = jobAt('checkout');
    expect(on.length).toBeGreaterThan(3);
    // Info pending from 4m, firing from 8m to 40m, a warning beside it from 16m to 28m. No `for`: the
    // inhibitor is there at the first pending step, before the info alert fires and could notify.
    expect(on).toContain(4);
    for (const m of on) expect((m >= 4 && m < 16) || (m >= 28 && m < 40), `${m}m`).toBe(true);
    // A job whose info alert is only pending, and one whose warning is only pending, stay inhibited.
    for (const job of ['ctl-pending', 'ctl-warning-pending']) expect(jobAt(job).length).toBe(steps.length);
    const jobs = new Set(steps.flatMap((x) => x.exp_alerts.map((a) => a.exp_labels.job)));
    expect([...jobs].sort()).toEqual(['checkout', 'ctl-pending', 'ctl-warning-pending']);
  });

  it('MapwatchMapGrowingUnbounded pages a new pod before it has a day of its own history', () => {
    const t = committedTests(`${alertDef('growth').name}.yml`).find((x) =>
      x.name.includes('a deploy replaces'),
    );
    const age = /\(([0-9dhms]+) after the new instance started\)/.exec(t?.name ?? '')?.[1];
    expect(age).toBeDefined();
    expect(parseDuration(age as string)).toBeLessThan(86400);
    const instances = new Set(
      firing(t as RuleTest).flatMap((x) => x.exp_alerts.map((a) => a.exp_labels.instance)),
    );
    expect([...instances].sort()).toEqual(['checkout-0-b:9464', 'checkout-1-b:9464']);
  });

  it('pins every condition of every alert with a control (per the model)', () => {
    expect(ruleTestCoverage(defaultConfig)).toEqual([]);
    expect(
      ruleTestCoverage(resolveConfig({ groupBy: ['cluster'], growth: { ceilings: { sessions: 3e6 } } })),
    ).toEqual([]);
  });

  it('fails when a rule drifts from what the tests expect (the tests can fail)', async () => {
    await withTempDir(async (dir) => {
      const files = renderAlerts(defaultConfig);
      const original = files['mapwatch.rules.yml'] as string;
      // Fire the growth alert 15 minutes early and make the lock storm resolve without its keep_firing_for tail.
      const rules = original
        .replace(/(alert: MapwatchMapGrowingUnbounded[\s\S]*?for: )2h/, '$11h45m')
        .replace(/(alert: MapwatchLockStorm[\s\S]*?keep_firing_for: )5m/, '$11m');
      expect(rules).not.toBe(original);
      await writeFileSet(dir, { ...files, 'mapwatch.rules.yml': rules });
      const [growth, storm] = await Promise.all(
        ['MapwatchMapGrowingUnbounded.yml', 'MapwatchLockStorm.yml'].map((f) =>
          promtoolRun(tool, ['test', 'rules', join(dir, 'tests', f)]),
        ),
      );
      expect(growth?.code).not.toBe(0);
      expect(storm?.code).not.toBe(0);
    });
  });

  // Deleting an `and` / `unless` guard of a rule must make promtool fail. ruleTestCoverage checks every
  // guard against the model; this runs the real promtool on every guard of every alert. The cases come from
  // the generator (pinnedGuards), and the generator's guards must be the rules' own: one per `and` /
  // `unless` of each alert expression. Each case runs one test group whose controls pin its guard, alone in
  // a file: promtool runs the groups of a file independently, each on its own series, so a group fails
  // alone exactly when it fails in its file, and a guard pinned by one group of a day-scale shapes file
  // costs that group, not the file. Every pinning group must fail (the generator adds a file to the list
  // only when a control of it fires once the guard is gone); the case runs the first, in the alert's own
  // file when that pins the guard (the quickest).
  const guards = pinnedGuards(defaultConfig);
  const ruleTests = buildRuleTests(defaultConfig);
  const alertNames = new Set(ALERT_DEFS.map((d) => d.name));
  const firstPin = (g: PinnedGuard): GroupRef => {
    const file = g.files[0];
    const group = file === undefined ? undefined : g.groups[file]?.[0];
    if (file === undefined || group === undefined) throw new Error(`no test pins ${g.alert} #${g.condition}`);
    return { file, group };
  };
  /** The default rules as the cases write them, without guard `guard` of `alert` when one is given. */
  const rulesWithout = (alert?: string, guard = 0) => {
    const groups = buildRuleGroups(defaultConfig).map((g) => ({
      ...g,
      rules: g.rules.map((r) => {
        if (alert === undefined || !('alert' in r) || r.alert !== alert) return r;
        const parts = guardsOf(r.expr);
        expect(parts.length, `${alert} has guard #${guard}`).toBeGreaterThan(guard);
        return { ...r, expr: parts.filter((_, k) => k !== guard).join('\n') };
      }),
    }));
    return toYaml({ groups });
  };
  /** Writes `rules` and a single-group test file per ref (tests/<file>.<group>.yml) under `dir`. */
  const writeCase = (dir: string, rules: string, refs: GroupRef[]) =>
    writeFileSet(dir, {
      'mapwatch.rules.yml': rules,
      ...Object.fromEntries(
        refs.map((ref) => [`tests/${groupFileName(ref)}`, groupFileText(ruleTests, ref)]),
      ),
    });

  it('knows a test group for every guard', () => {
    expect(guards.length).toBeGreaterThan(20);
    expect(guards.filter((g) => g.files.length === 0)).toEqual([]);
    for (const g of guards) {
      for (const f of g.files) {
        expect(g.groups[f]?.length, `${g.alert} #${g.condition} in ${f}`).toBeGreaterThan(0);
      }
    }
  });

  it('models exactly the guards the rules have', () => {
    const fromRules = buildRuleGroups(defaultConfig)
      .flatMap((g) => g.rules)
      .flatMap((r) =>
        'alert' in r && alertNames.has(r.alert)
          ? guardsOf(r.expr)
              .slice(1)
              .map((_, k) => `${r.alert} #${k + 1}`)
          : [],
      );
    expect(guards.map((g) => `${g.alert} #${g.condition}`).sort()).toEqual(fromRules.sort());
  });

  it('passes, alone in its file, every test group a case below runs, on the rules as they are', async () => {
    // So that each case fails because of its deletion, never because its group fails on its own.
    const refs = [...new Map(guards.map(firstPin).map((ref) => [groupFileName(ref), ref])).values()];
    await withTempDir(async (dir) => {
      await writeCase(dir, rulesWithout(), refs);
      const r = await testRules(
        tool,
        refs.map((ref) => groupFilePath(dir, ref)),
      );
      expect(r.code, r.output).toBe(0);
    });
  }, 300_000);

  it.concurrent.each(guards.map((g) => [g.alert, g.condition, firstPin(g)] as const))(
    'fails when %s loses guard #%i',
    async (alert, guard, ref) => {
      await withTempDir(async (dir) => {
        await writeCase(dir, rulesWithout(alert, guard), [ref]);
        const check = await promtoolRun(tool, ['check', 'rules', join(dir, 'mapwatch.rules.yml')]);
        expect(check.code, check.output).toBe(0);
        const r = await promtoolRun(tool, ['test', 'rules', groupFilePath(dir, ref)]);
        expect(
          r.code,
          `deleting guard #${guard} of ${alert} went unnoticed by ${groupFileName(ref)}`,
        ).not.toBe(0);
      });
    },
    // Cases wait for one of the two promtool slots (promtool-support.ts) on a machine shared with other work.
    180_000,
  );
});

describe.skipIf(!vmalert)('vmalert -dryRun', () => {
  const tool = vmalert as string;
  const dryRun = (file: string) => runTool(tool, [`-rule=${file}`, '-dryRun', '-loggerLevel=ERROR']);

  it('refuses the Prometheus flavour (keep_firing_for), which is why the vmalert flavour exists', async () => {
    const r = await dryRun(join(ROOT, 'alerts/mapwatch.rules.yml'));
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('unknown fields in rule: keep_firing_for');
  });

  it.each([
    ['default', defaultConfig],
    ['fast', fastConfig],
  ] as const)('accepts the vmalert flavour of the %s preset, and its VMRule', async (_name, preset) => {
    const c = resolveConfig({ target: 'vmalert' }, preset);
    const files = renderAlerts(c);
    const rules = files['mapwatch.rules.yml'] as string;
    expect(rules).not.toMatch(/^\s+keep_firing_for:/m);
    expect(files['prometheus-rule.yaml']).toBeUndefined();
    const vmRule = parse(files['vmrule.yaml'] as string) as { kind: string; spec: unknown };
    expect(vmRule.kind).toBe('VMRule');
    await withTempDir(async (dir) => {
      await writeFileSet(dir, { 'mapwatch.rules.yml': rules, 'spec.rules.yml': toYaml(vmRule.spec) });
      for (const f of ['mapwatch.rules.yml', 'spec.rules.yml']) {
        const r = await dryRun(join(dir, f));
        expect(r.code, r.output).toBe(0);
      }
    });
  });

  it('fails on a rule it cannot parse (the check can fail)', async () => {
    await withTempDir(async (dir) => {
      const groups = buildRuleGroups(resolveConfig({ target: 'vmalert' }));
      const broken = groups.map((g, k) =>
        k === 0 ? { ...g, rules: [{ record: 'mapwatch:broken', expr: 'sum(rate(x[5m]) by' }] } : g,
      );
      await writeFileSet(dir, { 'r.yml': toYaml({ groups: broken }) });
      const r = await dryRun(join(dir, 'r.yml'));
      expect(r.code).not.toBe(0);
    });
  });
});

describe.skipIf(!amtool)('amtool', () => {
  it('accepts the Alertmanager example', async () => {
    const r = await runTool(amtool as string, ['check-config', 'alerts/alertmanager.example.yml'], ROOT);
    expect(r.code, r.output).toBe(0);
  });
});
