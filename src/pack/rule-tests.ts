/**
 * Config -> promtool unit tests (alerts/tests/*.yml). Tests are generated, not hand-written, so that the
 * `for`, `keep_firing_for` and thresholds they check come from the same config as the rules.
 *
 * For every alert a scenario builds synthetic series (one map exported by prom-client, the same map on
 * another instance exported through OTel with its otel_scope_* labels), a model of the alert expression
 * (promsim.ts) predicts step by step whether the expression returns a value, and a small copy of the
 * Prometheus alert state machine turns that into the steps where the alert must not yet fire, must fire,
 * must keep firing and must stop. Silent scenarios (warm-up then plateau, TTL sawtooth, periodic clear)
 * assert that no alert fires at all.
 */
import { LABELS, LOCK_WAIT_BUCKETS, METRICS } from '../conventions.js';
import { ALERT_DEFS, alertDef, buildRule, type AlertDef } from './alerts.js';
import { type AlertKey, type PackConfig } from './config.js';
import { formatDuration, parseDuration } from './duration.js';
import { histogramSeries } from './promql.js';
import { Sim, histogramQuantile, renderTemplate, type Sample, type SimSeries } from './promsim.js';

const JOB = 'checkout';
/** The two export paths: label sets of the same map as prom-client and the OTel exporter emit them. */
const SOURCES = [
  { job: JOB, instance: 'checkout-0:9464' },
  { job: JOB, instance: 'checkout-1:9464', otel_scope_name: 'mapwatch', otel_scope_version: '0.1.0' },
] as const;
const MAP = 'sessions';

type Values = (i: number) => Sample;

/** Builds the series of one scenario for both sources. */
class Builder {
  readonly series: SimSeries[] = [];
  constructor(readonly length: number) {}

  add(name: string, labels: Record<string, string>, f: Values, scope: 'map' | 'target' = 'map'): void {
    for (const src of SOURCES) {
      const base: Record<string, string> = { __name__: name, ...src };
      if (scope === 'map') base[LABELS.mapName] = MAP;
      this.series.push({
        labels: { ...base, ...labels },
        values: Array.from({ length: this.length }, (_, i) => f(i)),
      });
    }
  }

  /** Values of one series of the first source (both sources carry identical values). */
  values(name: string, labels: Record<string, string> = {}): Sample[] {
    const s = this.series.find(
      (x) =>
        x.labels.__name__ === name &&
        x.labels.instance === SOURCES[0].instance &&
        Object.entries(labels).every(([k, v]) => x.labels[k] === v),
    );
    if (!s) throw new Error(`scenario has no series ${name}`);
    return s.values;
  }
}

