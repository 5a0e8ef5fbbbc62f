/**
 * A section call given something that is not a function (withRead, withWrite, LockedMap's read, write
 * and update, ShardedMap's update) is refused at once, naming the call, even while the lock is held:
 * before, it queued, waited for the hold, then failed inside it with a TypeError naming nothing.
 */
import { describe, expect, it } from 'vitest';
import { LockedMap } from '../../src/maps/locked-map.js';
import { ShardedMap } from '../../src/maps/sharded-map.js';
import { MapRegistry } from '../../src/registry.js';
import { RWLock } from '../../src/sync/rwlock.js';

/** What `p` settled to before any timer could run: its error, its value, or 'pending'. */
async function settledNow(p: Promise<unknown>): Promise<unknown> {
  const pending = new Promise((resolve) => setTimeout(() => resolve('pending'), 0));
  return Promise.race([
    p.then(
      (v) => v,
      (e: unknown) => e,
    ),
    pending,
  ]);
}

describe('a section call without a function', () => {
  it('RWLock.withRead and withWrite reject at once while a writer holds the lock', async () => {
    const lock = new RWLock();
    const release = await lock.acquireWrite();
    for (const [call, run] of [
      ['RWLock.withRead(fn)', (fn: unknown) => lock.withRead(fn as never)],
      ['RWLock.withWrite(fn)', (fn: unknown) => lock.withWrite(fn as never)],
    ] as const) {
      for (const [fn, kind] of [
        [undefined, 'undefined'],
        [null, 'null'],
        [42, 'number'],
      ] as const) {
        const error = await settledNow(run(fn));
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toBe(`mapwatch: ${call} needs a function, got ${kind}`);
      }
    }
    // Nothing was queued behind the writer.
    release();
    expect(await lock.withRead(() => 'free')).toBe('free');
  });

  it("LockedMap's read, write and update, and ShardedMap's update, name themselves", async () => {
    const registry = new MapRegistry();
    const locked = new LockedMap<string, number>({ name: 'locked', registry });
    const sharded = new ShardedMap<string, number>({ name: 'sharded', registry });
    const cases: [string, () => Promise<unknown>][] = [
      ['LockedMap.read(fn)', () => locked.read('x' as never)],
      ['LockedMap.write(fn)', () => locked.write({} as never)],
      ['LockedMap.update(key, fn)', () => locked.update('k', 1 as never)],
      ['ShardedMap.update(key, fn)', () => sharded.update('k', undefined as never)],
    ];
    // Called while both maps are held for writing: a call that queued would still be pending.
    await locked.write(() =>
      sharded.update('k', async () => {
        for (const [call, run] of cases) {
          const error = await settledNow(run());
          expect(error, call).toBeInstanceOf(TypeError);
          expect((error as Error).message).toMatch(
            new RegExp(`^mapwatch: ${call.replace(/[().]/g, '\\$&')} needs a function, got `),
          );
        }
        return 1;
      }),
    );
    expect(await locked.get('k')).toBeUndefined();
    expect(await sharded.get('k')).toBe(1);
  });
});
