/**
 * `mapwatch analyze --prometheus URL`: reads the mapwatch families straight from a Prometheus HTTP API
 * (`/api/v1/query_range`, form-encoded POST) with node's fetch.
 *
 * Bounded: each request has a timeout, each response a size cap shared by the whole fetch, and the
 * range is cut into requests of at most 11,000 points per series (Prometheus refuses more), at most
 * `MAX_REQUESTS` of them. Every failure is a `PrometheusSourceError` whose message is one line.
 */
import { METRICS } from '../conventions.js';
import { clipForMessage, MAX_SELECTOR_CHARS } from '../pack/config/selector.js';
import { describeText, show } from './analyze/describe.js';
import { FAMILIES, FAMILY_KEYS } from './analyze/parse.js';

export class PrometheusSourceError extends Error {
  override name = 'PrometheusSourceError';
}

/** Prometheus' limit on points per series in one query_range answer. */
export const MAX_POINTS_PER_REQUEST = 11_000;
/** Most requests one analyze run makes (so at most 1.1 million points per series). */
export const MAX_REQUESTS = 100;
export const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * Longest per-request timeout, ms (about 24.8 days): `AbortSignal.timeout` takes a whole number of ms
 * that fits a 32-bit signed integer, as setTimeout does, and throws ERR_OUT_OF_RANGE outside it.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Refuses a timeout `AbortSignal.timeout` would throw on, before any request is made. */
function checkTimeout(timeoutMs: number): void {
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    throw new PrometheusSourceError(
      `--timeout needs a whole number of ms from 1 to ${MAX_TIMEOUT_MS} (about 24.8 days), got ${timeoutMs}`,
    );
  }
}

export interface PrometheusSourceOptions {
  /** Base URL of Prometheus (or a compatible API), e.g. http://127.0.0.1:9090 or https://host/prometheus. */
  url: string;
  /** The full selector to query (see `buildSelector`). */
  selector: string;
  startMs: number;
  endMs: number;
  stepMs: number;
  /** Per request, ms. Default 30 s. */
  timeoutMs?: number;
  /** Response bytes read in all, at most. */
  maxBytes: number;
  fetchImpl?: typeof fetch;
}

export interface FetchedMatrix {
  /** The `data.result` items of every request, concatenated (a series split over requests repeats). */
  readonly result: unknown[];
  readonly warnings: string[];
  readonly requests: number;
}

/** The `__name__` matcher for the families analyze reads, from METRICS: `mapwatch_map_(entries|...)`. */
export function familyNameMatcher(): string {
  const names = FAMILY_KEYS.map((k) => FAMILIES[k].name);
  let prefix = names[0]!;
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  prefix = prefix.slice(0, prefix.lastIndexOf('_') + 1);
  const rest = names.map((n) => n.slice(prefix.length));
  return `__name__=~"${prefix}(${rest.join('|')})"`;
}

/** The default selector, `{__name__=~"mapwatch_map_(entries|inserts_total|...)"}`. */
export const DEFAULT_SELECTOR = `{${familyNameMatcher()}}`;

/**
 * Combines the family matcher with the user's label matchers: `{job="api"}` gives
 * `{__name__=~"mapwatch_map_(...)",job="api"}`. The user selector must be matchers in braces.
 */
export function buildSelector(user: string | undefined): string {
  const text = (user ?? '').trim();
  if (text === '' || text === '{}') return DEFAULT_SELECTOR;
  if (text.length > MAX_SELECTOR_CHARS) {
    throw new PrometheusSourceError(
      `--selector is ${text.length} characters, longer than the ${MAX_SELECTOR_CHARS} a selector may be; select by fewer, shorter matchers, such as '{job=~"checkout-.*"}'`,
    );
  }
  if (!text.startsWith('{') || !text.endsWith('}')) {
    throw new PrometheusSourceError(
      `--selector takes label matchers in braces, such as '{job="api"}' (the metric names are added by analyze), got ${JSON.stringify(clipForMessage(text))}`,
    );
  }
  const inner = text.slice(1, -1).trim().replace(/,$/, '');
  if (/(^|[,{\s])__name__\s*(=|!=|=~|!~)/.test(inner)) {
    throw new PrometheusSourceError(
      `--selector must not match __name__ (analyze selects ${METRICS.entries.name} and its sibling families itself)`,
    );
  }
  return `{${familyNameMatcher()},${inner}}`;
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** A Prometheus duration (`90s`, `1h30m`, `7d`) or a plain number of seconds, in ms; undefined if bad. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(t)) return undefined;
  let ms = 0;
  for (const [, n, unit] of t.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) ms += Number(n) * DURATION_UNITS[unit!]!;
  return Number.isFinite(ms) ? ms : undefined;
}

