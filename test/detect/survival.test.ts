import { describe, expect, it } from 'vitest';
import { MapRegistry } from '../../src/registry.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { instrument } from '../../src/maps/instrument.js';
import { SurvivalSampler, survivalSampleSize } from '../../src/detect/survival.js';
import { prng } from './scenarios.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

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

  it('forgets deleted keys, refills their slots and tracks reads', () => {
    const c = clock();
    const s = new SurvivalSampler(4, c.now, prng(2));
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
  });

  it('holds object keys weakly', async () => {
    const s = new SurvivalSampler(4, Date.now, prng(3));
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
  });

  it('validates the size option', () => {
    expect(survivalSampleSize(undefined)).toBeUndefined();
    expect(survivalSampleSize(false)).toBeUndefined();
    expect(survivalSampleSize(true)).toBe(32);
    expect(survivalSampleSize({ size: 5 })).toBe(5);
    expect(() => survivalSampleSize({ size: 0 })).toThrow(/1 to 1024/);
  });
});

describe('survival sampling on maps', () => {
  it('reports the oldest surviving sampled entry and the never-read share through the registry', () => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now });
    const m = new InstrumentedMap<string, number>({ name: 'users', registry, sampleSurvival: { size: 4 } });
    m.set('a', 1);
    m.set('b', 2);
    c.advance(60_000);
    m.get('a');
    m.has('b');
    m.set('c', 3);
    c.advance(60_000);
    const snap = registry.collect().names.find((n) => n.name === 'users')!;
    expect(snap.survival).toEqual({ oldestAgeSeconds: 120, neverReadRatio: 1 / 3 });
    m.delete('a');
    m.delete('b');
    expect(registry.collect().names[0]!.survival).toEqual({ oldestAgeSeconds: 60, neverReadRatio: 1 });
    m.clear();
    expect(registry.collect().names[0]!.survival).toEqual({ oldestAgeSeconds: 0, neverReadRatio: 0 });
  });

  it('is off by default, on through the registry default, and the map option wins', () => {
    const registry = new MapRegistry();
    new InstrumentedMap({ name: 'off', registry }).set(1, 1);
    registry.survivalSampling = true;
    new InstrumentedMap({ name: 'on', registry }).set(1, 1);
    new InstrumentedMap({ name: 'optout', registry, sampleSurvival: false }).set(1, 1);
    const byName = new Map(registry.collect().names.map((n) => [n.name, n.survival]));
    expect(byName.get('off')).toBeUndefined();
    expect(byName.get('on')).toBeDefined();
    expect(byName.get('optout')).toBeUndefined();
  });

  it('works with instrument() and behaves like a Map', () => {
    const c = clock();
    const registry = new MapRegistry({ now: c.now, survivalSampling: { size: 8 } });
    const m = instrument(new Map<string, number>(), { name: 'legacy', registry });
    m.set('x', 1);
    m.set('x', 2);
    m.set('y', 3);
    expect(m.get('x')).toBe(2);
    expect(m.has('y')).toBe(true);
    expect(m.delete('y')).toBe(true);
    c.advance(5000);
    const snap = registry.collect().names[0]!;
    expect(snap.survival).toEqual({ oldestAgeSeconds: 5, neverReadRatio: 0 });
    expect(snap.map.inserts).toBe(2);
    expect(snap.map.updates).toBe(1);
    m.clear();
    expect(m.size).toBe(0);
    expect(registry.collect().names[0]!.survival?.oldestAgeSeconds).toBe(0);
  });
});
