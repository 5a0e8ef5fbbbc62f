/**
 * instrument()'s hooks for a map whose own get/has/set/delete/clear are not all the native ones: a Map
 * subclass (or a map given own methods before it was instrumented). Such methods may do more than they
 * are asked, and may call the map's other methods, which are the instrumented hooks:
 *
 * - `class LRU extends Map` evicts its oldest entry inside `set`, through `this.delete` (counted by that
 *   hook) or `super.delete` (seen by no hook);
 * - an LRU's `set` of a present key often does `if (this.has(k)) this.delete(k)` and then `super.set`;
 * - a subclass may store keys in another form (lower-cased), take extra arguments (`set(k, v, ttlMs)`),
 *   create entries in `get` (a default map) or drop expired ones there.
 *
 * So each hook forwards every argument, and accounts for a call by what it did to the map, read from
 * the map's internal slot (native `has` and `size`, never user code):
 *
 * - Calls the subclass makes on the map while one of its methods runs (nested calls, at any depth) count
 *   themselves. The call around them then counts only what they left unexplained: for its key, a lookup
 *   if none of them looked it up, and a change of presence since the last of them met it (a set that
 *   deleted its key through `this.delete` and stored it again counts the delete and an insert, never an
 *   update on top); for the size, what they did not change.
 * - When the key is in the map in neither its given form nor after the call, the change in size tells
 *   what happened (a subclass that stores keys in another form); such keys are counted, not sampled, and
 *   a set of one that also evicts another leaves the size as it was, so it counts as an update.
 * - Entries that came or went besides all that (an eviction through `super.delete`, a lazy expiry in
 *   `get`) count as inserts or as evictions; after an eviction, or a delete under another form of the
 *   key, the survival sampler rechecks a few of the map's sampled keys, so a removed one does not stay
 *   in the sample and look old.
 * - After every call the live entry count is the map's real size.
 *
 * This costs four internal-slot reads per call on top of the subclass's own work; maps whose methods are
 * all native keep instrument.ts's cheap hooks.
 */
import type { MapCounting } from '../stats/map-counting.js';
import { SLOT_INDEX_MASK } from '../stats/map-counting.js';

type AnyMap = Map<unknown, unknown>;
export type Method = (this: AnyMap, ...args: unknown[]) => unknown;
export type HookName = 'get' | 'has' | 'set' | 'delete' | 'clear';

const nativeSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size')!.get as (this: AnyMap) => number;
const nativeHas = Map.prototype.has;

/** Sampled keys of the map rechecked after each call that removed entries no hook saw. */
const RECHECK_BUDGET = 8;

/** The real entry count of a genuine Map, or undefined for anything else. */
export function realSize(map: unknown): number | undefined {
  try {
    return nativeSize.call(map as AnyMap);
  } catch {
    return undefined;
  }
}

/** Whether a genuine Map holds `key`, read from its internal slot (never user code); false otherwise. */
export function realHas(map: unknown, key: unknown): boolean {
  try {
    return nativeHas.call(map as AnyMap, key);
  } catch {
    return false;
  }
}

/** SameValueZero, as a Map (and lru-cache, which keys a Map) compares keys. */
export function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

/** What a map's hooks need to count: the group's counting object, the map's slot and its count chunk. */
export interface HookContext {
  readonly counting: MapCounting;
  readonly counts: Int32Array;
  readonly slot: number;
  /** Whether `map` is the instrumented map (hooks called on another object pass through uncounted). */
  readonly isOwnMap: (map: AnyMap) => boolean;
}

/** A call in progress on the map, and what the calls nested in it did meanwhile. */
interface Call {
  readonly parent: Call | undefined;
  readonly key: unknown;
  /** A nested get or has of the same key counted a hit or a miss. */
  lookedUp: boolean;
  /**
   * Nested calls met the key: they set, deleted or cleared it, or its presence changed during one of
   * them (a `super.delete` of it in a nested get), and counted that.
   */
  touched: boolean;
  /** Whether the key was in the map after the last nested call that met it. */
  keyPresent: boolean;
  /** The last nested call that met the key was a set that stored it (so the store is counted). */
  storedByNested: boolean;
  /** Entries the nested calls counted as added, minus those they counted as removed. */
  nestedDelta: number;
}

