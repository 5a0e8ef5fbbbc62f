import { describe, expect, it } from 'vitest';
import { hashKey } from '../../src/maps/sharded-map-hash.js';
import { ShardedMap } from '../../src/maps/sharded-map.js';
import { MapRegistry } from '../../src/registry.js';

/** The first small integer key that hashes to `shard` (bounded search). */
function keyInShard(map: ShardedMap<unknown, number>, shard: number): number {
  for (let k = 0; k < 10_000; k++) if (map.shardOf(k) === shard) return k;
  throw new Error(`no key found for shard ${shard}`);
}

function make(shards?: number) {
  const registry = new MapRegistry();
  const map = new ShardedMap<unknown, number>({ name: 'sessions', registry, shards });
  const snap = () => registry.collect().names.find((n) => n.name === 'sessions')!;
  return { map, registry, snap };
}

describe('ShardedMap', () => {
  it('validates the shard count', () => {
    const registry = new MapRegistry();
    for (const bad of [0, 3, 12, 2048, -4]) {
      expect(() => new ShardedMap({ name: 'x', registry, shards: bad })).toThrow(RangeError);
    }
    expect(() => new ShardedMap({ name: 'x', registry, shards: 1.5 })).toThrow(TypeError);
    expect(() => new ShardedMap({ name: 'x', registry, shards: '4' as unknown as number })).toThrow(
      TypeError,
    );
    expect(new ShardedMap({ name: 'x', registry }).shardCount).toBe(16);
  });

  it('hashes keys that a Map treats as equal to the same shard', () => {
    expect(hashKey(0)).toBe(hashKey(-0));
    expect(hashKey(NaN)).toBe(hashKey(Number.NaN));
    expect(hashKey('abc')).toBe(hashKey('ab' + 'c'));
    const o = {};
    expect(hashKey(o)).toBe(hashKey(o));
    const sym = Symbol('s');
    expect(hashKey(sym)).toBe(hashKey(sym));
    for (const k of [1, 1.5, 2n, true, null, undefined, 'x', o, sym]) {
      const h = hashKey(k);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    }
  });

  it('spreads common key shapes evenly (bounded imbalance over 4,096 keys)', async () => {
    const shapes: ((i: number) => unknown)[] = [
      (i) => `user:${i}`,
      (i) => i,
      (i) => i * 4096,
      () => ({}),
      (i) => i + 0.5,
    ];
    for (const shape of shapes) {
      const { map } = make(16);
      for (let i = 0; i < 4096; i++) await map.set(shape(i), i);
      expect(map.size).toBe(4096);
      // 256 per shard on average; a decent hash stays well under 1.3x for these shapes.
      expect(map.shardImbalance()).toBeLessThan(1.3);
    }
  });

  it('reports imbalance as fullest shard over mean shard, 1 when empty', async () => {
    const { map, snap } = make(4);
    expect(map.shardImbalance()).toBe(1);
    // Put 3 keys in one shard and 1 key in another: max 3, mean 1 -> 3.
    const byShard = new Map<number, number[]>();
    for (let i = 0; byShard.size < 4 || [...byShard.values()].some((v) => v.length < 3); i++) {
      if (i > 10_000) throw new Error('hash never filled the shards');
      const s = map.shardOf(i);
      byShard.set(s, [...(byShard.get(s) ?? []), i]);
    }
    for (const k of byShard.get(0)!.slice(0, 3)) await map.set(k, 1);
    await map.set(byShard.get(1)![0]!, 1);
    expect(map.shardSizes()).toEqual([3, 1, 0, 0]);
    expect(map.shardImbalance()).toBe(3);
    expect(snap().shardImbalance).toBe(3);
    expect(snap().entriesByKind.get('sharded')).toBe(4);
  });

  it("locks only the key's shard: other shards proceed while one is held", async () => {
    const { map } = make(2);
    const a = keyInShard(map, 0);
    const b = keyInShard(map, 1);
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    const held = map.update(a, async () => {
      await gate;
      return 1;
    });
    await Promise.resolve();
    // Shard 1 is free: this completes while shard 0 is still held.
    await map.set(b, 2);
    expect(await map.get(b)).toBe(2);
    let sameShardDone = false;
    const sameShard = map.get(a).then((v) => {
      sameShardDone = true;
      return v;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(sameShardDone).toBe(false);
    openGate();
    await held;
    expect(await sameShard).toBe(1);
  });

  it("aggregates every shard's lock counters under the map's name", async () => {
    const { map, snap } = make(8);
    for (let i = 0; i < 32; i++) await map.set(`k${i}`, i);
    for (let i = 0; i < 32; i++) await map.get(`k${i}`);
    await map.clear();
    const s = snap();
    // 32 sets + 8 shard locks taken by clear; 32 gets.
    expect(s.lock!.write.uncontended).toBe(40);
    expect(s.lock!.read.uncontended).toBe(32);
    expect(s.map.deletesClear).toBe(32);
    expect(s.instances).toBe(1);
    expect(map.size).toBe(0);
  });
});
