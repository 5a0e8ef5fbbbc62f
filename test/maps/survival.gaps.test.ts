/**
 * Entry survival sampling where the mutation run found it unguarded (issue #17): the option's bounds and
 * messages, the sampler's own checks, a sample that stays uniform over every insert, keys in every slot
 * and of every type, several maps sharing one sampler, and a random source that misbehaves.
 */
import { describe, expect, it } from 'vitest';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { samplerFor, SurvivalSampler, survivalConfig } from '../../src/maps/survival.js';
import { MapRegistry } from '../../src/registry.js';
import { prng } from '../helpers/prng.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('the sampleSurvival option', () => {
  it('accepts sizes 1 and 1024, the ends of its range', () => {
    expect(survivalConfig({ size: 1 })).toEqual({ size: 1, reads: false });
    expect(survivalConfig({ size: 1024, reads: true })).toEqual({ size: 1024, reads: true });
  });

  it('names what it got in every refusal', () => {
    expect(() => survivalConfig(null as never)).toThrow(
      new TypeError('mapwatch: sampleSurvival must be true, false or { size?, reads? }, got null'),
    );
    expect(() => survivalConfig({ reads: 'yes' as never })).toThrow(
      new TypeError('mapwatch: sampleSurvival.reads must be true or false, got "yes"'),
    );
    expect(() => survivalConfig({ size: 2n as never })).toThrow(
      new RangeError('mapwatch: sampleSurvival.size must be an integer from 1 to 1024, got 2'),
    );
  });

  it('samplerFor gives a sampler of the resolved size, or none', () => {
    const now = () => 5;
    expect(samplerFor(false, now)).toBeUndefined();
    expect(samplerFor(undefined, now)).toBeUndefined();
    const s = samplerFor({ size: 3, reads: true }, now)!;
    expect(s.size).toBe(3);
    expect(s.tracksReads).toBe(true);
    expect(samplerFor(true, now)!.size).toBe(32);
    for (let i = 0; i < 10; i++) s.onInsert(i);
    expect(s.sampledLive()).toBe(3);
    expect(s.oldestSampledAtMs()).toBe(5);
  });
});

