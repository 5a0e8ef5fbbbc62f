/**
 * A SurvivalSampler shared by several maps (owners), against a model of the maps' live keys: whatever
 * the sequence of inserts, deletes, clears and owner releases, the sample never holds more keys than
 * are live, and once every live key has left (deleted, cleared or released) it holds none.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SurvivalSampler } from '../../src/maps/survival.js';

const OWNERS = 3;
const op = fc.oneof(
  fc.record({ t: fc.constant('insert' as const), owner: fc.nat(OWNERS - 1), key: fc.nat(12) }),
  fc.record({ t: fc.constant('delete' as const), owner: fc.nat(OWNERS - 1), key: fc.nat(12) }),
  fc.record({ t: fc.constant('clear' as const), owner: fc.nat(OWNERS - 1) }),
  fc.record({ t: fc.constant('release' as const), owner: fc.nat(OWNERS - 1) }),
);

describe('a sampler shared by several maps', () => {
  it('tracks only live keys of each owner (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 200 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer(),
        (ops, size, seed) => {
          let x = seed | 0 || 1;
          const random = () => ((x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
          const s = new SurvivalSampler(size, () => 0, random);
          const live = Array.from({ length: OWNERS }, () => new Set<string>());
          for (const o of ops) {
            const keys = live[o.owner]!;
            if (o.t === 'insert') {
              const key = `k${o.key}`;
              if (!keys.has(key)) {
                keys.add(key);
                s.onInsert(key, o.owner);
              }
            } else if (o.t === 'delete') {
              const key = `k${o.key}`;
              if (keys.delete(key)) s.onDelete(key, o.owner);
            } else if (o.t === 'clear') {
              keys.clear();
              s.onClear(o.owner);
            } else {
              // The owner's map was collected: its keys are gone with it.
              keys.clear();
              s.releaseOwner(o.owner);
            }
            const total = live.reduce((n, k) => n + k.size, 0);
            expect(s.sampledLive()).toBeLessThanOrEqual(Math.min(size, total));
          }
          live.forEach((keys, owner) => {
            for (const key of keys) s.onDelete(key, owner);
          });
          expect(s.sampledLive()).toBe(0);
          expect(s.oldestSampledAtMs()).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });
});
