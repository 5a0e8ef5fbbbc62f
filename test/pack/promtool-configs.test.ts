/**
 * The rules and promtool tests generated for configs other than the default (whose files are committed and
 * run by promtool.test.ts) through the real promtool: `check rules`, then `test rules` on every generated
 * test file, two promtool processes at a time (promtool-support.ts).
 *
 * Not run on Node 24 (package.json "test:node24"), like promtool.test.ts: the generator is pinned byte for
 * byte on Node 24 by generated.test.ts, and promtool is the same binary. See docs/pack.md, "The rule tests
 * in CI".
 */
import { describe, it } from 'vitest';
import { fastConfig, resolveConfig } from '../../src/pack/config.js';
import { requireTool } from '../helpers/tools.js';
import { passesGeneratedTests } from './promtool-support.js';

const promtool = requireTool('promtool');

describe.skipIf(!promtool)('promtool on generated tests', () => {
  const tool = promtool as string;

  it.each([
    ['fast', fastConfig],
    [
      'custom',
      resolveConfig({
        // The example of docs/pack.md: no job of the tests' own data matches it, nor has an env label; the
        // generator relabels its series to fit (`job=~"check.*"` here hid that it did not).
        selector: 'job=~"checkout-.*", env="prod", cluster!="staging"',
        groupBy: ['cluster'],
        lock: { window: '10m' },
        growth: { ceilings: { sessions: 3_000_000, 'other-map': 10 } },
        alerts: { growth: { for: '3h' } },
        alertLabels: { team: 'payments' },
        excludeMaps: ['catalogue'],
        memory: { usageSeries: 'process_resident_memory_bytes', limitSeries: '', limitBytes: 4e9 },
      }),
    ],
    [
      'inline (no recording rules)',
      // One job by name, and a label the data lacks by regex: the tests' main job becomes `payments`.
      resolveConfig({
        recordingRules: false,
        groupBy: ['cluster'],
        selector: 'job="payments", namespace=~"shop|web-.+"',
      }),
    ],
  ])(
    'passes generated tests for the %s config',
    (_name, config) => passesGeneratedTests(tool, config),
    300_000,
  );

  // vmalert's own check of the flavour is `vmalert -dryRun` (promtool.test.ts).
  it(
    'passes the tests generated for the vmalert flavour (no keep_firing_for tail expected)',
    () => passesGeneratedTests(tool, resolveConfig({ target: 'vmalert' })),
    300_000,
  );
});
