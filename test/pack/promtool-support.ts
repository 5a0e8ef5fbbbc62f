/**
 * promtool runs of the rule tests (promtool.test.ts, promtool-configs.test.ts): at most two processes at a
 * time, `promtool test rules` spread over them file by file, and the single-group test files the guard
 * deletion cases run.
 *
 * Why two: promtool evaluates one test file at a time on one core, and a 2-core machine has two. vitest
 * now runs two test files at once there (vitest.config.ts), so two promtool files can have four
 * processes on two cores for a while; the work is CPU time either way, and two keep both cores busy when
 * a promtool file runs beside one that waits (one process per file was not measured against this).
 *
 * Why a file per process: a file's time is mostly its evaluation steps (from a fifth of a second to 15 s, the shapes files), so
 * handing out files largest first keeps both processes busy to the end, and a process costs ~0.1 s.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { type PackConfig } from '../../src/pack/config.js';
import { renderAlerts } from '../../src/pack/render-alerts.js';
import { type PromtoolTestFile } from '../../src/pack/rule-tests/index.js';
import { toYaml, withNewline, writeFileSet } from '../../src/pack/write.js';
import { withTempDir, type ToolResult } from './tmp.js';

/**
 * The Go runtime of each promtool process: one thread (two processes share two cores) and a garbage
 * collector that runs when the heap reaches 256 MiB, or 11 times the live heap where GOMEMLIMIT is not
 * known, instead of at twice it. That takes a quarter off promtool's CPU time on the day-scale files
 * (measured on promtool 2.42) and changes nothing it computes. Set in the environment, they win.
 */
const GO_RUNTIME = { GOMAXPROCS: '1', GOGC: '1000', GOMEMLIMIT: '256MiB' };

/**
 * The longest one promtool process may run: the slowest file (fresh-start-shapes.yml) takes 15 s alone and
 * under 50 s on a machine busy with other work. A process killed at the limit counts as failed.
 */
const PROCESS_TIMEOUT_MS = 150_000;

/** Runs a tool; resolves to its exit code and its stdout then stderr, whatever the code. */
function run(tool: string, args: string[], cwd?: string): Promise<ToolResult> {
  return new Promise((done, fail) => {
    const child = spawn(tool, args, {
      cwd,
      env: { ...GO_RUNTIME, ...process.env },
      timeout: PROCESS_TIMEOUT_MS,
    });
    const out: string[] = [];
    const err: string[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => err.push(d.toString()));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      const killed = signal ? `\n${tool} ${args.join(' ')}: ended by ${signal}` : '';
      done({ code: code ?? 1, output: out.join('') + err.join('') + killed });
    });
  });
}

/** promtool processes at a time, per test file (vitest runs each file in its own process). */
export const PROMTOOL_PROCESSES = 2;

let running = 0;
const waiting: Array<() => void> = [];

/** Runs `fn` once fewer than PROMTOOL_PROCESSES runs are under way; callers are served in order. */
async function inSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= PROMTOOL_PROCESSES) await new Promise<void>((wake) => waiting.push(wake));
  else running++;
  try {
    return await fn();
  } finally {
    // Hand the slot straight to the next caller, or free it.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** One promtool run (any subcommand), in a slot. */
export const promtoolRun = (tool: string, args: string[], cwd?: string): Promise<ToolResult> =>
  inSlot(() => run(tool, args, cwd));

/**
 * `promtool test rules` on `files` (paths relative to `cwd`), one process per file, PROMTOOL_PROCESSES at
 * a time, largest file first. Succeeds only when every file passes, as one process on all of them would;
 * the output is that of the failed files.
 */
export async function testRules(tool: string, files: string[], cwd?: string): Promise<ToolResult> {
  const sized = await Promise.all(
    files.map(async (f) => ({ f, bytes: (await stat(cwd ? resolve(cwd, f) : f)).size })),
  );
  sized.sort((a, b) => b.bytes - a.bytes);
  const results = await Promise.all(sized.map(({ f }) => promtoolRun(tool, ['test', 'rules', f], cwd)));
  const failed = results.filter((r) => r.code !== 0);
  return { code: failed[0]?.code ?? 0, output: failed.map((r) => r.output).join('\n') };
}

/** An alert expression cut before each of its `and on` / `unless on` guards; part 0 carries the value. */
export const guardsOf = (expr: string) => expr.split(/\n(?=(?:and|unless) on )/);

/** Where a test group is: its file among the generated tests and its index in the file's `tests`. */
export interface GroupRef {
  file: string;
  group: number;
}

/** The name a single-group file gets: `MapwatchLockStorm.yml` group 0 is `MapwatchLockStorm.0.yml`. */
export const groupFileName = (ref: GroupRef) => ref.file.replace(/\.yml$/, `.${ref.group}.yml`);

/**
 * The text of a test file holding one test group of a generated file, written by the same serializer as
 * `mapwatch rules` (promtool runs its groups independently, each on series of its own, so a group fails
 * alone exactly when it fails in its file).
 */
export function groupFileText(tests: Record<string, PromtoolTestFile>, ref: GroupRef): string {
  const file = tests[ref.file];
  const group = file?.tests[ref.group];
  if (!file || !group) throw new Error(`no test group ${ref.group} in ${ref.file}`);
  return withNewline(toYaml({ ...file, tests: [group] }));
}

/** Path of the single-group file of `ref` under `dir`, for the rules at `dir`/mapwatch.rules.yml. */
export const groupFilePath = (dir: string, ref: GroupRef) => join(dir, 'tests', groupFileName(ref));

/**
 * Writes everything `mapwatch rules` writes for `config`, checks the rule file and runs every test, or
 * with `only` the test files whose text it accepts (a config whose difference shows in a few files).
 */
export async function passesGeneratedTests(
  tool: string,
  config: PackConfig,
  only?: (testFileText: string) => boolean,
): Promise<void> {
  await withTempDir(async (dir) => {
    const files = renderAlerts(config);
    await writeFileSet(dir, files);
    const check = await promtoolRun(tool, ['check', 'rules', join(dir, 'mapwatch.rules.yml')]);
    expect(check.code, check.output).toBe(0);
    const names = readdirSync(join(dir, 'tests'));
    expect(names.length).toBeGreaterThan(20);
    const picked = only ? names.filter((f) => only(files[`tests/${f}`] ?? '')) : names;
    expect(picked.length).toBeGreaterThan(0);
    const r = await testRules(
      tool,
      picked.map((f) => join(dir, 'tests', f)),
    );
    expect(r.code, r.output).toBe(0);
  });
}
