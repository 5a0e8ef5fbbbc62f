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

  it('tells a stored undefined (a hit) from an absent key (a miss) once any map of the group stored one', () => {
    for (const reads of [false, true]) {
      const registry = new MapRegistry({ survivalSampling: reads ? { reads: true } : undefined });
      const plain = new InstrumentedMap<string, number | undefined>({ name: 'u', registry });
      const mate = instrument(new Map<string, number | undefined>(), { name: 'u', registry });
      const stats = registry.mapGroup('u', 'plain', reads ? { reads: true } : undefined).stats;
      expect(stats instanceof ReadTrackingCounting).toBe(reads);
      plain.set('a', 1);
      plain.get('absent');
      expect([stats.hits, stats.misses]).toEqual([0, 1]);
      // The mate stores undefined: from now on an undefined get asks the map, for every map of the group.
      mate.set('u', undefined);
      mate.set('u2', undefined);
      expect(mate.get('u')).toBeUndefined();
      expect(plain.get('u')).toBeUndefined(); // not in this map: a miss
      expect(plain.get('absent')).toBeUndefined();
      plain.set('v', undefined);
      expect(plain.get('v')).toBeUndefined();
      expect(plain.get('a')).toBe(1);
      expect([stats.hits, stats.misses]).toEqual([3, 3]);
      // The counting object stays the group's, with its kind (read tracking or not) and its counts.
      expect(registry.mapGroup('u', 'plain', reads ? { reads: true } : undefined).stats).toBe(stats);
      expect(stats instanceof ReadTrackingCounting).toBe(reads);
      expect(registry.collect().names.find((n) => n.name === 'u')!.map.hits).toBe(3);
    }
  });

  it('instrument() of a map that already holds an undefined value counts its get as a hit', () => {
    const registry = new MapRegistry({ survivalSampling: false });
    const m = instrument(new Map<string, undefined>([['k', undefined]]), { name: 'pre', registry });
    m.get('k');
    m.get('absent');
    const stats = registry.mapGroup('pre', 'plain', undefined).stats;
    expect([stats.hits, stats.misses]).toEqual([1, 1]);
  });
});
