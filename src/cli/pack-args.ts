/**
 * Argument handling shared by `mapwatch rules` and `mapwatch dashboards`: `--config <file.json>` (a partial
 * config merged over the defaults), `--preset default|fast` (which defaults; `fast` is the seconds-scale
 * preset for end-to-end tests) and `--out <dir>`. Bad usage and bad config files are UsageErrors, so
 * the CLI exits with 2 and a message saying what to fix.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { UsageError, describeArgError } from './main.js';
import { OutputError, writeFileSet, type FileSet } from '../pack/write.js';
import {
  ConfigError,
  defaultConfig,
  fastConfig,
  resolveConfig,
  TARGETS,
  type PackConfig,
} from '../pack/config.js';

const PRESETS: Record<string, PackConfig> = { default: defaultConfig, fast: fastConfig };

export interface PackArgs {
  config: PackConfig;
  out: string;
  /** `--help` / `-h` was given: the caller prints its help and does nothing else. */
  help: boolean;
}

const EXPECTED = `expected --config <file.json>, --preset default|fast, --target ${TARGETS.join('|')} or --out <dir>`;

export async function parsePackArgs(args: string[], defaultOut: string): Promise<PackArgs> {
  let values: { config?: string; out?: string; preset?: string; target?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        out: { type: 'string' },
        preset: { type: 'string' },
        target: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(`${describeArgError(err)} (${EXPECTED})`);
  }
  for (const flag of ['config', 'out', 'preset', 'target'] as const) {
    if (values[flag] === '') throw new UsageError(`--${flag} needs a value`);
  }
  const configPath = values.config;
  const out = values.out ?? defaultOut;
  let preset = defaultConfig;
  if (values.preset !== undefined) {
    const p = PRESETS[values.preset];
    if (!p)
      throw new UsageError(
        `unknown preset '${values.preset}' (expected ${Object.keys(PRESETS).join(' or ')})`,
      );
    preset = p;
  }
  const target = values.target;
  if (target !== undefined && !(TARGETS as readonly string[]).includes(target)) {
    throw new UsageError(`unknown target '${target}' (expected ${TARGETS.join(', ')})`);
  }
  /** `--target` wins over the config file's `target` key. */
  const withTarget = (partial: unknown): unknown =>
    target === undefined ? partial : { ...(partial as Record<string, unknown>), target };
  if (values.help) return { config: preset, out, help: true };
  if (configPath === undefined) return { config: resolveConfig(withTarget({}), preset), out, help: false };
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read config file ${configPath}: ${(err as Error).message}`);
  }
  let partial: unknown;
  try {
    partial = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`config file ${configPath} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    const typed = typeof partial === 'object' && partial !== null && !Array.isArray(partial);
    return { config: resolveConfig(typed ? withTarget(partial) : partial, preset), out, help: false };
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`config file ${configPath}: ${err.message}`);
    throw err;
  }
}

/** Writes the pack's files; an output that cannot be written is bad usage (exit 2), not a crash. */
export async function writeOutput(out: string, files: FileSet): Promise<string[]> {
  try {
    return await writeFileSet(out, files);
  } catch (err) {
    if (err instanceof OutputError) throw new UsageError(err.message);
    throw err;
  }
}
