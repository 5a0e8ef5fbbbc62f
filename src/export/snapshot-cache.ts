/**
 * One registry snapshot per scrape. A scrape asks every metric in turn; they must all see the same
 * moment (and the registry should be walked once, not once per metric). prom-client asks every
 * collector in one synchronous pass, so the snapshot lives until the current synchronous run ends
 * (a microtask): the next scrape, even in the same macrotask, sees fresh numbers.
 */
import type { MapRegistry, RegistrySnapshot } from '../registry.js';

export function snapshotPerTick(registry: MapRegistry): () => RegistrySnapshot {
  // A failure is kept for the tick as well: every metric of the scrape reports it, and the registry is
  // not walked again once per metric to fail the same way.
  let cached: { snapshot: RegistrySnapshot } | { error: unknown } | undefined;
  return () => {
    if (cached === undefined) {
      try {
        cached = { snapshot: registry.collect() };
      } catch (error) {
        cached = { error };
      }
      queueMicrotask(() => {
        cached = undefined;
      });
    }
    if ('error' in cached) throw cached.error;
    return cached.snapshot;
  };
}
