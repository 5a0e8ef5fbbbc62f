// Cost of the concurrency family: RWLock against a bare `await` and async-mutex, uncontended and
// contended; the convenient paths (withRead/withWrite, named locks, LockedMap.get) against the
// primitive they wrap; ReadMostlyMap's lock-free hit against Map.get, and the locked maps' reads.
// Imports the built modules directly (dist/sync/..., dist/maps/...), so it does not depend on index exports.
import { Mutex } from 'async-mutex';
import { LockedMap } from '../dist/maps/locked-map.js';
import { ReadMostlyMap } from '../dist/maps/read-mostly-map.js';
import { ShardedMap } from '../dist/maps/sharded-map.js';
import { MapRegistry } from '../dist/registry.js';
import { RWLock } from '../dist/sync/rwlock.js';
import { compareAsync, compareSync, goal, makeAsyncLoop, makeLoop, QUICK, withRatios } from './harness.js';

const HOT = 1024; // keys looked up, a power of two: `i & (HOT - 1)`
const TASKS = 8;
const PER_TASK = QUICK ? 50 : 1_000;

const keys = Array.from({ length: HOT }, (_, i) => `key:${i}`);
const fn = () => 1;

function ratio(rows, candidate, baseline) {
  const a = rows.find((r) => r.candidate === candidate);
  const b = rows.find((r) => r.candidate === baseline);
  return a.nsPerOp / b.nsPerOp;
}

/** TASKS tasks each doing `perTask` × (acquire, await one tick inside the hold, release). */
function contendedLoop(acquire) {
  return async (s, n) => {
    const perTask = Math.max(1, Math.floor(n / TASKS));
    let acc = 0;
    const task = async () => {
      for (let i = 0; i < perTask; i++) {
        const release = await acquire(s);
        await null;
        acc++;
        release();
      }
    };
    const tasks = [];
    for (let t = 0; t < TASKS; t++) tasks.push(task());
    await Promise.all(tasks);
    return acc;
  };
}

