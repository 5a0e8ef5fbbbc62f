/**
 * The default rules on recordings of real npm caches under real workloads, each from its process start
 * (test/fixtures/recorded, the detector's scorecard recordings): the model predicts, for every map alert,
 * when it fires; promtool checks the real rules against those predictions; and the predictions are held to
 * the recordings' ground truth (`leak` in the manifest). The recordings are taken at 1m and replayed at the
 * fresh-target tests' step (5m, every fifth sample), which gives the same verdicts in a fifth of the time.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { alertDef } from '../../src/pack/alerts.js';
import { defaultConfig, type PackConfig } from '../../src/pack/config.js';
import { replayRecording, type ReplayPage } from '../../src/pack/rule-tests/index.js';
import { type SimSeries } from '../../src/pack/rule-tests/promsim.js';
import { renderAlerts } from '../../src/pack/render-alerts.js';
import { toYaml } from '../../src/pack/write.js';
import { requireTool } from '../helpers/tools.js';
import { runTool, withTempDir } from './tmp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = join(ROOT, 'test/fixtures/recorded');
const promtool = requireTool('promtool');
/** Recording step (seconds) and the replay step, in recording steps. */
const RECORDED_STEP = 60;
const EVERY = 5;
const config: PackConfig = { ...defaultConfig, evaluationInterval: `${EVERY}m` };

interface Entry {
  file: string;
  leak: boolean;
  declared: boolean;
  hours: number;
}

interface Matrix {
  data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
}

const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as Entry[];

/** A recording as replay series: one sample per replay step from the recording's first timestamp. */
function load(file: string): SimSeries[] {
  const m = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Matrix;
  const t0 = Math.min(...m.data.result.map((r) => r.values[0]?.[0] ?? Infinity));
  return m.data.result.map((r) => {
    const values: Array<number | undefined> = [];
    for (const [t, v] of r.values) {
      const i = (t - t0) / RECORDED_STEP;
      if (Number.isInteger(i) && i % EVERY === 0) values[i / EVERY] = Number(v);
    }
    return { labels: r.metric, values: Array.from(values) };
  });
}

const replays = manifest.map((e) => ({ ...e, ...replayRecording(config, e.file, load(e.file)) }));
const pagesOf = (file: string): ReplayPage[] => replays.find((r) => r.file === file)?.pages ?? [];
/** Growth alerts that page for a leak (the in-process verdict is not recorded in these files). */
const GROWTH = new Set(['growth', 'freshLeak', 'growthCeiling'].map((k) => alertDef(k as never).name));
/**
 * Not leaks that the rules page anyway: a memoized function over a bounded key space of 20,000 keys that
 * declares no bound fills for more than a day, with nothing ever removed. Its twin with a declared bound
 * stays silent; the in-process detector calls it a leak too (docs/detector.md).
 */
const KNOWN_FALSE_PAGES = ['mem-bounded-keys-20k-undeclared.json'];

describe('the default rules on recordings of real caches', () => {
  it('has recordings of leaks and of bounded maps', () => {
    expect(manifest.filter((e) => e.leak).length).toBeGreaterThanOrEqual(9);
    expect(manifest.filter((e) => !e.leak).length).toBeGreaterThanOrEqual(15);
  });

  it('pages every recorded leak with a growth alert, half of them within 4 hours of the process start', () => {
    const table = replays
      .filter((r) => r.leak)
      .map((r) => {
        const first = Math.min(...r.pages.filter((p) => GROWTH.has(p.alert)).map((p) => p.firstFiringAt));
        const fresh = r.pages.find((p) => p.alert === alertDef('freshLeak').name);
        return {
          file: r.file,
          firstPageHours: first / 3600,
          freshHours: (fresh?.firstFiringAt ?? NaN) / 3600,
        };
      });
    console.log(table.map((x) => `${x.file}: first page after ${x.firstPageHours.toFixed(1)} h`).join('\n'));
    expect(table.filter((x) => !Number.isFinite(x.firstPageHours))).toEqual([]);
    // The fresh-target alert is the first to page every one of them.
    for (const x of table) expect(x.freshHours, x.file).toBe(x.firstPageHours);
    const sorted = table.map((x) => x.firstPageHours).sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThanOrEqual(4);
    expect(table.filter((x) => x.firstPageHours > 6).map((x) => x.file)).toEqual([
      'plain-slow-leak-0.5pct-per-h.json',
    ]);
  });

  it('pages no recorded bounded map, but for the undeclared bounded key space', () => {
    const paged = replays.filter((r) => !r.leak && r.pages.length > 0).map((r) => r.file);
    expect(paged).toEqual(KNOWN_FALSE_PAGES);
    for (const f of KNOWN_FALSE_PAGES) {
      const twin = f.replace('-undeclared', '');
      expect(pagesOf(twin), `${twin} declares its bound`).toEqual([]);
    }
  });

  describe.skipIf(!promtool)('promtool agrees with the model', () => {
    it.each(manifest.map((e) => e.file))('%s', async (file) => {
      const replay = replays.find((r) => r.file === file);
      await withTempDir(async (dir) => {
        await writeFile(
          join(dir, 'mapwatch.rules.yml'),
          renderAlerts(defaultConfig)['mapwatch.rules.yml'] as string,
        );
        const test = join(dir, 'replay.yml');
        await writeFile(
          test,
          toYaml({
            rule_files: ['mapwatch.rules.yml'],
            evaluation_interval: config.evaluationInterval,
            tests: [replay?.test],
          }),
        );
        const r = await runTool(promtool as string, ['test', 'rules', test]);
        expect(r.code, r.output.slice(0, 3000)).toBe(0);
      });
    });
  });
});
