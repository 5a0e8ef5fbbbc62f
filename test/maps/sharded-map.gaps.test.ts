/**
 * ShardedMap behaviour the mutation run found unguarded (issue #17): its errors name it and take the
 * ends of the shard range, multi-shard operations take the right holds and complete with a timeout
 * alone, a failed clear() leaves no listener on the caller's signal, and keys of every type spread.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '../../src/maps/sharded-map.js';
import { MapRegistry } from '../../src/registry.js';
import { LockTimeoutError } from '../../src/sync/errors.js';

const make = (shards = 16) => {
  const registry = new MapRegistry();
  const map = new ShardedMap<unknown, number>({ name: 'sessions', registry, shards });
  const snapshot = () => registry.collect().names.find((n) => n.name === 'sessions')!;
  return { map, registry, snapshot };
};

describe('ShardedMap construction', () => {
  it('names itself in its errors, with what it got', () => {
    const registry = new MapRegistry();
    expect(() => new ShardedMap({ name: 'x', registry: {} as never })).toThrow(
      /new ShardedMap\(\): registry/,
    );
    expect(() => new ShardedMap({ name: 'x', registry, maxEntries: 0 })).toThrow(
      /new ShardedMap\(\): maxEntries/,
    );
    expect(() => new ShardedMap({ name: 'x', registry, shards: 1.5 })).toThrow(
      new TypeError('mapwatch: ShardedMap shards must be an integer power of two, got 1.5'),
    );
    expect(() => new ShardedMap({ name: 'x', registry, shards: 2048 })).toThrow(
      new RangeError('mapwatch: ShardedMap shards must be a power of two from 1 to 1024, got 2048'),
    );
  });

  it('takes 1 and 1024 shards, the ends of the range', () => {
    expect(make(1).map.shardCount).toBe(1);
    expect(make(1024).map.shardCount).toBe(1024);
  });

  it('reports under kind=sharded, with no survival figures', async () => {
    const { map, snapshot } = make();
    await map.set('a', 1);
    expect([...snapshot().kinds]).toEqual(['sharded']);
    expect(snapshot().survival).toBeUndefined();
  });
});

describe('multi-shard operations', () => {
  it('snapshot() takes one read hold per shard, clear() one write hold per shard', async () => {
    const { map, snapshot } = make(4);
    await map.snapshot();
    expect(snapshot().lock!.read.uncontended).toBe(4);
    expect(snapshot().lock!.write.uncontended).toBe(0);
    await map.clear();
    expect(snapshot().lock!.write.uncontended).toBe(4);
    await map.snapshot({ timeoutMs: 1000 });
    expect(snapshot().lock!.read.uncontended).toBe(8);
    await map.clear({ timeoutMs: 1000 });
    expect(snapshot().lock!.write.uncontended).toBe(8);
  });

  it('complete with a timeout and no signal', async () => {
    const { map } = make(4);
    await map.set('a', 1);
    expect(await map.snapshot({ timeoutMs: 1000 })).toEqual([['a', 1]]);
    await map.clear({ timeoutMs: 1000 });
    expect(map.size).toBe(0);
  });

  it("a clear() that times out leaves no listener on the caller's signal", async () => {
    const { map } = make(4);
    let release!: () => void;
    const held = map.update('k', () => new Promise<number>((resolve) => (release = () => resolve(1))));
    const controller = new AbortController();
    await expect(map.clear({ signal: controller.signal, timeoutMs: 20 })).rejects.toBeInstanceOf(
      LockTimeoutError,
    );
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    release();
    await held;
  });
});

describe('keys of every type spread over the shards', () => {
  it.each([
    ['fractions of one', (i: number) => i / 4096],
    ['bigints', (i: number) => BigInt(i) * 7n],
    ['symbols of one description', () => Symbol('session')],
  ])('%s', async (_what, key) => {
    const { map } = make(16);
    for (let i = 0; i < 2048; i++) await map.set(key(i), i);
    expect(map.size).toBe(2048);
    expect(map.shardImbalance()).toBeLessThan(1.5);
  });

  it('true and false go to different shards', () => {
    const { map } = make(16);
    expect(map.shardOf(true)).not.toBe(map.shardOf(false));
  });
});
