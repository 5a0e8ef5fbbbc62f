/**
 * Timer options past Node's longest timer (2147483647 ms, 2^31 - 1): setTimeout and setInterval run a
 * longer delay after 1 ms (with a TimeoutOverflowWarning), so such a value would turn a 24-day deadline
 * into an immediate one. Each option refuses it where it is passed, naming itself and the range, and
 * accepts the maximum itself.
 */
import client from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mapwatchRouter } from '../../src/export/express.js';
import { registerOtelMetrics } from '../../src/export/otel.js';
import { serializeRegistry } from '../../src/export/prometheus.js';
import { LoadingMap } from '../../src/maps/loading-map.js';
import { MapRegistry } from '../../src/registry.js';

const MAX = 2 ** 31 - 1;
const TOO_LONG = [2 ** 31, 1e12];

afterEach(() => {
  vi.useRealTimers();
});

/** A Registry with one gauge whose collection takes a few event-loop turns, and no clock time. */
function slowRegistry(): client.Registry {
  const reg = new client.Registry();
  new client.Gauge({
    name: 'slow_gauge',
    help: 'collects over a few event-loop turns',
    registers: [reg],
    async collect() {
      for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      this.set(1);
    },
  });
  return reg;
}

describe('serializeRegistry timeoutMs', () => {
  it('refuses a timeout Node cannot keep, Infinity included, and keeps the maximum as a deadline', async () => {
    // Infinity is no "no deadline": a collector that hangs must cost its own metric, not hold the scrape.
    for (const timeoutMs of [...TOO_LONG, Infinity]) {
      await expect(serializeRegistry(slowRegistry(), { timeoutMs }), String(timeoutMs)).rejects.toThrow(
        `mapwatch: timeoutMs must be at most 2147483647 ms (about 24.8 days, Node's longest timer), got ${timeoutMs}`,
      );
    }
    const errors: string[] = [];
    const text = await serializeRegistry(slowRegistry(), {
      timeoutMs: MAX,
      onError: (name, err) => errors.push(`${name}: ${(err as Error).message}`),
    });
    expect(errors).toEqual([]);
    expect(text).toContain('slow_gauge 1');
  });
});

describe('mapwatchRouter collectTimeoutMs', () => {
  it('refuses a timeout Node cannot keep when the router is made (not at each scrape), and takes the maximum', () => {
    for (const collectTimeoutMs of [...TOO_LONG, Infinity]) {
      expect(() => mapwatchRouter({ collectTimeoutMs, registry: new MapRegistry() })).toThrow(
        `mapwatch: collectTimeoutMs must be at most 2147483647 ms (about 24.8 days, Node's longest timer), got ${collectTimeoutMs}`,
      );
    }
    expect(() => mapwatchRouter({ collectTimeoutMs: MAX, registry: new MapRegistry() })).not.toThrow();
  });
});

describe('registerOtelMetrics pollIntervalMs', () => {
  it('refuses an interval Node cannot keep (it would poll every millisecond), and polls at the maximum', () => {
    for (const pollIntervalMs of TOO_LONG) {
      let otel: ReturnType<typeof registerOtelMetrics> | undefined;
      try {
        expect(() => {
          otel = registerOtelMetrics({ registry: new MapRegistry(), pollIntervalMs });
        }).toThrow(
          `mapwatch: pollIntervalMs must be at most 2147483647 ms (about 24.8 days, Node's longest timer), got ${pollIntervalMs}`,
        );
      } finally {
        otel?.unregister(); // only reached when the value was wrongly accepted
      }
    }
    const spy = vi.spyOn(globalThis, 'setInterval');
    let otel: ReturnType<typeof registerOtelMetrics> | undefined;
    try {
      otel = registerOtelMetrics({ registry: new MapRegistry(), pollIntervalMs: MAX });
      expect(spy).toHaveBeenCalledWith(expect.any(Function), MAX);
    } finally {
      otel?.unregister();
      spy.mockRestore();
    }
  });
});

describe('LoadingMap loadTimeoutMs', () => {
  it('refuses a timeout Node cannot keep, pointing to Infinity for none, which it still takes', () => {
    const registry = new MapRegistry();
    for (const loadTimeoutMs of TOO_LONG) {
      expect(() => new LoadingMap({ name: 'users', registry, loadTimeoutMs })).toThrow(
        `mapwatch: LoadingMap loadTimeoutMs must be at most 2147483647 ms (about 24.8 days), or Infinity for no limit, got ${loadTimeoutMs}`,
      );
    }
    expect(() => new LoadingMap({ name: 'a', registry, loadTimeoutMs: Infinity })).not.toThrow();
    // No timer stands behind a TTL, so it has no such bound.
    expect(() => new LoadingMap({ name: 'b', registry, ttlMs: 2 ** 31 })).not.toThrow();
  });

  it('with the maximum a load slower than 1 ms resolves; one more ms is refused', async () => {
    vi.useFakeTimers();
    const registry = new MapRegistry();
    expect(() => new LoadingMap({ name: 'over', registry, loadTimeoutMs: MAX + 1 })).toThrow(
      /at most 2147483647/,
    );
    const map = new LoadingMap<string, string>({ name: 'users', registry, loadTimeoutMs: MAX });
    const loaded = map.getOrLoad('k', () => new Promise<string>((resolve) => setTimeout(resolve, 50, 'v')));
    await vi.advanceTimersByTimeAsync(50);
    await expect(loaded).resolves.toBe('v');
  });
});
