/**
 * Config -> promtool unit tests (alerts/tests/*.yml). Tests are generated, not hand-written, so that the
 * `for`, `keep_firing_for` and thresholds they check come from the same config as the rules.
 *
 * Every alert expression is modelled (promsim.ts) as a list of conditions joined by `and` / `unless`; the
 * first one carries the value. For every alert a scenario builds synthetic series (one map exported by
 * prom-client, the same map on another instance exported through OTel with its otel_scope_* labels, both
 * with the configured groupBy labels), the model predicts step by step whether the expression returns a
 * value, and a small copy of the Prometheus alert state machine turns that into the steps where the alert
 * must not yet fire, must fire, must keep firing and must stop.
 *
 * Control series pin every guard: next to the faulty map each scenario carries maps (or targets) that
 * satisfy every condition but one, and the test expects no alert for them. The generator checks with the
 * model that each control would fire at one of the tested steps if its missing condition were deleted
 * from the rule (`ruleTestCoverage`), so deleting any guard makes promtool fail. Silent scenarios (warm-up
 * then plateau, TTL sawtooth, periodic clear, a daily cycle near the ceiling, a 24h-TTL refill after a
 * restart, a membership set) assert that no alert fires at all.
 *
 * The series builder and its helpers live in scenarios/builder.ts; the memory alerts and the out-of-memory
 * cycle (oom-cycle.yml) in scenarios/memory.ts, the exporter-health alerts in scenarios/exporter.ts, the
 * info inhibitor's test in scenarios/inhibitor.ts, and the model of the live values of descriptions (the
 * `query` templates) in scenarios/live.ts.
 */
import { LABELS, LOCK_WAIT_BUCKETS, METRICS } from '../conventions.js';
import {
  ALERT_DEFS,
  ALWAYS_EXPORTED,
  INFO_INHIBITOR,
  alertDef,
  buildRule,
  freshAgeThreshold,
  yesterdaysJobPeak,
  type AlertDef,
} from './alerts.js';
import { ALERT_KEYS, leftOpenRanges, type AlertKey, type PackConfig } from './config.js';
import { formatDuration, parseDuration } from './duration.js';
import { histogramSeries } from './promql.js';
import {
  Sim,
  histogramQuantile,
  renderTemplate,
  type LiveResolver,
  type Sample,
  type SimSeries,
} from './promsim.js';
import {
  Builder,
  GROUP_VALUE,
  JOB,
  MAP,
  SOURCES,
  counter,
  entriesSeries,
  holds,
  instanceOf,
  keptAge,
  leakSeries,
  netInsertsOver,
  noiseAt,
  phases,
  round,
  steps,
  stepsOf,
  sumOf,
  unless,
  type Cond,
  type Control,
  type Scenario,
} from './scenarios/builder.js';
import { PROMETHEUS_SERIES } from './series.js';
import { exporterConditions, exporterScenarios } from './scenarios/exporter.js';
import { infoInhibitorTest } from './scenarios/inhibitor.js';
import { ceilingFor, liveResolver } from './scenarios/live.js';
import {
  MEMORY_KEYS,
  memoryConditions,
  memoryScenarios,
  oomCycleScenario,
  processSeries,
} from './scenarios/memory.js';

/** Alerts whose windows are hours to days; their tests run on a coarser step (see longConfig). */
/**
 * The model of the config's engine, on the config's step: closed ranges for Prometheus 2, left-open ranges for
 * Prometheus 3 and vmalert (`--target`).
 */
export function simOf(c: PackConfig): Sim {
  return new Sim(parseDuration(c.evaluationInterval), leftOpenRanges(c) ? 'left-open' : 'closed');
}

const LONG_KEYS: readonly AlertKey[] = ['growth', 'growthCeiling', 'instancesGrowing'];

// ----------------------------------------------------------------------------------------- models
function floorRise(sim: Sim, s: Sample[], i: number, w: number): number | undefined {
  const now = sim.minOver(s, i, w);
  const then = sim.minOver(s, i, w, w);
  return now === undefined || then === undefined ? undefined : now - then;
}

/**
 * The job's peak over [t - 2P, t - P] as the rules compute it: at every step, the highest instance (the sum
 * of its series) of any generation of the entity; then the highest of those steps.
 */
function jobPeak(
  sim: Sim,
  b: Builder,
  name: string,
  e: string,
  P: number,
): (i: number) => number | undefined {
  const gens = b.gens(e).map((g) => b.all(name, {}, e, g));
  const jobMax: Sample[] = Array.from({ length: b.length }, (_, j) => {
    let best: number | undefined;
    for (const series of gens) {
      const v = sumOf(series.map((x) => sim.instant(x, j)));
      if (v !== undefined && (best === undefined || v > best)) best = v;
    }
    return best;
  });
  return (i) => sim.maxOver(jobMax, i, P, P);
}

/** The count now above its job's peak of yesterday. */
function aboveYesterday(sim: Sim, s: Sample[], peak: (i: number) => number | undefined): Cond {
  return (i) => {
    const now = sim.instant(s, i);
    const p = peak(i);
    return now !== undefined && p !== undefined && now > p ? now : undefined;
  };
}

/** The conditions of an alert's expression for one map (or target) of a scenario, in rule order. */
function conditions(c: PackConfig, sim: Sim, key: AlertKey, b: Builder, e: string, gen?: string): Cond[] {
  const rate = (s: Sample[][], i: number, w: number) => sumOf(s.map((x) => sim.rate(x, i, w)));
  const ent = b.values(METRICS.entries.name, {}, e, gen);
  const age = b.values(METRICS.oldestSampledAge.name, {}, e, gen);
  /** Inserts minus deletes over w steps (`or 0 * inserts`: no delete series counts as no deletes). */
  const netOver = netInsertsOver(sim, b, e, gen);
  /** Maps that grow by design skip the growth alerts (`excludeMaps`). */
  const growthOk = !c.excludeMaps.includes(e);
  const declaredMax = b.values(METRICS.declaredMaxEntries.name, {}, e, gen);
  const declaredTtl = b.values(METRICS.declaredTtl.name, {}, e, gen);
  const withinMax = unless((i) => {
    const [n, m] = [sim.instant(ent, i), sim.instant(declaredMax, i)];
    return n !== undefined && m !== undefined && n <= m;
  });
  const withinTtl = unless((i) => {
    const [a, t] = [sim.instant(age, i), sim.instant(declaredTtl, i)];
    return a !== undefined && t !== undefined && a <= t * c.fresh.ttlSlack;
  });
  switch (key) {
    case 'growth':
    case 'growthCeiling': {
      const F = steps(c, c.growth.window);
      const P = steps(c, c.growth.peakWindow);
      const min = c.growth.minFloorRise;
      const rise: Cond = (i) => holds(floorRise(sim, ent, i, F), (v) => v >= min);
      const above = aboveYesterday(sim, ent, jobPeak(sim, b, METRICS.entries.name, e, P));
      if (key === 'growthCeiling') {
        const W = steps(c, c.growth.predictWindow);
        const h = parseDuration(c.growth.predictHorizon);
        const ceiling = ceilingFor(c, e);
        const pred: Cond = (i) =>
          growthOk ? holds(sim.predictLinear(ent, i, W, h), (v) => v > ceiling) : undefined;
        const share = Math.round(ceiling * c.growth.pageAboveShare * 1e6) / 1e6;
        const headroom: Cond = (i) => holds(sim.instant(ent, i), (v) => v >= share);
        return [pred, rise, above, headroom];
      }
      const risen: Cond = (i) => (growthOk ? rise(i) : undefined);
      const net: Cond = (i) => holds(netOver(i, F), (v) => v >= min);
      return [risen, net, above, withinMax, withinTtl];
    }
    case 'freshLeak': {
      const W = steps(c, c.fresh.window);
      const Fw = steps(c, c.fresh.floorWindow);
      const Fo = steps(c, c.fresh.floorOffset);
      const threshold = freshAgeThreshold(c);
      return [
        (i) => {
          const n = sim.instant(ent, i);
          if (n === undefined || !growthOk) return undefined;
          const min = Math.max(c.fresh.minNetShare * n, c.fresh.minNetInserts);
          return holds(netOver(i, W), (v) => v >= min);
        },
        (i) => {
          const [now, then] = [sim.instant(age, i), sim.instant(age, i - W)];
          return now === undefined || then === undefined
            ? undefined
            : holds(now - then, (v) => v >= threshold);
        },
        (i) => {
          const [now, then] = [sim.minOver(ent, i, Fw), sim.minOver(ent, i, Fw, Fo)];
          return now === undefined || then === undefined ? undefined : holds(now - then, (v) => v > 0);
        },
        withinMax,
        withinTtl,
      ];
    }
    case 'declaredMax':
      return [
        (i) => {
          const [n, m] = [sim.instant(ent, i), sim.instant(declaredMax, i)];
          return n !== undefined && m !== undefined && n > m ? n : undefined;
        },
      ];
    case 'leakSuspect': {
      const W = steps(c, c.leak.holdWindow);
      const s = b.values(METRICS.leakSuspect.name, {}, e, gen);
      const rate = b.values(METRICS.growthPerSecond.name, {}, e, gen);
      return [
        (i) => {
          const v = sim.instant(rate, i);
          return v === undefined || !growthOk ? undefined : v * 3600;
        },
        (i) => holds(sim.minOver(s, i, W), (v) => v === 1),
      ];
    }
    case 'instancesGrowing': {
      const W = steps(c, c.instances.window);
      const s = b.values(METRICS.instances.name, {}, e, gen);
      const min = c.instances.minFloorRise;
      return [
        (i) => (growthOk ? holds(floorRise(sim, s, i, W), (v) => v >= min) : undefined),
        (i) => holds(floorRise(sim, s, i, W / 2), (v) => v > 0),
        aboveYesterday(sim, s, jobPeak(sim, b, METRICS.instances.name, e, steps(c, c.instances.peakWindow))),
      ];
    }
    case 'lockStuck': {
      const W = steps(c, c.lock.stuckWindow);
      const waiters = b.values(METRICS.lockWaiters.name, {}, e);
      const acq = b.all(METRICS.lockAcquisitions.name, {}, e);
      return [
        (i) => holds(sim.minOver(waiters, i, W), (v) => v > 0),
        // `unless ... increase(acquisitions) > 0`: holds when there was no grant (or no series at all).
        (i) => {
          const inc = sumOf(acq.map((a) => sim.increase(a, i, W)));
          return inc !== undefined && inc > 0 ? undefined : 0;
        },
      ];
    }
    case 'lockStorm': {
      const W = steps(c, c.lock.window);
      const ws = b.all(METRICS.lockWaitSeconds.name, {}, e);
      const acq = b.all(METRICS.lockAcquisitions.name, { [LABELS.contended]: 'true' }, e);
      return [
        (i) => holds(rate(ws, i, W), (v) => v >= c.lock.stormWaiters),
        (i) => {
          const [w, a] = [rate(ws, i, W), rate(acq, i, W)];
          if (w === undefined || a === undefined || (w === 0 && a === 0)) return undefined;
          return holds(a === 0 ? Infinity : w / a, (v) => v >= c.lock.stormMeanWaitSeconds);
        },
      ];
    }
    case 'lockWaitsLong': {
      const W = steps(c, c.lock.window);
      const h = histogramSeries(METRICS.lockWaitDuration);
      const bounds = [...LOCK_WAIT_BUCKETS, Infinity];
      const buckets = bounds.map(
        (le) => [le, b.values(h.bucket, { le: le === Infinity ? '+Inf' : String(le) }, e)] as const,
      );
      const cnt = b.all(h.count, {}, e);
      return [
        (i) => {
          const rates = buckets.map(([le, v]) => [le, sim.rate(v, i, W)] as const);
          if (rates.some(([, r]) => r === undefined)) return undefined;
          const q = histogramQuantile(c.lock.waitQuantile, rates as Array<[number, number]>);
          return holds(q, (v) => v > c.lock.longWaitSeconds);
        },
        (i) => holds(rate(cnt, i, W), (v) => v > c.lock.minContendedPerSecond),
      ];
    }
    case 'lockTimeouts': {
      const W = steps(c, c.lock.timeoutWindow);
      const inc = (series: Sample[][], i: number) => sumOf(series.map((x) => sim.increase(x, i, W)));
      const timeouts = b.all(METRICS.lockTimeouts.name, {}, e);
      const grants = b.all(METRICS.lockAcquisitions.name, {}, e);
      return [
        // timeouts / ((grants or 0 * timeouts) + timeouts); 0 / 0 is NaN, which compares false.
        (i) => {
          const [t, g] = [inc(timeouts, i), inc(grants, i) ?? 0];
          if (t === undefined || t + g === 0) return undefined;
          return holds(t / (g + t), (v) => v >= c.lock.timeoutRatio);
        },
        (i) => holds(inc(timeouts, i), (v) => v >= c.lock.minTimeouts),
      ];
    }
    case 'promotionChurn': {
      const W = steps(c, c.promotion.window);
      const lk = b.all(METRICS.lookups.name, {}, e);
      const ce = b.all(METRICS.copiedEntries.name, {}, e);
      const pr = b.all(METRICS.promotions.name, {}, e);
      return [
        (i) => {
          const [l, x] = [rate(lk, i, W), rate(ce, i, W)];
          return l === undefined || x === undefined || l === 0
            ? undefined
            : holds(x / l, (v) => v > c.promotion.copiedPerLookup);
        },
        (i) => holds(rate(pr, i, W), (v) => v > c.promotion.minPromotionsPerSecond),
      ];
    }
    case 'cacheIneffective':
    case 'loadsFailing': {
      const cache = key === 'cacheIneffective';
      const W = steps(c, cache ? c.cache.window : c.loads.window);
      const name = cache ? METRICS.lookups.name : METRICS.loads.name;
      const badResult = cache ? 'miss' : 'failure';
      const threshold = cache ? c.cache.missRatio : c.loads.failureRatio;
      const minRate = cache ? c.cache.minLookupsPerSecond : c.loads.minLoadsPerSecond;
      const all = b.all(name, {}, e);
      const bad = b.all(name, { [LABELS.result]: badResult }, e);
      const conds: Cond[] = [
        (i) => {
          const [t, x] = [rate(all, i, W), rate(bad, i, W)];
          return t === undefined || x === undefined || t === 0
            ? undefined
            : holds(x / t, (v) => v > threshold);
        },
        (i) => holds(rate(all, i, W), (v) => v > minRate),
      ];
      if (cache) {
        const evict = [
          ...b.all(METRICS.deletes.name, { [LABELS.cause]: 'evict' }, e),
          ...b.all(METRICS.deletes.name, { [LABELS.cause]: 'expire' }, e),
        ];
        const loading = b.all(METRICS.entries.name, { [LABELS.mapKind]: 'loading' }, e);
        conds.push((i) => {
          const inc = sumOf(evict.map((d) => sim.increase(d, i, W)));
          if (inc !== undefined && inc > 0) return inc;
          return loading.some((s) => sim.instant(s, i) !== undefined) ? 1 : undefined;
        });
      }
      return conds;
    }
    case 'loadStampede': {
      const W = steps(c, c.loads.window);
      const ld = b.all(METRICS.loads.name, {}, e);
      const jn = b.all(METRICS.loadJoins.name, {}, e);
      return [
        (i) => {
          const [l, j] = [rate(ld, i, W), rate(jn, i, W)];
          return l === undefined || j === undefined || l === 0
            ? undefined
            : holds(j / l, (v) => v > c.loads.joinsPerLoad);
        },
        (i) => holds(rate(jn, i, W), (v) => v > c.loads.minJoinsPerSecond),
      ];
    }
    case 'registryOverflow': {
      const W = steps(c, c.registry.overflowWindow);
      const s = b.values(METRICS.registryOverflow.name, {}, e, gen);
      return [
        (i) => {
          const inc = sim.increase(s, i, W);
          if (inc !== undefined && inc > 0) return inc;
          const now = sim.instant(s, i);
          return now !== undefined && now > 0 && sim.instant(s, i - W) === undefined ? now : undefined;
        },
      ];
    }
    case 'metricsAbsent': {
      const L = steps(c, c.absence.lookback);
      const up = b.targetSeries('up', gen);
      const family = b.metric ?? METRICS.registryMaps.name;
      if (!ALWAYS_EXPORTED.some((m) => m.name === family)) throw new Error(`${family} is not watched`);
      const series = b.targetSeries(family, gen);
      /** Series of the family present at step j (the recorded count). */
      const countAt = (j: number) => series.filter((x) => sim.instant(x, j) !== undefined).length;
      return [
        (i) => {
          if (countAt(i) > 0) return undefined;
          if (c.recordingRules) {
            let top: number | undefined;
            for (let j = sim.first(i, L); j <= i; j++) {
              const n = countAt(j);
              if (n > 0) top = Math.max(top ?? 0, n);
            }
            return top;
          }
          const n = series.filter((x) => sim.maxOver(x, i, L) !== undefined).length;
          return n > 0 ? n : undefined;
        },
        (i) => holds(sumOf(up.map((x) => sim.instant(x, i))), (v) => v === 1),
      ];
    }
    case 'jobMetricsAbsent': {
      const L = steps(c, c.absence.lookback);
      const family = b.metric ?? METRICS.registryMaps.name;
      if (!ALWAYS_EXPORTED.some((m) => m.name === family)) throw new Error(`${family} is not watched`);
      // The entity's job: every series of it, of every instance and source, counts (one alert per job).
      const job = b.series.find(
        (x) => x.labels[LABELS.mapName] === e || x.labels.instance?.startsWith(`${e}-`),
      )?.labels.job;
      const ofJob = (name: string) =>
        b.series
          .filter((x) => x.labels.__name__ === name && x.labels.job === (job ?? JOB))
          .map((x) => x.values);
      const series = ofJob(family);
      const ups = ofJob('up');
      const countAt = (j: number) => series.filter((x) => sim.instant(x, j) !== undefined).length;
      const upAt = (j: number) => ups.some((x) => sim.instant(x, j) !== undefined);
      return [
        (i) => {
          if (countAt(i) > 0) return undefined;
          if (c.recordingRules) {
            let top: number | undefined;
            for (let j = sim.first(i, L); j <= i; j++) {
              const n = countAt(j);
              if (n > 0) top = Math.max(top ?? 0, n);
            }
            return top;
          }
          const n = series.filter((x) => sim.maxOver(x, i, L) !== undefined).length;
          return n > 0 ? n : undefined;
        },
        unless((i) => {
          if (!c.recordingRules) return ups.some((x) => sim.maxOver(x, i, L) !== undefined);
          for (let j = sim.first(i, L); j <= i; j++) if (upAt(j)) return true;
          return false;
        }),
      ];
    }
    case 'memoryNearLimit':
    case 'restartNearLimit':
      return memoryConditions(c, sim, key, b, e, gen);
    case 'collectErrors':
    case 'scrapeSlow':
    case 'samplesGrowing':
      return exporterConditions(c, sim, key, b, e);
  }
}

