// Map lifecycle: a map made per request. Each op creates a map named 'req', sets two keys, reads them and
// drops it; a round makes 200k of them in one synchronous loop (the harsh case: no turn of the event loop
// in which FinalizationRegistry callbacks could run). Native Map against InstrumentedMap and instrument(),
// with the defaults (age-only survival sampling), time and peak heap as ratios to native Map in the same
// run, and the live bytes a map costs on top of a native one. A floor row times a native Map with nothing
// but the FinalizationRegistry registration that exact instance counts need.
// Needs --expose-gc (npm run bench passes it): every round starts from a collected heap.
import v8 from 'node:v8';
import { instrument } from '../dist/maps/instrument.js';
import { InstrumentedMap } from '../dist/maps/instrumented-map.js';
import { MapRegistry } from '../dist/registry.js';
import { TARGETS_DIE_YOUNG } from '../dist/stats/map-groups.js';
import { goal, makeLoop, median, QUICK } from './harness.js';

const MAPS = QUICK ? 20_000 : 200_000;
const ROUNDS = QUICK ? 2 : 9;
const LIVE_MAPS = QUICK ? 5_000 : 100_000;
/** Maps per round when each is made in its own turn of the event loop (setImmediate), as per request. */
const TURN_MAPS = QUICK ? 2_000 : 50_000;
/** Heap is sampled every this many maps (a few µs each time: well under 1% of a round). */
const SAMPLE_EVERY = 2048;

const turn = () => new Promise((resolve) => setImmediate(resolve));
const heapUsed = () => v8.getHeapStatistics().used_heap_size;

/** A collected heap, with FinalizationRegistry callbacks of earlier rounds run. */
async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await turn();
  }
}

const CANDIDATES = {
  'native Map': 'new Map()',
  InstrumentedMap: "new s.InstrumentedMap({ name: 'req', registry: s.registry })",
  'instrument()': "s.instrument(new Map(), { name: 'req-instrumented', registry: s.registry })",
};

/**
 * The floor of any exact instance count: a native Map that a FinalizationRegistry learns the death of,
 * through a token only the map references (as mapwatch does), with a callback that does nothing. Timed
 * beside the others so the table shows what V8 charges for one death notice per map in this run.
 */
const FLOOR = 'native Map + death notice (floor)';
const deathNotices = new FinalizationRegistry(() => {});
function withDeathNotice(map) {
  // As mapwatch chooses (stats/map-groups.ts): the map itself where V8 lets a registered target die
  // young, else a token only the map references.
  if (TARGETS_DIE_YOUNG) deathNotices.register(map, 0);
  else {
    const token = {};
    map.token = token;
    deathNotices.register(token, 0);
  }
  return map;
}

