/**
 * The committed alerts/ and dashboards/ must be exactly what the code generates: regenerate in memory and
 * compare byte for byte, and flag committed files the generator no longer writes.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/pack/config.js';
import { renderAlerts } from '../../src/pack/render-alerts.js';
import { renderDashboards } from '../../src/pack/render-dashboards.js';
import type { FileSet } from '../../src/pack/write.js';

/** Repository root, so the tests do not depend on the working directory. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOW =
  'run `npm run build && node dist/cli.js rules && node dist/cli.js dashboards` and commit the result';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

describe.each([
  ['alerts', renderAlerts(defaultConfig)],
  ['dashboards', renderDashboards(defaultConfig)],
] as Array<[string, FileSet]>)('committed %s/ is up to date', (dir, files) => {
  it.each(Object.keys(files).sort())('%s matches the generator', (name) => {
    const path = join(ROOT, dir, name);
    expect(existsSync(path), `${path} is missing: ${HOW}`).toBe(true);
    const committed = readFileSync(path, 'utf8');
    expect(committed === files[name], `${path} differs from the generated file: ${HOW}`).toBe(true);
  });

  it('has no stale files the generator no longer writes', () => {
    const stale = listFiles(join(ROOT, dir))
      .map((p) => relative(join(ROOT, dir), p))
      .filter((p) => !(p in files));
    expect(stale, `stale files in ${dir}/: delete them, then ${HOW}`).toEqual([]);
  });

  it('is deterministic and ends every file with exactly one newline', () => {
    const again = dir === 'alerts' ? renderAlerts(defaultConfig) : renderDashboards(defaultConfig);
    expect(again).toEqual(files);
    for (const text of Object.values(files)) expect(text).toMatch(/[^\n]\n$/);
  });
});