/** The expression's value (the first condition's) when every condition but `skip` holds. */
function model(conds: Cond[], skip = -1): (i: number) => number | undefined {
  return (i) => {
    let value: number | undefined;
    for (let k = 0; k < conds.length; k++) {
      if (k === skip) continue;
      const v = (conds[k] as Cond)(i);
      if (v === undefined) return undefined;
      if (value === undefined) value = v;
    }
    return value;
  };
}

// ----------------------------------------------------------------------------------------- series
/** Lock, cache and load series of a healthy map (optionally restarting: counters reset at `resetAt`). */
function healthyExtras(c: PackConfig, b: Builder, resetAt?: number): void {
  const step = parseDuration(c.evaluationInterval);
  const n = b.length;
  const lookups = Math.ceil(4 * c.cache.minLookupsPerSecond * step);
  b.add(
    METRICS.lookups.name,
    { [LABELS.result]: 'hit' },
    counter(n, () => Math.round(lookups * 0.9), resetAt),
  );
  b.add(
    METRICS.lookups.name,
    { [LABELS.result]: 'miss' },
    counter(n, () => Math.round(lookups * 0.1), resetAt),
  );
  const loads = Math.ceil(4 * c.loads.minLoadsPerSecond * step);
  b.add(
    METRICS.loads.name,
    { [LABELS.result]: 'success' },
    counter(n, () => loads, resetAt),
  );
  b.add(
    METRICS.loadJoins.name,
    {},
    counter(n, () => loads, resetAt),
  );
  const grants = Math.ceil(4 * c.lock.minContendedPerSecond * step);
  b.add(
    METRICS.lockAcquisitions.name,
    { [LABELS.mode]: 'write', [LABELS.contended]: 'true' },
    counter(n, () => grants, resetAt),
  );
  b.add(
    METRICS.lockWaitSeconds.name,
    { [LABELS.mode]: 'write' },
    counter(n, () => 0.1 * c.lock.stormWaiters * step, resetAt),
  );
  // A busy lock: somebody is waiting in every sample, but grants keep flowing.
  b.add(METRICS.lockWaiters.name, {}, () => 2);
  b.add(METRICS.registryMaps.name, {}, () => 12, 'target');
  b.add(METRICS.registryOverflow.name, {}, () => 0, 'target');
  b.add(METRICS.collectErrors.name, {}, () => 0, 'target');
  b.add('up', {}, () => 1, 'target');
  // The process: half its memory limit, restarted at `resetAt`; scraped quickly, a steady sample count.
  processSeries(
    c,
    b,
    undefined,
    () => c.memory.ratio / 2,
    (i) => (resetAt !== undefined && i >= resetAt ? resetAt : 0),
  );
  b.add(PROMETHEUS_SERIES.scrapeDuration, {}, () => c.exporter.maxScrapeSeconds / 10, 'target');
  b.add(PROMETHEUS_SERIES.scrapeSamples, {}, () => 10 * c.exporter.minSampleGrowth, 'target');
}

// ----------------------------------------------------------------------------------------- scenarios
/**
 * A deploy: the old pod (generation a) ran more than a day at a steady size under churn; its replacement
 * (generation b, a new instance label) refills and then leaks. Yesterday's peak is the job's, so the new
 * pod is compared with the old one's and pages before it has a day of its own history.
 */
function newPodScenario(c: PackConfig, key: AlertKey): Scenario {
  const F = steps(c, c.growth.window);
  const P = steps(c, c.growth.peakWindow);
  const rise = c.growth.minFloorRise;
  const slope = Math.ceil((2 * rise) / F);
  const T0 = P + F + 2;
  const stop = T0 + 2 * F + stepsOf(c, key, 'for') + 4;
  const length = stop + 2 * F + stepsOf(c, key, 'keepFiringFor') + 6;
  const b = new Builder(c, length);
  const L = 1000;
  const churn = 10 * slope;
  const plain = { [LABELS.mapKind]: 'plain' };
  const evict = { [LABELS.cause]: 'evict' };
  const a =
    (f: (i: number) => number) =>
    (i: number): Sample =>
      i < T0 ? f(i) : i === T0 ? 'stale' : undefined;
  b.add(
    METRICS.entries.name,
    plain,
    a((i) => L + noiseAt(i, F, rise)),
    'map',
    MAP,
    'a',
  );
  b.add(
    METRICS.inserts.name,
    {},
    a((i) => churn * i + L),
    'map',
    MAP,
    'a',
  );
  b.add(
    METRICS.deletes.name,
    evict,
    a((i) => churn * i),
    'map',
    MAP,
    'a',
  );
  const level = (i: number) =>
    Math.min(L, Math.round((L * (i - T0 + 1)) / 3)) + slope * Math.max(0, Math.min(i, stop) - T0 - 2);
  const bb =
    (f: (i: number) => number) =>
    (i: number): Sample =>
      i < T0 ? undefined : f(i);
  b.add(METRICS.entries.name, plain, bb(level), 'map', MAP, 'b');
  b.add(
    METRICS.inserts.name,
    {},
    bb((i) => churn * (i - T0) + level(i)),
    'map',
    MAP,
    'b',
  );
  b.add(
    METRICS.deletes.name,
    evict,
    bb((i) => churn * (i - T0)),
    'map',
    MAP,
    'b',
  );
  return {
    title: 'a deploy replaces a pod that ran for over a day (new instance label), and the new pod leaks',
    builder: b,
    controls: [],
    gens: ['a', 'b'],
    startedAt: T0,
  };
}

/**
 * A new target that leaks from its first minute (no history at all), fixed later. Controls: each satisfies
 * every condition of the fresh-target alert but one.
 */
