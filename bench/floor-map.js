// The floor of exact per-operation counting by composition: a wrapper over a private Map that holds a
// reference to shared counters (as every map of a name shares its counters) and increments one per
// operation, and does nothing else (no live entry count, no survival sampling, no check for stored
// undefined values). Timed beside InstrumentedMap and instrument() in bench/maps.js, so
// the table shows what any counting wrapper pays on this V8 in the same run, and how far mapwatch's own
// work is from it.
const counters = { hits: 0, misses: 0, inserts: 0, updates: 0, deletes: 0 };

export const FLOOR = 'floor: one counter per op';

export class CountingFloorMap {
  #inner = new Map();
  #counters = counters;

  get(key) {
    const value = this.#inner.get(key);
    if (value !== undefined) this.#counters.hits++;
    else this.#counters.misses++;
    return value;
  }

  set(key, value) {
    const inner = this.#inner;
    const before = inner.size;
    inner.set(key, value);
    if (inner.size !== before) this.#counters.inserts++;
    else this.#counters.updates++;
    return this;
  }

  delete(key) {
    if (!this.#inner.delete(key)) return false;
    this.#counters.deletes++;
    return true;
  }
}
