/**
 * `mapwatch/express`: an express Router serving `GET /metrics` (and `HEAD`) from a prom-client Registry,
 * with content negotiation between the Prometheus text format 0.0.4 and OpenMetrics 1.0.0.
 *
 * Each metric is collected and serialised on its own (`serializeRegistry`): a collector that throws
 * (whatever it throws), rejects or hangs costs its own metric, never the scrape. prom-client fixes the
 * format per Registry and its OpenMetrics serialiser renames counter objects in place, so every metric is
 * rendered through a stand-in that leaves the original untouched, in either format.
 */
import { Router, type Request, type Response } from 'express';
import client, { type Registry } from 'prom-client';
import type { MapRegistry } from '../registry.js';
import { mapRegistryOption } from './registry-option.js';
import { DebugHistory, startHistorySampler, type DebugHistoryOptions } from './debug-history.js';
import { debugMapsPage, debugMapsReport, debugPageCsp, newNonce } from './debug-maps.js';
import { collectErrorReporter, describeError, type CollectErrorHandler } from './errors.js';
import { lockThresholds, type LockVerdictThresholds } from './lock-verdict.js';
import {
  DEFAULT_COLLECT_TIMEOUT_MS,
  registerPromMetrics,
  serializeRegistry,
  type SerializeOptions,
} from './prometheus.js';
import { MAX_TIMER_MS } from '../timer-bounds.js';
import { describeValue } from '../describe-value.js';

// The debug route's option types, so a caller can name them.
export type { DebugHistoryOptions, LockVerdictThresholds };

export interface MapwatchRouterOptions {
  /**
   * prom-client Registry to serve. Default: a new Registry with mapwatch's collectors on it.
   * When you pass your own, register mapwatch on it yourself (`registerPromMetrics(yours)`), so that
   * your other metrics are served too and mapwatch's are not registered twice.
   */
  promRegistry?: Registry;
  /** mapwatch registry, used only when the router creates its own prom-client Registry. */
  registry?: MapRegistry;
  /** Path of the metrics endpoint (default `/metrics`). */
  path?: string;
  /**
   * Opt-in `/debug/maps`: an HTML page (for browsers) and JSON (`/debug/maps.json`, or `Accept:
   * application/json`) listing every map name with its numbers, never keys or values. Reads `registry`
   * (default `defaultRegistry`). Off by default: it names your maps to whoever can reach the route.
   */
  debug?: boolean | DebugMapsOptions;
  /**
   * Called for each metric left out of a scrape because its collector threw, rejected or timed out,
   * mapwatch's or yours (default: one stderr line per metric and failure message).
   */
  onError?: CollectErrorHandler;
  /**
   * A metric still collecting after this long is left out of the scrape (ms, default 10 000, at most
   * 2147483647).
   */
  collectTimeoutMs?: number;
}

/** Options of the opt-in `/debug/maps` route (docs/debug-page.md). */
export interface DebugMapsOptions {
  /** Path of the page (default `/debug/maps`; the JSON is at the same path plus `.json`). */
  path?: string;
  /** How often the open page refreshes, ms (default 2000, from 100 to 2147483647). */
  refreshMs?: number;
  /**
   * The server-side history behind each name's trend and lock verdict, so both are there on first load:
   * `length` samples (default 60) taken every `intervalMs` (default 10 000) by an unref()ed timer that
   * walks the registry as a scrape does. `false` turns it off (the trend is then the count now, and the
   * lock verdict sees only the waiters now).
   */
  history?: false | DebugHistoryOptions;
  /** Lock verdict thresholds; default the shipped lock alerts' (`lock` in the pack config). */
  lock?: Partial<LockVerdictThresholds>;
}

const TEXT = client.Registry.PROMETHEUS_CONTENT_TYPE;
const OPENMETRICS = client.Registry.OPENMETRICS_CONTENT_TYPE;

/**
 * Picks OpenMetrics when the client names it (`application/openmetrics-text` or `application/*`) with a
 * preference at least that of text, or accepts it through the wildcard range and refuses text
 * (`text/plain;q=0` beside the wildcard); text otherwise, including when nothing acceptable is offered.
 * Each format takes the quality of the most specific range that matches it (RFC 9110 12.5.1), so `q=0`
 * on a specific range excludes that format.
 */