export async function run() {
  // 1. Read hits, sync. Measured first: run after the async sections, whose garbage is still being
  // collected, the box indirection of ReadMostlyMap made its ratio swing between 1.2x and 2.7x.
  const fill = (m) => {
    for (const k of keys) m.set(k, 1);
    return m;
  };
  const hitsSync = withRatios(
    'get hit (sync)',
    compareSync([
      {
        name: 'Map.get',
        prepare: () => ({ m: fill(new Map()), keys }),
        loop: makeLoop('acc += s.m.get(s.keys[i & 1023]);'),
      },
      {
        name: 'ReadMostlyMap.get',
        prepare: () => {
          const m = fill(new ReadMostlyMap({ name: 'bench', registry: new MapRegistry() }));
          // Promote so hits are served by the read snapshot (the steady state of a read-mostly load).
          for (const k of keys) m.get(k);
          return { m, keys };
        },
        loop: makeLoop('acc += s.m.get(s.keys[i & 1023]);'),
      },
    ]),
    'Map.get',
  );

  // 2. Uncontended acquire + release, and the convenient paths measured against it (issue #11: each
  // within 1.5x of an unnamed acquire+release, same mode).
  const uncontended = withRatios(
    'uncontended acquire+release',
    await compareAsync([
      // The baseline: awaiting an already-resolved promise, the cheapest await there is.
      {
        name: 'bare await',
        prepare: () => ({ p: Promise.resolve(1) }),
        loop: makeAsyncLoop('acc += await s.p;'),
      },
      { name: 'await null', prepare: () => ({}), loop: makeAsyncLoop('await null; acc++;') },
      {
        name: 'RWLock acquireWrite+release',
        prepare: () => ({ lock: new RWLock() }),
        loop: makeAsyncLoop('const r = await s.lock.acquireWrite(); r(); acc++;'),
      },
      {
        name: 'RWLock acquireRead+release',
        prepare: () => ({ lock: new RWLock() }),
        loop: makeAsyncLoop('const r = await s.lock.acquireRead(); r(); acc++;'),
      },
      {
        name: 'RWLock named (stats on) acquireWrite+release',
        prepare: () => ({ lock: new RWLock({ name: 'bench', registry: new MapRegistry() }) }),
        loop: makeAsyncLoop('const r = await s.lock.acquireWrite(); r(); acc++;'),
      },
      {
        name: 'RWLock named (stats on) acquireRead+release',
        prepare: () => ({ lock: new RWLock({ name: 'bench', registry: new MapRegistry() }) }),
        loop: makeAsyncLoop('const r = await s.lock.acquireRead(); r(); acc++;'),
      },
      {
        name: 'RWLock withWrite(fn)',
        prepare: () => ({ lock: new RWLock(), fn }),
        loop: makeAsyncLoop('acc += await s.lock.withWrite(s.fn);'),
      },
      {
        name: 'RWLock withRead(fn)',
        prepare: () => ({ lock: new RWLock(), fn }),
        loop: makeAsyncLoop('acc += await s.lock.withRead(s.fn);'),
      },
      {
        name: 'RWLock named withWrite(fn)',
        prepare: () => ({ lock: new RWLock({ name: 'bench', registry: new MapRegistry() }), fn }),
        loop: makeAsyncLoop('acc += await s.lock.withWrite(s.fn);'),
      },
      {
        name: 'async-mutex runExclusive(fn)',
        prepare: () => ({ mutex: new Mutex(), fn }),
        loop: makeAsyncLoop('acc += await s.mutex.runExclusive(s.fn);'),
      },
      {
        name: 'async-mutex acquire+release',
        prepare: () => ({ mutex: new Mutex() }),
        loop: makeAsyncLoop('const r = await s.mutex.acquire(); r(); acc++;'),
      },
    ]),
    'bare await',
  );

  // 2b. The same with an async callback, the usual shape of a section that holds across `await`: the
  // convenience path against doing it by hand.
  const asyncFn = async () => 1;
  const uncontendedAsync = withRatios(
    'uncontended section, async callback',
    await compareAsync([
      {
        name: 'acquireWrite, await fn(), release',
        prepare: () => ({ lock: new RWLock(), fn: asyncFn }),
        loop: makeAsyncLoop(
          'const r = await s.lock.acquireWrite(); try { acc += await s.fn(); } finally { r(); }',
        ),
      },
      {
        name: 'withWrite(async fn)',
        prepare: () => ({ lock: new RWLock(), fn: asyncFn }),
        loop: makeAsyncLoop('acc += await s.lock.withWrite(s.fn);'),
      },
      {
        name: 'named withWrite(async fn)',
        prepare: () => ({ lock: new RWLock({ name: 'bench', registry: new MapRegistry() }), fn: asyncFn }),
        loop: makeAsyncLoop('acc += await s.lock.withWrite(s.fn);'),
      },
    ]),
    'acquireWrite, await fn(), release',
  );

  // 3. Contended: 8 tasks, each holding across one await.
  const contended = withRatios(
    `contended: ${TASKS} tasks × acquire / await a tick / release`,
    await compareAsync(
      [
        {
          name: 'RWLock write',
          prepare: () => ({ lock: new RWLock() }),
          loop: contendedLoop((s) => s.lock.acquireWrite()),
        },
        {
          name: 'RWLock write, named',
          prepare: () => ({ lock: new RWLock({ name: 'bench', registry: new MapRegistry() }) }),
          loop: contendedLoop((s) => s.lock.acquireWrite()),
        },
        {
          name: 'async-mutex',
          prepare: () => ({ mutex: new Mutex() }),
          loop: contendedLoop((s) => s.mutex.acquire()),
        },
      ],
      { ops: TASKS * PER_TASK },
    ),
    'async-mutex',
  );

  // 4. Read hits through the async locked maps.
  const lockedFill = async (m) => {
    for (const k of keys) await m.set(k, 1);
    return m;
  };
  const hitsAsync = withRatios(
    'get hit (async)',
    await compareAsync([
      {
        name: 'await Map.get',
        prepare: () => ({ m: fill(new Map()), keys }),
        loop: makeAsyncLoop('acc += await s.m.get(s.keys[i & 1023]);'),
      },
      {
        name: 'await ReadMostlyMap.get',
        prepare: () => {
          const m = fill(new ReadMostlyMap({ name: 'bench', registry: new MapRegistry() }));
          for (const k of keys) m.get(k);
          return { m, keys };
        },
        loop: makeAsyncLoop('acc += await s.m.get(s.keys[i & 1023]);'),
      },
      {
        name: 'LockedMap.get',
        prepare: async () => ({
          m: await lockedFill(new LockedMap({ name: 'bench', registry: new MapRegistry() })),
          keys,
        }),
        loop: makeAsyncLoop('acc += await s.m.get(s.keys[i & 1023]);'),
      },
      {
        name: 'LockedMap.read(v => v.get(k))',
        prepare: async () => ({
          m: await lockedFill(new LockedMap({ name: 'bench', registry: new MapRegistry() })),
          keys,
        }),
        loop: makeAsyncLoop('const k = s.keys[i & 1023]; acc += await s.m.read((v) => v.get(k));'),
      },
      {
        name: 'ShardedMap.get',
        prepare: async () => ({
          m: await lockedFill(new ShardedMap({ name: 'bench', registry: new MapRegistry() })),
          keys,
        }),
        loop: makeAsyncLoop('acc += await s.m.get(s.keys[i & 1023]);'),
      },
    ]),
    'await Map.get',
  );

  const lockVsAwait = ratio(uncontended, 'RWLock acquireWrite+release', 'bare await');
  const mutexVsLock = ratio(uncontended, 'async-mutex runExclusive(fn)', 'RWLock acquireWrite+release');
  const rmVsMap = ratio(hitsSync, 'ReadMostlyMap.get', 'Map.get');
  const contendedRatio = ratio(contended, 'RWLock write', 'async-mutex');
  // Issue #11: the convenient paths against the primitive they wrap, same mode, same run.
  const vsUnnamed = (candidate, mode) =>
    ratio(
      uncontended,
      candidate,
      mode === 'read' ? 'RWLock acquireRead+release' : 'RWLock acquireWrite+release',
    );
  const withWriteRatio = vsUnnamed('RWLock withWrite(fn)', 'write');
  const withReadRatio = vsUnnamed('RWLock withRead(fn)', 'read');
  const namedWriteRatio = vsUnnamed('RWLock named (stats on) acquireWrite+release', 'write');
  const namedReadRatio = vsUnnamed('RWLock named (stats on) acquireRead+release', 'read');
  const lockedGetRatio = ratio(hitsAsync, 'LockedMap.get', 'await Map.get');

  return {
    title: 'Locks and concurrent maps (ns/op, ratio to the baseline of each table in the same run)',
    baseline: 'bare await / acquire by hand / async-mutex / Map.get / await Map.get',
    rows: [...uncontended, ...uncontendedAsync, ...contended, ...hitsSync, ...hitsAsync],
    goals: [
      goal('uncontended RWLock acquire+release <= 2× a bare await', lockVsAwait, 2),
      goal('uncontended withWrite(fn) <= 1.5× unnamed acquireWrite+release', withWriteRatio, 1.5),
      goal('uncontended withRead(fn) <= 1.5× unnamed acquireRead+release', withReadRatio, 1.5),
      goal('named lock acquireWrite+release <= 1.5× unnamed', namedWriteRatio, 1.5),
      goal('named lock acquireRead+release <= 1.5× unnamed', namedReadRatio, 1.5),
      goal('LockedMap.get hit <= 1.5× an awaited Map.get', lockedGetRatio, 1.5),
      goal(
        'async-mutex runExclusive / RWLock uncontended acquire+release >= 10 (times slower)',
        mutexVsLock,
        10,
        true,
      ),
      goal('ReadMostlyMap get hit <= 1.5× Map.get', rmVsMap, 1.5),
    ],
    notes: [
      `Contended: RWLock takes ${contendedRatio.toFixed(2)}× the time of async-mutex per acquisition (one op = one acquire, hold across one await, release).`,
      'Unnamed locks read no clock. Named locks (stats on) read performance.now() for every contended grant and release (exact waits and holds) and for a random 1 in 32 uncontended holds, counted 32 times (src/sync/hold-sampler.ts).',
      'withRead/withWrite without options run fn synchronously when the lock is free, so with a synchronous fn they cost less than acquire+release by hand (no release closure, one await).',
      'ReadMostlyMap hits chase one shared box per key (the sync.Map design); the sync table runs first because after heavy async allocation that extra load made the ratio noisy (1.2x-2.7x seen).',
    ],
  };
}
