/**
 * The lock counters' arithmetic that no other test pinned (issue #17, the survivors of a mutation run over
 * src/stats): which histogram bucket a wait lands in (Prometheus `le`: a wait equal to a bound counts in
 * that bucket), the histogram's count and sum, and how the counters of several locks of one name add up.
 */
import { describe, expect, it } from 'vitest';
import { LOCK_WAIT_BUCKETS } from '../../src/conventions.js';
import { LockStats, ModeLockStats } from '../../src/stats/lock-stats.js';

describe('the lock wait histogram', () => {
  it('puts a wait equal to a bound in that bucket, a longer one in the next, beyond the last in +Inf', () => {
    const stats = new LockStats();
    stats.recordAcquire('write', true, 0.005);
    stats.recordAcquire('write', true, 0.0050001);
    stats.recordAcquire('write', true, 0.0001);
    stats.recordAcquire('write', true, 0);
    stats.recordAcquire('write', true, 10);
    stats.recordAcquire('write', true, 60);
    const b = stats.write.waitBuckets;
    const at = (bound: number) => b[LOCK_WAIT_BUCKETS.indexOf(bound)];
    expect(b).toHaveLength(LOCK_WAIT_BUCKETS.length + 1);
    expect([at(0.0001), at(0.005), at(0.01), at(10), b[LOCK_WAIT_BUCKETS.length]]).toEqual([2, 1, 1, 1, 1]);
    expect(b.reduce((x, y) => x + y, 0)).toBe(6);
    expect(stats.write.waitCount).toBe(6);
    expect(stats.write.waitSum).toBeCloseTo(70.0101001, 9);
    expect(stats.write.waitSeconds).toBeCloseTo(70.0101001, 9);
    expect([stats.write.contended, stats.write.uncontended, stats.read.waitCount]).toEqual([6, 0, 0]);
  });

  it('an uncontended grant, an abandoned wait and a hold stay out of the histogram', () => {
    const stats = new LockStats();
    stats.recordAcquire('read', false, 0);
    stats.recordAbandoned('read', 0.25);
    stats.recordHold('read', 0.5);
    expect([stats.read.uncontended, stats.read.contended, stats.read.waitCount, stats.read.waitSum]).toEqual([
      1, 0, 0, 0,
    ]);
    expect([stats.read.waitSeconds, stats.read.holdSeconds, stats.timeouts]).toEqual([0.25, 0.5, 1]);
    expect(stats.read.waitBuckets.every((n) => n === 0)).toBe(true);
  });

  it('tells an exporter of every contended wait, and a failing exporter never reaches the lock', () => {
    const stats = new LockStats();
    const seen: Array<[string, number]> = [];
    stats.onContendedWait = (mode, seconds) => seen.push([mode, seconds]);
    stats.recordAcquire('read', true, 0.02);
    stats.recordAcquire('read', false, 0);
    stats.onContendedWait = () => {
      throw new Error('exporter down');
    };
    expect(() => stats.recordAcquire('write', true, 0.03)).not.toThrow();
    expect(seen).toEqual([['read', 0.02]]);
    expect(stats.write.waitCount).toBe(1);
  });
});

describe('adding the counters of several locks of one name', () => {
  it('sums every counter and every bucket, per mode, and the abandoned acquisitions', () => {
    const a = new LockStats();
    const b = new LockStats();
    a.recordAcquire('read', false, 0);
    a.recordAcquire('read', true, 0.003);
    a.recordHold('read', 0.25);
    a.recordAbandoned('write', 0.5);
    b.recordAcquire('read', true, 2);
    b.recordAcquire('read', false, 0);
    b.recordAcquire('read', false, 0);
    b.recordAcquire('write', true, 0.003);
    b.recordHold('read', 1);
    b.recordHold('write', 0.125);
    b.recordAbandoned('read', 0.75);
    b.recordAbandoned('read', 0.25);

    const total = new LockStats();
    total.add(a);
    total.add(b);
    const r = total.read;
    expect([r.uncontended, r.contended, r.waitCount, total.timeouts]).toEqual([3, 2, 2, 3]);
    expect(r.waitSeconds).toBeCloseTo(0.003 + 2 + 0.75 + 0.25, 12);
    expect(r.waitSum).toBeCloseTo(2.003, 12);
    expect(r.holdSeconds).toBe(1.25);
    expect(r.waitBuckets[LOCK_WAIT_BUCKETS.indexOf(0.005)]).toBe(1);
    expect(r.waitBuckets[LOCK_WAIT_BUCKETS.indexOf(2.5)]).toBe(1);
    const w = total.write;
    expect([w.uncontended, w.contended, w.waitCount, w.holdSeconds]).toEqual([0, 1, 1, 0.125]);
    expect(w.waitSeconds).toBeCloseTo(0.503, 12);
    expect(w.waitBuckets[LOCK_WAIT_BUCKETS.indexOf(0.005)]).toBe(1);
    // The addends are left as they were.
    expect([a.read.contended, b.read.contended, a.timeouts, b.timeouts]).toEqual([1, 1, 1, 2]);
  });

  it('a mode adds bucket by bucket, every bucket including +Inf', () => {
    const m = new ModeLockStats();
    const other = new ModeLockStats();
    other.waitBuckets.forEach((_, i) => (other.waitBuckets[i] = i + 1));
    m.add(other);
    m.add(other);
    expect(m.waitBuckets).toEqual(other.waitBuckets.map((n) => 2 * n));
    expect(m.waitBuckets).toHaveLength(LOCK_WAIT_BUCKETS.length + 1);
  });
});
