/**
 * The `sampleSurvival` option of maps and registries, validated into what the sampler needs
 * (survival.ts has the sampler itself).
 */
import type { SurvivalSamplingOption } from '../registry.js';

/**
 * The option maps accept. Omitted: the registry's default (age-only sampling of 32 entries unless the
 * registry says otherwise). `true`: age-only sampling of 32 entries. `{ size?, reads? }`: a sample of
 * `size` entries (1 to 1024), tracking reads only with `reads: true`. `false`: no sampling at all.
 */
export interface SurvivalOptions {
  sampleSurvival?: SurvivalSamplingOption;
}

export const DEFAULT_SURVIVAL_SAMPLE_SIZE = 32;
export const MAX_SURVIVAL_SAMPLE_SIZE = 1024;

/** What a sampling option resolves to. */
export interface SurvivalConfig {
  readonly size: number;
  /** Whether lookups mark sampled keys read (costs one small lookup per hit). */
  readonly reads: boolean;
}

/**
 * The sampling an option asks for, or undefined when sampling is off. Throws on a bad option, with what
 * to pass instead.
 */
export function survivalConfig(
  option: SurvivalSamplingOption | undefined,
  optionName = 'sampleSurvival',
): SurvivalConfig | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return { size: DEFAULT_SURVIVAL_SAMPLE_SIZE, reads: false };
  if (option === null || typeof option !== 'object') {
    throw new TypeError(
      `mapwatch: ${optionName} must be true, false or { size?, reads? }, got ${describe(option)}`,
    );
  }
  const size = option.size ?? DEFAULT_SURVIVAL_SAMPLE_SIZE;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > MAX_SURVIVAL_SAMPLE_SIZE) {
    throw new RangeError(
      `mapwatch: ${optionName}.size must be an integer from 1 to ${MAX_SURVIVAL_SAMPLE_SIZE}, got ${describe(size)}`,
    );
  }
  const reads = option.reads ?? false;
  if (typeof reads !== 'boolean') {
    throw new TypeError(`mapwatch: ${optionName}.reads must be true or false, got ${describe(reads)}`);
  }
  return { size, reads };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
