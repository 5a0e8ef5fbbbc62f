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

export interface Populated {
  registry: MapRegistry;
  /** Strong references: the registry only holds weak ones. */
  keep: unknown[];
  /** Records more contended waits (after exporters are registered, for the OTel histogram). */
  recordWaits(): void;
}

export function populatedRegistry(): Populated {
  const registry = new MapRegistry();
  const keep: unknown[] = [];

  const users = new InstrumentedMap<string, number>({ name: 'users', registry });
  for (let i = 0; i < 5; i++) users.set(`u${i}`, i);
  users.set('u1', 10);
  users.get('u1');
  users.get('missing');
  users.delete('u2');
  const other = new InstrumentedMap<string, number>({ name: 'users', registry }).set('x', 1);
  keep.push(users, other);

  const readMostly = { size: 3 };
  const rm = registry.trackMap(readMostly, 'config', 'read_mostly');
  rm.hits = 40;
  rm.readMisses = 4;
  rm.promotions = 2;
  rm.copiedEntries = 6;
  keep.push(readMostly);

  const loading = { size: 2 };
  const ld = registry.trackMap(loading, 'profiles', 'loading');
  ld.loadsSuccess = 7;
  ld.loadsFailure = 1;
  ld.loadJoins = 12;
  ld.loadSeconds = 0.25;
  ld.deletesExpire = 3;
  keep.push(loading);

  const sharded = { size: 9, shardImbalance: () => 1.5 };
  registry.trackMap(sharded, 'sessions', 'sharded');
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
  pinned.set(registry, keep);

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
