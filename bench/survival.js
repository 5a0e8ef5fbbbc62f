// Cost of each entry survival sampling mode: native Map against InstrumentedMap and instrument() with
// the default (age-only sampling of 32 entries), with sampling off, and with read tracking on (the
// never-read share: one lookup in the sample's index per hit).
// `npm run build && node --expose-gc bench/run.js survival` runs it alone.
import { instrument } from '../dist/maps/instrument.js';
import { InstrumentedMap } from '../dist/maps/instrumented-map.js';
import { MapRegistry } from '../dist/registry.js';
import { goal } from './harness.js';
import { measureMapOps, medianGetSetRatio } from './map-ops.js';

export async function run() {
  const registry = new MapRegistry();
  const off = { registry, sampleSurvival: false };
  const reads = { registry, sampleSurvival: { reads: true } };
  const makers = {
    'native Map': () => new Map(),
    'InstrumentedMap (default: ages)': () => new InstrumentedMap({ name: 'ages', registry }),
    'InstrumentedMap, sampling off': () => new InstrumentedMap({ name: 'off', ...off }),
    'InstrumentedMap, reads tracked': () => new InstrumentedMap({ name: 'reads', ...reads }),
    'instrument(), sampling off': () => instrument(new Map(), { name: 'off-instrumented', ...off }),
    'instrument(), reads tracked': () => instrument(new Map(), { name: 'reads-instrumented', ...reads }),
  };
  const rows = measureMapOps(makers);
  return {
    title: 'Entry survival sampling modes (ns/op, ratio to native Map in the same run)',
    baseline: 'native Map',
    rows,
    goals: [
      goal(
        'InstrumentedMap with read tracking, get and set: median ratio to native Map <= 1.3',
        medianGetSetRatio(rows, 'InstrumentedMap, reads tracked'),
        1.3,
      ),
      goal(
        'instrument() with read tracking, get and set: median ratio to native Map <= 1.3',
        medianGetSetRatio(rows, 'instrument(), reads tracked'),
        1.3,
      ),
    ],
    notes: [
      'The per-operation goals of the defaults are checked in the maps section; the default row here is for reference.',
      'Age-only sampling (the default) costs a decrement per insert (reservoir skip counting) and, per delete, a cheap hash of the key (for a string: its length, last three and middle characters) into a table of the 32 sampled keys; read tracking adds that lookup to every hit. No hook reads the clock: sampled entries are stamped at the next collection.',
    ],
  };
}
