import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instrument } from '../../src/maps/instrument.js';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { MapRegistry } from '../../src/registry.js';
import {
  checkSequence,
  countsOf,
  mapOpsArb,
  modelProperty,
  zeroCounts,
  type ModelSubject,
} from '../helpers/map-model.js';

describe('model-based: every operation sequence behaves as a native Map and is counted exactly', () => {
  it('InstrumentedMap', () => {
    modelProperty((initial): ModelSubject => {
      const registry = new MapRegistry();
      const map = new InstrumentedMap<unknown, unknown>(initial, { name: 'model', registry });
      // Initial entries go through set(): inserts for new keys, updates for repeated ones.
      const seen = new Map(initial);
      const init = { ...zeroCounts(), inserts: seen.size, updates: initial.length - seen.size };
      return { map, counts: () => countsOf(registry, 'model'), initial: init };
    }, 3000);
  });

  it('instrument()ed native Map', () => {
    modelProperty((initial): ModelSubject => {
      const registry = new MapRegistry();
      // Entries present before instrumenting are not counted: only what happens afterwards is.
      const map = instrument(new Map<unknown, unknown>(initial), { name: 'model', registry });
      return { map, counts: () => countsOf(registry, 'model') };
    }, 3000);
  });

  it.each([
    ['InstrumentedMap', true, { size: 4 }],
    ['instrument()', false, { size: 4 }],
    ['InstrumentedMap with read tracking', true, { size: 4, reads: true }],
    ['instrument() with read tracking', false, { size: 4, reads: true }],
    ['InstrumentedMap with sampling off', true, false],
    ['instrument() with sampling off', false, false],
  ] as const)('%s behaves and counts the same', (_what, wrapper, sampleSurvival) => {
    modelProperty((initial): ModelSubject => {
      const registry = new MapRegistry();
      const options = { name: 'model', registry, sampleSurvival };
      const map = wrapper
        ? new InstrumentedMap<unknown, unknown>(initial, options)
        : instrument(new Map<unknown, unknown>(initial), options);
      const seen = new Map(initial);
      const init = wrapper
        ? { ...zeroCounts(), inserts: seen.size, updates: initial.length - seen.size }
        : undefined;
      return {
        map,
        counts: () => {
          const snap = registry.collect().names[0]!;
          if (sampleSurvival === false) {
            expect(snap.survival).toBeUndefined();
          } else if ('reads' in sampleSurvival && sampleSurvival.reads) {
            expect(snap.survival!.neverReadRatio).toBeGreaterThanOrEqual(0);
            expect(snap.survival!.neverReadRatio).toBeLessThanOrEqual(1);
          } else {
            expect(snap.survival).toBeDefined();
            expect(snap.survival!.neverReadRatio).toBeUndefined();
          }
          return countsOf(registry, 'model');
        },
        initial: init,
      };
    }, 500);
  });

  it('instrument()ed Map subclass: its overrides still run', () => {
    class Audited extends Map<unknown, unknown> {
      writes = 0;
      override set(key: unknown, value: unknown): this {
        this.writes++;
        return super.set(key, value);
      }
    }
    fc.assert(
      fc.property(mapOpsArb, (ops) => {
        const registry = new MapRegistry();
        const map = instrument(new Audited(), { name: 'model', registry });
        checkSequence(() => ({ map, counts: () => countsOf(registry, 'model') }), [], ops);
        expect(map.writes).toBe(ops.filter((o) => o.op === 'set').length);
        expect(map).toBeInstanceOf(Audited);
      }),
      { numRuns: 300 },
    );
  });
});
