/**
 * ReadMostlyMap against a native Map on random sequences: every result, the size after every step, the
 * final contents and the counts the sequence implies. The order of iteration is unspecified for this type
 * (as in Go), so entries are compared as sets; everything else is exact. The sequences also use the
 * sync.Map operations (loadOrStore, loadAndDelete, swap, compareAndSwap, compareAndDelete).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReadMostlyMap } from '../../src/maps/read-mostly-map.js';
import { MapRegistry } from '../../src/registry.js';
import {
  KEY_POOL,
  applyOp,
  countOn,
  initialEntriesArb,
  mapOpArb,
  zeroCounts,
  type ExpectedCounts,
  type MapOp,
  countsOf,
} from '../helpers/map-model.js';

type ExtraOp =
  | { op: 'loadOrStore'; key: unknown; value: unknown }
  | { op: 'loadAndDelete'; key: unknown }
  | { op: 'swap'; key: unknown; value: unknown }
  | { op: 'compareAndSwap'; key: unknown; expected: unknown; next: unknown }
  | { op: 'compareAndDelete'; key: unknown; expected: unknown };
type Op = MapOp | ExtraOp;

const keyArb = fc.constantFrom(...KEY_POOL);
// A tiny value pool so that compare-and-* succeed often; NaN checks SameValueZero.
const valueArb = fc.constantFrom<unknown>(1, 2, 'x', undefined, NaN);
const extraOpArb: fc.Arbitrary<ExtraOp> = fc.oneof(
  fc.record({ op: fc.constant('loadOrStore' as const), key: keyArb, value: valueArb }),
  fc.record({ op: fc.constant('loadAndDelete' as const), key: keyArb }),
  fc.record({ op: fc.constant('swap' as const), key: keyArb, value: valueArb }),
  fc.record({ op: fc.constant('compareAndSwap' as const), key: keyArb, expected: valueArb, next: valueArb }),
  fc.record({ op: fc.constant('compareAndDelete' as const), key: keyArb, expected: valueArb }),
);
const opsArb = fc.array(fc.oneof({ weight: 3, arbitrary: mapOpArb }, { weight: 1, arbitrary: extraOpArb }), {
  maxLength: 80,
});

const svz = (a: unknown, b: unknown) => a === b || (a !== a && b !== b);

/** The model's answer for the sync.Map operations, with the counts they imply. */
function applyExtra(model: Map<unknown, unknown>, op: ExtraOp, c: ExpectedCounts): unknown {
  const has = model.has(op.key);
  const current = model.get(op.key);
  switch (op.op) {
    case 'loadOrStore':
      if (has) {
        c.hits++;
        return { value: current, loaded: true };
      }
      c.misses++;
      c.inserts++;
      model.set(op.key, op.value);
      return { value: op.value, loaded: false };
    case 'loadAndDelete':
      if (!has) {
        c.misses++;
        return { value: undefined, loaded: false };
      }
      c.hits++;
      c.deletesExplicit++;
      model.delete(op.key);
      return { value: current, loaded: true };
    case 'swap':
      c[has ? 'updates' : 'inserts']++;
      model.set(op.key, op.value);
      return has ? { value: current, loaded: true } : { value: undefined, loaded: false };
    case 'compareAndSwap':
      if (!has || !svz(current, op.expected)) return false;
      c.updates++;
      model.set(op.key, op.next);
      return true;
    case 'compareAndDelete':
      if (!has || !svz(current, op.expected)) return false;
      c.deletesExplicit++;
      model.delete(op.key);
      return true;
  }
}

function applyExtraTo(map: ReadMostlyMap<unknown, unknown>, op: ExtraOp): unknown {
  switch (op.op) {
    case 'loadOrStore':
      return map.loadOrStore(op.key, op.value);
    case 'loadAndDelete':
      return map.loadAndDelete(op.key);
    case 'swap':
      return map.swap(op.key, op.value);
    case 'compareAndSwap':
      return map.compareAndSwap(op.key, op.expected, op.next);
    case 'compareAndDelete':
      return map.compareAndDelete(op.key, op.expected);
  }
}

/** Entries in a canonical order (by position in the key pool) so unordered results compare exactly. */
function canon(entries: readonly unknown[]): unknown[] {
  const rank = (k: unknown) => KEY_POOL.findIndex((p) => svz(p, k));
  return [...entries].sort((a, b) => rank((a as unknown[])[0]) - rank((b as unknown[])[0]));
}

function checkSequence(initial: readonly (readonly [unknown, unknown])[], ops: readonly Op[]): void {
  const registry = new MapRegistry();
  const map = new ReadMostlyMap<unknown, unknown>(initial, { name: 'rm', registry });
  const model = new Map<unknown, unknown>(initial);
  const seen = new Map(initial);
  const expected = { ...zeroCounts(), inserts: seen.size, updates: initial.length - seen.size };
  for (const [i, op] of ops.entries()) {
    const label = `op #${i} ${op.op}`;
    if (op.op === 'entries' || op.op === 'forEach') {
      const want = canon(applyOp(model, op) as unknown[]);
      const got = canon(applyOp(map, op) as unknown[]);
      expect(got, label).toEqual(want);
    } else if (
      op.op === 'loadOrStore' ||
      op.op === 'loadAndDelete' ||
      op.op === 'swap' ||
      op.op === 'compareAndSwap' ||
      op.op === 'compareAndDelete'
    ) {
      const want = applyExtra(model, op, expected);
      expect(applyExtraTo(map, op), label).toEqual(want);
    } else {
      countOn(model, op, expected);
      const want = applyOp(model, op);
      const got = applyOp(map, op);
      expect(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)), label).toBe(true);
    }
    expect(map.size, `size after ${label}`).toBe(model.size);
    const st = map.internals();
    // The structural invariant of the design: an amended read implies a dirty map.
    if (st.amended) expect(st.dirtyKeys).toBeDefined();
  }
  expect(canon([...map])).toEqual(canon([...model]));
  expect(new Set(map.keys())).toEqual(new Set(model.keys()));
  expect(countsOf(registry, 'rm')).toEqual(expected);
}

describe('ReadMostlyMap, model-based against a native Map', () => {
  it('matches results, sizes, contents and counts on random sequences', () => {
    fc.assert(
      fc.property(initialEntriesArb, opsArb, (initial, ops) => checkSequence(initial, ops)),
      { numRuns: 3000 },
    );
  });

  it('matches on long get-heavy sequences that cross many promotions', () => {
    const heavyOps = fc.array(
      fc.oneof(
        { weight: 6, arbitrary: keyArb.map((key): Op => ({ op: 'get', key })) },
        {
          weight: 2,
          arbitrary: fc.tuple(keyArb, valueArb).map(([key, value]): Op => ({ op: 'set', key, value })),
        },
        { weight: 1, arbitrary: keyArb.map((key): Op => ({ op: 'delete', key })) },
        { weight: 1, arbitrary: extraOpArb },
      ),
      { minLength: 100, maxLength: 300 },
    );
    fc.assert(
      fc.property(heavyOps, (ops) => checkSequence([], ops)),
      { numRuns: 300 },
    );
  });
});
