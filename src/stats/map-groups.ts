/**
 * Bookkeeping of the maps the registry tracks without any reference to them (InstrumentedMap,
 * instrument(), ReadMostlyMap, LoadingMap and ShardedMap; see MapRegistry.openMap).
 *
 * - A map joins a group: the maps of one name, kind and survival sampling option. The group owns the
 *   counters with the code that keeps them (one MapCounting, see map-counting.ts) and the sampler, all
 *   shared by its maps, so a map made per request allocates neither. Counters are per name in every export
 *   anyway: nothing is lost by sharing them, nothing folds when a map dies, no counter goes backwards.
 * - Each map owns a slot: one Int32 in a chunked table that holds the map's live entry count, kept by the
 *   map's own inserts, deletes and clears. A collection sums the open slots of each group. A chunk never
 *   moves, so a map keeps a reference to its chunk and counts with one indexed increment.
 * - The registry learns that a map died from a FinalizationRegistry whose held value is the slot number
 *   (a small integer: no per-map object is kept for the callback) and whose target is a token only the
 *   map references, or the map itself where the engine lets a registered target die young (see
 *   TARGETS_DIE_YOUNG; instrument() always uses a token, which also marks the map). The callback closes
 *   the slot: the map leaves its group's instances and entries.
 */
import type { MapKind } from '../conventions.js';
import type { SurvivalSampler, SurvivalSamplingOption } from '../maps/survival.js';
import { countingFor, type MapCounting, SLOT_CHUNK_BITS, SLOT_INDEX_MASK } from './map-counting.js';

export { SLOT_CHUNK_BITS, SLOT_INDEX_MASK };

/**
 * Below this many entries per shard on average, a sharded map's imbalance reads 1: with few keys the
 * fullest shard is sampling noise, not a signal.
 */
export const MIN_ENTRIES_PER_SHARD = 8;

/**
 * The object a map holds so the registry can tell when the map is gone. Nothing else references it (the
 * registry holds it weakly, as a FinalizationRegistry target), so it dies with the map. A separate tiny
 * object rather than the map itself where the engine's minor collections keep registered targets (see
 * TARGETS_DIE_YOUNG): whatever V8 keeps until a full collection is then a few bytes, never the map and its
 * entries.
 */
export class MapToken {}

/**
 * Whether this engine lets a FinalizationRegistry target die in a minor collection, read from the V8
 * version. V8 13 (Node 24) does: a map registered itself dies young and allocates no token (measured in
 * bench/lifecycle.js's loop on a wrapper with a token against one registered itself: 77 -> 66 ns, peak
 * heap 1.84x -> 1.68x a native Map; InstrumentedMap's peak heap 2.06x -> 1.92x). V8 12.4 (Node 22) and
 * 11.3 (Node 20) do not: their scavenger treats a registered target as live, so a map registered itself
 * is promoted with its entries (measured on Node 20: 25x a native Map's time, against 10x with a token).
 * A version that cannot be read gets the token. Either choice is correct; only the cost differs (an
 * engine that is not V8 but reports a V8 version gets whichever that version says).
 */
export const TARGETS_DIE_YOUNG = v8Major() >= 13;

/** The V8 major version, 0 when it cannot be read (no `process`, or a getter that throws at import). */
function v8Major(): number {
  try {
    const version = (globalThis as { process?: { versions?: { v8?: unknown } } }).process?.versions?.v8;
    return typeof version === 'string' ? Number.parseInt(version, 10) || 0 : 0;
  } catch {
    return 0;
  }
}

/**
 * The token a new map holds, or undefined where the map can be its own death notice (TARGETS_DIE_YOUNG).
 * Register `token ?? map`.
 */
export function newMapToken(): MapToken | undefined {
  return TARGETS_DIE_YOUNG ? undefined : new MapToken();
}

/** Declared bounds in the registry's units. */
export interface ValidBounds {
  readonly maxEntries: number | undefined;
  readonly ttlSeconds: number | undefined;
}

