/**
 * A tiny model of the PromQL functions the alert rules use (Prometheus 2.x semantics), evaluated over
 * sample arrays at fixed steps. The promtool test generator uses it to predict, independently of
 * Prometheus, when each alert becomes active, fires and resolves, and with which value; promtool then
 * checks the real rules against those predictions. Two implementations agreeing is the test.
 */

/** One sample per step; `undefined` = no sample, 'stale' = staleness marker. */
export type Sample = number | 'stale' | undefined;

export interface SimSeries {
  labels: Record<string, string>;
  values: Sample[];
}

/** Instant-vector lookback of Prometheus (default 5m). */
export const LOOKBACK_SECONDS = 300;

export class Sim {
  constructor(
    /** Seconds between samples (= evaluation interval of the tests). */
    readonly step: number,
  ) {}

  /** Samples with time in the closed range [i - w, i] (Prometheus 2.x ranges are closed), stale markers dropped. */
  range(s: Sample[], i: number, wSteps: number, offsetSteps = 0): Array<[number, number]> {
    const end = i - offsetSteps;
    const out: Array<[number, number]> = [];
    for (let j = Math.max(0, end - wSteps); j <= end; j++) {
      const v = s[j];
      if (typeof v === 'number') out.push([j, v]);
    }
    return out;
  }

  /** Instant selector: the latest sample within the lookback, unless it is a staleness marker. */
  instant(s: Sample[], i: number): number | undefined {
    const back = Math.floor(LOOKBACK_SECONDS / this.step);
    for (let j = i; j >= Math.max(0, i - back); j--) {
      const v = s[j];
      if (v === 'stale') return undefined;
      if (typeof v === 'number') return v;
    }
    return undefined;
  }

  minOver(s: Sample[], i: number, w: number, off = 0): number | undefined {
    return this.fold(s, i, w, off, Math.min);
  }

  maxOver(s: Sample[], i: number, w: number, off = 0): number | undefined {
    return this.fold(s, i, w, off, Math.max);
  }

  /** Folds the samples of the closed range [i - off - w, i - off] without allocating. */
  private fold(
    s: Sample[],
    i: number,
    w: number,
    off: number,
    f: (a: number, b: number) => number,
  ): number | undefined {
    const end = Math.min(i - off, s.length - 1);
    let acc: number | undefined;
    for (let j = Math.max(0, i - off - w); j <= end; j++) {
      const v = s[j];
      if (typeof v === 'number') acc = acc === undefined ? v : f(acc, v);
    }
    return acc;
  }

  avgOver(s: Sample[], i: number, w: number): number | undefined {
    const r = this.range(s, i, w);
    return r.length ? r.reduce((a, x) => a + x[1], 0) / r.length : undefined;
  }

  /** increase() with Prometheus' extrapolation rules for counters. */
  increase(s: Sample[], i: number, w: number): number | undefined {
    const r = this.range(s, i, w);
    if (r.length < 2) return undefined;
    const first = r[0] as [number, number];
    const last = r[r.length - 1] as [number, number];
    let result = last[1] - first[1];
    let prev = first[1];
    for (const [, v] of r) {
      if (v < prev) result += prev; // counter reset
      prev = v;
    }
    const rangeStart = (i - w) * this.step;
    const rangeEnd = i * this.step;
    let durationToStart = first[0] * this.step - rangeStart;
    const durationToEnd = rangeEnd - last[0] * this.step;
    const sampled = (last[0] - first[0]) * this.step;
    const avg = sampled / (r.length - 1);
    if (result > 0 && first[1] >= 0) {
      const durationToZero = sampled * (first[1] / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    const threshold = avg * 1.1;
    let interval = sampled;
    interval += durationToStart < threshold ? durationToStart : avg / 2;
    interval += durationToEnd < threshold ? durationToEnd : avg / 2;
    return result * (interval / sampled);
  }

  rate(s: Sample[], i: number, w: number): number | undefined {
    const inc = this.increase(s, i, w);
    return inc === undefined ? undefined : inc / (w * this.step);
  }

  /** predict_linear(s[w], horizonSeconds): least squares, intercept at the evaluation time. */
  predictLinear(s: Sample[], i: number, w: number, horizon: number): number | undefined {
    const r = this.range(s, i, w);
    if (r.length < 2) return undefined;
    let n = 0;
    let sx = 0;
    let sy = 0;
    let sxy = 0;
    let sx2 = 0;
    for (const [j, v] of r) {
      const x = (j - i) * this.step;
      n += 1;
      sx += x;
      sy += v;
      sxy += x * v;
      sx2 += x * x;
    }
    const cov = sxy - (sx * sy) / n;
    const varx = sx2 - (sx * sx) / n;
    const slope = cov / varx;
    const intercept = sy / n - (slope * sx) / n;
    return intercept + slope * horizon;
  }
}

/** histogram_quantile over (upper bound, rate) pairs, +Inf included, as Prometheus interpolates. */
export function histogramQuantile(q: number, buckets: Array<[number, number]>): number | undefined {
  const b = [...buckets].sort((x, y) => x[0] - y[0]);
  const top = b[b.length - 1];
  if (!top || top[0] !== Infinity) return undefined;
  const total = top[1];
  if (total === 0) return undefined;
  const rank = q * total;
  let idx = b.findIndex((x) => x[1] >= rank);
  if (idx === b.length - 1) return (b[b.length - 2] as [number, number])[0];
  if (idx < 0) idx = b.length - 1;
  const [end, count] = b[idx] as [number, number];
  let start = 0;
  let below = 0;
  if (idx > 0) {
    [start, below] = b[idx - 1] as [number, number];
  } else if (end <= 0) {
    return end;
  }
  return start + (end - start) * ((rank - below) / (count - below));
}

/**
 * Go's text/template helpers used in annotations: `humanize` and `humanizePercentage` (fmt `%.4g`), and
 * a plain `{{ $value }}` (fmt `%v`).
 */
function g4(v: number): string {
  return String(Number(v.toPrecision(4)));
}

export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  let x = v;
  let prefix = '';
  if (Math.abs(x) >= 1) {
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(x) < 1000) break;
      prefix = p;
      x /= 1000;
    }
    return `${g4(x)}${prefix}`;
  }
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(x) >= 1) break;
    prefix = p;
    x *= 1000;
  }
  return `${g4(x)}${prefix}`;
}

/** Go's `printf "%.0f"`: exact halves round to even. */
export function printfRound(v: number): string {
  const t = Math.trunc(v);
  const r = Math.abs(v - t) === 0.5 ? (t % 2 === 0 ? t : t + Math.sign(v)) : Math.round(v);
  return String(Object.is(r, -0) ? 0 : r);
}

export function humanizePercentage(v: number): string {
  return `${g4(v * 100)}%`;
}

/** Expands the template subset the rules use; anything else is an error so tests never guess. */
export function renderTemplate(text: string, labels: Record<string, string>, value: number): string {
  return text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, inner: string) => {
    const label = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(inner);
    if (label) return labels[label[1] as string] ?? '<no value>';
    if (inner === '$value | humanize') return humanize(value);
    if (inner === '$value | humanizePercentage') return humanizePercentage(value);
    if (inner === 'printf "%.0f" $value') return printfRound(value);
    if (inner === '$value') {
      if (Math.abs(value) >= 1e21 || (value !== 0 && Math.abs(value) < 1e-4) || Math.abs(value) >= 1e6) {
        throw new Error(`cannot render ${value} like Go's %v`);
      }
      return String(value);
    }
    throw new Error(`template action not supported by the test renderer: {{ ${inner} }}`);
  });
}
