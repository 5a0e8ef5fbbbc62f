/**
 * Defects a hostile-input probe of the public boundaries found (Dec 2026), each pinned where it was:
 * an options argument of null, a registry default that failed every later map, a scrape that never
 * answered when a collector hung in a script, two misreadings of a query_range file and an unbounded
 * analyze --selector. (A pack config value nested past the stack: test/pack/config-boundaries.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { groupRows, parseQueryRange } from '../src/cli/analyze/parse.js';
import { buildSelector } from '../src/cli/prometheus-source.js';
import { LeakDetector } from '../src/detect/leak-detector.js';
import { startLeakDetection } from '../src/detect/monitor.js';
import { serializeRegistry } from '../src/export/prometheus.js';
import { InstrumentedMap } from '../src/maps/instrumented-map.js';
import { MapRegistry } from '../src/registry.js';

describe('options arguments that are all optional', () => {
  it('refuse null and other non-objects naming the call, not "Cannot read properties of null"', async () => {
    for (const bad of [null, 5, 'x']) {
      expect(() => new MapRegistry(bad as never)).toThrow(
        /^mapwatch: new MapRegistry\(\) takes an options object or nothing, got /,
      );
      expect(() => new LeakDetector(bad as never)).toThrow(
        /^mapwatch: new LeakDetector\(\) takes an options object/,
      );
      expect(() => startLeakDetection(bad as never)).toThrow(
        /^mapwatch: startLeakDetection\(\) takes an options object/,
      );
      await expect(serializeRegistry(undefined, bad as never)).rejects.toThrow(
        /^mapwatch: serializeRegistry\(promRegistry, options\) takes an options object/,
      );
    }
    // Left out, they still work.
    expect(new MapRegistry().maxNames).toBeGreaterThan(0);
    expect(new LeakDetector().size).toBe(0);
  });

  it('a registry checks its survivalSampling default itself, in the constructor and when set', () => {
    // It was accepted, and every map made later threw, naming sampleSurvival, which nobody had passed.
    expect(() => new MapRegistry({ survivalSampling: 'yes' as never })).toThrow(
      /^mapwatch: survivalSampling must be true, false or \{ size\?, reads\? \}, got "yes"/,
    );
    const registry = new MapRegistry();
    expect(() => {
      registry.survivalSampling = { size: 0 };
    }).toThrow(/^mapwatch: survivalSampling.size must be an integer from 1 to /);
    expect(registry.survivalSampling).toBe(true);
    registry.survivalSampling = { size: 8 };
    expect(() => new InstrumentedMap({ name: 'after', registry })).not.toThrow();
  });
});

describe('serializeRegistry with a collector that never settles', () => {
  it('answers after timeoutMs in a process nothing else keeps alive, leaving that metric out', () => {
    // The deadline timer was unref'd: in a script the process exited with the scrape unanswered.
    const script = `
      import client from 'prom-client';
      import { serializeRegistry } from './dist/export/prometheus.js';
      const pr = new client.Registry();
      new client.Gauge({ name: 'still_served', help: 'h', registers: [pr] }).set(1);
      pr.registerMetric({ name: 'hung', help: 'h', type: 'gauge', get: () => new Promise(() => {}), reset() {} });
      const text = await serializeRegistry(pr, { timeoutMs: 100, onError: (n) => console.log('left out ' + n) });
      console.log(text.includes('still_served 1') ? 'served' : 'missing');`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('..', import.meta.url),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(out.trim().split('\n')).toEqual(['left out hung', 'served']);
  });
});

describe('query_range files', () => {
  const answer = (result: unknown[]) =>
    JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });

  it('with millisecond timestamps: the message says a query_range has seconds', () => {
    expect(() =>
      parseQueryRange(answer([{ metric: {}, values: [[1_700_000_000_000, '1']] }]), 'ms.json'),
    ).toThrow(
      /outside 1970..2200 \(read as Unix seconds\); a query_range answer has Unix seconds, as Prometheus writes them \(divide milliseconds by 1000\)$/,
    );
  });

  it('keep a label named __proto__ as a label: two series stay two', () => {
    const json = `{"status":"success","data":{"resultType":"matrix","result":[
      {"metric":{"__proto__":"a","map_name":"m"},"values":[[1700000000,"1"]]},
      {"metric":{"__proto__":"b","map_name":"m"},"values":[[1700000000,"2"]]}]}}`;
    const { series, skipped } = parseQueryRange(json, 'p.json');
    expect(series).toHaveLength(2);
    expect(series.map((s) => s.labels['__proto__'])).toEqual(['a', 'b']);
    expect(skipped.duplicates).toBe(0);
    // And two maps, one row each (found by review: the rows' identities were plain objects again).
    const { rows } = groupRows(series);
    expect(rows.map((r) => r.labels['__proto__'])).toEqual(['a', 'b']);
  });
});

describe('analyze --selector', () => {
  it('is at most 2,048 characters, as the pack selector, and a bad one is clipped in its message', () => {
    expect(() => buildSelector(`{job="${'x'.repeat(3_000)}"}`)).toThrow(
      /^--selector is 3008 characters, longer than the 2048 a selector may be/,
    );
    let message = '';
    try {
      buildSelector(`job="${'x'.repeat(1_500)}"`);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^--selector takes label matchers in braces/);
    expect(message.length).toBeLessThan(300);
  });
});