/** The bounds of a map that declares none (shared: a map made per request allocates no bounds). */
export const NO_BOUNDS: ValidBounds = Object.freeze({ maxEntries: undefined, ttlSeconds: undefined });

/** Declared bounds of the live slot-tracked maps of one name, kept as the maps open and close. */
export class BoundsTally {
  /** Live maps that declare no maxEntries (then the name as a whole is unbounded). */
  unbounded = 0;
  /** Sum of maxEntries over the live maps that declare one. */
  maxEntriesSum = 0;
  /** Live maps that declare no TTL. */
  noTtl = 0;
  /** Live maps per declared TTL (seconds), for the longest. */
  readonly ttls = new Map<number, number>();

  add(bounds: ValidBounds, sign: 1 | -1): void {
    if (bounds === NO_BOUNDS) {
      // The common case (a map made per request declares nothing): two increments.
      this.unbounded += sign;
      this.noTtl += sign;
      return;
    }
    if (bounds.maxEntries === undefined) this.unbounded += sign;
    else this.maxEntriesSum += sign * bounds.maxEntries;
    const ttl = bounds.ttlSeconds;
    if (ttl === undefined) this.noTtl += sign;
    else {
      const n = (this.ttls.get(ttl) ?? 0) + sign;
      if (n === 0) this.ttls.delete(ttl);
      else this.ttls.set(ttl, n);
    }
  }

  longestTtl(): number {
    let longest = 0;
    for (const ttl of this.ttls.keys()) longest = Math.max(longest, ttl);
    return longest;
  }
}

/** The maps of one name, kind and sampling option: their shared counters and sampler. */
export class MapGroup {
  /** The counters every map of the group shares, and the counting bodies that keep them. */
  readonly stats: MapCounting;
  /** Open slots (live maps, until the collector reports them dead). */
  instances = 0;
  /** Live entries over the open slots, summed at each collection (SlotTable.sumEntries). */
  entries = 0;
  /** Worst shard imbalance over the group's sharded maps at the last collection; undefined: none. */
  shardImbalance: number | undefined = undefined;
  /** This group's id in its registry's SlotTable (0 until it opens its first slot). */
  slotTableId = 0;
  constructor(
    readonly kind: MapKind,
    /** The option value this group was made for (a fast identity match for the next map). */
    readonly option: SurvivalSamplingOption | undefined,
    /** The resolved option (`off`, or `size:reads`), for maps that pass an equal option object. */
    readonly samplingKey: string,
    readonly sampler: SurvivalSampler | undefined,
    readonly bounds: BoundsTally,
  ) {
    this.stats = countingFor(sampler);
  }
}

/**
 * A slot's group as SlotTable stores it: FREE, ABANDONED (a map whose construction failed: closed, but
 * not free until its token dies), or the group's id (its index in the table's list, plus one).
 */
const FREE = 0;
const ABANDONED = -1;

/** The entry counts of the slot-tracked maps, and which group each open slot belongs to. */
export class SlotTable {
  readonly #chunks: Int32Array[] = [];
  /**
   * Per slot, chunked like #chunks: FREE, ABANDONED or its group's id. Integers in a typed array, not
   * group references in an array: opening a slot for a map made per request is then two typed writes,
   * with no array to grow and no pointer for the collector to trace.
   */
  readonly #groupIds: Int32Array[] = [];
  /** The groups that ever opened a slot, by id - 1. */
  readonly #groupList: MapGroup[] = [];
  readonly #bounds = new Map<number, ValidBounds>();
  /** Per-shard entry counts of sharded maps (their slot's own count stays 0). */
  readonly #shards = new Map<number, Int32Array>();
  readonly #free: number[] = [];
  #next = 0;