function freshLeakScenario(c: PackConfig): Scenario {
  const key: AlertKey = 'freshLeak';
  const step = parseDuration(c.evaluationInterval);
  const W = steps(c, c.fresh.window);
  const Fw = steps(c, c.fresh.floorWindow);
  const Fo = steps(c, c.fresh.floorOffset);
  const minNet = c.fresh.minNetInserts;
  const slope = 2 * Math.ceil(minNet / W) + 1;
  const stop = 2 * W + stepsOf(c, key, 'for') + 4;
  const length = stop + W + Fo + Fw + stepsOf(c, key, 'keepFiringFor') + 6;
  const b = new Builder(c, length);
  const churn = 10 * slope;
  const age = keptAge(step);
  /** A leak of `slope` entries per step under churn, from the first step until `stop`. */
  const leak = (entity: string) => {
    const level = (i: number) => slope * Math.min(i, stop);
    entriesSeries(b, entity, level, churn, level, 'explicit');
    b.add(METRICS.oldestSampledAge.name, {}, age, 'map', entity);
  };
  leak(MAP);
  // Growing too slowly to matter: net inserts under minNetInserts per window, though nothing is removed.
  const k = Math.max(1, Math.ceil((2 * W) / minNet));
  entriesSeries(
    b,
    'ctl-slow',
    (i) => Math.floor(i / k),
    churn,
    (i) => Math.floor(i / k),
  );
  b.add(METRICS.oldestSampledAge.name, {}, age, 'map', 'ctl-slow');
  // A TTL cache under rising traffic: it grows, but its oldest entries never get older than the TTL.
  const ttl = Math.max(step, Math.floor((W * step) / 2));
  entriesSeries(
    b,
    'ctl-ttl',
    (i) => slope * i,
    churn,
    (i) => slope * i,
    'expire',
  );
  b.add(METRICS.oldestSampledAge.name, {}, (i) => Math.min(i * step, ttl), 'map', 'ctl-ttl');
  // Deletes that bypass the instrumentation (Map.prototype.delete.call): inserts pile up and the sample
  // never sees a delete, but the size is flat. No delete series at all.
  b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, () => 10 * minNet, 'map', 'ctl-uncounted');
  b.add(METRICS.inserts.name, {}, (i) => slope * i, 'map', 'ctl-uncounted');
  b.add(METRICS.oldestSampledAge.name, {}, age, 'map', 'ctl-uncounted');
  // The same leak within a declared maxEntries, and within a declared TTL.
  leak('ctl-bounded');
  b.add(METRICS.declaredMaxEntries.name, {}, () => 4 * slope * length, 'map', 'ctl-bounded');
  leak('ctl-long-ttl');
  b.add(METRICS.declaredTtl.name, {}, () => length * step, 'map', 'ctl-long-ttl');
  // The same leak on a map that grows by design (excludeMaps): silent.
  const excluded = c.excludeMaps[0];
  if (excluded !== undefined) leak(excluded);
  return {
    title: 'a new target that leaks from its first minute (no history), fixed later',
    builder: b,
    controls: [
      { entity: 'ctl-slow', key, skip: 0, what: 'net inserts under the minimum' },
      { entity: 'ctl-ttl', key, skip: 1, what: 'oldest entries capped by a TTL' },
      { entity: 'ctl-uncounted', key, skip: 2, what: 'a flat floor (deletes not counted)' },
      { entity: 'ctl-bounded', key, skip: 3, what: 'within its declared maxEntries' },
      { entity: 'ctl-long-ttl', key, skip: 4, what: 'within its declared TTL' },
      ...(excluded === undefined
        ? []
        : [{ entity: excluded, key, skip: -1, what: 'the same leak on a map of excludeMaps' }]),
    ],
  };
}

