/**
 * The alerts of the mapwatch-growth group: maps that grow without bound, their live instances, their declared
 * bounds, and the process memory they fill. Listed in the order of the rule file.
 */
import { METRICS } from '../../conventions.js';
import { parseDuration, promDuration } from '../duration.js';
import { grafanaUnitOf } from '../grafana-units.js';
import { ceilingVariable, live } from '../live.js';
import { num } from '../promql.js';
import {
  aboveYesterdaysPeak,
  ceilingCrossed,
  entriesNow,
  floorRise,
  FRESH_EARLIER_RISE_SHARE,
  freshAgeThreshold,
  littleHeadroom,
  mapGrew,
  memoryShare,
  netInserts,
  onEveryMap,
  withinDeclaredMax,
  withinDeclaredTtl,
} from './conditions.js';
import {
  byMap,
  byTarget,
  excluded,
  MAP_PHRASE,
  MAP_PHRASE_START,
  mapSeries,
  onMap,
  onTarget,
  TARGET_PHRASE_START,
  targetSeries,
} from './selectors.js';
import { type AlertDef } from './types.js';

export const GROWTH_ALERTS: readonly AlertDef[] = [
  {
    key: 'growth',
    name: 'MapwatchMapGrowingUnbounded',
    group: 'mapwatch-growth',
    signal: 'growth',
    scope: 'map',
    summary:
      "A map keeps growing: its floor rises, inserts outpace deletes and it is above yesterday's peak.",
    description: (c) =>
      `The lowest entry count of ${MAP_PHRASE} rose by {{ $value | humanize }} entries against the previous ` +
      `${c.growth.window}; it holds ${live(c, { kind: 'entries' })} entries now and grows ` +
      `${live(c, { kind: 'growthPerHour', window: c.growth.window })} entries per hour (trend of the last ${c.growth.window}). ` +
      `Inserts outpaced deletes over the last ${c.growth.window}, and it holds more ` +
      `entries than any instance of its job at its peak of the ${c.growth.peakWindow} that ended ${c.growth.peakWindow} ago. ` +
      'No declared bound (maxEntries, TTL) holds it.',
    expr: (c, t) =>
      `(\n  ${floorRise(t, METRICS.entries, c.growth.window, excluded(c))}\n) >= ${num(c.growth.minFloorRise)}\n` +
      `and ${onMap(c)}\n(\n  ${netInserts(t, c.growth.window)}\n) >= ${num(c.growth.minFloorRise)}\n` +
      `and ${onMap(c)}\n(\n  ${aboveYesterdaysPeak(c, t, METRICS.entries, c.growth.peakWindow)}\n)\n` +
      `unless ${onMap(c)}\n(\n  ${withinDeclaredMax(c)}\n)\n` +
      `unless ${onMap(c)}\n(\n  ${withinDeclaredTtl(c)}\n)`,
    panel: (c, t) => ({
      expr: floorRise(t, METRICS.entries, c.growth.window),
      threshold: c.growth.minFloorRise,
      unit: grafanaUnitOf(METRICS.entries),
    }),
  },
  {
    key: 'freshLeak',
    name: 'MapwatchMapLeakFreshTarget',
    group: 'mapwatch-growth',
    signal: 'growth',
    scope: 'map',
    summary:
      'A map keeps every old entry while it grows, with no declared bound: a leak, seen without a day of history.',
    description: (c) =>
      `${MAP_PHRASE_START} gained {{ $value | humanize }} entries (inserts minus deletes) over the last ${c.fresh.window} ` +
      `and holds ${live(c, { kind: 'entries' })} entries now, while its oldest sampled entry aged by at least ` +
      `${Math.round(c.fresh.ageRatio * 100)}% of that time (nothing old was removed), and its floor over ` +
      `${c.fresh.floorWindow} rose against ${c.fresh.floorOffset} earlier, the offset before that carrying at least ` +
      `${Math.round(FRESH_EARLIER_RISE_SHARE * 100)}% of the rise (growth, not one bulk load). It declares no bound ` +
      'it is within (maxEntries, TTL).',
    expr: (c, t) => {
      const age = mapSeries(c, METRICS.oldestSampledAge.name);
      const minNet =
        `clamp_min(${num(c.fresh.minNetShare)} * ${entriesNow(c)}, ` + `${num(c.fresh.minNetInserts)})`;
      const floor = (offset?: string) =>
        t.perInstance(METRICS.entries, 'min_over_time', c.fresh.floorWindow, offset);
      const twoOffsets = promDuration(2 * parseDuration(c.fresh.floorOffset));
      return (
        `(\n  ${netInserts(t, c.fresh.window, excluded(c))}\n) >= ${onMap(c)} ${minNet}\n` +
        `and ${onMap(c)}\n(\n  max ${byMap(c)} (${age})\n  - max ${byMap(c)} (${age} offset ${c.fresh.window})\n) ` +
        `>= ${num(freshAgeThreshold(c))}\n` +
        `and ${onMap(c)}\n(\n  ${floor()}\n  - ${floor(c.fresh.floorOffset)}\n) > 0\n` +
        // And the offset before carried its share of the rise: a one-off bulk load beside old entries
        // meets every other condition while its step is inside the floor comparison; a leak rises in both
        // offsets. A share, not "> 0": a target's own warm-up (a cache filling its first minutes) is a
        // rise in the earlier offset too, and beside a bulk load it is a small one.
        `and ${onMap(c)}\n(\n  ${floor(c.fresh.floorOffset)}\n  - ${floor(twoOffsets)}\n)\n` +
        `>= ${onMap(c)}\n${num(FRESH_EARLIER_RISE_SHARE)} * (\n  ${floor()}\n  - ${floor(twoOffsets)}\n)\n` +
        `unless ${onMap(c)}\n(\n  ${withinDeclaredMax(c)}\n)\n` +
        `unless ${onMap(c)}\n(\n  ${withinDeclaredTtl(c)}\n)`
      );
    },
    panel: (c, t) => ({ expr: netInserts(t, c.fresh.window), unit: grafanaUnitOf(METRICS.entries) }),
  },
  {
    key: 'growthCeiling',
    name: 'MapwatchMapCeilingPredicted',
    group: 'mapwatch-growth',
    signal: 'growth',
    scope: 'map',
    summary: 'A growing map close to its entry ceiling is predicted to cross it soon.',
    description: (c) => {
      const overridden = Object.keys(c.growth.ceilings).length > 0;
      return (
        ceilingVariable(c) +
        `Extrapolating its last ${c.growth.predictWindow}, ${MAP_PHRASE} is predicted to hold {{ $value | humanize }} ` +
        `entries within ${c.growth.predictHorizon}, above ` +
        (overridden
          ? `its ceiling (${num(c.growth.ceiling)} unless set per map)`
          : `the ceiling of ${num(c.growth.ceiling)}`) +
        `. It holds ${live(c, { kind: 'entries' })} entries now (at least ${Math.round(c.growth.pageAboveShare * 100)}% of its ceiling), ` +
        `grows ${live(c, { kind: 'growthPerHour', window: c.growth.predictWindow })} entries per hour and reaches its ceiling in ` +
        `${live(c, { kind: 'timeToCeiling' })} at that pace. Its floor is rising and it is above its job's peak of the ` +
        `${c.growth.peakWindow} that ended ${c.growth.peakWindow} ago.`
      );
    },
    expr: (c, t) =>
      `${ceilingCrossed(c, t)}\n` +
      `and ${onMap(c)}\n(\n  ${floorRise(t, METRICS.entries, c.growth.window)}\n) >= ${num(c.growth.minFloorRise)}\n` +
      `and ${onMap(c)}\n(\n  ${aboveYesterdaysPeak(c, t, METRICS.entries, c.growth.peakWindow)}\n)\n` +
      `and ${onMap(c)}\n${littleHeadroom(c)}`,
    panel: (c, t) => ({
      expr: t.predicted(),
      threshold: c.growth.ceiling,
      unit: grafanaUnitOf(METRICS.entries),
    }),
  },
  {
    key: 'leakSuspect',
    name: 'MapwatchMapLeakSuspected',
    group: 'mapwatch-growth',
    signal: 'growth',
    scope: 'map',
    summary: 'The in-process leak detector suspects a map of leaking.',
    description: (c) =>
      `The leak detector inside the service has held its leak verdict on ${MAP_PHRASE} in every sample of the last ` +
      `${c.leak.holdWindow}: the map grows {{ $value | humanize }} entries per hour by the detector's rate and holds ` +
      `${live(c, { kind: 'entries' })} entries now. The detector's reason is on /debug/maps of the instance.`,
    expr: (c) =>
      `max ${byMap(c)} (${mapSeries(c, METRICS.growthPerSecond.name, ...excluded(c))}) * 3600\n` +
      `and ${onMap(c)}\n(\n  max ${byMap(c)} (min_over_time(${mapSeries(c, METRICS.leakSuspect.name)}[${c.leak.holdWindow}])) == 1\n)`,
    panel: (c) => ({
      expr: `max ${byMap(c)} (min_over_time(${mapSeries(c, METRICS.leakSuspect.name)}[${c.leak.holdWindow}]))`,
      threshold: 1,
      unit: grafanaUnitOf(METRICS.leakSuspect),
    }),
  },
  {
    key: 'instancesGrowing',
    name: 'MapwatchMapInstancesGrowing',
    group: 'mapwatch-growth',
    signal: 'instances',
    scope: 'map',
    summary: 'The number of live maps with one name keeps growing.',
    description: (c) =>
      `The lowest count of live maps named {{ $labels.map_name }} (job {{ $labels.job }}, instance ` +
      `{{ $labels.instance }}) rose by {{ $value | humanize }} against the previous ${c.instances.window} to ` +
      `${live(c, { kind: 'instances' })} live maps now, is still rising and above its job's peak of the ` +
      `${c.instances.peakWindow} that ended ${c.instances.peakWindow} ago: the objects that own these maps are not being released.`,
    expr: (c, t) => {
      const half = promDuration(parseDuration(c.instances.window) / 2);
      return (
        `(\n  ${floorRise(t, METRICS.instances, c.instances.window, excluded(c))}\n) >= ${num(c.instances.minFloorRise)}\n` +
        `and ${onMap(c)}\n(\n  ${floorRise(t, METRICS.instances, half)}\n) > 0\n` +
        `and ${onMap(c)}\n(\n  ${aboveYesterdaysPeak(c, t, METRICS.instances, c.instances.peakWindow)}\n)`
      );
    },
    panel: (c, t) => ({
      expr: floorRise(t, METRICS.instances, c.instances.window),
      threshold: c.instances.minFloorRise,
      unit: grafanaUnitOf(METRICS.instances),
    }),
  },
  {
    key: 'declaredMax',
    name: 'MapwatchMapAboveDeclaredMax',
    group: 'mapwatch-growth',
    signal: 'bound',
    scope: 'map',
    summary: 'A map holds more entries than the maximum it declares.',
    description: (c) =>
      `${MAP_PHRASE_START} holds {{ $value | humanize }} entries, more than the ${live(c, { kind: 'declaredMax' })} ` +
      'its live maps declare (maxEntries): the bound is not enforced, or the map counts what it does not bound.',
    expr: (c) =>
      `${entriesNow(c)}\n  > ${onMap(c)} sum ${byMap(c)} (${mapSeries(c, METRICS.declaredMaxEntries.name)})`,
    panel: (c) => ({
      expr: `${entriesNow(c)}\n  / ${onMap(c)} sum ${byMap(c)} (${mapSeries(c, METRICS.declaredMaxEntries.name)})`,
      threshold: 1,
      unit: 'percentunit',
    }),
  },
  {
    key: 'memoryNearLimit',
    name: 'MapwatchProcessMemoryNearLimit',
    group: 'mapwatch-growth',
    signal: 'memory',
    scope: 'map',
    summary: 'A process is close to its memory limit while one of its maps grows.',
    description: (c) =>
      `${TARGET_PHRASE_START} uses {{ $value | humanizePercentage }} of its memory limit (${c.memory.usageSeries} against ` +
      `${c.memory.limitSeries || `${num(c.memory.limitBytes)} bytes`}), and its map {{ $labels.map_name }} gained at least ` +
      `${Math.round(c.memory.minNetShare * 100)}% of its entries over the last ${c.memory.window}: it holds ` +
      `${live(c, { kind: 'entries' })} entries and grows ${live(c, { kind: 'growthPerHour', window: c.memory.window })} ` +
      'entries per hour. The process is about to be killed for memory or to stall in garbage collection.',
    expr: (c, t) =>
      `(\n  ${onEveryMap(
        c,
        memoryShare(c, (u) => `max ${byTarget(c)} (${u})`),
      )}\n) >= ${num(c.memory.ratio)}\n` + `and ${onMap(c)}\n${mapGrew(c, t)}`,
    panel: (c) => ({
      expr: memoryShare(c, (u) => `max ${byTarget(c)} (${u})`),
      threshold: c.memory.ratio,
      unit: 'percentunit',
      perTarget: true,
    }),
  },
  {
    key: 'restartNearLimit',
    name: 'MapwatchProcessRestartedNearLimit',
    group: 'mapwatch-growth',
    signal: 'memory',
    scope: 'map',
    summary:
      'A process restarted after its memory neared its limit while one of its maps grew: an out-of-memory cycle.',
    description: (c) =>
      `${TARGET_PHRASE_START} restarted in the last ${c.memory.restartWindow} after its memory reached ` +
      `${Math.round(c.memory.ratio * 100)}% of its limit, and its map {{ $labels.map_name }} had grown before the restart ` +
      `(restarts: {{ $value | humanize }} in the last ${c.memory.restartWindow}, ${live(c, { kind: 'restarts', window: '1d' })} in the last day). ` +
      `The map holds ${live(c, { kind: 'entries' })} entries again now: it will grow to the limit again.`,
    expr: (c, t) => {
      const w = c.memory.restartWindow;
      const restarts = `sum ${byTarget(c)} (changes(${targetSeries(c, c.memory.startTimeSeries)}[${w}]))`;
      const peak = memoryShare(c, (u) => `max ${byTarget(c)} (max_over_time(${u}[${w}]))`);
      // Inserts minus deletes over the window count the growth before the restart too (increase() adds
      // across the counter reset); what the map regained since the restart is its entries now.
      const before = `${netInserts(t, w)}\n  - ${entriesNow(c)}`;
      const minGrowth =
        `clamp_min(${num(c.memory.minNetShare)} * ${t.perInstance(METRICS.entries, 'max_over_time', w)}, ` +
        `${num(c.memory.minNetInserts)})`;
      return (
        `(\n  ${onEveryMap(c, restarts)}\n) >= 1\n` +
        `and ${onTarget(c)}\n(\n  ${peak}\n) >= ${num(c.memory.ratio)}\n` +
        `and ${onMap(c)}\n(\n  ${before}\n) >= ${onMap(c)} ${minGrowth}`
      );
    },
    panel: (c) => ({
      expr: `sum ${byTarget(c)} (changes(${targetSeries(c, c.memory.startTimeSeries)}[${c.memory.restartWindow}]))`,
      threshold: 1,
      unit: 'short',
      perTarget: true,
    }),
  },
];
