/**
 * A registry with every metric family populated, for exporter tests. Maps of kinds other than plain are
 * stand-ins tracked directly (the exporters only read the registry), so these tests do not depend on
 * the concurrency classes.
 */
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { MapRegistry } from '../../src/registry.js';

/**
 * The registry holds its maps weakly. Tests keep only the registry, so the fixture's maps are pinned to
 * it here: they live exactly as long as the registry does, and a GC during a test cannot empty it.
 */
const pinned = new WeakMap<MapRegistry, unknown[]>();

/**
 * The fixture's clock: maps are filled (and first collected) at FIXTURE_START, and snapshots are taken
 * 90 s later.
 */
export const FIXTURE_START = 1_700_000_000_000;
export const FIXTURE_AGE_SECONDS = 90;

export interface Populated {
  registry: MapRegistry;
  /** Strong references: the registry only holds weak ones. */
  keep: unknown[];
  /** Records more contended waits (after exporters are registered, for the OTel histogram). */
  recordWaits(): void;
}

export function populatedRegistry(): Populated {
  let now = FIXTURE_START;
  const registry = new MapRegistry({ now: () => now });
  const keep: unknown[] = [];

  // Two instances under one name, with the default sampling (ages only); one declares a bound and the
  // other does not, so the name as a whole declares none.
  const users = new InstrumentedMap<string, number>({ name: 'users', registry, maxEntries: 100 });
  for (let i = 0; i < 5; i++) users.set(`u${i}`, i);
  users.set('u1', 10);
  users.get('u1');
  users.get('missing');
  users.delete('u2');
  const other = new InstrumentedMap<string, number>({ name: 'users', registry }).set('x', 1);
  keep.push(users, other);

  // Read tracking on: the only name with a never-read ratio (one of its two sampled entries was read).
  const tracked = new InstrumentedMap<string, number>({
    name: 'tracked',
    registry,
    sampleSurvival: { reads: true },
  });
  tracked.set('a', 1).set('b', 2);
  tracked.get('a');
  keep.push(tracked);

  const readMostly = { size: 3 };
  const rm = registry.trackMap(readMostly, 'config', 'read_mostly');
  rm.hits = 40;
  rm.readMisses = 4;
  rm.promotions = 2;
  rm.copiedEntries = 6;
  keep.push(readMostly);

  const loading = { size: 2 };
  const ld = registry.trackMap(loading, 'profiles', 'loading', { ttlMs: 30_000 });
  ld.loadsSuccess = 7;
  ld.loadsFailure = 1;
  ld.loadJoins = 12;
  ld.loadSeconds = 0.25;
  ld.deletesExpire = 3;
  keep.push(loading);

  const sharded = { size: 9, shardImbalance: () => 1.5 };
  registry.trackMap(sharded, 'sessions', 'sharded', { maxEntries: 5000, ttlMs: 600_000 });
  keep.push(sharded);

  const locked = { size: 1 };
  registry.trackMap(locked, 'inventory', 'locked');
  const lockObj = {};
  const lock = registry.trackLock(lockObj, 'inventory');
  lock.recordAcquire('read', false, 0);
  lock.recordAcquire('write', true, 0.002);
  lock.recordHold('write', 0.01);
  lock.recordAbandoned('write', 0.5);
  lock.waiters = 2;
  keep.push(locked, lockObj);

  registry.setLeakVerdict('users', { state: 'leak', suspect: true, growthPerSecond: 0.5, reason: 'test' });
  registry.setLeakVerdict('sessions', { state: 'growing', suspect: false, growthPerSecond: 0.1 });
  registry.setLeakVerdict('config', { state: 'ok', suspect: false, growthPerSecond: 0 });
  registry.setLeakVerdict('profiles', { state: 'collecting', suspect: false, growthPerSecond: 0 });
  pinned.set(registry, keep);
  // Survival ages count from the first collection after an insertion: take it now, then let 90 s pass.
  registry.collect();
  now += FIXTURE_AGE_SECONDS * 1000;

  return {
    registry,
    keep,
    recordWaits() {
      lock.recordAcquire('write', true, 0.03);
      lock.recordAcquire('read', true, 0.0002);
      lock.recordAcquire('read', true, 7);
    },
  };
}
