/**
 * A tiny model of the PromQL functions the alert rules use, evaluated over sample arrays at fixed steps, with
 * the range semantics of either engine: Prometheus 2.x (closed ranges, `[t - w, t]`) or Prometheus 3 (left-open
 * ranges, `(t - w, t]`, which VictoriaMetrics uses too). The promtool test generator uses it to predict, independently of
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

/** How a range selector `x[w]` at time t bounds its samples: `[t - w, t]` (Prometheus 2) or `(t - w, t]` (3). */
export type RangeSemantics = 'closed' | 'left-open';

export class Sim {
  /** Steps a range of w steps reaches back: w (closed, the sample on the left edge counts) or w - 1 (left-open). */
  private readonly open: 0 | 1;
  constructor(
    /** Seconds between samples (= evaluation interval of the tests). */
    readonly step: number,
    readonly ranges: RangeSemantics = 'closed',
  ) {
    this.open = ranges === 'left-open' ? 1 : 0;
  }

  /** First step of a range of w steps ending at `end`. */
  first(end: number, w: number): number {
    return Math.max(0, end - w + this.open);
  }

  /** Samples with time in the range ending at step i - offset, stale markers dropped. */
  range(s: Sample[], i: number, wSteps: number, offsetSteps = 0): Array<[number, number]> {
    const end = i - offsetSteps;
    const out: Array<[number, number]> = [];
    for (let j = this.first(end, wSteps); j <= end; j++) {
      const v = s[j];
      if (typeof v === 'number') out.push([j, v]);
    }
    return out;
  }