  /** Opens a slot for a new map of `group` holding `entries` entries. */
  open(group: MapGroup, entries: number, bounds: ValidBounds): number {
    let slot: number;
    if (this.#free.length > 0) slot = this.#free.pop()!;
    else {
      slot = this.#next++;
      if ((slot & SLOT_INDEX_MASK) === 0) {
        this.#chunks.push(new Int32Array(SLOT_INDEX_MASK + 1));
        this.#groupIds.push(new Int32Array(SLOT_INDEX_MASK + 1));
      }
    }
    let id = group.slotTableId;
    if (id === FREE) id = group.slotTableId = this.#groupList.push(group);
    const chunk = slot >> SLOT_CHUNK_BITS;
    const index = slot & SLOT_INDEX_MASK;
    this.#chunks[chunk]![index] = entries;
    this.#groupIds[chunk]![index] = id;
    group.instances++;
    group.bounds.add(bounds, 1);
    if (bounds !== NO_BOUNDS) this.#bounds.set(slot, bounds);
    return slot;
  }

  /** The group of an open slot, undefined when the slot is free or abandoned. */
  #groupOf(slot: number): MapGroup | undefined {
    const id = this.#groupIds[slot >> SLOT_CHUNK_BITS]?.[slot & SLOT_INDEX_MASK] ?? FREE;
    return id > 0 ? this.#groupList[id - 1] : undefined;
  }

  /**
   * Gives `slot` one count per shard (a ShardedMap keeps each shard's size there): its entries are their
   * sum, and its shard imbalance is read from them, with no reference to the map.
   */
  attachShards(slot: number, shards: number): Int32Array {
    const counts = new Int32Array(shards);
    this.#shards.set(slot, counts);
    return counts;
  }

  /** The chunk that holds `slot`'s count (at index `slot & SLOT_INDEX_MASK`). */
  chunkOf(slot: number): Int32Array {
    return this.#chunks[slot >> SLOT_CHUNK_BITS]!;
  }

  /**
   * The map of `slot` is gone (`dead`: its token was collected) or failed to finish construction: it
   * leaves its group's instances, entries, bounds and survival sample. A slot is reused only once its
   * token is dead, so a late callback can never close another map's slot.
   */
  close(slot: number, dead: boolean): void {
    const ids = this.#groupIds[slot >> SLOT_CHUNK_BITS];
    const index = slot & SLOT_INDEX_MASK;
    const id = ids?.[index] ?? FREE;
    // Free already (or never opened): a second notice changes nothing, and frees nothing twice.
    if (ids === undefined || id === FREE) return;
    if (id !== ABANDONED) {
      const group = this.#groupList[id - 1]!;
      group.instances--;
      group.bounds.add(this.#bounds.get(slot) ?? NO_BOUNDS, -1);
      this.#bounds.delete(slot);
      this.#shards.delete(slot);
      group.sampler?.releaseOwner(slot);
    }
    if (dead) {
      ids[index] = FREE;
      this.#free.push(slot);
    } else ids[index] = ABANDONED;
  }

  /** Sets every group's `entries` to the sum of its open slots (groups: every group of the registry). */
  sumEntries(groups: Iterable<MapGroup>): void {
    for (const g of groups) {
      g.entries = 0;
      g.shardImbalance = undefined;
    }
    for (const [slot, counts] of this.#shards) {
      const g = this.#groupOf(slot);
      if (g === undefined) continue;
      let total = 0;
      let max = 0;
      for (const n of counts) {
        total += n;
        if (n > max) max = n;
      }
      g.entries += total;
      // As ShardedMap.shardImbalance(): 1 while there are too few entries per shard to mean anything.
      const r = total < MIN_ENTRIES_PER_SHARD * counts.length ? 1 : (max * counts.length) / total;
      g.shardImbalance = Math.max(g.shardImbalance ?? 0, r);
    }
    const list = this.#groupList;
    const chunks = this.#chunks;
    const groupIds = this.#groupIds;
    for (let slot = 0; slot < this.#next; slot++) {
      const id = groupIds[slot >> SLOT_CHUNK_BITS]![slot & SLOT_INDEX_MASK]!;
      if (id > 0) list[id - 1]!.entries += chunks[slot >> SLOT_CHUNK_BITS]![slot & SLOT_INDEX_MASK]!;
    }
  }
}
