import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/main.js';
import { withTempDir } from './tmp.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '' };
  return { cli, out, err };
}

describe('mapwatch rules / dashboards', () => {
  it('writes rules, manifests, runbook and tests with a config merged over the defaults', async () => {
    await withTempDir(async (dir) => {
      const config = join(dir, 'pack.json');
      await writeFile(
        config,
        JSON.stringify({ groupBy: ['cluster'], alerts: { lockStorm: { severity: 'warning' } } }),
      );
      const { cli, out } = io();
      expect(await runCli(['rules', '--config', config, '--out', join(dir, 'a')], cli)).toBe(0);
      expect(out.join('')).toMatch(/wrote \d+ files/);
      const rules = readFileSync(join(dir, 'a/mapwatch.rules.yml'), 'utf8');
      expect(rules).toContain('sum by (job, instance, map_name, cluster)');
      expect(rules).toMatch(/alert: MapwatchLockStorm[\s\S]*?severity: warning/);
      for (const f of [
        'prometheus-rule.yaml',
        'alertmanager.example.yml',
        'runbook.md',
        'tests/silent-shapes.yml',
      ]) {
        expect(existsSync(join(dir, 'a', f)), f).toBe(true);
      }
    });
  });

  it('writes both dashboards', async () => {
    await withTempDir(async (dir) => {
      const { cli } = io();
      expect(await runCli(['dashboards', `--out=${join(dir, 'd')}`], cli)).toBe(0);
      expect(JSON.parse(readFileSync(join(dir, 'd/mapwatch-map.json'), 'utf8')).uid).toBe('mapwatch-map');
      expect(existsSync(join(dir, 'd/mapwatch-overview.json'))).toBe(true);
    });
  });

  it('writes the seconds-scale rules with --preset fast', async () => {
    await withTempDir(async (dir) => {
      const { cli } = io();
      expect(await runCli(['rules', '--preset', 'fast', '--out', dir], cli)).toBe(0);
      const rules = readFileSync(join(dir, 'mapwatch.rules.yml'), 'utf8');
      expect(rules).toContain('interval: 5s');
      expect(rules).not.toContain('for: 1h');
    });
  });

  it('writes the vmalert flavour with --target vmalert: no keep_firing_for, a VMRule', async () => {
    await withTempDir(async (dir) => {
      const { cli } = io();
      expect(await runCli(['rules', '--target', 'vmalert', '--out', dir], cli)).toBe(0);
      const rules = readFileSync(join(dir, 'mapwatch.rules.yml'), 'utf8');
      expect(rules).toContain('# Flavour: VictoriaMetrics vmalert');
      expect(rules).not.toMatch(/^\s+keep_firing_for:/m);
      expect(readFileSync(join(dir, 'vmrule.yaml'), 'utf8')).toContain('kind: VMRule');
      expect(existsSync(join(dir, 'prometheus-rule.yaml'))).toBe(false);
    });
  });

  it("takes --target over the config file's target", async () => {
    await withTempDir(async (dir) => {
      const config = join(dir, 'pack.json');
      await writeFile(config, JSON.stringify({ target: 'vmalert' }));
      const { cli } = io();
      const out = join(dir, 'a');
      expect(await runCli(['rules', '--config', config, '--target', 'prometheus3', '--out', out], cli)).toBe(
        0,
      );
      const rules = readFileSync(join(out, 'mapwatch.rules.yml'), 'utf8');
      expect(rules).toContain('# Flavour: Prometheus 3');
      expect(rules).toMatch(/^\s+keep_firing_for:/m);
      expect(existsSync(join(out, 'prometheus-rule.yaml'))).toBe(true);
    });
  });

  it.each([
    [
      ['rules', '--target', 'thanos'],
      /unknown target 'thanos' \(expected prometheus, prometheus3, vmalert\)/,
    ],
    [['rules', '--target'], /--target needs a value/],
    [['rules', '--bogus'], /unknown argument '--bogus'/],
    [['rules', '--preset', 'slow'], /unknown preset 'slow'/],
    [['rules', '--out'], /--out needs a value/],
    [['dashboards', '--config', '/nonexistent/pack.json'], /cannot read config file/],
  ])('exits 2 on bad usage %j', async (args, message) => {
    const { cli, err } = io();
    expect(await runCli(args, cli)).toBe(2);
    expect(err.join('')).toMatch(message);
  });

  it.each([
    ['{ not json', /is not valid JSON/],
    ['{"lock": {"stormWaiter": 3}}', /unknown key 'lock.stormWaiter'/],
    ['{"alerts": {"growth": {"for": "soon"}}}', /alerts.growth.for must be a Prometheus duration/],
  ])('exits 2 with a clear message on a bad config file %s', async (text, message) => {
    await withTempDir(async (dir) => {
      const config = join(dir, 'pack.json');
      await writeFile(config, text);
      const { cli, err } = io();
      expect(await runCli(['rules', '--config', config, '--out', join(dir, 'a')], cli)).toBe(2);
      expect(err.join('')).toMatch(message);
      expect(existsSync(join(dir, 'a'))).toBe(false);
    });
  });

  // Node's recursive mkdir loops for ever on procfs (`--out /proc/x`); every unwritable output is bad
  // usage, refused at once with the path and the reason.
  it.each([
    ['/proc/x', /cannot create or write \/proc\/x \(ENOENT\)/],
    ['/dev/null/x', /cannot create or write \/dev\/null\/x \(ENOTDIR\)/],
  ])('exits 2 on an output directory that cannot be written: %s', async (out, message) => {
    for (const command of ['rules', 'dashboards']) {
      const { cli, err } = io();
      expect(await runCli([command, '--out', out], cli)).toBe(2);
      expect(err.join('')).toMatch(message);
    }
  });

  it('refuses an output path that is a file', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'taken');
      await writeFile(file, 'x');
      const { cli, err } = io();
      expect(await runCli(['rules', '--out', file], cli)).toBe(2);
      expect(err.join('')).toMatch(/exists and is not a directory/);
    });
  });
});
