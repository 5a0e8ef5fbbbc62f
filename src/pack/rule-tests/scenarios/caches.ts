/**
 * The cache and loader alerts (ineffective cache, failing loads, load stampede) in the promtool tests:
 * each alert's model next to its fire scenarios and the controls that pin its guards.
 */
import { LABELS, METRICS } from '../../../conventions.js';
import { type AlertKey, type PackConfig } from '../../config.js';
import { parseDuration } from '../../duration.js';
import { type Sim } from '../promsim.js';
import {
  Builder,
  MAP,
  counter,
  phases,
  steps,
  sumOf,
  type Cond,
  type Control,
  type Scenario,
} from './builder.js';
import { type AlertModel } from './common.js';
import { ratioConditions, ratioModelConditions } from './ratio.js';

/**
 * The conditions of MapwatchCacheIneffective and MapwatchLoadsFailing for one map (or target), in rule
 * order.
 */
function cacheOrLoadsConditions(
  c: PackConfig,
  sim: Sim,
  key: AlertKey,
  b: Builder,
  e: string,
  gen?: string,
): Cond[] {
  const cache = key === 'cacheIneffective';
  const window = cache ? c.cache.window : c.loads.window;
  const name = cache ? METRICS.lookups.name : METRICS.loads.name;
  const threshold = cache ? c.cache.missRatio : c.loads.failureRatio;
  const minRate = cache ? c.cache.minLookupsPerSecond : c.loads.minLoadsPerSecond;
  const ratioAndVolume = ratioConditions(c, sim, b, e, gen, {
    window,
    part: [name, { [LABELS.result]: cache ? 'miss' : 'failure' }],
    whole: [name],
    ratioOk: (v) => v > threshold,
    volume: [name],
    volumeOk: (v) => v > minRate,
  });
  if (!cache) return ratioAndVolume;
  const W = steps(c, window);
  const evict = [
    ...b.all(METRICS.deletes.name, { [LABELS.cause]: 'evict' }, e),
    ...b.all(METRICS.deletes.name, { [LABELS.cause]: 'expire' }, e),
  ];
  const loading = b.all(METRICS.entries.name, { [LABELS.mapKind]: 'loading' }, e);
  // MapwatchCacheIneffective only: and the map evicts or expires entries, or it is a loading map.
  return [
    ...ratioAndVolume,
    (i) => {
      const inc = sumOf(evict.map((d) => sim.increase(d, i, W)));
      if (inc !== undefined && inc > 0) return inc;
      return loading.some((s) => sim.instant(s, i) !== undefined) ? 1 : undefined;
    },
  ];
}

/**
 * Scenarios in which MapwatchCacheIneffective and MapwatchLoadsFailing fire, with a control per guard where
 * one applies. `nudge` more lookups (loads) per step during the fault move the ratios printed while the
 * window fills off a rounding boundary (AlertModel.fire).
 */
function ratioScenarios(c: PackConfig, key: AlertKey, nudge = 0): Scenario[] {
  const step = parseDuration(c.evaluationInterval);
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
  const traffic = (
    b: Builder,
    entity: string,
    perStep: (i: number) => number,
    share: (i: number) => number,
  ) => {
    b.add(
      name,
      { [LABELS.result]: good },
      counter(p.length, (i) => (1 - share(i)) * perStep(i)),
      'map',
      entity,
    );
    b.add(
      name,
      { [LABELS.result]: badResult },
      counter(p.length, (i) => share(i) * perStep(i)),
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
    traffic(
      b,
      MAP,
      (i) => (bad(i) ? high + nudge : high),
      (i) => (bad(i) ? hiShare : loShare),
    );
    scope(b, MAP, loading);
    const controls: Control[] = [];
    if (!loading) {
      traffic(
        b,
        'ctl-good',
        () => high,
        () => loShare,
      );
      scope(b, 'ctl-good');
      traffic(
        b,
        'ctl-quiet',
        () => low,
        () => hiShare,
      );
      scope(b, 'ctl-quiet');
      controls.push(
        { entity: 'ctl-good', key, skip: 0, what: 'busy and healthy' },
        { entity: 'ctl-quiet', key, skip: 1, what: 'bad ratio at a negligible rate' },
      );
      if (cache) {
        // A membership set: 0 entries, never evicts, every has() misses.
        traffic(
          b,
          'ctl-set',
          () => high,
          () => 1,
        );
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

/** The conditions of MapwatchLoadStampede for one map (or target), in rule order. */
const loadStampedeConditions = ratioModelConditions((c) => ({
  window: c.loads.window,
  part: [METRICS.loadJoins.name],
  whole: [METRICS.loads.name],
  ratioOk: (v) => v > c.loads.joinsPerLoad,
  volume: [METRICS.loadJoins.name],
  volumeOk: (v) => v > c.loads.minJoinsPerSecond,
}));

/**
 * Scenarios in which MapwatchLoadStampede fires, with a control per guard where one applies. `nudge` more
 * joins per step during the fault move the joins per load printed while the window fills off a rounding
 * boundary (10.025 at 15s; AlertModel.fire).
 */
function loadStampedeScenarios(c: PackConfig, key: AlertKey, nudge = 0): Scenario[] {
  const step = parseDuration(c.evaluationInterval);
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
  map(MAP, loadsPerStep, (i) => (bad(i) ? 2 * c.loads.joinsPerLoad * loadsPerStep + nudge : loadsPerStep));
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

/** The cache and loader alerts' models and fire scenarios, by alert key. */
export const CACHE_MODELS = {
  cacheIneffective: { conditions: cacheOrLoadsConditions, fire: ratioScenarios },
  loadsFailing: { conditions: cacheOrLoadsConditions, fire: ratioScenarios },
  loadStampede: { conditions: loadStampedeConditions, fire: loadStampedeScenarios },
} satisfies Partial<Record<AlertKey, AlertModel>>;
