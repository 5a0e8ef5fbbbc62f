/**
 * The `registry` option of the exporters, checked at the boundary. Both prom-client and mapwatch call
 * their object a registry, and passing one for the other used to be accepted silently: every metric
 * then failed at each scrape. The check is by shape, not `instanceof`, so a second copy of mapwatch in
 * node_modules still works.
 */
import { defaultRegistry, type MapRegistry } from '../registry.js';

export function mapRegistryOption(value: unknown, where: string): MapRegistry {
  if (value === undefined) return defaultRegistry;
  const shape = value as {
    collect?: unknown;
    snapshot?: unknown;
    metrics?: unknown;
    registerMetric?: unknown;
  };
  if (value !== null && typeof value === 'object' && typeof shape.collect === 'function') {
    return value as MapRegistry;
  }
  const isProm =
    value !== null &&
    typeof value === 'object' &&
    typeof shape.metrics === 'function' &&
    typeof shape.registerMetric === 'function';
  throw new TypeError(
    isProm
      ? `mapwatch: ${where}: registry is mapwatch's MapRegistry, and this is a prom-client Registry; ` +
          (where.startsWith('mapwatchRouter')
            ? 'pass it as promRegistry'
            : 'pass it as the first argument, registerPromMetrics(promRegistry)')
      : `mapwatch: ${where}: registry must be a mapwatch MapRegistry (or left out for defaultRegistry)`,
  );
}
