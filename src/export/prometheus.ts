/**
 * `mapwatch/prometheus`: mapwatch's metrics as collectors on a prom-client Registry.
 *
 * Each metric of the conventions table becomes one collector object that prom-client asks at scrape
 * time; values come from a registry snapshot, never from per-operation prom-client calls. A collector
 * that fails costs its own metric (it reports no samples and logs once), never the scrape.
 */
import client, { type Registry } from 'prom-client';
import { ALL_METRICS, type MetricSpec } from '../conventions.js';
import type { MapRegistry, RegistrySnapshot } from '../registry.js';
import { mapRegistryOption } from './registry-option.js';
import { histogramPoints, scalarPoints, type Labels } from './samples.js';
import { checkExposition, servableDefaultLabels } from './exposition-check.js';
import { collectErrorReporter, type CollectErrorHandler } from './errors.js';
import { snapshotPerTick } from './snapshot-cache.js';
import { MAX_TIMER_MS } from '../timer-bounds.js';
import { describeValue, optionalOptions } from '../describe-value.js';

export interface PromMetricsOptions {
  /** mapwatch registry to read; default `defaultRegistry`. */
  registry?: MapRegistry;
  /** Called when a collector fails (default: one line on stderr per metric and failure message). */
  onError?: CollectErrorHandler;
}

export interface PromRegistration {
  /** The prom-client metric names registered. */
  readonly metricNames: readonly string[];
  /** Removes every mapwatch collector from the prom-client Registry. */
  unregister(): void;
}

interface PromValue {
  value: number;
  labels: Labels;
  metricName?: string;
}

/** The shape prom-client's Registry expects of a metric (what its own Counter/Gauge provide). */
class MapwatchCollector {
  name: string;
  /** The name it was registered under (prom-client may rename `name` later). */
  readonly registeredName: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** How prom-client's cluster AggregatorRegistry combines workers (from the conventions table). */
  readonly aggregator: string;

  constructor(
    private readonly spec: MetricSpec,
    private readonly snapshot: () => RegistrySnapshot,
    private readonly onError: CollectErrorHandler,
  ) {
    this.name = spec.name;
    this.registeredName = spec.name;
    this.help = spec.help;
    this.type = spec.type;
    this.aggregator = spec.aggregate;
  }

  // async: prom-client awaits a collector's get(), and a throw must become a rejection, not escape.
  // eslint-disable-next-line @typescript-eslint/require-await
  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    values: PromValue[];
    aggregator: string;
  }> {
    let values: PromValue[];
    try {
      values = this.type === 'histogram' ? this.histogramValues() : this.scalarValues();
    } catch (err) {
      values = [];
      this.onError(this.spec.name, err);
    }
    // `this.name`, not spec.name: prom-client's OpenMetrics serialiser renames counters in place
    // (strips `_total`) and expects the object to report the renamed form, as its own metrics do.
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    // Values are derived from the mapwatch registry at each scrape; there is nothing to reset here.
  }

  private scalarValues(): PromValue[] {
    return scalarPoints(this.spec, this.snapshot).map((p) => ({ value: p.value, labels: p.labels }));
  }

  private histogramValues(): PromValue[] {
    const bounds = this.spec.buckets!;
    const out: PromValue[] = [];
    for (const h of histogramPoints(this.spec, this.snapshot())) {
      let cumulative = 0;
      for (let i = 0; i <= bounds.length; i++) {
        cumulative += h.buckets[i] ?? 0;
        const le = i < bounds.length ? String(bounds[i]) : '+Inf';
        out.push({ metricName: `${this.name}_bucket`, labels: { ...h.labels, le }, value: cumulative });
      }
      out.push({ metricName: `${this.name}_sum`, labels: h.labels, value: h.sum });
      out.push({ metricName: `${this.name}_count`, labels: h.labels, value: h.count });
    }
    return out;
  }
}

/**
 * Registers mapwatch's collectors on `promRegistry` (default: prom-client's global `register`).
 * Throws if they are already registered there, with what to do about it.
 */
