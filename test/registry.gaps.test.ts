/**
 * Registry behaviour the mutation runs found unguarded (issue #17, items 5, 6 and 10): several lock wait
 * listeners, the records of collected maps and locks being forgotten, `names()`, and maps of one name
 * that sample entry survival. The memory test needs --expose-gc (vitest.config.ts passes it).
 */
import { describe, expect, it } from 'vitest';
import { OVERFLOW_MAP_NAME } from '../src/conventions.js';
import { InstrumentedMap } from '../src/maps/instrumented-map.js';
import { LockedMap } from '../src/maps/locked-map.js';
import { ReadMostlyMap } from '../src/maps/read-mostly-map.js';
import { MapRegistry, type NameSnapshot, type SurvivalSource } from '../src/registry.js';
import { RWLock } from '../src/sync/rwlock.js';

const gc = (globalThis as { gc?: () => void }).gc;

async function collectGarbage(): Promise<void> {
  // WeakRefs read in this job stay alive until it ends, and finalizers run in later tasks: alternate.
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
  }
}

const byName = (registry: MapRegistry): Map<string, NameSnapshot> =>
  new Map(registry.collect().names.map((n) => [n.name, n]));

/** A survival source with fixed answers, as a custom map (the lru-cache watcher...) would give. */
const source = (oldest: number | undefined, live: number, never: number | undefined): SurvivalSource => ({
  oldestSampledAtMs: () => oldest,
  sampledLive: () => live,
  sampledNeverRead: () => never,
});

/** A manual clock. */
function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** One contended write wait on `lock`: a holder, then a waiter granted when the holder releases. */
async function contendedWrite(lock: RWLock): Promise<void> {
  const release = await lock.acquireWrite();
  const waiting = lock.acquireWrite();
  release();
  (await waiting)();
}

describe('several lock wait listeners (two OpenTelemetry exporters on one registry)', () => {
  it('each hears every contended wait, and removing one leaves the other listening', async () => {
    const registry = new MapRegistry();
    const before = new RWLock({ name: 'ledger', registry });
    const a: string[] = [];
    const b: string[] = [];
    const stopA = registry.addLockWaitListener((name, mode) => a.push(`${name} ${mode}`));
    const stopB = registry.addLockWaitListener((name, mode) => b.push(`${name} ${mode}`));
    const after = new RWLock({ name: 'orders', registry });

    await contendedWrite(before);
    await contendedWrite(after);
    expect(a).toEqual(['ledger write', 'orders write']);
    expect(b).toEqual(['ledger write', 'orders write']);

    // The first exporter shuts down: the second still gets every wait, of old locks and new ones.
    stopA();
    const later = new RWLock({ name: 'later', registry });
    await contendedWrite(before);
    await contendedWrite(after);
    await contendedWrite(later);
    expect(a).toHaveLength(2);
    expect(b).toEqual(['ledger write', 'orders write', 'ledger write', 'orders write', 'later write']);

    // Shutting the first down again changes nothing; the last one leaving stops the calls.
    stopA();
    await contendedWrite(before);
    expect(b).toHaveLength(6);
    stopB();
    await contendedWrite(before);
    await contendedWrite(later);
    expect(b).toHaveLength(6);
  });

  it('a listener that throws costs its own call only: the other still hears the wait, the lock works', async () => {
    const registry = new MapRegistry();
    const heard: number[] = [];
    registry.addLockWaitListener(() => {
      throw new Error('exporter down');
    });
    registry.addLockWaitListener((_name, _mode, seconds) => heard.push(seconds));
    const lock = new RWLock({ name: 'ledger', registry });
    await contendedWrite(lock);
    await contendedWrite(lock);
    expect(heard).toHaveLength(2);
    for (const s of heard) expect(s).toBeGreaterThanOrEqual(0);
    const snap = registry.collect().names.find((n) => n.name === 'ledger')!;
    expect(snap.lock!.write.contended).toBe(2);
  });

  it('a listener added again after every one left is called again', async () => {
    const registry = new MapRegistry();
    const lock = new RWLock({ name: 'ledger', registry });
    const first: string[] = [];
    registry.addLockWaitListener((name) => first.push(name))();
    await contendedWrite(lock);
    expect(first).toEqual([]);
    const second: string[] = [];
    registry.addLockWaitListener((name) => second.push(name));
    await contendedWrite(lock);
    expect(second).toEqual(['ledger']);
    expect(first).toEqual([]);
  });
});

