/**
 * The committed rules through a real promtool on scrapes that fail now and then, a shape the generated
 * tests (one series per step, every scrape successful) cannot express: an SRE's review found that a short
 * scrape gap made MapwatchRegistryOverflow take a long-running target for a new one (a false page an hour
 * later), and that a single failed scrape (0 samples) made MapwatchExporterSamplesGrowing divide by 0 an
 * hour later. Node 20 only, as the other promtool files (package.json, test:node24).
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { runTool, withTempDir } from './tmp.js';

const promtool = requireTool('promtool');
const RULES = resolve('alerts/mapwatch.rules.yml');

/** Evaluation times every 2 minutes over [from, to] minutes, each expecting `alertname` silent. */
const silentFrom = (alertname: string, from: number, to: number): string[] => {
  const out: string[] = [];
  for (let m = from; m <= to; m += 2)
    out.push(`      - eval_time: ${m}m\n        alertname: ${alertname}\n        exp_alerts: []`);
  return out;
};

/** One promtool test file: `series` lines (`name{labels}: values`) and the silent checks. */
const testFile = (name: string, series: Array<[string, string]>, checks: string[]): string =>
  [
    `rule_files:\n  - ${JSON.stringify(RULES)}`,
    'evaluation_interval: 1m',
    'tests:',
    `  - name: ${JSON.stringify(name)}`,
    '    interval: 1m',
    '    input_series:',
    ...series.map(([s, v]) => `      - series: '${s}'\n        values: '${v}'`),
    '    alert_rule_test:',
    ...checks,
    '',
  ].join('\n');

const TARGET = 'job="checkout", instance="c-0:9464", cluster="eu-1", namespace="shop"';

describe.skipIf(!promtool)('the committed rules on scrapes that fail now and then', () => {
  it('a flat overflow counter across an 8-minute scrape gap pages no "new target" overflow an hour later', async () => {
    // Names folded at start-up (the counter born at 3: the alert fires for the first hour, rightly), then
    // flat for hours, the scrapes failing from 30m to 38m.
    const file = testFile(
      'overflow after a scrape gap',
      [
        [`mapwatch_registry_overflow_total{${TARGET}}`, '3x29 stale _x7 3x200'],
        [`mapwatch_registry_maps{${TARGET}}`, '100x29 stale _x7 100x200'],
        [`up{${TARGET}}`, '1x29 0x8 1x200'],
      ],
      silentFrom('MapwatchRegistryOverflow', 70, 200),
    );
    const result = await withTempDir(async (dir) => {
      await writeFile(join(dir, 'gap.yml'), file);
      return runTool(promtool!, ['test', 'rules', 'gap.yml'], dir);
    });
    expect(result.output).toContain('SUCCESS');
    expect(result.code, result.output).toBe(0);
  });

  it('one failed scrape (0 samples recorded) pages no "samples growing" an hour later', async () => {
    const file = testFile(
      'samples growing after a failed scrape',
      [
        [`scrape_samples_scraped{${TARGET}}`, '2000x29 0 2000x200'],
        [`mapwatch_registry_maps{${TARGET}}`, '100x29 stale 100x200'],
        [`up{${TARGET}}`, '1x29 0 1x200'],
      ],
      silentFrom('MapwatchExporterSamplesGrowing', 60, 200),
    );
    const result = await withTempDir(async (dir) => {
      await writeFile(join(dir, 'failed.yml'), file);
      return runTool(promtool!, ['test', 'rules', 'failed.yml'], dir);
    });
    expect(result.output).toContain('SUCCESS');
    expect(result.code, result.output).toBe(0);
  });
});
