/**
 * The alert rules through the real promtool: `check rules` on every rule file (the plain file and the
 * PrometheusRule's spec), `test rules` on the committed tests and on tests generated for other configs,
 * `amtool check-config` on the Alertmanager example. A mutation run proves the tests can fail.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALERT_DEFS, buildRuleGroups } from '../../src/pack/alerts.js';
import { defaultConfig, fastConfig, resolveConfig } from '../../src/pack/config.js';
import { parseDuration } from '../../src/pack/duration.js';
import { ruleTestCoverage } from '../../src/pack/rule-tests.js';
import { renderAlerts, toYaml, writeFileSet } from '../../src/pack/write.js';
import { requireTool } from '../helpers/tools.js';
import { runTool, withTempDir } from './tmp.js';

/** Repository root, so the tests do not depend on the working directory. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const promtool = requireTool('promtool');
const amtool = requireTool('amtool');

describe.skipIf(!promtool)('promtool', () => {
  const tool = promtool as string;

  it('checks the committed rule file', async () => {
    const r = await runTool(tool, ['check', 'rules', 'alerts/mapwatch.rules.yml'], ROOT);
    expect(r.output).toContain(`SUCCESS: ${ALERT_DEFS.length} rules found`);
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
      expect(r.output).toContain(`SUCCESS: ${ALERT_DEFS.length} rules found`);
      expect(r.code).toBe(0);
    });
  });

  it('passes the committed promtool unit tests', async () => {
    const files = readdirSync(join(ROOT, 'alerts/tests'))
      .filter((f) => f.endsWith('.yml'))
      .map((f) => join('alerts/tests', f));
    const r = await runTool(tool, ['test', 'rules', ...files], ROOT);
    expect(r.code, r.output).toBe(0);
  });

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
    ]);
  });

  it('pins every condition of every alert with a control (per the model)', () => {
    expect(ruleTestCoverage(defaultConfig)).toEqual([]);
    expect(
      ruleTestCoverage(resolveConfig({ groupBy: ['cluster'], growth: { ceilings: { sessions: 3e6 } } })),
    ).toEqual([]);
  });

  it.each([
    ['fast', fastConfig],
    [
      'custom',
      resolveConfig({
        selector: 'job=~"check.*"',
        groupBy: ['cluster'],
        lock: { window: '10m' },
        growth: { ceilings: { sessions: 3_000_000, 'other-map': 10 } },
        alerts: { growth: { for: '3h' } },
      }),
    ],
  ])('passes generated tests for the %s config', async (_name, config) => {
    await withTempDir(async (dir) => {
      await writeFileSet(dir, renderAlerts(config));
      const check = await runTool(tool, ['check', 'rules', join(dir, 'mapwatch.rules.yml')]);
      expect(check.code, check.output).toBe(0);
      const tests = readdirSync(join(dir, 'tests')).map((f) => join(dir, 'tests', f));
      const r = await runTool(tool, ['test', 'rules', ...tests]);
      expect(r.code, r.output).toBe(0);
    });
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
      const growth = await runTool(tool, [
        'test',
        'rules',
        join(dir, 'tests/MapwatchMapGrowingUnbounded.yml'),
      ]);
      expect(growth.code).not.toBe(0);
      const storm = await runTool(tool, ['test', 'rules', join(dir, 'tests/MapwatchLockStorm.yml')]);
      expect(storm.code).not.toBe(0);
    });
  });

  // Deleting an `and` / `unless` guard of a rule must make promtool fail. ruleTestCoverage checks every
  // guard against the model; these run the real promtool on the guards the review found unpinned and the
  // new ones.
  it.concurrent.each([
    ['MapwatchMapGrowingUnbounded', 2],
    ['MapwatchMapInstancesGrowing', 1],
    ['MapwatchLockStuck', 1],
    ['MapwatchLockStorm', 1],
    ['MapwatchLockWaitsLong', 1],
    ['MapwatchCacheIneffective', 1],
    ['MapwatchCacheIneffective', 2],
    ['MapwatchLoadStampede', 1],
    ['MapwatchLoadsFailing', 1],
    ['MapwatchPromotionChurn', 1],
    ['MapwatchMetricsAbsent', 1],
  ] as const)('fails when %s loses guard #%i', async (alert, guard) => {
    await withTempDir(async (dir) => {
      const files = renderAlerts(defaultConfig);
      const groups = buildRuleGroups(defaultConfig).map((g) => ({
        ...g,
        rules: g.rules.map((r) => {
          if (r.alert !== alert) return r;
          const parts = r.expr.split(/\n(?=(?:and|unless) on )/);
          expect(parts.length, `${alert} has guard #${guard}`).toBeGreaterThan(guard);
          return { ...r, expr: parts.filter((_, k) => k !== guard).join('\n') };
        }),
      }));
      await writeFileSet(dir, { ...files, 'mapwatch.rules.yml': toYaml({ groups }) });
      const check = await runTool(tool, ['check', 'rules', join(dir, 'mapwatch.rules.yml')]);
      expect(check.code, check.output).toBe(0);
      // The alert's own tests (its controls) and the silent shapes (daily cycle, refill after a restart).
      const tests = [`${alert}.yml`, 'silent-shapes.yml', 'silent-long-shapes.yml'].map((f) =>
        join(dir, 'tests', f),
      );
      const r = await runTool(tool, ['test', 'rules', ...tests]);
      expect(r.code, `deleting guard #${guard} of ${alert} went unnoticed`).not.toBe(0);
    });
  });
});

describe.skipIf(!amtool)('amtool', () => {
  it('accepts the Alertmanager example', async () => {
    const r = await runTool(amtool as string, ['check-config', 'alerts/alertmanager.example.yml'], ROOT);
    expect(r.code, r.output).toBe(0);
  });
});
