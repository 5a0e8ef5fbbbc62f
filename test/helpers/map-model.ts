/**
 * Model-based testing of Map-like subjects: random operation sequences run on the subject and on a native
 * Map side by side. Results, sizes and iteration order must be identical, and the subject's stats must
 * equal the counts the sequence implies (derived from the native model, never hard-coded).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { MapRegistry } from '../../src/registry.js';

/** Counts a sequence implies; the names match MapStats fields. */
export interface ExpectedCounts {
  hits: number;
  misses: number;
  inserts: number;
  updates: number;
  deletesExplicit: number;
  deletesClear: number;
}

export type MapOp =
  | { op: 'get'; key: unknown }
  | { op: 'has'; key: unknown }
  | { op: 'set'; key: unknown; value: unknown }
  | { op: 'delete'; key: unknown }
  | { op: 'clear' }
  | { op: 'size' }
  | { op: 'entries' }
  | { op: 'forEach' };

// A small key pool so that hits, updates and deletes of present keys are frequent. It includes the
// SameValueZero corner cases (NaN, 0 and -0) and object identity.
const OBJECT_KEY_A = { id: 'a' };
const OBJECT_KEY_B = { id: 'b' };
export const KEY_POOL: readonly unknown[] = [
  'a',
  'b',
  'c',
  'd',
  1,
  2,
  0,
  -0,
  NaN,
  OBJECT_KEY_A,
  OBJECT_KEY_B,
  undefined,
];

const keyArb = fc.constantFrom(...KEY_POOL);
// `undefined` as a value checks that a stored undefined counts as a hit, as on a native Map.
const valueArb = fc.oneof(fc.integer(), fc.constant(undefined), fc.string({ maxLength: 3 }));

export const mapOpArb: fc.Arbitrary<MapOp> = fc.oneof(
  { weight: 5, arbitrary: keyArb.map((key) => ({ op: 'get' as const, key })) },
  { weight: 3, arbitrary: keyArb.map((key) => ({ op: 'has' as const, key })) },
  {
    weight: 6,
    arbitrary: fc.tuple(keyArb, valueArb).map(([key, value]) => ({ op: 'set' as const, key, value })),
  },
  { weight: 3, arbitrary: keyArb.map((key) => ({ op: 'delete' as const, key })) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'size' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'entries' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'forEach' as const }) },
);

export const mapOpsArb = fc.array(mapOpArb, { maxLength: 60 });

export const zeroCounts = (): ExpectedCounts => ({
  hits: 0,
  misses: 0,
  inserts: 0,
  updates: 0,
  deletesExplicit: 0,
  deletesClear: 0,
});

/** Applies one op to a Map-like and returns a comparable result. */
export function applyOp(map: Map<unknown, unknown>, op: MapOp): unknown {
  switch (op.op) {
    case 'get':
      return map.get(op.key);
    case 'has':
      return map.has(op.key);
    case 'set':
      return map.set(op.key, op.value) === map; // both return themselves
    case 'delete':
      return map.delete(op.key);
    case 'clear':
      map.clear();
      return undefined;
    case 'size':
      return map.size;
    case 'entries':
      return [...map];
    case 'forEach': {
      const seen: unknown[] = [];
      map.forEach((value, key, self) => seen.push([key, value, self === map]));
      return seen;
    }
  }
}

/** Adds what `op` implies to `counts`, reading the native model before the op is applied to it. */
export function countOn(model: ReadonlyMap<unknown, unknown>, op: MapOp, counts: ExpectedCounts): void {
  switch (op.op) {
    case 'get':
    case 'has':
      counts[model.has(op.key) ? 'hits' : 'misses']++;
      break;
    case 'set':
      counts[model.has(op.key) ? 'updates' : 'inserts']++;
      break;
    case 'delete':
      if (model.has(op.key)) counts.deletesExplicit++;
      break;
    case 'clear':
      counts.deletesClear += model.size;
      break;
    default:
      break;
  }
}

