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
import { ALERT_DEFS } from '../../src/pack/alerts.js';
import { defaultConfig, fastConfig, resolveConfig } from '../../src/pack/config.js';
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

  it('has, for every alert, a test that it fires at its for boundary and not before', () => {
    for (const def of ALERT_DEFS) {
      const file = parse(readFileSync(join(ROOT, `alerts/tests/${def.name}.yml`), 'utf8')) as {
        tests: Array<Record<string, unknown>>;
      };
      for (const t of file.tests) {
        const checks = t.alert_rule_test as Array<{ exp_alerts: unknown[] }>;
        const firstFiring = checks.findIndex((x) => x.exp_alerts.length > 0);
        expect(firstFiring, def.name).toBeGreaterThan(0);
        expect(checks[firstFiring - 1]?.exp_alerts, def.name).toEqual([]);
        expect(checks[checks.length - 1]?.exp_alerts, `${def.name} resolves`).toEqual([]);
      }
    }
    const silent = parse(readFileSync(join(ROOT, 'alerts/tests/silent-shapes.yml'), 'utf8')) as {
      tests: Array<Record<string, unknown>>;
    };
    expect(silent.tests.map((t) => t.name)).toEqual([
      'no alert fires on warm-up, then a plateau under churn',
      'no alert fires on TTL sawtooth',
      'no alert fires on periodic clear',
    ]);
    for (const t of silent.tests) {
      const names = new Set((t.alert_rule_test as Array<{ alertname: string }>).map((x) => x.alertname));
      expect([...names].sort()).toEqual(ALERT_DEFS.map((d) => d.name).sort());
    }
  });

  it.each([
    ['fast', fastConfig],
    [
      'custom',
      resolveConfig({
        selector: 'job=~"check.*"',
        groupBy: ['cluster'],
        lock: { window: '10m' },
        alerts: { growth: { for: '2h' } },
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
      // Fire the growth alert 5 minutes early and make the lock storm resolve without its keep_firing_for tail.
      const rules = (files['mapwatch.rules.yml'] as string)
        .replace(/(alert: MapwatchMapGrowingUnbounded[\s\S]*?for: )1h/, '$155m')
        .replace(/(alert: MapwatchLockStorm[\s\S]*?keep_firing_for: )5m/, '$11m');
      expect(rules).not.toBe(files['mapwatch.rules.yml']);
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
});

describe.skipIf(!amtool)('amtool', () => {
  it('accepts the Alertmanager example', async () => {
    const r = await runTool(amtool as string, ['check-config', 'alerts/alertmanager.example.yml'], ROOT);
    expect(r.code, r.output).toBe(0);
  });
});
