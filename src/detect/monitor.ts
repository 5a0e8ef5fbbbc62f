/**
 * Leak detection inside the service: runs a LeakDetector over `registry.collect()` on an unref'd timer
 * and records each name's verdict with `registry.setLeakVerdict`, which the exporters publish as
 * `mapwatch_map_leak_state`, `mapwatch_map_leak_suspect` and `mapwatch_map_growth_per_second`.
 *
 * Per name it feeds two series (`createNameObserver`, which `mapwatch analyze` uses too, so both reach
 * the same verdicts on the same data): the map series (entries summed over kinds, the insert and
 * all-cause delete counters, the oldest sampled entry's age, the declared bound) and the instance count,
 * because a growing number of live maps is itself a leak of whatever owns them. Memory per name is the
 * detector's fixed rings; nothing grows with time.
 */
import { LEAK_STATES, type LeakState } from '../conventions.js';
import type { MapRegistry, NameSnapshot } from '../registry.js';
import { registryOption } from '../registry-option.js';
import { LeakDetector, type LeakDetectorOptions } from './leak-detector.js';
import type { LeakVerdictDetail, NameObservation } from './observation.js';
import { COUNTERS_ABSENT, NO_AGES } from './reasons.js';
import { describeValue, optionalOptions } from '../describe-value.js';
import { MAX_TIMER_MS } from '../timer-bounds.js';
export interface LeakDetectionOptions extends LeakDetectorOptions {
  /** Registry to watch; default `defaultRegistry`. */
  registry?: MapRegistry;
  /** How often to sample, ms. Default 60 000 (the detector's fine buckets are one minute wide). */
  intervalMs?: number;
  /** Clock, ms since epoch; tests inject one. Default `Date.now`. */
  now?: () => number;
  /** Called with errors caught while sampling a name (the host never sees them). Default: ignored. */
  onError?: (error: unknown, name: string | undefined) => void;
}

export interface LeakDetectionHandle {
  /** Stops the timer. Verdicts already recorded stay until the next detection run replaces them. */
  stop(): void;
  /** Samples once now (the timer calls this); exposed for tests and for hosts with their own scheduler. */
  tick(): void;
  /** The detector, for inspection (`size`, `verdict(key)`). */
  readonly detector: LeakDetector;
}

/** Series keys of one name; NUL cannot occur in a validated map name, so the two never collide. */
export function entriesKey(name: string): string {
  return `${name}\u0000entries`;
}
export function instancesKey(name: string): string {
  return `${name}\u0000instances`;
}

export function startLeakDetection(given?: LeakDetectionOptions): LeakDetectionHandle {
  const options = optionalOptions(given, 'startLeakDetection()');
  const registry = registryOption(options.registry, 'startLeakDetection(options)');
  const { registry: _registry, intervalMs = 60_000, now = Date.now, onError, ...detectorOptions } = options;
  // setInterval takes at most 2^31 - 1 ms; a longer one would silently fire every millisecond. (The
  // detector needs an observation every hour for the day-long window and every 20 min for the fresh
  // one; a host with its own scheduler calls tick() and may set a long interval to keep the timer out.)
  if (!Number.isFinite(intervalMs) || intervalMs <= 0 || intervalMs > MAX_TIMER_MS) {
    throw new RangeError(
      `mapwatch: startLeakDetection intervalMs must be a positive number of ms up to ${MAX_TIMER_MS} (about 24.8 days), got ${describeValue(intervalMs)}`,
    );
  }
  // Two series per name, plus room for the overflow bucket.
  const detector = new LeakDetector({ maxSeries: 2 * registry.maxNames + 2, ...detectorOptions });
  const report = (error: unknown, name: string | undefined): void => {
    try {
      onError?.(error, name);
    } catch {
      // an error handler that throws must not reach the host either
    }
  };

  const observeName = createNameObserver(detector);
  const sampleName = (snap: NameSnapshot, t: number): void => {
    registry.setLeakVerdict(snap.name, observeName(snap.name, t, nameObservation(snap)));
  };

  const tick = (): void => {
    let names: readonly NameSnapshot[];
    let t: number;
    try {
      t = now();
      names = registry.collect().names;
    } catch (err) {
      report(err, undefined);
      return;
    }
    for (const snap of names) {
      try {
        sampleName(snap, t);
      } catch (err) {
        report(err, snap.name);
      }
    }
  };

  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), tick, detector };
}

/** What the monitor feeds the detector for one name: the registry's snapshot, as analyze reads it. */
export function nameObservation(snap: NameSnapshot): NameObservation {
  let entries = 0;
  for (const n of snap.entriesByKind.values()) entries += n;
  const m = snap.map;
  return {
    entries,
    inserts: m.inserts,
    deletes: m.deletesExplicit + m.deletesClear + m.deletesEvict + m.deletesExpire,
    oldestAgeSeconds: snap.survival?.oldestAgeSeconds,
    maxEntries: snap.declaredMaxEntries,
    ttlSeconds: snap.declaredTtlSeconds,
    instances: snap.instances,
  };
}

/**
 * Feeds a name's map series and (when given) its instance series to `detector` and combines the two
 * verdicts. The in-process monitor and `mapwatch analyze` both go through here.
 */
export function createNameObserver(
  detector: LeakDetector,
): (name: string, timestampMs: number, observation: NameObservation) => LeakVerdictDetail {
  return (name, t, { instances, ...map }) => {
    const e = detector.observe(entriesKey(name), t, map);
    const i = instances === undefined ? undefined : detector.observe(instancesKey(name), t, instances);
    return combine(e, i);
  };
}

const rank = (s: LeakState): number => LEAK_STATES.indexOf(s);

/**
 * One verdict per name: the stronger state of the two series (an instance leak is a leak), except that
 * the name is `collecting` while its map series is; the rate is always the entries' rate.
 */
export function combine(
  entries: LeakVerdictDetail,
  instances: LeakVerdictDetail | undefined,
): LeakVerdictDetail {
  const inst = instances !== undefined && rank(instances.state) > rank('ok') ? instances : undefined;
  // The verdicts' reasons are written when read (see the detector): pass them on unread.
  if (inst === undefined || rank(inst.state) <= rank(entries.state)) return entries;
  let reason: string | undefined;
  return {
    state: inst.state,
    suspect: inst.state === 'leak',
    growthPerSecond: entries.growthPerSecond,
    get reason(): string {
      // An instance count never carries ages or counters: say what confirms it instead of "sampling off".
      const instReason = `instances: ${inst.reason
        .replace(/ entries/g, ' instances')
        .replace(
          `${NO_AGES}; ${COUNTERS_ABSENT}`,
          'a count of live maps, confirmed only by the day-long window',
        )}`;
      return (reason ??=
        entries.state === 'collecting' ? instReason : `${instReason}; entries: ${entries.reason}`);
    },
  };
}
