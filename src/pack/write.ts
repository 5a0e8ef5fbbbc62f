/**
 * Writes rendered pack files (render-alerts.ts, render-dashboards.ts) and formats their YAML. Output is
 * deterministic (objects are built in a fixed key order, YAML lines are never folded, every file ends
 * with one newline) so that CI can regenerate and compare byte for byte.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';

/** Relative path -> file content. */
export type FileSet = Record<string, string>;

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, minContentWidth: 0, indent: 2, aliasDuplicateObjects: false });
}

export function withNewline(text: string): string {
  return `${text.replace(/\n+$/, '')}\n`;
}

/** The output cannot be written where it was asked to go; the message says where and why. */
export class OutputError extends Error {
  override name = 'OutputError';
}

/** Deeper than any real output directory: a bound on the walk up to an existing ancestor. */
const MAX_DEPTH = 256;

/**
 * Creates `dir` and its missing ancestors one level at a time, in bounded steps. Node's recursive mkdir
 * loops for ever on some file systems that answer ENOENT for every create (procfs: `--out /proc/x`).
 */
async function ensureDir(dir: string): Promise<void> {
  const missing: string[] = [];
  let path = resolve(dir);
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw outputError(path, err);
      missing.push(path);
      const parent = dirname(path);
      if (parent === path) break;
      path = parent;
      continue;
    }
    if (!isDir) throw new OutputError(`cannot write to ${path}: it exists and is not a directory`);
    break;
  }
  for (const level of missing.reverse()) {
    try {
      await mkdir(level);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw outputError(level, err);
    }
  }
}

function outputError(path: string, err: unknown): OutputError {
  const code = (err as NodeJS.ErrnoException).code;
  return new OutputError(
    `cannot create or write ${path}${code ? ` (${code})` : ''}: choose an --out directory you can write to`,
  );
}

/** A file of the set, staged at a temporary sibling until the whole set is written. */
interface Staged {
  temp: string;
  path: string;
}

/**
 * A new name next to `path`: the same directory, so the rename into place stays on one file system and
 * is atomic; hidden and unique (pid and random suffix), so it never collides with an output or a
 * concurrent run.
 */
function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Writes every file to its temporary sibling (`wx`: never over an existing file), creating directories. */
async function stage(dir: string, files: FileSet, staged: Staged[]): Promise<void> {
  const made = new Set<string>();
  for (const name of Object.keys(files).sort()) {
    const path = join(dir, name);
    const parent = dirname(path);
    if (!made.has(parent)) {
      await ensureDir(parent);
      made.add(parent);
    }
    const temp = tempSibling(path);
    // Listed before the write: a write cut short (ENOSPC) leaves a partial temporary to remove.
    staged.push({ temp, path });
    try {
      await writeFile(temp, files[name] as string, { encoding: 'utf8', flag: 'wx' });
    } catch (err) {
      throw outputError(path, err);
    }
  }
}

/**
 * Refuses before anything is renamed when a target cannot be replaced by a file (a directory there):
 * otherwise the renames would stop halfway and leave a mixed set.
 */
async function checkTargets(staged: Staged[]): Promise<void> {
  for (const { path } of staged) {
    let isDir = false;
    try {
      isDir = (await lstat(path)).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw outputError(path, err);
    }
    if (isDir)
      throw new OutputError(`cannot write ${path}: it is a directory; remove it or choose another --out`);
  }
}

/**
 * Writes the set all or nothing: every file to a temporary sibling first, then, once all are written, each
 * renamed over its target. A failure before the renames (ENOSPC, EACCES, a directory in the way) removes the
 * temporaries and leaves every existing file as it was, never truncated and never half new.
 */
export async function writeFileSet(dir: string, files: FileSet): Promise<string[]> {
  const staged: Staged[] = [];
  try {
    await stage(dir, files, staged);
    await checkTargets(staged);
    for (const { temp, path } of staged) {
      try {
        await rename(temp, path);
      } catch (err) {
        throw outputError(path, err);
      }
    }
  } catch (err) {
    // Removing a temporary already renamed into place is a no-op (force: it is gone).
    await Promise.all(staged.map(({ temp }) => rm(temp, { force: true })));
    throw err;
  }
  return staged.map(({ path }) => path);
}
