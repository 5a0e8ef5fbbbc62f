/**
 * ShardedMap against a native Map on random sequences of its async API, applied one at a time and all
 * fired at once (per-shard FIFO locks and synchronous fast paths make that equal to call order). There is
 * no global insertion order, so contents compare as sets; results, sizes and counts compare exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '../../src/maps/sharded-map.js';
import { MapRegistry } from '../../src/registry.js';
import {
  KEY_POOL,
  applyOp,
  countOn,
  initialEntriesArb,
  zeroCounts,
  type ExpectedCounts,
  type MapOp,
  applyUpdateToModel,
  bumpValue,
  mapOpsWithUpdateArb,
  type UpdateOp,
} from '../helpers/map-model.js';

type Op = MapOp | UpdateOp;
const opsArb = mapOpsWithUpdateArb;

const svz = (a: unknown, b: unknown) => a === b || (a !== a && b !== b);
const rank = (k: unknown) => KEY_POOL.findIndex((p) => svz(p, k));
const canon = (entries: readonly (readonly [unknown, unknown])[]) =>
  [...entries].sort((a, b) => rank(a[0]) - rank(b[0]));

function modelApply(model: Map<unknown, unknown>, op: Op, c: ExpectedCounts): unknown {
  switch (op.op) {
    case 'update':
      return applyUpdateToModel(model, op, c);
    case 'entries':
    case 'forEach':
      return canon([...model]);
    case 'set':
      countOn(model, op, c);
      model.set(op.key, op.value);
      return undefined;
    default:
      countOn(model, op, c);
      return applyOp(model, op);
  }
}

async function subjectApply(map: ShardedMap<unknown, unknown>, op: Op): Promise<unknown> {
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
      return (await map.snapshot()).length;
    case 'entries':
    case 'forEach':
      return canon(await map.snapshot());
    case 'update':
      return map.update(op.key, async (cur) => {
        await Promise.resolve();
        return op.remove ? undefined : bumpValue(cur);
      });
  }
}

async function check(
  shards: number,
  initial: readonly (readonly [unknown, unknown])[],
  ops: readonly Op[],
  allAtOnce: boolean,
) {
  const registry = new MapRegistry();
  const map = new ShardedMap<unknown, unknown>({ name: 'sharded', registry, shards });
  const model = new Map<unknown, unknown>();
  const expected = zeroCounts();
  // Initial entries through the API too, counted like any set.
  for (const [k, v] of initial) {
    countOn(model, { op: 'set', key: k, value: v }, expected);
    model.set(k, v);
    await map.set(k, v);
  }
  const want = ops.map((op) => modelApply(model, op, expected));
  let got: unknown[];
  if (allAtOnce) got = await Promise.all(ops.map((op) => subjectApply(map, op)));
  else {
    got = [];
    for (const op of ops) got.push(await subjectApply(map, op));
  }
  for (const [i, op] of ops.entries()) {
    if (!Object.is(got[i], want[i])) expect(got[i], `op #${i} ${op.op}`).toEqual(want[i]);
  }
  expect(map.size).toBe(model.size);
  expect(canon(await map.snapshot())).toEqual(canon([...model]));
  const s = registry.collect().names.find((n) => n.name === 'sharded')!.map;
  const { hits, misses, inserts, updates, deletesExplicit, deletesClear } = s;
  expect({ hits, misses, inserts, updates, deletesExplicit, deletesClear }).toEqual(expected);
  expect(map.shardSizes().reduce((a, b) => a + b, 0)).toBe(model.size);
}

describe('ShardedMap, model-based', () => {
  const shardsArb = fc.constantFrom(1, 2, 4, 16);
  it('matches a native Map, one op at a time', async () => {
    await fc.assert(
      fc.asyncProperty(shardsArb, initialEntriesArb, opsArb, (n, initial, ops) =>
        check(n, initial, ops, false),
      ),
      { numRuns: 1200 },
    );
  });

  it('matches a native Map when every op is fired at once', async () => {
    await fc.assert(
      fc.asyncProperty(shardsArb, initialEntriesArb, opsArb, (n, initial, ops) =>
        check(n, initial, ops, true),
      ),
      { numRuns: 1200 },
    );
  });
});