/** The five hooks for a map with methods of its own (see the module comment). */
export function subclassHooks(
  originals: Readonly<Record<HookName, Method>>,
  context: HookContext,
): Record<HookName, Method> {
  const { counting, counts, slot, isOwnMap } = context;
  const index = slot & SLOT_INDEX_MASK;
  /** The innermost call in progress on the map, if any. */
  let current: Call | undefined;
  /** An entry left under a key the hooks cannot name (see countCall): the sample needs a recheck. */
  let unknownRemoval = false;

  /**
   * Counts one call's effect on its key. Returns how many entries that count says were added (+1),
   * removed (-1 or -n for a clear) or neither (0), for the reconciliation with the real size.
   */
  const countCall = (
    hook: HookName,
    key: unknown,
    result: unknown,
    had: boolean,
    has: boolean,
    grew: number,
  ): number => {
    switch (hook) {
      case 'get':
        // Present before: a hit unless it is gone (an expired entry dropped by the get). Not present in
        // this form: a hit when the subclass found it in another (it returned a value) and did not
        // create it now (a default map).
        if (had ? result !== undefined || has : !has && result !== undefined) counting.hit(key, slot);
        else counting.miss();
        return 0;
      case 'has':
        if (result === true) counting.hit(key, slot);
        else counting.miss();
        return 0;
      case 'set':
        if (has && !had) {
          counting.inserted(key, counts, slot);
          return 1;
        }
        if (!has && !had && grew > 0) {
          counting.insertedUnseen(1);
          return 1;
        }
        counting.updated();
        return 0;
      case 'delete':
        if (had && !has) {
          counting.removed(key, counts, slot);
          return -1;
        }
        if (!had && !has && grew < 0) {
          // Its key in another form may be sampled: the outermost call rechecks the sample.
          counting.removedUnsampled();
          unknownRemoval = true;
          return -1;
        }
        return 0;
      case 'clear': {
        const removed = Math.max(0, -grew);
        counting.cleared(removed, 0, counts, slot);
        return -removed;
      }
    }
  };

  /**
   * Counts a call, leaving out what its nested calls already counted for its key: a lookup counted by a
   * nested get or has, and for a set or delete that nested calls met the key of, only the change of
   * presence since the last of them (a delete through `this.delete` and a `super.set` after it: the
   * delete was counted, the set is an insert).
   */
  const countOwn = (
    hook: HookName,
    call: Call,
    result: unknown,
    had: boolean,
    has: boolean,
    grew: number,
  ): number => {
    const key = call.key;
    if (hook === 'get' || hook === 'has')
      return call.lookedUp ? 0 : countCall(hook, key, result, had, has, grew);
    if (hook === 'clear' || !call.touched) return countCall(hook, key, result, had, has, grew);
    if (hook === 'set') {
      if (call.storedByNested || !has) return 0;
      if (call.keyPresent) {
        counting.updated();
        return 0;
      }
      counting.inserted(key, counts, slot);
      return 1;
    }
    if (call.keyPresent && !has) {
      counting.removed(key, counts, slot);
      return -1;
    }
    return 0;
  };

  const run = (hook: HookName, map: AnyMap, args: IArguments): unknown => {
    const original = originals[hook];
    if (!isOwnMap(map)) return Reflect.apply(original, map, args) as unknown;
    const key: unknown = args[0];
    const had = realHas(map, key);
    const before = realSize(map) ?? 0;
    const parent = current;
    // For each enclosing call, whether its key is there now: what this call then changes of it, it counts.
    const enclosingPresent = parent === undefined ? undefined : presenceOf(parent, map);
    const call: Call = {
      parent,
      key,
      lookedUp: false,
      touched: false,
      keyPresent: false,
      storedByNested: false,
      nestedDelta: 0,
    };
    current = call;
    let result: unknown;
    let completed = false;
    try {
      result = Reflect.apply(original, map, args) as unknown;
      completed = true;
    } finally {
      current = parent;
      const has = realHas(map, key);
      const after = realSize(map) ?? before;
      // What this call did beyond its nested calls, which counted theirs.
      const own = after - before - call.nestedDelta;
      const delta = completed ? countOwn(hook, call, result, had, has, own) : 0;
      const unseen = own - delta;
      if (unseen > 0) counting.insertedUnseen(unseen);
      else if (unseen < 0) counting.evictedUnseen(-unseen);
      if (unseen < 0 || unknownRemoval) {
        unknownRemoval = false;
        counting.sampler?.recheckOwner(slot, (k) => realHas(map, k), RECHECK_BUDGET);
      }
      counts[index] = after;
      if (parent !== undefined) {
        tellEnclosing(parent, map, hook, key, completed, after - before, enclosingPresent!);
      }
    }
    return result;
  };

  /**
   * A nested call ended: every enclosing call learns the change in size it made (all counted, by it or
   * by its own nested calls); those with the same key that it looked the key up; and each whether it met
   * its key (set, delete or clear of it, or a change of its presence however made) and what it left.
   */
  const tellEnclosing = (
    parent: Call,
    map: AnyMap,
    hook: HookName,
    key: unknown,
    completed: boolean,
    change: number,
    presentBefore: readonly boolean[],
  ): void => {
    parent.nestedDelta += change;
    let i = 0;
    for (let c: Call | undefined = parent; c !== undefined; c = c.parent, i++) {
      const same = sameKey(key, c.key);
      if (same && (hook === 'get' || hook === 'has')) c.lookedUp ||= completed;
      const present = realHas(map, c.key);
      const met =
        present !== presentBefore[i] || hook === 'clear' || (same && (hook === 'set' || hook === 'delete'));
      if (!met) continue;
      c.keyPresent = present;
      c.touched = true;
      c.storedByNested = same && hook === 'set' && completed && present;
    }
  };

  /** Whether each call from `call` outwards has its key in the map now. */
  const presenceOf = (call: Call, map: AnyMap): boolean[] => {
    const present: boolean[] = [];
    for (let c: Call | undefined = call; c !== undefined; c = c.parent) present.push(realHas(map, c.key));
    return present;
  };

  return {
    get(this: AnyMap) {
      // eslint-disable-next-line prefer-rest-params -- forwards every argument, as the original got them
      return run('get', this, arguments);
    },
    has(this: AnyMap) {
      // eslint-disable-next-line prefer-rest-params
      return run('has', this, arguments);
    },
    set(this: AnyMap) {
      // eslint-disable-next-line prefer-rest-params
      return run('set', this, arguments);
    },
    delete(this: AnyMap) {
      // eslint-disable-next-line prefer-rest-params
      return run('delete', this, arguments);
    },
    clear(this: AnyMap) {
      // eslint-disable-next-line prefer-rest-params
      return run('clear', this, arguments);
    },
  };
}