function fireScenarios(c: PackConfig, key: AlertKey): Scenario[] {
  const step = parseDuration(c.evaluationInterval);
  const F = steps(c, c.growth.window);
  const rise = c.growth.minFloorRise;
  const slopeFor = (min: number, w: number) => Math.ceil((2 * min) / w);
  switch (key) {
    case 'growth': {
      const P = steps(c, c.growth.peakWindow);
      const p = phases(c, key, F, P + 2);
      const slope = slopeFor(rise, F);
      const churn = new Builder(c, p.length);
      leakSeries(churn, p, 1000, slope, rise, F);
      // Controls. Slow: rises (so it is above yesterday's peak) but less than minFloorRise per window.
      const k = Math.max(1, Math.ceil((2 * F) / rise));
      const d = slopeFor(rise, F);
      entriesSeries(
        churn,
        'ctl-slow',
        (i) => 1000 + Math.floor(i / k),
        10 * d,
        (i) => d * i,
      );
      // Rising floor, above yesterday, but every insert deleted again (inserts = deletes).
      entriesSeries(
        churn,
        'ctl-no-net',
        (i) => 1000 + slope * i,
        10 * slope,
        () => 0,
      );
      // The same leak shape, within a declared maxEntries (a cache filling toward its bound).
      leakSeries(churn, p, 1000, slope, rise, F, true, 'ctl-bounded');
      churn.add(METRICS.declaredMaxEntries.name, {}, () => 1000 + 4 * slope * p.length, 'map', 'ctl-bounded');
      // The same leak shape with a declared TTL its oldest sampled entries stay within (traffic growing).
      leakSeries(churn, p, 1000, slope, rise, F, true, 'ctl-ttl');
      const ttl = Math.max(1, Math.round(parseDuration(c.growth.window) / 2));
      churn.add(METRICS.oldestSampledAge.name, {}, (i) => Math.min(i * step, ttl), 'map', 'ctl-ttl');
      churn.add(METRICS.declaredTtl.name, {}, () => ttl, 'map', 'ctl-ttl');
      // The same leak on a map that grows by design (excludeMaps): silent.
      const excluded = c.excludeMaps[0];
      if (excluded !== undefined) leakSeries(churn, p, 1000, slope, rise, F, true, excluded);
      const addOnly = new Builder(c, p.length);
      leakSeries(addOnly, p, 1000, slope, 0, F, false);
      return [
        {
          title: 'a leak under churn: the floor rises, inserts outpace deletes, above yesterday',
          builder: churn,
          controls: [
            { entity: 'ctl-slow', key, skip: 0, what: 'floor rising less than minFloorRise' },
            { entity: 'ctl-no-net', key, skip: 1, what: 'inserts matched by deletes' },
            { entity: 'ctl-bounded', key, skip: 3, what: 'within its declared maxEntries' },
            { entity: 'ctl-ttl', key, skip: 4, what: 'oldest entries within the declared TTL' },
            ...(excluded === undefined
              ? []
              : [{ entity: excluded, key, skip: -1, what: 'the same leak on a map of excludeMaps' }]),
          ],
        },
        { title: 'a map only ever added to (no delete series exists)', builder: addOnly, controls: [] },
        newPodScenario(c, key),
      ];
    }
    case 'freshLeak':
      return [freshLeakScenario(c)];
    case 'declaredMax': {
      const W = steps(c, c.alerts.declaredMax.for);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      const max = 5000;
      // An LRU whose eviction broke for a while: it fills past its declared max, then evicts back to it.
      const over = (i: number) => Math.min(Math.max(0, i - p.start), Math.max(0, p.stop - i), W) * 37;
      entriesSeries(b, MAP, (i) => max + over(i) - (i < p.start ? 200 : 0), 50, over);
      b.add(METRICS.declaredMaxEntries.name, {}, () => max);
      // A bounded map right at its maximum: no alert.
      entriesSeries(
        b,
        'ctl-at-max',
        () => max,
        50,
        () => 0,
      );
      b.add(METRICS.declaredMaxEntries.name, {}, () => max, 'map', 'ctl-at-max');
      return [
        {
          title: 'entries above the declared maxEntries for a while, then evicted back under it',
          builder: b,
          controls: [{ entity: 'ctl-at-max', key, skip: -1, what: 'a map exactly at its maximum' }],
        },
      ];
    }
    case 'growthCeiling': {
      const P = steps(c, c.growth.peakWindow);
      const p = phases(c, key, Math.max(F, steps(c, c.growth.predictWindow)), P + 2);
      const b = new Builder(c, p.length);
      const horizonSteps = parseDuration(c.growth.predictHorizon) / step;
      const ceiling = ceilingFor(c, MAP);
      const slope = Math.max(slopeFor(rise, F), Math.ceil(ceiling / horizonSteps));
      // Odd numbers, so that predicted values do not land on a rounding boundary of humanize. It starts a
      // little under the share of its ceiling at which it may page, so the headroom guard holds it back first.
      const below = Math.round(ceiling * Math.max(0, c.growth.pageAboveShare - 0.1));
      leakSeries(b, p, below + 7, slope + 1, 0, F);
      // Above its ceiling and above yesterday, but creeping (floor rise below minFloorRise).
      const k = Math.max(1, Math.ceil((2 * F) / rise));
      const high = Math.ceil(ceilingFor(c, 'ctl-creeping') * 1.1);
      entriesSeries(
        b,
        'ctl-creeping',
        (i) => high + Math.floor(i / k),
        10,
        (i) => Math.floor(i / k),
      );
      // A slow leak close to its ceiling (past the share at which it may page), predicted to stay under it.
      const sl = slopeFor(rise, F);
      const near = Math.round((ceilingFor(c, 'ctl-near') * (1 + 3 * c.growth.pageAboveShare)) / 4) + 3;
      entriesSeries(
        b,
        'ctl-near',
        (i) => near + sl * i,
        10 * sl,
        (i) => sl * i,
      );
      // A steep climb predicted past the ceiling while it still holds less than the share at which it may
      // page: headroom is left now. It levels off under that share.
      const own = ceilingFor(c, 'ctl-steep');
      const share = c.growth.pageAboveShare;
      const steep = ((1.1 - share) * own) / horizonSteps;
      const predictSteps = steps(c, c.growth.predictWindow);
      const from = Math.max(0, (share - 0.1) * own - steep * (predictSteps + 1));
      const top = Math.floor(share * own) - 1;
      const climb = (i: number) => Math.min(top, Math.round(from + steep * Math.max(0, i - p.start)));
      entriesSeries(b, 'ctl-steep', climb, 10, (i) => climb(i) - climb(0));
      return [
        {
          title: 'a fast leak heading for the ceiling',
          builder: b,
          controls: [
            {
              entity: 'ctl-near',
              key,
              skip: 0,
              what: 'a leak close to the ceiling, predicted to stay under it',
            },
            { entity: 'ctl-creeping', key, skip: 1, what: 'above the ceiling, floor barely rising' },
            { entity: 'ctl-steep', key, skip: 3, what: 'a steep climb that leaves headroom now' },
          ],
        },
      ];
    }
    case 'leakSuspect': {
      const W = steps(c, c.leak.holdWindow);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      const verdict = (i: number) => (i >= p.start && i < p.stop ? 1 : 0);
      b.add(METRICS.leakSuspect.name, {}, verdict);
      // The detector's growth rate (entries per second), the value the alert shows per hour.
      b.add(METRICS.growthPerSecond.name, {}, (i) => (verdict(i) ? 0.4167 : 0.0013));
      b.add(METRICS.leakSuspect.name, {}, () => 0, 'map', 'ctl-growing');
      b.add(METRICS.growthPerSecond.name, {}, () => 0.4167, 'map', 'ctl-growing');
      b.add(METRICS.leakSuspect.name, {}, verdict, 'map', 'ctl-no-rate');
      return [
        {
          title: 'the detector verdict turns to 1, holds, then clears',
          builder: b,
          controls: [
            { entity: 'ctl-no-rate', key, skip: 0, what: 'a verdict without a growth rate' },
            { entity: 'ctl-growing', key, skip: 1, what: 'a growth rate without the verdict' },
          ],
        },
      ];
    }
    case 'instancesGrowing': {
      const W = steps(c, c.instances.window);
      const P = steps(c, c.instances.peakWindow);
      const p = phases(c, key, W, P + 2);
      const b = new Builder(c, p.length);
      const min = c.instances.minFloorRise;
      const slope = slopeFor(min, W);
      b.add(
        METRICS.instances.name,
        {},
        (i) => 5 + slope * (Math.min(Math.max(i, p.start), p.stop) - p.start) + (i % 2),
      );
      // Steps of minFloorRise every two windows: risen over the previous window, flat in the recent half.
      b.add(METRICS.instances.name, {}, (i) => 5 + 2 * min * Math.floor(i / (2 * W)), 'map', 'ctl-stairs');
      // Still rising, but less than minFloorRise per window.
      const k = Math.max(1, Math.ceil((2 * W) / min));
      b.add(METRICS.instances.name, {}, (i) => 5 + Math.floor(i / k), 'map', 'ctl-slow');
      return [
        {
          title: 'owners of a map leak: the instance count keeps rising',
          builder: b,
          controls: [
            { entity: 'ctl-slow', key, skip: 0, what: 'rising less than minFloorRise' },
            { entity: 'ctl-stairs', key, skip: 1, what: 'risen, but no longer rising' },
          ],
        },
      ];
    }
    case 'lockStuck': {
      const W = steps(c, c.lock.stuckWindow);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const grants = Math.max(1, Math.ceil(4 * c.lock.minContendedPerSecond * step));
      // Healthy: waiters come and go, grants flow. Stuck: waiters pile up, no grant, no wait time credited.
      b.add(
        METRICS.lockAcquisitions.name,
        { [LABELS.mode]: 'write', [LABELS.contended]: 'true' },
        counter(p.length, (i) => (bad(i + 1) ? 0 : grants)),
      );
      b.add(METRICS.lockWaiters.name, {}, (i) => (bad(i) ? 5 + i - p.start : i % 2));
      b.add(
        METRICS.lockWaitSeconds.name,
        { [LABELS.mode]: 'write' },
        counter(p.length, (i) => (bad(i + 1) ? 0 : 0.01 * step)),
      );
      b.add(METRICS.lockTimeouts.name, {}, () => 0);
      // A busy lock: always somebody waiting, but grants keep flowing.
      b.add(
        METRICS.lockAcquisitions.name,
        { [LABELS.mode]: 'write', [LABELS.contended]: 'true' },
        counter(p.length, () => grants),
        'map',
        'ctl-busy',
      );
      b.add(METRICS.lockWaiters.name, {}, (i) => 3 + (i % 2), 'map', 'ctl-busy');
      // An idle lock: no grants, and the occasional waiter gives up (waiters drop to 0 in every window).
      b.add(
        METRICS.lockAcquisitions.name,
        { [LABELS.mode]: 'write', [LABELS.contended]: 'false' },
        () => 7,
        'map',
        'ctl-idle',
      );
      b.add(METRICS.lockWaiters.name, {}, (i) => (i % 2 === 0 ? 0 : 1), 'map', 'ctl-idle');
      return [
        {
          title: 'a stuck lock: waiters queue and nobody is granted the lock',
          builder: b,
          controls: [
            { entity: 'ctl-idle', key, skip: 0, what: 'no grants, but waiters drop to 0' },
            { entity: 'ctl-busy', key, skip: 1, what: 'waiters in every sample, grants flowing' },
          ],
        },
      ];
    }
    case 'lockStorm': {
      const W = steps(c, c.lock.window);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const [L, M] = [c.lock.stormWaiters, c.lock.stormMeanWaitSeconds];
      /** A lock where `waiting(i)` tasks wait on average and each contended acquisition waits `wait(i)` s. */
      const lock = (entity: string, waiting: (i: number) => number, wait: (i: number) => number) => {
        b.add(
          METRICS.lockWaitSeconds.name,
          { [LABELS.mode]: 'write' },
          counter(p.length, (i) => waiting(i) * step),
          'map',
          entity,
        );
        b.add(
          METRICS.lockAcquisitions.name,
          { [LABELS.mode]: 'write', [LABELS.contended]: 'true' },
          counter(p.length, (i) => (waiting(i) / wait(i)) * step),
          'map',
          entity,
        );
      };
      lock(
        MAP,
        (i) => (bad(i) ? 2 * L : L / 10),
        (i) => (bad(i) ? 2 * M : M / 2),
      );
      // Few tasks waiting, each for long; many waiting, each briefly (a busy lock that moves fast).
      lock(
        'ctl-few',
        () => L / 4,
        () => 4 * M,
      );
      lock(
        'ctl-fast',
        () => 2 * L,
        () => M / 10,
      );
      return [
        {
          title: 'a lock storm: many tasks wait at once and each waits long, then recovery',
          builder: b,
          controls: [
            { entity: 'ctl-few', key, skip: 0, what: 'long waits of few tasks' },
            { entity: 'ctl-fast', key, skip: 1, what: 'many tasks waiting briefly each' },
          ],
        },
      ];
    }
    case 'lockWaitsLong': {
      const W = steps(c, c.lock.window);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const slow = LOCK_WAIT_BUCKETS.find((x) => x > c.lock.longWaitSeconds * 1.5) ?? Infinity;
      const fast = LOCK_WAIT_BUCKETS[0] as number;
      const h = histogramSeries(METRICS.lockWaitDuration);
      const bounds = [...LOCK_WAIT_BUCKETS, Infinity];
      /** Histogram series of waits: `fastPer(i)` fast and `slowPer(i)` slow ones per step. */
      const histogram = (entity: string, fastPer: (i: number) => number, slowPer: (i: number) => number) => {
        const f = counter(p.length, fastPer);
        const sl = counter(p.length, slowPer);
        for (const le of bounds) {
          b.add(
            h.bucket,
            { [LABELS.mode]: 'write', le: le === Infinity ? '+Inf' : String(le) },
            (i) => round((le >= fast ? f(i) : 0) + (le >= slow ? sl(i) : 0)),
            'map',
            entity,
          );
        }
        b.add(h.count, { [LABELS.mode]: 'write' }, (i) => round(f(i) + sl(i)), 'map', entity);
        b.add(h.sum, { [LABELS.mode]: 'write' }, (i) => round(f(i) * fast + sl(i) * slow), 'map', entity);
      };
      // Per step, 2x the minimum contended rate of waits: fast ones (1 ms) when healthy, slow ones (just
      // above the threshold) during the fault.
      const perStep = Math.max(1, Math.ceil(2 * c.lock.minContendedPerSecond * step));
      histogram(
        MAP,
        (i) => (bad(i) ? 0 : perStep),
        (i) => (bad(i) ? perStep : 0),
      );
      // Slow waits, but too few to matter (a quarter of the minimum rate); fast waits at a high rate.
      histogram(
        'ctl-rare',
        () => 0,
        () => (c.lock.minContendedPerSecond * step) / 4,
      );
      histogram(
        'ctl-fast',
        () => perStep,
        () => 0,
      );
      return [
        {
          title: 'contended waits move to a slow bucket, then back',
          builder: b,
          controls: [
            { entity: 'ctl-fast', key, skip: 0, what: 'many contended waits, all fast' },
            { entity: 'ctl-rare', key, skip: 1, what: 'slow waits, below the minimum rate' },
          ],
        },
      ];
    }
    case 'lockTimeouts': {
      const W = steps(c, c.lock.timeoutWindow);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const perStep = Math.max(1, Math.ceil((2 * c.lock.minTimeouts) / W));
      /** Grants per step that make `perStep` timeouts the share `share` of the attempts. */
      const grantsFor = (share: number) => Math.ceil((perStep * (1 - share)) / share);
      const lock = (entity: string, timeouts: (i: number) => number, grants: number) => {
        b.add(METRICS.lockTimeouts.name, {}, counter(p.length, timeouts), 'map', entity);
        b.add(
          METRICS.lockAcquisitions.name,
          { [LABELS.mode]: 'write', [LABELS.contended]: 'true' },
          counter(p.length, () => grants),
          'map',
          entity,
        );
      };
      lock(MAP, (i) => (bad(i) ? perStep : 0), grantsFor(2 * c.lock.timeoutRatio));
      // As many timeouts among far more grants; a high share of very few timeouts.
      lock('ctl-busy', () => perStep, grantsFor(c.lock.timeoutRatio / 10));
      lock('ctl-rare', () => c.lock.minTimeouts / (4 * W), 0);
      return [
        {
          title: 'a share of the lock acquisitions time out for a while',
          builder: b,
          controls: [
            { entity: 'ctl-busy', key, skip: 0, what: 'timeouts a small share of many grants' },
            { entity: 'ctl-rare', key, skip: 1, what: 'fewer timeouts than the minimum' },
          ],
        },
      ];
    }
    case 'promotionChurn': {
      const W = steps(c, c.promotion.window);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const lookupsPerStep = 100 * step;
      const map = (entity: string, copied: (i: number) => number, promotions: (i: number) => number) => {
        b.add(
          METRICS.lookups.name,
          { [LABELS.result]: 'hit' },
          counter(p.length, () => lookupsPerStep),
          'map',
          entity,
        );
        b.add(
          METRICS.copiedEntries.name,
          {},
          counter(p.length, (i) => copied(i) * lookupsPerStep),
          'map',
          entity,
        );
        b.add(
          METRICS.promotions.name,
          {},
          counter(p.length, (i) => promotions(i) * step),
          'map',
          entity,
        );
      };
      const [hiCopy, loCopy] = [3 * c.promotion.copiedPerLookup, 0.01];
      const [hiProm, loProm] = [
        3 * c.promotion.minPromotionsPerSecond,
        c.promotion.minPromotionsPerSecond / 100,
      ];
      map(
        MAP,
        (i) => (bad(i) ? hiCopy : loCopy),
        (i) => (bad(i) ? hiProm : loProm),
      );
      map(
        'ctl-rare',
        () => hiCopy,
        () => loProm,
      );
      map(
        'ctl-cheap',
        () => loCopy,
        () => hiProm,
      );
      return [
        {
          title: 'a read-mostly map under a key-churning write load',
          builder: b,
          controls: [
            { entity: 'ctl-cheap', key, skip: 0, what: 'frequent promotions that copy little' },
            { entity: 'ctl-rare', key, skip: 1, what: 'costly but rare promotions' },
          ],
        },
      ];
    }
    case 'cacheIneffective':
    case 'loadsFailing': {
      const cache = key === 'cacheIneffective';
      const W = steps(c, cache ? c.cache.window : c.loads.window);
      const p = phases(c, key, W);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const name = cache ? METRICS.lookups.name : METRICS.loads.name;
      const [good, badResult] = cache ? ['hit', 'miss'] : ['success', 'failure'];
      const threshold = cache ? c.cache.missRatio : c.loads.failureRatio;
      const minRate = cache ? c.cache.minLookupsPerSecond : c.loads.minLoadsPerSecond;
      const high = Math.ceil(4 * minRate * step);
      const low = (minRate * step) / 4;
      const [hiShare, loShare] = [(1 + threshold) / 2, threshold / 5];
      const traffic = (b: Builder, entity: string, perStep: number, share: (i: number) => number) => {
        b.add(
          name,
          { [LABELS.result]: good as string },
          counter(p.length, (i) => (1 - share(i)) * perStep),
          'map',
          entity,
        );
        b.add(
          name,
          { [LABELS.result]: badResult as string },
          counter(p.length, (i) => share(i) * perStep),
          'map',
          entity,
        );
      };
      /** A cache in the sense of the rule: it evicts (or, `loading`, it is a loading map). */
      const scope = (b: Builder, entity: string, loading = false) => {
        if (!cache) return;
        if (loading) b.add(METRICS.entries.name, { [LABELS.mapKind]: 'loading' }, () => 40, 'map', entity);
        else b.add(METRICS.deletes.name, { [LABELS.cause]: 'evict' }, (i) => 5 * i, 'map', entity);
      };
      const scenario = (loading: boolean): Scenario => {
        const b = new Builder(c, p.length);
        // Healthy: a fifth of the threshold goes bad; fault: halfway between the threshold and 100%.
        traffic(b, MAP, high, (i) => (bad(i) ? hiShare : loShare));
        scope(b, MAP, loading);
        const controls: Control[] = [];
        if (!loading) {
          traffic(b, 'ctl-good', high, () => loShare);
          scope(b, 'ctl-good');
          traffic(b, 'ctl-quiet', low, () => hiShare);
          scope(b, 'ctl-quiet');
          controls.push(
            { entity: 'ctl-good', key, skip: 0, what: 'busy and healthy' },
            { entity: 'ctl-quiet', key, skip: 1, what: 'bad ratio at a negligible rate' },
          );
          if (cache) {
            // A membership set: 0 entries, never evicts, every has() misses.
            traffic(b, 'ctl-set', high, () => 1);
            b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, () => 0, 'map', 'ctl-set');
            controls.push({ entity: 'ctl-set', key, skip: 2, what: 'a membership set that never evicts' });
          }
        }
        return {
          title: cache
            ? loading
              ? 'a loading map whose lookups almost all miss'
              : 'an evicting cache whose lookups almost all miss'
            : 'a loader that fails often',
          builder: b,
          controls,
        };
      };
      return cache ? [scenario(false), scenario(true)] : [scenario(false)];
    }
    case 'loadStampede': {
      const W = steps(c, c.loads.window);
      const p = phases(c, key, W);
      const b = new Builder(c, p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const loadsPerStep = Math.max(1, Math.ceil(c.loads.minJoinsPerSecond * step));
      const map = (entity: string, loads: number, joins: (i: number) => number) => {
        b.add(
          METRICS.loads.name,
          { [LABELS.result]: 'success' },
          counter(p.length, () => loads),
          'map',
          entity,
        );
        b.add(METRICS.loadJoins.name, {}, counter(p.length, joins), 'map', entity);
      };
      map(MAP, loadsPerStep, (i) => (bad(i) ? 2 * c.loads.joinsPerLoad : 1) * loadsPerStep);
      // Many joins but many more loads; few loads with many joiners each, at a negligible rate.
      map('ctl-spread', 4 * loadsPerStep, () => 4 * loadsPerStep);
      const rare = (c.loads.minJoinsPerSecond * step) / 4;
      map('ctl-rare', rare / (2 * c.loads.joinsPerLoad), () => rare);
      return [
        {
          title: 'many callers join every load of hot keys',
          builder: b,
          controls: [
            { entity: 'ctl-spread', key, skip: 0, what: 'many joins spread over many loads' },
            { entity: 'ctl-rare', key, skip: 1, what: 'many joiners per load at a negligible rate' },
          ],
        },
      ];
    }
    case 'registryOverflow': {
      const W = steps(c, c.registry.overflowWindow);
      const forSteps = stepsOf(c, key, 'for');
      const start = 3;
      const again = start + W + forSteps + 5;
      const length = again + W + forSteps + 6;
      const b = new Builder(c, length);
      // A target that overflowed at start-up: the counter is already 40 at its first scrape (so increase()
      // sees nothing), then flat; later 15 more names are folded in.
      b.add(
        METRICS.registryOverflow.name,
        {},
        (i) => (i < start ? undefined : i < again ? 40 : 55),
        'target',
      );
      b.add(METRICS.registryMaps.name, {}, () => 100, 'target');
      // A target that never overflowed: its counter is 0 from the start.
      b.add(METRICS.registryOverflow.name, {}, () => 0, 'target', MAP, 'zero');
      return [
        {
          title:
            'names overflow at start-up (the counter is born at 40), then 15 more names later; the alert resolves when none overflowed within the window',
          builder: b,
          controls: [{ entity: MAP, gen: 'zero', key, skip: -1, what: 'a target that never overflowed' }],
        },
      ];
    }
    case 'metricsAbsent': {
      const L = steps(c, c.absence.lookback);
      const forSteps = steps(c, c.alerts.metricsAbsent.for);
      // Absent for longer than an hour (or most of the lookback if that is shorter), then back.
      const start = 4;
      const stop = start + Math.min(L - 2, forSteps + 2 * steps(c, '1h'));
      const length = stop + forSteps + 6;
      // Exported until start, then gone (a staleness marker, as a scrape without the series writes).
      const gone =
        (v: number) =>
        (i: number): Sample =>
          i === start ? 'stale' : i > start && i < stop ? undefined : v;
      const target = (b: Builder, gen: string | undefined, up: (i: number) => number) =>
        b.add('up', {}, up, 'target', MAP, gen);
      const exporterGone = new Builder(c, length);
      for (const gen of [undefined, 'down']) {
        exporterGone.add(METRICS.registryMaps.name, {}, gone(12), 'target', MAP, gen);
        target(exporterGone, gen, (i) => (gen === 'down' && i >= start && i < stop ? 0 : 1));
      }
      exporterGone.add(METRICS.registryMaps.name, {}, () => 12, 'target', MAP, 'fine');
      target(exporterGone, 'fine', () => 1);
      // One family gone while the rest of mapwatch is exported: collecting it fails.
      const familyGone = new Builder(c, length);
      familyGone.metric = METRICS.entries.name;
      familyGone.add(METRICS.registryMaps.name, {}, () => 12, 'target');
      familyGone.add(METRICS.inserts.name, {}, (i) => 7 * i, 'map', MAP);
      for (const m of ['sessions', 'carts']) {
        familyGone.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, gone(30), 'map', m);
      }
      target(familyGone, undefined, () => 1);
      return [
        {
          title: 'a target stops exporting mapwatch metrics while staying up, for longer than an hour',
          builder: exporterGone,
          labels: { metric: METRICS.registryMaps.name },
          controls: [
            { entity: MAP, gen: 'fine', key, skip: 0, what: 'an up target that still exports' },
            { entity: MAP, gen: 'down', key, skip: 1, what: 'a target that went down' },
          ],
        },
        {
          title: "a target stops exporting one family (every map's entries) and exports the rest",
          builder: familyGone,
          labels: { metric: METRICS.entries.name },
          controls: [],
        },
      ];
    }
    case 'jobMetricsAbsent': {
      const L = steps(c, c.absence.lookback);
      const forSteps = steps(c, c.alerts.jobMetricsAbsent.for);
      const start = 4;
      const stop = start + Math.min(L - 2, forSteps + 2 * steps(c, '1h'));
      const length = stop + forSteps + 6;
      const gone =
        (v: number) =>
        (i: number): Sample =>
          i === start ? 'stale' : i > start && i < stop ? undefined : v;
      // Services that push (no `up` series): every instance of the job stops exporting, then comes back.
      const b = new Builder(c, length);
      b.add(METRICS.registryMaps.name, {}, gone(12), 'target', MAP);
      // Controls, each its own job. A scraped job (it has `up`) whose exporter goes: MapwatchMetricsAbsent's.
      b.add(METRICS.registryMaps.name, { job: 'scraped' }, gone(12), 'target', 'scraped');
      b.add('up', { job: 'scraped' }, () => 1, 'target', 'scraped');
      // A pushing job where one instance stops and another one still exports.
      b.add(METRICS.registryMaps.name, { job: 'partial' }, gone(12), 'target', 'partial');
      b.add(METRICS.registryMaps.name, { job: 'partial' }, () => 12, 'target', 'partial-alive');
      return [
        {
          title:
            'every instance of a job that pushes its metrics (no up series) stops exporting mapwatch metrics',
          builder: b,
          labels: { metric: METRICS.registryMaps.name },
          controls: [
            { entity: 'partial', key, skip: 0, what: 'a pushing job with an instance that still exports' },
            { entity: 'scraped', key, skip: 1, what: 'a scraped job (it has up series)' },
          ],
        },
      ];
    }
    case 'memoryNearLimit':
    case 'restartNearLimit':
      return memoryScenarios(c, key);
    case 'collectErrors':
    case 'scrapeSlow':
    case 'samplesGrowing':
      return exporterScenarios(c, key);
  }
}

