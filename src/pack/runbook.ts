/**
 * Config -> alerts/runbook.md. One `## <AlertName>` section per alert (its GitHub anchor is the fragment
 * of the alert's runbook_url), each with Meaning / Impact / Diagnosis / Mitigation, and ready-to-paste
 * PromQL in the Diagnosis (the alert's labels as `<job>`, `<instance>`, `<map_name>` placeholders). The
 * prose is about maps and locks specifically; thresholds and windows are quoted from the config so the
 * text matches the rules. A first section describes the tools every investigation uses: the dashboards,
 * `/debug/maps`, `mapwatch analyze`, heap snapshots and diagnostic reports, with their risks.
 */
import { LABELS, METRICS } from '../conventions.js';
import { ALERT_DEFS, ALWAYS_EXPORTED, buildRule, infoInhibitorRule, INFO_INHIBITOR } from './alerts.js';
import { type AlertKey, type PackConfig } from './config.js';
import { parseDuration } from './duration.js';
import { num } from './promql.js';
import { PROMETHEUS_SERIES } from './series.js';

interface Section {
  meaning: string;
  impact: string;
  diagnosis: string[];
  /** Ready-to-paste PromQL: a caption and the query, shown after the diagnosis steps. */
  queries: Array<[string, string]>;
  mitigation: string[];
  /** Extra paragraphs after Mitigation. */
  notes?: string[];
}

const m = METRICS;

/** The alert's labels as placeholders, for queries to paste with the values of the alert filled in. */
const MAP = `job="<job>", instance="<instance>", ${LABELS.mapName}="<map_name>"`;
const JOB_MAP = `job="<job>", ${LABELS.mapName}="<map_name>"`;
const TARGET = 'job="<job>", instance="<instance>"';

/** How the memory limit reads in a query, for a target's placeholders. */
function limit(c: PackConfig): string {
  return c.memory.limitSeries ? `max(${c.memory.limitSeries}{${TARGET}})` : num(c.memory.limitBytes);
}

/** Anchor of the tools section, linked from the sections that use the tools. */
const TOOLS = '#before-you-start-tools-for-any-map';
const SNAPSHOT = `a heap snapshot (see [the tools](${TOOLS}), with its risks)`;
const ANALYZE =
  '`npx mapwatch analyze --prometheus http://<prometheus>:9090 --selector \'{job="<job>",map_name="<map_name>"}\' --range 24h` ' +
  "replays the map's series through the leak detector: its state, growth per hour and reason.";
const DEBUG_MAPS =
  "`/debug/maps` on the instance (if the service mounts `mapwatchRouter({ debug: true })`) shows the detector's state and reason for every map, live.";

/** PromQL the growth sections share: the map per instance, and its net growth per hour. */
function growthQueries(): Array<[string, string]> {
  return [
    [
      'Entries of the map on every instance of the job (graph it over two days):',
      `sum by (instance) (${m.entries.name}{${JOB_MAP}})`,
    ],
    [
      'Net growth per hour (inserts minus deletes):',
      `sum by (instance) (increase(${m.inserts.name}{${JOB_MAP}}[1h]))\n  - sum by (instance) (increase(${m.deletes.name}{${JOB_MAP}}[1h]))`,
    ],
    [
      'Deletes per second by cause (no `evict` or `expire` at all: nothing bounds the map):',
      `sum by (cause) (rate(${m.deletes.name}{${MAP}}[1h]))`,
    ],
  ];
}