describe('SurvivalSampler', () => {
  it('refuses a size out of range, and takes 1 and 1024', () => {
    for (const bad of [0, 1025, 1.5, NaN])
      expect(() => new SurvivalSampler(bad)).toThrow(
        new RangeError(
          `mapwatch: a survival sample size must be an integer from 1 to 1024, got ${String(bad)}`,
        ),
      );
    expect(new SurvivalSampler(1).size).toBe(1);
    expect(new SurvivalSampler(1024).size).toBe(1024);
  });

  it('reports nothing before any insert', () => {
    const s = new SurvivalSampler(4, Date.now, prng(1), { reads: true });
    expect(s.oldestSampledAtMs()).toBeUndefined();
    expect(s.sampledLive()).toBe(0);
    expect(s.sampledNeverRead()).toBe(0);
    s.onDelete('a');
    s.onDelete(1);
    s.onRead('a');
    s.onClear();
    s.releaseOwner(3);
    expect(s.sampledLive()).toBe(0);
  });

  it.each([1, 2, 3])('keeps the sample uniform over every insert (seed %i)', (seed) => {
    // 20,000 inserts, one a millisecond: a uniform sample of 32 holds some entry from the first fifth
    // (all but certain), not only the latest ones.
    const c = clock();
    const s = new SurvivalSampler(32, c.now, prng(seed));
    for (let i = 0; i < 20_000; i++) {
      s.onInsert(`key-${i}`);
      if (i % 1000 === 0) s.oldestSampledAtMs(); // a scrape now and then stamps the new entries
      c.advance(1);
    }
    const oldest = s.oldestSampledAtMs()!;
    expect(s.sampledLive()).toBe(32);
    expect(oldest - 1_000_000).toBeLessThan(4_000);
  });

  it.each([
    ['strings', (i: number) => `s${i}`],
    ['numbers', (i: number) => i * 1.5],
    ['objects', (i: number) => ({ i })],
    ['functions', (i: number) => () => i],
    ['symbols', (i: number) => Symbol(String(i))],
    ['bigints', (i: number) => BigInt(i)],
  ])('forgets a deleted key of any slot: %s', (_what, make) => {
    const c = clock();
    const s = new SurvivalSampler(8, c.now, prng(5), { reads: true });
    const keys = Array.from({ length: 8 }, (_, i) => make(i));
    for (const k of keys) s.onInsert(k);
    expect(s.sampledLive()).toBe(8);
    s.oldestSampledAtMs();
    // Read and delete each key in turn: every slot, the first to the last, is found.
    for (const [i, k] of keys.entries()) {
      s.onRead(k);
      expect(s.sampledNeverRead()).toBe(7 - i);
      s.onDelete(k);
      expect(s.sampledLive()).toBe(7 - i);
      expect(s.sampledNeverRead()).toBe(7 - i);
    }
    expect(s.oldestSampledAtMs()).toBeUndefined();
    // The slots refill from the next inserts.
    c.advance(1000);
    s.onInsert(make(100));
    expect(s.sampledLive()).toBe(1);
    expect(s.oldestSampledAtMs()).toBe(1_001_000);
  });

  it('a key deleted and inserted again is as young as its re-insertion, in every slot', () => {
    const c = clock();
    const s = new SurvivalSampler(4, c.now, prng(6));
    for (const k of [0, 1, 2, 3]) s.onInsert(k);
    s.oldestSampledAtMs();
    c.advance(5000);
    for (const k of [0, 1, 2, 3]) {
      s.onDelete(k);
      s.onInsert(k);
    }
    expect(s.oldestSampledAtMs()).toBe(1_005_000);
  });

  it('a random source that returns 1, a negative or NaN still picks a slot in range', () => {
    for (const value of [1, -0.5, NaN, 0.999999999]) {
      const s = new SurvivalSampler(4, Date.now, () => value);
      for (let i = 0; i < 200; i++) s.onInsert(`k${i}`);
      expect(s.sampledLive()).toBe(4);
      for (let i = 0; i < 200; i++) s.onDelete(`k${i}`);
      expect(s.sampledLive()).toBe(0);
    }
  });
});

describe('SurvivalSampler keys and slots', () => {
  it('null, undefined and booleans are keys like any other', () => {
    const s = new SurvivalSampler(4, Date.now, prng(9));
    const keys = [null, undefined, true, false];
    for (const k of keys) s.onInsert(k);
    expect(s.sampledLive()).toBe(4);
    for (const k of keys) s.onDelete(k);
    expect(s.sampledLive()).toBe(0);
  });

  it('a sampled function key is not kept alive by the sample', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(typeof gc).toBe('function');
    const s = new SurvivalSampler(4, Date.now, prng(10));
    const ref = (() => {
      const key = () => 1;
      s.onInsert(key);
      return new WeakRef(key);
    })();
    for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc!();
    }
    expect(ref.deref()).toBeUndefined();
  });

  it('a key inserted again behind the instrumentation takes the new time, in its own slot', () => {
    const c = clock();
    // A constant random source: with two slots, every insert past the first two takes the slow path.
    const s = new SurvivalSampler(2, c.now, () => 0.5);
    s.onInsert('a');
    s.onInsert('b');
    s.oldestSampledAtMs();
    c.advance(5000);
    s.onInsert('a'); // deleted behind the instrumentation's back, then inserted again
    s.onDelete('b');
    expect(s.oldestSampledAtMs()).toBe(1_005_000);
    s.onDelete('a');
    expect(s.sampledLive()).toBe(0);
  });

  it("a key inserted for another owner leaves the first owner's key and time as they were", () => {
    const c = clock();
    const s = new SurvivalSampler(2, c.now, () => 0.5);
    s.onInsert('a', 0);
    s.onInsert('b', 0);
    s.oldestSampledAtMs();
    c.advance(5000);
    s.onInsert('a', 1);
    s.onDelete('b', 0);
    expect(s.oldestSampledAtMs()).toBe(1_000_000);
    expect(s.sampledLive()).toBe(1);
  });

  it('reads made before the sample grows are kept', () => {
    const s = new SurvivalSampler(8, Date.now, prng(11), { reads: true });
    for (const k of ['a', 'b', 'c', 'd']) s.onInsert(k);
    for (const k of ['a', 'b', 'c', 'd']) s.onRead(k);
    s.onInsert('e'); // grows the storage past 4 slots
    expect(s.sampledNeverRead()).toBe(1);
  });

  it('a slot refilled after a delete starts never read', () => {
    const s = new SurvivalSampler(4, Date.now, prng(12), { reads: true });
    s.onInsert('a');
    s.onRead('a');
    s.onDelete('a');
    s.onInsert('b');
    expect(s.sampledNeverRead()).toBe(1);
  });
});