export function registerPromMetrics(
  promRegistry: Registry = client.register,
  options: PromMetricsOptions = {},
): PromRegistration {
  requirePromRegistry(promRegistry, 'registerPromMetrics(promRegistry)');
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('mapwatch: registerPromMetrics(promRegistry, options) takes an options object');
  }
  const registry = mapRegistryOption(options.registry, 'registerPromMetrics(promRegistry, options)');
  const onError = collectErrorReporter('scrape', options.onError);
  const clash = ALL_METRICS.find((m) => promRegistry.getSingleMetric(m.name) !== undefined);
  if (clash) {
    throw new Error(
      `mapwatch: ${clash.name} is already registered on this prom-client Registry; ` +
        'call unregister() on the earlier registration first, or pass another Registry',
    );
  }
  const snapshot = snapshotPerTick(registry);
  const collectors = ALL_METRICS.map((spec) => new MapwatchCollector(spec, snapshot, onError));
  for (const c of collectors) promRegistry.registerMetric(c as unknown as client.Metric);
  return {
    metricNames: collectors.map((c) => c.registeredName),
    unregister() {
      for (const c of collectors) {
        const name = c.registeredName;
        if (promRegistry.getSingleMetric(name) === (c as unknown)) promRegistry.removeSingleMetric(name);
      }
    },
  };
}

function requirePromRegistry(value: unknown, where: string): asserts value is Registry {
  let ok: boolean;
  try {
    const r = value as { registerMetric?: unknown; getMetricsAsArray?: unknown } | null;
    ok =
      typeof r === 'object' &&
      r !== null &&
      typeof r.registerMetric === 'function' &&
      typeof r.getMetricsAsArray === 'function';
  } catch {
    ok = false; // a Proxy whose traps throw is no Registry either
  }
  if (!ok) throw new TypeError(`mapwatch: ${where} needs a prom-client Registry (new client.Registry())`);
}

const TEXT_FORMAT = client.Registry.PROMETHEUS_CONTENT_TYPE;
const OPENMETRICS_FORMAT = client.Registry.OPENMETRICS_CONTENT_TYPE;
const OPENMETRICS_EOF = '\n# EOF\n';
/** Prometheus' default scrape_timeout: past it the scraper has given up on the answer anyway. */
export const DEFAULT_COLLECT_TIMEOUT_MS = 10_000;

/**
 * Rejects a positive deadline Node's setTimeout cannot keep. Infinity is refused too rather than read as
 * "no deadline": a collector that hangs must cost its own metric, never hold the whole scrape.
 */
function requireTimerMs(option: string, ms: number): void {
  if (ms > MAX_TIMER_MS) {
    throw new RangeError(
      `mapwatch: ${option} must be at most ${MAX_TIMER_MS} ms (about 24.8 days, Node's longest timer), got ${ms}`,
    );
  }
}
// prom-client's typings omit the constructor's content-type parameter, which the runtime takes.
const RegistryOfFormat = client.Registry as unknown as new (contentType: string) => Registry;

export interface SerializeOptions {
  /**
   * `text/plain; version=0.0.4; charset=utf-8` or `application/openmetrics-text; version=1.0.0;
   * charset=utf-8` (prom-client's `Registry.PROMETHEUS_CONTENT_TYPE` / `OPENMETRICS_CONTENT_TYPE`).
   * Default: the Registry's own.
   */
  contentType?: string;
  /**
   * Called for each metric left out because its collector threw, rejected or timed out (default: one
   * stderr line per metric and failure message).
   */
  onError?: CollectErrorHandler;
  /** A metric still collecting after this long is left out (ms, default 10 000, at most 2147483647). */
  timeoutMs?: number;
}

/** What serializeRegistry() reads of a Registry beyond its public API (stable across 14 and 15). */
interface RegistryInternals {
  _metrics?: Record<string, unknown>;
  _defaultLabels?: Record<string, string>;
}

interface ForeignMetric {
  type: string;
  help: string;
  get(): Promise<{ name: string }>;
  getForPromString?(): Promise<{ name: string }>;
}

let sharedReporter: CollectErrorHandler | undefined;

/**
 * Serialises every metric of a prom-client Registry that can be collected, in the format asked for.
 *
 * Unlike `registry.metrics()`, which fails as a whole when any one collector throws (and, for a thrown
 * value `String()` cannot convert, takes down whoever formats the error), each metric is collected and
 * formatted on its own, by prom-client's own serialiser: a collector that throws, rejects, returns
 * garbage or does not finish within `timeoutMs` costs its own metric, reported through `onError`, and
 * the rest is served. The metric objects are never modified (prom-client's OpenMetrics serialiser
 * renames counters in place; here it renames a stand-in), so one Registry can be served in both formats.
 * Every collector is asked in one synchronous pass, as prom-client does, so mapwatch's collectors all
 * read one registry snapshot.
 */