function sections(c: PackConfig): Record<AlertKey, Section> {
  const usage = c.memory.usageSeries;
  const start = c.memory.startTimeSeries;
  const { scrapeDuration, scrapeSamples } = PROMETHEUS_SERIES;
  return {
    growth: {
      meaning:
        `The floor of \`${m.entries.name}\` (the lowest entry count in a ${c.growth.window} window) rose by at least ` +
        `${c.growth.minFloorRise} against the window before, and \`${m.inserts.name}\` minus \`${m.deletes.name}\` ` +
        `grew by as much, and the map now holds more entries than any instance of its job did at its peak of the ` +
        `${c.growth.peakWindow} that ended ${c.growth.peakWindow} ago ("yesterday's peak", taken at the job level), ` +
        `all for ${c.alerts.growth.for}. A map within a bound it declares (\`${m.declaredMaxEntries.name}\`, or ` +
        `\`${m.oldestSampledAge.name}\` within ${c.fresh.ttlSlack} × \`${m.declaredTtl.name}\`) never fires. TTL ` +
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
        `Over the last ${c.fresh.window}, inserts minus deletes (\`${m.inserts.name}\`, \`${m.deletes.name}\`) ` +
        `added at least ${c.fresh.minNetShare * 100}% of the map's entries (and at least ${c.fresh.minNetInserts}), ` +
        `while the oldest sampled entry (\`${m.oldestSampledAge.name}\`) aged by at least ` +
        `${Math.round(c.fresh.ageRatio * 100)}% of those ${c.fresh.window}: nothing old was removed. The floor of ` +
        `the entries (lowest count in ${c.fresh.floorWindow}) is above the floor ${c.fresh.floorOffset} earlier. ` +
        `And the map is within no bound it declares: not at or under \`${m.declaredMaxEntries.name}\`, and its ` +
        `oldest entry not within ${c.fresh.ttlSlack} × \`${m.declaredTtl.name}\`. All for ${c.alerts.freshLeak.for}. ` +
        `It needs only ${c.fresh.window} of the target's own samples, no day of history, so it covers new pods ` +
        '(every deploy is a new target) that MapwatchMapGrowingUnbounded cannot judge yet.',
      impact:
        'None yet for users. Memory grows from the moment the process starts; a service that is redeployed often may never live long enough for the day-scale alerts.',
      diagnosis: [
        'A TTL cache keeps its oldest entries at about its TTL, an LRU at capacity deletes as much as it inserts, a cleared map restarts its ages: none of them fires. A map that keeps everything it inserts does.',
        `Check \`${m.oldestSampledAge.name}\` on the map dashboard: an age that rises in step with the clock since the process started means not one sampled entry was ever removed.`,
        'A cache that fills for hours toward a bound it does not declare looks the same until it is full. Declare the bound (see Mitigation).',
        `${DEBUG_MAPS} ${ANALYZE}`,
      ],
      queries: [
        [
          'Age of the oldest sampled entry against the process uptime (a ratio near 1 keeps everything):',
          `max(${m.oldestSampledAge.name}{${MAP}})\n  / (time() - max(${start}{${TARGET}}))`,
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
          `\`${m.oldestSampledAge.name}\` and the alert cannot fire for them. The age is the oldest of a small ` +
          'uniform sample (32 entries by default), so it rises at about 97% of the clock in a leak; a sample of ' +
          `fewer than about ${Math.ceil(c.fresh.ageRatio / (1 - c.fresh.ageRatio))} entries rises slower than ` +
          `the ${Math.round(c.fresh.ageRatio * 100)}% the alert asks for.`,
      ],
    },
    growthCeiling: {
      meaning:
        `\`predict_linear\` over ${c.growth.predictWindow} of \`${m.entries.name}\` crosses the ceiling ` +
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
        `Before restarting anything, take a diagnostic report (see [the tools](${TOOLS})); ${SNAPSHOT} only on an instance with memory to spare.`,
      ],
      queries: [
        [
          `Predicted entries in ${c.growth.predictHorizon}, per instance:`,
          `predict_linear(${m.entries.name}{${JOB_MAP}}[${c.growth.predictWindow}], ${num(parseDuration(c.growth.predictHorizon))})`,
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
        `\`${m.leakSuspect.name}\` was 1 in every sample of the last ${c.leak.holdWindow}: the in-process detector ` +
        'confirmed the leak from survival (old entries never leave), net flow (inserts outpace deletes), pace (no slowing like a filling cache) and no declared bound. ' +
        `The alert's value is the detector's growth rate (\`${m.growthPerSecond.name}\`) per hour.`,
      impact:
        'None yet for users: a leak that will end in memory pressure; often caught hours before the Prometheus-side growth alert.',
      diagnosis: [
        `${DEBUG_MAPS} The reason names the evidence.`,
        `\`${m.leakState.name}\` (the *Leak detector state* panel) shows how the verdict came about: \`collecting\` until the detector has enough evidence, \`growing\` while the growth is unconfirmed, \`leak\` once confirmed (the only state in which the verdict is 1).`,
        `Survival sampling (\`${m.oldestSampledAge.name}\`, \`${m.sampledNeverRead.name}\`) tells whether old entries are kept but never read.`,
        ANALYZE,
      ],
      queries: [
        [
          "The detector's growth rate, entries per hour:",
          `max by (instance) (${m.growthPerSecond.name}{${JOB_MAP}}) * 3600`,
        ],
        ['Its state now:', `max by (instance, state) (${m.leakState.name}{${JOB_MAP}}) == 1`],
      ],
      mitigation: [
        'Bound the map with an LRU or a TTL; delete entries when their owner (request, connection, tenant) ends.',
        'If the growth is legitimate (a catalogue filling up), declare its bound (`maxEntries`) or add it to `excludeMaps`.',
      ],
    },
    instancesGrowing: {
      meaning:
        `The floor of \`${m.instances.name}\` (live map objects with one name) rose by at least ` +
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
        ['Live maps with this name, per instance:', `sum by (instance) (${m.instances.name}{${JOB_MAP}})`],
        [
          'Entries per live map (flat: the owners leak, not the maps):',
          `sum(${m.entries.name}{${MAP}}) / sum(${m.instances.name}{${MAP}})`,
        ],
      ],
      mitigation: [
        'Remove event listeners and clear intervals when the owner closes; hold owners in a WeakMap instead of a Map.',
        'Reuse one map keyed by owner id (with a bound) instead of one map per owner.',
      ],
    },
    declaredMax: {
      meaning:
        `The entries of the map (\`${m.entries.name}\`, summed over its live maps) have been above the maximum its ` +
        `maps declare (\`${m.declaredMaxEntries.name}\`, their \`maxEntries\` summed) for ${c.alerts.declaredMax.for}.`,
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
          `sum(${m.entries.name}{${MAP}}) / sum(${m.declaredMaxEntries.name}{${MAP}})`,
        ],
        [
          'Evictions per second (none: the eviction path stopped):',
          `sum(rate(${m.deletes.name}{${MAP}, cause="evict"}[15m]))`,
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
        `Before the process dies, write a diagnostic report (see [the tools](${TOOLS})): cheap, and it survives the restart. A heap snapshot needs about as much memory again as the heap: on this instance it may trigger the kill; take it on a replica that is earlier in the cycle.`,
        `${DEBUG_MAPS}`,
      ],
      queries: [
        ['Memory in use against the limit:', `max(${usage}{${TARGET}}) / ${limit(c)}`],
        [
          `The maps of the instance that grew most over ${c.memory.window}:`,
          `topk(5, sum by (${LABELS.mapName}) (increase(${m.inserts.name}{${TARGET}}[${c.memory.window}]))\n  - sum by (${LABELS.mapName}) (increase(${m.deletes.name}{${TARGET}}[${c.memory.window}])))`,
        ],
        [
          'The biggest maps of the instance:',
          `topk(5, sum by (${LABELS.mapName}) (${m.entries.name}{${TARGET}}))`,
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
        `Start the next cycle with \`--heapsnapshot-near-heap-limit=1\` or \`--report-on-fatalerror\` to catch the process at the limit (see [the tools](${TOOLS}) and their risks).`,
        ANALYZE,
      ],
      queries: [
        ['Restarts per instance over the last day:', `changes(${start}{job="<job>"}[1d])`],
        [
          'Memory against the limit over the last cycles (graph it):',
          `max(${usage}{${TARGET}}) / ${limit(c)}`,
        ],
        ['Entries of the map across the restarts:', `sum by (instance) (${m.entries.name}{${JOB_MAP}})`],
      ],
      mitigation: [
        'Bound the map that grew, as for MapwatchMapGrowingUnbounded; until the fix ships, restart on a schedule shorter than the cycle (off-peak), or raise the memory limit to stretch it.',
      ],
    },
    lockStuck: {
      meaning:
        `\`${m.lockWaiters.name}\` was above 0 in every sample of the last ${c.lock.stuckWindow} and ` +
        `\`${m.lockAcquisitions.name}\` did not increase: tasks are queued and nobody is granted the lock. ` +
        `Wait time (\`${m.lockWaitSeconds.name}\`, the wait histogram) is only credited when a wait ends by a ` +
        'grant or an abandon, so a stuck lock shows in no wait metric and MapwatchLockStorm, MapwatchLockWaitsLong ' +
        'stay silent; only timeouts, if callers set them, show up.',
      impact:
        'Critical: every request that needs this map hangs (or times out) until the process restarts. Queued tasks and their ' +
        'memory pile up.',
      diagnosis: [
        'Deadlock by re-entrancy: mapwatch locks are not re-entrant. Code that holds the lock (inside `write`, `update` or `read` of a `LockedMap`, or a shard of a `ShardedMap`) and calls another locking method of the same map (`get`, `set`, `update`, `snapshot`, a cross-shard call) waits for itself forever.',
        'A holder awaiting something that never settles: a promise without a timeout (a request to a hung backend, an event that never fires) awaited inside the critical section.',
        `Before restarting, write a diagnostic report (see [the tools](${TOOLS})): its JavaScript stack and active handles show the pending section.`,
      ],
      queries: [
        ['Waiters and grants per second:', `max(${m.lockWaiters.name}{${MAP}})`],
        ['Grants per second (0 while stuck):', `sum(rate(${m.lockAcquisitions.name}{${MAP}}[5m]))`],
      ],
      mitigation: [
        'Restart the affected instances to release the lock; the queue is lost.',
        'Never call the map’s own locking methods inside its critical section: use the view passed to the callback. Give every await inside a section its own timeout or AbortSignal.',
        'Set timeouts (`timeoutMs` / `signal`) on acquisitions so callers fail fast instead of queueing forever.',
      ],
    },
    lockStorm: {
      meaning:
        `On average at least ${c.lock.stormWaiters} tasks waited for the map's lock over ${c.lock.window} ` +
        `(\`rate(${m.lockWaitSeconds.name})\`: by Little's law, the waiting time accrued per second is the mean number of ` +
        `waiting tasks), and each contended acquisition waited ${c.lock.stormMeanWaitSeconds} s or more on average ` +
        `(the same rate over \`${m.lockAcquisitions.name}{contended="true"}\`). The queue is long and it moves slowly.`,
      impact:
        "Requests touching this map queue behind each other: their latency rises by the wait, and throughput is one critical section at a time. A warning: it is a cause; the page comes from the service's own latency or error alerts, or from MapwatchLockTimeouts and MapwatchLockStuck when callers fail.",
      diagnosis: [
        'On the map dashboard compare hold time per second with wait time per second: hold time near 1 s/s means the lock is always held.',
        'Find critical sections that span an `await` (I/O, a remote call) while holding the write lock.',
        'A cache miss on a hot key inside the lock turns into a stampede serialized by the lock.',
      ],
      queries: [
        [
          'Tasks waiting on average, by mode:',
          `sum by (mode) (rate(${m.lockWaitSeconds.name}{${MAP}}[${c.lock.window}]))`,
        ],
        [
          'Mean wait per contended acquisition, seconds:',
          `sum(rate(${m.lockWaitSeconds.name}{${MAP}}[${c.lock.window}]))\n  / sum(rate(${m.lockAcquisitions.name}{${MAP}, contended="true"}[${c.lock.window}]))`,
        ],
        [
          'Hold time per second (near 1: always held):',
          `sum by (mode) (rate(${m.lockHoldSeconds.name}{${MAP}}[${c.lock.window}]))`,
        ],
      ],
      mitigation: [
        'Shrink the critical section: compute outside the lock, take it only for the read-modify-write of the map itself, never across `await` on I/O.',
        'Use read locks for readers; use `LoadingMap` (single-flight loads) instead of loading under a write lock.',
        'Shard the map (`ShardedMap`) so unrelated keys do not share one lock.',
      ],
    },
    lockWaitsLong: {
      meaning:
        `The ${c.lock.waitQuantile} quantile of \`${m.lockWaitDuration.name}\` over ${c.lock.window} is above ` +
        `${c.lock.longWaitSeconds} s, with more than ${c.lock.minContendedPerSecond} contended acquisitions per second.`,
      impact:
        'Some requests wait long on shared state even when the average looks fine; tail latency suffers.',
      diagnosis: [
        'Check the wait quantiles by mode: long write waits behind readers, or reads queued behind a slow writer.',
        'Look for occasional long sections: a full-map scan, a bulk reload, a clear done key by key.',
      ],
      queries: [
        [
          `The ${c.lock.waitQuantile} quantile of the wait, by mode:`,
          `histogram_quantile(${c.lock.waitQuantile}, sum by (mode, le) (rate(${m.lockWaitDuration.name}_bucket{${MAP}}[${c.lock.window}])))`,
        ],
      ],
      mitigation: [
        'Replace bulk rebuilds under the lock with building a new map outside and swapping it in.',
        'Set a timeout or an AbortSignal on acquisitions so callers fail fast instead of piling up.',
      ],
    },
    lockTimeouts: {
      meaning:
        `At least ${Math.round(c.lock.timeoutRatio * 1000) / 10}% of the lock acquisitions (grants plus abandons) were ` +
        `abandoned (\`${m.lockTimeouts.name}\`) in ${c.lock.timeoutWindow}, at least ${c.lock.minTimeouts} of them.`,
      impact:
        'Each timeout is an operation that failed (or took a fallback path) because the lock was not granted in time.',
      diagnosis: [
        'Correlate with MapwatchLockStuck, MapwatchLockStorm and the waiters panel. Waiters that stay up while grants stop (MapwatchLockStuck) point to one holder that never releases; waiters that come and go with grants flowing point to a congested lock whose callers have short timeouts.',
        'Search for sections that can hang (awaiting a request without a timeout while holding the lock).',
      ],
      queries: [
        [
          'Share of acquisitions abandoned:',
          `sum(increase(${m.lockTimeouts.name}{${MAP}}[${c.lock.timeoutWindow}]))\n  / (sum(increase(${m.lockAcquisitions.name}{${MAP}}[${c.lock.timeoutWindow}])) + sum(increase(${m.lockTimeouts.name}{${MAP}}[${c.lock.timeoutWindow}])))`,
        ],
      ],
      mitigation: [
        'Bound the work done under the lock and give inner awaits their own timeouts.',
        'If timeouts are deliberate load shedding, raise `lock.timeoutRatio` in the config.',
      ],
    },
    promotionChurn: {
      meaning:
        `A read-mostly map copied more than ${c.promotion.copiedPerLookup} entries per lookup ` +
        `(\`${m.copiedEntries.name}\` over \`${m.lookups.name}\`) while promoting more than ` +
        `${c.promotion.minPromotionsPerSecond} times per second. Each promotion followed by a new key costs an O(n) copy.`,
      impact:
        'Info: CPU is spent copying the map instead of serving reads; a performance smell, not an outage. Routed nowhere unless a warning or critical alert fires for the job.',
      diagnosis: [
        'Compare inserts per second with lookups per second on the map dashboard: a read-mostly map wants reads to dominate and the key set to be stable.',
        'Many new keys (rather than updates of existing keys) are what trigger the copies.',
      ],
      queries: [
        [
          'Entries copied per lookup:',
          `sum(rate(${m.copiedEntries.name}{${MAP}}[${c.promotion.window}])) / sum(rate(${m.lookups.name}{${MAP}}[${c.promotion.window}]))`,
        ],
        ['New keys per second:', `sum(rate(${m.inserts.name}{${MAP}}[${c.promotion.window}]))`],
      ],
      mitigation: [
        'Use a `LockedMap` or `ShardedMap` for write-heavy or key-churning loads; keep `ReadMostlyMap` for stable key sets read far more than written.',
        'Batch the writes, or build a new snapshot and swap it in periodically.',
      ],
    },
    cacheIneffective: {
      meaning:
        `More than ${c.cache.missRatio * 100}% of lookups missed over ${c.cache.window}, with more than ` +
        `${c.cache.minLookupsPerSecond} lookups per second, on a map that evicted or expired entries in that window ` +
        'or is a loading map (`map_kind="loading"`).',
      impact:
        'Info: the map holds memory without saving work; almost every request goes to the backing source anyway.',
      diagnosis: [
        'Compare entries with the key space: a cache far smaller than the working set evicts before reuse.',
        'Deletes by cause `evict` or `expire` right after inserts mean the size cap or the TTL is too small.',
        'Keys that include volatile parts (timestamps, request ids) never hit.',
        'Only maps that evict or expire entries, or loading maps, are considered: a membership set (checked with `has()`) misses by design and never alerts.',
      ],
      queries: [
        [
          'Miss ratio:',
          `sum(rate(${m.lookups.name}{${MAP}, result="miss"}[${c.cache.window}])) / sum(rate(${m.lookups.name}{${MAP}}[${c.cache.window}]))`,
        ],
        ['Deletes by cause:', `sum by (cause) (rate(${m.deletes.name}{${MAP}}[${c.cache.window}]))`],
      ],
      mitigation: [
        'Size the cache for the working set, lengthen the TTL, or normalise the keys.',
        'If reuse is inherently low, remove the cache.',
      ],
    },
    loadStampede: {
      meaning:
        `Each load of a loading map was joined by more than ${c.loads.joinsPerLoad} callers on average ` +
        `(\`${m.loadJoins.name}\` over \`${m.loads.name}\`) over ${c.loads.window}.`,
      impact:
        'Info: single-flight absorbed the stampede (one load, many waiters), so the backend was spared; every joiner waits for the full load latency.',
      diagnosis: [
        'Hot keys that expire at the same time (TTL set at the same moment) or that are evicted while hot.',
        'Check the load duration: slow loads widen the window during which callers join.',
      ],
      queries: [
        [
          'Callers per load, and seconds per load:',
          `sum(rate(${m.loadJoins.name}{${MAP}}[${c.loads.window}])) / sum(rate(${m.loads.name}{${MAP}}[${c.loads.window}]))`,
        ],
        [
          'Seconds per load:',
          `sum(rate(${m.loadSeconds.name}{${MAP}}[${c.loads.window}])) / sum(rate(${m.loads.name}{${MAP}}[${c.loads.window}]))`,
        ],
      ],
      mitigation: [
        'Add jitter to TTLs; refresh hot keys ahead of expiry (stale-while-revalidate).',
        'Keep single-flight (`LoadingMap`) in place; never replace it with per-caller loads.',
      ],
    },
    loadsFailing: {
      meaning: `More than ${c.loads.failureRatio * 100}% of loader calls failed (\`${m.loads.name}{result="failure"}\`) over ${c.loads.window}.`,
      impact:
        'Callers receive errors, and failed loads are retried by every new caller, adding load on the failing backend.',
      diagnosis: [
        'The loader talks to a backend: check that backend first.',
        'A failure ratio of exactly 100% on one map after a deploy usually means a configuration or permission error in the loader.',
      ],
      queries: [
        [
          'Failed loads per second, and all loads:',
          `sum by (result) (rate(${m.loads.name}{${MAP}}[${c.loads.window}]))`,
        ],
      ],
      mitigation: [
        'Cache negative results briefly, and back off retries of failing keys.',
        'Serve stale values while the backend recovers if the data allows it.',
      ],
    },
    registryOverflow: {
      meaning:
        `\`${m.registryOverflow.name}\` increased within the last ${c.registry.overflowWindow}, or the target appeared ` +
        'within it with the counter already above 0 (names folded at start-up, before the first scrape): maps were ' +
        'registered past the registry name cap and folded into `map_name="_other"`. It resolves once no name has been folded for the window.',
      impact:
        'New maps are no longer observable individually; growth of a leaking map hides inside `_other`.',
      diagnosis: [
        `\`${m.registryMaps.name}\` shows how many names are tracked. Names built from ids (per tenant, per connection) are unbounded.`,
        `${DEBUG_MAPS} It lists the names tracked.`,
      ],
      queries: [
        [
          'Names tracked and names folded since the process started:',
          `max(${m.registryMaps.name}{${TARGET}})`,
        ],
        ['Names folded in the last hour:', `sum(increase(${m.registryOverflow.name}{${TARGET}}[1h]))`],
      ],
      mitigation: [
        'Give maps a bounded name (the role of the map, not its owner id); several maps may share a name and are counted in instances.',
        'Raise the registry cap only if the set of names is bounded but large.',
      ],
    },
    metricsAbsent: {
      meaning:
        `The target is up, exported the metric named by the alert's \`metric\` label within the last ${c.absence.lookback}, ` +
        `and exports it no more. Watched: ${ALWAYS_EXPORTED.map((x) => `\`${x.name}\``).join(', ')} (every target with maps ` +
        'exports them at every scrape). One metric gone while the others stay is a collection that fails; all of them gone ' +
        'is an exporter that was removed. Needs Prometheus to scrape the service directly: behind an OpenTelemetry Collector, `up` belongs to the collector, not the service, and MapwatchJobMetricsAbsent watches the job instead.',
      impact: 'Every mapwatch alert and panel that reads the missing metric is blind for this target.',
      diagnosis: [
        'Scrape the target by hand (`curl -s http://<instance>/metrics | grep mapwatch_`) and compare with the families below.',
        'One metric missing: the service\'s stderr has "mapwatch: collecting <metric> failed" and MapwatchExporterCollectErrors fires with it.',
        'Everything missing: check recent deploys; the exporter registration (`registerPromMetrics` / `registerOtelMetrics`) may have been removed or may throw at start-up.',
      ],
      queries: [
        [
          'Series per mapwatch metric the target exports now:',
          `count by (__name__) ({${TARGET}, __name__=~"mapwatch_.+"})`,
        ],
      ],
      mitigation: [
        `Restore the exporter registration, or fix the failing collection. If mapwatch was removed on purpose, silence the alert: it clears by itself only after the ${c.absence.lookback} lookback.`,
      ],
    },
    jobMetricsAbsent: {
      meaning:
        `No instance of the job exports the metric named by the alert's \`metric\` label, which its instances exported ` +
        `within the last ${c.absence.lookback}, and the job had no \`up\` series in that time: nobody scrapes it, its ` +
        'services push their metrics (OTLP through an OpenTelemetry Collector, or remote write). MapwatchMetricsAbsent ' +
        'joins on `up` and cannot see such services; this alert looks at the whole job, since a pushing service gets a new ' +
        '`instance` (service.instance.id) at every start.',
      impact: 'Every mapwatch alert and panel that reads the missing metric is blind for this job.',
      diagnosis: [
        "Check that the job's services run: a job that was shut down on purpose looks the same.",
        'One metric missing: the services\' stderr has "mapwatch: collecting <metric> failed" and MapwatchExporterCollectErrors fires with it.',
        "Everything missing while the services run: check the collector (its logs, its exporter queue) and the services' OTLP endpoint, and whether a deploy removed `registerOtelMetrics`.",
      ],
      queries: [
        [
          'Series per mapwatch metric the job exports now:',
          `count by (__name__) ({job="<job>", __name__=~"mapwatch_.+"})`,
        ],
      ],
      mitigation: [
        `Restore the services, the exporter registration or the collector. If the job was retired on purpose, silence the alert: it clears by itself only after the ${c.absence.lookback} lookback.`,
      ],
    },
    collectErrors: {
      meaning:
        `\`${m.collectErrors.name}\` increased in the last ${c.exporter.errorsWindow}: collecting some mapwatch metric threw, ` +
        'and that metric was left out of the scrape (the rest of the scrape was served).',
      impact:
        'The failing metric has gaps or is gone (MapwatchMetricsAbsent); alerts that read it are blind while it fails.',
      diagnosis: [
        'The service\'s stderr names the metric and the error, once per metric and message: "mapwatch: collecting <metric> failed, skipped in this scrape: <message>".',
        'A custom `onError` handler passed to the exporter receives the same.',
      ],
      queries: [
        ['Failed collections per hour:', `sum(increase(${m.collectErrors.name}{${TARGET}}[1h]))`],
        [
          'Series per mapwatch metric the target exports now:',
          `count by (__name__) ({${TARGET}, __name__=~"mapwatch_.+"})`,
        ],
      ],
      mitigation: ['Report the error with its stack to the mapwatch maintainers; upgrade when fixed.'],
    },
    scrapeSlow: {
      meaning:
        `\`${scrapeDuration}\` of the target averaged more than ${c.exporter.maxScrapeSeconds} s over ${c.exporter.window}, ` +
        'and the target exports mapwatch metrics. Prometheus measures the whole scrape: mapwatch and every other metric of the endpoint.',
      impact:
        'A scrape slower than its timeout fails: every series of the target gets gaps, and the alerts reading them flap or go blind.',
      diagnosis: [
        'Count the series per metric: a family with thousands of series is the usual cause (map names built from ids; see MapwatchRegistryOverflow).',
        'A busy event loop answers scrapes late: check the process CPU and event loop lag.',
      ],
      queries: [
        ['Scrape duration:', `${scrapeDuration}{${TARGET}}`],
        ['The biggest metrics of the target:', `topk(10, count by (__name__) ({${TARGET}}))`],
      ],
      mitigation: [
        'Bound the map names (the registry cap, `maxNames`), or drop metrics you do not use with `metric_relabel_configs`.',
        'Raise the scrape timeout only if the endpoint is legitimately large.',
      ],
    },
    samplesGrowing: {
      meaning:
        `The lowest \`${scrapeSamples}\` of the target over ${c.exporter.growthWindow} is at least ${c.exporter.minSampleGrowth} ` +
        `samples and ${Math.round((c.exporter.sampleGrowthRatio - 1) * 100)}% above the lowest of the ${c.exporter.growthWindow} before, ` +
        'and the target exports mapwatch metrics: its series multiply.',
      impact:
        'Cardinality growth costs Prometheus memory and slows queries and scrapes; left alone it ends in MapwatchExporterScrapeSlow or in Prometheus itself running out of memory.',
      diagnosis: [
        'Find the metric that grows (queries below). For mapwatch metrics, more series means more map names: names built from ids, or maps created per owner under distinct names.',
      ],
      queries: [
        ['Samples per scrape:', `${scrapeSamples}{${TARGET}}`],
        ['The biggest metrics of the target:', `topk(10, count by (__name__) ({${TARGET}}))`],
        ['Map names tracked by mapwatch:', `max(${m.registryMaps.name}{${TARGET}})`],
      ],
      mitigation: [
        'Give maps bounded names, lower the registry cap (`maxNames`), or drop the growing metric with `metric_relabel_configs`.',
      ],
    },
  };
}