interface Scenario {
  title: string;
  builder: Builder;
  /** Value of the alert expression for one source at step i, undefined when it returns nothing. */
  model: (i: number) => number | undefined;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;
const steps = (c: PackConfig, d: string) => parseDuration(d) / parseDuration(c.evaluationInterval);

/** Stretches of a fault: healthy, then bad from `start` to `stop` (exclusive), then healthy again. */
interface Phases {
  start: number;
  stop: number;
  length: number;
}

function phases(c: PackConfig, key: AlertKey, windowSteps: number): Phases {
  const t = c.alerts[key];
  const forSteps = steps(c, t.for);
  const kff = t.keepFiringFor ? steps(c, t.keepFiringFor) : 0;
  const start = windowSteps + 2;
  const stop = start + 2 * windowSteps + forSteps + 4;
  return { start, stop, length: stop + 2 * windowSteps + kff + 6 };
}

// ----------------------------------------------------------------------------------------- models

/** Increase of the delete counters summed over causes; 0 when none exists (the rule's `or 0 * inserts`). */
function netInserts(c: PackConfig, sim: Sim, b: Builder, F: number) {
  const ins = b.values(METRICS.inserts.name);
  const dels = b.series
    .filter((s) => s.labels.__name__ === METRICS.deletes.name && s.labels.instance === SOURCES[0].instance)
    .map((s) => s.values);
  return (i: number): number | undefined => {
    const inc = sim.increase(ins, i, F);
    if (inc === undefined) return undefined;
    const del = dels.map((d) => sim.increase(d, i, F) ?? 0).reduce((a, x) => a + x, 0);
    return inc - del;
  };
}

function floorRise(sim: Sim, s: Sample[], i: number, w: number): number | undefined {
  const now = sim.minOver(s, i, w);
  const then = sim.minOver(s, i, w, w);
  return now === undefined || then === undefined ? undefined : now - then;
}

function growthModel(c: PackConfig, sim: Sim, b: Builder) {
  const F = steps(c, c.growth.window);
  const e = b.values(METRICS.entries.name);
  const net = netInserts(c, sim, b, F);
  return (i: number): number | undefined => {
    const rise = floorRise(sim, e, i, F);
    if (rise === undefined || rise < c.growth.minFloorRise) return undefined;
    const n = net(i);
    return n !== undefined && n >= c.growth.minFloorRise ? rise : undefined;
  };
}

function ceilingModel(c: PackConfig, sim: Sim, b: Builder) {
  const F = steps(c, c.growth.window);
  const P = steps(c, c.growth.predictWindow);
  const e = b.values(METRICS.entries.name);
  return (i: number): number | undefined => {
    const pred = sim.predictLinear(e, i, P, parseDuration(c.growth.predictHorizon));
    if (pred === undefined || !(pred > c.growth.ceiling)) return undefined;
    const rise = floorRise(sim, e, i, F);
    return rise !== undefined && rise >= c.growth.minFloorRise ? pred : undefined;
  };
}

function instancesModel(c: PackConfig, sim: Sim, b: Builder) {
  const W = steps(c, c.instances.window);
  const H = W / 2;
  const s = b.values(METRICS.instances.name);
  return (i: number): number | undefined => {
    const long = floorRise(sim, s, i, W);
    const short = floorRise(sim, s, i, H);
    return long !== undefined && long >= c.instances.minFloorRise && short !== undefined && short > 0
      ? long
      : undefined;
  };
}

// ----------------------------------------------------------------------------------------- scenarios

/** Entries that rise by `slope` per step (with a little churn noise) between start and stop. */
function leakSeries(b: Builder, p: Phases, base: number, slope: number, noise: number, deletes = true): void {
  const level = (i: number) => base + slope * (Math.min(Math.max(i, p.start), p.stop) - p.start);
  const churn = 10 * Math.max(slope, 1);
  b.add(METRICS.entries.name, { [LABELS.mapKind]: 'plain' }, (i) => level(i) + (i % 3 === 0 ? 0 : noise));
  // inserts - deletes tracks the level; churn keeps both counters moving as in a real cache.
  if (!deletes) {
    // The classic slow leak: only ever added to, so no delete series exists at all.
    b.add(METRICS.inserts.name, {}, (i) => level(i) - base);
    return;
  }
  b.add(METRICS.inserts.name, {}, (i) => churn * i + level(i) - base);
  b.add(METRICS.deletes.name, { [LABELS.cause]: 'explicit' }, (i) => churn * i);
}

function fireScenarios(c: PackConfig, key: AlertKey, sim: Sim): Scenario[] {
  if (key !== 'growth') return [fireScenario(c, key, sim)];
  const F = steps(c, c.growth.window);
  const p = phases(c, key, F);
  const slope = Math.ceil((2 * c.growth.minFloorRise) / F);
  const churn = new Builder(p.length);
  leakSeries(churn, p, 1000, slope, c.growth.minFloorRise);
  const addOnly = new Builder(p.length);
  leakSeries(addOnly, p, 1000, slope, 0, false);
  return [
    {
      title: 'a leak under churn: the floor rises and inserts outpace deletes',
      builder: churn,
      model: growthModel(c, sim, churn),
    },
    {
      title: 'a map only ever added to (no delete series exists)',
      builder: addOnly,
      model: growthModel(c, sim, addOnly),
    },
  ];
}

function fireScenario(c: PackConfig, key: Exclude<AlertKey, 'growth'>, sim: Sim): Scenario {
  const step = sim.step;
  switch (key) {
    case 'growthCeiling': {
      const F = steps(c, c.growth.window);
      const p = phases(c, key, Math.max(F, steps(c, c.growth.predictWindow)));
      const b = new Builder(p.length);
      const horizonSteps = parseDuration(c.growth.predictHorizon) / step;
      const slope = Math.max(
        Math.ceil((2 * c.growth.minFloorRise) / F),
        Math.ceil(c.growth.ceiling / horizonSteps),
      );
      leakSeries(b, p, Math.round(c.growth.ceiling / 4), slope, 0);
      return { title: 'a fast leak heading for the ceiling', builder: b, model: ceilingModel(c, sim, b) };
    }
    case 'leakSuspect': {
      const W = steps(c, c.leak.holdWindow);
      const p = phases(c, key, W);
      const b = new Builder(p.length);
      b.add(METRICS.leakSuspect.name, {}, (i) => (i >= p.start && i < p.stop ? 1 : 0));
      const s = b.values(METRICS.leakSuspect.name);
      return {
        title: 'the detector verdict turns to 1, holds, then clears',
        builder: b,
        model: (i) => (sim.minOver(s, i, W) === 1 ? 1 : undefined),
      };
    }
    case 'instancesGrowing': {
      const W = steps(c, c.instances.window);
      const p = phases(c, key, W);
      const b = new Builder(p.length);
      const slope = Math.ceil((2 * c.instances.minFloorRise) / W);
      b.add(
        METRICS.instances.name,
        {},
        (i) => 5 + slope * (Math.min(Math.max(i, p.start), p.stop) - p.start) + (i % 2),
      );
      return {
        title: 'owners of a map leak: the instance count keeps rising',
        builder: b,
        model: instancesModel(c, sim, b),
      };
    }
    case 'lockStorm': {
      const W = steps(c, c.lock.window);
      const p = phases(c, key, W);
      const b = new Builder(p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      let acc = 0;
      const wait: number[] = Array.from({ length: p.length }, (_, i) => {
        const v = acc;
        acc +=
          (bad(i) ? 2 * c.lock.stormWaitSecondsPerSecond : 0.1 * c.lock.stormWaitSecondsPerSecond) * step;
        return round(v);
      });
      b.add(METRICS.lockWaitSeconds.name, { [LABELS.mode]: 'write' }, (i) => wait[i]);
      b.add(METRICS.lockWaiters.name, {}, (i) => (bad(i) ? 2 * c.lock.stormWaiters : 1));
      const ws = b.values(METRICS.lockWaitSeconds.name);
      const wt = b.values(METRICS.lockWaiters.name);
      return {
        title: 'a lock storm: waiting time and waiters both high, then recovery',
        builder: b,
        model: (i) => {
          const r = sim.rate(ws, i, W);
          const a = sim.avgOver(wt, i, W);
          return r !== undefined &&
            r > c.lock.stormWaitSecondsPerSecond &&
            a !== undefined &&
            a >= c.lock.stormWaiters
            ? r
            : undefined;
        },
      };
    }
    case 'lockWaitsLong': {
      const W = steps(c, c.lock.window);
      const p = phases(c, key, W);
      const b = new Builder(p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      // Per step, 2x the minimum contended rate of waits: fast ones (1 ms) when healthy, slow ones
      // (just above the threshold) during the fault.
      const perStep = Math.max(1, Math.ceil(2 * c.lock.minContendedPerSecond * step));
      const slow = LOCK_WAIT_BUCKETS.find((x) => x > c.lock.longWaitSeconds * 1.5) ?? Infinity;
      const fast = LOCK_WAIT_BUCKETS[0] as number;
      const counts = { fast: [] as number[], slow: [] as number[] };
      let f = 0;
      let sl = 0;
      for (let i = 0; i < p.length; i++) {
        counts.fast.push(f);
        counts.slow.push(sl);
        if (bad(i)) sl += perStep;
        else f += perStep;
      }
      const h = histogramSeries(METRICS.lockWaitDuration);
      const bounds = [...LOCK_WAIT_BUCKETS, Infinity];
      for (const le of bounds) {
        const leText = le === Infinity ? '+Inf' : String(le);
        b.add(
          h.bucket,
          { [LABELS.mode]: 'write', le: leText },
          (i) =>
            (le >= fast ? (counts.fast[i] as number) : 0) + (le >= slow ? (counts.slow[i] as number) : 0),
        );
      }
      b.add(
        h.count,
        { [LABELS.mode]: 'write' },
        (i) => (counts.fast[i] as number) + (counts.slow[i] as number),
      );
      b.add(h.sum, { [LABELS.mode]: 'write' }, (i) =>
        round((counts.fast[i] as number) * fast + (counts.slow[i] as number) * slow),
      );
      const bucketValues = bounds.map(
        (le) => [le, b.values(h.bucket, { le: le === Infinity ? '+Inf' : String(le) })] as const,
      );
      const cnt = b.values(h.count);
      return {
        title: 'contended waits move to a slow bucket, then back',
        builder: b,
        model: (i) => {
          const rates = bucketValues.map(([le, v]) => [le, sim.rate(v, i, W)] as const);
          if (rates.some(([, r]) => r === undefined)) return undefined;
          const q = histogramQuantile(c.lock.waitQuantile, rates as Array<[number, number]>);
          const n = sim.rate(cnt, i, W);
          return q !== undefined &&
            q > c.lock.longWaitSeconds &&
            n !== undefined &&
            n > c.lock.minContendedPerSecond
            ? q
            : undefined;
        },
      };
    }
    case 'lockTimeouts': {
      const W = steps(c, c.lock.timeoutWindow);
      const p = phases(c, key, W);
      const b = new Builder(p.length);
      const perStep = Math.max(1, Math.ceil((2 * c.lock.minTimeouts) / W));
      b.add(
        METRICS.lockTimeouts.name,
        {},
        (i) => perStep * (Math.min(Math.max(i, p.start), p.stop) - p.start),
      );
      const s = b.values(METRICS.lockTimeouts.name);
      return {
        title: 'lock acquisitions time out for a while',
        builder: b,
        model: (i) => {
          const inc = sim.increase(s, i, W);
          return inc !== undefined && inc >= c.lock.minTimeouts ? inc : undefined;
        },
      };
    }
    case 'promotionChurn': {
      const W = steps(c, c.promotion.window);
      const p = phases(c, key, W);
      const b = new Builder(p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const lookupsPerStep = 100 * step;
      const counter = (perStep: (i: number) => number) => {
        let acc = 0;
        const out = Array.from({ length: p.length }, (_, i) => {
          const v = acc;
          acc += perStep(i);
          return round(v);
        });
        return (i: number) => out[i];
      };
      b.add(
        METRICS.lookups.name,
        { [LABELS.result]: 'hit' },
        counter(() => lookupsPerStep),
      );
      b.add(
        METRICS.copiedEntries.name,
        {},
        counter((i) => (bad(i) ? 3 * c.promotion.copiedPerLookup : 0.01) * lookupsPerStep),
      );
      b.add(
        METRICS.promotions.name,
        {},
        counter((i) => (bad(i) ? 3 * c.promotion.minPromotionsPerSecond : 0.001) * step),
      );
      const lk = b.values(METRICS.lookups.name);
      const ce = b.values(METRICS.copiedEntries.name);
      const pr = b.values(METRICS.promotions.name);
      return {
        title: 'a read-mostly map under a key-churning write load',
        builder: b,
        model: (i) => {
          const [l, x, q] = [sim.rate(lk, i, W), sim.rate(ce, i, W), sim.rate(pr, i, W)];
          if (l === undefined || x === undefined || q === undefined) return undefined;
          return x / l > c.promotion.copiedPerLookup && q > c.promotion.minPromotionsPerSecond
            ? x / l
            : undefined;
        },
      };
    }
    case 'cacheIneffective':
    case 'loadsFailing': {
      const cache = key === 'cacheIneffective';
      const W = steps(c, cache ? c.cache.window : c.loads.window);
      const p = phases(c, key, W);
      const b = new Builder(p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const name = cache ? METRICS.lookups.name : METRICS.loads.name;
      const [good, badResult] = cache ? ['hit', 'miss'] : ['success', 'failure'];
      const threshold = cache ? c.cache.missRatio : c.loads.failureRatio;
      const minRate = cache ? c.cache.minLookupsPerSecond : c.loads.minLoadsPerSecond;
      const perStep = Math.ceil(4 * minRate * step);
      // Healthy: a fifth of the threshold goes bad; fault: halfway between the threshold and 100%.
      const badShare = (i: number) => (bad(i) ? (1 + threshold) / 2 : threshold / 5);
      const cum = (share: (i: number) => number) => {
        let acc = 0;
        const out = Array.from({ length: p.length }, (_, i) => {
          const v = acc;
          acc += share(i) * perStep;
          return round(v);
        });
        return (i: number) => out[i];
      };
      b.add(
        name,
        { [LABELS.result]: good as string },
        cum((i) => 1 - badShare(i)),
      );
      b.add(name, { [LABELS.result]: badResult as string }, cum(badShare));
      const g = b.values(name, { [LABELS.result]: good as string });
      const x = b.values(name, { [LABELS.result]: badResult as string });
      return {
        title: cache ? 'a cache whose lookups almost all miss' : 'a loader that fails often',
        builder: b,
        model: (i) => {
          const [rg, rx] = [sim.rate(g, i, W), sim.rate(x, i, W)];
          if (rg === undefined || rx === undefined) return undefined;
          const ratio = rx / (rg + rx);
          return ratio > threshold && rg + rx > minRate ? ratio : undefined;
        },
      };
    }
    case 'loadStampede': {
      const W = steps(c, c.loads.window);
      const p = phases(c, key, W);
      const b = new Builder(p.length);
      const bad = (i: number) => i >= p.start && i < p.stop;
      const loadsPerStep = Math.max(1, Math.ceil(c.loads.minJoinsPerSecond * step));
      let lj = 0;
      const joins = Array.from({ length: p.length }, (_, i) => {
        const v = lj;
        lj += (bad(i) ? 2 * c.loads.joinsPerLoad : 1) * loadsPerStep;
        return v;
      });
      b.add(METRICS.loads.name, { [LABELS.result]: 'success' }, (i) => loadsPerStep * i);
      b.add(METRICS.loadJoins.name, {}, (i) => joins[i]);
      const ld = b.values(METRICS.loads.name);
      const jn = b.values(METRICS.loadJoins.name);
      return {
        title: 'many callers join every load of hot keys',
        builder: b,
        model: (i) => {
          const [l, j] = [sim.rate(ld, i, W), sim.rate(jn, i, W)];
          if (l === undefined || j === undefined) return undefined;
          return j / l > c.loads.joinsPerLoad && j > c.loads.minJoinsPerSecond ? j / l : undefined;
        },
      };
    }
    case 'registryOverflow': {
      const W = steps(c, c.registry.overflowWindow);
      const p = phases(c, key, W);
      const b = new Builder(p.length);
      // Names keep overflowing between start and stop, one fold every other step.
      b.add(
        METRICS.registryOverflow.name,
        {},
        (i) => Math.floor((Math.min(Math.max(i, p.start), p.stop) - p.start) / 2),
        'target',
      );
      b.add(METRICS.registryMaps.name, {}, () => 100, 'target');
      const s = b.values(METRICS.registryOverflow.name);
      return {
        title: 'new map names keep folding into _other',
        builder: b,
        model: (i) => {
          const inc = sim.increase(s, i, W);
          return inc !== undefined && inc > 0 ? inc : undefined;
        },
      };
    }
    case 'metricsAbsent': {
      const L = steps(c, c.absence.lookback);
      const p = phases(c, key, L);
      const b = new Builder(p.length);
      // Exported until start, then gone (a staleness marker, as a scrape without the series writes),
      // back at stop.
      b.add(
        METRICS.registryMaps.name,
        {},
        (i) => (i === p.start ? 'stale' : i > p.start && i < p.stop ? undefined : 12),
        'target',
      );
      b.add('up', {}, () => 1, 'target');
      const s = b.values(METRICS.registryMaps.name);
      return {
        title: 'a target stops exporting mapwatch metrics while staying up',
        builder: b,
        model: (i) => (sim.maxOver(s, i, L) !== undefined && sim.instant(s, i) === undefined ? 1 : undefined),
      };
    }
  }
}

/** Shapes that look like growth but are not; no alert may fire on them. */
function silentScenarios(c: PackConfig, sim: Sim): Scenario[] {
  const F = steps(c, c.growth.window);
  const forSteps = Math.max(...ALERT_DEFS.map((d) => steps(c, c.alerts[d.key].for)));
  const length = 4 * F + 2 * forSteps + 10;
  const rise = c.growth.minFloorRise;
  const out: Scenario[] = [];
  const never = () => undefined;

  // Warm-up: the map fills over a third of the floor window, then holds its size under churn; the owner
  // pool (instances) fills alongside.
  {
    const b = new Builder(length);
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
    out.push({ title: 'warm-up, then a plateau under churn', builder: b, model: never });
  }
  // TTL sawtooth: entries climb for a quarter window, then expire together.
  {
    const b = new Builder(length);
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
    out.push({ title: 'TTL sawtooth', builder: b, model: never });
  }
  // Periodic clear, slower than the floor window: the floor briefly looks like it rises, for less than `for`.
  {
    const b = new Builder(length);
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
    out.push({ title: 'periodic clear', builder: b, model: never });
  }
  // The models of the growth alerts must agree that these shapes stay silent; checked in generation.
  for (const s of out) {
    for (const key of ['growth', 'growthCeiling', 'instancesGrowing'] as const) {
      const model =
        key === 'growth'
          ? growthModel(c, sim, s.builder)
          : key === 'growthCeiling'
            ? ceilingModel(c, sim, s.builder)
            : instancesModel(c, sim, s.builder);
      const states = alertStates(c, key, model, length, sim.step);
      if (states.some((x) => x.firing)) {
        throw new Error(
          `config makes ${alertDef(key).name} fire on the '${s.title}' shape; lengthen its 'for' or windows`,
        );
      }
    }
  }
  return out;
}

// ----------------------------------------------------------------------------------------- state machine

interface StepState {
  firing: boolean;
  /** Value shown in annotations while firing. */
  value: number | undefined;
}

/** Prometheus' alert state machine (pending -> firing, keep_firing_for) applied to a model. */
function alertStates(
  c: PackConfig,
  key: AlertKey,
  model: (i: number) => number | undefined,
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
  const out: StepState[] = [];
  for (let i = 0; i < length; i++) {
    const v = model(i);
    if (v !== undefined) {
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
    out.push({ firing: state === 'firing', value: state === 'firing' ? value : undefined });
  }
  return out;
}

// ----------------------------------------------------------------------------------------- YAML objects

/** promtool series notation; integer arithmetic runs compress to `a+bxn`. */
export function encodeValues(values: Sample[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    const v = values[i];
    if (typeof v !== 'number') {
      parts.push(v === 'stale' ? 'stale' : '_');
      i++;
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

function expectedAlerts(c: PackConfig, key: AlertKey, value: number): ExpAlert[] {
  const def = alertDef(key);
  const rule = buildRule(def, c);
  return SOURCES.map((src) => {
    const labels: Record<string, string> = { job: src.job, instance: src.instance };
    if (def.scope === 'map') labels[LABELS.mapName] = MAP;
    const exp_labels = { ...labels, severity: rule.labels.severity, signal: rule.labels.signal };
    return {
      exp_labels,
      exp_annotations: {
        description: renderTemplate(rule.annotations.description, labels, value),
        runbook_url: rule.annotations.runbook_url,
        summary: rule.annotations.summary,
      },
    };
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

/** Steps worth checking: just before and at every change of the predicted firing state. */
function checkpoints(states: StepState[]): number[] {
  const out = new Set<number>();
  for (let i = 1; i < states.length; i++) {
    if ((states[i] as StepState).firing !== (states[i - 1] as StepState).firing) {
      out.add(i - 1);
      out.add(i);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** One promtool test group: the steps around every predicted change of the alert's firing state. */
function fireTest(c: PackConfig, def: AlertDef, sc: Scenario, sim: Sim): Record<string, unknown> {
  const at = (i: number) => formatDuration(i * sim.step);
  const states = alertStates(c, def.key, sc.model, sc.builder.length, sim.step);
  const fired = states.findIndex((x) => x.firing);
  if (fired < 0) throw new Error(`${def.name}: the scenario '${sc.title}' never fires under this config`);
  const lastFiring = states.length - 1 - [...states].reverse().findIndex((x) => x.firing);
  if (lastFiring >= states.length - 1)
    throw new Error(`${def.name}: the scenario '${sc.title}' never resolves`);
  const kff = c.alerts[def.key].keepFiringFor;
  return {
    name:
      `${def.name}: ${sc.title}; fires after for=${c.alerts[def.key].for} at ${at(fired)}` +
      (kff ? `, keeps firing for ${kff} until ${at(lastFiring)}` : `, resolves at ${at(lastFiring + 1)}`),
    interval: c.evaluationInterval,
    input_series: sc.builder.series.map((s) => ({
      series: seriesText(s.labels),
      values: encodeValues(s.values),
    })),
    alert_rule_test: checkpoints(states).map((i) => {
      const st = states[i] as StepState;
      return {
        eval_time: at(i),
        alertname: def.name,
        exp_alerts: st.firing ? expectedAlerts(c, def.key, st.value as number) : [],
      };
    }),
  };
}

/**
 * All promtool test files for a config, keyed by file name. `ruleFile` is the rule file path relative to
 * the test files' directory.
 */
export function buildRuleTests(
  c: PackConfig,
  ruleFile = '../mapwatch.rules.yml',
): Record<string, PromtoolTestFile> {
  const step = parseDuration(c.evaluationInterval);
  const sim = new Sim(step);
  const at = (i: number) => formatDuration(i * step);
  const files: Record<string, PromtoolTestFile> = {};
  for (const def of ALERT_DEFS) {
    const tests = fireScenarios(c, def.key, sim).map((sc) => fireTest(c, def, sc, sim));
    files[`${def.name}.yml`] = testFile(c, ruleFile, tests);
  }
  const silent = silentScenarios(c, sim);
  files['silent-shapes.yml'] = testFile(
    c,
    ruleFile,
    silent.map((sc) => {
      const every = Math.max(1, Math.floor(steps(c, c.growth.window) / 4));
      const times: number[] = [];
      for (let i = 0; i < sc.builder.length; i += every) times.push(i);
      return {
        name: `no alert fires on ${sc.title}`,
        interval: c.evaluationInterval,
        input_series: sc.builder.series.map((s) => ({
          series: seriesText(s.labels),
          values: encodeValues(s.values),
        })),
        alert_rule_test: times.flatMap((i) =>
          ALERT_DEFS.map((d) => ({ eval_time: at(i), alertname: d.name, exp_alerts: [] })),
        ),
      };
    }),
  );
  return files;
}
