/**
 * Replays one recorded map (a row of `groupRows`) through the same detector path as the in-process
 * monitor (`createNameObserver`: the name's map series and its instance series, verdicts combined),
 * point by point, as the service would have seen it, and reports the final state and when the row
 * first reached `growing` and `leak`.
 *
 * The families are aligned on the entries' timestamps: at each one, every other family contributes its
 * latest value at or before it if that value is at most LOOKBACK_MS old, or nothing otherwise (none
 * yet, or the family stopped being exported). Counters are fed as recorded (cumulative); the detector
 * corrects their resets.
 */
import { LeakDetector, type LeakDetectorOptions } from '../../detect/leak-detector.js';
import { createNameObserver } from '../../detect/monitor.js';
import type { LeakState, LeakVerdictDetail, NameObservation } from '../../detect/observation.js';
import type { FamilyKey, MapRow, Point } from './parse.js';

/** Largest `timeScale`: keeps stretched timestamps far inside exact float range. */
export const MAX_TIME_SCALE = 1e6;

export interface ReplayOptions {
  detector?: LeakDetectorOptions;
  /**
   * Stretches time by this factor before the detector sees it (1 = real time): a capture of a few
   * minutes at `--time-scale 60` is seen as hours. Ages and TTLs are stretched alike. Verdict times and
   * rates are reported in the input's own time.
   */
  timeScale?: number;
}

export interface ReplayResult {
  readonly series: Readonly<Record<string, string>>;
  /** State at the last point (`collecting` when there was none). */
  readonly state: LeakState;
  /** `leak` was reached at some point of the replay. */
  readonly suspect: boolean;
  /** ms since epoch when `leak` was first reached, or null. */
  readonly firstFlaggedAt: number | null;
  /** ms since epoch when `growing` or `leak` was first reached, or null. */
  readonly firstGrowingAt: number | null;
  /** Growth at the last point, entries per second of the input's time. */
  readonly growthRate: number;
  readonly reason: string;
  /** Entries points replayed. */
  readonly points: number;
}

/**
 * How long a family's latest value stands for it, ms of the input's own time: Prometheus' default
 * lookback delta (`--query.lookback-delta`, 5m), past which a query treats a series as absent. Without
 * it a family that stopped being exported (a declared bound dropped when an undeclared instance of the
 * name appeared) would be carried forever, and analyze would judge by a bound the monitor no longer sees.
 */
export const LOOKBACK_MS = 5 * 60_000;

/** The row's observations, one per entries point, in the input's own time. */
export function* alignRow(row: MapRow): Generator<{ t: number; obs: NameObservation }> {
  const others = Object.entries(row.families) as [Exclude<FamilyKey, 'entries'>, readonly Point[]][];
  const cursor = others.map(() => 0);
  for (const p of row.entries) {
    const obs: Record<string, number> = { entries: p.v };
    others.forEach(([family, pts], i) => {
      let c = cursor[i]!;
      while (c < pts.length && pts[c]!.t <= p.t) c++;
      cursor[i] = c;
      const latest = c > 0 ? pts[c - 1]! : undefined;
      if (latest !== undefined && p.t - latest.t <= LOOKBACK_MS) obs[family] = latest.v;
    });
    yield { t: p.t, obs: toObservation(obs) };
  }
}

/** Only the fields of the contract (the never-read ratio has none yet). */
function toObservation(o: Record<string, number>): NameObservation {
  return {
    entries: o.entries!,
    inserts: o.inserts,
    deletes: o.deletes,
    oldestAgeSeconds: o.oldestAgeSeconds,
    maxEntries: o.maxEntries,
    ttlSeconds: o.ttlSeconds,
    instances: o.instances,
  };
}

/**
 * What the detector is fed for a row at `timeScale`: the input time `t`, the stretched time `tMs` and
 * the observation with its ages and TTL stretched alike.
 */
export function* detectorFeed(
  row: MapRow,
  timeScale: number,
): Generator<{ t: number; tMs: number; obs: NameObservation }> {
  const t0 = row.entries[0]?.t ?? 0;
  const stretch = (x: number | undefined): number | undefined =>
    x === undefined ? undefined : x * timeScale;
  for (const { t, obs } of alignRow(row)) {
    yield timeScale === 1
      ? { t, tMs: t, obs }
      : {
          t,
          tMs: t0 + (t - t0) * timeScale,
          obs: {
            ...obs,
            oldestAgeSeconds: stretch(obs.oldestAgeSeconds),
            ttlSeconds: stretch(obs.ttlSeconds),
          },
        };
  }
}

export function replay(row: MapRow, options: ReplayOptions = {}): ReplayResult {
  const scale = options.timeScale ?? 1;
  if (!(scale > 0) || !(scale <= MAX_TIME_SCALE))
    throw new RangeError(`timeScale must be a number in (0, ${MAX_TIME_SCALE}], got ${scale}`);
  const observe = createNameObserver(new LeakDetector(options.detector));
  let firstFlaggedAt: number | null = null;
  let firstGrowingAt: number | null = null;
  let last: LeakVerdictDetail | undefined;
  for (const { t, tMs, obs } of detectorFeed(row, scale)) {
    last = observe('analyze', tMs, obs);
    if (last.state === 'leak' && firstFlaggedAt === null) firstFlaggedAt = t;
    if ((last.state === 'leak' || last.state === 'growing') && firstGrowingAt === null) firstGrowingAt = t;
  }
  return {
    series: row.labels,
    state: last?.state ?? 'collecting',
    suspect: firstFlaggedAt !== null,
    firstFlaggedAt,
    firstGrowingAt,
    growthRate: (last?.growthPerSecond ?? 0) * scale,
    reason: last?.reason ?? 'no data points',
    points: row.entries.length,
  };
}
