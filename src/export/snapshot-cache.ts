/**
 * One registry snapshot per scrape. A scrape asks every metric in turn; they must all see the same
 * moment (and the registry should be walked once, not once per metric). The snapshot is reused until
 * the current macrotask ends.
 */
import type { MapRegistry, RegistrySnapshot } from '../registry.js';

export function snapshotPerTick(registry: MapRegistry): () => RegistrySnapshot {
  let cached: RegistrySnapshot | undefined;
  return () => {
    if (cached === undefined) {
      cached = registry.collect();
      setImmediate(() => {
        cached = undefined;
      }).unref();
    }
    return cached;
  };
}