describe('names()', () => {
  it('lists every name in registration order, each once, with the overflow bucket once used', () => {
    const registry = new MapRegistry({ maxNames: 3 });
    const keep = [
      new InstrumentedMap({ name: 'sessions', registry }),
      new InstrumentedMap({ name: 'sessions', registry }),
      new RWLock({ name: 'ledger', registry }),
      new LockedMap({ name: 'carts', registry }),
    ];
    expect(registry.names()).toEqual(['sessions', 'ledger', 'carts']);
    keep.push(new InstrumentedMap({ name: 'one-too-many', registry }));
    expect(registry.names()).toEqual(['sessions', 'ledger', 'carts', OVERFLOW_MAP_NAME]);
    // A copy: changing it does not change the registry.
    registry.names().pop();
    expect(registry.names()).toHaveLength(4);
    void keep;
  });
});

describe('records of collected maps and locks are forgotten', () => {
  it('needs --expose-gc', () => {
    expect(typeof gc).toBe('function');
  });

  it('the registry does not grow with every map and lock ever made, scraped or not', async () => {
    const registry = new MapRegistry();
    const ROUND = 4000;
    let made = 0;
    /** One round of short-lived maps and locks, then the collector and the finalizers: no scrape. */
    const round = async (): Promise<number> => {
      for (let i = 0; i < ROUND; i++) {
        // A lock on its own, a LockedMap (a map and its lock, tracked by reference) and a slot-tracked map.
        new RWLock({ name: 'lock', registry }).tryAcquireRead()!();
        if (i % 4 === 0) void new LockedMap<number, number>({ name: 'locked', registry }).set(i, i);
        // Alternating sampling options (each a new object): every map looks its group up.
        const sampleSurvival = i % 2 === 0 ? { size: 4 } : false;
        new InstrumentedMap({ name: 'plain', registry, sampleSurvival }).set(i, i);
      }
      made += ROUND;
      await collectGarbage();
      return process.memoryUsage().heapUsed;
    };
    // The first rounds grow the registry's tables to their high-water mark.
    await round();
    const base = await round();
    // A record with its counters takes hundreds of bytes: kept for every lock made until a scrape, they
    // would add megabytes a round, round after round. A round's garbage is gone; what is left is heap
    // noise, which does not add up over rounds: per round of four, well under 50 bytes a lock (two
    // rounds once read 61 on a busy machine).
    const ROUNDS = 4;
    let last = base;
    for (let r = 0; r < ROUNDS; r++) last = await round();
    expect((last - base) / (ROUNDS * ROUND)).toBeLessThan(50);
    const snap = registry.collect();
    for (const name of ['lock', 'locked', 'plain']) {
      const n = snap.names.find((s) => s.name === name)!;
      expect(n.instances).toBe(0);
    }
    // Forgetting a record keeps its counts: every map made counted its insert, every lock its hold.
    const names = new Map(snap.names.map((n) => [n.name, n]));
    expect(names.get('plain')!.map.inserts).toBe(made);
    expect(names.get('locked')!.map.inserts).toBe(made / 4);
    expect(names.get('locked')!.lock!.write.uncontended).toBe(made / 4);
    expect(names.get('lock')!.lock!.read.uncontended).toBe(made);
  });
  it('the slots of collected slot-tracked maps are reused: the table stays the size of the live maps', async () => {
    const registry = new MapRegistry();
    const ROUND = 100_000;
    const round = async (): Promise<number> => {
      for (let i = 0; i < ROUND; i++) new InstrumentedMap({ name: 'per-request', registry }).set(i, i);
      await collectGarbage();
      return process.memoryUsage().heapUsed;
    };
    await round();
    const base = await round();
    await round();
    const grown = (await round()) - base;
    // A slot kept for every map ever made costs about 12 bytes a map; reused, nothing a round.
    expect(grown / (2 * ROUND)).toBeLessThan(4);
    expect(byName(registry).get('per-request')!.instances).toBe(0);
  });
});