export async function run() {
  const registry = new MapRegistry();
  const state = {
    InstrumentedMap,
    instrument,
    registry,
    withDeathNotice,
    k1: 'user',
    k2: 'session',
    heap: 0,
  };
  const timed = { ...CANDIDATES, [FLOOR]: 's.withDeathNotice(new Map())' };
  // One compiled loop per candidate (see makeLoop): create, 2 sets, 2 gets, drop; every SAMPLE_EVERY
  // maps the heap is read so the round's peak is known.
  const loops = Object.fromEntries(
    Object.entries(timed).map(([name, make]) => [
      name,
      makeLoop(
        `const m = ${make}; m.set(s.k1, i); m.set(s.k2, i + 1); acc += m.get(s.k1) + m.get(s.k2);` +
          ` if ((i & ${SAMPLE_EVERY - 1}) === 0) { const h = s.heapUsed(); if (h > s.heap) s.heap = h; }`,
      ),
    ]),
  );
  state.heapUsed = heapUsed;
  const time = Object.fromEntries(Object.keys(timed).map((n) => [n, []]));
  const peak = Object.fromEntries(Object.keys(timed).map((n) => [n, []]));
  let sink = 0;
  for (let round = -1; round < ROUNDS; round++) {
    for (const name of Object.keys(timed)) {
      await settle();
      const base = heapUsed();
      state.heap = base;
      const start = process.hrtime.bigint();
      sink += loops[name](state, MAPS);
      const ns = Number(process.hrtime.bigint() - start) / MAPS;
      state.heap = Math.max(state.heap, heapUsed());
      if (round < 0) continue; // warm-up
      time[name].push(ns);
      peak[name].push(state.heap - base);
    }
  }
  globalThis.__benchSink = sink;

  const perTurn = await spreadOverTurns(registry);
  const live = await liveBytes(registry);
  const nativeNs = median(time['native Map']);
  const nativePeak = median(peak['native Map']);
  const rows = [];
  for (const name of Object.keys(timed)) {
    const ns = median(time[name]);
    rows.push({ op: 'create + 2 sets + 2 gets + drop', candidate: name, nsPerOp: ns, ratio: ns / nativeNs });
  }
  // The floor's token (before V8 13) is an own property of the Map (a property store mapwatch never does):
  // its time is a floor, its heap is not, so it has no heap row.
  for (const name of Object.keys(CANDIDATES)) {
    const bytes = median(peak[name]);
    rows.push({
      op: `peak heap over ${MAPS / 1000}k maps`,
      candidate: name,
      nsPerOp: bytes,
      shown: `${(bytes / 1e6).toFixed(1)} MB`,
      ratio: bytes / nativePeak,
    });
  }
  for (const name of Object.keys(CANDIDATES)) {
    rows.push({
      op: `one map per turn (setImmediate), ${TURN_MAPS / 1000}k maps`,
      candidate: name,
      nsPerOp: perTurn.time[name],
      ratio: perTurn.time[name] / perTurn.time['native Map'],
    });
  }
  for (const name of Object.keys(CANDIDATES)) {
    rows.push({
      op: `peak heap, one map per turn`,
      candidate: name,
      nsPerOp: perTurn.peak[name],
      shown: `${(perTurn.peak[name] / 1e6).toFixed(1)} MB`,
      ratio: perTurn.peak[name] / perTurn.peak['native Map'],
    });
  }
  for (const name of Object.keys(CANDIDATES)) {
    rows.push({
      op: `live bytes per map (${LIVE_MAPS / 1000}k kept, 2 entries)`,
      candidate: name,
      nsPerOp: live[name],
      shown: `${live[name].toFixed(0)} B`,
      ratio: live[name] / live['native Map'],
    });
  }
  const find = (op, candidate) => rows.find((r) => r.op.startsWith(op) && r.candidate === candidate);
  const time3 = find('create', 'InstrumentedMap').ratio;
  const heap3 = find('peak heap over', 'InstrumentedMap').ratio;
  const overhead = live.InstrumentedMap - live['native Map'];
  return {
    title: `Map lifecycle: a map per request (${MAPS / 1000}k maps per round, ratio to native Map in the same run)`,
    baseline: 'native Map',
    rows,
    goals: [
      goal('InstrumentedMap lifecycle time: ratio to native Map <= 3', time3, 3),
      goal('InstrumentedMap lifecycle peak heap: ratio to native Map <= 2', heap3, 2),
      { ...goal('InstrumentedMap live overhead per map <= 200 bytes', overhead, 200), unit: ' B' },
    ],
    notes: [
      `Median of ${ROUNDS} interleaved rounds; each round starts from a collected heap with earlier FinalizationRegistry callbacks run, and loops synchronously (no turn of the event loop inside a round).`,
      'Peak heap: the highest V8 used heap size, read every 2048 maps and at the end of the round, above the collected heap it started from.',
      'Live bytes: heap held per map with 2 entries while the maps are kept alive, after a full collection; the goal is InstrumentedMap minus native Map.',
      'Defaults: the registry samples entry survival (age-only, 32 entries), shared by every map of the name.',
      `Why the time ratio stays above native: each map registers with a FinalizationRegistry (the registry's only link to it): itself on V8 13 and later (Node 24; instrument() always a token, which also marks the map), a token only it references before. The floor row times that registration alone on a native Map: what mapwatch's own code adds is the distance from the floor to InstrumentedMap, and the floor is V8's price, which differs by Node line (in Node 20's V8 11.3 and Node 22's 12.4 minor GCs treat registered targets as live, so each map promotes a token and a WeakCell to the old generation until a full GC; the map and its entries still die young, which a map registered itself would not). Spread over turns of the event loop, as in a service, the cost is close to native.`,
    ],
  };
}

/**
 * The same lifecycle with one map per turn of the event loop (setImmediate), so FinalizationRegistry
 * callbacks can run between maps as in a service: median time per map (turn included) and peak heap.
 */
async function spreadOverTurns(registry) {
  const make = {
    'native Map': () => new Map(),
    InstrumentedMap: () => new InstrumentedMap({ name: 'req-turns', registry }),
    'instrument()': () => instrument(new Map(), { name: 'req-turns-instrumented', registry }),
  };
  const time = Object.fromEntries(Object.keys(make).map((n) => [n, []]));
  const peak = Object.fromEntries(Object.keys(make).map((n) => [n, []]));
  let sink = 0;
  for (let round = -1; round < (QUICK ? 1 : 5); round++) {
    for (const [name, fn] of Object.entries(make)) {
      await settle();
      const base = heapUsed();
      let high = base;
      const start = process.hrtime.bigint();
      for (let i = 0; i < TURN_MAPS; i++) {
        await turn();
        const m = fn();
        m.set('user', i);
        m.set('session', i + 1);
        sink += m.get('user') + m.get('session');
        if ((i & (SAMPLE_EVERY - 1)) === 0) high = Math.max(high, heapUsed());
      }
      const ns = Number(process.hrtime.bigint() - start) / TURN_MAPS;
      if (round < 0) continue;
      time[name].push(ns);
      peak[name].push(Math.max(high, heapUsed()) - base);
    }
  }
  globalThis.__benchSink = sink;
  const med = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, median(v)]));
  return { time: med(time), peak: med(peak) };
}

/** Heap bytes per live map (2 entries each), by candidate. */
async function liveBytes(registry) {
  const make = {
    'native Map': () => new Map(),
    InstrumentedMap: () => new InstrumentedMap({ name: 'req-live', registry }),
    'instrument()': () => instrument(new Map(), { name: 'req-live-instrumented', registry }),
  };
  const out = {};
  for (const [name, fn] of Object.entries(make)) {
    const samples = [];
    for (let r = 0; r < (QUICK ? 1 : 3); r++) {
      await settle();
      const before = heapUsed();
      const kept = new Array(LIVE_MAPS);
      for (let i = 0; i < LIVE_MAPS; i++) {
        const m = fn();
        m.set('user', i);
        m.set('session', i + 1);
        kept[i] = m;
      }
      globalThis.gc?.();
      // The array itself (8 bytes a slot) is the same for every candidate.
      samples.push((heapUsed() - before) / LIVE_MAPS);
      kept.length = 0;
    }
    out[name] = median(samples);
  }
  return out;
}
