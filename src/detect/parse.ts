/**
 * Reading recorded series for `mapwatch analyze`: a Prometheus `query_range` response (a matrix), or a
 * `timestamp,value` CSV.
 *
 * CSV rules: one `timestamp,value` pair per line; an optional header line (a first line whose timestamp
 * is not a number); blank lines and lines starting with `#` are skipped. Timestamps are Unix time in
 * seconds, or in milliseconds when their magnitude is at least 1e11 (1e11 s is the year 5138, 1e11 ms is
 * 1973, so the two cannot be confused for real data). Fractions are allowed. Rows are sorted by time.
 */

export interface Point {
  /** ms since epoch */
  readonly t: number;
  readonly v: number;
}

export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly points: readonly Point[];
}

/** Bad input: the message says what is wrong and what is expected. */
export class InputError extends Error {
  override name = 'InputError';
}

const EXPECTED_JSON =
  'expected a Prometheus /api/v1/query_range response: {"status":"success","data":{"resultType":"matrix","result":[{"metric":{...},"values":[[<unix seconds>,"<value>"],...]}]}}';
const EXPECTED_CSV =
  'expected "timestamp,value" per line (Unix seconds, or milliseconds when >= 1e11), an optional header';

/** Parses either format, chosen by the first non-blank character (`{` means JSON). */
export function parseSeriesText(text: string, source: string): Series[] {
  const trimmed = text.trimStart();
  if (trimmed.length === 0) throw new InputError(`${source} is empty; ${EXPECTED_JSON}, or ${EXPECTED_CSV}`);
  return trimmed.startsWith('{') || trimmed.startsWith('[')
    ? parseQueryRange(text, source)
    : parseCsv(text, source);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function parseQueryRange(text: string, source: string): Series[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${source} is not valid JSON (${(err as Error).message}); ${EXPECTED_JSON}`);
  }
  if (!isRecord(doc)) throw new InputError(`${source}: the JSON is not an object; ${EXPECTED_JSON}`);
  if (doc.status === 'error') {
    throw new InputError(
      `${source} is a Prometheus error response (${String(doc.errorType)}: ${String(doc.error)}); re-run the query`,
    );
  }
  const data = doc.data;
  if (!isRecord(data)) throw new InputError(`${source}: no "data" object; ${EXPECTED_JSON}`);
  if (data.resultType !== 'matrix') {
    throw new InputError(
      `${source}: resultType is ${JSON.stringify(data.resultType)}, not "matrix" (use /api/v1/query_range, not /api/v1/query); ${EXPECTED_JSON}`,
    );
  }
  if (!Array.isArray(data.result))
    throw new InputError(`${source}: data.result is not an array; ${EXPECTED_JSON}`);
  return data.result.map((item: unknown, i: number): Series => {
    if (!isRecord(item) || !isRecord(item.metric) || !Array.isArray(item.values)) {
      throw new InputError(
        `${source}: data.result[${i}] needs "metric" (object) and "values" (array); ${EXPECTED_JSON}`,
      );
    }
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(item.metric)) labels[k] = String(v);
    const points: Point[] = [];
    item.values.forEach((pair: unknown, j: number) => {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new InputError(
          `${source}: data.result[${i}].values[${j}] is not a [timestamp, "value"] pair; ${EXPECTED_JSON}`,
        );
      }
      const t = Number(pair[0]);
      const v = Number(pair[1]);
      if (!Number.isFinite(t))
        throw new InputError(
          `${source}: data.result[${i}].values[${j}] has a bad timestamp ${JSON.stringify(pair[0])}`,
        );
      // Prometheus writes NaN and +Inf as strings; a detector has nothing to learn from them.
      if (Number.isFinite(v)) points.push({ t: t * 1000, v });
    });
    return { labels, points };
  });
}

export function parseCsv(text: string, source: string): Series[] {
  const points: Point[] = [];
  const lines = text.split(/\r?\n/);
  let sawContent = false;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(',').map((f) => f.trim());
    const isFirst = !sawContent;
    sawContent = true;
    if (fields.length !== 2) {
      throw new InputError(
        `${source}:${n + 1}: ${fields.length} fields in ${JSON.stringify(line)}; ${EXPECTED_CSV}`,
      );
    }
    const [ts, vs] = fields as [string, string];
    const t = ts === '' ? NaN : Number(ts);
    if (!Number.isFinite(t)) {
      if (isFirst) continue; // the header
      throw new InputError(
        `${source}:${n + 1}: timestamp ${JSON.stringify(ts)} is not a number; ${EXPECTED_CSV}`,
      );
    }
    const v = vs === '' ? NaN : Number(vs);
    if (!Number.isFinite(v))
      throw new InputError(
        `${source}:${n + 1}: value ${JSON.stringify(vs)} is not a number; ${EXPECTED_CSV}`,
      );
    points.push({ t: Math.abs(t) >= 1e11 ? t : t * 1000, v });
  }
  if (points.length === 0) throw new InputError(`${source}: no data rows; ${EXPECTED_CSV}`);
  points.sort((a, b) => a.t - b.t);
  return [{ labels: { source }, points }];
}

/** `{map_name="users", job="api"}`, `__name__` first as the metric name. */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  const { __name__: name, ...rest } = labels;
  const inner = Object.entries(rest)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  return `${name ?? ''}{${inner}}`;
}