export async function serializeRegistry(
  promRegistry: Registry = client.register,
  given?: SerializeOptions,
): Promise<string> {
  requirePromRegistry(promRegistry, 'serializeRegistry(promRegistry)');
  const options = optionalOptions(given, 'serializeRegistry(promRegistry, options)');
  const contentType = options.contentType ?? promRegistry.contentType;
  if (contentType !== TEXT_FORMAT && contentType !== OPENMETRICS_FORMAT) {
    throw new TypeError(
      `mapwatch: contentType must be '${TEXT_FORMAT}' or '${OPENMETRICS_FORMAT}', got ${JSON.stringify(describeValue(contentType))}`,
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_COLLECT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw new RangeError(
      `mapwatch: timeoutMs must be a positive number of ms, got ${describeValue(timeoutMs)}`,
    );
  }
  requireTimerMs('timeoutMs', timeoutMs);
  const onError =
    options.onError === undefined
      ? (sharedReporter ??= collectErrorReporter('scrape', undefined))
      : collectErrorReporter('scrape', options.onError);

  const internals = promRegistry as unknown as RegistryInternals;
  let labels: Record<string, string> | undefined;
  const defaultLabels = internals._defaultLabels;
  try {
    if (
      typeof defaultLabels === 'object' &&
      defaultLabels !== null &&
      Object.keys(defaultLabels).length > 0
    ) {
      const servable = servableDefaultLabels(defaultLabels);
      if (servable.problem !== undefined) onError('(default labels)', new Error(servable.problem));
      labels = servable.labels as Record<string, string>;
    }
  } catch (err) {
    // Default labels that cannot even be read (a throwing getter, a hostile Proxy) are left out whole.
    labels = undefined;
    onError('(default labels)', err);
  }
  // The name each metric was registered under: an OpenMetrics registry renames its counter objects in
  // place (drops `_total`) at every `metrics()`, so `metric.name` cannot be trusted.
  const registered: Array<[string, unknown]> = internals._metrics
    ? Object.entries(internals._metrics)
    : promRegistry.getMetricsAsArray().map((m) => [m.name, m]);

  // One synchronous pass starts every collection (see above); each settles to its block or a Failure.
  const pending = registered.map(([name, metric]) => serializeOne(name, metric, contentType, labels));

  let timer: ReturnType<typeof setTimeout> | undefined;
  const TIMED_OUT = Symbol('timed out');
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    // Not unref'd: in a script or a push job nothing else may keep the process alive, and an unref'd
    // deadline let a collector that never settles end the process with the scrape unanswered. It is
    // cleared as soon as every metric has settled.
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  let blocks: Array<string | typeof TIMED_OUT | Failure>;
  try {
    blocks = await Promise.all(pending.map((p) => Promise.race([p, deadline])));
  } finally {
    clearTimeout(timer);
  }
  const served: string[] = [];
  blocks.forEach((block, i) => {
    const name = registered[i]![0];
    if (typeof block === 'string') served.push(block);
    else if (block === TIMED_OUT)
      onError(name, new Error(`collection did not finish within ${timeoutMs} ms`));
    else onError(name, block.error);
  });
  return contentType === OPENMETRICS_FORMAT
    ? `${served.join('\n')}${OPENMETRICS_EOF}`
    : `${served.join('\n\n')}\n`;
}

interface Failure {
  readonly error: unknown;
}

/**
 * One metric through prom-client's serialiser, on a one-metric Registry of the wanted format holding a
 * stand-in for it. Never rejects: a failure, synchronous or not, settles as a Failure.
 */
function serializeOne(
  registeredName: string,
  metric: unknown,
  contentType: string,
  defaultLabels: Record<string, string> | undefined,
): Promise<string | Failure> {
  try {
    const m = metric as ForeignMetric;
    const type = m.type;
    const collect = typeof m.getForPromString === 'function' ? 'getForPromString' : 'get';
    const standIn: { name: string; [k: string]: unknown } = {
      name: registeredName,
      type,
      help: m.help,
      aggregator: 'sum',
      reset: () => undefined,
      // prom-client's OpenMetrics serialiser has renamed the stand-in by the time it asks: report that.
      [collect]: async (): Promise<object> => {
        const collected = await m[collect]!();
        if (!(metric instanceof MapwatchCollector)) checkExposition(registeredName, type, collected);
        return { ...collected, name: standIn.name };
      },
    };
    const target = new RegistryOfFormat(contentType);
    if (defaultLabels) target.setDefaultLabels(defaultLabels);
    target.registerMetric(standIn as unknown as client.Metric);
    return target.metrics().then(
      (text) => {
        if (contentType === OPENMETRICS_FORMAT) {
          return text.endsWith(OPENMETRICS_EOF) ? text.slice(0, -OPENMETRICS_EOF.length) : text;
        }
        return text.endsWith('\n') ? text.slice(0, -1) : text;
      },
      (error: unknown) => ({ error }),
    );
  } catch (error) {
    return Promise.resolve({ error });
  }
}
