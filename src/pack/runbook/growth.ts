/**
 * The runbook sections of mapwatch-growth: maps that grow, their live instances, their declared bounds and
 * process memory.
 */
import { LABELS, METRICS } from '../../conventions.js';
import { type PackConfig } from '../config.js';
import { parseDuration } from '../duration.js';
import { FRESH_EARLIER_RISE_SHARE } from '../alerts.js';
import { num } from '../promql.js';
import {
  ANALYZE,
  DEBUG_MAPS,
  growthQueries,
  JOB_MAP_MATCHERS,
  MAP_MATCHERS,
  memoryLimitQuery,
  type Section,
  SNAPSHOT,
  TARGET_MATCHERS,
  TOOLS_ANCHOR,
} from './common.js';

export function growthSections(
  c: PackConfig,
): Record<
  | 'growth'
  | 'freshLeak'
  | 'growthCeiling'
  | 'leakSuspect'
  | 'instancesGrowing'
  | 'declaredMax'
  | 'memoryNearLimit'
  | 'restartNearLimit',
  Section
> {
  const usage = c.memory.usageSeries;
  const start = c.memory.startTimeSeries;
  return {
    growth: {
      meaning:
        `The floor of \`${METRICS.entries.name}\` (the lowest entry count in a ${c.growth.window} window) rose by at least ` +
        `${c.growth.minFloorRise} against the window before, and \`${METRICS.inserts.name}\` minus \`${METRICS.deletes.name}\` ` +
        `grew by as much, and the map now holds more entries than any instance of its job did at its peak of the ` +
        `${c.growth.peakWindow} that ended ${c.growth.peakWindow} ago ("yesterday's peak", taken at the job level), ` +
        `all for ${c.alerts.growth.for}. A map within a bound it declares (\`${METRICS.declaredMaxEntries.name}\`, or ` +
        `\`${METRICS.oldestSampledAge.name}\` within ${c.fresh.ttlSlack} × \`${METRICS.declaredTtl.name}\`) never fires. TTL ` +
        'sawtooth and periodic clears keep a flat floor. Warm-up does not: a cache with a long TTL refills for up ' +
        'to its TTL after a restart (a 24 h TTL raises the floor for a whole day), and a daily traffic cycle ' +
        "raises it every morning. Both stay below yesterday's peak; a leak does not.",
      impact:
        'None yet for users: memory grows until the process is killed for memory or stalls in garbage collection ' +
        '(MapwatchProcessMemoryNearLimit pages then). Warning: fix it in working hours.',
      diagnosis: [
        'Open the dashboard of the alert (`dashboard_url`): compare the insert and delete rates and the deletes by cause.',
        'No `evict` or `expire` deletes at all means nothing bounds the map. Deletes by `explicit` only means cleanup depends on a code path that is not always taken (error paths, aborted requests).',
        'Check the key space: keys derived from request ids, user input or timestamps never repeat.',
        `${ANALYZE} ${DEBUG_MAPS}`,
        `What holds the entries: ${SNAPSHOT}, two of them minutes apart, compared.`,
      ],
      queries: growthQueries(),
      mitigation: [
        'Bound the map: an LRU with a maximum size, or a TTL (`LoadingMap` with TTL), so entries leave on their own.',
        'Delete in a `finally` block where entries are tied to a request or connection lifetime.',
        'If the map is reset periodically, replace it (`map = new Map()`, O(1)) instead of deleting key by key (O(n)).',
        `If the map grows by design (a catalogue, a registry of every tenant), add it to \`excludeMaps\` in the pack config; the memory alerts still watch it.`,
        'Restart the affected instances only to buy time; the floor will rise again.',
      ],
      notes: [
        `Yesterday's peak is the job's: the highest count of any instance of the job (per map name) over the ` +
          `${c.growth.peakWindow} that ended ${c.growth.peakWindow} ago. A restart or a new pod name keeps that ` +
          'history, so a pod younger than a day is compared with the pods before it. The price: replicas of very ' +
          'different sizes are compared with the largest one, so a leak on a small replica pages once it passes ' +
          'the largest replica of yesterday. The floor still needs two windows of the same instance: a target ' +
          `younger than ${c.growth.window} (or restarted every few hours) gets no growth alert; ` +
          'MapwatchMapLeakFreshTarget and MapwatchMapLeakSuspected cover young targets.',
      ],
    },
    freshLeak: {
      meaning:
        `Over the last ${c.fresh.window}, inserts minus deletes (\`${METRICS.inserts.name}\`, \`${METRICS.deletes.name}\`) ` +
        `added at least ${c.fresh.minNetShare * 100}% of the map's entries (and at least ${c.fresh.minNetInserts}), ` +
        `while the oldest sampled entry (\`${METRICS.oldestSampledAge.name}\`) aged by at least ` +
        `${Math.round(c.fresh.ageRatio * 100)}% of those ${c.fresh.window}: nothing old was removed. The floor of ` +
        `the entries (lowest count in ${c.fresh.floorWindow}) is above the floor ${c.fresh.floorOffset} earlier, and ` +
        `the ${c.fresh.floorOffset} before that carried at least ${FRESH_EARLIER_RISE_SHARE * 100}% of the rise: a ` +
        'one-off bulk load beside old entries rises in one step, not in both. ' +
        `And the map is within no bound it declares: not at or under \`${METRICS.declaredMaxEntries.name}\`, and its ` +
        `oldest entry not within ${c.fresh.ttlSlack} × \`${METRICS.declaredTtl.name}\`. All for ${c.alerts.freshLeak.for}. ` +
        `It needs only ${c.fresh.window} of the target's own samples, no day of history, so it covers new pods ` +
        '(every deploy is a new target) that MapwatchMapGrowingUnbounded cannot judge yet.',
      impact:
        'None yet for users. Memory grows from the moment the process starts; a service that is redeployed often may never live long enough for the day-scale alerts.',
      diagnosis: [
        'A TTL cache keeps its oldest entries at about its TTL, an LRU at capacity deletes as much as it inserts, a cleared map restarts its ages: none of them fires. A map that keeps everything it inserts does.',
        `Check \`${METRICS.oldestSampledAge.name}\` on the map dashboard: an age that rises in step with the clock since the process started means not one sampled entry was ever removed.`,
        'A cache that fills for hours toward a bound it does not declare looks the same until it is full. Declare the bound (see Mitigation).',
        `${DEBUG_MAPS} ${ANALYZE}`,
      ],
      queries: [
        [
          'Age of the oldest sampled entry against the process uptime (a ratio near 1 keeps everything):',
          `max(${METRICS.oldestSampledAge.name}{${MAP_MATCHERS}})\n  / (time() - max(${start}{${TARGET_MATCHERS}}))`,
        ],
        ...growthQueries(),
      ],
      mitigation: [
        'Bound the map (maxEntries, a TTL) or delete entries when their owner (request, connection, tenant) ends.',
        'If the map is bounded but does not say so (a cache with an implicit key space, an LRU with its own `max`), declare the bound to mapwatch (`maxEntries`, `ttlMs`): a declared bound silences the alert while the map stays within it.',
        'If it grows by design, add it to `excludeMaps` in the pack config.',
      ],
      notes: [
        'Needs entry survival sampling, on by default in the library; versions without it export no ' +
          `\`${METRICS.oldestSampledAge.name}\` and the alert cannot fire for them. The age is the oldest of a small ` +
          'uniform sample (32 entries by default), so it rises at about 97% of the clock in a leak; a sample of ' +
          `fewer than about ${Math.ceil(c.fresh.ageRatio / (1 - c.fresh.ageRatio))} entries rises slower than ` +
          `the ${Math.round(c.fresh.ageRatio * 100)}% the alert asks for.`,
      ],
    },
    growthCeiling: {
      meaning:
        `\`predict_linear\` over ${c.growth.predictWindow} of \`${METRICS.entries.name}\` crosses the ceiling ` +
        `(${c.growth.ceiling} entries` +
        (Object.keys(c.growth.ceilings).length
          ? `; per map: ${Object.entries(c.growth.ceilings)
              .map(([k, v]) => `\`${k}\` ${v}`)
              .join(', ')}`
          : '') +
        `) within ${c.growth.predictHorizon}, the map already holds at least ${Math.round(c.growth.pageAboveShare * 100)}% ` +
        `of its ceiling, the floor over ${c.growth.window} is rising, and the map holds more entries than any instance ` +
        `of its job at its peak of the previous ${c.growth.peakWindow}. A prediction alone never pages: only with little ` +
        'headroom left now. The long prediction window and the peak condition keep a daily ramp that peaks under the ceiling from paging.',
      impact:
        'Critical: within the horizon the process is expected to run out of memory (requests in flight fail at the kill) or to slow down sharply in garbage collection.',
      diagnosis: [
        'Check how much headroom the process has (the memory query below, the *Process memory* panel).',
        'Look at which instances lead: a single instance often means one tenant or one hot code path.',
        `Before restarting anything, take a diagnostic report (see [the tools](${TOOLS_ANCHOR})); ${SNAPSHOT} only on an instance with memory to spare.`,
      ],
      queries: [
        [
          `Predicted entries in ${c.growth.predictHorizon}, per instance:`,
          `predict_linear(${METRICS.entries.name}{${JOB_MAP_MATCHERS}}[${c.growth.predictWindow}], ${num(parseDuration(c.growth.predictHorizon))})`,
        ],
        [
          'Memory in use against the limit, per instance of the job:',
          `max by (instance) (${usage}{job="<job>"}) / ${c.memory.limitSeries ? `max by (instance) (${c.memory.limitSeries}{job="<job>"})` : num(c.memory.limitBytes)}`,
        ],
        ...growthQueries().slice(0, 2),
      ],
      mitigation: [
        'Roll a restart across the affected instances to reset the map while the fix is prepared.',
        'Ship a bound (LRU size cap or TTL) for the map; if the size is legitimate, raise its ceiling in the config (`growth.ceilings: { "<map>": <entries> }`).',
      ],
    },
    leakSuspect: {
      meaning:
        `\`${METRICS.leakSuspect.name}\` was 1 in every sample of the last ${c.leak.holdWindow}: the in-process detector ` +
        'confirmed the leak from survival (old entries never leave), net flow (inserts outpace deletes), pace (no slowing like a filling cache) and no declared bound. ' +
        `The alert's value is the detector's growth rate (\`${METRICS.growthPerSecond.name}\`) per hour.`,
      impact:
        'None yet for users: a leak that will end in memory pressure; often caught hours before the Prometheus-side growth alert.',
      diagnosis: [
        `${DEBUG_MAPS} The reason names the evidence.`,
        `\`${METRICS.leakState.name}\` (the *Leak detector state* panel) shows how the verdict came about: \`collecting\` until the detector has enough evidence, \`growing\` while the growth is unconfirmed, \`leak\` once confirmed (the only state in which the verdict is 1).`,
        `Survival sampling (\`${METRICS.oldestSampledAge.name}\`, \`${METRICS.sampledNeverRead.name}\`) tells whether old entries are kept but never read.`,
        ANALYZE,
      ],
      queries: [
        [
          "The detector's growth rate, entries per hour:",
          `max by (instance) (${METRICS.growthPerSecond.name}{${JOB_MAP_MATCHERS}}) * 3600`,
        ],
        ['Its state now:', `max by (instance, state) (${METRICS.leakState.name}{${JOB_MAP_MATCHERS}}) == 1`],
      ],
      mitigation: [
        'Bound the map with an LRU or a TTL; delete entries when their owner (request, connection, tenant) ends.',
        'If the growth is legitimate (a catalogue filling up), declare its bound (`maxEntries`) or add it to `excludeMaps`.',
      ],
    },
    instancesGrowing: {
      meaning:
        `The floor of \`${METRICS.instances.name}\` (live map objects with one name) rose by at least ` +
        `${c.instances.minFloorRise} over ${c.instances.window}, is still rising in the most recent half window, and ` +
        `is above its job's peak of the previous ${c.instances.peakWindow} (any instance of the job, so a daily ` +
        'cycle of connections or a pool filling after a deploy, also on a new pod, stays silent). While it fires, ' +
        'Alertmanager holds back the warning growth alerts of the same map: the entries grow because the maps do.',
      impact:
        'None yet for users: the objects that own these maps (connections, sessions, tenants, per-request contexts) are leaking, and every one keeps its map alive.',
      diagnosis: [
        'Find the owner: the map name says where the map is created. Look for listeners, timers or caches that keep the owner reachable.',
        `${SNAPSHOT} filtered by the owner class shows the retaining path.`,
      ],
      queries: [
        [
          'Live maps with this name, per instance:',
          `sum by (instance) (${METRICS.instances.name}{${JOB_MAP_MATCHERS}})`,
        ],
        [
          'Entries per live map (flat: the owners leak, not the maps):',
          `sum(${METRICS.entries.name}{${MAP_MATCHERS}}) / sum(${METRICS.instances.name}{${MAP_MATCHERS}})`,
        ],
      ],
      mitigation: [
        'Remove event listeners and clear intervals when the owner closes; hold owners in a WeakMap instead of a Map.',
        'Reuse one map keyed by owner id (with a bound) instead of one map per owner.',
      ],
    },
    declaredMax: {
      meaning:
        `The entries of the map (\`${METRICS.entries.name}\`, summed over its live maps) have been above the maximum its ` +
        `maps declare (\`${METRICS.declaredMaxEntries.name}\`, their \`maxEntries\` summed) for ${c.alerts.declaredMax.for}.`,
      impact:
        'None yet for users: the bound that should keep the map small is not working, and the growth alerts treat the map as bounded only while it is within the bound.',
      diagnosis: [
        'An eviction path that stopped running (an exception in an eviction callback, a disabled purge timer).',
        'Entries added behind the bound: writes through another reference to the underlying map, or a declared bound that counts only part of what the map holds.',
        'A bound lowered in config while the old entries are still there: the count should fall back under it as entries are evicted.',
      ],
      queries: [
        [
          'Entries over the declared maximum (above 1: over it):',
          `sum(${METRICS.entries.name}{${MAP_MATCHERS}}) / sum(${METRICS.declaredMaxEntries.name}{${MAP_MATCHERS}})`,
        ],
        [
          'Evictions per second (none: the eviction path stopped):',
          `sum(rate(${METRICS.deletes.name}{${MAP_MATCHERS}, cause="evict"}[15m]))`,
        ],
      ],
      mitigation: [
        'Fix the eviction path, or recreate the map with the intended bound.',
        'If the map legitimately holds more, raise its declared `maxEntries`.',
      ],
    },
    memoryNearLimit: {
      meaning:
        `The process uses at least ${Math.round(c.memory.ratio * 100)}% of its memory limit (\`${usage}\` against ` +
        `${c.memory.limitSeries ? `\`${c.memory.limitSeries}\`` : `${num(c.memory.limitBytes)} bytes`}) for ${c.alerts.memoryNearLimit.for}, ` +
        `and this map of it gained at least ${Math.round(c.memory.minNetShare * 100)}% of its entries (and at least ` +
        `${c.memory.minNetInserts}) over the last ${c.memory.window}. One alert per growing map of the process. ` +
        'It reads the current state only, so it pages in the first cycle of an out-of-memory loop, before any history exists.',
      impact:
        'Critical: the process is about to be killed for memory (the container limit, or V8\'s "JavaScript heap out of memory"), failing every request in flight, or it already spends its time in garbage collection and answers slowly.',
      diagnosis: [
        'Which map: the alert names the map that grows; the queries below rank the maps of the instance by growth and by size.',
        `Before the process dies, write a diagnostic report (see [the tools](${TOOLS_ANCHOR})): cheap, and it survives the restart. A heap snapshot needs about as much memory again as the heap: on this instance it may trigger the kill; take it on a replica that is earlier in the cycle.`,
        `${DEBUG_MAPS}`,
      ],
      queries: [
        ['Memory in use against the limit:', `max(${usage}{${TARGET_MATCHERS}}) / ${memoryLimitQuery(c)}`],
        [
          `The maps of the instance that grew most over ${c.memory.window}:`,
          `topk(5, sum by (${LABELS.mapName}) (increase(${METRICS.inserts.name}{${TARGET_MATCHERS}}[${c.memory.window}]))\n  - sum by (${LABELS.mapName}) (increase(${METRICS.deletes.name}{${TARGET_MATCHERS}}[${c.memory.window}])))`,
        ],
        [
          'The biggest maps of the instance:',
          `topk(5, sum by (${LABELS.mapName}) (${METRICS.entries.name}{${TARGET_MATCHERS}}))`,
        ],
      ],
      mitigation: [
        'Buy time: restart the instance before it is killed (drain it first), or scale out so each instance holds less.',
        'Then fix the map as for MapwatchMapGrowingUnbounded: bound it, or delete entries when their owner ends.',
        'If the memory is legitimate, raise the limit (container limit, `--max-old-space-size`) and the limit the pack reads with it.',
      ],
    },
    restartNearLimit: {
      meaning:
        `\`${start}\` changed within the last ${c.memory.restartWindow} (the process restarted), the memory in use ` +
        `(\`${usage}\`) reached ${Math.round(c.memory.ratio * 100)}% of its limit within that time, and inserts minus ` +
        `deletes of this map over ${c.memory.restartWindow}, less what it holds again since the restart, reached ` +
        `${Math.round(c.memory.minNetShare * 100)}% of its peak (and ${c.memory.minNetInserts}): the map grew before the ` +
        'restart. That is an out-of-memory kill preceded by the growth of this map, and it comes back: the map grows to the limit again.',
      impact:
        'Critical: every kill fails the requests in flight and empties the caches of the process; the cycle repeats until the map is fixed.',
      diagnosis: [
        'Confirm the kill: `kubectl describe pod` shows `OOMKilled` as the last state, or the logs end with "JavaScript heap out of memory".',
        `Start the next cycle with \`--heapsnapshot-near-heap-limit=1\` or \`--report-on-fatalerror\` to catch the process at the limit (see [the tools](${TOOLS_ANCHOR}) and their risks).`,
        ANALYZE,
      ],
      queries: [
        ['Restarts per instance over the last day:', `changes(${start}{job="<job>"}[1d])`],
        [
          'Memory against the limit over the last cycles (graph it):',
          `max(${usage}{${TARGET_MATCHERS}}) / ${memoryLimitQuery(c)}`,
        ],
        [
          'Entries of the map across the restarts:',
          `sum by (instance) (${METRICS.entries.name}{${JOB_MAP_MATCHERS}})`,
        ],
      ],
      mitigation: [
        'Bound the map that grew, as for MapwatchMapGrowingUnbounded; until the fix ships, restart on a schedule shorter than the cycle (off-peak), or raise the memory limit to stretch it.',
      ],
    },
  };
}
