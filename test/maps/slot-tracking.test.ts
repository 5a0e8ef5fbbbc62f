/**
 * Every map type of src/maps but LockedMap is tracked with no reference from the registry (issue 11):
 * entries and shard imbalance are read from counts the maps keep, and a dropped map leaves instances and
 * entries once the collector has run and its callback has had a turn.
 */
import { describe, expect, it } from 'vitest';
import { LoadingMap } from '../../src/maps/loading-map.js';
import { ReadMostlyMap } from '../../src/maps/read-mostly-map.js';
import { ShardedMap } from '../../src/maps/sharded-map.js';
import { MapRegistry } from '../../src/registry.js';

const gc = (globalThis as { gc?: () => void }).gc!;

async function collected(registry: MapRegistry): Promise<void> {
  for (let i = 0; i < 10 && registry.collect().names.some((n) => n.instances > 0); i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
}

describe('counts kept by the maps, read without a reference to them', () => {
  it('ShardedMap: entries and shard imbalance as the map reports them', async () => {
    const registry = new MapRegistry();
    const map = new ShardedMap<string, number>({ name: 'sharded', registry, shards: 4 });
    // 40 keys of shard 0: 10 per shard on average, all in one: imbalance 4.
    const keys: string[] = [];
    for (let i = 0; keys.length < 40; i++) if (map.shardOf(`k${i}`) === 0) keys.push(`k${i}`);
    for (const k of keys) await map.set(k, 1);
    let n = registry.collect().names[0]!;
    expect(n.entriesByKind.get('sharded')).toBe(40);
    expect(n.shardImbalance).toBe(map.shardImbalance());
    expect(n.shardImbalance).toBe(4);
    await map.delete(keys[0]!);
    await map.update(keys[1]!, () => undefined);
    n = registry.collect().names[0]!;
    expect(n.entriesByKind.get('sharded')).toBe(38);
    await map.clear();
    n = registry.collect().names[0]!;
    expect(n.entriesByKind.get('sharded')).toBe(0);
    expect(n.shardImbalance).toBe(1);
  });

  it('ReadMostlyMap and LoadingMap (with expiry): entries follow the maps', () => {
    const registry = new MapRegistry();
    let t = 0;
    const rm = new ReadMostlyMap<string, number>(
      [
        ['a', 1],
        ['b', 2],
      ],
      { name: 'rm', registry },
    );
    const lm = new LoadingMap<string, number>({ name: 'lm', registry, ttlMs: 100, now: () => t });
    rm.delete('a');
    lm.set('x', 1).set('y', 2);
    const entries = (name: string) =>
      [
        ...registry
          .collect()
          .names.find((n) => n.name === name)!
          .entriesByKind.values(),
      ][0];
    expect(entries('rm')).toBe(1);
    expect(entries('lm')).toBe(2);
    t = 150;
    expect(lm.get('x')).toBeUndefined(); // expired, removed
    expect(entries('lm')).toBe(lm.size);
    lm.purgeExpired();
    expect(entries('lm')).toBe(0);
  });

  it('dropped maps of each type leave instances and entries after GC and a turn', async () => {
    const registry = new MapRegistry();
    await (async () => {
      new ReadMostlyMap<string, number>([['a', 1]], { name: 'rm', registry });
      new LoadingMap<string, number>({ name: 'lm', registry }).set('a', 1);
      await new ShardedMap<string, number>({ name: 'sh', registry, shards: 2 }).set('a', 1);
    })();
    expect(registry.collect().names.map((n) => n.instances)).toEqual([1, 1, 1]);
    await collected(registry);
    for (const n of registry.collect().names) {
      expect(n.instances).toBe(0);
      expect([...n.entriesByKind.values()].reduce((a, b) => a + b, 0)).toBe(0);
      expect(n.map.inserts).toBe(1);
    }
  });
});