describe('the name cap', () => {
  it('accepts a cap of one name', () => {
    const registry = new MapRegistry({ maxNames: 1 });
    const keep = [new InstrumentedMap({ name: 'a', registry }), new InstrumentedMap({ name: 'b', registry })];
    expect(registry.names()).toEqual(['a', OVERFLOW_MAP_NAME]);
    void keep;
  });

  it('counts every map of a name past the cap, made one after the other', () => {
    const registry = new MapRegistry({ maxNames: 1 });
    const keep = [new InstrumentedMap({ name: 'a', registry })];
    for (let i = 0; i < 3; i++) keep.push(new InstrumentedMap({ name: 'late', registry }).set(i, i));
    const snap = registry.collect();
    expect(snap.overflow).toBe(3);
    const other = snap.names.find((n) => n.name === OVERFLOW_MAP_NAME)!;
    expect(other.instances).toBe(3);
    expect(other.entriesByKind.get('plain')).toBe(3);
  });

  it("keeps '_other' reserved once the overflow bucket exists", () => {
    const registry = new MapRegistry({ maxNames: 1 });
    const keep = [new InstrumentedMap({ name: 'a', registry }), new InstrumentedMap({ name: 'b', registry })];
    expect(() => new InstrumentedMap({ name: OVERFLOW_MAP_NAME, registry })).toThrow(/reserved/);
    expect(() => new ReadMostlyMap({ name: OVERFLOW_MAP_NAME, registry })).toThrow(/reserved/);
    expect(registry.collect().overflow).toBe(1);
    void keep;
  });

  it('a lock name is validated and named as such in the message', () => {
    const registry = new MapRegistry();
    expect(() => new RWLock({ name: '', registry })).toThrow(/lock name must not be empty/);
  });
});

describe('maps of several kinds and sampling options under one name', () => {
  it('maps of two kinds made one after the other each count under their own kind', () => {
    const registry = new MapRegistry();
    const plain = new InstrumentedMap<number, number>({ name: 'mixed', registry, sampleSurvival: false });
    const readMostly = new ReadMostlyMap<number, number>({ name: 'mixed', registry });
    plain.set(1, 1);
    readMostly.set(1, 1).set(2, 2);
    const n = byName(registry).get('mixed')!;
    expect([...n.kinds].sort()).toEqual(['plain', 'read_mostly']);
    expect(n.entriesByKind.get('plain')).toBe(1);
    expect(n.entriesByKind.get('read_mostly')).toBe(2);
    expect(n.instances).toBe(2);
  });

  it('entries of one kind add up over maps with different sampling options', () => {
    const registry = new MapRegistry();
    const a = new InstrumentedMap<number, number>({ name: 'users', registry, sampleSurvival: { size: 4 } });
    const b = new InstrumentedMap<number, number>({ name: 'users', registry, sampleSurvival: false });
    a.set(1, 1).set(2, 2);
    b.set(1, 1);
    expect(byName(registry).get('users')!.entriesByKind.get('plain')).toBe(3);
  });

  it('the oldest sampled entry is the oldest over every sampling map of the name', () => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now });
    const old = new InstrumentedMap<string, number>({ name: 's', registry, sampleSurvival: { size: 4 } });
    old.set('a', 1);
    registry.collect(); // stamps 'a'
    c.advance(10_000);
    const young = new InstrumentedMap<string, number>({
      name: 's',
      registry,
      sampleSurvival: { size: 8, reads: true },
    });
    young.set('b', 1);
    // A third sampling map with nothing sampled yet has no oldest entry: it must not spoil the others'.
    const empty = new InstrumentedMap<string, number>({ name: 's', registry, sampleSurvival: { size: 2 } });
    registry.collect(); // stamps 'b'
    c.advance(5_000);
    expect(byName(registry).get('s')!.survival).toEqual({ oldestAgeSeconds: 15, neverReadRatio: 1 });
    void empty;
  });

  it('a map that opts out is not sampled, even beside maps of its name that sample', () => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now });
    const sampling = new InstrumentedMap<string, number>({ name: 'opt', registry, sampleSurvival: true });
    const optOut = new InstrumentedMap<string, number>({ name: 'opt', registry, sampleSurvival: false });
    optOut.set('old', 1);
    registry.collect();
    c.advance(30_000);
    // Only the sampling map's entries count, and it has none.
    expect(byName(registry).get('opt')!.survival).toEqual({ oldestAgeSeconds: 0, neverReadRatio: undefined });
    void sampling;
  });

  it('a map that tracks reads does so beside a map of its name that does not', () => {
    const registry = new MapRegistry();
    const ages = new InstrumentedMap<string, number>({
      name: 'r',
      registry,
      sampleSurvival: { reads: false },
    });
    const reads = new InstrumentedMap<string, number>({
      name: 'r',
      registry,
      sampleSurvival: { reads: true },
    });
    reads.set('a', 1).set('b', 2);
    reads.get('a');
    ages.set('c', 3);
    expect(byName(registry).get('r')!.survival!.neverReadRatio).toBe(0.5);
  });

  it('a sampling map whose construction failed leaves no survival figures behind', () => {
    const registry = new MapRegistry();
    const throwing = {
      *[Symbol.iterator]() {
        yield ['a', 1] as const;
        throw new Error('entries failed');
      },
    };
    expect(() => new InstrumentedMap(throwing, { name: 'failed', registry, sampleSurvival: true })).toThrow(
      'entries failed',
    );
    const n = byName(registry).get('failed')!;
    expect(n.instances).toBe(0);
    expect(n.survival).toBeUndefined();
  });
});

