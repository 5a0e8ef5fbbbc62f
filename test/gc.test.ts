/**
 * Instrumenting never keeps a map alive, and counters never go backwards when maps die.
 * Needs --expose-gc (vitest.config.ts passes it to the test workers).
 */
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { instrument } from '../src/maps/instrument.js';
import { InstrumentedMap } from '../src/maps/instrumented-map.js';
import { LoadingMap } from '../src/maps/loading-map.js';
import { ReadMostlyMap } from '../src/maps/read-mostly-map.js';
import { ShardedMap } from '../src/maps/sharded-map.js';
import { TARGETS_DIE_YOUNG, newMapToken } from '../src/stats/map-groups.js';
import { MapRegistry, type NameSnapshot } from '../src/registry.js';

const gc = (globalThis as { gc?: () => void }).gc;

async function collectGarbage(): Promise<void> {
  // WeakRefs read in this job stay alive until it ends, and finalizers run in later tasks: alternate.
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
  }
}

function counters(n: NameSnapshot): number[] {
  const m = n.map;
  return [m.hits, m.misses, m.inserts, m.updates, m.deletesExplicit, m.deletesClear];
}

describe('short-lived maps', () => {
  it('needs --expose-gc', () => {
    expect(typeof gc).toBe('function');
  });

  it('die, leave zero live instances and entries, and keep every counter monotonic', async () => {
    const registry = new MapRegistry();
    const create = (round: number): void => {
      for (let i = 0; i < 2000; i++) {
        const name = `conn-${i % 5}`;
        const map =
          i % 2 === 0
            ? new InstrumentedMap<number, number>({ name, registry })
            : instrument(new Map<number, number>(), { name, registry });
        for (let k = 0; k < 10; k++) map.set(k, round);
        map.get(1);
        map.get(99);
        map.set(1, 2);
        map.delete(2);
        if (i % 3 === 0) map.clear();
      }
    };

    create(1);
    const during = registry.collect().names;
    expect(during.reduce((s, n) => s + n.instances, 0)).toBeGreaterThan(0);
    const before = new Map(during.map((n) => [n.name, counters(n)]));

    await collectGarbage();
    const after = registry.collect().names;
    expect(after.reduce((s, n) => s + n.instances, 0)).toBe(0);
    expect(after.reduce((s, n) => s + (n.entriesByKind.get('plain') ?? 0), 0)).toBe(0);
    for (const n of after) {
      const was = before.get(n.name)!;
      counters(n).forEach((v, i) => expect(v).toBeGreaterThanOrEqual(was[i]!));
      // Every map made 10 inserts; the totals are exact after folding, not just monotonic.
      expect(n.map.inserts).toBe(400 * 10);
      expect(n.map.hits).toBe(400);
      expect(n.map.misses).toBe(400);
    }

    // Locks fold too: their counters survive them.
    const makeLocks = (): void => {
      for (let i = 0; i < 500; i++) {
        const lock = registry.trackLock({}, 'conn-0');
        lock.recordAcquire('write', true, 0.001);
        lock.recordAcquire('read', false, 0);
        lock.recordHold('write', 0.002);
      }
    };
    makeLocks();
    await collectGarbage();
    const lock = registry.collect().names.find((n) => n.name === 'conn-0')!.lock!;
    expect(lock.write.contended).toBe(500);
    expect(lock.read.uncontended).toBe(500);
    expect(lock.write.waitCount).toBe(500);
    expect(lock.waiters).toBe(0);

    // A second generation adds on top of the retired totals.
    create(2);
    await collectGarbage();
    for (const n of registry.collect().names) expect(n.map.inserts).toBe(2 * 400 * 10);
  });
});

