// Benchmark harness: candidates measured side by side, interleaved, in one process, reported as ratios
// against a baseline from the same run. Timing lives here and only here: tests never time anything.
//
// A section module (bench/<name>.js) exports `async function run(h)` returning
//   { title, baseline, rows: [{ op, candidate, nsPerOp, ratio }], goals: [{ text, ratio, limit, met }], notes? }
// `h.compare(...)` builds the rows; bench/run.js prints every section and writes bench/RESULTS.md.

/** Quick mode (BENCH_QUICK=1) only checks that every benchmark runs; its numbers are not recorded. */
export const QUICK = process.env.BENCH_QUICK === '1';

const ROUNDS = QUICK ? 3 : 21;

function nowNs() {
  return process.hrtime.bigint();
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Measures synchronous candidates. Each candidate is `{ name, prepare(): state, loop(state, n) }`;
 * `prepare` is untimed and runs before every round, `loop` runs `n` operations and returns a value that
 * is consumed so the work cannot be optimised away. Rounds are interleaved (A B C A B C ...) so that
 * drift in machine load hits every candidate alike; the reported figure is the median ns/op.
 * Give each candidate its own loop function (not one shared closure), or V8's call-site feedback
 * turns polymorphic and penalises whichever runs last.
 */
export function compareSync(candidates, { ops = QUICK ? 2_000 : 200_000, warmup = QUICK ? 1 : 5 } = {}) {
  const samples = new Map(candidates.map((c) => [c.name, []]));
  let sink = 0;
  for (let round = -warmup; round < ROUNDS; round++) {
    for (const c of candidates) {
      const state = c.prepare();
      const start = nowNs();
      sink += Number(c.loop(state, ops)) || 0;
      const elapsed = Number(nowNs() - start);
      if (round >= 0) samples.get(c.name).push(elapsed / ops);
    }
  }
  globalThis.__benchSink = sink;
  return candidates.map((c) => ({ candidate: c.name, nsPerOp: median(samples.get(c.name)) }));
}

/** Same as compareSync for async candidates: `loop(state, n)` returns a promise. */
export async function compareAsync(candidates, { ops = QUICK ? 500 : 50_000, warmup = QUICK ? 1 : 3 } = {}) {
  const samples = new Map(candidates.map((c) => [c.name, []]));
  let sink = 0;
  for (let round = -warmup; round < ROUNDS; round++) {
    for (const c of candidates) {
      const state = await c.prepare();
      const start = nowNs();
      sink += Number(await c.loop(state, ops)) || 0;
      const elapsed = Number(nowNs() - start);
      if (round >= 0) samples.get(c.name).push(elapsed / ops);
    }
  }
  globalThis.__benchSink = sink;
  return candidates.map((c) => ({ candidate: c.name, nsPerOp: median(samples.get(c.name)) }));
}

/** Adds `op` and the ratio to `baseline` (a candidate name) to each result. */
export function withRatios(op, results, baseline) {
  const base = results.find((r) => r.candidate === baseline);
  if (!base) throw new Error(`baseline ${baseline} not among candidates`);
  return results.map((r) => ({ op, ...r, ratio: r.nsPerOp / base.nsPerOp }));
}

/** A goal line: `ratio <= limit` (or `>=` when `atLeast`). */
export function goal(text, ratio, limit, atLeast = false) {
  return { text, ratio, limit, atLeast, met: atLeast ? ratio >= limit : ratio <= limit };
}

/**
 * Compiles a fresh loop function from source, so every candidate gets its own call-site feedback.
 * `body` sees `s` (the prepared state), `i` and accumulates into `acc`.
 */
export function makeLoop(body) {
  return new Function(
    's',
    'n',
    `${uniqueTag()} let acc = 0; for (let i = 0; i < n; i++) { ${body} } return acc;`,
  );
}

export function makeAsyncLoop(body) {
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  return new AsyncFunction(
    's',
    'n',
    `${uniqueTag()} let acc = 0; for (let i = 0; i < n; i++) { ${body} } return acc;`,
  );
}

// V8 caches compiled code by source text: two `new Function` calls with the same source share one
// function and one set of type feedback, which is exactly the polymorphism makeLoop exists to avoid.
// A unique comment makes every loop's source distinct.
let loopCounter = 0;
function uniqueTag() {
  return `/* loop ${++loopCounter} */`;
}