/** An RFC 3339 time or Unix seconds, in ms; undefined if bad. */
export function parseTime(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Consecutive [start, end] ranges (ms, inclusive, on the step grid) of at most `maxPoints` points. */
export function planChunks(
  startMs: number,
  endMs: number,
  stepMs: number,
  maxPoints = MAX_POINTS_PER_REQUEST,
): { startMs: number; endMs: number }[] {
  const total = Math.floor((endMs - startMs) / stepMs) + 1;
  const chunks: { startMs: number; endMs: number }[] = [];
  for (let first = 0; first < total; first += maxPoints) {
    const last = Math.min(total, first + maxPoints) - 1;
    chunks.push({ startMs: startMs + first * stepMs, endMs: startMs + last * stepMs });
  }
  return chunks;
}

/** Reads a response body as text, refusing more than `limit` bytes. */
async function readBody(
  res: Response,
  limit: number,
  what: string,
): Promise<{ text: string; bytes: number }> {
  if (!res.body) return { text: '', bytes: 0 };
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > limit) {
      await reader.cancel().catch(() => undefined);
      throw new PrometheusSourceError(
        `${what} sent more than ${limit} bytes; narrow --selector, shorten --range or raise --step (or --max-input-mb)`,
      );
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), bytes };
}

function describeFetchError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message} (${cause})` : e.message;
}

/** Fetches the selector over [startMs, endMs] in as many requests as the 11,000-point limit needs. */
export async function fetchQueryRange(options: PrometheusSourceOptions): Promise<FetchedMatrix> {
  const { selector, startMs, endMs, stepMs, maxBytes } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  checkTimeout(timeoutMs);
  const doFetch = options.fetchImpl ?? fetch;
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new PrometheusSourceError(
      `--prometheus needs a URL such as http://127.0.0.1:9090, got ${JSON.stringify(options.url)}`,
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new PrometheusSourceError(`--prometheus needs an http or https URL, got ${base.protocol}`);
  if (base.username || base.password)
    throw new PrometheusSourceError(
      '--prometheus URL must not carry credentials (fetch refuses them); put a proxy in front',
    );
  const endpoint = new URL(`${base.pathname.replace(/\/+$/, '')}/api/v1/query_range`, base);
  const requests = Math.ceil((Math.floor((endMs - startMs) / stepMs) + 1) / MAX_POINTS_PER_REQUEST);
  if (!(requests <= MAX_REQUESTS)) {
    throw new PrometheusSourceError(
      `--range / --step needs ${requests} requests of ${MAX_POINTS_PER_REQUEST} points, at most ${MAX_REQUESTS} are made: raise --step or shorten --range`,
    );
  }
  const chunks = planChunks(startMs, endMs, stepMs);
  const result: unknown[] = [];
  const warnings: string[] = [];
  let budget = maxBytes;
  for (const chunk of chunks) {
    const form = new URLSearchParams({
      query: selector,
      start: (chunk.startMs / 1000).toString(),
      end: (chunk.endMs / 1000).toString(),
      step: (stepMs / 1000).toString(),
    });
    const what = `Prometheus at ${endpoint.origin}${endpoint.pathname}`;
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await doFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
        signal,
        redirect: 'follow',
      });
      const body = await readBody(res, budget, what);
      budget -= body.bytes;
      text = body.text;
    } catch (err) {
      if (err instanceof PrometheusSourceError) throw err;
      if (signal.aborted)
        throw new PrometheusSourceError(
          `${what} did not answer within ${timeoutMs / 1000} s; check the URL, or raise --timeout, narrow --selector or shorten --range`,
        );
      throw new PrometheusSourceError(`cannot reach ${what}: ${describeFetchError(err)}; check --prometheus`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 80);
      throw new PrometheusSourceError(
        `${what} answered HTTP ${res.status} with a body that is not JSON (${JSON.stringify(snippet)}); is --prometheus the Prometheus base URL?`,
      );
    }
    const d = (typeof doc === 'object' && doc !== null ? doc : {}) as {
      status?: unknown;
      errorType?: unknown;
      error?: unknown;
      warnings?: unknown;
      data?: { resultType?: unknown; result?: unknown };
    };
    if (!res.ok || d.status !== 'success') {
      // Strings by Prometheus' API; anything else is described without recursing into it, since
      // String() or JSON.stringify() of a deeply nested array overflows the stack.
      const why =
        d.error !== undefined ? `${describeText(d.errorType)}: ${describeText(d.error)}` : 'no error message';
      throw new PrometheusSourceError(
        `${what} answered HTTP ${res.status}, status ${show(d.status ?? null)} (${why}); check --selector, --range and --step`,
      );
    }
    if (Array.isArray(d.warnings)) for (const w of d.warnings) warnings.push(describeText(w));
    if (d.data?.resultType !== 'matrix' || !Array.isArray(d.data.result)) {
      throw new PrometheusSourceError(`${what} answered without a matrix result; is it a Prometheus API?`);
    }
    for (const item of d.data.result) result.push(item);
  }
  return { result, warnings, requests: chunks.length };
}