/** Shapes that look like faults but are not; no alert may fire on them. `long`: the day-scale shapes. */
function silentScenarios(c: PackConfig, long: boolean): Scenario[] {
  const F = steps(c, c.growth.window);
  const forSteps = Math.max(...ALERT_DEFS.map((d) => steps(c, c.alerts[d.key].for)));
  const length = 4 * F + 2 * forSteps + 10;
  const rise = c.growth.minFloorRise;
  const D = Math.max(steps(c, c.growth.peakWindow), steps(c, c.instances.peakWindow));
  // Long enough for every lock, cache and load window and `for` to elapse twice.
  const shortKeys = ALERT_KEYS.filter((k) => !LONG_KEYS.includes(k));
  const shortWindows = [
    c.lock.window,
    c.lock.stuckWindow,
    c.lock.timeoutWindow,
    c.cache.window,
    c.loads.window,
  ];
  const shortLength =
    2 *
      Math.max(...shortWindows.map((w) => steps(c, w)), ...shortKeys.map((k) => steps(c, c.alerts[k].for))) +
    steps(c, c.promotion.window) +
    10;
  const out: Scenario[] = [];
  const pinned = (...keys: AlertKey[]): Control[] =>
    keys.map((key) => ({ entity: MAP, key, skip: 2, what: 'below yesterday’s peak' }));

  // Warm-up: the map fills over a third of the floor window, then holds its size under churn; the owner
  // pool (instances) fills alongside.
  if (long) {
    const b = new Builder(c, length);
    const ramp = Math.max(1, Math.floor(F / 3));
    const top = 50 * rise;
    const level = (i: number) => Math.round((top * Math.min(i, ramp)) / ramp);
    b.add(
      METRICS.entries.name,
      { [LABELS.mapKind]: 'plain' },
      (i) => level(i) + (i % 2) * Math.round(rise / 2),
    );
    b.add(METRICS.inserts.name, {}, (i) => 20 * rise * i + level(i));
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'evict' }, (i) => 20 * rise * i);
    const inst = (i: number) => 2 + Math.round((20 * c.instances.minFloorRise * Math.min(i, ramp)) / ramp);
    b.add(METRICS.instances.name, {}, inst);
    b.add(METRICS.leakSuspect.name, {}, () => 0);
    out.push({ title: 'warm-up, then a plateau under churn', builder: b, controls: [] });
  }
  // TTL sawtooth: entries climb for a quarter window, then expire together.
  if (long) {
    const b = new Builder(c, length);
    const period = Math.max(2, Math.floor(F / 4));
    const perStep = Math.ceil((4 * rise) / period);
    b.add(METRICS.entries.name, { [LABELS.mapKind]: 'loading' }, (i) => perStep * (i % period));
    b.add(METRICS.inserts.name, {}, (i) => perStep * i);
    b.add(
      METRICS.deletes.name,
      { [LABELS.cause]: 'expire' },
      (i) => perStep * period * Math.floor(i / period),
    );
    b.add(METRICS.instances.name, {}, () => 1);
    out.push({ title: 'TTL sawtooth', builder: b, controls: [] });
  }
  // Periodic clear, slower than the floor window: the floor briefly looks like it rises, for less than `for`.
  if (long) {
    const b = new Builder(c, length);
    const period = Math.floor((3 * F) / 2);
    const perStep = Math.ceil((2 * rise) / F);
    b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, (i) => perStep * (i % period));
    b.add(METRICS.inserts.name, {}, (i) => perStep * i);
    b.add(
      METRICS.deletes.name,
      { [LABELS.cause]: 'clear' },
      (i) => perStep * period * Math.floor(i / period),
    );
    b.add(METRICS.instances.name, {}, () => 3);
    out.push({ title: 'periodic clear', builder: b, controls: [] });
  }
  // A daily cycle (a triangle over the peak window) under churn, peaking just under the ceiling: the
  // morning ramp raises the floor, outpaces deletes and extrapolates past the ceiling, every day.
  if (long) {
    const n = 3 * D + 2 * F + forSteps + 10;
    const b = new Builder(c, n);
    const half = Math.max(1, Math.floor(D / 2));
    const tri = (i: number) => {
      const x = i % (2 * half);
      return x <= half ? x : 2 * half - x;
    };
    const ceiling = ceilingFor(c, MAP);
    const low = Math.round(0.25 * ceiling);
    const slope = Math.max(1, Math.floor((0.7 * ceiling) / half));
    const churn = 2 * slope;
    b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, (i) => low + slope * tri(i));
    // Inserts add the rise on the way up, deletes the fall on the way down.
    const ups = (i: number) => {
      const cycles = Math.floor(i / (2 * half));
      const x = i % (2 * half);
      return cycles * half + Math.min(x, half);
    };
    const downs = (i: number) => i - ups(i);
    b.add(METRICS.inserts.name, {}, (i) => churn * i + slope * ups(i));
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'expire' }, (i) => churn * i + slope * downs(i));
    const instSlope = Math.max(1, Math.ceil((4 * c.instances.minFloorRise) / half));
    b.add(METRICS.instances.name, {}, (i) => 50 + instSlope * tri(i));
    out.push({
      title: 'a daily cycle under churn peaking near the ceiling',
      builder: b,
      controls: pinned('growth', 'growthCeiling', 'instancesGrowing'),
    });
  }
  // A long-TTL (one peak window) cache after a restart: counters reset, the map refills from 0 for a whole
  // day before anything expires, up to the level it held before.
  if (long) {
    const R = D;
    const n = R + D + 2 * F + forSteps + 10;
    const b = new Builder(c, n);
    const top = 100 * rise;
    const churn = Math.max(1, Math.ceil(top / D));
    const level = (i: number) => (i < R ? top : Math.min(top, churn * (i - R)));
    b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, level);
    b.add(METRICS.inserts.name, {}, (i) => (i < R ? churn * i : churn * (i - R)));
    // Before the restart expiries match inserts; after it nothing expires until the TTL has passed.
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'expire' }, (i) =>
      i < R ? churn * i : Math.max(0, churn * (i - R) - top),
    );
    b.add(METRICS.instances.name, {}, () => 4);
    out.push({
      title: 'a long-TTL cache refilling after a restart (counters reset)',
      builder: b,
      controls: pinned('growth'),
    });
  }
  // The same cache restarted under a new instance label (a new pod name): the old pod's series end, the
  // new pod's start from nothing and refill for a day. Only the job's peak of yesterday (the old pod's)
  // keeps this silent; the new pod has no day of its own. No survival series (sampling off).
  if (long) {
    const R = D;
    const n = R + D + 2 * F + forSteps + 10;
    const b = new Builder(c, n);
    const top = 100 * rise;
    const churn = Math.max(1, Math.ceil(top / D));
    const plain = { [LABELS.mapKind]: 'plain' };
    const expire = { [LABELS.cause]: 'expire' };
    const old =
      (f: (i: number) => number) =>
      (i: number): Sample =>
        i < R ? f(i) : i === R ? 'stale' : undefined;
    b.add(
      METRICS.entries.name,
      plain,
      old(() => top),
      'map',
      MAP,
      'a',
    );
    b.add(
      METRICS.inserts.name,
      {},
      old((i) => churn * i + top),
      'map',
      MAP,
      'a',
    );
    b.add(
      METRICS.deletes.name,
      expire,
      old((i) => churn * i),
      'map',
      MAP,
      'a',
    );
    const fresh =
      (f: (i: number) => number) =>
      (i: number): Sample =>
        i < R ? undefined : f(i - R);
    b.add(
      METRICS.entries.name,
      plain,
      fresh((t) => Math.min(top, churn * t)),
      'map',
      MAP,
      'b',
    );
    b.add(
      METRICS.inserts.name,
      {},
      fresh((t) => churn * t),
      'map',
      MAP,
      'b',
    );
    b.add(
      METRICS.deletes.name,
      expire,
      fresh((t) => Math.max(0, churn * t - top)),
      'map',
      MAP,
      'b',
    );
    out.push({
      title: 'a long-TTL cache refilling after a restart under a new instance label (pod name)',
      builder: b,
      controls: [
        { entity: MAP, gen: 'b', key: 'growth', skip: 2, what: 'below the job’s peak of yesterday' },
      ],
      gens: ['a', 'b'],
    });
  }
  // A healthy, busy map (a lock with a queue, a cache, a loader) whose process restarts halfway: every
  // counter resets, the map refills within a few steps.
  if (!long) {
    const b = new Builder(c, shortLength);
    const R = Math.floor(shortLength / 2);
    const top = 50 * rise;
    const level = (i: number) => (i < R ? top : Math.min(top, Math.round((top * (i - R + 1)) / 4)));
    b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, level);
    const churn = 2 * top;
    b.add(METRICS.inserts.name, {}, (i) => (i < R ? churn * i + top : churn * (i - R) + level(i)));
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'evict' }, (i) => (i < R ? churn * i : churn * (i - R)));
    b.add(METRICS.instances.name, {}, () => 3);
    b.add(METRICS.leakSuspect.name, {}, () => 0);
    healthyExtras(c, b, R);
    out.push({
      title: 'a healthy busy map whose process restarts (counters reset)',
      builder: b,
      controls: [],
    });
  }
  // A membership set (a blocklist checked with has()): 0 entries, nearly every lookup misses.
  if (!long) {
    const b = new Builder(c, shortLength);
    b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, () => 0);
    const step = parseDuration(c.evaluationInterval);
    const lookups = Math.ceil(4 * c.cache.minLookupsPerSecond * step);
    b.add(METRICS.lookups.name, { [LABELS.result]: 'miss' }, (i) => lookups * i);
    b.add(METRICS.lookups.name, { [LABELS.result]: 'hit' }, () => 0);
    b.add(METRICS.instances.name, {}, () => 1);
    out.push({
      title: 'a membership set with 0 entries whose lookups all miss',
      builder: b,
      controls: [{ entity: MAP, key: 'cacheIneffective', skip: 2, what: 'not a cache' }],
    });
  }
  return out;
}

