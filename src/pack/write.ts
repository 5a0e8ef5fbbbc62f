/**
 * Writes rendered pack files (render-alerts.ts, render-dashboards.ts) and formats their YAML. Output is
 * deterministic (objects are built in a fixed key order, YAML lines are never folded, every file ends
 * with one newline) so that CI can regenerate and compare byte for byte.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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

export async function writeFileSet(dir: string, files: FileSet): Promise<string[]> {
  const written: string[] = [];
  const made = new Set<string>();
  for (const name of Object.keys(files).sort()) {
    const path = join(dir, name);
    const parent = dirname(path);
    if (!made.has(parent)) {
      await ensureDir(parent);
      made.add(parent);
    }
    try {
      await writeFile(path, files[name] as string, 'utf8');
    } catch (err) {
      throw outputError(path, err);
    }
    written.push(path);
  }
  return written;
}