export function negotiateFormat(accept: string | undefined): typeof TEXT | typeof OPENMETRICS {
  if (!accept) return TEXT;
  const text = new RangeMatch('text/plain');
  const openMetrics = new RangeMatch('application/openmetrics-text');
  for (const part of accept.split(',')) {
    const [mediaRaw, ...params] = part.trim().split(';');
    const media = (mediaRaw ?? '').trim().toLowerCase();
    const qParam = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q < 0 || q > 1) continue; // a malformed entry is ignored
    text.offer(media, q);
    openMetrics.offer(media, q);
  }
  if (openMetrics.q > 0 && openMetrics.specificity > 0 && openMetrics.q >= text.q) return OPENMETRICS;
  if (text.q > 0) return TEXT;
  return openMetrics.q > 0 ? OPENMETRICS : TEXT;
}

/** The quality an Accept header gives one media type: that of the most specific range naming it. */
class RangeMatch {
  /** -1 while no range matched; 0 for the wildcard range, 1 for `type/` + `*`, 2 for the exact type. */
  specificity = -1;
  q = 0;
  readonly #majorRange: string;

  constructor(readonly mediaType: string) {
    this.#majorRange = `${mediaType.slice(0, mediaType.indexOf('/'))}/*`;
  }

  offer(range: string, q: number): void {
    const specificity =
      range === this.mediaType ? 2 : range === this.#majorRange ? 1 : range === '*/*' ? 0 : -1;
    if (specificity < 0 || specificity < this.specificity) return;
    // Equally specific ranges (two versions of OpenMetrics): the more preferred one counts.
    this.q = specificity > this.specificity ? q : Math.max(this.q, q);
    this.specificity = specificity;
  }
}

/**
 * Serialises `registry` in `format`, without disturbing metric objects registered elsewhere. A metric
 * whose collector fails is left out (see `serializeRegistry` in `mapwatch/prometheus`).
 */
export function serialize(
  registry: Registry,
  format: string,
  options: Omit<SerializeOptions, 'contentType'> = {},
): Promise<string> {
  return serializeRegistry(registry, { ...options, contentType: format });
}

export function mapwatchRouter(options: MapwatchRouterOptions = {}): Router {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('mapwatch: mapwatchRouter(options) takes an options object, e.g. { debug: true }');
  }
  const path = options.path ?? '/metrics';
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError(`mapwatch: path must start with '/', got ${JSON.stringify(describeValue(path))}`);
  }
  const timeoutMs = options.collectTimeoutMs ?? DEFAULT_COLLECT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw new RangeError(
      `mapwatch: collectTimeoutMs must be a positive number of ms, got ${describeValue(timeoutMs)}`,
    );
  }
  // Checked here, not at the first scrape: serializeRegistry would refuse it then, failing every scrape.
  if (timeoutMs > MAX_TIMER_MS) {
    throw new RangeError(
      `mapwatch: collectTimeoutMs must be at most ${MAX_TIMER_MS} ms (about 24.8 days, Node's longest timer), got ${timeoutMs}`,
    );
  }
  // One reporter for the router's lifetime, so that a failing collector is logged once, not per scrape.
  const registry = mapRegistryOption(options.registry, 'mapwatchRouter(options)');
  const onError = collectErrorReporter('scrape', options.onError);
  let promRegistry = options.promRegistry;
  if (promRegistry !== undefined && !isPromRegistry(promRegistry)) {
    throw new TypeError('mapwatch: mapwatchRouter promRegistry must be a prom-client Registry');
  }
  if (!promRegistry) {
    promRegistry = new client.Registry();
    registerPromMetrics(promRegistry, {
      registry,
      onError: options.onError,
    });
  }
  const source = promRegistry;
  const router = Router();
  // Express answers HEAD with the GET handler and drops the body.
  router.get(path, (req: Request, res: Response) => {
    void serveMetrics(source, req, res, onError, timeoutMs);
  });
  if (options.debug) mountDebugMaps(router, registry, options.debug === true ? {} : options.debug, onError);
  return router;
}

