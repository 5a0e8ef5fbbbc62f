/**
 * Argument handling shared by `mapwatch rules` and `mapwatch dashboards`: `--config <file.json>` (a partial
 * config merged over the defaults), `--preset default|fast` (which defaults; `fast` is the seconds-scale
 * preset for end-to-end tests) and `--out <dir>`. Bad usage and bad config files are UsageErrors, so
 * the CLI exits with 2 and a message saying what to fix.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../cli/main.js';
import { ConfigError, defaultConfig, fastConfig, resolveConfig, type PackConfig } from './config.js';

const PRESETS: Record<string, PackConfig> = { default: defaultConfig, fast: fastConfig };

export interface PackArgs {
  config: PackConfig;
  out: string;
}

export async function parsePackArgs(args: string[], defaultOut: string): Promise<PackArgs> {
  let configPath: string | undefined;
  let out = defaultOut;
  let preset = defaultConfig;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    if (flag !== '--config' && flag !== '--out' && flag !== '--preset') {
      throw new UsageError(
        `unknown argument '${a}' (expected --config <file.json>, --preset default|fast or --out <dir>)`,
      );
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
    if (flag === '--config') configPath = value;
    else if (flag === '--out') out = value;
    else {
      const p = PRESETS[value];
      if (!p)
        throw new UsageError(`unknown preset '${value}' (expected ${Object.keys(PRESETS).join(' or ')})`);
      preset = p;
    }
  }
  if (configPath === undefined) return { config: resolveConfig({}, preset), out };
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
    return { config: resolveConfig(partial, preset), out };
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`config file ${configPath}: ${err.message}`);
    throw err;
  }
}
