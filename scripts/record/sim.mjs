// Simulation kernel of the fixture recorder: a seeded PRNG, traffic shapes, a per-second agenda, the
// simulated clock (@sinonjs/fake-timers) and the scrape loop that turns probe snapshots into a
// Prometheus query_range response.
//
// Time model: the process starts at EPOCH_SECONDS (simulated). A scrape is taken at t = 0 (before the
// first operation) and then every SCRAPE_SECONDS. Between scrapes the clock advances one second at a
// time: `clock.tick(1000)` fires the caches' own timers (TTL purges, check periods, map-age-cleaner),
// then the workload runs that second's operations at the new time.
import FakeTimers from '@sinonjs/fake-timers';

/** 2026-01-01T00:00:00Z, the simulated process start of every fixture. */
export const EPOCH_SECONDS = 1_767_225_600;
export const SCRAPE_SECONDS = 60;
const DAY = 86_400;

/** Timer functions the simulated clock replaces. setImmediate, nextTick and microtasks stay real. */
const FAKED = ['Date', 'performance', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'];

/** mulberry32: a small, fast, seeded PRNG returning [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Random helpers over one PRNG. */
export function randomTools(rand) {
  const exp = (mean) => -mean * Math.log(1 - rand());
  const poisson = (lambda) => {
    if (lambda <= 0) return 0;
    if (lambda > 30) {
      // Normal approximation (Box-Muller), plenty for arrival counts this large.
      const u = 1 - rand();
      const v = rand();
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
    }
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rand();
    while (p > limit && k < 1000) {
      k++;
      p *= rand();
    }
    return k;
  };
  return {
    rand,
    exp,
    poisson,
    chance: (p) => rand() < p,
    int: (n) => Math.floor(rand() * n),
    between: (lo, hi) => lo + rand() * (hi - lo),
    /** Geometric count >= 1 with the given mean. */
    geometric: (mean) => {
      let n = 1;
      while (n < 10_000 && rand() > 1 / mean) n++;
      return n;
    },
  };
}

/** Zipf(s) over ranks 0..n-1: returns a sampler of ranks (0 is the most popular). */
export function zipf(n, s, rand) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / Math.pow(k + 1, s);
    cdf[k] = sum;
  }
  for (let k = 0; k < n; k++) cdf[k] /= sum;
  return () => {
    const u = rand();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/**
 * Requests per second at simulated second t. `amplitude` 0 is flat; otherwise a 24 h sinusoid whose
 * value at t = 0 is the peak (`start: 'peak'`), the trough (`'trough'`) or the mean rising (`'mean'`).
 */
export function dailyRate(base, amplitude = 0, start = 'mean') {
  const phase = start === 'peak' ? Math.PI / 2 : start === 'trough' ? -Math.PI / 2 : 0;
  return (t) => base * (1 + amplitude * Math.sin((2 * Math.PI * t) / DAY + phase));
}

/** A per-second agenda: run callbacks at a later simulated second (deterministic, no timer cost). */
export class Agenda {
  #slots = new Map();
  at(second, fn) {
    const s = Math.max(0, Math.ceil(second));
    let list = this.#slots.get(s);
    if (list === undefined) this.#slots.set(s, (list = []));
    list.push(fn);
  }
  runDue(second) {
    const list = this.#slots.get(second);
    if (list === undefined) return;
    this.#slots.delete(second);
    for (let i = 0; i < list.length; i++) list[i]();
  }
}

/** Rounds for the wire: integers stay integers, ages to 0.1 s, ratios to 4 decimals. */
const fmtInt = (x) => String(Math.round(x));
const fmtAge = (x) => String(Math.round(x * 10) / 10);
const fmtRatio = (x) => String(Math.round(x * 10_000) / 10_000);

const SERIES = [
  // [metric name, extra labels, pick(snapshot) -> number | undefined, formatter]
  ['mapwatch_map_entries', { map_kind: 'plain' }, (s) => s.entries, fmtInt],
  ['mapwatch_map_instances', {}, (s) => s.instances, fmtInt],
  ['mapwatch_map_inserts_total', {}, (s) => s.inserts, fmtInt],
  ['mapwatch_map_deletes_total', { cause: 'explicit' }, (s) => s.deletes.explicit, fmtInt],
  ['mapwatch_map_deletes_total', { cause: 'clear' }, (s) => s.deletes.clear, fmtInt],
  ['mapwatch_map_deletes_total', { cause: 'evict' }, (s) => s.deletes.evict, fmtInt],
  ['mapwatch_map_deletes_total', { cause: 'expire' }, (s) => s.deletes.expire, fmtInt],
  ['mapwatch_map_oldest_sampled_age_seconds', {}, (s) => s.oldestAgeSeconds, fmtAge],
  ['mapwatch_map_sampled_never_read_ratio', {}, (s) => s.neverReadRatio, fmtRatio],
  ['mapwatch_map_declared_max_entries', {}, (s) => s.declaredMaxEntries, fmtInt],
  ['mapwatch_map_declared_ttl_seconds', {}, (s) => s.declaredTtlSeconds, fmtAge],
];

/** Prometheus orders a matrix by label set: label pairs in name order, compared pair by pair. */
function compareLabelSets(a, b) {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
    if (a[ka[i]] !== b[kb[i]]) return a[ka[i]] < b[kb[i]] ? -1 : 1;
  }
  return ka.length - kb.length;
}

