/**
 * Plain-number counters of one lock, per mode. Like MapStats, held strongly by the registry and folded
 * into retired totals when the lock is collected. Contended waits also go to a histogram kept here as
 * per-bucket counts (Prometheus path) and, when an OpenTelemetry exporter listens, to `onContendedWait`
 * (an OTel histogram cannot be observed asynchronously). Only the contended path pays for either.
 */
import { LOCK_WAIT_BUCKETS, type LockMode } from '../conventions.js';

export class ModeLockStats {
  uncontended = 0;
  contended = 0;
  waitSeconds = 0;
  holdSeconds = 0;
  /** Per-bucket (not cumulative) counts of contended waits; the last slot is +Inf. */
  readonly waitBuckets: number[] = new Array<number>(LOCK_WAIT_BUCKETS.length + 1).fill(0);
  waitCount = 0;
  waitSum = 0;

  add(other: ModeLockStats): void {
    this.uncontended += other.uncontended;
    this.contended += other.contended;
    this.waitSeconds += other.waitSeconds;
    this.holdSeconds += other.holdSeconds;
    for (let i = 0; i < this.waitBuckets.length; i++) this.waitBuckets[i]! += other.waitBuckets[i]!;
    this.waitCount += other.waitCount;
    this.waitSum += other.waitSum;
  }
}

export type ContendedWaitListener = (mode: LockMode, seconds: number) => void;

export class LockStats {
  readonly read = new ModeLockStats();
  readonly write = new ModeLockStats();
  /** Tasks queued now (a gauge; not folded into retired totals). */
  waiters = 0;
  timeouts = 0;
  /** Set by the registry while an exporter needs every contended wait (OpenTelemetry histogram). */
  onContendedWait: ContendedWaitListener | undefined = undefined;

  mode(mode: LockMode): ModeLockStats {
    return mode === 'read' ? this.read : this.write;
  }

  /** Records a granted acquisition that waited `seconds` (0 and `contended=false` for the fast path). */
  recordAcquire(mode: LockMode, contended: boolean, seconds: number): void {
    const m = this.mode(mode);
    if (!contended) {
      m.uncontended++;
      return;
    }
    m.contended++;
    this.recordContendedWait(m, mode, seconds);
  }

  /** Records time waited by an acquisition that was abandoned (timeout or abort). */
  recordAbandoned(mode: LockMode, seconds: number): void {
    this.timeouts++;
    this.mode(mode).waitSeconds += seconds;
  }

  recordHold(mode: LockMode, seconds: number): void {
    this.mode(mode).holdSeconds += seconds;
  }

  private recordContendedWait(m: ModeLockStats, mode: LockMode, seconds: number): void {
    m.waitSeconds += seconds;
    m.waitSum += seconds;
    m.waitCount++;
    let i = 0;
    while (i < LOCK_WAIT_BUCKETS.length && seconds > LOCK_WAIT_BUCKETS[i]!) i++;
    m.waitBuckets[i]!++;
    const listener = this.onContendedWait;
    if (listener !== undefined) {
      try {
        listener(mode, seconds);
      } catch {
        // An exporter's failure must never reach the task that took the lock.
      }
    }
  }

  add(other: LockStats): void {
    this.read.add(other.read);
    this.write.add(other.write);
    this.timeouts += other.timeouts;
  }
}