/**
 * Fresh-start shapes (fresh-start-shapes.yml): every target starts with the test, no series before it. The
 * durations are those of the default rules (a 2 h fresh window), scaled by `fresh.window`. The generator
 * predicts every alert on them; for the default config the leak shapes page and the bounded ones page
 * nobody, which test/pack/promtool.test.ts checks on the committed file.
 */
function freshStartScenarios(c: PackConfig): Scenario[] {
  const step = parseDuration(c.evaluationInterval);
  const scale = parseDuration(c.fresh.window) / 7200;
  const H = 3600;
  const dur = (seconds: number) => Math.max(1, Math.round((seconds * scale) / step));
  const W = steps(c, c.fresh.window);
  const minNet = c.fresh.minNetInserts;
  const slope = 2 * Math.ceil(minNet / W) + 1;
  const churn = 10 * slope;
  const plain = { [LABELS.mapKind]: 'plain' };
  const age = METRICS.oldestSampledAge.name;
  const out: Scenario[] = [];

  {
    const b = new Builder(c, dur(6 * H));
    const level = (i: number) => slope * i;
    entriesSeries(b, MAP, level, churn, level, 'explicit');
    b.add(age, {}, keptAge(step));
    out.push({ title: '(a) a leak present from the target’s first minute', builder: b, controls: [] });
  }
  {
    // Inserts follow a daily cycle that starts at its trough; every entry expires one TTL after insertion.
    const day = dur(24 * H);
    const ttl = dur(H);
    const n = dur(30 * H);
    const base = Math.max(1, Math.ceil(minNet / ttl));
    const rate = (i: number) => Math.round(base + 5 * base * (1 - Math.cos((2 * Math.PI * (i % day)) / day)));
    const ins: number[] = [0];
    for (let i = 1; i < n; i++) ins.push((ins[i - 1] as number) + rate(i));
    const exp = (i: number) => (i >= ttl ? (ins[i - ttl] as number) : 0);
    const b = new Builder(c, n);
    b.add(METRICS.entries.name, plain, (i) => (ins[i] as number) - exp(i));
    b.add(METRICS.inserts.name, {}, (i) => ins[i] as number);
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'expire' }, exp);
    b.add(age, {}, (i) => Math.min(i, ttl) * step);
    out.push({
      title: `(b) a TTL cache (TTL ${formatDuration(ttl * step)}, not declared) under a daily traffic cycle, from its trough`,
      builder: b,
      controls: [{ entity: MAP, key: 'freshLeak', skip: 1, what: 'oldest entries capped by the TTL' }],
    });
  }
  {
    // A process that leaks restarts every 6 h under a new instance label, its counters from 0.
    const R = dur(6 * H);
    const count = 6;
    const n = (count - 1) * R + Math.ceil(R / 2);
    const b = new Builder(c, n);
    const gens: string[] = [];
    for (let k = 0; k < count; k++) {
      const gen = `r${k + 1}`;
      gens.push(gen);
      const start = k * R;
      const end = k === count - 1 ? n : start + R;
      const life =
        (f: (t: number) => number) =>
        (i: number): Sample =>
          i < start ? undefined : i < end ? f(i - start) : i === end ? 'stale' : undefined;
      b.add(
        METRICS.entries.name,
        plain,
        life((t) => slope * t),
        'map',
        MAP,
        gen,
      );
      b.add(
        METRICS.inserts.name,
        {},
        life((t) => (churn + slope) * t),
        'map',
        MAP,
        gen,
      );
      b.add(
        METRICS.deletes.name,
        { [LABELS.cause]: 'explicit' },
        life((t) => churn * t),
        'map',
        MAP,
        gen,
      );
      b.add(
        age,
        {},
        life((t) => keptAge(step)(t) as number),
        'map',
        MAP,
        gen,
      );
    }
    // The job's peak of yesterday, read at the last step, comes from instances that are gone.
    const P = steps(c, c.growth.peakWindow);
    const peak = jobPeak(simOf(c), b, METRICS.entries.name, MAP, P)(n - 1);
    const labels: Record<string, string> = { job: JOB, [LABELS.mapName]: MAP };
    for (const l of c.groupBy) labels[l] = GROUP_VALUE;
    const expr = yesterdaysJobPeak(c, METRICS.entries, c.growth.peakWindow);
    const named = /^[a-zA-Z_:][a-zA-Z0-9_:]*(?= offset )/.exec(expr)?.[0] ?? '';
    out.push({
      title: `(c) a leak resuming after restarts every ${formatDuration(R * step)}, each under a new instance label with counters from 0`,
      builder: b,
      controls: [],
      gens,
      exprTests:
        peak === undefined
          ? []
          : [
              {
                expr,
                at: n - 1,
                samples: [{ labels: seriesText({ __name__: named, ...labels }), value: peak }],
              },
            ],
    });
  }
  {
    // A cache filling toward its declared maximum for 20 h, then an LRU at capacity; nothing evicted before.
    const fill = dur(20 * H);
    const b = new Builder(c, dur(26 * H));
    const level = (i: number) => slope * Math.min(i, fill);
    b.add(METRICS.entries.name, plain, level);
    b.add(METRICS.inserts.name, {}, (i) => level(i) + churn * Math.max(0, i - fill));
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'evict' }, (i) => churn * Math.max(0, i - fill));
    b.add(age, {}, keptAge(step));
    b.add(METRICS.declaredMaxEntries.name, {}, () => slope * fill);
    out.push({
      title: `(d) a cache filling toward its declared maxEntries for ${formatDuration(fill * step)}, then at capacity`,
      builder: b,
      controls: [{ entity: MAP, key: 'freshLeak', skip: 3, what: 'within its declared maxEntries' }],
    });
  }
  {
    // An LRU full after half an hour: every insert evicts one entry; a hot entry stays forever.
    const fill = dur(H / 2);
    const top = 50 * minNet;
    const b = new Builder(c, dur(12 * H));
    const level = (i: number) => Math.round((top * Math.min(i, fill)) / fill);
    b.add(METRICS.entries.name, plain, level);
    b.add(METRICS.inserts.name, {}, (i) => level(i) + churn * Math.max(0, i - fill));
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'evict' }, (i) => churn * Math.max(0, i - fill));
    b.add(age, {}, (i) => i * step);
    out.push({
      title: '(e) an LRU at capacity whose oldest hot entry ages forever',
      builder: b,
      controls: [],
    });
  }
  {
    const period = dur(H / 2);
    const b = new Builder(c, dur(12 * H));
    b.add(METRICS.entries.name, plain, (i) => slope * (i % period));
    b.add(METRICS.inserts.name, {}, (i) => slope * i);
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'clear' }, (i) => slope * period * Math.floor(i / period));
    b.add(age, {}, (i) => (i % period) * step);
    out.push({ title: `(f) a map cleared every ${formatDuration(period * step)}`, builder: b, controls: [] });
  }
  {
    const T = dur(24 * H);
    const b = new Builder(c, dur(30 * H));
    b.add(METRICS.entries.name, plain, (i) => slope * Math.min(i, T));
    b.add(METRICS.inserts.name, {}, (i) => slope * i);
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'expire' }, (i) => slope * Math.max(0, i - T));
    b.add(age, {}, (i) => Math.min(i, T) * step);
    b.add(METRICS.declaredTtl.name, {}, () => T * step);
    out.push({
      title: `(g) a map with a declared TTL of ${formatDuration(T * step)} filling for its first TTL`,
      builder: b,
      controls: [
        { entity: MAP, key: 'freshLeak', skip: 4, what: 'within its declared TTL' },
        { entity: MAP, key: 'growth', skip: 4, what: 'within its declared TTL' },
      ],
    });
  }
  return out;
}

