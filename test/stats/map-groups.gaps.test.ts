/**
 * The registry's bookkeeping of slot-tracked maps (stats/map-groups.ts, stats/declared-bounds.ts; issue
 * #17, the survivors of a mutation run over src/stats): a slot is reused only once its map is dead, a map
 * that failed to finish construction leaves its group at once and never twice, every slot of a chunk
 * counts, a sharded map's imbalance reads 1 below 8 entries per shard, and the declared bounds of a name
 * follow its live maps.
 */
import { describe, expect, it } from 'vitest';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { MapRegistry } from '../../src/registry.js';
import { MAX_DECLARED_ENTRIES, validateDeclaredBounds } from '../../src/stats/declared-bounds.js';
import {
  BoundsTally,
  MapGroup,
  MIN_ENTRIES_PER_SHARD,
  NO_BOUNDS,
  SLOT_INDEX_MASK,
  SlotTable,
} from '../../src/stats/map-groups.js';

const group = () => new MapGroup('plain', undefined, 'off', undefined, new BoundsTally());

describe('SlotTable', () => {
  it('reuses the slot of a dead map, never that of a map whose construction failed', () => {
    const t = new SlotTable();
    const g = group();
    const a = t.open(g, 0, NO_BOUNDS);
    t.close(a, true);
    expect(t.open(g, 0, NO_BOUNDS)).toBe(a);
    const b = t.open(g, 0, NO_BOUNDS);
    t.close(b, false);
    const c = t.open(g, 0, NO_BOUNDS);
    expect(c).not.toBe(b);
    expect(g.instances).toBe(2);
  });

  it('a failed map leaves its group at once, and its later death changes nothing more', () => {
    const t = new SlotTable();
    const g = group();
    const keep = t.open(g, 3, NO_BOUNDS);
    const failed = t.open(g, 5, NO_BOUNDS);
    t.close(failed, false);
    t.sumEntries([g]);
    expect([g.instances, g.entries]).toEqual([1, 3]);
    expect(() => t.close(failed, true)).not.toThrow();
    t.sumEntries([g]);
    expect([g.instances, g.entries, g.bounds.unbounded]).toEqual([1, 3, 1]);
    expect(keep).toBe(0);
  });

  it('a slot freed by one group serves another exactly; a second death notice frees it only once', () => {
    const t = new SlotTable();
    const [a, b] = [group(), group()];
    const slot = t.open(a, 5, NO_BOUNDS);
    t.close(slot, false);
    t.close(slot, true);
    t.close(slot, true);
    const reused = t.open(b, 7, NO_BOUNDS);
    const next = t.open(b, 1, NO_BOUNDS);
    expect(reused).toBe(slot);
    expect(next).not.toBe(slot);
    t.sumEntries([a, b]);
    expect([a.instances, a.entries, b.instances, b.entries]).toEqual([0, 0, 2, 8]);
    // Closing the reused slot takes it from b, the group that holds it now.
    t.close(reused, true);
    t.sumEntries([a, b]);
    expect([a.instances, a.entries, b.instances, b.entries]).toEqual([0, 0, 1, 1]);
  });

  it('counts every slot of a full chunk and of the next one', () => {
    const t = new SlotTable();
    const g = group();
    const n = SLOT_INDEX_MASK + 3;
    for (let i = 0; i < n; i++) {
      const slot = t.open(g, 0, NO_BOUNDS);
      t.chunkOf(slot)[slot & SLOT_INDEX_MASK] = slot + 1;
    }
    t.sumEntries([g]);
    expect([g.instances, g.entries]).toEqual([n, (n * (n + 1)) / 2]);
  });

  it('reads a sharded map imbalance as 1 below 8 entries per shard, else fullest shard over the mean', () => {
    const t = new SlotTable();
    const g = group();
    const few = t.attachShards(t.open(g, 0, NO_BOUNDS), 4);
    few.set([5, 0, 0, 0]);
    t.sumEntries([g]);
    expect([g.entries, g.shardImbalance]).toEqual([5, 1]);
    few.set([2 * MIN_ENTRIES_PER_SHARD * 4, 0, 0, 0]);
    t.sumEntries([g]);
    expect(g.shardImbalance).toBe(4);
    // The worst of the group's sharded maps; a closed one no longer counts.
    const even = t.attachShards(t.open(g, 0, NO_BOUNDS), 2);
    even.set([20, 20]);
    t.sumEntries([g]);
    expect([g.entries, g.shardImbalance]).toEqual([104, 4]);
    t.close(0, true);
    t.sumEntries([g]);
    expect([g.entries, g.shardImbalance]).toEqual([40, 1]);
  });
});

