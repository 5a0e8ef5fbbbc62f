/**
 * The promtool tests generated under an evaluation interval other than the default's 1m, through the real
 * promtool: at 15s (the most common Prometheus interval) the joins per load and the failure share a
 * scenario prints while its window fills landed on a rounding boundary of `humanize` (10.025) and the
 * generator refused to run; the scenarios now nudge their fault data off it. Also the series notation of
 * map names holding `"` or `\`. Node 20 only, as the other promtool files (package.json, test:node24).
 *
 * The configs are the defaults with only the interval changed, passed to the generator without
 * validation: what the validator admits is config/'s concern; this pins that the generator works there.
 */
import { describe, it } from 'vitest';
import { defaultConfig, resolveConfig } from '../../src/pack/config.js';
import { requireTool } from '../helpers/tools.js';
import { passesGeneratedTests } from './promtool-support.js';

const promtool = requireTool('promtool');

describe.skipIf(!promtool)('promtool on tests generated under other evaluation intervals', () => {
  const tool = promtool as string;

  it.each(['15s'])(
    'passes the tests generated at evaluationInterval %s',
    (evaluationInterval) => passesGeneratedTests(tool, { ...defaultConfig, evaluationInterval }),
    300_000,
  );

  it(
    'passes the tests generated for map names holding a double quote and a backslash',
    // Only the test files whose series hold such a name (the growth alerts' exclusion cases write
    // map_name="a\"b\\c"): the rest differ from the default config's in the exclusion matcher alone,
    // which `check rules` parses, and they ran 70 s of promtool for nothing (the day-long shapes too).
    () =>
      passesGeneratedTests(tool, resolveConfig({ excludeMaps: ['a"b\\c', 'x.y*'] }), (text) =>
        text.includes('map_name="a\\"b\\\\c"'),
      ),
    300_000,
  );
});
