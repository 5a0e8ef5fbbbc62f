/**
 * Model-based test of watchLRUCache against the real lru-cache 11: random sequences of get, has, peek,
 * set, delete, clear, purgeStale, pop, fetch (with loads settled, failed and abandoned by later steps),
 * clock ticks (TTL expiry) and evictions (by `max` and by `maxSize`), on caches of random shapes.
 *
 * The shadow count is derived from the cache itself, never from the events mapwatch reads: lookups from
 * the values the calls return (fetch: from the cache's internal state before the call), inserts, updates
 * and deletes by cause from the difference of the cache's internal contents before and after each step
 * (`LRUCache.unsafeExposeInternals`, which the test may read and mapwatch does not), loads from the
 * promises of the fetches that called the fetchMethod. After every step the registry's counts must equal
 * the shadow's, the entries must equal `cache.size`, and inserts minus deletes must equal the entries.
 *
 * lru-cache reads its clock through the `perf` option (it captures `performance` at import, so fake
 * timers would not reach it): the test passes a clock it advances, and `ttlResolution: 0` so that no
 * real timer caches a reading. No step waits for time: a step ends with one `setImmediate`, which lets
 * every promise continuation of lru-cache's fetch machinery run.
 */
import fc from 'fast-check';
import { LRUCache } from 'lru-cache';
import { describe, expect, it } from 'vitest';
import { watchLRUCache } from '../../src/lru-cache/index.js';
import { MapRegistry } from '../../src/registry.js';

const KEYS = ['a', 'b', 'c', 'd', 'e'] as const;
type Key = (typeof KEYS)[number];

type Step =
  | { op: 'get' | 'has' | 'peek' | 'delete' | 'fetch'; key: Key }
  | { op: 'set'; key: Key; size: number }
  | { op: 'clear' | 'purgeStale' | 'pop' }
  | { op: 'tick'; ms: number }
  | { op: 'resolve'; pick: number; empty: boolean; size: number }
  | { op: 'reject'; pick: number };

interface Shape {
  max: number;
  ttl: number;
  /** maxSize 6 with entry sizes 1 to 3 and maxEntrySize 2: evictions by size, and values too big. */
  sized: boolean;
}

const keyArb = fc.constantFrom(...KEYS);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: keyArb.map((key) => ({ op: 'get' as const, key })) },
  { weight: 2, arbitrary: keyArb.map((key) => ({ op: 'has' as const, key })) },
  { weight: 1, arbitrary: keyArb.map((key) => ({ op: 'peek' as const, key })) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      key: keyArb,
      size: fc.integer({ min: 0, max: 2 }),
    }),
  },
  { weight: 2, arbitrary: keyArb.map((key) => ({ op: 'delete' as const, key })) },
  { weight: 4, arbitrary: keyArb.map((key) => ({ op: 'fetch' as const, key })) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('resolve' as const),
      pick: fc.nat(),
      empty: fc.integer({ min: 0, max: 9 }).map((n) => n < 3),
      size: fc.integer({ min: 0, max: 2 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reject' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 25 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'purgeStale' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'pop' as const }) },
);

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  max: fc.integer({ min: 1, max: 5 }),
  ttl: fc.oneof(fc.constant(0), fc.integer({ min: 10, max: 40 })),
  sized: fc.boolean(),
});

interface Counts {
  hits: number;
  misses: number;
  inserts: number;
  updates: number;
  deletesExplicit: number;
  deletesClear: number;
  deletesEvict: number;
  deletesExpire: number;
  loadsSuccess: number;
  loadsFailure: number;
  loadJoins: number;
}

const zero = (): Counts => ({
  hits: 0,
  misses: 0,
  inserts: 0,
  updates: 0,
  deletesExplicit: 0,
  deletesClear: 0,
  deletesEvict: 0,
  deletesExpire: 0,
  loadsSuccess: 0,
  loadsFailure: 0,
  loadJoins: 0,
});

interface Deferred {
  key: Key;
  resolve: (v: number | undefined) => void;
  reject: (e: Error) => void;
}

/** The cache's contents as lru-cache holds them: values (stale ones included) and fetch placeholders. */
interface Contents {
  entries: Map<Key, number>;
  placeholders: Set<Key>;
}

