/**
 * The maps of one name share one survival sampler (issue 11: nothing allocated per map that the hot path
 * does not need). Each map's keys stay its own: a delete or clear in one map never drops a key sampled
 * for another, and a collected map's keys leave the sample once the collector has reported it.
 */
import { describe, expect, it } from 'vitest';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { instrument } from '../../src/maps/instrument.js';
import { MapRegistry } from '../../src/registry.js';

const gc = (globalThis as { gc?: () => void }).gc!;

function clocked() {
  const clock = { t: 0 };
  const registry = new MapRegistry({ now: () => clock.t });
  const oldest = () => registry.collect().names[0]!.survival?.oldestAgeSeconds;
  return { clock, registry, oldest };
}

describe('one sampler per name, keys per map', () => {
  it("a delete of the same key in another map leaves this map's sampled key", () => {
    const { clock, registry, oldest } = clocked();
    const a = new InstrumentedMap<string, number>({ name: 's', registry });
    const b = instrument(new Map<string, number>(), { name: 's', registry });
    a.set('k', 1);
    expect(oldest()).toBe(0); // stamped now
    clock.t = 10_000;
    b.set('k', 2);
    b.delete('k');
    expect(oldest()).toBe(10);
    a.delete('k');
    expect(oldest()).toBe(0);
  });

  it("a clear releases the cleared map's keys only", () => {
    const { clock, registry, oldest } = clocked();
    const a = new InstrumentedMap<string, number>({ name: 's', registry });
    const b = new InstrumentedMap<string, number>({ name: 's', registry });
    b.set('b', 1);
    oldest();
    clock.t = 5_000;
    a.set('a', 1);
    oldest();
    clock.t = 8_000;
    expect(oldest()).toBe(8);
    b.clear();
    expect(oldest()).toBe(3);
    void a;
  });

  it("a collected map's keys leave the sample after GC and a turn", async () => {
    const { clock, registry, oldest } = clocked();
    const kept = new InstrumentedMap<string, number>({ name: 's', registry });
    (() => {
      const dropped = new InstrumentedMap<string, number>({ name: 's', registry });
      dropped.set('old', 1);
    })();
    oldest(); // stamps 'old' at 0
    clock.t = 100_000;
    kept.set('new', 1);
    oldest(); // stamps 'new' at 100 s
    clock.t = 200_000;
    expect(oldest()).toBe(200);
    for (let i = 0; i < 5 && registry.collect().names[0]!.instances > 1; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(registry.collect().names[0]!.instances).toBe(1);
    expect(oldest()).toBe(100);
  });
});
