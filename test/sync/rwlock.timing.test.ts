/**
 * Wait and hold seconds of a named lock, checked for their values on a controlled clock: vitest's fake
 * `performance` (the lock reads `performance.now()`), advanced by exact amounts. Contended waits and holds
 * must come out exact; uncontended holds are sampled (hold-sampler.ts), so their total is checked as an
 * estimate, with bounds many standard deviations wide.
 */
import client from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOCK_WAIT_BUCKETS, METRICS } from '../../src/conventions.js';
import { registerPromMetrics } from '../../src/export/prometheus.js';
import { LockedMap } from '../../src/maps/locked-map.js';
import { MapRegistry } from '../../src/registry.js';
import { HOLD_SAMPLE_EVERY } from '../../src/sync/hold-sampler.js';
import { RWLock, type Release } from '../../src/sync/rwlock.js';
import { parseExposition } from '../helpers/exposition.js';

function named(name: string) {
  const registry = new MapRegistry();
  const lock = new RWLock({ name, registry });
  const stats = () => registry.collect().names.find((n) => n.name === name)!.lock!;
  return { registry, lock, stats };
}

/** Milliseconds on the fake clock; every hold and wait below is a whole number of them. */
const tick = (ms: number) => vi.advanceTimersByTime(ms);

afterEach(() => {
  vi.useRealTimers();
});

describe('RWLock times on a controlled clock', () => {
  it('contended waits and holds are recorded exactly, in seconds', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const { lock, stats } = named('clocked');
    // The first holder is uncontended: its 20 ms hold is timed with probability 1/HOLD_SAMPLE_EVERY and
    // then counts HOLD_SAMPLE_EVERY times (hold-sampler.ts), so it adds 0 or exactly 0.02 * that to the
    // read hold total. Every contended figure below is exact.
    const first = await lock.acquireRead();
    let writer: Release | undefined;
    let reader: Release | undefined;
    const w = lock.acquireWrite().then((r) => (writer = r));
    const r = lock.acquireRead().then((r2) => (reader = r2));
    tick(20); // both queued for 20 ms behind the first reader
    first();
    await w;
    expect(lock.writeLocked).toBe(true);
    tick(250); // the writer holds 250 ms; the reader keeps waiting behind it
    writer!();
    await r;
    tick(70); // the reader holds 70 ms
    reader!();

    const s = stats();
    expect(s.write.contended).toBe(1);
    expect(s.read.contended).toBe(1);
    expect(s.write.waitSeconds).toBeCloseTo(0.02, 9);
    expect(s.read.waitSeconds).toBeCloseTo(0.27, 9);
    expect(s.write.holdSeconds).toBeCloseTo(0.25, 9);
    // The reader's 70 ms, plus the first reader's hold as the sampler counted it (once in 32 runs, 0.64 s).
    const firstHold = s.read.holdSeconds - 0.07;
    expect(
      [0, 0.02 * HOLD_SAMPLE_EVERY].some((v) => Math.abs(firstHold - v) < 1e-9),
      `${firstHold}`,
    ).toBe(true);
    // The histogram: one observation per contended grant, its sum the same seconds, in the right bucket.
    expect(s.write.waitCount).toBe(1);
    expect(s.write.waitSum).toBeCloseTo(0.02, 9);
    expect(s.read.waitSum).toBeCloseTo(0.27, 9);
    expect(s.write.waitBuckets[LOCK_WAIT_BUCKETS.indexOf(0.025)]).toBe(1);
    expect(s.read.waitBuckets[LOCK_WAIT_BUCKETS.indexOf(0.5)]).toBe(1);
  });

  it('an abandoned wait counts its seconds in the wait total but not in the histogram', async () => {
    vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
    const { lock, stats } = named('abandoned');
    const holder = await lock.acquireWrite();
    const late = lock.acquireRead({ timeoutMs: 40 }).catch((e: unknown) => e);
    tick(40);
    const ac = new AbortController();
    const gaveUp = lock.acquireWrite({ signal: ac.signal }).catch((e: unknown) => e);
    tick(15);
    ac.abort();
    await Promise.all([late, gaveUp]);
    holder();

    const s = stats();
    expect(s.timeouts).toBe(2);
    expect(s.read.waitSeconds).toBeCloseTo(0.04, 9);
    expect(s.write.waitSeconds).toBeCloseTo(0.015, 9);
    expect([s.read.waitCount, s.write.waitCount, s.read.waitSum, s.write.waitSum]).toEqual([0, 0, 0, 0]);
  });

  it('exports the wait histogram _sum/_count/_bucket and the hold total with those values', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const { registry, lock } = named('scraped');
    const prom = new client.Registry();
    registerPromMetrics(prom, { registry, onError: () => undefined });
    const first = await lock.acquireWrite();
    const waits = [lock.acquireWrite(), lock.acquireWrite()];
    first(); // at once: the uncontended hold adds 0 whether sampled or not
    const second = await waits[0]!;
    tick(3); // the second holds 3 ms; the third has waited 3 ms
    second();
    const third = await waits[1]!;
    tick(600);
    third();

    const samples = parseExposition(await prom.metrics()).filter((s) => s.labels.map_name === 'scraped');
    const value = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        ?.value;
    const hist = METRICS.lockWaitDuration.name;
    const write = { mode: 'write' };
    expect(value(`${hist}_count`, write)).toBe(2);
    // Waits: 0 for the second (queued and granted at the same instant) and 3 ms for the third.
    expect(value(`${hist}_sum`, write)).toBeCloseTo(0.003, 9);
    expect(value(`${hist}_bucket`, { ...write, le: '0.0001' })).toBe(1);
    expect(value(`${hist}_bucket`, { ...write, le: '0.001' })).toBe(1);
    expect(value(`${hist}_bucket`, { ...write, le: '0.005' })).toBe(2);
    expect(value(METRICS.lockHoldSeconds.name, write)).toBeCloseTo(0.603, 9);
    expect(value(METRICS.lockWaitSeconds.name, write)).toBeCloseTo(0.003, 9);
  });
});

