/**
 * ReadMostlyMap.forEach with something that is not a function fails as Map.prototype.forEach does (and as
 * InstrumentedMap does): a TypeError `<value> is not a function`, before any entry is read, so even on an
 * empty map, and without promoting the dirty map as an iteration would.
 */
import { describe, expect, it } from 'vitest';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { ReadMostlyMap } from '../../src/maps/read-mostly-map.js';
import { MapRegistry } from '../../src/registry.js';

const NOT_FUNCTIONS: unknown[] = [undefined, null, 42, 'callback', {}, Symbol('callback')];

/** The error `forEach(bad)` throws, as [constructor name, message]. */
function failure(forEach: () => void): [string, string] {
  try {
    forEach();
  } catch (err) {
    return [(err as Error).constructor.name, (err as Error).message];
  }
  throw new Error('forEach did not throw');
}

describe('ReadMostlyMap.forEach with a callback that is not a function', () => {
  it('throws what InstrumentedMap throws, on an empty map and on a full one', () => {
    const registry = new MapRegistry();
    const instrumented = new InstrumentedMap<string, number>({ name: 'reference', registry });
    for (const size of [0, 3]) {
      const map = new ReadMostlyMap<string, number>({ name: `config${size}`, registry });
      for (let i = 0; i < size; i++) map.set(`k${i}`, i);
      for (const bad of NOT_FUNCTIONS) {
        const expected = failure(() => instrumented.forEach(bad as never));
        expect(
          failure(() => map.forEach(bad as never)),
          `size ${size}, ${String(bad)}`,
        ).toEqual(expected);
      }
    }
  });

  it('throws the TypeError a native Map throws for undefined', () => {
    const native = failure(() => new Map().forEach(undefined as never));
    const map = new ReadMostlyMap<string, number>({ name: 'config', registry: new MapRegistry() });
    expect(native).toEqual(['TypeError', 'undefined is not a function']);
    expect(failure(() => map.forEach(undefined as never))).toEqual(native);
  });

  it('reads no entry first: the dirty map is not promoted', () => {
    const map = new ReadMostlyMap<string, number>({ name: 'config', registry: new MapRegistry() });
    map.set('a', 1);
    expect(map.internals().amended).toBe(true);
    expect(() => map.forEach(null as never)).toThrow(TypeError);
    expect(map.internals().amended).toBe(true);
  });
});
