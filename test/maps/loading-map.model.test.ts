/**
 * LoadingMap against a native Map:
 * - without TTL it is Map-like: the shared harness checks results, sizes, order and counts;
 * - with getOrLoad and a TTL on a fake clock: results and live contents match a model in which an entry
 *   stored at t lives while now < t + ttl (a store moves its key to the end), and the counters balance
 *   (every stored entry is still there or was counted as removed by exactly one cause).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoadingMap } from '../../src/maps/loading-map.js';
import { MapRegistry } from '../../src/registry.js';
import { KEY_POOL, modelProperty, zeroCounts, type ExpectedCounts } from '../helpers/map-model.js';

function countsOf(registry: MapRegistry): ExpectedCounts {
  const s = registry.collect().names.find((n) => n.name === 'loading')!.map;
  const { hits, misses, inserts, updates, deletesExplicit, deletesClear } = s;
  return { hits, misses, inserts, updates, deletesExplicit, deletesClear };
}

type Op =
  | { op: 'get' | 'has' | 'delete'; key: unknown }
  | { op: 'set'; key: unknown; value: number }
  | { op: 'getOrLoad'; key: unknown; value: number; fails: boolean }
  | { op: 'clear' | 'entries' | 'purge' }
  | { op: 'advance'; ms: number };

const keyArb = fc.constantFrom(...KEY_POOL);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('get' as const, 'has' as const, 'delete' as const), key: keyArb }),
  fc.record({ op: fc.constant('set' as const), key: keyArb, value: fc.integer() }),
  fc.record({ op: fc.constant('getOrLoad' as const), key: keyArb, value: fc.integer(), fails: fc.boolean() }),
  fc.record({ op: fc.constantFrom('clear' as const, 'entries' as const, 'purge' as const) }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 60 }) }),
);

const TTL = 100;

async function checkTtl(ops: readonly Op[]): Promise<void> {
  let now = 0;
  const registry = new MapRegistry();
  const map = new LoadingMap<unknown, number>({ name: 'loading', registry, ttlMs: TTL, now: () => now });
  const model = new Map<unknown, { value: number; at: number }>();
  const live = (k: unknown) => {
    const e = model.get(k);
    return e !== undefined && now < e.at + TTL ? e : undefined;
  };
  let loads = 0;
  let expectedHits = 0;
  let expectedMisses = 0;
  for (const [i, op] of ops.entries()) {
    const label = `op #${i} ${JSON.stringify(op)}`;
    switch (op.op) {
      case 'get': {
        const e = live(op.key);
        if (e) expectedHits++;
        else expectedMisses++;
        expect(map.get(op.key), label).toBe(e?.value);
        break;
      }
      case 'has': {
        const e = live(op.key);
        if (e) expectedHits++;
        else expectedMisses++;
        expect(map.has(op.key), label).toBe(e !== undefined);
        break;
      }
      case 'delete': {
        const e = live(op.key);
        model.delete(op.key);
        expect(map.delete(op.key), label).toBe(e !== undefined);
        break;
      }
      case 'set':
        // With a TTL a store moves the key to the end (store order = expiry order).
        model.delete(op.key);
        model.set(op.key, { value: op.value, at: now });
        expect(map.set(op.key, op.value), label).toBe(map);
        // The clock never goes back here, so store order is expiry order and the expired entries form a
        // prefix, all removed by this store: size is exactly the live count.
        expect(map.size, label).toBe([...model.keys()].filter((k) => live(k)).length);
        break;
      case 'getOrLoad': {
        const e = live(op.key);
        const loader = async () => {
          loads++;
          await Promise.resolve();
          if (op.fails) throw new Error(`fail ${i}`);
          return op.value;
        };
        const result = await map.getOrLoad(op.key, loader).then(
          (v) => ({ ok: v }),
          (err: unknown) => ({ err: (err as Error).message }),
        );
        if (e) {
          expectedHits++;
          expect(result, label).toEqual({ ok: e.value });
        } else {
          expectedMisses++;
          if (op.fails) {
            expect(result, label).toEqual({ err: `fail ${i}` });
            model.delete(op.key);
          } else {
            expect(result, label).toEqual({ ok: op.value });
            model.delete(op.key);
            model.set(op.key, { value: op.value, at: now });
          }
        }
        break;
      }
      case 'clear':
        model.clear();
        map.clear();
        break;
      case 'entries': {
        const want = [...model].filter(([k]) => live(k)).map(([k, e]) => [k, e.value]);
        expect([...map], label).toEqual(want);
        break;
      }
      case 'purge':
        map.purgeExpired();
        for (const k of [...model.keys()]) if (!live(k)) model.delete(k);
        expect(map.size, label).toBe(model.size);
        break;
      case 'advance':
        now += op.ms;
        break;
    }
    // Stores purge the expired oldest entries: the map never holds more than the live entries plus those
    // that expired since the last store.
    expect(map.size, label).toBeLessThanOrEqual(model.size);
  }
  const s = registry.collect().names.find((n) => n.name === 'loading')!.map;
  expect([s.hits, s.misses]).toEqual([expectedHits, expectedMisses]);
  expect(s.loadsSuccess + s.loadsFailure).toBe(loads);
  // Conservation: inserts = stored now + removed (by any cause).
  expect(s.inserts).toBe(map.size + s.deletesExplicit + s.deletesClear + s.deletesExpire);
  map.purgeExpired();
  expect(map.size).toBe([...model.keys()].filter((k) => live(k)).length);
  expect(map.loading).toBe(0);
}

describe('LoadingMap, model-based', () => {
  it('without TTL behaves as a native Map (shared harness)', () => {
    modelProperty((initial) => {
      const registry = new MapRegistry();
      const map = new LoadingMap<unknown, unknown>({ name: 'loading', registry });
      for (const [k, v] of initial) map.set(k, v);
      const distinct = new Map(initial).size;
      return {
        map: map,
        counts: () => countsOf(registry),
        initial: { ...zeroCounts(), inserts: distinct, updates: initial.length - distinct },
      };
    }, 3000);
  });

  it('with getOrLoad and TTL on a fake clock matches the expiry model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), (ops) => checkTtl(ops)),
      { numRuns: 1500 },
    );
  });
});
