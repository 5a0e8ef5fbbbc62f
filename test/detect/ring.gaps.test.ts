/**
 * The bucket ring's contract, pinned where the detector's own tests leave it loose (issue #17, the
 * survivors of a mutation run over src/detect/ring.ts): its size in bytes, which buckets it still holds
 * after wrapping around or skipping ahead, the lowest and highest counts a bucket keeps, the ranges
 * `minOver` / `maxOver` / `meansOver` cover (both ends inclusive, never-written slots ignored) and which
 * bucket `evidenceAtOrBefore` picks.
 */
import { describe, expect, it } from 'vitest';
import { BucketRing, RingViews } from '../../src/detect/ring.js';

/** Adds one observation per listed bucket: entries `e`, counters `i`/`d`, age `a` (defaults derived). */
function ringWith(
  capacity: number,
  obs: Array<{ b: number; e: number; i?: number; d?: number; a?: number }>,
): BucketRing {
  const ring = new BucketRing(60_000, capacity);
  for (const o of obs) ring.add(o.b, o.e, o.i ?? o.b * 10, o.d ?? o.b, o.a ?? o.b + 0.5);
  return ring;
}

describe('BucketRing layout', () => {
  it('takes 36 bytes a bucket, rounded up to a multiple of 8', () => {
    expect(BucketRing.bytes(1)).toBe(40);
    expect(BucketRing.bytes(2)).toBe(72);
    expect(BucketRing.bytes(10)).toBe(360);
  });

  it('two rings share one set of views without touching each other', () => {
    const views = new RingViews(6);
    const a = new BucketRing(1000, 3, views, 0);
    const b = new BucketRing(1000, 3, views, 3);
    a.add(0, 5, 1, 0, 2);
    b.add(0, 9, 7, 3, 4);
    expect(a.evidenceAtOrBefore(0, 0)).toEqual({
      bucket: 0,
      entries: 5,
      inserts: 1,
      deletes: 0,
      ageSeconds: 2,
    });
    expect(b.evidenceAtOrBefore(0, 0)).toEqual({
      bucket: 0,
      entries: 9,
      inserts: 7,
      deletes: 3,
      ageSeconds: 4,
    });
    // The first ring wrapping around twice stays in its own three slots.
    for (let bucket = 1; bucket <= 7; bucket++) a.add(bucket, 100 + bucket, bucket, 0, 1);
    expect([a.has(4), a.has(5), a.has(7)]).toEqual([false, true, true]);
    expect(a.minOver(0, 7)).toBe(105);
    expect(b.evidenceAtOrBefore(5, 0)?.entries).toBe(9);
    expect(b.has(0)).toBe(true);
  });

  it('refuses slots beyond its views', () => {
    const views = new RingViews(4);
    expect(() => new BucketRing(1000, 3, views, 2)).toThrow(
      new RangeError('BucketRing: slots 2..4 are not in views of 4'),
    );
    expect(() => new BucketRing(1000, 3, views, -1)).toThrow(RangeError);
    expect(() => new BucketRing(1000, 3, views, NaN)).toThrow(RangeError);
    expect(() => new BucketRing(1000, 3, views, Infinity)).toThrow(RangeError);
    expect(() => new BucketRing(1000, 4, views, 0)).not.toThrow();
    expect(() => new BucketRing(1000, 3, views, 1)).not.toThrow();
  });
});

