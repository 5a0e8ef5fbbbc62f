// Cost of entry survival sampling: native Map against InstrumentedMap and instrument() with
// `sampleSurvival` on (default sample of 32 keys) and off, for get hits, get misses, inserts and updates.
// `npm run build && node --expose-gc bench/run.js survival` runs it alone.
import { InstrumentedMap, MapRegistry, instrument } from '../dist/index.js';
import { goal } from './harness.js';
import { measureMapOps, medianGetSetRatio } from './map-ops.js';

export async function run() {
  const registry = new MapRegistry();
  const makers = {
    'native Map': () => new Map(),
    InstrumentedMap: () => new InstrumentedMap({ name: 'plain', registry }),
    'InstrumentedMap, sampling': () =>
      new InstrumentedMap({ name: 'sampled', registry, sampleSurvival: true }),
    'instrument(), sampling': () =>
      instrument(new Map(), { name: 'sampled-instrumented', registry, sampleSurvival: true }),
  };
  const rows = measureMapOps(makers);
  return {
    title: 'Entry survival sampling (ns/op, ratio to native Map in the same run)',
    baseline: 'native Map',
    rows,
    goals: [
      goal(
        'InstrumentedMap with sampling, get and set: median ratio to native Map <= 1.3',
        medianGetSetRatio(rows, 'InstrumentedMap, sampling'),
        1.3,
      ),
      goal(
        'instrument() with sampling, get and set: median ratio to native Map <= 1.3',
        medianGetSetRatio(rows, 'instrument(), sampling'),
        1.3,
      ),
    ],
    notes: [
      'The InstrumentedMap row (sampling off) is for reference; its <= 1.10 goal is checked by the maps section.',
      'Sampling costs a decrement per insert (reservoir skip counting), one lookup in a map of at most 32 keys per hit, and one per delete.',
    ],
  };
}
