import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MapRegistry } from '../../src/registry.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { instrument } from '../../src/maps/instrument.js';
import { SurvivalSampler, survivalConfig } from '../../src/maps/survival.js';
import { KEY_POOL } from '../helpers/map-model.js';
import { prng } from '../helpers/scenarios.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('SurvivalSampler', () => {
  it('fills its slots from the first inserts, then samples a bounded reservoir', () => {
    const c = clock();
    const s = new SurvivalSampler(8, c.now, prng(1));
    for (let i = 0; i < 8; i++) s.onInsert(i);
    expect(s.sampledLive()).toBe(8);
    expect(s.oldestSampledAtMs()).toBe(1_000_000);
    for (let i = 8; i < 100_000; i++) {
      c.advance(1);
      s.onInsert(i);
    }
    expect(s.sampledLive()).toBe(8);
    // A reservoir over 100,000 inserts keeps some early key only with small probability; the oldest
    // sampled insert is spread over the whole history rather than stuck at the first 8 keys.
    expect(s.oldestSampledAtMs()!).toBeGreaterThan(1_000_000);
  });

  it('forgets deleted keys, refills their slots and tracks reads when asked', () => {
    const c = clock();
    const s = new SurvivalSampler(4, c.now, prng(2), { reads: true });
    for (const k of ['a', 'b', 'c', 'd']) s.onInsert(k);
    expect(s.sampledNeverRead()).toBe(4);
    s.onRead('a');
    s.onRead('zzz');
    expect(s.sampledNeverRead()).toBe(3);
    s.onDelete('a');
    expect(s.sampledLive()).toBe(3);
    expect(s.sampledNeverRead()).toBe(3);
    c.advance(1000);
    s.onInsert('e'); // refills the freed slot at once
    expect(s.sampledLive()).toBe(4);
    s.onClear();
    expect(s.sampledLive()).toBe(0);
    expect(s.oldestSampledAtMs()).toBeUndefined();
    s.onInsert('f');
    expect(s.sampledLive()).toBe(1);
  });

  it('tracks ages only by default: reads change nothing and no never-read count is reported', () => {
    const s = new SurvivalSampler(4, Date.now, prng(4));
    expect(s.tracksReads).toBe(false);
    s.onInsert('a');
    s.onRead('a');
    expect(s.sampledLive()).toBe(1);
    expect(s.sampledNeverRead()).toBeUndefined();
  });

  it('matches keys as a Map does: NaN, 0 and -0, and keys sharing a hash bucket', () => {
    const s = new SurvivalSampler(64, Date.now, prng(5));
    s.onInsert(NaN);
    s.onInsert(-0);
    s.onDelete(NaN);
    s.onDelete(0);
    expect(s.sampledLive()).toBe(0);
    // Same length and last four characters: every one of these keys lands in one bucket (the sample
    // grows its storage from 4 slots meanwhile, rehashing them).
    const keys = Array.from({ length: 20 }, (_, i) => `${String.fromCharCode(65 + i)}0000`);
    for (const k of keys) s.onInsert(k);
    expect(s.sampledLive()).toBe(20);
    s.onDelete('Z0000'); // not sampled, same bucket
    expect(s.sampledLive()).toBe(20);
    for (let i = 0; i < keys.length; i++) {
      s.onDelete(keys[i]);
      expect(s.sampledLive()).toBe(keys.length - i - 1);
    }
    // The bucket is empty again: a key of it is not found, and a new one is.
    s.onInsert('A0000');
    s.onDelete('A0000');
    expect(s.sampledLive()).toBe(0);

    // A shared bucket survives the storage growing (4 slots, then 8) with a key of another bucket.
    const t = new SurvivalSampler(64, Date.now, prng(6));
    for (const k of ['A0000', 'B0000', 'C0000', 'D0000', 'other']) t.onInsert(k);
    for (const k of ['A0000', 'B0000', 'C0000', 'D0000', 'other']) t.onDelete(k);
    expect(t.sampledLive()).toBe(0);
  });

  it.each([16, 3])('model (%i slots): the live keys are sampled, whatever their hash buckets', (size) => {
    // Keys that share hash buckets (same length and last four characters), numbers with SameValueZero
    // corner cases, other primitives and objects; 14 keys in a sample of 16 slots that grows from 4.
    const objects = [{ id: 1 }, { id: 2 }];
    const pool: unknown[] = [
      'A0000',
      'B0000',
      'C0000',
      'D0000',
      'E0000',
      'x',
      '',
      0,
      NaN,
      2.5,
      true,
      undefined,
      ...objects,
    ];
    const opArb = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({ op: fc.constant('insert' as const), key: fc.constantFrom(...pool) }),
      },
      {
        weight: 3,
        arbitrary: fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...pool) }),
      },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const) }) },
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), fc.integer(), (ops, seed) => {
        const s = new SurvivalSampler(size, Date.now, prng(seed));
        const live = new Set<unknown>(); // SameValueZero, like a Map
        for (const o of ops) {
          if (o.op === 'insert') {
            if (live.has(o.key)) continue; // an update: the map does not call the sampler
            live.add(o.key);
            s.onInsert(o.key);
          } else if (o.op === 'delete') {
            if (!live.delete(o.key)) continue; // nothing removed: the map does not call the sampler
            s.onDelete(o.key);
          } else {
            live.clear();
            s.onClear();
          }
          // With room for every key (16 slots, 14 keys) exactly the live keys are sampled; with 3, a
          // reservoir of them.
          if (size >= pool.length) expect(s.sampledLive()).toBe(live.size);
          else expect(s.sampledLive()).toBeLessThanOrEqual(Math.min(size, live.size));
        }
        for (const k of [...live]) s.onDelete(k);
        expect(s.sampledLive()).toBe(0);
        // Nothing is held for keys the map no longer has (white box: the sampler's key index).
        const index = (s as unknown as { primitiveIndex?: Map<unknown, number> }).primitiveIndex;
        expect(index?.size ?? 0).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['exactly 0', () => 0],
    ['exactly 1', () => 1],
  ])('never picks a slot past the end with a random source returning %s', (_what, random) => {
    const c = clock(0);
    const s = new SurvivalSampler(4, c.now, random);
    for (let i = 0; i < 1000; i++) {
      c.advance(1);
      s.onInsert(`k${i}`);
    }
    expect(s.sampledLive()).toBe(4);
    // Such a source makes every insert after the first four replace one and the same slot: the last
    // key stays sampled, in a slot the sampler reports, after the first four are deleted.
    for (let i = 0; i < 4; i++) s.onDelete(`k${i}`);
    expect(s.sampledLive()).toBe(1);
    expect(s.oldestSampledAtMs()).toBe(1000);
    for (let i = 0; i < 1000; i++) s.onDelete(`k${i}`);
    expect(s.sampledLive()).toBe(0);
    expect(s.oldestSampledAtMs()).toBeUndefined();
  });

  it('holds object keys weakly', async () => {
    const s = new SurvivalSampler(4, Date.now, prng(3), { reads: true });
    // The key only ever lives inside this function's frame.
    const ref = ((): WeakRef<object> => {
      const key = { id: 1 };
      s.onInsert(key);
      s.onRead(key);
      return new WeakRef(key);
    })();
    expect(s.sampledNeverRead()).toBe(0);
    const gc = (globalThis as { gc?: () => void }).gc!;
    for (let i = 0; i < 10 && ref.deref() !== undefined; i++) {
      await new Promise((r) => setTimeout(r, 0));
      gc();
    }
    expect(ref.deref()).toBeUndefined();
    // A dead key's entry is gone from the map, so its slot counts as free again.
    expect(s.oldestSampledAtMs()).toBeUndefined();
    expect(s.sampledLive()).toBe(0);
  });

  it('resolves the option shapes and rejects bad ones with what to pass', () => {
    expect(survivalConfig(undefined)).toBeUndefined();
    expect(survivalConfig(false)).toBeUndefined();
    expect(survivalConfig(true)).toEqual({ size: 32, reads: false });
    expect(survivalConfig({})).toEqual({ size: 32, reads: false });
    expect(survivalConfig({ size: 5 })).toEqual({ size: 5, reads: false });
    expect(survivalConfig({ reads: true })).toEqual({ size: 32, reads: true });
    expect(() => survivalConfig({ size: 0 })).toThrow(/1 to 1024/);
    expect(() => survivalConfig({ size: 1025 })).toThrow(RangeError);
    expect(() => survivalConfig({ size: 1.5 })).toThrow(RangeError);
    expect(() => survivalConfig({ size: '8' as never })).toThrow(/got "8"/);
    expect(() => survivalConfig({ reads: 'yes' as never })).toThrow(TypeError);
    expect(() => survivalConfig('on' as never)).toThrow(/true, false or \{ size\?, reads\? \}/);
  });
});

