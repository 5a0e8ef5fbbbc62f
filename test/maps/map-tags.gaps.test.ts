/**
 * What `String(map)`, `Object.prototype.toString` and console output call each map type and LockedMap
 * view (issue #17, item 10): a log line or a debugger names the type, not a bare `[object Object]`.
 */
import { describe, expect, it } from 'vitest';
import { InstrumentedMap } from '../../src/maps/instrumented-map.js';
import { LoadingMap } from '../../src/maps/loading-map.js';
import { LockedMap } from '../../src/maps/locked-map.js';
import { ReadMostlyMap } from '../../src/maps/read-mostly-map.js';
import { ShardedMap } from '../../src/maps/sharded-map.js';
import { MapRegistry } from '../../src/registry.js';

const tag = (value: unknown): string => Object.prototype.toString.call(value);

describe('the toString tag of each map type', () => {
  const registry = new MapRegistry();

  it.each([
    ['LoadingMap', () => new LoadingMap({ name: 'tag', registry })],
    ['LockedMap', () => new LockedMap({ name: 'tag', registry })],
    ['ReadMostlyMap', () => new ReadMostlyMap({ name: 'tag', registry })],
    ['ShardedMap', () => new ShardedMap({ name: 'tag', registry })],
    ['InstrumentedMap', () => new InstrumentedMap({ name: 'tag', registry })],
  ])('%s', (name, make) => {
    const map = make();
    expect(tag(map)).toBe(`[object ${name}]`);
    expect(String(map)).toBe(`[object ${name}]`);
  });

  it('LockedMap views say whether they may write', async () => {
    const map = new LockedMap<string, number>({ name: 'views', registry });
    expect(await map.read((view) => tag(view))).toBe('[object LockedMapReadView]');
    expect(await map.write((view) => tag(view))).toBe('[object LockedMapWriteView]');
  });
});
