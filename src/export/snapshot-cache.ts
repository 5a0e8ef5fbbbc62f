/**
 * One registry snapshot per scrape. A scrape asks every metric in turn; they must all see the same
 * moment (and the registry should be walked once, not once per metric). prom-client asks every
 * collector in one synchronous pass, so the snapshot lives until the current synchronous run ends
 * (a microtask): the next scrape, even in the same macrotask, sees fresh numbers.
 */
import type { MapRegistry, RegistrySnapshot } from '../registry.js';

export function snapshotPerTick(registry: MapRegistry): () => RegistrySnapshot {
  let cached: RegistrySnapshot | undefined;
  return () => {
    if (cached === undefined) {
      cached = registry.collect();
      queueMicrotask(() => {
        cached = undefined;
      });
    }
    return cached;
  };
}