function sortedLabels(labels) {
  const out = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k];
  return out;
}

/**
 * Records one fixture. `fixture.start(env)` builds the process state (cache, adapter, workload) and
 * returns `{ step(second) -> void | Promise, probe() -> snapshot, stop() }`; it is called again at
 * every restart. Returns the query_range response object and recording facts.
 */
export async function recordFixture(fixture, mw) {
  const totalSeconds = fixture.hours * 3600;
  const restartEvery = fixture.restartEverySeconds ?? 0;
  const realRandom = Math.random;
  const clock = FakeTimers.install({ now: EPOCH_SECONDS * 1000, toFake: FAKED, loopLimit: 100_000 });
  // Libraries and samplers that call Math.random get a seeded stream: the recording is deterministic.
  Math.random = mulberry32(fixture.seed ^ 0x5eed);
  const rand = mulberry32(fixture.seed);
  const tools = randomTools(rand);
  const agenda = new Agenda();
  const env = { tools, rand, agenda, fixture, mw, restart: 0 };
  const points = SERIES.map(() => []);
  let proc;
  const scrape = (second) => {
    const snap = proc.probe();
    const ts = EPOCH_SECONDS + second;
    for (let i = 0; i < SERIES.length; i++) {
      const v = SERIES[i][2](snap);
      if (v === undefined || !Number.isFinite(v)) continue;
      points[i].push([ts, SERIES[i][3](v)]);
    }
  };
  try {
    proc = fixture.start(env);
    scrape(0);
    for (let second = 1; second <= totalSeconds; second++) {
      clock.tick(1000);
      if (restartEvery > 0 && second % restartEvery === 0 && second < totalSeconds) {
        // A restart: the old process state is gone (its timers too); a new cache and registry start.
        proc.stop();
        clock.reset();
        clock.setSystemTime((EPOCH_SECONDS + second) * 1000);
        env.restart++;
        env.agenda = new Agenda();
        proc = fixture.start(env);
      } else {
        env.agenda.runDue(second);
        const pending = proc.step(second);
        if (pending !== undefined) await pending;
      }
      if (second % SCRAPE_SECONDS === 0) scrape(second);
    }
    proc.stop();
  } finally {
    clock.uninstall();
    Math.random = realRandom;
  }
  const common = { job: 'record', instance: fixture.family, map_name: fixture.mapName };
  const result = [];
  for (let i = 0; i < SERIES.length; i++) {
    if (points[i].length === 0) continue;
    const [name, extra] = SERIES[i];
    result.push({ metric: sortedLabels({ __name__: name, ...common, ...extra }), values: points[i] });
  }
  result.sort((a, b) => compareLabelSets(a.metric, b.metric));
  return { status: 'success', data: { resultType: 'matrix', result } };
}

/** An empty deletes-by-cause record. */
export const noDeletes = () => ({ explicit: 0, clear: 0, evict: 0, expire: 0 });

/** Survival readings of a SurvivalSampler, as the registry computes them (0 when nothing is sampled). */
export function survivalOf(sampler, nowMs) {
  const at = sampler.oldestSampledAtMs();
  const live = sampler.sampledLive();
  const neverRead = sampler.sampledNeverRead(); // undefined when the sampler does not track reads
  return {
    oldestAgeSeconds: at === undefined ? 0 : Math.max(0, (nowMs - at) / 1000),
    neverReadRatio: neverRead === undefined ? undefined : live === 0 ? 0 : neverRead / live,
  };
}

/**
 * A SurvivalSampler of 32 entries on the simulated clock that tracks reads (`{ reads: true }`; a
 * sampler without the option tracks them anyway), drawing from the seeded Math.random.
 */
export function newSampler(SurvivalSampler) {
  return new SurvivalSampler(
    32,
    () => Date.now(),
    () => Math.random(),
    { reads: true },
  );
}

/** The InstrumentedMap option for the same sampling: ages plus reads. */
export const SAMPLE_SURVIVAL = { size: 32, reads: true };

/** A probe over a MapRegistry name (for caches that take an InstrumentedMap as their store). */
export function registryProbe(registry, name, declared = {}) {
  return () => {
    const snap = registry.collect().names.find((n) => n.name === name);
    if (snap === undefined) {
      return { entries: 0, instances: 0, inserts: 0, deletes: noDeletes(), ...declared };
    }
    let entries = 0;
    for (const v of snap.entriesByKind.values()) entries += v;
    return {
      entries,
      instances: snap.instances,
      inserts: snap.map.inserts,
      deletes: {
        explicit: snap.map.deletesExplicit,
        clear: snap.map.deletesClear,
        evict: snap.map.deletesEvict,
        expire: snap.map.deletesExpire,
      },
      oldestAgeSeconds: snap.survival?.oldestAgeSeconds,
      neverReadRatio: snap.survival?.neverReadRatio,
      ...declared,
    };
  };
}
