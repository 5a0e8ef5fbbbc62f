/**
 * The counting bodies of InstrumentedMap and instrument(), written once: what a hit, a miss, an insert,
 * an update, a delete and a clear do to the counters, to the map's live entry count and to the survival
 * sampler. The two wrappers only tell which of these happened (each reads its backing Map its own way:
 * a private Map, or the methods a map had before it was instrumented) and call one of these methods.
 *
 * One MapCounting serves every map of a group (name, kind, sampling option; see map-groups.ts), and it
 * is the group's MapStats: a map holds this one object, so a hit is still one field increment on it.
 * (Measured: counting through a separate object that holds the stats cost 1-3 % more on get and set.)
 * The methods are small and monomorphic, so V8 inlines them into the wrappers' methods.
 */
import type { SurvivalSampler } from '../maps/survival.js';
import { MapStats } from './map-stats.js';

/** log2 of the slots per chunk of the entry-count table (see SlotTable). */
export const SLOT_CHUNK_BITS = 10;
/** A slot's index in its chunk is `slot & SLOT_INDEX_MASK`. */
export const SLOT_INDEX_MASK = (1 << SLOT_CHUNK_BITS) - 1;

/**
 * The counting object for a group whose sampler is `sampler` (undefined when sampling is off): a
 * ReadTrackingCounting when the sampler tracks reads, else a MapCounting.
 */
export function countingFor(sampler: SurvivalSampler | undefined): MapCounting {
  return sampler?.tracksReads === true ? new ReadTrackingCounting(sampler) : new MapCounting(sampler);
}

export class MapCounting extends MapStats {
  /** @param sampler the group's entry survival sampler; undefined when sampling is off */
  constructor(readonly sampler: SurvivalSampler | undefined) {
    super();
  }

  /**
   * A lookup found `key` in the map of `slot`. Only a count: read tracking is a subclass's override,
   * not a branch here. Measured on Node 20, a branch that might call the sampler slowed lookups by 5-10 %
   * of a native get, hits and misses alike, even where it was never taken (the wrapper's inlined `get`
   * gets the register spills of the possible call). Where a process has both kinds, the wrappers' call
   * site sees two classes, and V8 inlines both methods behind a class check.
   */
  hit(_key: unknown, _slot: number): void {
    this.hits++;
  }

  /** A lookup did not find its key. */
  miss(): void {
    this.misses++;
  }

  /**
   * A `get` on `map` (a native Map) returned undefined: a miss, as long as no map of the group ever
   * stored an undefined value. After one did (`storesUndefined`), this object's class becomes one whose
   * method asks `map.has(key)`, since a stored undefined is a hit. A class change rather than a flag:
   * V8 inlines the method of the class it has seen, so the common case pays no load and no branch for
   * the rare one (measured: about 0.7 ns of a 7 ns native miss), and a group that stores undefined pays
   * one deoptimisation when it changes class.
   */
  getUndefined(_map: Map<unknown, unknown>, _key: unknown, _slot: number): void {
    this.misses++;
  }

  /** A map of the group stored an undefined value: from now on getUndefined asks the map. */
  storesUndefined(): void {
    Object.setPrototypeOf(
      this,
      (this instanceof ReadTrackingCounting ? ReadTrackingWithUndefined : WithUndefined).prototype,
    );
  }

  /**
   * `key` was added to the map of `slot`, whose live entry count is at
   * `counts[slot & SLOT_INDEX_MASK]`.
   */
  inserted(key: unknown, counts: Int32Array, slot: number): void {
    this.inserts++;
    counts[slot & SLOT_INDEX_MASK]!++;
    if (this.sampler !== undefined) this.sampler.onInsert(key, slot);
  }

  /** A set overwrote the value of a key already present. */
  updated(): void {
    this.updates++;
  }

  /** `key` was deleted from the map of `slot`. */
  removed(key: unknown, counts: Int32Array, slot: number): void {
    this.deletesExplicit++;
    counts[slot & SLOT_INDEX_MASK]!--;
    if (this.sampler !== undefined) this.sampler.onDelete(key, slot);
  }

  // The three below serve instrument() on a Map subclass whose own methods do more than their key
  // (maps/instrument-subclass.ts). Its live count is set to the map's real size by the caller.

  /** A subclass's method added `n` entries besides its key, through no instrumented call. */
  insertedUnseen(n: number): void {
    this.inserts += n;
  }

  /** A subclass's method removed `n` entries besides its key, through no instrumented call. */
  evictedUnseen(n: number): void {
    this.deletesEvict += n;
  }

  /** A subclass's delete removed its key stored in another form (such keys are never sampled). */
  removedUnsampled(): void {
    this.deletesExplicit++;
  }

  /**
   * The map of `slot` was cleared: `removed` entries went, `left` remain (0 for a native clear; a
   * subclass's clear may keep some).
   */
  cleared(removed: number, left: number, counts: Int32Array, slot: number): void {
    this.deletesClear += removed;
    counts[slot & SLOT_INDEX_MASK] = left;
    if (this.sampler !== undefined) this.sampler.onClear(slot);
  }
}

/** A group's counting when its sampler tracks reads: a hit also marks the key read. */
export class ReadTrackingCounting extends MapCounting {
  declare readonly sampler: SurvivalSampler;

  override hit(key: unknown, slot: number): void {
    this.hits++;
    this.sampler.onRead(key, slot);
  }
}

/** Map.prototype.has, called on the map given (an instrument()ed map may have its own `has`). */
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call on a Map
const nativeHas = Map.prototype.has;

/**
 * The class a group's counting object takes once one of its maps stored an undefined value (see
 * getUndefined): `Base` with a get that returns undefined asking the map whether it holds the key.
 * Made once per base (counting with and without read tracking), so hits keep their own behaviour.
 */
function storingUndefined(Base: typeof MapCounting): typeof MapCounting {
  return class extends Base {
    override getUndefined(map: Map<unknown, unknown>, key: unknown, slot: number): void {
      if (nativeHas.call(map, key)) this.hit(key, slot);
      else this.misses++;
    }

    override storesUndefined(): void {}
  };
}

const WithUndefined = storingUndefined(MapCounting);
const ReadTrackingWithUndefined = storingUndefined(ReadTrackingCounting);