describe('maps tracked by reference (trackMap: LockedMap, custom maps)', () => {
  it('entries of one kind add up over instances', () => {
    const registry = new MapRegistry();
    const a = { size: 2 };
    const b = { size: 3 };
    registry.trackMap(a, 'custom', 'plain');
    registry.trackMap(b, 'custom', 'plain');
    expect(byName(registry).get('custom')!.entriesByKind.get('plain')).toBe(5);
    void a;
    void b;
  });

  it('a size that is not a count is skipped, never summed as a string or NaN', () => {
    const registry = new MapRegistry();
    const keep = [{ size: '3' }, { size: '4' }, { size: Number.NaN }, { size: -1 }, { size: 5 }];
    for (const m of keep) registry.trackMap(m as never, 'custom', 'plain');
    expect(byName(registry).get('custom')!.entriesByKind.get('plain')).toBe(5);
    void keep;
  });

  it('declared bounds are unknown when a slot-tracked map of the name declares none', () => {
    const registry = new MapRegistry();
    const keep = [
      new InstrumentedMap({ name: 'cache', registry }),
      new LockedMap({ name: 'cache', registry, maxEntries: 7, ttlMs: 1000 }),
    ];
    const n = byName(registry).get('cache')!;
    expect(n.declaredMaxEntries).toBeUndefined();
    expect(n.declaredTtlSeconds).toBeUndefined();
    void keep;
  });

  it('the worst shard imbalance wins, and a non-finite one is ignored', () => {
    const registry = new MapRegistry();
    const maps = [
      { size: 1, shardImbalance: () => 2.5 },
      { size: 1, shardImbalance: () => 1.5 },
      { size: 1, shardImbalance: () => NaN },
    ];
    for (const m of maps) registry.trackMap(m, 'sharded', 'sharded');
    registry.trackMap({ size: 1, shardImbalance: () => Infinity }, 'broken', 'sharded');
    expect(byName(registry).get('sharded')!.shardImbalance).toBe(2.5);
    expect(byName(registry).get('broken')!.shardImbalance).toBeUndefined();
    void maps;
  });

  it('survival: none without a source; the oldest over sources; the never-read share over those that track reads', () => {
    const registry = new MapRegistry({ now: () => 10_000 });
    const keep = [{ size: 1 }, { size: 1 }, { size: 1 }, { size: 1 }];
    registry.trackMap(keep[0]!, 'plain-custom', 'plain');
    registry.trackMap(keep[1]!, 'sampled', 'plain', { survival: source(4_000, 3, undefined) });
    registry.trackMap(keep[2]!, 'sampled', 'plain', { survival: source(undefined, 0, undefined) });
    registry.trackMap(keep[3]!, 'sampled', 'plain', { survival: source(7_000, 2, 1) });
    const names = byName(registry);
    expect(names.get('plain-custom')!.survival).toBeUndefined();
    expect(names.get('sampled')!.survival).toEqual({ oldestAgeSeconds: 6, neverReadRatio: 0.5 });
  });
});