// ----------------------------------------------------------------------------------------- state machine

interface StepState {
  firing: boolean;
  /** Value shown in annotations while firing. */
  value: number | undefined;
  /** The last active evaluation: annotations (and their live queries) were expanded then. */
  at: number;
}

/** Prometheus' alert state machine (pending -> firing, keep_firing_for) applied to a model. */
function alertStates(
  c: PackConfig,
  key: AlertKey,
  m: (i: number) => number | undefined,
  length: number,
  step: number,
): StepState[] {
  const t = c.alerts[key];
  const forS = parseDuration(t.for);
  const kffS = t.keepFiringFor ? parseDuration(t.keepFiringFor) : 0;
  let state: 'inactive' | 'pending' | 'firing' = 'inactive';
  let activeAt = 0;
  let keepSince: number | undefined;
  let value: number | undefined;
  let at = 0;
  const out: StepState[] = [];
  for (let i = 0; i < length; i++) {
    const v = m(i);
    if (v !== undefined) {
      at = i;
      if (state === 'inactive') {
        state = 'pending';
        activeAt = i;
      }
      if (state === 'pending' && (i - activeAt) * step >= forS) state = 'firing';
      keepSince = undefined;
      value = v;
    } else if (state === 'firing' && kffS > 0) {
      keepSince ??= i;
      if ((i - keepSince) * step >= kffS) state = 'inactive';
    } else {
      state = 'inactive';
    }
    out.push({ firing: state === 'firing', value: state === 'firing' ? value : undefined, at });
  }
  return out;
}

// ----------------------------------------------------------------------------------------- YAML objects

/** promtool series notation; integer arithmetic runs compress to `a+bxn`, gaps to `_xn`. */
export function encodeValues(values: Sample[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    const v = values[i];
    if (typeof v !== 'number') {
      if (v === 'stale') {
        parts.push('stale');
        i++;
        continue;
      }
      let j = i;
      while (j + 1 < values.length && values[j + 1] === undefined) j++;
      parts.push(j > i ? `_x${j - i + 1}` : '_');
      i = j + 1;
      continue;
    }
    let j = i;
    const next = values[i + 1];
    if (Number.isInteger(v) && typeof next === 'number' && Number.isInteger(next)) {
      const d = next - v;
      while (j + 1 < values.length && values[j + 1] === (values[j] as number) + d) j++;
      parts.push(d === 0 ? `${v}x${j - i}` : `${v}${d > 0 ? '+' : '-'}${Math.abs(d)}x${j - i}`);
    } else {
      parts.push(String(v));
    }
    i = j + 1;
  }
  return parts.join(' ');
}

function seriesText(labels: Record<string, string>): string {
  const { __name__: name, ...rest } = labels;
  const inner = Object.keys(rest)
    .sort()
    .map((k) => `${k}="${rest[k]}"`)
    .join(', ');
  return `${name}{${inner}}`;
}

interface ExpAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

/** The alert promtool must see for one label set (job, instance, map_name, groupBy) and value. */
function expectedAlert(
  c: PackConfig,
  key: AlertKey,
  value: number,
  labels: Record<string, string>,
  live: LiveResolver,
): ExpAlert {
  const rule = buildRule(alertDef(key), c);
  return {
    exp_labels: { ...labels, ...rule.labels },
    exp_annotations: {
      dashboard_url: renderTemplate(rule.annotations.dashboard_url, labels, value),
      description: renderTemplate(rule.annotations.description, labels, value, live),
      runbook_url: rule.annotations.runbook_url,
      summary: rule.annotations.summary,
    },
  };
}

function expectedAlerts(
  c: PackConfig,
  key: AlertKey,
  value: number,
  gen: string | undefined,
  live: LiveResolver,
  extra: Record<string, string> = {},
): ExpAlert[] {
  const def = alertDef(key);
  if (def.perJob) {
    const labels: Record<string, string> = { job: JOB };
    for (const l of c.groupBy) labels[l] = GROUP_VALUE;
    return [expectedAlert(c, key, value, { ...labels, ...extra }, live)];
  }
  return SOURCES.map((src, k) => {
    const labels: Record<string, string> = { job: src.job, instance: instanceOf(k, gen) };
    for (const l of c.groupBy) labels[l] = GROUP_VALUE;
    if (def.scope === 'map') labels[LABELS.mapName] = MAP;
    return expectedAlert(c, key, value, { ...labels, ...extra }, live);
  });
}

export interface PromtoolTestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: Array<Record<string, unknown>>;
}

function testFile(c: PackConfig, ruleFile: string, tests: Array<Record<string, unknown>>): PromtoolTestFile {
  return { rule_files: [ruleFile], evaluation_interval: c.evaluationInterval, tests };
}

/** Steps worth checking: just before and at every change of the predicted firing state, and midway. */
function checkpoints(states: StepState[]): number[] {
  const out = new Set<number>();
  let since = 0;
  for (let i = 1; i < states.length; i++) {
    if ((states[i] as StepState).firing !== (states[i - 1] as StepState).firing) {
      out.add(i - 1);
      out.add(i);
      // The middle of the stretch that just ended, so a long firing (or silent) stretch is checked inside.
      out.add(Math.floor((since + i - 1) / 2));
      since = i;
    }
  }
  out.delete(0);
  return [...out].sort((a, b) => a - b);
}

const inputSeries = (b: Builder) =>
  b.series.map((s) => ({ series: seriesText(s.labels), values: encodeValues(s.values) }));

/** A guard of an alert that no control of the generated tests pins. */
export interface Unpinned {
  alert: string;
  condition: number;
}

interface Generated {
  files: Record<string, PromtoolTestFile>;
  /** Per alert key, the indices of conditions some control pins. */
  /** Per alert key and condition index, the test files in which some control pins it. */
  pinned: Map<AlertKey, Map<number, Set<string>>>;
  conditionCounts: Map<AlertKey, number>;
}

/** Records that a control pins condition `skip` of alert `key` (in the file being generated). */
type Pin = (key: AlertKey, skip: number) => void;

/**
 * Checks a scenario's controls against the model; returns the steps where they must be checked. `strict`:
 * a control on MAP that fires under this config is an error (a shape that must be silent is not).
 */
function checkControls(
  c: PackConfig,
  sim: Sim,
  sc: Scenario,
  at: Set<number>,
  pin: Pin,
  extraSteps: boolean,
  strict = true,
): number[] {
  const extra: number[] = [];
  for (const ctl of sc.controls) {
    const conds = conditions(c, sim, ctl.key, sc.builder, ctl.entity, ctl.gen);
    const full = alertStates(c, ctl.key, model(conds), sc.builder.length, sim.step);
    if (full.some((x) => x.firing)) {
      if (ctl.entity === MAP && strict) {
        throw new Error(
          `config makes ${alertDef(ctl.key).name} fire on the '${sc.title}' shape; lengthen its 'for' or windows`,
        );
      }
      continue; // not a valid control under this config: it pins nothing
    }
    if (ctl.skip < 0) continue; // a map that must stay silent, pinning no guard
    const mutated = alertStates(c, ctl.key, model(conds, ctl.skip), sc.builder.length, sim.step);
    let hit = [...at].find((i) => mutated[i]?.firing);
    if (hit === undefined && extraSteps) {
      const first = mutated.findIndex((x) => x.firing);
      if (first >= 0) {
        hit = first;
        extra.push(first);
      }
    }
    if (hit !== undefined) pin(ctl.key, ctl.skip);
  }
  return extra;
}

interface GenStates {
  gen: string | undefined;
  states: StepState[];
  /** The live values of the alert's description as evaluated at a step. */
  live: (at: number) => LiveResolver;
  /** Labels the alerts carry beyond the map's or target's. */
  labels: Record<string, string>;
}

/** The predicted alert states of MAP, per generation (instance) of the scenario. */
function mapStates(c: PackConfig, sim: Sim, key: AlertKey, sc: Scenario): GenStates[] {
  return (sc.gens ?? [undefined]).map((gen) => ({
    gen,
    states: alertStates(
      c,
      key,
      model(conditions(c, sim, key, sc.builder, MAP, gen)),
      sc.builder.length,
      sim.step,
    ),
    live: (at: number) => liveResolver(c, sim, sc.builder, MAP, gen, at),
    labels: sc.labels ?? {},
  }));
}

/** The alerts expected at step i: every generation firing then, from both sources. */
function expectedAt(c: PackConfig, key: AlertKey, per: GenStates[], i: number): ExpAlert[] {
  return per.flatMap((p) => {
    const st = p.states[i] as StepState;
    return st.firing ? expectedAlerts(c, key, st.value as number, p.gen, p.live(st.at), p.labels) : [];
  });
}

/** Throws if the model predicts any alert on a map the scenario says must stay silent. */
function checkSilent(c: PackConfig, sim: Sim, sc: Scenario): void {
  for (const { entity, gen } of sc.silent ?? []) {
    for (const def of ALERT_DEFS) {
      const states = alertStates(
        c,
        def.key,
        model(conditions(c, sim, def.key, sc.builder, entity, gen)),
        sc.builder.length,
        sim.step,
      );
      if (states.some((x) => x.firing)) {
        throw new Error(`${def.name} fires on ${entity} in '${sc.title}', which must stay silent`);
      }
    }
  }
}

const firstFiring = (per: GenStates[]) => {
  const firsts = per.map((p) => p.states.findIndex((x) => x.firing)).filter((i) => i >= 0);
  return firsts.length ? Math.min(...firsts) : -1;
};

/** One promtool test group: the steps around every predicted change of the alert's firing state. */
function fireTest(c: PackConfig, def: AlertDef, sc: Scenario, sim: Sim, pin: Pin): Record<string, unknown> {
  const at = (i: number) => formatDuration(i * sim.step);
  const per = mapStates(c, sim, def.key, sc);
  const fired = firstFiring(per);
  if (fired < 0) throw new Error(`${def.name}: the scenario '${sc.title}' never fires under this config`);
  const length = sc.builder.length;
  const firingAt = (i: number) => per.some((p) => p.states[i]?.firing);
  let lastFiring = length - 1;
  while (lastFiring >= 0 && !firingAt(lastFiring)) lastFiring--;
  if (lastFiring >= length - 1) throw new Error(`${def.name}: the scenario '${sc.title}' never resolves`);
  const base = [...new Set(per.flatMap((p) => checkpoints(p.states)))];
  const extra = checkControls(c, sim, sc, new Set(base), pin, true);
  const all = [...new Set([...base, ...extra])].sort((a, b) => a - b);
  const kff = c.alerts[def.key].keepFiringFor;
  const age =
    sc.startedAt === undefined ? '' : ` (${at(fired - sc.startedAt)} after the new instance started)`;
  return {
    name:
      `${def.name}: ${sc.title}; fires after for=${c.alerts[def.key].for} at ${at(fired)}${age}` +
      (kff ? `, keeps firing for ${kff} until ${at(lastFiring)}` : `, resolves at ${at(lastFiring + 1)}`) +
      (sc.controls.length ? `; controls: ${sc.controls.map((x) => x.what).join(', ')}` : ''),
    interval: c.evaluationInterval,
    input_series: inputSeries(sc.builder),
    alert_rule_test: all.map((i) => ({
      eval_time: at(i),
      alertname: def.name,
      exp_alerts: expectedAt(c, def.key, per, i),
    })),
  };
}

/**
 * One promtool test group for a fresh-start shape: every alert, at a regular grid and around every
 * predicted change of its state, expecting what the model predicts (firing or not); plus the expression
 * checks of the shape.
 */