describe('every slot-tracked map kind', () => {
  const names = (registry: MapRegistry) =>
    Object.fromEntries(
      registry
        .collect()
        .names.map((n) => [n.name, [n.instances, [...n.entriesByKind.values()].reduce((a, b) => a + b, 0)]]),
    );

  it('is its own death notice on Node 24, and holds a token on Node 20 and 22', () => {
    const node = Number.parseInt(process.versions.node, 10);
    if (node === 20 || node === 22) expect(TARGETS_DIE_YOUNG).toBe(false);
    if (node >= 24) expect(TARGETS_DIE_YOUNG).toBe(true);
    expect(newMapToken() === undefined).toBe(TARGETS_DIE_YOUNG);
  });

  it('stays counted while alive, through collections, whatever its death notice', async () => {
    const registry = new MapRegistry();
    const kept: unknown[] = [
      new InstrumentedMap([['x', 1]], { name: 'plain', registry }).set('y', 2),
      new LoadingMap<string, number>({ name: 'loading', registry }).set('x', 1),
      new ReadMostlyMap([['x', 1]], { name: 'read-mostly', registry }),
    ];
    const sharded = new ShardedMap<string, number>({ name: 'sharded', registry, shards: 2 });
    await sharded.set('x', 1);
    kept.push(sharded);
    const live = { plain: [1, 2], loading: [1, 1], 'read-mostly': [1, 1], sharded: [1, 1] };
    expect(names(registry)).toEqual(live);
    await collectGarbage();
    await collectGarbage();
    expect(names(registry)).toEqual(live);
    expect(kept).toHaveLength(4);
  });

  it('closes its slot when collected, a half-built map at once; later maps count for their own name', async () => {
    const registry = new MapRegistry();
    const make = async (): Promise<void> => {
      new InstrumentedMap([['x', 1]], { name: 'plain', registry }).set('y', 2);
      new LoadingMap<string, number>({ name: 'loading', registry }).set('x', 1);
      new ReadMostlyMap([['x', 1]], { name: 'read-mostly', registry });
      await new ShardedMap<string, number>({ name: 'sharded', registry, shards: 2 }).set('x', 1);
      const throwing = {
        *[Symbol.iterator]() {
          yield ['x', 1] as const;
          throw new Error('entries fail');
        },
      };
      expect(() => new InstrumentedMap(throwing, { name: 'plain', registry })).toThrow('entries fail');
    };
    await make();
    // The half-built map left at once; the others are live until collected.
    expect(names(registry)).toEqual({
      plain: [1, 2],
      loading: [1, 1],
      'read-mostly': [1, 1],
      sharded: [1, 1],
    });
    for (let i = 0; i < 20 && Object.values(names(registry)).some(([n]) => n! > 0); i++)
      await collectGarbage();
    expect(names(registry)).toEqual({
      plain: [0, 0],
      loading: [0, 0],
      'read-mostly': [0, 0],
      sharded: [0, 0],
    });
    // Later maps (in the freed slots; SlotTable's own tests pin the reuse) count for their own name only.
    const kept = [1, 2, 3, 4, 5, 6].map((n) => {
      const m = new InstrumentedMap<number, number>({ name: 'next', registry });
      for (let k = 0; k < n; k++) m.set(k, k);
      return m;
    });
    expect(names(registry)).toMatchObject({ plain: [0, 0], sharded: [0, 0], next: [6, 21] });
    kept[5]!.clear();
    expect(names(registry).next).toEqual([6, 15]);
  });
});

describe('declared bounds of collected maps', () => {
  it('a collected instance drops out of its name: its bound no longer counts, nor blocks one', async () => {
    const registry = new MapRegistry();
    const kept = new InstrumentedMap({ name: 'cache', registry, maxEntries: 100, ttlMs: 10_000 });
    const shortLived: unknown[] = [
      new InstrumentedMap({ name: 'cache', registry, maxEntries: 900, ttlMs: 60_000 }).set('k', 1),
      instrument(new Map(), { name: 'cache', registry }).set('k', 1), // declares nothing
    ];
    const before = registry.collect().names[0]!;
    expect(before.instances).toBe(3);
    // One live instance declares nothing: the name as a whole is unbounded.
    expect(before.declaredMaxEntries).toBeUndefined();
    expect(before.declaredTtlSeconds).toBeUndefined();
    shortLived.length = 0;
    await collectGarbage();
    const after = registry.collect().names[0]!;
    expect(after.instances).toBe(1);
    expect(after.declaredMaxEntries).toBe(100);
    expect(after.declaredTtlSeconds).toBe(10);
    void kept;
  });
});

