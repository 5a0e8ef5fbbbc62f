/**
 * Names become label values. Issue 10 item 6: a name with a lone surrogate was accepted and exported as
 * U+FFFD, so 'a\uD800' and 'a\uDC00' collapsed into one series. Names that are not well-formed Unicode
 * are refused at the boundary, for maps and for locks alike.
 */
import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../src/conventions.js';
import { registerPromMetrics } from '../src/export/prometheus.js';
import { InstrumentedMap } from '../src/maps/instrumented-map.js';
import { instrument } from '../src/maps/instrument.js';
import { LoadingMap } from '../src/maps/loading-map.js';
import { validateMapName } from '../src/names.js';
import { MapRegistry } from '../src/registry.js';
import { RWLock } from '../src/sync/rwlock.js';
import { parseExposition } from './helpers/exposition.js';

/** `String.prototype.isWellFormed` (Node 20+; the project's TypeScript lib is ES2022). */
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

const LONE = [
  ['a\uD800', 1],
  ['a\uDC00', 1],
  ['\uDC00\uD83D', 0], // a low then a high surrogate: a pair in the wrong order is two lone ones
  ['cache-\uD83D', 6], // an emoji cut in half
  ['\uDE00x', 0],
] as const;

describe('validateMapName: well-formed Unicode', () => {
  it.each(LONE)('refuses %j, saying where the lone surrogate is and what to do', (name, index) => {
    expect(() => validateMapName(name)).toThrow(RangeError);
    expect(() => validateMapName(name)).toThrow(
      new RegExp(
        `map name .* is not well-formed Unicode: a lone surrogate \\(U\\+D[89A-F][0-9A-F]{2}\\) at index ${index}\\..*remove or replace it`,
      ),
    );
    expect(isWellFormed(name)).toBe(false); // the platform agrees
  });

  it('accepts surrogate pairs and every other printable text', () => {
    for (const name of ['😀', 'cache-😀-x', 'a\uD83D\uDE00b', 'サービス', 'naïve', 'a"b\\c', '\u{10FFFF}']) {
      expect(validateMapName(name)).toBe(name);
      expect(isWellFormed(name)).toBe(true);
    }
  });

  it('refuses an over-long name for its length, without scanning it for surrogates first', () => {
    const huge = `${'x'.repeat(5_000_000)}\uD800`;
    expect(() => validateMapName(huge)).toThrow(/5000001 characters; keep it at most 100/);
  });

  it('applies to every name given to a map or a lock, through every constructor', () => {
    const registry = new MapRegistry();
    const name = 'a\uD800';
    expect(() => new InstrumentedMap({ name, registry })).toThrow(/not well-formed Unicode/);
    expect(() => instrument(new Map(), { name, registry })).toThrow(/not well-formed Unicode/);
    expect(() => new LoadingMap({ name, registry })).toThrow(/not well-formed Unicode/);
    expect(() => new RWLock({ name, registry })).toThrow(/lock name .* not well-formed Unicode/);
    expect(registry.collect().names.map((n) => n.name)).toEqual([]);
  });

  it('two names differing only in a lone surrogate can no longer share one exported series', async () => {
    const registry = new MapRegistry();
    const prom = new client.Registry();
    registerPromMetrics(prom, { registry, onError: () => undefined });
    const keep = [new InstrumentedMap<string, number>({ name: 'a\uD83D\uDE00', registry }).set('k', 1)];
    expect(() => new InstrumentedMap({ name: 'a\uD800', registry })).toThrow(RangeError);
    expect(() => new InstrumentedMap({ name: 'a\uDC00', registry })).toThrow(RangeError);
    const entries = parseExposition(await prom.metrics()).filter((s) => s.name === METRICS.entries.name);
    expect(entries.map((s) => s.labels.map_name)).toEqual(['a😀']);
    void keep;
  });
});
