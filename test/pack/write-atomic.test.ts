/**
 * writeFileSet writes a set all or nothing: a failure on one file (here a directory where a file must go,
 * EISDIR) leaves every file of the old set byte for byte as it was, and no temporary behind.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputError, writeFileSet } from '../../src/pack/write.js';
import { withTempDir } from './tmp.js';

/** Every file under `dir` (relative path -> content), directories walked. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const path = join(e.parentPath, e.name);
      out[path.slice(dir.length + 1)] = await readFile(path, 'utf8');
    }
  }
  return out;
}

describe('writeFileSet', () => {
  it('leaves the old set untouched and no temporary when one target cannot be written', () =>
    withTempDir(async (dir) => {
      const old = { 'a.rules.yml': 'old rules\n', 'tests/b.yml': 'old b\n', 'tests/d.yml': 'old d\n' };
      await writeFileSet(dir, old);
      // Sorted after a.rules.yml and tests/b.yml: the in-place writer had replaced both when it failed here.
      await mkdir(join(dir, 'tests', 'c.yml'));
      const next = {
        'a.rules.yml': 'new rules\n',
        'tests/b.yml': 'new b\n',
        'tests/c.yml': 'new c\n',
        'tests/d.yml': 'new d\n',
      };
      await expect(writeFileSet(dir, next)).rejects.toThrow(OutputError);
      expect(await snapshot(dir)).toEqual(old);
    }));

  it('replaces every file of an old set and leaves no temporary', () =>
    withTempDir(async (dir) => {
      await writeFileSet(dir, { 'a.yml': 'old a that is longer\n', 'tests/b.yml': 'old b\n' });
      await writeFile(join(dir, 'keep.txt'), 'not ours\n');
      const next = { 'a.yml': 'new a\n', 'tests/b.yml': 'new b\n' };
      expect(await writeFileSet(dir, next)).toEqual([join(dir, 'a.yml'), join(dir, 'tests', 'b.yml')]);
      expect(await snapshot(dir)).toEqual({ ...next, 'keep.txt': 'not ours\n' });
    }));
});