describe('uncontended holds: short ones sampled and weighted, long ones exact', () => {
  // Short holds (0.05 ms, under EXACT_HOLD_SECONDS) are timed with probability 1/N and counted N times:
  // Binomial(n, 1/N) timed holds, so the estimate has mean n x 0.05 ms and a relative standard deviation
  // of about sqrt(N / n), under 4 % here; the bounds are +-25 % (over 6 sd).
  const n = 20_000;
  const shortMs = 0.05;
  const expectEstimate = (seconds: number) => {
    const truth = (n * shortMs) / 1000;
    expect(seconds).toBeGreaterThan(truth * 0.75);
    expect(seconds).toBeLessThan(truth * 1.25);
    // Each timed hold adds exactly N x 0.05 ms: the weight is applied, and nothing else is recorded.
    const timed = seconds / ((HOLD_SAMPLE_EVERY * shortMs) / 1000);
    expect(Math.abs(timed - Math.round(timed))).toBeLessThan(1e-6);
  };

  it('through acquire + release', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const { lock, stats } = named('sampled');
    for (let i = 0; i < n; i++) {
      const release = await lock.acquireWrite();
      tick(shortMs);
      release();
    }
    const s = stats();
    expect(s.write.uncontended).toBe(n);
    expectEstimate(s.write.holdSeconds);
    expect(s.write.waitSeconds).toBe(0);
  });

  it('through withRead with a synchronous callback and withWrite with an async one', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const { lock, stats } = named('sampled-with');
    for (let i = 0; i < n; i++) await lock.withRead(() => tick(shortMs));
    for (let i = 0; i < n; i++) {
      await lock.withWrite(async () => {
        await Promise.resolve();
        tick(shortMs);
      });
    }
    const s = stats();
    expect([s.read.uncontended, s.write.uncontended]).toEqual([n, n]);
    expectEstimate(s.read.holdSeconds);
    expectEstimate(s.write.holdSeconds);
  });

  it('through a LockedMap section', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const registry = new MapRegistry();
    const map = new LockedMap<string, number>({ name: 'sampled-map', registry });
    for (let i = 0; i < n; i++) await map.read(() => tick(shortMs));
    const s = registry.collect().names.find((x) => x.name === 'sampled-map')!.lock!;
    expectEstimate(s.read.holdSeconds);
  });

  it('after a long timed hold every hold is timed exactly, until a short one', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const { lock, stats } = named('exact');
    const holdFor = async (ms: number) => {
      const release = await lock.acquireWrite();
      tick(ms);
      release();
    };
    // Long holds go unrecorded until the sampler picks one (about 1 in N), which counts N times.
    let grants = 0;
    while (stats().write.holdSeconds === 0 && grants < 2_000) {
      await holdFor(1);
      grants++;
    }
    const first = stats().write.holdSeconds;
    expect(first).toBeCloseTo((HOLD_SAMPLE_EVERY * 1) / 1000, 9);
    // That hold was long: from now on each hold counts once, exactly.
    for (let i = 0; i < 10; i++) await holdFor(2);
    expect(stats().write.holdSeconds - first).toBeCloseTo(0.02, 9);
    // A short one, still timed exactly, ends exact mode...
    await holdFor(shortMs);
    const beforeSampling = stats().write.holdSeconds;
    expect(beforeSampling - first).toBeCloseTo(0.02 + shortMs / 1000, 9);
    // ...so the next long hold recorded is a sampled one again, counted N times.
    grants = 0;
    while (stats().write.holdSeconds === beforeSampling && grants < 2_000) {
      await holdFor(1);
      grants++;
    }
    expect(stats().write.holdSeconds - beforeSampling).toBeCloseTo((HOLD_SAMPLE_EVERY * 1) / 1000, 9);
  });
});