describe('declared bounds of a name', () => {
  it('leave with a map whose construction failed: its TTL and maxEntries no longer count', () => {
    const registry = new MapRegistry();
    new InstrumentedMap({ name: 'n', registry, ttlMs: 60_000, maxEntries: 10 });
    const failing = {
      *[Symbol.iterator]() {
        yield [1, 1] as [number, number];
        throw new Error('bad source');
      },
    };
    expect(
      () => new InstrumentedMap(failing, { name: 'n', registry, ttlMs: 120_000, maxEntries: 5 }),
    ).toThrow('bad source');
    const snap = () => registry.collect().names.find((x) => x.name === 'n')!;
    expect([snap().instances, snap().declaredTtlSeconds, snap().declaredMaxEntries]).toEqual([1, 60, 10]);
    // Two live maps with one TTL, then a longer one: the longest counts, and the sum of maxEntries.
    const b = new InstrumentedMap({ name: 'n', registry, ttlMs: 60_000, maxEntries: 7 });
    expect([snap().declaredTtlSeconds, snap().declaredMaxEntries]).toEqual([60, 17]);
    expect(b.size).toBe(0);
  });

  it('sums the entries of every live map of a name', () => {
    const registry = new MapRegistry();
    const maps = [3, 5, 7, 11].map((n) => {
      const m = new InstrumentedMap<number, number>({ name: 'sum', registry });
      for (let i = 0; i < n; i++) m.set(i, i);
      return m;
    });
    maps[1]!.delete(0);
    const snap = registry.collect().names.find((x) => x.name === 'sum')!;
    expect([snap.instances, snap.entriesByKind.get('plain')]).toEqual([4, 25]);
  });

  it('keeps a TTL while any map with it lives', () => {
    const tally = new BoundsTally();
    const ttl60 = validateDeclaredBounds({ ttlMs: 60_000 }, 'test');
    const ttl120 = validateDeclaredBounds({ ttlMs: 120_000 }, 'test');
    tally.add(ttl60, 1);
    tally.add(ttl60, 1);
    tally.add(ttl120, 1);
    expect(tally.longestTtl()).toBe(120);
    tally.add(ttl120, -1);
    expect(tally.longestTtl()).toBe(60);
    tally.add(ttl60, -1);
    expect(tally.longestTtl()).toBe(60);
    tally.add(ttl60, -1);
    expect([tally.longestTtl(), tally.ttls.size]).toEqual([0, 0]);
  });

  it('accepts maxEntries 1, the smallest bound', () => {
    expect(validateDeclaredBounds({ maxEntries: 1 }, 'test')).toEqual({
      maxEntries: 1,
      ttlSeconds: undefined,
    });
    expect(() => validateDeclaredBounds({ maxEntries: 0 }, 'test')).toThrow(RangeError);
  });

  it('takes maxEntries up to 2^32, so the running sum over opens and closes stays exact', () => {
    // Found by review: three maps declaring Number.MAX_SAFE_INTEGER pushed the sum past 2^53, and once
    // they had closed a lone map declaring 100 was exported as 98.
    expect(() => validateDeclaredBounds({ maxEntries: Number.MAX_SAFE_INTEGER }, 'test')).toThrow(
      /maxEntries must be a positive integer up to 2\^32/,
    );
    expect(() => validateDeclaredBounds({ maxEntries: MAX_DECLARED_ENTRIES + 1 }, 'test')).toThrow(
      RangeError,
    );
    const tally = new BoundsTally();
    const largest = validateDeclaredBounds({ maxEntries: MAX_DECLARED_ENTRIES }, 'test');
    // Nearly as many live maps of a name as the cap keeps exact (2^21 of them at 2^32 each is 2^53).
    const maps = 2 ** 21 - 1;
    for (let i = 0; i < maps; i++) tally.add(largest, 1);
    tally.add(validateDeclaredBounds({ maxEntries: 100 }, 'test'), 1);
    for (let i = 0; i < maps; i++) tally.add(largest, -1);
    expect(tally.maxEntriesSum).toBe(100);
  });
});
