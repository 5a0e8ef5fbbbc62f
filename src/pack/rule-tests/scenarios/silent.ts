/**
 * Shapes that look like faults but are not (silent-shapes.yml, silent-long-shapes.yml): warm-up then
 * plateau, TTL sawtooth, periodic clear, a daily cycle near the ceiling, a 24h-TTL refill after a restart,
 * a membership set. No alert may fire on them.
 */
import { LABELS, METRICS } from '../../../conventions.js';
import { ALERT_DEFS } from '../../alerts.js';
import { ALERT_KEYS, type AlertKey, type PackConfig } from '../../config.js';
import { parseDuration } from '../../duration.js';
import { PROMETHEUS_SERIES } from '../../series.js';
import { type Sample } from '../promsim.js';
import { LONG_KEYS } from '../timing.js';
import { Builder, MAP, counter, steps, type Control, type Scenario } from './builder.js';
import { ceilingFor } from './live.js';
import { processSeries } from './memory.js';

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

/** Shapes that look like faults but are not; no alert may fire on them. `long`: the day-scale shapes. */
export function silentScenarios(c: PackConfig, long: boolean): Scenario[] {
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
