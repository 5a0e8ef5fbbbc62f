import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { hashKey } from '../../src/maps/sharded-map-hash.js';
import { MIN_ENTRIES_PER_SHARD, ShardedMap } from '../../src/maps/sharded-map.js';
import { MapRegistry } from '../../src/registry.js';
import { LockAbortedError, LockTimeoutError } from '../../src/sync/errors.js';

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

  it('reports imbalance as fullest shard over mean shard, 1 when empty or too small to mean anything', async () => {
    const { map, snap } = make(4);
    expect(map.shardImbalance()).toBe(1);
    // 24 keys in shard 0 and 8 in shard 1: 32 entries = 8 per shard on average; max 24, mean 8 -> 3.
    const byShard = new Map<number, number[]>();
    for (let i = 0; (byShard.get(0)?.length ?? 0) < 24 || (byShard.get(1)?.length ?? 0) < 8; i++) {
      if (i > 10_000) throw new Error('hash never filled the shards');
      const s = map.shardOf(i);
      byShard.set(s, [...(byShard.get(s) ?? []), i]);
    }
    expect(MIN_ENTRIES_PER_SHARD).toBe(8);
    const [first, ...rest] = [...byShard.get(0)!.slice(0, 24), ...byShard.get(1)!.slice(0, 8)];
    // Below 8 entries per shard on average (fewer than 32 here) the ratio is noise: reported as 1.
    for (const k of rest) await map.set(k, 1);
    expect(map.size).toBe(31);
    expect(map.shardImbalance()).toBe(1);
    await map.set(first!, 1);
    expect(map.shardSizes()).toEqual([24, 8, 0, 0]);
    expect(map.shardImbalance()).toBe(3);
    expect(snap().shardImbalance).toBe(3);
    expect(snap().entriesByKind.get('sharded')).toBe(32);
  });

  it('spreads unregistered symbols by identity, and hashes Symbol.for keys by their registry key', async () => {
    const { map } = make(16);
    for (let i = 0; i < 4096; i++) await map.set(Symbol('session'), i);
    expect(map.size).toBe(4096);
    expect(map.shardImbalance()).toBeLessThan(1.3);
    const s = Symbol('same');
    expect(hashKey(s)).toBe(hashKey(s));
    expect(hashKey(Symbol.for('app:key'))).toBe(hashKey(Symbol.for('app:key')));
    const registered = make(16);
    for (let i = 0; i < 4096; i++) await registered.map.set(Symbol.for(`mapwatch-test:${i}`), i);
    expect(registered.map.shardImbalance()).toBeLessThan(1.3);
    expect(await registered.map.get(Symbol.for('mapwatch-test:7'))).toBe(7);
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

describe('ShardedMap multi-shard operations: deadlocks, failures and stats', () => {
  it('update() touching another shard deadlocks with a concurrent clear(); a timeout turns it into an error', async () => {
    const { map } = make(2);
    const a = keyInShard(map, 0);
    const b = keyInShard(map, 1);
    await map.set(b, 5);
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    const updating = map.update(a, async () => {
      await gate;
      // clear() holds b's shard and waits for a's, which this callback holds: the documented misuse.
      return (await map.get(b, { timeoutMs: 1 }))! + 1;
    });
    await Promise.resolve();
    const clearing = map.clear();
    openGate();
    await expect(updating).rejects.toBeInstanceOf(LockTimeoutError);
    // The update gave its shard back when it failed, so clear() completes.
    await clearing;
    expect(map.size).toBe(0);
  });

  it('concurrent clear() and snapshot() calls never deadlock each other and keep call order', async () => {
    const { map } = make(4);
    const keys = [0, 1, 2, 3].map((s) => keyInShard(map, s));
    for (const k of keys) await map.set(k, 1);
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    const holder = map.update(keys[2]!, async () => {
      await gate;
      return 2;
    });
    await Promise.resolve();
    const order: string[] = [];
    const ops = [
      map.snapshot().then((s) => order.push(`snapshot ${s.length}`)),
      map.clear().then(() => order.push('clear')),
      map.snapshot().then((s) => order.push(`snapshot ${s.length}`)),
      map.clear().then(() => order.push('clear')),
    ];
    openGate();
    await holder;
    await Promise.all(ops);
    expect(order).toEqual(['snapshot 4', 'clear', 'snapshot 0', 'clear']);
  });

  it('a timed-out clear() gives back the shards it held at once and leaves no waiters', async () => {
    const { map, snap } = make(4);
    const keys = [0, 1, 2, 3].map((s) => keyInShard(map, s));
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    const holder = map.update(keys[0]!, async () => {
      await gate;
      return 1;
    });
    await Promise.resolve();
    await expect(map.clear({ timeoutMs: 1 })).rejects.toBeInstanceOf(LockTimeoutError);
    // Shards 1..3 were granted to clear(); they are free again now ("only if free now" succeeds).
    for (const k of keys.slice(1)) await map.set(k, 2, { timeoutMs: 0 });
    const s = snap().lock!;
    expect(s.timeouts).toBe(1); // one shard waited and gave up
    expect(s.waiters).toBe(0);
    openGate();
    await holder;
    expect(map.size).toBe(4); // nothing was cleared
  });

  it('an abort fails the whole call, abandons every shard wait, and removes its listener', async () => {
    const { map, snap } = make(4);
    const keys = [0, 1, 2, 3].map((s) => keyInShard(map, s));
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    const holders = [keys[0]!, keys[1]!].map((k) =>
      map.update(k, async () => {
        await gate;
        return 1;
      }),
    );
    await Promise.resolve();
    const ac = new AbortController();
    const clearing = map.clear({ signal: ac.signal });
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    expect(snap().lock!.waiters).toBe(2);
    const reason = new Error('request cancelled');
    ac.abort(reason);
    const err = await clearing.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockAbortedError);
    expect((err as Error).cause).toBe(reason);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    for (const k of keys.slice(2)) await map.set(k, 2, { timeoutMs: 0 });
    const s = snap().lock!;
    expect([s.timeouts, s.waiters]).toEqual([2, 0]);
    openGate();
    await Promise.all(holders);
    expect(map.size).toBe(4);

    // A successful call with a signal leaves no listener behind either.
    const ok = new AbortController();
    await map.clear({ signal: ok.signal, timeoutMs: 1000 });
    expect(getEventListeners(ok.signal, 'abort')).toHaveLength(0);
    expect(map.size).toBe(0);
  });

  it('an already-aborted signal counts one abandoned acquisition and touches no lock', async () => {
    const { map, snap } = make(16);
    await map.set('k', 1);
    const before = snap().lock!;
    const [readsBefore, writesBefore] = [before.read.uncontended, before.write.uncontended];
    await expect(map.snapshot({ signal: AbortSignal.abort('early') })).rejects.toBeInstanceOf(
      LockAbortedError,
    );
    await expect(map.clear({ signal: AbortSignal.abort('early') })).rejects.toBeInstanceOf(LockAbortedError);
    const s = snap().lock!;
    expect(s.timeouts).toBe(2);
    expect([s.read.uncontended, s.write.uncontended]).toEqual([readsBefore, writesBefore]);
    expect(map.size).toBe(1);
  });

  it('rejects bad options with a clear error before touching any lock', async () => {
    const { map, snap } = make(4);
    await expect(map.clear({ timeoutMs: -1 })).rejects.toThrow(RangeError);
    await expect(map.snapshot({ signal: {} as AbortSignal })).rejects.toThrow(/AbortSignal/);
    expect(snap().lock?.write.uncontended ?? 0).toBe(0);
  });
});
