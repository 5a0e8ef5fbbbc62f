/**
 * The short server-side history behind `/debug/maps`: per map name, the entry counts of the last
 * `length` samples (the page's trend, there on first load) and, for names with a lock, the lock numbers
 * the lock verdict reads (see lock-verdict.ts).
 *
 * Who samples: an `unref()`ed timer started with the debug route, one `registry.collect()` every
 * `intervalMs` (default 10 s), the walk a scrape makes anyway; nothing on any map's hot path. The timer
 * holds the history only through a WeakRef: once the router (whose handlers hold it) is collected, the
 * timer stops itself. Memory is fixed: one shared ring of sample times, and per name one ring of
 * `length` numbers (about 800 bytes per name at the default 60, overhead included), plus five more per
 * sample for names with a lock. Names are bounded by the registry's `maxNames`, and a name gone from the
 * registry leaves the history at the next sample. Only numbers are kept: no map, key or value.
 */
import type { MapRegistry, NameSnapshot, RegistrySnapshot } from '../registry.js';
import { lockSampleOf, type LockSample } from './lock-verdict.js';
import { MAX_TIMER_MS } from '../timer-bounds.js';
import { describeValue } from '../describe-value.js';

export interface DebugHistoryOptions {
  /** Samples kept per name (default 60, from 2 to 1000). */
  length?: number;
  /** Time between samples, ms (default 10 000: ten minutes of history at the default length). */
  intervalMs?: number;
}

export const DEFAULT_HISTORY_LENGTH = 60;
export const DEFAULT_HISTORY_INTERVAL_MS = 10_000;

const LOCK_FIELDS = 5; // waiters, granted, contended, abandoned, waitSeconds

class NameRing {
  readonly entries: Float64Array;
  lock: Float64Array | undefined = undefined;
  /** The last sample (a count of `record` calls) that saw the name. */
  seen = 0;
  constructor(length: number) {
    this.entries = new Float64Array(length).fill(NaN);
  }
}

export function entriesOf(n: NameSnapshot): number {
  let entries = 0;
  for (const v of n.entriesByKind.values()) entries += v;
  return entries;
}

/** A name's history, oldest first; `times` are ms since the epoch. */
export interface NameHistory {
  times: number[];
  entries: number[];
  /** Samples of the name's lock (empty when it has none). */
  lock: LockSample[];
}

export class DebugHistory {
  readonly length: number;
  readonly intervalMs: number;
  private readonly times: Float64Array;
  /** Next slot to write; the ring's oldest sample once it is full. */
  private head = 0;
  private count = 0;
  private readonly names = new Map<string, NameRing>();
  private samples = 0;

  constructor(options: DebugHistoryOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('mapwatch: debug.history must be false or an object like { length: 60 }');
    }
    const { length = DEFAULT_HISTORY_LENGTH, intervalMs = DEFAULT_HISTORY_INTERVAL_MS } = options;
    if (!Number.isInteger(length) || length < 2 || length > 1000) {
      throw new RangeError(
        `mapwatch: debug.history.length must be an integer from 2 to 1000, got ${describeValue(length)}`,
      );
    }
    // setInterval takes at most 2^31 - 1 ms; a longer one would fire every millisecond.
    if (typeof intervalMs !== 'number' || !(intervalMs >= 50) || intervalMs > MAX_TIMER_MS) {
      throw new RangeError(
        `mapwatch: debug.history.intervalMs must be a number of ms from 50 to ${MAX_TIMER_MS}, got ${describeValue(intervalMs)}`,
      );
    }
    this.length = length;
    this.intervalMs = intervalMs;
    this.times = new Float64Array(length);
  }

  /** Names with a history now (at most the registry's names). */
  get size(): number {
    return this.names.size;
  }

  /** Records one snapshot taken at `t` (ms). Names absent from it are forgotten. */
  record(snapshot: RegistrySnapshot, t: number): void {
    const slot = this.head;
    this.times[slot] = t;
    this.head = (slot + 1) % this.length;
    if (this.count < this.length) this.count++;
    const sample = ++this.samples;
    for (const n of snapshot.names) {
      let ring = this.names.get(n.name);
      if (ring === undefined) {
        ring = new NameRing(this.length);
        this.names.set(n.name, ring);
      }
      ring.seen = sample;
      ring.entries[slot] = entriesOf(n);
      const lock = lockSampleOf(n, t);
      if (lock !== undefined) {
        ring.lock ??= new Float64Array(this.length * LOCK_FIELDS).fill(NaN);
        const o = slot * LOCK_FIELDS;
        ring.lock[o] = lock.waiters;
        ring.lock[o + 1] = lock.granted;
        ring.lock[o + 2] = lock.contended;
        ring.lock[o + 3] = lock.abandoned;
        ring.lock[o + 4] = lock.waitSeconds;
      } else if (ring.lock !== undefined) {
        ring.lock.fill(NaN, slot * LOCK_FIELDS, (slot + 1) * LOCK_FIELDS);
      }
    }
    for (const [name, ring] of this.names) if (ring.seen !== sample) this.names.delete(name);
  }

  /** What the history holds of `name`, oldest first (empty arrays for an unknown name). */
  of(name: string): NameHistory {
    const out: NameHistory = { times: [], entries: [], lock: [] };
    const ring = this.names.get(name);
    if (ring === undefined) return out;
    const start = (this.head - this.count + this.length) % this.length;
    for (let k = 0; k < this.count; k++) {
      const i = (start + k) % this.length;
      const e = ring.entries[i]!;
      // NaN: the name was not there yet at that sample.
      if (!Number.isNaN(e)) {
        out.times.push(this.times[i]!);
        out.entries.push(e);
      }
      const l = ring.lock;
      if (l !== undefined && !Number.isNaN(l[i * LOCK_FIELDS]!)) {
        const o = i * LOCK_FIELDS;
        out.lock.push({
          t: this.times[i]!,
          waiters: l[o]!,
          granted: l[o + 1]!,
          contended: l[o + 2]!,
          abandoned: l[o + 3]!,
          waitSeconds: l[o + 4]!,
        });
      }
    }
    return out;
  }
}

/**
 * Samples `registry` into `history` now and then every `history.intervalMs`, on an unref()ed timer that
 * stops by itself once `history` has been garbage-collected (or when the returned function is called).
 * Errors are swallowed: a debug page must never reach the host.
 */
export function startHistorySampler(
  registry: MapRegistry,
  history: DebugHistory,
  now: () => number = Date.now,
): () => void {
  const ref = new WeakRef(history);
  const sample = (h: DebugHistory): void => {
    try {
      h.record(registry.collect(), now());
    } catch {
      // a failing snapshot costs one sample, never the host
    }
  };
  sample(history);
  const timer = setInterval(() => {
    const h = ref.deref();
    if (h === undefined) clearInterval(timer);
    else sample(h);
  }, history.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
