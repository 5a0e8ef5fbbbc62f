// `npm run bench`: runs every benchmark section and writes bench/RESULTS.md. Each section's candidates
// are measured side by side in this process; the lifecycle section also runs on Node 24, in a second
// process (npx -p node@24), since what a map per request costs is mostly V8's price for a
// FinalizationRegistry entry, which differs between Node lines.
// BENCH_QUICK=1 runs each benchmark briefly to check it works, and leaves RESULTS.md alone.
// `node bench/run.js <section>...` runs some sections and prints them, writing nothing; `--json` prints
// them as JSON lines (how the Node 24 process hands its sections back).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { QUICK } from './harness.js';

// One module per section (bench/<name>.js, see harness.js for its shape), run in this order.
const SECTIONS = ['maps', 'lifecycle', 'survival', 'sdk', 'locks', 'scrape', 'detector', 'lru-cache'];
/** Sections also measured on another Node line, and that line (an npm `node` package version). */
const OTHER_NODE = { version: '24', sections: ['lifecycle'] };
const JSON_PREFIX = '@@bench-section ';
/** This process's Node major version, as OTHER_NODE.version spells it. */
const NODE_LINE = process.versions.node.split('.')[0];

// JSON has no NaN or Infinity (a ratio of 0/0 would arrive as null): they travel as strings.
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);
const encode = (_key, value) =>
  typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
const decode = (_key, value) => (NON_FINITE.has(value) ? Number(value) : value);

function fmt(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} ms`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} µs`;
  return `${n.toFixed(1)} ns`;
}

/** A section as markdown, and how many of its goals are unmet. */
function render(section) {
  const lines = [`## ${section.title}`];
  if (section.rows.length) lines.push('', '| op | candidate | time/op | ratio |', '|---|---|---:|---:|');
  for (const r of section.rows)
    // A row that is not a time (bytes, say) carries its own text in `shown`.
    lines.push(`| ${r.op} | ${r.candidate} | ${r.shown ?? fmt(r.nsPerOp)} | ${r.ratio.toFixed(2)}× |`);
  let unmet = 0;
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
  return { block: lines.join('\n'), unmet };
}

/**
 * The OTHER_NODE sections, run by that Node line in a child process. When the child cannot run (no npm
 * registry, say) a section says why, so RESULTS.md never silently lacks it, and the run exits non-zero.
 */
function otherNodeSections() {
  const script = fileURLToPath(new URL('./run.js', import.meta.url));
  const child = spawnSync(
    'npx',
    [
      '-y',
      '-p',
      `node@${OTHER_NODE.version}`,
      'node',
      '--expose-gc',
      script,
      '--json',
      ...OTHER_NODE.sections,
    ],
    { encoding: 'utf8', timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024, env: process.env },
  );
  let sections = [];
  let why;
  try {
    sections = (child.stdout ?? '')
      .split('\n')
      .filter((line) => line.startsWith(JSON_PREFIX))
      .map((line) => JSON.parse(line.slice(JSON_PREFIX.length), decode));
  } catch (error) {
    why = `unreadable output: ${error.message}`;
  }
  const wrongNode = sections.find((s) => s.nodeLine !== OTHER_NODE.version);
  if (wrongNode !== undefined) why = `ran on Node ${wrongNode.nodeLine}, not ${OTHER_NODE.version}`;
  if (why === undefined && child.status === 0 && sections.length === OTHER_NODE.sections.length)
    return sections;
  const errors = (child.stderr ?? '').split('\n').filter((line) => /error/i.test(line));
  why ??= child.error?.message ?? `exit ${child.status}: ${errors[0] ?? 'no section printed'}`;
  process.exitCode = 1;
  return [
    {
      title: `${OTHER_NODE.sections.join(', ')} on Node ${OTHER_NODE.version}: not measured`,
      rows: [],
      goals: [],
      notes: [`The Node ${OTHER_NODE.version} run failed (${why}).`],
    },
  ];
}

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const only = args.filter((a) => a !== '--json');
const out = [];
let unmet = 0;
const emit = (section) => {
  if (asJson) {
    // The parent checks which Node line measured it.
    console.log(`${JSON_PREFIX}${JSON.stringify({ ...section, nodeLine: NODE_LINE }, encode)}`);
    return;
  }
  const { block, unmet: missed } = render(section);
  unmet += missed;
  console.log(`${block}\n`);
  out.push(block);
};

for (const name of SECTIONS) {
  if (only.length && !only.includes(name)) continue;
  // Garbage left by one section must not be collected in the middle of the next one's timing.
  globalThis.gc?.();
  const mod = await import(`./${name}.js`);
  const section = await mod.run();
  if (OTHER_NODE.sections.includes(name)) section.title += ` (Node ${process.version})`;
  emit(section);
}

// A full run (quick mode too, so CI knows the full run will work) adds the other Node line's sections,
// unless this process is that line already.
const full = only.length === 0 && !asJson;
if (full && NODE_LINE !== OTHER_NODE.version) for (const section of otherNodeSections()) emit(section);
if (full && !QUICK) {
  const header = [
    '# Benchmark results',
    '',
    `Command: \`npm run bench\` · Node ${process.version} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} · ${new Date().toISOString().slice(0, 10)}`,
    '',
    'Every figure is the median of interleaved rounds in one process (the Node 24 section in a process of its own); ratios compare candidates measured side by side in the same run, so they travel between machines better than absolute times. Absolute times vary with the machine.',
    '',
  ];
  writeFileSync(new URL('./RESULTS.md', import.meta.url), `${header.join('\n')}\n${out.join('\n\n')}\n`);
  console.log('wrote bench/RESULTS.md');
}
// In JSON mode stdout is the parent's to read: nothing more goes there.
if (!asJson && QUICK)
  console.log('quick mode: every benchmark ran; its figures are too short to judge goals by');
else if (!asJson) console.log(unmet === 0 ? 'all benchmark goals met' : `${unmet} benchmark goal(s) not met`);
