/**
 * Config -> alerts/runbook.md. One `## <AlertName>` section per alert (its GitHub anchor is the fragment
 * of the alert's runbook_url), each with Meaning / Impact / Diagnosis / Mitigation. The prose is about maps
 * and locks specifically; thresholds and windows are quoted from the config so the text matches the rules.
 */
import { METRICS } from '../conventions.js';
import { ALERT_DEFS, buildRule } from './alerts.js';
import { type AlertKey, type PackConfig } from './config.js';

interface Section {
  meaning: string;
  impact: string;
  diagnosis: string[];
  mitigation: string[];
  /** Extra paragraphs after Mitigation. */
  notes?: string[];
}

const m = METRICS;

function sections(c: PackConfig): Record<AlertKey, Section> {
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
      impact: 'Memory grows until the process is OOM-killed or spends its time in garbage collection.',
      diagnosis: [
        'Open the *mapwatch / map* dashboard for the map: compare the insert and delete rates and the deletes by cause.',
        'No `evict` or `expire` deletes at all means nothing bounds the map. Deletes by `explicit` only means cleanup depends on a code path that is not always taken (error paths, aborted requests).',
        'Check the key space: keys derived from request ids, user input or timestamps never repeat.',
        'Run `mapwatch analyze` on the exported entry series for the detector verdict and a one-line reason.',
      ],
      mitigation: [
        'Bound the map: an LRU with a maximum size, or a TTL (`LoadingMap` with TTL), so entries leave on their own.',
        'Delete in a `finally` block where entries are tied to a request or connection lifetime.',
        'If the map is reset periodically, replace it (`map = new Map()`, O(1)) instead of deleting key by key (O(n)).',
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
        'Memory grows from the moment the process starts; a service that is redeployed often may never live long enough for the day-scale alerts.',
      diagnosis: [
        'A TTL cache keeps its oldest entries at about its TTL, an LRU at capacity deletes as much as it inserts, a cleared map restarts its ages: none of them fires. A map that keeps everything it inserts does.',
        `Check \`${m.oldestSampledAge.name}\` on the map dashboard: an age that rises in step with the clock since the process started means not one sampled entry was ever removed.`,
        'Compare inserts with deletes by cause on the map dashboard: no `evict` or `expire` deletes at all means nothing bounds it.',
        'A cache that fills for hours toward a bound it does not declare looks the same until it is full. Declare the bound (see Mitigation).',
      ],
      mitigation: [
        'Bound the map (maxEntries, a TTL) or delete entries when their owner (request, connection, tenant) ends.',
        'If the map is bounded but does not say so (a cache with an implicit key space, an LRU with its own `max`), declare the bound to mapwatch (`maxEntries`, `ttlMs`): a declared bound silences the alert while the map stays within it.',
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
        `) within ${c.growth.predictHorizon}, the floor over ${c.growth.window} is rising, and the map holds more ` +
        `entries than any instance of its job at its peak of the previous ${c.growth.peakWindow}. The long prediction window and the peak ` +
        'condition keep a daily ramp that peaks under the ceiling from paging.',
      impact: 'The process is expected to run out of memory or to slow down sharply within the horizon.',
      diagnosis: [
        'Same as MapwatchMapGrowingUnbounded; check how much headroom the process has (heap limit versus heap used).',
        'Look at which instances lead: a single instance often means one tenant or one hot code path.',
      ],
      mitigation: [
        'Roll a restart across the affected instances to reset the map while the fix is prepared.',
        'Ship a bound (LRU size cap or TTL) for the map; if the size is legitimate, raise its ceiling in the config (`growth.ceilings: { "<map>": <entries> }`).',
      ],
    },
    leakSuspect: {
      meaning:
        `\`${m.leakSuspect.name}\` was 1 in every sample of the last ${c.leak.holdWindow}: the in-process detector ` +
        'saw the entry floor rise steadily, after ruling out warm-up, LRU at capacity, TTL sawtooth, periodic clears and diurnal cycles.',
      impact:
        'A slow leak that will end in memory pressure; often caught hours before the Prometheus-side growth alert.',
      diagnosis: [
        `\`${m.growthPerSecond.name}\` gives the detector's robust growth rate in entries per second.`,
        `\`${m.leakState.name}\` (the *Leak detector state* panel) shows how the verdict came about: \`collecting\` until the detector has enough evidence, \`growing\` while the growth is unconfirmed, \`leak\` once confirmed (the only state in which the verdict is 1).`,
        `Survival sampling (\`${m.oldestSampledAge.name}\`, \`${m.sampledNeverRead.name}\`) tells whether old entries are kept but never read.`,
        'Run `mapwatch analyze` on the exported series for the detector verdict and its reason.',
      ],
      mitigation: [
        'Bound the map with an LRU or a TTL; delete entries when their owner (request, connection, tenant) ends.',
        'If the growth is legitimate (a catalogue filling up), rename the map so it is tracked separately, or raise the detector thresholds.',
      ],
    },
    instancesGrowing: {
      meaning:
        `The floor of \`${m.instances.name}\` (live map objects with one name) rose by at least ` +
        `${c.instances.minFloorRise} over ${c.instances.window}, is still rising in the most recent half window, and ` +
        `is above its job's peak of the previous ${c.instances.peakWindow} (any instance of the job, so a daily ` +
        'cycle of connections or a pool filling after a deploy, also on a new pod, stays silent).',
      impact:
        'The objects that own these maps (connections, sessions, tenants, per-request contexts) are leaking, and every one keeps its map alive.',
      diagnosis: [
        'Find the owner: the map name says where the map is created. Look for listeners, timers or caches that keep the owner reachable.',
        'A heap snapshot filtered by the owner class confirms the retaining path.',
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
        'The bound that should keep the map small is not working: its memory is no longer bounded, and the growth alerts treat the map as bounded only while it is within the bound.',
      diagnosis: [
        'An eviction path that stopped running (an exception in an eviction callback, a disabled purge timer).',
        'Entries added behind the bound: writes through another reference to the underlying map, or a declared bound that counts only part of what the map holds.',
        'A bound lowered in config while the old entries are still there: the count should fall back under it as entries are evicted.',
      ],
      mitigation: [
        'Fix the eviction path, or recreate the map with the intended bound.',
        'If the map legitimately holds more, raise its declared `maxEntries`.',
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
        'Every request that needs this map hangs (or times out) until the process restarts. Queued tasks and their ' +
        'memory pile up.',
      diagnosis: [
        'Deadlock by re-entrancy: mapwatch locks are not re-entrant. Code that holds the lock (inside `write`, `update` or `read` of a `LockedMap`, or a shard of a `ShardedMap`) and calls another locking method of the same map (`get`, `set`, `update`, `snapshot`, a cross-shard call) waits for itself forever.',
        'A holder awaiting something that never settles: a promise without a timeout (a request to a hung backend, an event that never fires) awaited inside the critical section.',
        'Take a diagnostic report or a heap snapshot and look for the pending section; the *Lock waiters* panel of the map dashboard shows when the queue started to grow.',
      ],
      mitigation: [
        'Restart the affected instances to release the lock; the queue is lost.',
        'Never call the map’s own locking methods inside its critical section: use the view passed to the callback. Give every await inside a section its own timeout or AbortSignal.',
        'Set timeouts (`timeoutMs` / `signal`) on acquisitions so callers fail fast instead of queueing forever.',
      ],
    },
    lockStorm: {
      meaning:
        `Tasks spent more than ${c.lock.stormWaitSecondsPerSecond} s per second waiting for the map's lock ` +
        `(\`rate(${m.lockWaitSeconds.name})\`) while on average at least ${c.lock.stormWaiters} tasks were queued ` +
        `(\`${m.lockWaiters.name}\`) over ${c.lock.window}.`,
      impact:
        'Requests touching this map queue behind each other: latency rises for all of them and throughput collapses to one critical section at a time.',
      diagnosis: [
        'On the map dashboard compare hold time per second with wait time per second: hold time near 1 s/s means the lock is always held.',
        'Find critical sections that span an `await` (I/O, a remote call) while holding the write lock.',
        'A cache miss on a hot key inside the lock turns into a stampede serialized by the lock.',
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
      mitigation: [
        'Replace bulk rebuilds under the lock with building a new map outside and swapping it in.',
        'Set a timeout or an AbortSignal on acquisitions so callers fail fast instead of piling up.',
      ],
    },
    lockTimeouts: {
      meaning: `At least ${c.lock.minTimeouts} acquisitions were abandoned (\`${m.lockTimeouts.name}\`) in ${c.lock.timeoutWindow}.`,
      impact:
        'Each timeout is an operation that failed (or took a fallback path) because the lock was not granted in time.',
      diagnosis: [
        'Correlate with MapwatchLockStuck, MapwatchLockStorm and the waiters panel. Waiters that stay up while grants stop (MapwatchLockStuck) point to one holder that never releases; waiters that come and go with grants flowing point to a congested lock whose callers have short timeouts.',
        'Search for sections that can hang (awaiting a request without a timeout while holding the lock).',
      ],
      mitigation: [
        'Bound the work done under the lock and give inner awaits their own timeouts.',
        'If timeouts are deliberate load shedding, raise `lock.minTimeouts` in the config.',
      ],
    },
    promotionChurn: {
      meaning:
        `A read-mostly map copied more than ${c.promotion.copiedPerLookup} entries per lookup ` +
        `(\`${m.copiedEntries.name}\` over \`${m.lookups.name}\`) while promoting more than ` +
        `${c.promotion.minPromotionsPerSecond} times per second. Each promotion followed by a new key costs an O(n) copy.`,
      impact:
        'CPU is spent copying the map instead of serving reads; the read-mostly design is slower than a plain locked map under this load.',
      diagnosis: [
        'Compare inserts per second with lookups per second on the map dashboard: a read-mostly map wants reads to dominate and the key set to be stable.',
        'Many new keys (rather than updates of existing keys) are what trigger the copies.',
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
        'The map holds memory without saving work: almost every request goes to the backing source anyway.',
      diagnosis: [
        'Compare entries with the key space: a cache far smaller than the working set evicts before reuse.',
        'Deletes by cause `evict` or `expire` right after inserts mean the size cap or the TTL is too small.',
        'Keys that include volatile parts (timestamps, request ids) never hit.',
        'Only maps that evict or expire entries, or loading maps, are considered: a membership set (checked with `has()`) misses by design and never alerts.',
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
        'Single-flight absorbs the stampede (one load, many waiters), but every joiner waits for the full load latency.',
      diagnosis: [
        'Hot keys that expire at the same time (TTL set at the same moment) or that are evicted while hot.',
        'Check the load duration: slow loads widen the window during which callers join.',
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
      mitigation: [
        'Cache negative results briefly, and back off retries of failing keys.',
        'Serve stale values while the backend recovers if the data allows it.',
      ],
    },
    registryOverflow: {
      meaning:
        `\`${m.registryOverflow.name}\` is above 0: since the process started, maps were registered past the ` +
        'registry name cap and folded into `map_name="_other"`. The alert is on the state, not the rate, because ' +
        'overflow typically happens at start-up, before the first scrape; it holds until the process restarts.',
      impact:
        'New maps are no longer observable individually; growth of a leaking map hides inside `_other`.',
      diagnosis: [
        `\`${m.registryMaps.name}\` shows how many names are tracked. Names built from ids (per tenant, per connection) are unbounded.`,
      ],
      mitigation: [
        'Give maps a bounded name (the role of the map, not its owner id); several maps may share a name and are counted in instances.',
        'Raise the registry cap only if the set of names is bounded but large.',
      ],
    },
    metricsAbsent: {
      meaning:
        `The target is up, exported \`${m.registryMaps.name}\` within the last ${c.absence.lookback}, and exports it no more. ` +
        'Needs Prometheus to scrape the service directly: behind an OpenTelemetry Collector, `up` belongs to the collector, not the service.',
      impact: 'Every other mapwatch alert is blind for this target.',
      diagnosis: [
        'Scrape the target by hand and look for `mapwatch_` series.',
        'Check recent deploys: the exporter registration (`registerPromMetrics` / `registerOtelMetrics`) may have been removed or may throw at start-up.',
      ],
      mitigation: [
        `Restore the exporter registration. If mapwatch was removed on purpose, silence the alert: it clears by itself only after the ${c.absence.lookback} lookback.`,
      ],
    },
  };
}

export function buildRunbook(c: PackConfig): string {
  const text = sections(c);
  const out: string[] = [
    '# mapwatch runbook',
    '',
    'One section per alert of the mapwatch pack. Generated by `mapwatch rules` from the pack config;',
    'do not edit by hand. Each alert links here with its `runbook_url`.',
    '',
    'Related warnings are inhibited by a critical alert with the same `signal` label on the same map',
    '(see `alertmanager.example.yml`).',
    '',
  ];
  for (const def of ALERT_DEFS) {
    const rule = buildRule(def, c);
    const s = text[def.key];
    out.push(
      `## ${def.name}`,
      '',
      `Severity \`${rule.labels.severity}\`, signal \`${def.signal}\`, for \`${rule.for}\`` +
        (rule.keep_firing_for ? `, keeps firing for \`${rule.keep_firing_for}\`.` : '.') +
        ` ${def.summary}`,
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
      '### Mitigation',
      '',
      ...s.mitigation.map((d) => `- ${d}`),
      '',
      ...(s.notes ?? []).flatMap((n) => [n, '']),
    );
  }
  return out.join('\n');
}
