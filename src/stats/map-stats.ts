/**
 * Plain-number counters. The hot path only ever increments a field (directly, or through MapCounting's
 * small methods, which V8 inlines): no allocation, no call into a metrics SDK. InstrumentedMap and
 * instrument() maps share one per name, kind and sampling option (a MapCounting, see
 * stats/map-counting.ts and map-groups.ts), so nothing folds when one dies. Other maps own one each; the registry holds it
 * strongly (the map itself only weakly), so the counts survive the map and fold into the name's retired
 * totals when it is collected.
 */
export class MapStats {
  hits = 0;
  misses = 0;
  inserts = 0;
  updates = 0;
  deletesExplicit = 0;
  deletesClear = 0;
  deletesEvict = 0;
  deletesExpire = 0;
  // Read-mostly maps (sync.Map port).
  readMisses = 0;
  promotions = 0;
  copiedEntries = 0;
  // Loading maps.
  loadsSuccess = 0;
  loadsFailure = 0;
  loadJoins = 0;
  loadSeconds = 0;

  /** Adds every counter of `other` into this one (used to fold a collected map into retired totals). */
  add(other: MapStats): void {
    for (const key of MAP_STATS_FIELDS) this[key] += other[key];
  }
}

export type MapStatsField = {
  [K in keyof MapStats]: MapStats[K] extends number ? K : never;
}[keyof MapStats];

export const MAP_STATS_FIELDS: readonly MapStatsField[] = Object.freeze(
  Object.keys(new MapStats()) as MapStatsField[],
);