function isPromRegistry(value: unknown): boolean {
  try {
    return (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Registry).getMetricsAsArray === 'function' &&
      typeof (value as Registry).registerMetric === 'function'
    );
  } catch {
    return false; // a Proxy whose traps throw
  }
}

/** Never rejects: whatever fails, the response is ended and nothing reaches the host's event loop. */
async function serveMetrics(
  source: Registry,
  req: Request,
  res: Response,
  onError: CollectErrorHandler,
  timeoutMs: number,
): Promise<void> {
  try {
    const format = negotiateFormat(req.get('accept'));
    const body = await serializeRegistry(source, { contentType: format, onError, timeoutMs });
    res.set('Content-Type', format);
    res.set('Cache-Control', 'no-store');
    res.vary('Accept');
    res.status(200).send(body);
  } catch (err) {
    // Only a failure outside every metric gets here (a broken Registry): nothing can be served.
    answerFailure(res, onError, 'mapwatch scrape', err, (text) =>
      res.status(500).type('text/plain').send(`# mapwatch: scrape failed: ${text}\n`),
    );
  }
}

/**
 * A route whose work failed: the failure is reported as a collection's are, and the client gets a 500
 * written by `answer` (given the error described), or a closed connection once headers went out.
 * Never throws: the connection may be beyond help, the host must not be.
 */
function answerFailure(
  res: Response,
  onError: CollectErrorHandler,
  where: string,
  err: unknown,
  answer: (description: string) => void,
): void {
  try {
    onError(where, err);
    if (res.headersSent) res.destroy();
    else answer(describeError(err));
  } catch {
    // the connection is beyond help; the host must not be
  }
}

function mountDebugMaps(
  router: Router,
  registry: MapRegistry,
  opts: DebugMapsOptions,
  onError: CollectErrorHandler,
): void {
  if (typeof opts !== 'object' || opts === null) {
    throw new TypeError('mapwatch: debug must be true or an object like { refreshMs: 2000 }');
  }
  const path = opts.path ?? '/debug/maps';
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new TypeError(
      `mapwatch: debug.path must start with '/', got ${JSON.stringify(describeValue(path))}`,
    );
  const refreshMs = opts.refreshMs ?? 2000;
  // Capped as a timer: the page's setTimeout (a browser's as Node's) runs a longer delay at once, so the
  // page would poll without pause.
  if (!Number.isFinite(refreshMs) || refreshMs < 100 || refreshMs > MAX_TIMER_MS) {
    throw new RangeError(
      `mapwatch: debug.refreshMs must be a number of ms from 100 to ${MAX_TIMER_MS}, got ${describeValue(refreshMs)}`,
    );
  }
  const lock = lockThresholds(opts.lock);
  const history = opts.history === false ? undefined : new DebugHistory(opts.history);
  // The route handlers below hold the history; the sampler only weakly, so it ends with the router.
  if (history) startHistorySampler(registry, history);
  const sendJson = (res: Response): void => {
    res.set('Cache-Control', 'no-store');
    res.set('X-Content-Type-Options', 'nosniff');
    try {
      res.json(debugMapsReport(registry, { history, lock }));
    } catch (err) {
      // A registry that cannot be read (a clock that returns NaN, say) costs this response, reported as
      // the scrape reports it; Express's default handler would answer with an HTML stack trace and write
      // it to stderr at every refresh of an open page.
      answerFailure(res, onError, 'mapwatch debug page', err, (error) => res.status(500).json({ error }));
    }
  };
  router.get(`${path}.json`, (_req, res) => sendJson(res));
  router.get(path, (req, res) => {
    // The same URL serves HTML or JSON by Accept: a cache in between must key on it.
    res.vary('Accept');
    if (req.accepts(['text/html', 'application/json']) !== 'text/html') return sendJson(res);
    const nonce = newNonce();
    res.set('Content-Security-Policy', debugPageCsp(nonce));
    res.set('Cache-Control', 'no-store');
    res.set('X-Content-Type-Options', 'nosniff');
    res.type('html').send(debugMapsPage(nonce, refreshMs));
  });
}
