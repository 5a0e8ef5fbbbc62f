/**
 * The `registry` option of everything that reports to a MapRegistry (maps, locks, the lru-cache watcher,
 * leak detection, the exporters), checked at the boundary.
 *
 * prom-client and mapwatch both call their object a registry. Before this check a prom-client Registry
 * passed as a map's `registry` failed with "registry.mapGroup is not a function", and passed to an
 * exporter it was accepted and every metric then failed at each scrape. The check is by shape, not
 * `instanceof`, so maps from a second copy of mapwatch in node_modules can still report to this one's
 * registry. The common case, no option, costs one comparison.
 */
import { defaultRegistry, type MapRegistry } from './registry.js';

/** What a prom-client Registry is told to do instead, when no caller-specific hint is given. */
const PROM_HINT = 'pass it to registerPromMetrics(promRegistry) or mapwatchRouter({ promRegistry }) instead';

/**
 * `value` as a MapRegistry, defaultRegistry when it is undefined; otherwise a TypeError that names the
 * call (`where`) and, for a prom-client Registry, says where that one belongs (`promHint`).
 */
export function registryOption(value: unknown, where: string, promHint: string = PROM_HINT): MapRegistry {
  if (value === undefined) return defaultRegistry;
  if (isMapRegistry(value)) return value;
  const prom = isPromRegistry(value);
  throw new TypeError(
    prom
      ? `mapwatch: ${where}: registry is mapwatch's MapRegistry, and this is a prom-client Registry; ${promHint}`
      : `mapwatch: ${where}: registry must be a mapwatch MapRegistry (new MapRegistry()), or left out for defaultRegistry`,
  );
}

/**
 * Whether `value` has a MapRegistry's shape: what maps, locks and exporters call on it. False for a Proxy
 * whose traps throw (or a revoked one): it is refused with the message, not with the trap's error.
 */
export function isMapRegistry(value: unknown): value is MapRegistry {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<Record<'mapGroup' | 'openMap' | 'trackMap' | 'trackLock' | 'collect', unknown>>;
  try {
    return (
      typeof r.mapGroup === 'function' &&
      typeof r.openMap === 'function' &&
      typeof r.trackMap === 'function' &&
      typeof r.trackLock === 'function' &&
      typeof r.collect === 'function'
    );
  } catch {
    return false;
  }
}

function isPromRegistry(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  try {
    return (
      typeof (value as { metrics?: unknown }).metrics === 'function' &&
      typeof (value as { registerMetric?: unknown }).registerMetric === 'function'
    );
  } catch {
    return false;
  }
}
