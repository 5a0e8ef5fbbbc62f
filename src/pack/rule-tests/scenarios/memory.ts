/**
 * The symptom side of a leak in the promtool tests: the model of MapwatchProcessMemoryNearLimit and
 * MapwatchProcessRestartedNearLimit, their fire scenarios with a control per guard, and the out-of-memory
 * cycle (oom-cycle.yml): a map that grows from 0 past its ceiling until the process is killed for memory,
 * ten times over four days, which must page in its first cycle and in every cycle after.
 */
import { LABELS, METRICS } from '../../../conventions.js';
import { type AlertKey, type PackConfig } from '../../config.js';
import { parseDuration, promDuration } from '../../duration.js';
import { type Sample, type Sim } from '../promsim.js';
import {
  Builder,
  MAP,
  entriesAt,
  holds,
  keptAge,
  netInsertsOver,
  phases,
  steps,
  stepsOf,
  sumOf,
  type Cond,
  type Scenario,
} from './builder.js';
import { ceilingFor, memoryShareAt } from './live.js';

export const MEMORY_KEYS: readonly AlertKey[] = ['memoryNearLimit', 'restartNearLimit'];

/** The limit of the synthetic processes: the configured fixed limit, or this value in the limit series. */
const limitOf = (c: PackConfig) => (c.memory.limitSeries ? 2_000_000_000 : c.memory.limitBytes);

/** A process start time (seconds since the epoch) at step i of a test: 2023-11-14 plus the test's clock. */
const START = 1_700_000_000;

/**
 * The process series of the target of generation `gen`: memory in use as a share of the limit, the limit
 * (when it is a series) and the start time, a step number (the process restarts when it changes).
 */
export function processSeries(
  c: PackConfig,
  b: Builder,
  gen: string | undefined,
  share: (i: number) => number,
  startedAt: (i: number) => number = () => 0,
): void {
  const step = parseDuration(c.evaluationInterval);
  const limit = limitOf(c);
  b.add(c.memory.usageSeries, {}, (i) => Math.round(share(i) * limit), 'target', MAP, gen);
  if (c.memory.limitSeries) b.add(c.memory.limitSeries, {}, () => limit, 'target', MAP, gen);
  b.add(c.memory.startTimeSeries, {}, (i) => START + startedAt(i) * step, 'target', MAP, gen);
}

/** The conditions of the memory alerts for one map of a scenario, in rule order. */
export function memoryConditions(
  c: PackConfig,
  sim: Sim,
  key: AlertKey,
  b: Builder,
  e: string,
  gen?: string,
): Cond[] {
  const ent = entriesAt(sim, b, e, gen);
  const net = netInsertsOver(sim, b, e, gen);
  const onMap =
    (perTarget: (i: number) => number | undefined): Cond =>
    (i) =>
      ent(i) === undefined ? undefined : perTarget(i);
  if (key === 'memoryNearLimit') {
    const W = steps(c, c.memory.window);
    return [
      onMap((i) => holds(memoryShareAt(c, sim, b, gen, i), (v) => v >= c.memory.ratio)),
      (i) => {
        const n = ent(i);
        if (n === undefined) return undefined;
        const min = Math.max(c.memory.minNetShare * n, c.memory.minNetInserts);
        return holds(net(i, W), (v) => v >= min);
      },
    ];
  }
  const R = steps(c, c.memory.restartWindow);
  const starts = b.targetSeries(c.memory.startTimeSeries, gen);
  const usage = b.targetSeries(c.memory.usageSeries, gen);
  const limits = b.targetSeries(c.memory.limitSeries, gen);
  const entries = b.all(METRICS.entries.name, {}, e, gen);
  const max = (xs: Array<number | undefined>) => {
    const d = xs.filter((x): x is number => x !== undefined);
    return d.length ? Math.max(...d) : undefined;
  };
  return [
    onMap((i) => holds(sumOf(starts.map((x) => sim.changes(x, i, R))), (v) => v >= 1)),
    (i) => {
      const peak = max(usage.map((x) => sim.maxOver(x, i, R)));
      const limit = c.memory.limitSeries ? max(limits.map((x) => sim.instant(x, i))) : c.memory.limitBytes;
      return peak === undefined || limit === undefined
        ? undefined
        : holds(peak / limit, (v) => v >= c.memory.ratio);
    },
    (i) => {
      const [n, grown, top] = [ent(i), net(i, R), sumOf(entries.map((x) => sim.maxOver(x, i, R)))];
      if (n === undefined || grown === undefined || top === undefined) return undefined;
      const min = Math.max(c.memory.minNetShare * top, c.memory.minNetInserts);
      return holds(grown - n, (v) => v >= min);
    },
  ];
}

/**
 * A map under churn whose entries follow `level`, its counters restarting from 0 at every step where
 * `life(i)` is 0 (a new process): inserts = churn + growth since the start, deletes = churn.
 */
function mapSeries(
  b: Builder,
  entity: string,
  gen: string | undefined,
  level: (i: number) => number,
  life: (i: number) => number,
  churn: number,
  cause = 'evict',
): void {
  b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, level, 'map', entity, gen);
  b.add(METRICS.inserts.name, {}, (i) => churn * life(i) + level(i), 'map', entity, gen);
  b.add(METRICS.deletes.name, { [LABELS.cause]: cause }, (i) => churn * life(i), 'map', entity, gen);
}