/** The section of the info inhibitor: not a problem, the machinery that holds info alerts back. */
function inhibitorSection(c: PackConfig): Section {
  return {
    meaning:
      `${INFO_INHIBITOR} fires for every job that has firing mapwatch info alerts and no firing mapwatch warning or ` +
      'critical alert. The example Alertmanager config routes it nowhere and inhibits the info alerts of that job with it ' +
      "(kube-prometheus' InfoInhibitor): info alerts reach a receiver only as context of a real problem of their job.",
    impact: 'None. It is not a problem; do not silence it, or every info alert reaches the receivers.',
    diagnosis: ['To see the info alerts it holds back, query them (below) or open the overview dashboard.'],
    queries: [
      [
        'Firing mapwatch alerts of the job, by severity:',
        `count by (severity, alertname) (ALERTS{alertname=~"Mapwatch.*", alertstate="firing", job="<job>"})`,
      ],
    ],
    mitigation: [
      `Nothing to do. To receive info alerts always, drop the inhibit rule whose source is ${INFO_INHIBITOR} from your Alertmanager config.`,
    ],
    notes: c.groupBy.length
      ? [`It is computed per job and ${c.groupBy.join(', ')}, the labels the inhibit rule compares.`]
      : [],
  };
}

export function buildRunbook(c: PackConfig): string {
  const text = sections(c);
  const out: string[] = [
    '# mapwatch runbook',
    '',
    'One section per alert of the mapwatch pack. Generated by `mapwatch rules` from the pack config;',
    'do not edit by hand. Each alert links here with its `runbook_url`, and to its dashboard with `dashboard_url`.',
    'In the queries, replace `<job>`, `<instance>` and `<map_name>` with the labels of the alert.',
    '',
    'Related warnings are inhibited by a critical alert with the same `signal` label on the same map, the warning',
    'growth alerts of a map by MapwatchMapInstancesGrowing of the same map, and info alerts by',
    `${INFO_INHIBITOR} until a warning or critical alert fires for their job (see \`alertmanager.example.yml\`).`,
    '',
    '## Before you start: tools for any map',
    '',
    '- **The dashboards.** `dashboard_url` opens the map drill-down (or the overview, for a target) with the',
    "  alert's job, instance and map selected. Its *Alert conditions* row draws the quantity of each alert against",
    '  its threshold.',
    '- **`/debug/maps`.** If the service mounts `mapwatchRouter({ debug: true })`, `http://<instance>/debug/maps`',
    '  (and `/debug/maps.json`) lists every map name with entries, instances, growth, miss ratio, lock waiters and',
    "  the leak detector's state and the reason that names its evidence. It never shows keys or values, but it names",
    '  your maps: keep the route internal.',
    '- **`mapwatch analyze`.** ' + ANALYZE + ' Add `--plot map.svg` to draw it.',
    '- **Heap snapshot** (which objects hold the entries): start Node with `--heapsnapshot-signal=SIGUSR2` and run',
    '  `kill -USR2 <pid>`, or call `v8.writeHeapSnapshot()` from an admin-only endpoint;',
    '  `--heapsnapshot-near-heap-limit=1` writes one by itself when the V8 heap nears its limit. Open it in Chrome',
    '  DevTools (Memory), and compare two snapshots taken minutes apart (Comparison, sorted by delta). Risks: writing',
    '  it stops the process for seconds to minutes (it grows with the heap), so drain the instance first; it needs',
    '  about as much memory again as the heap, so a process near its limit may be killed by the snapshot itself (take',
    '  it early in the cycle, or on a replica with headroom); the file is as large as the heap, so check the disk and',
    '  the ephemeral storage limit; and it holds every string in memory (tokens, passwords, personal data): treat it',
    '  as secret, keep it out of tickets and chat, delete it when done.',
    '- **Diagnostic report** (what the process was doing, before a restart loses it): `process.report.writeReport()`',
    '  from an admin-only endpoint, `--report-on-fatalerror` (a report at the out-of-memory crash), or',
    '  `--report-on-signal` (`kill -USR2 <pid>`; `--report-signal` picks another signal if SIGUSR2 takes heap',
    '  snapshots). It holds the JavaScript and native stacks, heap statistics, resource usage and open handles. Risks:',
    '  a pause of milliseconds and a file of a few hundred KB, but it includes the environment variables and the',
    '  command line, which often hold secrets: handle it like a heap snapshot.',
    '',
  ];
  const render = (name: string, header: string, s: Section) => {
    out.push(
      `## ${name}`,
      '',
      header,
      '',
      '### Meaning',
      '',
      s.meaning,
      '',
      '### Impact',
      '',
      s.impact,
      '',
      '### Diagnosis',
      '',
      ...s.diagnosis.map((d) => `- ${d}`),
      '',
      ...s.queries.flatMap(([caption, query]) => [caption, '', '```promql', query, '```', '']),
      '### Mitigation',
      '',
      ...s.mitigation.map((d) => `- ${d}`),
      '',
      ...(s.notes ?? []).flatMap((n) => [n, '']),
    );
  };
  for (const def of ALERT_DEFS) {
    const rule = buildRule(def, c);
    render(
      def.name,
      `Severity \`${rule.labels.severity}\`, signal \`${def.signal}\`, for \`${rule.for}\`` +
        (rule.keep_firing_for ? `, keeps firing for \`${rule.keep_firing_for}\`.` : '.') +
        ` ${def.summary}`,
      text[def.key],
    );
  }
  const inhibitor = infoInhibitorRule(c);
  render(
    INFO_INHIBITOR,
    `Severity \`none\`, for \`${inhibitor.for}\`. ${inhibitor.annotations.summary}`,
    inhibitorSection(c),
  );
  return out.join('\n');
}