describe('one sampler shared by several maps (owners)', () => {
  it('releasing an owner that fills the sample, or whose key was deleted, leaves the count exact', () => {
    const full = new SurvivalSampler(4, Date.now, prng(13));
    for (const k of ['a', 'b', 'c', 'd']) full.onInsert(k, 0);
    full.releaseOwner(0);
    expect(full.sampledLive()).toBe(0);

    const s = new SurvivalSampler(4, Date.now, prng(14));
    s.onInsert('a', 0);
    s.onInsert('b', 0);
    s.onDelete('a', 0);
    s.releaseOwner(0);
    expect(s.sampledLive()).toBe(0);
    for (const k of ['x', 'y', 'z']) s.onInsert(k, 1);
    expect(s.sampledLive()).toBe(3);
    s.releaseOwner(1);
    expect(s.sampledLive()).toBe(0);
  });

  it('a read or a delete by another owner leaves the key as it is', () => {
    const s = new SurvivalSampler(4, Date.now, prng(7), { reads: true });
    s.onInsert('a', 0);
    s.onInsert('b', 1);
    s.onRead('a', 1);
    s.onDelete('b', 0);
    expect(s.sampledLive()).toBe(2);
    expect(s.sampledNeverRead()).toBe(2);
    s.onRead('a', 0);
    s.onDelete('b', 1);
    expect(s.sampledLive()).toBe(1);
    expect(s.sampledNeverRead()).toBe(0);
  });

  it("clearing or releasing one owner drops that owner's keys only, and only once", () => {
    const c = clock();
    const s = new SurvivalSampler(8, c.now, prng(8));
    s.onInsert('a0', 0);
    s.onInsert(1, 0);
    s.oldestSampledAtMs();
    c.advance(1000);
    s.onInsert('b1', 1);
    s.onInsert(2, 1);
    s.onInsert('c2', 2);
    s.onClear(1);
    expect(s.sampledLive()).toBe(3);
    expect(s.oldestSampledAtMs()).toBe(1_000_000);
    s.releaseOwner(0);
    expect(s.sampledLive()).toBe(1);
    expect(s.oldestSampledAtMs()).toBe(1_001_000);
    s.releaseOwner(0);
    s.onClear(1);
    expect(s.sampledLive()).toBe(1);
    s.releaseOwner(2);
    expect(s.sampledLive()).toBe(0);
  });

  it('maps of one name share a sample: clearing the second map keeps the first one’s ages', () => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now });
    const first = new InstrumentedMap<string, number>({ name: 'shared', registry });
    const second = new InstrumentedMap<string, number>({ name: 'shared', registry });
    first.set('a', 1);
    registry.collect();
    c.advance(10_000);
    second.set('b', 1);
    second.clear();
    expect(registry.collect().names[0]!.survival!.oldestAgeSeconds).toBe(10);
  });
});
