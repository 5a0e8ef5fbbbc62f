/**
 * Replays a recorded series through the LeakDetector point by point, as the service would have seen
 * it, and reports when it was first flagged and the verdict at the end.
 */
import { LeakDetector, type LeakDetectorOptions } from './leak-detector.js';
import type { Series } from './parse.js';

export interface ReplayOptions {
  detector?: LeakDetectorOptions;
  /**
   * Stretches time by this factor before the detector sees it (1 = real time). A capture of a few
   * minutes at `--time-scale 60` is seen as hours; verdict times and rates are reported in the input's
   * own time.
   */
  timeScale?: number;
}

export interface ReplayResult {
  readonly series: Readonly<Record<string, string>>;
  /** Flagged at any point of the replay. */
  readonly suspect: boolean;
  /** ms since epoch of the first flagged point, or null. */
  readonly firstFlaggedAt: number | null;
  /** Verdict at the last point. */
  readonly suspectNow: boolean;
  /** Robust growth at the last point, entries per second of the input's time. */
  readonly growthRate: number;
  readonly reason: string;
  readonly points: number;
}

export function replay(series: Series, options: ReplayOptions = {}): ReplayResult {
  const scale = options.timeScale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new RangeError(`timeScale must be a positive number, got ${scale}`);
  const detector = new LeakDetector({ maxSeries: 1, ...options.detector });
  const t0 = series.points[0]?.t ?? 0;
  let firstFlaggedAt: number | null = null;
  let last = detector.verdict('s');
  for (const p of series.points) {
    last = detector.observe('s', t0 + (p.t - t0) * scale, p.v);
    if (last.suspect && firstFlaggedAt === null) firstFlaggedAt = p.t;
  }
  return {
    series: series.labels,
    suspect: firstFlaggedAt !== null,
    firstFlaggedAt,
    suspectNow: last?.suspect ?? false,
    growthRate: (last?.growthPerSecond ?? 0) * scale,
    reason: last?.reason ?? 'no data points',
    points: series.points.length,
  };
}
