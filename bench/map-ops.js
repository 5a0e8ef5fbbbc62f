// The Map operations both map sections measure (bench/maps.js, bench/survival.js): get hit, get miss,
// insert, update and delete, each candidate with its own compiled loop, ratios to native Map.
import { compareSync, makeLoop, median, QUICK, withRatios } from './harness.js';

const HOT = 1024; // keys in the working set of lookups and updates (a power of two: `i & (HOT - 1)`)

/** The get/set operations whose median ratio the goals are about. */
export const GET_SET_OPS = ['get-hit', 'get-miss', 'set-insert', 'set-update'];

/**
 * A second native Map, measured like any candidate: its ratio to the baseline (ideally 1.00) is the noise
 * floor of the run. On a shared machine a round of a few ms is often preempted, and two identical
 * candidates were seen 1.3-3.7x apart in one run: a ratio within the control's distance of 1 means nothing.
 */
export const CONTROL = 'native Map (control)';

/**
 * Measures every op for every candidate. `makers` maps a candidate name to a factory of a fresh Map-like;
 * 'native Map' must be among them (the baseline). A control (CONTROL) is added after the baseline.
 */
export function measureMapOps(makers) {
  const { 'native Map': native, ...others } = makers;
  makers = { 'native Map': native, [CONTROL]: () => new Map(), ...others };
  const ops = QUICK ? 2_000 : 200_000;
  // Inserts and deletes go into fresh maps of this size each round: large enough to leave the small-table
  // regime, small enough that the collector does not run in the middle of one candidate's round and not
  // another's (with 200k fresh keys a round measured the GC more than the map).
  const freshOps = QUICK ? 2_000 : 16_384;
  const keys = Array.from({ length: ops }, (_, i) => `key:${i}`);
  const missKeys = Array.from({ length: HOT }, (_, i) => `absent:${i}`);
  const filled = (make, n) => {
    const t = make();
    for (let i = 0; i < n; i++) t.set(keys[i], i);
    return t;
  };

  // Each op: how to prepare a round's state, and the loop body (compiled anew per candidate). The hot keys
  // are the first inserted, so they are the sampled ones: with read tracking on, hits take the sampler's
  // lookup as in a service, and with sampling on, deletes of fresh maps free and refill sampled slots.
  const opDefs = {
    'get-hit': {
      state: (make) => ({ t: filled(make, HOT), keys }),
      body: `if (s.t.get(s.keys[i & ${HOT - 1}]) !== undefined) acc++;`,
      reuse: true,
    },
    'get-miss': {
      state: (make) => ({ t: filled(make, HOT), keys: missKeys }),
      body: `if (s.t.get(s.keys[i & ${HOT - 1}]) === undefined) acc++;`,
      reuse: true,
    },
    'set-insert': { state: (make) => ({ t: make(), keys }), body: 's.t.set(s.keys[i], i);', ops: freshOps },
    'set-update': {
      state: (make) => ({ t: filled(make, HOT), keys }),
      body: `s.t.set(s.keys[i & ${HOT - 1}], i);`,
      reuse: true,
    },
    delete: {
      state: (make) => ({ t: filled(make, freshOps), keys }),
      body: 'if (s.t.delete(s.keys[i])) acc++;',
      ops: freshOps,
    },
    // A cache at capacity: each op deletes the oldest of ${HOT} keys and inserts a new one (FIFO), so
    // sampled keys keep leaving and their slots keep being refilled. Not a goal; shown for its cost.
    'churn (delete+insert)': {
      state: (make) => ({ t: filled(make, HOT), keys }),
      body: `if (s.t.delete(s.keys[i])) acc++; s.t.set(s.keys[i + ${HOT}], i);`,
      ops: freshOps,
    },
  };

  const rows = [];
  for (const [op, def] of Object.entries(opDefs)) {
    const candidates = Object.entries(makers).map(([name, make]) => {
      let cached;
      return {
        name,
        prepare: () => (def.reuse ? (cached ??= def.state(make)) : def.state(make)),
        loop: makeLoop(def.body),
      };
    });
    rows.push(...withRatios(op, compareSync(candidates, { ops: def.ops ?? ops }), 'native Map'));
  }
  return rows;
}

/** Median ratio of `candidate` over the get/set ops. */
export function medianGetSetRatio(rows, candidate) {
  return median(
    rows.filter((r) => r.candidate === candidate && GET_SET_OPS.includes(r.op)).map((r) => r.ratio),
  );
}

/** The operation families the per-operation goals are about, and the measured ops each one covers. */
export const OP_FAMILIES = {
  get: ['get-hit', 'get-miss'],
  set: ['set-insert', 'set-update'],
  delete: ['delete'],
};

/** Mean ratio of `candidate` over the ops of one family (`get`: hit and miss, `set`: insert and update). */
export function familyRatio(rows, candidate, family) {
  const ratios = rows
    .filter((r) => r.candidate === candidate && OP_FAMILIES[family].includes(r.op))
    .map((r) => r.ratio);
  if (ratios.length !== OP_FAMILIES[family].length)
    throw new Error(`missing ${family} rows for ${candidate}`);
  return ratios.reduce((a, b) => a + b, 0) / ratios.length;
}