describe('leak verdicts', () => {
  it('are kept per name, cleared with undefined, and ignored for a name never seen', () => {
    const registry = new MapRegistry();
    const map = new InstrumentedMap({ name: 'sessions', registry });
    const verdict = { state: 'leak', suspect: true, growthPerSecond: 3 } as const;
    registry.setLeakVerdict('sessions', verdict);
    expect(() => registry.setLeakVerdict('unknown', verdict)).not.toThrow();
    expect(registry.names()).toEqual(['sessions']);
    expect(byName(registry).get('sessions')!.leak).toEqual(verdict);
    registry.setLeakVerdict('sessions', undefined);
    expect(byName(registry).get('sessions')!.leak).toBeUndefined();
    void map;
  });
});

describe('collected maps and locks, at the next scrape', () => {
  it('a scrape right after the collection folds them: totals exact, no instance left, nothing twice', async () => {
    const registry = new MapRegistry();
    const make = (): void => {
      const map = new LockedMap<string, number>({ name: 'ledger', registry });
      void map.set('a', 1);
      void map.set('b', 2);
      new RWLock({ name: 'lock-only', registry }).tryAcquireWrite()!();
    };
    make();
    // Let the job that made them end, collect, and scrape before the finalizers have had a turn.
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
    const first = byName(registry);
    await collectGarbage();
    const later = byName(registry);
    for (const names of [first, later]) {
      const ledger = names.get('ledger')!;
      expect(ledger.instances).toBe(0);
      expect(ledger.entriesByKind.get('locked')).toBe(0);
      expect(ledger.map.inserts).toBe(2);
      expect(ledger.lock!.write.uncontended).toBe(2);
      expect(names.get('lock-only')!.lock!.write.uncontended).toBe(1);
    }
  });

  it('a map whose entries threw leaves at once, and its collection later takes no live map with it', async () => {
    const registry = new MapRegistry();
    const fail = (): void => {
      expect(() => new ReadMostlyMap([[1, 1], 'not an entry' as never], { name: 'rm', registry })).toThrow(
        TypeError,
      );
    };
    fail();
    expect(byName(registry).get('rm')!.instances).toBe(0);
    const live = new ReadMostlyMap<number, number>({ name: 'rm', registry }).set(1, 1);
    await collectGarbage();
    const n = byName(registry).get('rm')!;
    expect(n.instances).toBe(1);
    expect(n.entriesByKind.get('read_mostly')).toBe(1);
    void live;
  });
});

describe('untrackMap', () => {
  it('retires a tracked map once; anything else (untracked, a lock, a primitive, a Proxy) is false', () => {
    const registry = new MapRegistry();
    const tracked = { size: 3 };
    const stats = registry.trackMap(tracked, 'u', 'plain');
    stats.inserts = 5;
    const lock = new RWLock({ name: 'u', registry });
    expect(registry.collect().names.find((n) => n.name === 'u')!.instances).toBe(1);
    for (const other of [{ size: 1 }, lock, undefined, null, 42, 'u', Symbol('u'), new Proxy({}, {})])
      expect(registry.untrackMap(other as never)).toBe(false);
    expect(registry.untrackMap(tracked)).toBe(true);
    expect(registry.untrackMap(tracked)).toBe(false);
    const after = registry.collect().names.find((n) => n.name === 'u')!;
    expect([after.instances, after.entriesByKind.get('plain') ?? 0, after.map.inserts]).toEqual([0, 0, 5]);
  });
});