describe('BucketRing.add', () => {
  it('starts empty and reports each new bucket as opened, a repeat as not', () => {
    const ring = new BucketRing(1000, 4);
    expect(ring.newest).toBe(-1);
    expect(ring.oldest).toBe(0);
    expect(ring.add(0, 1, 0, 0, 0)).toBe(true);
    expect(ring.newest).toBe(0);
    expect(ring.add(0, 2, 0, 0, 0)).toBe(false);
    expect(ring.add(1, 2, 0, 0, 0)).toBe(true);
    expect(ring.newest).toBe(1);
  });

  it('keeps the lowest and highest count of a bucket and its last observation', () => {
    const ring = new BucketRing(1000, 4);
    ring.add(0, 5, 1, 0, 10);
    ring.add(0, 9, 2, 1, 11);
    ring.add(0, 3, 3, 2, 12);
    ring.add(0, 7, 4, 3, 13);
    expect(ring.minOver(0, 0)).toBe(3);
    expect(ring.maxOver(0, 0)).toBe(9);
    expect(ring.evidenceAtOrBefore(0, 0)).toEqual({
      bucket: 0,
      entries: 7,
      inserts: 4,
      deletes: 3,
      ageSeconds: 13,
    });
  });

  it('tracks the highest count in a later slot too', () => {
    const ring = new BucketRing(1000, 4);
    ring.add(0, 100, 0, 0, 50);
    ring.add(1, 4, 0, 0, 50);
    ring.add(1, 6, 0, 0, 50);
    ring.add(1, 5, 0, 0, 50);
    expect(ring.maxOver(1, 1)).toBe(6);
    expect(ring.minOver(1, 1)).toBe(4);
    expect(ring.maxOver(0, 0)).toBe(100);
  });

  it('restarts a reused slot from the new bucket, not the evicted one', () => {
    const ring = ringWith(2, [
      { b: 0, e: 1 },
      { b: 1, e: 50 },
      { b: 2, e: 40 },
    ]);
    expect(ring.minOver(2, 2)).toBe(40);
    expect(ring.maxOver(2, 2)).toBe(40);
    expect(ring.minOver(0, 2)).toBe(40);
  });
});

describe('BucketRing.oldest and has', () => {
  it('holds the last `capacity` buckets after wrapping around', () => {
    const ring = ringWith(
      4,
      [0, 1, 2, 3, 4, 5].map((b) => ({ b, e: b })),
    );
    expect(ring.oldest).toBe(2);
    expect(ring.has(1)).toBe(false);
    expect(ring.has(2)).toBe(true);
    expect(ring.has(5)).toBe(true);
    expect(ring.has(6)).toBe(false);
    expect(ring.minOver(0, 5)).toBe(2);
    expect(ring.maxOver(0, 5)).toBe(5);
  });

  it('has bucket 0 once written, and nothing negative even in a one-bucket ring', () => {
    const one = new BucketRing(1000, 1);
    expect(one.has(-1)).toBe(false);
    expect(one.has(0)).toBe(false);
    one.add(0, 1, 0, 0, 0);
    expect(one.has(0)).toBe(true);
    expect(one.has(-1)).toBe(false);
    const ring = ringWith(4, [{ b: 0, e: 1 }]);
    expect(ring.has(0)).toBe(true);
    expect(ring.has(1)).toBe(false);
  });

  it('has a bucket in a later slot, and not one never written', () => {
    const ring = ringWith(4, [
      { b: 0, e: 1 },
      { b: 1, e: 2 },
      { b: 3, e: 4 },
    ]);
    expect(ring.has(1)).toBe(true);
    expect(ring.has(2)).toBe(false);
    expect(ring.has(3)).toBe(true);
  });

  it('forgets a bucket the ring has moved past even when its slot was never reused', () => {
    // Bucket 1 sits in slot 1; a jump to bucket 8 reuses slot 0 only, but bucket 1 is out of range.
    const ring = ringWith(4, [
      { b: 1, e: 7 },
      { b: 8, e: 9 },
    ]);
    expect(ring.oldest).toBe(5);
    expect(ring.has(1)).toBe(false);
    expect(ring.has(8)).toBe(true);
    expect(ring.minOver(0, 8)).toBe(9);
    expect(ring.maxOver(0, 8)).toBe(9);
  });
});