function contents(cache: LRUCache<Key, number>): Contents {
  const internals = LRUCache.unsafeExposeInternals(cache);
  const entries = new Map<Key, number>();
  const placeholders = new Set<Key>();
  for (const [key, index] of internals.keyMap) {
    const v = internals.valList[index];
    if (internals.isBackgroundFetch(v)) {
      if (v.__staleWhileFetching === undefined) placeholders.add(key);
      else entries.set(key, v.__staleWhileFetching);
    } else if (v !== undefined) entries.set(key, v);
  }
  return { entries, placeholders };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function runSequence(shape: Shape, steps: Step[]): Promise<void> {
  const registry = new MapRegistry();
  let now = 1_000; // lru-cache reads a start time of 0 as "no TTL": the clock starts later
  let serial = 0;
  const pending: Deferred[] = [];
  const cache = new LRUCache<Key, number>({
    max: shape.max,
    ...(shape.ttl > 0 ? { ttl: shape.ttl } : {}),
    ...(shape.sized ? { maxSize: 6, maxEntrySize: 2, sizeCalculation: (v: number) => (v % 3) + 1 } : {}),
    ttlResolution: 0,
    perf: { now: () => now },
    fetchMethod: (key) =>
      new Promise<number | undefined>((resolve, reject) => pending.push({ key, resolve, reject })),
  });
  const handle = watchLRUCache(cache, { name: 'model', registry, sampleSurvival: false });
  const truth = zero();
  const value = (size: number): number => ++serial * 3 + size; // unique, and `% 3` is its size class

  for (const [i, step] of steps.entries()) {
    const before = contents(cache);
    let settled: Deferred | undefined;
    let resolvedValue: number | undefined;
    switch (step.op) {
      case 'get':
        truth[cache.get(step.key) !== undefined ? 'hits' : 'misses']++;
        break;
      case 'has':
        truth[cache.has(step.key) ? 'hits' : 'misses']++;
        break;
      case 'peek':
        truth[cache.peek(step.key) !== undefined ? 'hits' : 'misses']++;
        break;
      case 'set':
        cache.set(step.key, value(step.size));
        break;
      case 'delete':
        cache.delete(step.key);
        break;
      case 'clear':
        cache.clear();
        break;
      case 'purgeStale':
        cache.purgeStale();
        break;
      case 'pop':
        cache.pop();
        break;
      case 'tick':
        now += step.ms;
        break;
      case 'fetch': {
        // What the fetch will find, read from the cache's own state before the call.
        const internals = LRUCache.unsafeExposeInternals(cache);
        const index = internals.keyMap.get(step.key);
        const inFlight = index !== undefined && internals.isBackgroundFetch(internals.valList[index]);
        const fresh = index !== undefined && !inFlight && !internals.isStale(index);
        const promise = cache.fetch(step.key);
        if (fresh) truth.hits++;
        else truth.misses++;
        if (inFlight) truth.loadJoins++;
        if (!fresh && !inFlight) {
          promise.then(
            () => truth.loadsSuccess++,
            () => truth.loadsFailure++,
          );
        } else promise.catch(() => undefined);
        break;
      }
      case 'resolve':
      case 'reject': {
        if (pending.length === 0) break;
        settled = pending.splice(step.pick % pending.length, 1)[0]!;
        if (step.op === 'reject') settled.reject(new Error('load failed'));
        else {
          resolvedValue = step.empty ? undefined : value(step.size);
          settled.resolve(resolvedValue);
        }
        break;
      }
    }
    await flush();
    const after = contents(cache);
    account(truth, step, before, after, settled, resolvedValue);

    // Evictions by pop() are published by nothing: the watch finds them when the registry reads the
    // size, which it does after reading the counters, so they show at the next collection.
    if (step.op === 'pop') registry.collect();
    const snap = registry.collect().names.find((n) => n.name === 'model')!;
    const got: Counts = zero();
    for (const k of Object.keys(got) as (keyof Counts)[]) got[k] = snap.map[k];
    const where = `step ${i} ${JSON.stringify(step)} of ${JSON.stringify(steps.slice(0, i + 1))}`;
    expect(got, where).toEqual(truth);
    expect(snap.entriesByKind.get('lru_cache'), where).toBe(cache.size);
    const deletes = got.deletesExplicit + got.deletesClear + got.deletesEvict + got.deletesExpire;
    expect(got.inserts - deletes, `${where}: inserts minus deletes`).toBe(after.entries.size);
  }
  // Settle what is left: every load ends, and the counts still match.
  for (const d of pending.splice(0)) d.reject(new Error('shutdown'));
  await flush();
  const snap = registry.collect().names.find((n) => n.name === 'model')!;
  expect(snap.map.loadsSuccess + snap.map.loadsFailure).toBe(truth.loadsSuccess + truth.loadsFailure);
  expect(handle.unwatch()).toBe(true);
}

/** The inserts, updates and deletes by cause one step made, from the cache's contents around it. */
function account(
  truth: Counts,
  step: Step,
  before: Contents,
  after: Contents,
  settled: Deferred | undefined,
  resolvedValue: number | undefined,
): void {
  const own = 'key' in step ? step.key : settled?.key;
  for (const [key] of before.entries) {
    if (after.entries.has(key)) continue;
    switch (step.op) {
      case 'delete':
        truth.deletesExplicit++;
        break;
      case 'clear':
        truth.deletesClear++;
        break;
      case 'get':
      case 'purgeStale':
        truth.deletesExpire++;
        break;
      case 'reject': // a failed refresh drops the expired value it was refreshing
        truth.deletesExpire++;
        break;
      case 'set':
      case 'resolve':
        // A value too big to store (maxEntrySize) removes the key's old one: an explicit delete.
        if (key === own) truth.deletesExplicit++;
        else truth.deletesEvict++;
        break;
      default: // fetch (its placeholder takes a slot) and pop
        truth.deletesEvict++;
    }
  }
  for (const [key, v] of after.entries) {
    if (!before.entries.has(key)) truth.inserts++;
    else if (step.op === 'set' && key === own) truth.updates++;
    else if (step.op === 'resolve' && key === own && v === resolvedValue) truth.updates++;
  }
  // A placeholder that vanished without becoming an entry: deleted, cleared, purged, replaced by a value
  // too big to store, or its fetch failed or came back empty (not entries: nothing to count), else
  // evicted, which counts as an entry that was inserted and evicted.
  for (const key of before.placeholders) {
    if (after.placeholders.has(key) || after.entries.has(key)) continue;
    const removedOnPurpose =
      step.op === 'clear' ||
      step.op === 'purgeStale' ||
      (['delete', 'set', 'reject', 'resolve'].includes(step.op) && key === own);
    if (!removedOnPurpose) {
      truth.inserts++;
      truth.deletesEvict++;
    }
  }
}

describe('watchLRUCache, model-based against lru-cache 11', () => {
  it('counts exactly what random sequences do, on caches of random shapes', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.array(stepArb, { maxLength: 60 }), (shape, steps) =>
        runSequence(shape, steps),
      ),
      { numRuns: 300 },
    );
  });

  it('counts a churn of fetches on a full cache (evicted placeholders, joins, failures)', async () => {
    const churn: Step[] = [];
    for (let i = 0; i < 40; i++) {
      churn.push({ op: 'fetch', key: KEYS[i % 5]! }, { op: 'fetch', key: KEYS[(i * 3) % 5]! });
      if (i % 3 === 0) churn.push({ op: 'resolve', pick: i, empty: i % 9 === 0, size: i % 3 });
      if (i % 7 === 0) churn.push({ op: 'reject', pick: i });
      if (i % 4 === 0) churn.push({ op: 'set', key: KEYS[(i + 1) % 5]!, size: 0 });
      if (i % 11 === 0) churn.push({ op: 'tick', ms: 15 });
    }
    await runSequence({ max: 2, ttl: 20, sized: false }, churn);
    await runSequence({ max: 5, ttl: 0, sized: true }, churn);
  });

  it('counts refreshes of expired entries that store, fail, come back empty or are deleted', async () => {
    const refresh = (key: Key, then: Step): Step[] => [
      { op: 'set', key, size: 0 },
      { op: 'tick', ms: 30 },
      { op: 'fetch', key },
      { op: 'fetch', key },
      then,
    ];
    await runSequence({ max: 3, ttl: 20, sized: false }, [
      ...refresh('a', { op: 'reject', pick: 0 }),
      ...refresh('b', { op: 'resolve', pick: 0, empty: false, size: 1 }),
      ...refresh('c', { op: 'resolve', pick: 0, empty: true, size: 0 }),
      ...refresh('d', { op: 'delete', key: 'd' }),
      ...refresh('e', { op: 'get', key: 'e' }),
      { op: 'purgeStale' },
      { op: 'resolve', pick: 0, empty: false, size: 2 },
    ]);
  });
});
