/**
 * LockedMap against a native Map:
 * - the write() view is a full Map, run through the shared model harness (results, sizes, order, counts);
 * - the async API (get/has/set/delete/clear/update, entries via read()) on random sequences, applied one
 *   at a time, and also all fired at once without awaiting: FIFO grants make the outcome equal to running
 *   them in call order, which is what the model does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LockedMap } from '../../src/maps/locked-map.js';
import { MapRegistry } from '../../src/registry.js';
import {
  applyOp,
  checkSequence,
  countOn,
  initialEntriesArb,
  mapOpsArb,
  type ExpectedCounts,
  type MapOp,
  applyUpdateToModel,
  bumpValue,
  countsOf,
  initialInsertCounts,
  mapOpsWithUpdateArb,
  type UpdateOp,
} from '../helpers/map-model.js';

type Op = MapOp | UpdateOp;
const opsArb = mapOpsWithUpdateArb;

/** The model's result of an op, with its counts. */
function modelApply(model: Map<unknown, unknown>, op: Op, c: ExpectedCounts): unknown {
  if (op.op === 'update') return applyUpdateToModel(model, op, c);
  countOn(model, op, c);
  if (op.op === 'set') {
    model.set(op.key, op.value);
    return undefined;
  }
  if (op.op === 'forEach') return [...model].map(([k, v]) => [k, v, true]);
  return applyOp(model, op);
}

/** The same op through LockedMap's async API; the update callback awaits, holding the lock meanwhile. */
function subjectApply(map: LockedMap<unknown, unknown>, op: Op): Promise<unknown> {
  switch (op.op) {
    case 'get':
      return map.get(op.key);
    case 'has':
      return map.has(op.key);
    case 'set':
      return map.set(op.key, op.value);
    case 'delete':
      return map.delete(op.key);
    case 'clear':
      return map.clear();
    case 'size':
      return map.read((v) => v.size);
    case 'entries':
      return map.read((v) => [...v]);
    case 'forEach':
      return map.read((v) => {
        const seen: unknown[] = [];
        v.forEach((value, key, self) => seen.push([key, value, self === v]));
        return seen;
      });
    case 'update':
      return map.update(op.key, async (cur) => {
        await Promise.resolve();
        return op.remove ? undefined : bumpValue(cur);
      });
  }
}

async function checkAsync(
  initial: readonly (readonly [unknown, unknown])[],
  ops: readonly Op[],
  allAtOnce: boolean,
) {
  const registry = new MapRegistry();
  const map = new LockedMap<unknown, unknown>(initial, { name: 'locked', registry });
  const model = new Map<unknown, unknown>(initial);
  const expected = initialInsertCounts(initial);
  const want = ops.map((op) => modelApply(model, op, expected));
  let got: unknown[];
  if (allAtOnce) {
    got = await Promise.all(ops.map((op) => subjectApply(map, op)));
  } else {
    got = [];
    for (const op of ops) got.push(await subjectApply(map, op));
  }
  for (const [i, op] of ops.entries()) {
    expect(Object.is(got[i], want[i]) || (expect(got[i]).toEqual(want[i]), true), `op #${i} ${op.op}`).toBe(
      true,
    );
  }
  expect(map.size).toBe(model.size);
  expect(await map.read((v) => [...v])).toEqual([...model]);
  expect(countsOf(registry, 'locked')).toEqual(expected);
  expect(map.waiting).toBe(0);
}

describe('LockedMap, model-based', () => {
  it('the write() view behaves as a native Map and is counted exactly', async () => {
    const cases = fc.sample(fc.tuple(initialEntriesArb, mapOpsArb), { numRuns: 1500, seed: 42 });
    for (const [initial, ops] of cases) {
      const registry = new MapRegistry();
      const name = 'w';
      const map = new LockedMap<unknown, unknown>(initial, { name, registry });
      await map.write((view) => {
        checkSequence(
          () => ({
            map: view,
            counts: () => countsOf(registry, name),
            initial: initialInsertCounts(initial),
          }),
          initial,
          ops,
        );
      });
    }
  });

  it('the async API matches the model, one op at a time', async () => {
    await fc.assert(
      fc.asyncProperty(initialEntriesArb, opsArb, (initial, ops) => checkAsync(initial, ops, false)),
      { numRuns: 1000 },
    );
  });

  it('the async API matches the model when every op is fired at once (FIFO = call order)', async () => {
    await fc.assert(
      fc.asyncProperty(initialEntriesArb, opsArb, (initial, ops) => checkAsync(initial, ops, true)),
      { numRuns: 1000 },
    );
  });
});
