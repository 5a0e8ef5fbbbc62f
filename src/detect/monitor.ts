/**
 * Leak detection inside the service: runs a LeakDetector over `registry.collect()` on an unref'd timer
 * and records each name's verdict with `registry.setLeakVerdict`, which the exporters publish as
 * `mapwatch_map_leak_suspect` and `mapwatch_map_growth_per_second`.
 *
 * Per name it feeds two series: the entries summed over kinds (with the insert and all-cause delete
 * counters), and the instance count, because a growing number of live maps is itself a leak of whatever
 * owns them. Memory per name is the detector's fixed rings; nothing grows with time.
 */
import { defaultRegistry, type MapRegistry, type NameSnapshot } from '../registry.js';
import { LeakDetector, type LeakDetectorOptions, type LeakVerdictDetail } from './leak-detector.js';

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

export function startLeakDetection(options: LeakDetectionOptions = {}): LeakDetectionHandle {
  const {
    registry = defaultRegistry,
    intervalMs = 60_000,
    now = Date.now,
    onError,
    ...detectorOptions
  } = options;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new RangeError(
      `mapwatch: startLeakDetection intervalMs must be a positive number, got ${intervalMs}`,
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

  const sampleName = (snap: NameSnapshot, t: number): void => {
    let entries = 0;
    for (const n of snap.entriesByKind.values()) entries += n;
    const m = snap.map;
    const deletes = m.deletesExplicit + m.deletesClear + m.deletesEvict + m.deletesExpire;
    const e = detector.observe(entriesKey(snap.name), t, entries, m.inserts, deletes);
    const i = detector.observe(instancesKey(snap.name), t, snap.instances);
    registry.setLeakVerdict(snap.name, combine(e, i));
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

/** One verdict per name: suspect when either series is; the rate is always the entries' rate. */
export function combine(
  entries: LeakVerdictDetail,
  instances: LeakVerdictDetail,
): { suspect: boolean; growthPerSecond: number; reason: string } {
  if (instances.suspect && !entries.suspect) {
    return {
      suspect: true,
      growthPerSecond: entries.growthPerSecond,
      reason: `instances: ${instances.reason.replace(/ entries/g, ' instances')}`,
    };
  }
  return {
    suspect: entries.suspect || instances.suspect,
    growthPerSecond: entries.growthPerSecond,
    reason: instances.suspect
      ? `${entries.reason}; instances too: ${instances.reason.replace(/ entries/g, ' instances')}`
      : entries.reason,
  };
}