describe('BucketRing range queries', () => {
  // Buckets 0, 2 and 3 written; bucket 1 never (its slot must not read as a zero count).
  const gappy = (): BucketRing =>
    ringWith(8, [
      { b: 0, e: 5, i: 10, d: 0 },
      { b: 2, e: 7, i: 30, d: 10 },
      { b: 3, e: 2, i: 40, d: 10 },
    ]);

  it('minOver covers both ends and skips unwritten buckets', () => {
    const ring = gappy();
    expect(ring.minOver(0, 2)).toBe(5);
    expect(ring.minOver(0, 3)).toBe(2);
    expect(ring.minOver(2, 3)).toBe(2);
    expect(ring.minOver(1, 2)).toBe(7);
    expect(ring.minOver(1, 1)).toBeNaN();
    expect(ring.minOver(4, 7)).toBeNaN();
  });

  it('minOver keeps the lowest whatever the order', () => {
    const ring = ringWith(8, [
      { b: 0, e: 9 },
      { b: 1, e: 3 },
      { b: 2, e: 6 },
    ]);
    expect(ring.minOver(0, 2)).toBe(3);
  });

  it('maxOver covers both ends, skips unwritten buckets and starts at `from`', () => {
    const ring = gappy();
    expect(ring.maxOver(0, 3)).toBe(7);
    expect(ring.maxOver(0, 2)).toBe(7);
    expect(ring.maxOver(3, 3)).toBe(2);
    expect(ring.maxOver(2, 3)).toBe(7);
    expect(ring.maxOver(3, 5)).toBe(2);
    expect(ring.maxOver(1, 1)).toBeNaN();
    expect(ring.maxOver(4, 7)).toBeNaN();
    expect(new BucketRing(1000, 4).maxOver(0, 3)).toBeNaN();
  });

  it('maxOver reads the highest count, not the lowest, last or age', () => {
    const ring = new BucketRing(1000, 4);
    ring.add(0, 1, 0, 0, 99);
    ring.add(1, 10, 0, 0, 90);
    ring.add(1, 20, 0, 0, 80);
    ring.add(1, 15, 0, 0, 70);
    expect(ring.maxOver(1, 1)).toBe(20);
    expect(ring.maxOver(0, 1)).toBe(20);
    expect(ring.maxOver(0, 0)).toBe(1);
  });

  it('meansOver averages the lowest count and the net flow over written buckets only', () => {
    const ring = gappy();
    const out = new Float64Array(2);
    expect(ring.meansOver(0, 3, out)).toBe(3);
    expect(out[0]).toBeCloseTo((5 + 7 + 2) / 3, 10);
    expect(out[1]).toBeCloseTo((10 + 20 + 30) / 3, 10);
    expect(ring.meansOver(1, 1, out)).toBe(0);
    expect(out[0]).toBeNaN();
    expect(out[1]).toBeNaN();
  });
});

describe('BucketRing.evidenceAtOrBefore', () => {
  const ring = (): BucketRing =>
    ringWith(8, [
      { b: 0, e: 5, i: 10, d: 1, a: 30 },
      { b: 3, e: 8, i: 40, d: 2, a: 60 },
    ]);

  it('returns the newest written bucket at or before `b`', () => {
    expect(ring().evidenceAtOrBefore(2, 0)).toEqual({
      bucket: 0,
      entries: 5,
      inserts: 10,
      deletes: 1,
      ageSeconds: 30,
    });
    expect(ring().evidenceAtOrBefore(3, 0)?.bucket).toBe(3);
    expect(ring().evidenceAtOrBefore(9, 0)?.bucket).toBe(3);
  });

  it('looks no further back than `floorB`', () => {
    expect(ring().evidenceAtOrBefore(2, 1)).toBeUndefined();
    expect(ring().evidenceAtOrBefore(3, 1)?.bucket).toBe(3);
  });

  it('looks no further back than the oldest bucket held', () => {
    const r = ringWith(4, [
      { b: 1, e: 7 },
      { b: 8, e: 9 },
    ]);
    expect(r.evidenceAtOrBefore(7, 0)).toBeUndefined();
    expect(new BucketRing(1000, 4).evidenceAtOrBefore(3, 0)).toBeUndefined();
  });
});
