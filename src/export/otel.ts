/**
 * `mapwatch/otel`: mapwatch's metrics as OpenTelemetry observable instruments.
 *
 * One batch callback observes every instrument from one registry snapshot per collection, so the SDK's
 * reader drives the cost (once per export interval), not the map operations. The lock-wait histogram is
 * the exception: OTel has no asynchronous histogram, so contended waits (and only those) are recorded
 * as they happen.
 *
 * Binding to a MeterProvider: pass one explicitly, or let this module use the global one. A meter taken
 * from the global provider before an SDK registers stays a no-op forever (OTel JS has no proxy meter),
 * so when the global provider is still the no-op one this waits, polling on an unref'd timer, and binds
 * as soon as an SDK registers.
 */
import {
  createNoopMeter,
  metrics,
  type Attributes,
  type BatchObservableResult,
  type Histogram,
  type Meter,
  type MeterProvider,
  type Observable,
} from '@opentelemetry/api';
import { ALL_METRICS, LABELS, METRICS, type MetricSpec } from '../conventions.js';
import type { MapRegistry, RegistrySnapshot } from '../registry.js';
import { mapRegistryOption } from './registry-option.js';
import { collectErrorReporter, type CollectErrorHandler } from './errors.js';
import { labelKey, scalarPoints } from './samples.js';
import { MAX_TIMER_MS } from '../timer-bounds.js';
import { describeValue } from '../describe-value.js';

export const OTEL_SCOPE_NAME = 'mapwatch';

export interface OtelMetricsOptions {
  /** Provider to create instruments on; default the global one (waiting for it if not yet registered). */
  meterProvider?: MeterProvider;
  /** mapwatch registry to read; default `defaultRegistry`. */
  registry?: MapRegistry;
  /**
   * How often to look for a global provider while none is registered (ms, default 1000, at most
   * 2147483647).
   */
  pollIntervalMs?: number;
  /** Called when one metric fails to collect (default: one stderr line per metric and message). */
  onError?: CollectErrorHandler;
}

export interface OtelRegistration {
  /**
   * True once instruments exist on a real (non-no-op) MeterProvider. False while waiting for the global
   * one, and for a provider that hands out no-op meters (the API's no-op provider, an SDK provider
   * already shut down), on which nothing is registered.
   */
  readonly bound: boolean;
  /**
   * Removes the callback and listeners: mapwatch is no longer observed. (With cumulative temporality the
   * SDK may go on exporting the last observed values; they are no longer updated.)
   */
  unregister(): void;
}

const NoopMeterClass = createNoopMeter().constructor;

function isNoopProvider(provider: MeterProvider): boolean {
  return isNoopMeter(provider.getMeter(OTEL_SCOPE_NAME));
}

/**
 * The API's no-op meter, from this copy of `@opentelemetry/api` or another one (an SDK that brings its
 * own copy hands out that copy's no-op meter once it is shut down): by class, then by the class's name.
 */
function isNoopMeter(meter: Meter): boolean {
  if (meter instanceof NoopMeterClass) return true;
  try {
    return (meter as { constructor?: { name?: unknown } }).constructor?.name === NoopMeterClass.name;
  } catch {
    return false;
  }
}

/**
 * MeterProviders mapwatch's instruments are registered on. A second registration on one provider would
 * share the first one's instruments (the SDK returns the same instrument for the same name): observable
 * values would be observed twice and every contended lock wait recorded twice in the histogram. It is
 * refused, as `registerPromMetrics` refuses a second registration on one prom-client Registry.
 */
const claimedProviders = new WeakSet<MeterProvider>();
/** The registration waiting for a global MeterProvider, if any: a second one would bind to the same. */
let waitingForGlobal = false;
/**
 * The waiting registration's check, run by every later registration before it binds: once an SDK has
 * registered, the earlier registration takes the global provider first (its poll may not have run yet),
 * so a later one for the same provider is refused as a second registration, not accepted in its place.
 */
let checkWaiting: (() => void) | undefined;

function isMeterProvider(value: unknown): boolean {
  try {
    return (
      typeof value === 'object' && value !== null && typeof (value as MeterProvider).getMeter === 'function'
    );
  } catch {
    return false; // a Proxy whose traps throw
  }
}

function alreadyRegistered(what: string): Error {
  return new Error(
    `mapwatch: registerOtelMetrics() was already called for ${what}; a second registration would count ` +
      'every lock wait twice. Call unregister() on the earlier registration first, or pass another MeterProvider',
  );
}