export function memoryScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const W = steps(c, c.memory.window);
  const R = steps(c, c.memory.restartWindow);
  const slope = 2 * Math.ceil(c.memory.minNetInserts / Math.min(W, R)) + 1;
  const churn = 10 * slope;
  const high = (1 + c.memory.ratio) / 2;
  const low = c.memory.ratio / 2;
  if (key === 'memoryNearLimit') {
    const p = phases(c, key, W);
    const b = new Builder(c, p.length);
    const leak = (i: number) => 1001 + slope * i;
    // Near the limit while the fault lasts, then back (a fix rolled out, a cache dropped).
    processSeries(c, b, undefined, (i) => (i >= p.start && i < p.stop ? high : low));
    mapSeries(b, MAP, undefined, leak, (i) => i, churn);
    // The same leak on a process far from its limit; a steady map on the process near it.
    processSeries(c, b, 'low', () => low);
    mapSeries(b, MAP, 'low', leak, (i) => i, churn);
    mapSeries(
      b,
      'ctl-steady',
      undefined,
      () => 5003,
      (i) => i,
      churn,
    );
    return [
      {
        title: 'a process near its memory limit while one of its maps grows, then back under it',
        builder: b,
        controls: [
          { entity: MAP, gen: 'low', key, skip: 0, what: 'the same growth on a process far from its limit' },
          { entity: 'ctl-steady', key, skip: 1, what: 'a steady map of the process near its limit' },
        ],
      },
    ];
  }
  // restartNearLimit: the process is killed at step T after its memory rose with the map, and starts over.
  const T = R + Math.max(4, Math.ceil(R / 2));
  const length = T + 2 * R + stepsOf(c, key, 'keepFiringFor') + 8;
  const b = new Builder(c, length);
  const life = (i: number) => (i < T ? i : i - T);
  const leak = (i: number) => 1 + slope * life(i);
  const rising = (i: number) => (i < T ? low + ((high - low) * i) / (T - 1) : low);
  processSeries(c, b, undefined, rising, (i) => (i < T ? 0 : T));
  mapSeries(b, MAP, undefined, leak, life, churn);
  // A cache on the same process: steady before the restart, refilled after it (its growth is its refill).
  const L = 20 * slope;
  mapSeries(b, 'ctl-cache', undefined, (i) => (i < T ? L : Math.min(L, 5 * slope * (i - T))), life, churn);
  // The same growth on a process that restarted far from its limit (a deploy, a crash).
  processSeries(
    c,
    b,
    'deploy',
    () => low,
    (i) => (i < T ? 0 : T),
  );
  mapSeries(b, MAP, 'deploy', leak, life, churn);
  // No restart: the map object was replaced (its entries collected without deletes) and memory fell back.
  processSeries(c, b, 'replaced', rising);
  b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, leak, 'map', MAP, 'replaced');
  b.add(METRICS.inserts.name, {}, (i) => churn * i + slope * i, 'map', MAP, 'replaced');
  b.add(METRICS.deletes.name, { [LABELS.cause]: 'evict' }, (i) => churn * i, 'map', MAP, 'replaced');
  return [
    {
      title: 'a process killed after its memory rose with a growing map, and started over',
      builder: b,
      controls: [
        { entity: MAP, gen: 'replaced', key, skip: 0, what: 'memory fell back without a restart' },
        { entity: MAP, gen: 'deploy', key, skip: 1, what: 'a restart far from the memory limit' },
        { entity: 'ctl-cache', key, skip: 2, what: 'a cache of the process that only refilled' },
      ],
    },
  ];
}

/**
 * The out-of-memory cycle (durations of the default windows, scaled by `memory.restartWindow`): a map grows
 * from 0 to 117% of its ceiling in 10 h with the process memory, the process is killed at its memory limit
 * and starts again with counters from 0, ten times over four days. A steady cache of the same process
 * refills after every restart and must page nobody.
 */
export function oomCycleScenario(c: PackConfig): Scenario {
  const step = parseDuration(c.evaluationInterval);
  const scale = parseDuration(c.memory.restartWindow) / 3600;
  const cycle = Math.max(4, Math.round((10 * 3600 * scale) / step));
  const cycles = 10;
  const b = new Builder(c, cycles * cycle);
  const top = Math.round(1.17 * ceilingFor(c, MAP));
  const perStep = Math.ceil(top / cycle);
  const life = (i: number) => i % cycle;
  const level = (i: number) => perStep * life(i);
  const churn = Math.ceil(perStep / 10);
  // Memory: 30% of the limit for the runtime, the rest in proportion to the map; killed at the limit.
  processSeries(
    c,
    b,
    undefined,
    (i) => 0.3 + (0.7 * (life(i) + 1)) / cycle,
    (i) => i - life(i),
  );
  mapSeries(b, MAP, undefined, level, life, churn, 'explicit');
  b.add(METRICS.oldestSampledAge.name, {}, (i): Sample => keptAge(step)(life(i)));
  // A cache of the same process, warm when the test starts (taken over from earlier history), refilled
  // within minutes after every restart.
  const L = 503;
  const refill = Math.max(1, Math.ceil(L / Math.max(1, Math.floor(cycle / 40))));
  mapSeries(b, 'ctl-cache', undefined, (i) => (i < cycle ? L : Math.min(L, refill * life(i))), life, 400);
  return {
    title:
      `(oom) a map growing from 0 to ${top} entries (past its ceiling) in ${promDuration(cycle * step)}, ` +
      `killed at the memory limit and restarted, ${cycles} times`,
    builder: b,
    controls: [],
    silent: [{ entity: 'ctl-cache' }],
  };
}