function shapeTest(
  c: PackConfig,
  sc: Scenario,
  sim: Sim,
  pin: Pin,
  prefix = 'fresh start',
): Record<string, unknown> {
  const at = (i: number) => formatDuration(i * sim.step);
  const n = sc.builder.length;
  checkSilent(c, sim, sc);
  const every = Math.max(1, Math.floor(steps(c, c.fresh.window) / 2));
  const grid: number[] = [];
  for (let i = every; i < n; i += every) grid.push(i);
  const extra = checkControls(c, sim, sc, new Set(grid), pin, true, false);
  const checks: Array<{ i: number; order: number; test: Record<string, unknown> }> = [];
  const fired: string[] = [];
  ALERT_DEFS.forEach((def, order) => {
    const per = mapStates(c, sim, def.key, sc);
    const times = new Set([...grid, ...extra, ...per.flatMap((p) => checkpoints(p.states))]);
    for (const i of times) {
      checks.push({
        i,
        order,
        test: { eval_time: at(i), alertname: def.name, exp_alerts: expectedAt(c, def.key, per, i) },
      });
    }
    const first = firstFiring(per);
    if (first >= 0) {
      const on = per.filter((p) => p.states.some((x) => x.firing)).length;
      fired.push(`${def.name} fires from ${at(first)}${per.length > 1 ? ` on ${on} instances` : ''}`);
    }
  });
  checks.sort((a, b) => a.i - b.i || a.order - b.order);
  const test: Record<string, unknown> = {
    name: `${prefix} ${sc.title}: ${fired.length ? fired.join('; ') : 'no alert fires'}`,
    interval: c.evaluationInterval,
    input_series: inputSeries(sc.builder),
    alert_rule_test: checks.map((x) => x.test),
  };
  if (sc.exprTests?.length) {
    test.promql_expr_test = sc.exprTests.map((t) => ({
      expr: t.expr,
      eval_time: at(t.at),
      exp_samples: t.samples,
    }));
  }
  return test;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The config on the largest step that divides every one of `durations` and leaves at least `samples`
 * samples in the shortest of `shortest` (seconds). promtool evaluates every rule at every step of a test,
 * so a two-day test at 1m would take minutes; at 15m it takes a second and checks the same boundaries.
 */
function scaledConfig(c: PackConfig, durations: string[], shortest: number[], samples: number): PackConfig {
  const interval = parseDuration(c.evaluationInterval);
  const g = durations.map(parseDuration).reduce(gcd);
  const bound = Math.min(...shortest) / samples;
  for (let k = Math.floor(g / interval); k > 1; k--) {
    const d = k * interval;
    if (g % d === 0 && d <= bound) return { ...c, evaluationInterval: formatDuration(d) };
  }
  return c;
}

const timingOf = (c: PackConfig, keys: readonly AlertKey[]) =>
  keys.flatMap((k) => [c.alerts[k].for, c.alerts[k].keepFiringFor ?? c.alerts[k].for]);

/** The config as the day-scale tests see it (15m for the defaults). */
function longConfig(c: PackConfig): PackConfig {
  const half = formatDuration(parseDuration(c.instances.window) / 2);
  const windows = [
    c.growth.window,
    c.growth.predictWindow,
    c.growth.peakWindow,
    c.instances.peakWindow,
    half,
  ];
  const shortest = [c.growth.window, c.growth.predictWindow, half].map(parseDuration);
  return scaledConfig(c, [...windows, ...timingOf(c, LONG_KEYS)], shortest, 8);
}

/**
 * The config of the fresh-target and memory tests (5m for the defaults): their windows, and those of the
 * day-scale alerts that the fresh-start and out-of-memory shapes check too.
 */
function freshConfig(c: PackConfig): PackConfig {
  const half = formatDuration(parseDuration(c.instances.window) / 2);
  const windows = [
    c.fresh.window,
    c.fresh.floorWindow,
    c.fresh.floorOffset,
    c.growth.window,
    c.growth.predictWindow,
    c.growth.peakWindow,
    c.instances.peakWindow,
    half,
    c.memory.window,
    c.memory.restartWindow,
  ];
  const timing = timingOf(c, [...LONG_KEYS, 'freshLeak', ...MEMORY_KEYS]);
  return scaledConfig(c, [...windows, ...timing], [parseDuration(c.fresh.floorWindow)], 6);
}

function generate(c: PackConfig, ruleFile: string): Generated {
  const long = longConfig(c);
  const fresh = freshConfig(c);
  const configFor = (key: AlertKey) =>
    LONG_KEYS.includes(key) ? long : key === 'freshLeak' || MEMORY_KEYS.includes(key) ? fresh : c;
  const files: Record<string, PromtoolTestFile> = {};
  const pinned = new Map<AlertKey, Map<number, Set<string>>>();
  const pinIn =
    (file: string): Pin =>
    (key, skip) => {
      const byCondition = pinned.get(key) ?? new Map<number, Set<string>>();
      pinned.set(key, byCondition);
      byCondition.set(skip, (byCondition.get(skip) ?? new Set<string>()).add(file));
    };
  const conditionCounts = new Map<AlertKey, number>();
  for (const def of ALERT_DEFS) {
    const cc = configFor(def.key);
    const sim = simOf(cc);
    const scenarios = fireScenarios(cc, def.key);
    conditionCounts.set(
      def.key,
      conditions(cc, sim, def.key, (scenarios[0] as Scenario).builder, MAP).length,
    );
    const file = `${def.name}.yml`;
    const tests = scenarios.map((sc) => fireTest(cc, def, sc, sim, pinIn(file)));
    files[file] = testFile(cc, ruleFile, tests);
  }
  files['silent-shapes.yml'] = silentFile(c, ruleFile, silentScenarios(c, false), pinIn('silent-shapes.yml'));
  files['silent-long-shapes.yml'] = silentFile(
    long,
    ruleFile,
    silentScenarios(long, true),
    pinIn('silent-long-shapes.yml'),
  );
  const freshSim = simOf(fresh);
  files['fresh-start-shapes.yml'] = testFile(
    fresh,
    ruleFile,
    freshStartScenarios(fresh).map((sc) => shapeTest(fresh, sc, freshSim, pinIn('fresh-start-shapes.yml'))),
  );
  files['oom-cycle.yml'] = testFile(fresh, ruleFile, [
    shapeTest(fresh, oomCycleScenario(fresh), freshSim, pinIn('oom-cycle.yml'), 'out of memory'),
  ]);
  files[`${INFO_INHIBITOR}.yml`] = infoInhibitorTest(c, ruleFile) as unknown as PromtoolTestFile;
  return { files, pinned, conditionCounts };
}

function silentFile(c: PackConfig, ruleFile: string, silent: Scenario[], pin: Pin): PromtoolTestFile {
  const sim = simOf(c);
  const at = (i: number) => formatDuration(i * sim.step);
  return testFile(
    c,
    ruleFile,
    silent.map((sc) => {
      // Every half floor window on the day-scale shapes, a tenth of the shape on the short ones.
      const every = Math.max(
        1,
        Math.min(Math.floor(steps(c, c.growth.window) / 2), Math.floor(sc.builder.length / 10)),
      );
      const times: number[] = [];
      for (let i = every; i < sc.builder.length; i += every) times.push(i);
      // Every alert's model must agree that the shape is silent (checked by the controls below, skip -1).
      const everyAlert: Control[] = ALERT_KEYS.flatMap((key) =>
        (sc.gens ?? [undefined]).map((gen) => ({ entity: MAP, key, skip: -1, what: '', gen })),
      );
      checkControls(c, sim, { ...sc, controls: everyAlert }, new Set(), () => undefined, false);
      checkControls(c, sim, sc, new Set(times), pin, false);
      return {
        name: `no alert fires on ${sc.title}`,
        interval: c.evaluationInterval,
        input_series: inputSeries(sc.builder),
        alert_rule_test: times.flatMap((i) =>
          ALERT_DEFS.map((d) => ({ eval_time: at(i), alertname: d.name, exp_alerts: [] })),
        ),
      };
    }),
  );
}

/**
 * All promtool test files for a config, keyed by file name. `ruleFile` is the rule file path relative to
 * the test files' directory.
 */
export function buildRuleTests(
  c: PackConfig,
  ruleFile = '../mapwatch.rules.yml',
): Record<string, PromtoolTestFile> {
  return generate(c, ruleFile).files;
}

/**
 * Conditions (index in rule order, 0 = the one carrying the value) of alerts with more than one condition
 * that no control of the generated tests pins: deleting them from the rule would go unnoticed.
 */
export function ruleTestCoverage(c: PackConfig): Unpinned[] {
  const g = generate(c, '../mapwatch.rules.yml');
  const out: Unpinned[] = [];
  for (const def of ALERT_DEFS) {
    const n = g.conditionCounts.get(def.key) ?? 0;
    if (n < 2) continue;
    for (let k = 0; k < n; k++) {
      if (!g.pinned.get(def.key)?.has(k)) out.push({ alert: def.name, condition: k });
    }
  }
  return out;
}

/** A guard (condition 1 or later) of an alert and the generated test files whose controls pin it. */
export interface PinnedGuard {
  alert: string;
  condition: number;
  files: string[];
}

/**
 * Every guard of every alert with more than one condition, with the test files that must fail when the
 * guard is deleted from the rule (the mutation run in test/pack/promtool.test.ts).
 */
export function pinnedGuards(c: PackConfig): PinnedGuard[] {
  const g = generate(c, '../mapwatch.rules.yml');
  return ALERT_DEFS.flatMap((def) =>
    Array.from({ length: Math.max(0, (g.conditionCounts.get(def.key) ?? 0) - 1) }, (_, n) => ({
      alert: def.name,
      condition: n + 1,
      files: [...(g.pinned.get(def.key)?.get(n + 1) ?? [])].sort(),
    })),
  );
}

/** An alert the model predicts on a recording: its labels and when it first fires (seconds from the start). */
export interface ReplayPage {
  alert: string;
  labels: Record<string, string>;
  firstFiringAt: number;
}

/**
 * Replays recorded series (any job, instance and map_name labels; one sample per evaluation step of `c`,
 * from the recording's first step) through the model of every map alert. Returns the pages it predicts and
 * a promtool test group that checks those predictions against the real rules, at a regular grid and
 * around every predicted change.
 */
export function replayRecording(
  c: PackConfig,
  title: string,
  series: SimSeries[],
): { test: Record<string, unknown>; pages: ReplayPage[] } {
  const sim = simOf(c);
  const at = (i: number) => formatDuration(i * sim.step);
  const b = Builder.recorded(c, series);
  const targets = new Map<
    string,
    { entity: string; gen: string | undefined; labels: Record<string, string> }
  >();
  for (const x of series) {
    const entity = x.labels[LABELS.mapName];
    if (entity === undefined || x.labels.__name__ !== METRICS.entries.name) continue;
    const labels: Record<string, string> = { job: x.labels.job ?? '', instance: x.labels.instance ?? '' };
    for (const l of c.groupBy) if (x.labels[l] !== undefined) labels[l] = x.labels[l] as string;
    labels[LABELS.mapName] = entity;
    targets.set(JSON.stringify(labels), { entity, gen: x.labels.instance, labels });
  }
  const every = Math.max(1, Math.round(1800 / sim.step));
  const grid: number[] = [];
  for (let i = every; i < b.length; i += every) grid.push(i);
  const pages: ReplayPage[] = [];
  const checks: Array<{ i: number; order: number; test: Record<string, unknown> }> = [];
  // Map alerts only: the recordings hold map series, no target series (process, scrape, registry).
  ALERT_DEFS.filter((d) => d.scope === 'map').forEach((def, order) => {
    const per = [...targets.values()].map((t) => ({
      t,
      states: alertStates(
        c,
        def.key,
        model(conditions(c, sim, def.key, b, t.entity, t.gen)),
        b.length,
        sim.step,
      ),
    }));
    for (const p of per) {
      const first = p.states.findIndex((x) => x.firing);
      if (first >= 0) pages.push({ alert: def.name, labels: p.t.labels, firstFiringAt: first * sim.step });
    }
    const times = new Set([...grid, ...per.flatMap((p) => checkpoints(p.states))]);
    for (const i of times) {
      const exp = per.flatMap((p) => {
        const st = p.states[i] as StepState;
        const live = liveResolver(c, sim, b, p.t.entity, p.t.gen, st.at);
        return st.firing ? [expectedAlert(c, def.key, st.value as number, p.t.labels, live)] : [];
      });
      checks.push({ i, order, test: { eval_time: at(i), alertname: def.name, exp_alerts: exp } });
    }
  });
  checks.sort((x, y) => x.i - y.i || x.order - y.order);
  return {
    pages,
    test: {
      name: title,
      interval: c.evaluationInterval,
      input_series: inputSeries(b),
      alert_rule_test: checks.map((x) => x.test),
    },
  };
}
