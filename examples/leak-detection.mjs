// A leak found from a map's own evidence: a memo keyed by request id (every key new, none deleted) watched
// by the leak detector. The clock is simulated so that three hours pass in a moment; in a service you
// call startLeakDetection() once and it ticks every minute on the real clock.
// Run: node examples/leak-detection.mjs
import { InstrumentedMap, MapRegistry, startLeakDetection } from 'mapwatch';

let nowMs = Date.UTC(2026, 0, 1);
const now = () => nowMs;
const registry = new MapRegistry({ now });
const detection = startLeakDetection({ registry, now, intervalMs: 60_000 });

const memo = new InstrumentedMap({ name: 'memo-by-request', registry });
const scratch = new InstrumentedMap({ name: 'per-minute-scratch', registry });

let request = 0;
let last;
for (let minute = 1; minute <= 180; minute++) {
  for (let i = 0; i < 50; i++) memo.set(`req-${request++}`, i); // never deleted: the leak
  scratch.clear(); // bounded: emptied every minute
  for (let i = 0; i < 50; i++) scratch.set(`k${i}`, i);
  nowMs += 60_000;
  detection.tick();
  const states = Object.fromEntries(registry.collect().names.map((n) => [n.name, n.leak?.state]));
  if (states['memo-by-request'] !== last) {
    last = states['memo-by-request'];
    console.log(
      `after ${minute} min: memo-by-request is ${last}, per-minute-scratch is ${states['per-minute-scratch']}`,
    );
  }
}
const verdict = registry.collect().names.find((n) => n.name === 'memo-by-request')?.leak;
console.log(`reason: ${verdict?.reason}`);
detection.stop();
