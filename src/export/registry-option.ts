/**
 * The exporters' `registry` option: the registry's own check (registry-option.ts) with the exporter's
 * hint for a prom-client Registry passed in the wrong place.
 */
import type { MapRegistry } from '../registry.js';
import { registryOption } from '../registry-option.js';

export function mapRegistryOption(value: unknown, where: string): MapRegistry {
  return registryOption(
    value,
    where,
    where.startsWith('mapwatchRouter')
      ? 'pass it as promRegistry'
      : 'pass it as the first argument, registerPromMetrics(promRegistry)',
  );
}
