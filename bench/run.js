// `npm run bench`: runs every benchmark section in one process and writes bench/RESULTS.md.
// BENCH_QUICK=1 runs each benchmark briefly to check it works, and leaves RESULTS.md alone.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { QUICK } from './harness.js';

// One module per section (bench/<name>.js, see harness.js for its shape), run in this order.
const SECTIONS = ['maps', 'lifecycle', 'survival', 'sdk', 'locks', 'scrape', 'detector', 'lru-cache'];

function fmt(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} ms`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} µs`;
  return `${n.toFixed(1)} ns`;
}

const only = process.argv.slice(2);
const out = [];
let unmet = 0;
for (const name of SECTIONS) {
  if (only.length && !only.includes(name)) continue;
  // Garbage left by one section must not be collected in the middle of the next one's timing.
  globalThis.gc?.();
  const mod = await import(`./${name}.js`);
  const section = await mod.run();
  const lines = [`## ${section.title}`, '', '| op | candidate | time/op | ratio |', '|---|---|---:|---:|'];
  for (const r of section.rows)
    // A row that is not a time (bytes, say) carries its own text in `shown`.
    lines.push(`| ${r.op} | ${r.candidate} | ${r.shown ?? fmt(r.nsPerOp)} | ${r.ratio.toFixed(2)}× |`);
  if (section.goals.length) {
    lines.push('', '| goal | measured | met |', '|---|---:|---|');
    for (const g of section.goals) {
      lines.push(
        `| ${g.text} | ${g.ratio.toFixed(2)}${g.unit ?? (g.atLeast ? '' : '×')} | ${g.met ? 'yes' : '**no**'} |`,
      );
      if (!g.met) unmet++;
    }
  }
  for (const n of section.notes ?? []) lines.push('', `- ${n}`);
  const block = lines.join('\n');
  console.log(`${block}\n`);
  out.push(block);
}

if (!QUICK && only.length === 0) {
  const header = [
    '# Benchmark results',
    '',
    `Command: \`npm run bench\` · Node ${process.version} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} · ${new Date().toISOString().slice(0, 10)}`,
    '',
    'Every figure is the median of interleaved rounds in one process; ratios compare candidates measured side by side in the same run, so they travel between machines better than absolute times. Absolute times vary with the machine.',
    '',
  ];
  writeFileSync(new URL('./RESULTS.md', import.meta.url), `${header.join('\n')}\n${out.join('\n\n')}\n`);
  console.log('wrote bench/RESULTS.md');
}
if (QUICK) console.log('quick mode: every benchmark ran; its figures are too short to judge goals by');
else console.log(unmet === 0 ? 'all benchmark goals met' : `${unmet} benchmark goal(s) not met`);