describe('survival sampling on maps', () => {
  it('samples ages by default on InstrumentedMap and instrument(), without tracking reads', () => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now });
    const a = new InstrumentedMap<string, number>({ name: 'plain', registry });
    const b = instrument(new Map<string, number>(), { name: 'legacy', registry });
    a.set('x', 1);
    b.set('x', 1);
    registry.collect(); // the first collection after an insert stamps it
    c.advance(42_000);
    const onRead = vi.spyOn(SurvivalSampler.prototype, 'onRead');
    expect(a.get('x')).toBe(1);
    expect(a.has('x')).toBe(true);
    expect(b.get('x')).toBe(1);
    expect(b.has('x')).toBe(true);
    // No work on lookups: the sampler is not even called.
    expect(onRead).not.toHaveBeenCalled();
    const byName = new Map(registry.collect().names.map((n) => [n.name, n.survival]));
    expect(byName.get('plain')).toEqual({ oldestAgeSeconds: 42, neverReadRatio: undefined });
    expect(byName.get('legacy')).toEqual({ oldestAgeSeconds: 42, neverReadRatio: undefined });
  });

  it('reports the never-read share only with { reads: true }', () => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now });
    const m = new InstrumentedMap<string, number>({
      name: 'users',
      registry,
      sampleSurvival: { size: 4, reads: true },
    });
    m.set('a', 1);
    m.set('b', 2);
    registry.collect();
    c.advance(60_000);
    m.get('a');
    m.has('b');
    m.set('c', 3);
    registry.collect();
    c.advance(60_000);
    const snap = registry.collect().names.find((n) => n.name === 'users')!;
    expect(snap.survival).toEqual({ oldestAgeSeconds: 120, neverReadRatio: 1 / 3 });
    m.delete('a');
    m.delete('b');
    expect(registry.collect().names[0]!.survival).toEqual({ oldestAgeSeconds: 60, neverReadRatio: 1 });
    m.clear();
    expect(registry.collect().names[0]!.survival).toEqual({ oldestAgeSeconds: 0, neverReadRatio: 0 });
  });

  it('takes the never-read share over the instances that track reads only', () => {
    const registry = new MapRegistry();
    const ages = new InstrumentedMap<string, number>({ name: 'mixed', registry });
    const reads = new InstrumentedMap<string, number>({
      name: 'mixed',
      registry,
      sampleSurvival: { reads: true },
    });
    for (const k of ['a', 'b', 'c']) ages.set(k, 1);
    reads.set('a', 1).set('b', 2);
    reads.get('a');
    // 1 of the 2 read-tracked entries was never read; the age-only instance's 3 entries do not count.
    expect(registry.collect().names[0]!.survival!.neverReadRatio).toBe(0.5);
    void ages;
  });

  it('is on by default, off with false on the map or the registry, and the map option wins', () => {
    const registry = new MapRegistry();
    expect(registry.survivalSampling).toBe(true);
    new InstrumentedMap({ name: 'default', registry }).set(1, 1);
    new InstrumentedMap({ name: 'optout', registry, sampleSurvival: false }).set(1, 1);
    registry.survivalSampling = false;
    new InstrumentedMap({ name: 'off', registry }).set(1, 1);
    new InstrumentedMap({ name: 'optin', registry, sampleSurvival: true }).set(1, 1);
    const off = new MapRegistry({ survivalSampling: false });
    instrument(new Map(), { name: 'instrumented-off', registry: off }).set(1, 1);
    const byName = new Map(
      [...registry.collect().names, ...off.collect().names].map((n) => [n.name, n.survival]),
    );
    expect(byName.get('default')).toBeDefined();
    expect(byName.get('optout')).toBeUndefined();
    expect(byName.get('off')).toBeUndefined();
    expect(byName.get('optin')).toEqual({ oldestAgeSeconds: 0, neverReadRatio: undefined });
    expect(byName.get('instrumented-off')).toBeUndefined();
  });

  it('rejects a bad sampling option at construction, before registering', () => {
    const registry = new MapRegistry();
    expect(() => new InstrumentedMap({ name: 'x', registry, sampleSurvival: { size: 0 } })).toThrow(
      RangeError,
    );
    expect(() => instrument(new Map(), { name: 'y', registry, sampleSurvival: { size: 2000 } })).toThrow(
      RangeError,
    );
    expect(registry.names()).toEqual([]);
  });

  it.each([
    [
      'InstrumentedMap',
      (registry: MapRegistry) => new InstrumentedMap<string, number>({ name: 'm', registry }),
    ],
    [
      'instrument()',
      (registry: MapRegistry) => instrument(new Map<string, number>(), { name: 'm', registry }),
    ],
  ])('%s: a key deleted and inserted again is never older than its re-insertion', (_what, make) => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now });
    const m = make(registry);
    const age = () => registry.collect().names[0]!.survival!.oldestAgeSeconds;
    m.set('k', 1);
    expect(age()).toBe(0);
    c.advance(600_000);
    expect(age()).toBe(600);
    m.delete('k');
    c.advance(60_000);
    m.set('k', 2);
    expect(age()).toBe(0);
    c.advance(5_000);
    expect(age()).toBe(5);
    // The same with the reservoir full: the re-inserted key is sampled again or not at all, and the
    // oldest sampled entry is never older than the oldest live entry.
    for (let i = 0; i < 200; i++) m.set(`x${i}`, i);
    expect(age()).toBeLessThanOrEqual(5); // 'k' may have left the reservoir
    c.advance(1_000_000);
    for (let i = 0; i < 200; i++) m.delete(`x${i}`);
    m.delete('k');
    c.advance(10_000);
    m.set('k', 3);
    expect(age()).toBe(0);
    c.advance(1_000);
    expect(age()).toBe(1);
  });

  it("a key deleted behind instrument()'s back and inserted again takes its new time", () => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now });
    const m = instrument(new Map<string, number>(), { name: 'bypassed', registry });
    const age = () => registry.collect().names[0]!.survival!.oldestAgeSeconds;
    m.set('k', 1);
    expect(age()).toBe(0);
    c.advance(100_000);
    Map.prototype.delete.call(m, 'k'); // not seen by the instrumentation
    m.set('k', 2);
    expect(age()).toBe(0);
    c.advance(1_000);
    expect(age()).toBe(1);
  });

  it('stamps an entry at the first collection after its insertion: never older, at most one interval younger', () => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now });
    const m = new InstrumentedMap<string, number>({ name: 'lazy', registry });
    const age = () => registry.collect().names[0]!.survival!.oldestAgeSeconds;
    m.set('a', 1);
    c.advance(10_000); // inserted 10 s before the first collection that sees it
    expect(age()).toBe(0);
    c.advance(20_000);
    expect(age()).toBe(20);
    m.set('b', 2); // a younger entry does not change the oldest
    c.advance(5_000);
    expect(age()).toBe(25);
    m.delete('a');
    expect(age()).toBe(0); // 'b' was first seen just now
  });

  it.each([
    ['InstrumentedMap', true, 64],
    ['instrument()', false, 64],
    ['InstrumentedMap, sample of 2', true, 2],
    ['instrument(), sample of 2', false, 2],
  ])(
    'model: %s reports the age of a live entry, the oldest one when every key fits the sample',
    (_what, wrapper, size) => {
      const opArb = fc.oneof(
        fc.record({ op: fc.constant('set' as const), key: fc.constantFrom(...KEY_POOL) }),
        fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...KEY_POOL) }),
        fc.record({ op: fc.constant('clear' as const) }),
      );
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
          const c = clock(0);
          const registry = new MapRegistry({ now: c.now });
          const options = { name: 'model', registry, sampleSurvival: { size } };
          const map = wrapper
            ? new InstrumentedMap<unknown, number>(options)
            : instrument(new Map<unknown, number>(), options);
          const insertedAt = new Map<unknown, number>(); // the model: live keys and when they were added
          for (const o of ops) {
            c.advance(1000);
            if (o.op === 'set') {
              if (!insertedAt.has(o.key)) insertedAt.set(o.key, c.now());
              map.set(o.key, 1);
            } else if (o.op === 'delete') {
              insertedAt.delete(o.key);
              map.delete(o.key);
            } else {
              insertedAt.clear();
              map.clear();
            }
            const survival = registry.collect().names[0]!.survival!;
            const ages = [...insertedAt.values()].map((t) => (c.now() - t) / 1000);
            if (ages.length === 0) expect(survival.oldestAgeSeconds).toBe(0);
            else if (size >= KEY_POOL.length) expect(survival.oldestAgeSeconds).toBe(Math.max(...ages));
            else {
              // A smaller sample holds some live entries (or, right after its keys were deleted, none: 0).
              expect(survival.oldestAgeSeconds).toBeLessThanOrEqual(Math.max(...ages));
              if (survival.oldestAgeSeconds !== 0) expect(ages).toContain(survival.oldestAgeSeconds);
            }
          }
        }),
        { numRuns: 300 },
      );
    },
  );
});