describe('a million short-lived maps (issue 11)', () => {
  const NAMES = ['req-a', 'req-b', 'req-c', 'req-d'];
  const MAPS = 1_000_000;
  /** Slots of the array each map holds as a value: about 0.5 KB that dies with the map, or not. */
  const PAYLOAD = 64;
  const PAYLOAD_BYTES = PAYLOAD * 8 + 16;

  const total = (registry: MapRegistry, pick: (n: NameSnapshot) => number) =>
    registry.collect().names.reduce((s, n) => s + pick(n), 0);

  /**
   * Makes MAPS maps in one synchronous job (no turn: FinalizationRegistry callbacks cannot run, and
   * V8 keeps any WeakRef target of this job alive until it ends), checking every counter stays monotonic
   * along the way. Returns the heap still reachable right after the loop, measured in the same job.
   */
  function makeMaps(registry: MapRegistry, payload: number, last: Map<string, number[]>): number {
    for (let i = 0; i < MAPS; i++) {
      const m = new InstrumentedMap<string, unknown>({ name: NAMES[i & 3]!, registry });
      m.set('payload', payload === 0 ? i : new Array<number>(payload).fill(i));
      m.set('n', i);
      m.get('n');
      m.get('absent');
      if (i % 100_000 === 99_999) {
        for (const n of registry.collect().names) {
          const now = counters(n);
          (last.get(n.name) ?? []).forEach((v, k) => expect(now[k]).toBeGreaterThanOrEqual(v));
          last.set(n.name, now);
        }
      }
    }
    // A full collection inside the same job only measures: it cannot run finalization callbacks, and
    // whatever mapwatch kept reachable (as a WeakRef per map did) is still reachable here.
    gc!();
    return process.memoryUsage().heapUsed;
  }

  async function settle(registry: MapRegistry): Promise<void> {
    for (let i = 0; i < 20 && total(registry, (n) => n.instances) > 0; i++) await collectGarbage();
  }

  it('none stays reachable from mapwatch; instances and entries return to 0; counters monotonic', async () => {
    const registry = new MapRegistry();
    const last = new Map<string, number[]>();
    await collectGarbage();
    const base = process.memoryUsage().heapUsed;

    // The same loop without and with a payload per map: mapwatch's own bookkeeping is the same in both,
    // so the difference is the maps (and payloads) still reachable right after the loop. A first pass
    // grows the registry's tables to their high-water mark, so the two measured passes start alike.
    makeMaps(registry, 0, last);
    await settle(registry);
    expect(total(registry, (n) => n.instances)).toBe(0);
    expect(total(registry, (n) => n.entriesByKind.get('plain') ?? 0)).toBe(0);
    const bare = makeMaps(registry, 0, last) - base;
    await settle(registry);

    const loaded = makeMaps(registry, PAYLOAD, last) - base;
    const reachableMaps = Math.max(0, loaded - bare) / PAYLOAD_BYTES;
    // A young generation's worth: what the scavenger may not have reached yet (the full collection
    // above leaves none, but the allowance keeps the test about mapwatch, not V8's timing).
    const youngGeneration = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!;
    expect(reachableMaps).toBeLessThan(youngGeneration.space_size / PAYLOAD_BYTES);

    await settle(registry);
    const after = registry.collect().names;
    expect(after.map((n) => n.name).sort()).toEqual(NAMES);
    for (const n of after) {
      expect(n.instances).toBe(0);
      expect(n.entriesByKind.get('plain')).toBe(0);
      // Exact totals: each of 3 passes made MAPS / 4 maps per name, 2 inserts, 1 hit and 1 miss each.
      expect(n.map.inserts).toBe((3 * 2 * MAPS) / 4);
      expect(n.map.hits).toBe((3 * MAPS) / 4);
      expect(n.map.misses).toBe((3 * MAPS) / 4);
      counters(n).forEach((v, k) => expect(v).toBeGreaterThanOrEqual(last.get(n.name)![k]!));
    }
  });
});