  /** Instant selector: the latest sample within the lookback, unless it is a staleness marker. */
  instant(s: Sample[], i: number): number | undefined {
    // The lookback is a range too: Prometheus 3 leaves out a sample exactly 5m old.
    const back = this.open
      ? Math.ceil(LOOKBACK_SECONDS / this.step) - 1
      : Math.floor(LOOKBACK_SECONDS / this.step);
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

  /** Folds the samples of the range ending at i - off without allocating. */
  private fold(
    s: Sample[],
    i: number,
    w: number,
    off: number,
    f: (a: number, b: number) => number,
  ): number | undefined {
    const end = Math.min(i - off, s.length - 1);
    let acc: number | undefined;
    for (let j = this.first(i - off, w); j <= end; j++) {
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

  /** changes(): how often the value changed between consecutive samples of the range. */
  changes(s: Sample[], i: number, w: number): number | undefined {
    const r = this.range(s, i, w);
    if (r.length === 0) return undefined;
    let n = 0;
    for (let k = 1; k < r.length; k++)
      if ((r[k] as [number, number])[1] !== (r[k - 1] as [number, number])[1]) n++;
    return n;
  }

  rate(s: Sample[], i: number, w: number): number | undefined {
    const inc = this.increase(s, i, w);
    return inc === undefined ? undefined : inc / (w * this.step);
  }

  /**
   * Prometheus' linearRegression (2.42): least squares with Neumaier-compensated sums, x in seconds from
   * `interceptStep`; a constant range has slope 0.
   */
  linearRegression(r: Array<[number, number]>, interceptStep: number): { slope: number; intercept: number } {
    const k = () => ({ sum: 0, c: 0 });
    const add = (acc: { sum: number; c: number }, inc: number) => {
      const t = acc.sum + inc;
      acc.c += Math.abs(acc.sum) >= Math.abs(inc) ? acc.sum - t + inc : inc - t + acc.sum;
      acc.sum = t;
    };
    const [sx, sy, sxy, sx2] = [k(), k(), k(), k()];
    const initY = (r[0] as [number, number])[1];
    let constY = true;
    let n = 0;
    r.forEach(([j, v], idx) => {
      if (constY && idx > 0 && v !== initY) constY = false;
      n += 1;
      const x = ((j - interceptStep) * this.step * 1000) / 1e3;
      add(sx, x);
      add(sy, v);
      add(sxy, x * v);
      add(sx2, x * x);
    });
    if (constY) return { slope: 0, intercept: initY };
    const [X, Y, XY, X2] = [sx.sum + sx.c, sy.sum + sy.c, sxy.sum + sxy.c, sx2.sum + sx2.c];
    const cov = XY - (X * Y) / n;
    const varx = X2 - (X * X) / n;
    const slope = cov / varx;
    return { slope, intercept: Y / n - (slope * X) / n };
  }

  /** predict_linear(s[w], horizonSeconds): the regression's intercept at the evaluation time. */
  predictLinear(s: Sample[], i: number, w: number, horizon: number): number | undefined {
    const r = this.range(s, i, w);
    if (r.length < 2) return undefined;
    const { slope, intercept } = this.linearRegression(r, i);
    return slope * horizon + intercept;
  }

  /** deriv(s[w]): the regression's slope per second, x from the first sample. */
  deriv(s: Sample[], i: number, w: number): number | undefined {
    const r = this.range(s, i, w);
    if (r.length < 2) return undefined;
    return this.linearRegression(r, (r[0] as [number, number])[0]).slope;
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
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  if (v === 0) return `${sign}0`;
  const { digits, exp } = fourDigits(Math.abs(v));
  return sign + goG(digits.replace(/0+$/, ''), exp, 4);
}

/**
 * `x` (positive, finite) rounded to four significant digits as Go rounds: the four digits and the decimal
 * exponent of the first. toExponential rounds an exact tie up; Go rounds it to even (458.25 -> 458.2).
 */
function fourDigits(x: number): { digits: string; exp: number } {
  const exact = /^(\d)\.(\d{3})(\d)(\d*)e([+-]\d+)$/.exec(x.toExponential(29));
  let [mantissa, exp] = x.toExponential(3).split('e') as [string, string];
  if (exact && exact[3] === '5' && /^0*$/.test(exact[4] as string)) {
    const truncated = Number(`${exact[1]}${exact[2]}`);
    mantissa = String(truncated % 2 === 0 ? truncated : truncated + 1);
    exp = exact[5] as string;
  }
  const n = Number(mantissa.replace('.', ''));
  // Rounding 9.9995 up carries into a fifth digit: 10000 is 1000 one exponent higher.
  return n === 10_000 ? { digits: '1000', exp: Number(exp) + 1 } : { digits: String(n), exp: Number(exp) };
}

/**
 * Go's strconv 'g' layout of rounded significant digits (`ds`, trailing zeros trimmed) with decimal
 * exponent `exp` at precision `prec`: exponent form (`3e+06`, two exponent digits at least) when the
 * exponent is below -4 or at least the precision, else plain decimals without trailing zeros.
 */
function goG(ds: string, exp: number, prec: number): string {
  const nd = ds.length;
  const dp = exp + 1;
  const eprec = prec > nd && nd >= dp ? nd : prec;
  if (exp < -4 || exp >= eprec) {
    const mantissa = nd > 1 ? `${ds[0] as string}.${ds.slice(1)}` : ds;
    const e = Math.abs(exp);
    return `${mantissa}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  }
  if (dp <= 0) return `0.${'0'.repeat(-dp)}${ds}`;
  if (dp >= nd) return ds + '0'.repeat(dp - nd);
  return `${ds.slice(0, dp)}.${ds.slice(dp)}`;
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

/** Prometheus' humanizeDuration: whole seconds as `1d 2h 3m 4s` down to the largest unit, else `%.4gs`. */
export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return '0s';
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const total = Math.trunc(Math.abs(v));
    const [d, h, m, sec] = [
      Math.floor(total / 86400),
      Math.floor(total / 3600) % 24,
      Math.floor(total / 60) % 60,
      total % 60,
    ];
    if (d) return `${sign}${d}d ${h}h ${m}m ${sec}s`;
    if (h) return `${sign}${h}h ${m}m ${sec}s`;
    if (m) return `${sign}${m}m ${sec}s`;
    return `${sign}${g4(Math.abs(v))}s`;
  }
  let x = v;
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(x) >= 1) break;
    prefix = p;
    x *= 1000;
  }
  return `${g4(x)}${prefix}s`;
}

/** Go's url.QueryEscape, which text/template's `urlquery` applies. */
export function urlQueryEscape(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const FORMATTERS: Record<string, (v: number) => string> = {
  humanize,
  humanizePercentage,
  humanizeDuration,
};

/**
 * A value of the test data that sits on a rounding boundary of a template function's format. Scenarios
 * whose printed values depend on the evaluation interval catch it and nudge their data (models.ts).
 */
export class RoundingBoundaryError extends Error {
  override name = 'RoundingBoundaryError';
}

/**
 * A value printed by a template function, refusing one so close to a rounding boundary of the format that
 * Prometheus' floating point and the model's could print it differently.
 */
export function formatClearly(format: string, v: number): string {
  const f = FORMATTERS[format];
  if (!f) throw new Error(`no formatter ${format}`);
  const out = f(v);
  if (!Number.isFinite(v)) return out;
  // Sums and differences of whole numbers are exact in both; a duration is truncated at every whole second.
  if (Number.isInteger(v) && format !== 'humanizeDuration') return out;
  const eps = Math.max(Math.abs(v) * 1e-9, 1e-12);
  if (f(v - eps) !== out || f(v + eps) !== out) {
    throw new RoundingBoundaryError(
      `${v} is on a rounding boundary of ${format}; the test data must avoid it`,
    );
  }
  return out;
}

/** Resolves a live template (src/pack/live.ts): its printf format and arguments -> the query's value. */
export type LiveResolver = (format: string, args: string[]) => number | undefined;

const LIVE =
  /\{\{ with printf "([^"]*)"((?: \$[a-zA-Z_.]+)*) \| query \}\}\{\{ \. \| first \| value \| (\w+) \}\}\{\{ else \}\}([^{]*)\{\{ end \}\}/g;
/** Template variables the live templates set (the ceiling of the map); the model reads them itself. */
const VARIABLES =
  /\{\{ \$[a-z]+ := "[^"]*" \}\}|\{\{ if eq \$labels\.[a-zA-Z_]+ "(?:[^"\\]|\\.)*" \}\}\{\{ \$[a-z]+ = "[^"]*" \}\}\{\{ end \}\}/g;

/**
 * Expands the template subset the rules use; anything else is an error so tests never guess. A label the
 * alert does not carry renders empty, as in Prometheus.
 */
export function renderTemplate(
  text: string,
  labels: Record<string, string>,
  value: number,
  live?: LiveResolver,
): string {
  const expanded = text
    .replace(VARIABLES, '')
    .replace(LIVE, (_m, format: string, args: string, fn: string, fallback: string) => {
      if (!live) throw new Error(`a live template needs a resolver: ${format}`);
      const v = live(format, args.trim().split(' ').filter(Boolean));
      return v === undefined ? fallback : formatClearly(fn, v);
    });
  return expanded.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_m, inner: string) => {
    const label = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)( \| urlquery)?$/.exec(inner);
    if (label) {
      const v = labels[label[1] as string] ?? '';
      return label[2] ? urlQueryEscape(v) : v;
    }
    if (inner === '$value | humanize') return formatClearly('humanize', value);
    if (inner === '$value | humanizePercentage') return formatClearly('humanizePercentage', value);
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
