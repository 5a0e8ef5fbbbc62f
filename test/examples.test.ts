/**
 * The programs in examples/ import `mapwatch` as a user would (the package's own exports, resolved to
 * dist/ by Node's self-reference), so they run against the built package: `npm run build` first, as
 * `npm test` does. Each one's output is checked against what the program did to its maps.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

async function example(file: string): Promise<string[]> {
  expect(existsSync(`${root}/dist/index.js`), 'examples import the built package: npm run build').toBe(true);
  const { stdout } = await run(process.execPath, [`examples/${file}`], { cwd: root, timeout: 30_000 });
  return stdout.trim().split('\n');
}

describe('examples/', () => {
  it('otel-sdk.mjs: two sets, a hit and a miss reach the MeterProvider', async () => {
    const lines = await example('otel-sdk.mjs');
    expect(lines).toContain('mapwatch.map.entries{map_kind=plain} 2');
    expect(lines).toContain('mapwatch.map.inserts 2');
    expect(lines).toContain('mapwatch.map.lookups{result=hit} 1');
    expect(lines).toContain('mapwatch.map.lookups{result=miss} 1');
  });

  it('prom-client-express.mjs: the carts map is a scraped series with its declared bound', async () => {
    const lines = await example('prom-client-express.mjs');
    expect(lines).toContain('mapwatch_map_entries{map_name="carts",map_kind="plain"} 1');
    expect(lines).toContain('mapwatch_map_inserts_total{map_name="carts"} 2');
    expect(lines).toContain('mapwatch_map_deletes_total{map_name="carts",cause="explicit"} 1');
    expect(lines).toContain('mapwatch_map_declared_max_entries{map_name="carts"} 10000');
  });

  it('leak-detection.mjs: the memo is confirmed a leak within 3 h, the cleared map never is', async () => {
    const lines = await example('leak-detection.mjs');
    const leakAt = lines.find((l) => / memo-by-request is leak,/.test(l));
    expect(leakAt, lines.join('\n')).toBeDefined();
    expect(Number(/after (\d+) min/.exec(leakAt!)![1])).toBeLessThanOrEqual(180);
    for (const line of lines.filter((l) => l.startsWith('after ')).slice(1)) {
      expect(line).toMatch(/per-minute-scratch is ok$/);
    }
    expect(lines.at(-1)).toMatch(/^reason: .*0 deletes/);
  });
});