export function registerOtelMetrics(options: OtelMetricsOptions = {}): OtelRegistration {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      'mapwatch: registerOtelMetrics(options) takes an options object, e.g. { meterProvider }',
    );
  }
  const { pollIntervalMs = 1000, meterProvider } = options;
  const registry = mapRegistryOption(options.registry, 'registerOtelMetrics(options)');
  if (typeof pollIntervalMs !== 'number' || !Number.isFinite(pollIntervalMs) || pollIntervalMs <= 0) {
    throw new RangeError(
      `mapwatch: pollIntervalMs must be a positive number, got ${describeValue(pollIntervalMs)}`,
    );
  }
  // setInterval runs a longer interval every millisecond (TimeoutOverflowWarning): poll continuously.
  if (pollIntervalMs > MAX_TIMER_MS) {
    throw new RangeError(
      `mapwatch: pollIntervalMs must be at most ${MAX_TIMER_MS} ms (about 24.8 days, Node's longest timer), got ${pollIntervalMs}`,
    );
  }
  if (meterProvider !== undefined && !isMeterProvider(meterProvider)) {
    throw new TypeError('mapwatch: meterProvider must be an OpenTelemetry MeterProvider (with getMeter())');
  }
  const onError = collectErrorReporter('collection', options.onError);
  let teardown: (() => void) | undefined;
  let poll: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  let waiting = false;

  const bind = (provider: MeterProvider): void => {
    if (claimedProviders.has(provider)) throw alreadyRegistered('this MeterProvider');
    const meter = provider.getMeter(OTEL_SCOPE_NAME);
    // The API's no-op provider, or an SDK provider already shut down: nothing would be exported, so
    // nothing is bound or claimed, and `bound` stays false.
    if (isNoopMeter(meter)) return;
    const remove = bindMeter(meter, registry, onError);
    claimedProviders.add(provider);
    teardown = () => {
      claimedProviders.delete(provider);
      remove();
    };
  };
  const stopWaiting = (): void => {
    if (poll) clearInterval(poll);
    poll = undefined;
    if (waiting) {
      waitingForGlobal = false;
      checkWaiting = undefined;
    }
    waiting = false;
  };
  const bindIfGlobalArrived = (): void => {
    // A third-party provider's failure here would be an uncaught exception in a timer (or an error in
    // another registration's call): contain it.
    try {
      const provider = metrics.getMeterProvider();
      if (isNoopProvider(provider)) return;
      stopWaiting();
      if (!stopped) bind(provider);
    } catch (err) {
      onError('mapwatch OpenTelemetry binding', err);
    }
  };

  checkWaiting?.();
  if (meterProvider) {
    bind(meterProvider);
  } else if (!isNoopProvider(metrics.getMeterProvider())) {
    bind(metrics.getMeterProvider());
  } else {
    if (waitingForGlobal) throw alreadyRegistered('the global MeterProvider (still waiting for it)');
    waitingForGlobal = waiting = true;
    checkWaiting = bindIfGlobalArrived;
    poll = setInterval(bindIfGlobalArrived, pollIntervalMs);
    poll.unref();
  }

  return {
    get bound() {
      return teardown !== undefined;
    },
    unregister() {
      stopped = true;
      stopWaiting();
      try {
        teardown?.();
      } finally {
        teardown = undefined;
      }
    },
  };
}

/** Creates every instrument on `meter` and returns the function that removes them from collection. */
function bindMeter(meter: Meter, registry: MapRegistry, onError: CollectErrorHandler): () => void {
  const observables: Array<[MetricSpec, Observable]> = [];
  const histograms = new Map<string, Histogram>();
  for (const spec of ALL_METRICS) {
    const opts = { description: spec.help, unit: spec.unit };
    if (spec.type === 'counter') observables.push([spec, meter.createObservableCounter(spec.otelName, opts)]);
    else if (spec.type === 'gauge')
      observables.push([spec, meter.createObservableGauge(spec.otelName, opts)]);
    else {
      const advice = spec.buckets ? { explicitBucketBoundaries: [...spec.buckets] } : undefined;
      histograms.set(spec.key, meter.createHistogram(spec.otelName, { ...opts, advice }));
    }
  }

  // Per gauge, the label sets observed at the last collection, by a key of their labels. A series the
  // registry no longer has (a declared bound dropped when an undeclared map joined the name, a name whose
  // maps all died) is observed once as NaN: the OTel SDK goes on exporting the last value of a series it
  // no longer observes, which kept a bound that no longer held in the alerts. NaN compares false, as an
  // absent series does in PromQL.
  const lastSeen = new Map<Observable, Map<string, Attributes>>();

  const callback = (result: BatchObservableResult): void => {
    let snap: RegistrySnapshot | undefined;
    let failure: { error: unknown } | undefined;
    try {
      snap = registry.collect();
    } catch (error) {
      failure = { error };
    }
    // As through prom-client: a registry that cannot be read costs each metric that reads it (one
    // report each), and the error count, which reads none, is still observed.
    const read = (): RegistrySnapshot => {
      if (failure !== undefined) throw failure.error;
      return snap!;
    };
    for (const [spec, observable] of observables) {
      try {
        if (spec.type !== 'gauge') {
          for (const p of scalarPoints(spec, read)) result.observe(observable, p.value, p.labels);
          continue;
        }
        const seen = new Map<string, Attributes>();
        for (const p of scalarPoints(spec, read)) {
          result.observe(observable, p.value, p.labels);
          seen.set(labelKey(p.labels), p.labels);
        }
        for (const [key, labels] of lastSeen.get(observable) ?? [])
          if (!seen.has(key)) result.observe(observable, NaN, labels);
        lastSeen.set(observable, seen);
      } catch (err) {
        onError(spec.name, err);
      }
    }
  };
  meter.addBatchObservableCallback(
    callback,
    observables.map(([, o]) => o),
  );

  const waitHistogram = histograms.get('lockWaitDuration');
  const unsubscribe = waitHistogram
    ? registry.addLockWaitListener((name, mode, seconds) => {
        // Runs inside the lock's release path: a failing SDK costs this one recording, nothing else.
        try {
          waitHistogram.record(seconds, { [LABELS.mapName]: name, [LABELS.mode]: mode });
        } catch (err) {
          onError(METRICS.lockWaitDuration.name, err);
        }
      })
    : () => true;

  return () => {
    meter.removeBatchObservableCallback(
      callback,
      observables.map(([, o]) => o),
    );
    unsubscribe();
  };
}
