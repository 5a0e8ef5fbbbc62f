/**
 * `mapwatch/express`: an express Router serving `GET /metrics` (and `HEAD`) from a prom-client Registry,
 * with content negotiation between the Prometheus text format 0.0.4 and OpenMetrics 1.0.0.
 *
 * prom-client fixes the format per Registry and its OpenMetrics serialiser renames counter objects in
 * place, so the format the registry was not made for is rendered through a temporary registry of proxies
 * that leaves the originals untouched.
 */
import { Router, type Request, type Response } from 'express';
import client, { type Registry } from 'prom-client';
import { defaultRegistry, type MapRegistry } from '../registry.js';
import { debugMapsPage, debugMapsReport, debugPageCsp, newNonce } from './debug-maps.js';
import { registerPromMetrics } from './prometheus.js';

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
  debug?: boolean | { path?: string; refreshMs?: number };
}

const TEXT = client.Registry.PROMETHEUS_CONTENT_TYPE;
// prom-client's typings omit the constructor's content-type parameter, which the runtime takes.
const RegistryOfFormat = client.Registry as unknown as new (contentType: string) => Registry;
const OPENMETRICS = client.Registry.OPENMETRICS_CONTENT_TYPE;

/** Picks OpenMetrics only when the client asks for it with a higher or equal preference than text. */
export function negotiateFormat(accept: string | undefined): typeof TEXT | typeof OPENMETRICS {
  if (!accept) return TEXT;
  let best: { type: typeof TEXT | typeof OPENMETRICS; q: number } | undefined;
  for (const part of accept.split(',')) {
    const [mediaRaw, ...params] = part.trim().split(';');
    const media = (mediaRaw ?? '').trim().toLowerCase();
    const qParam = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    let type: typeof TEXT | typeof OPENMETRICS | undefined;
    if (media === 'application/openmetrics-text') type = OPENMETRICS;
    else if (media === 'text/plain' || media === 'text/*' || media === '*/*') type = TEXT;
    if (!type) continue;
    if (!best || q > best.q || (q === best.q && type === OPENMETRICS)) best = { type, q };
  }
  return best?.type ?? TEXT;
}

/** What serialize() needs of a prom-client Registry beyond its public API (stable across 14 and 15). */
interface RegistryInternals {
  _metrics?: Record<string, unknown>;
  _defaultLabels?: Record<string, string>;
}

/** Serialises `registry` in `format`, without disturbing metric objects registered elsewhere. */
export async function serialize(registry: Registry, format: string): Promise<string> {
  if (registry.contentType === format) return registry.metrics();
  const target = new RegistryOfFormat(format);
  const internals = registry as unknown as RegistryInternals;
  if (internals._defaultLabels && Object.keys(internals._defaultLabels).length > 0) {
    target.setDefaultLabels(internals._defaultLabels);
  }
  const toOpenMetrics = format === OPENMETRICS;
  // Name each copy after the name the metric was registered under: an OpenMetrics registry renames its
  // counter objects in place (drops `_total`) at every scrape, so `metric.name` cannot be trusted.
  const registered =
    internals._metrics ?? Object.fromEntries(registry.getMetricsAsArray().map((m) => [m.name, m]));
  for (const [registeredName, metric] of Object.entries(registered)) {
    const m = metric as { type: string; help: string; get(): Promise<{ name: string }> };
    // OpenMetrics names a counter family without `_total` and appends it to each sample.
    const name =
      toOpenMetrics && m.type === 'counter' ? registeredName.replace(/_total$/, '') : registeredName;
    const proxy = {
      name,
      type: m.type,
      help: m.help,
      aggregator: 'sum',
      reset: () => undefined,
      get: async () => ({ ...(await m.get()), name }),
    };
    target.registerMetric(proxy as unknown as client.Metric);
  }
  return target.metrics();
}

export function mapwatchRouter(options: MapwatchRouterOptions = {}): Router {
  const path = options.path ?? '/metrics';
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError(`mapwatch: path must start with '/', got ${JSON.stringify(path)}`);
  }
  let promRegistry = options.promRegistry;
  if (!promRegistry) {
    promRegistry = new client.Registry();
    registerPromMetrics(promRegistry, { registry: options.registry ?? defaultRegistry });
  }
  const source = promRegistry;
  const router = Router();
  // Express answers HEAD with the GET handler and drops the body.
  router.get(path, (req: Request, res: Response) => {
    const format = negotiateFormat(req.get('accept'));
    serialize(source, format).then(
      (body) => {
        res.set('Content-Type', format);
        res.set('Cache-Control', 'no-store');
        res.vary('Accept');
        res.status(200).send(body);
      },
      (err: unknown) => {
        res
          .status(500)
          .type('text/plain')
          .send(`# mapwatch: scrape failed: ${String(err)}\n`);
      },
    );
  });
  if (options.debug)
    mountDebugMaps(router, options.registry ?? defaultRegistry, options.debug === true ? {} : options.debug);
  return router;
}

function mountDebugMaps(
  router: Router,
  registry: MapRegistry,
  opts: { path?: string; refreshMs?: number },
): void {
  const path = opts.path ?? '/debug/maps';
  if (!path.startsWith('/'))
    throw new TypeError(`mapwatch: debug.path must start with '/', got ${JSON.stringify(path)}`);
  const refreshMs = opts.refreshMs ?? 2000;
  if (!Number.isFinite(refreshMs) || refreshMs < 100) {
    throw new RangeError(`mapwatch: debug.refreshMs must be a number >= 100, got ${String(refreshMs)}`);
  }
  const sendJson = (res: Response): void => {
    res.set('Cache-Control', 'no-store');
    res.set('X-Content-Type-Options', 'nosniff');
    res.json(debugMapsReport(registry));
  };
  router.get(`${path}.json`, (_req, res) => sendJson(res));
  router.get(path, (req, res) => {
    if (req.accepts(['text/html', 'application/json']) !== 'text/html') return sendJson(res);
    const nonce = newNonce();
    res.set('Content-Security-Policy', debugPageCsp(nonce));
    res.set('Cache-Control', 'no-store');
    res.set('X-Content-Type-Options', 'nosniff');
    // Absolute, so the page also works when opened with a trailing slash or under a mount path.
    res.type('html').send(debugMapsPage(`${req.baseUrl}${path}.json`, nonce, refreshMs));
  });
}