export interface ModelSubject {
  /** The Map-like under test. */
  map: Map<unknown, unknown>;
  /** Its counts as mapwatch reports them now. */
  counts(): ExpectedCounts;
  /** Counts present before the sequence starts (e.g. inserts of initial entries). */
  initial?: ExpectedCounts;
  /** The reference to compare with; default a native Map of the initial entries. */
  model?: Map<unknown, unknown>;
}

/**
 * Runs `ops` on a fresh subject and a native Map, asserting identical results after every op, identical
 * final contents and order, and counts equal to those the sequence implies.
 */
export function checkSequence(
  makeSubject: (initial: readonly (readonly [unknown, unknown])[]) => ModelSubject,
  initialEntries: readonly (readonly [unknown, unknown])[],
  ops: readonly MapOp[],
): void {
  const subject = makeSubject(initialEntries);
  const model = subject.model ?? new Map<unknown, unknown>(initialEntries);
  const expected = subject.initial ? { ...subject.initial } : zeroCounts();
  for (const [i, op] of ops.entries()) {
    countOn(model, op, expected);
    const want = applyOp(model, op);
    const got = applyOp(subject.map, op);
    if (op.op === 'forEach') {
      // `self === map` must hold for each, but the maps differ: compare keys, values and the flag.
      expect(got, `op #${i} ${op.op}`).toEqual(want);
    } else {
      expect(Object.is(got, want) || deepEqual(got, want), `op #${i} ${JSON.stringify(op)}`).toBe(true);
    }
    expect(subject.map.size, `size after op #${i}`).toBe(model.size);
  }
  expect([...subject.map.keys()]).toEqual([...model.keys()]);
  expect([...subject.map.values()]).toEqual([...model.values()]);
  expect(subject.counts()).toEqual(expected);
}

function deepEqual(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}

export const initialEntriesArb = fc.array(fc.tuple(keyArb, valueArb), { maxLength: 6 });

/** fast-check property over random initial entries and op sequences. */
export function modelProperty(
  makeSubject: (initial: readonly (readonly [unknown, unknown])[]) => ModelSubject,
  numRuns: number,
): void {
  fc.assert(
    fc.property(initialEntriesArb, mapOpsArb, (initial, ops) => {
      checkSequence(makeSubject, initial, ops);
    }),
    { numRuns },
  );
}

/** The counts mapwatch reports for `name` in `registry`, in the model's shape. */
export function countsOf(registry: MapRegistry, name: string): ExpectedCounts {
  const snap = registry.collect().names.find((n) => n.name === name);
  if (!snap) throw new Error(`no series for ${name}`);
  const { hits, misses, inserts, updates, deletesExplicit, deletesClear } = snap.map;
  return { hits, misses, inserts, updates, deletesExplicit, deletesClear };
}

/** Counts implied by initial entries that go through set(): inserts for new keys, updates for repeats. */
export function initialInsertCounts(initial: readonly (readonly [unknown, unknown])[]): ExpectedCounts {
  const distinct = new Map(initial).size;
  return { ...zeroCounts(), inserts: distinct, updates: initial.length - distinct };
}

/**
 * `update(key, fn)` of the locked map types: `fn` bumps a number (or starts at 0) or, with `remove`,
 * returns undefined, which deletes the key.
 */
export type UpdateOp = { op: 'update'; key: unknown; remove: boolean };

export const bumpValue = (current: unknown): number => (typeof current === 'number' ? current + 1 : 0);

/** Map ops with an `update` op mixed in, for the types that have one. */
export const mapOpsWithUpdateArb: fc.Arbitrary<Array<MapOp | UpdateOp>> = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: mapOpArb },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('update' as const),
        key: fc.constantFrom(...KEY_POOL),
        remove: fc.boolean(),
      }),
    },
  ),
  { maxLength: 60 },
);

/** Applies an update op to the native model with its counts; returns the value the callback returned. */
export function applyUpdateToModel(
  model: Map<unknown, unknown>,
  op: UpdateOp,
  counts: ExpectedCounts,
): unknown {
  const next = op.remove ? undefined : bumpValue(model.get(op.key));
  if (next === undefined) {
    if (model.delete(op.key)) counts.deletesExplicit++;
  } else {
    counts[model.has(op.key) ? 'updates' : 'inserts']++;
    model.set(op.key, next);
  }
  return next;
}
