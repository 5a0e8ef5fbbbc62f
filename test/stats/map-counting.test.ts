/**
 * The counting bodies InstrumentedMap and instrument() share (stats/map-counting.ts): what each event
 * does to the counters, to the map's own entry count (and no other map's) and to a real survival
 * sampler, with read tracking and without, and with sampling off.
 */
import { describe, expect, it } from 'vitest';
import { instrument } from '../../src/maps/instrument.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { SurvivalSampler } from '../../src/maps/survival.js';
import { MapRegistry } from '../../src/registry.js';
import {
  countingFor,
  MapCounting,
  ReadTrackingCounting,
  SLOT_INDEX_MASK,
} from '../../src/stats/map-counting.js';

/** A slot in the second chunk, so the index is not the slot itself. */
const SLOT = SLOT_INDEX_MASK + 1 + 5;
const INDEX = SLOT & SLOT_INDEX_MASK;

const counts = () => new Int32Array(SLOT_INDEX_MASK + 1);
const sampler = (reads: boolean) => new SurvivalSampler(4, () => 1_000, Math.random, { reads });

describe('MapCounting', () => {
  it('counts inserts, updates and deletes, and keeps the entry count of its slot only', () => {
    const c = new MapCounting(undefined);
    const table = counts();
    c.inserted('a', table, SLOT);
    c.inserted('b', table, SLOT);
    c.updated();
    c.removed('a', table, SLOT);
    expect([c.inserts, c.updates, c.deletesExplicit]).toEqual([2, 1, 1]);
    expect(table[INDEX]).toBe(1);
    expect(table.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('a clear adds what it removed and sets the count to what is left', () => {
    const c = new MapCounting(undefined);
    const table = counts();
    table[INDEX] = 7;
    c.cleared(5, 2, table, SLOT);
    expect(c.deletesClear).toBe(5);
    expect(table[INDEX]).toBe(2);
    c.cleared(2, 0, table, SLOT);
    expect(c.deletesClear).toBe(7);
    expect(table[INDEX]).toBe(0);
  });

  it('tells the sampler of inserts, deletes and clears, under the map slot as owner', () => {
    const s = sampler(false);
    const c = new MapCounting(s);
    const table = counts();
    c.inserted('a', table, SLOT);
    c.inserted('b', table, SLOT);
    expect(s.sampledLive()).toBe(2);
    c.removed('a', table, SLOT - 1); // another map's delete of an equal key leaves this map's sample alone
    expect(s.sampledLive()).toBe(2);
    c.removed('a', table, SLOT);
    expect(s.sampledLive()).toBe(1);
    c.cleared(1, 0, table, SLOT);
    expect(s.sampledLive()).toBe(0);
  });

  it('marks reads only when the sampler tracks them; hits and misses count either way', () => {
    for (const reads of [false, true]) {
      const s = sampler(reads);
      const c = countingFor(s);
      expect(c instanceof ReadTrackingCounting).toBe(reads);
      expect(c.sampler).toBe(s);
      c.inserted('a', counts(), SLOT);
      c.inserted('b', counts(), SLOT);
      c.hit('a', SLOT);
      c.hit('b', SLOT - 1); // not this owner's key: stays unread
      c.miss();
      expect([c.hits, c.misses]).toEqual([2, 1]);
      expect(s.sampledNeverRead()).toBe(reads ? 1 : undefined);
    }
  });

  it('is the stats object both wrappers count into: one group, one set of counters', () => {
    const registry = new MapRegistry({ survivalSampling: false });
    const a = new InstrumentedMap<string, number>({ name: 'shared', registry });
    const b = instrument(new Map<string, number>(), { name: 'shared', registry });
    a.set('k', 1);
    b.set('k', 1);
    b.set('k', 2);
    a.get('k');
    b.get('absent');
    a.delete('k');
    b.clear();
    const group = registry.mapGroup('shared', 'plain', undefined);
    expect(group.stats).toBeInstanceOf(MapCounting);
    expect(group.instances).toBe(2);
    const stats = group.stats;
    expect([stats.inserts, stats.updates, stats.hits, stats.misses]).toEqual([2, 1, 1, 1]);
    expect([stats.deletesExplicit, stats.deletesClear]).toEqual([1, 1]);
    const snapshot = registry.collect().names.find((n) => n.name === 'shared')!;
    expect(snapshot.map.inserts).toBe(2);
    expect(snapshot.entriesByKind.get('plain')).toBe(0);
  });
});
