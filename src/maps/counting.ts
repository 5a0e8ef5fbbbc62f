/**
 * The bookkeeping InstrumentedMap and instrument() share: what one outcome of get, has, set, delete or
 * clear adds to the group's counters, to the map's live entry count and to the survival sample.
 *
 * The two differ only in how they learn the outcome. InstrumentedMap owns its inner Map and trusts its
 * answers; instrument() wraps methods a subclass may have overridden, so it reads the real size before and
 * after. Each finds out "hit or miss", "insert or update", "removed or not", then calls one function here,
 * so a counting rule changes in one place for both. The functions are a few lines each: V8 inlines them
 * into the callers, so the hot path costs what the inline bodies cost (bench/RESULTS.md).
 *
 * `slot` is the map's slot (stats/map-groups.ts): its live count is `counts[slot & SLOT_INDEX_MASK]` and
 * the sampler knows the map's sampled keys by it.
 */
import { SLOT_INDEX_MASK } from '../stats/map-groups.js';
import type { MapStats } from '../stats/map-stats.js';
import type { SurvivalSampler } from './survival.js';

/**
 * A get or has that found the key (`found`) or not. `readSampler` is the group's sampler only when it
 * tracks reads (opt-in), so a lookup without read tracking pays one branch.
 */
export function countLookup(
  stats: MapStats,
  readSampler: SurvivalSampler | undefined,
  found: boolean,
  key: unknown,
  slot: number,
): void {
  if (found) {
    stats.hits++;
    if (readSampler !== undefined) readSampler.onRead(key, slot);
  } else stats.misses++;
}

/** A set that added the key (`inserted`) or replaced its value. */
export function countSet(
  stats: MapStats,
  counts: Int32Array,
  sampler: SurvivalSampler | undefined,
  inserted: boolean,
  key: unknown,
  slot: number,
): void {
  if (inserted) {
    stats.inserts++;
    counts[slot & SLOT_INDEX_MASK]!++;
    if (sampler !== undefined) sampler.onInsert(key, slot);
  } else stats.updates++;
}

/** A delete that removed the key (a delete of an absent key counts nothing). */
export function countDelete(
  stats: MapStats,
  counts: Int32Array,
  sampler: SurvivalSampler | undefined,
  key: unknown,
  slot: number,
): void {
  stats.deletesExplicit++;
  counts[slot & SLOT_INDEX_MASK]!--;
  if (sampler !== undefined) sampler.onDelete(key, slot);
}

/**
 * A clear that removed `removed` entries and left `remaining` (0 for a native clear; a subclass's clear
 * may keep some).
 */
export function countClear(
  stats: MapStats,
  counts: Int32Array,
  sampler: SurvivalSampler | undefined,
  removed: number,
  remaining: number,
  slot: number,
): void {
  stats.deletesClear += removed;
  counts[slot & SLOT_INDEX_MASK] = remaining;
  if (sampler !== undefined) sampler.onClear(slot);
}
