// Writes the mutation scores into docs/mutation.md from StrykerJS JSON reports (`npm run mutate:report`).
//
//   node scripts/mutation-report.mjs [report.json ...]     (default: reports/mutation/mutation.json)
//
// One row per mutated file, with the run's date (the report's modification time) and the command that
// reproduces it (read from the config the report records). A report replaces the rows of the files it
// mutated and leaves the others, so modules can be measured one run at a time. Then one row per module
// (a src/ directory, or a file directly under src/), summed over its file rows.
//
// Caught share = (killed + timed out) / (killed + timed out + survived + no coverage - equivalent).
// Equivalent mutants are the ones listed by hand in docs/mutation.md's table of equivalents (file:line:col
// and mutator); a listed mutant the tests kill, or that the report does not have although its file was
// mutated, is reported on stderr (the line moved, or it was not equivalent after all).
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const DOC = 'docs/mutation.md';
const SCORES = ['<!-- mutation-scores:start -->', '<!-- mutation-scores:end -->'];
const EQUIVALENTS = ['<!-- equivalent-mutants:start -->', '<!-- equivalent-mutants:end -->'];
const HEADER = [
  '| File | Mutants | Killed | Timed out | Survived | No coverage | Equivalent | Caught share | Date | Command |',
  '| ---- | ------: | -----: | --------: | -------: | ----------: | ---------: | -----------: | ---- | ------- |',
];

function between(text, [start, end]) {
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${DOC}: markers ${start} ... ${end} not found`);
  return {
    before: text.slice(0, a + start.length),
    inner: text.slice(a + start.length, b),
    after: text.slice(b),
  };
}

/** The cells of a markdown table row (`\\|` is a pipe inside a cell). */
const cells = (line) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/^`|`$/g, ''));

/**
 * `| \`src/x.ts:12:5\` | MutatorName | replacement | reason |` rows of the equivalents table. Where
 * several mutants of one mutator start at the same place (the operands of a chain of `&&`), the end is
 * given too: `src/x.ts:12:5-12:30`.
 */
function readEquivalents(text) {
  const list = [];
  for (const line of between(text, EQUIVALENTS).inner.split('\n')) {
    const [where, mutator, replacement] = cells(line);
    const m = /^(src\/\S+?):(\d+):(\d+)(?:-(\d+):(\d+))?$/.exec(where ?? '');
    if (!m) continue;
    const end = m[4] === undefined ? undefined : { line: Number(m[4]), column: Number(m[5]) };
    const text = replacement?.replace(/\\\|/g, '|');
    list.push({
      file: m[1],
      line: Number(m[2]),
      column: Number(m[3]),
      end,
      mutator,
      replacement: text,
      seen: false,
    });
  }
  return list;
}

const squash = (text) => String(text).replace(/\s+/g, ' ').trim();
/** The replacement cell, when not empty, must match too (a `true` and a `false` mutant share a place). */
const sameReplacement = (e, m) => !e.replacement || squash(e.replacement) === squash(m.replacement);
const sameEnd = (e, m) =>
  e.end === undefined || (e.end.line === m.location.end.line && e.end.column === m.location.end.column);

/** The file rows already in the doc, by file. */
function readRows(text) {
  const rows = new Map();
  for (const line of between(text, SCORES).inner.split('\n')) {
    const c = cells(line);
    if (c.length !== 10 || !c[0].startsWith('src/') || c[0].endsWith('/') || !/\.ts$/.test(c[0])) continue;
    const [file, total, killed, timeout, survived, noCoverage, equivalent, , date, command] = c;
    rows.set(file, {
      file,
      total: Number(total),
      killed: Number(killed),
      timeout: Number(timeout),
      survived: Number(survived),
      noCoverage: Number(noCoverage),
      equivalent: Number(equivalent),
      date,
      command,
    });
  }
  return rows;
}

async function defaultMutate() {
  try {
    const config = (await import(pathToFileURL('stryker.config.mjs').href)).default;
    return config.mutate ?? [];
  } catch {
    return [];
  }
}

/** The command that repeats the run (the CLI takes one comma-separated list per option). */
function commandOf(config, defaults) {
  const args = [];
  const mutate = config?.mutate ?? [];
  if (JSON.stringify(mutate) !== JSON.stringify(defaults)) args.push(`--mutate ${mutate.join(',')}`);
  const testFiles = config?.testFiles ?? [];
  if (testFiles.length > 0) args.push(`--testFiles ${testFiles.join(',')}`);
  return args.length ? `npm run mutate -- ${args.join(' ')}` : 'npm run mutate';
}

const caught = (r) => r.killed + r.timeout;
const counted = (r) => caught(r) + r.survived + r.noCoverage - r.equivalent;
const share = (r) => (counted(r) > 0 ? `${((100 * caught(r)) / counted(r)).toFixed(1)} %` : 'n/a');
const moduleOf = (file) => {
  const parts = file.split('/');
  return parts.length > 2 ? `${parts.slice(0, 2).join('/')}/` : file;
};

const reports = process.argv.slice(2);
if (reports.length === 0) reports.push('reports/mutation/mutation.json');

let doc = readFileSync(DOC, 'utf8');
const equivalents = readEquivalents(doc);
const rows = readRows(doc);
const defaults = await defaultMutate();
let problems = 0;

for (const path of reports) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  for (const e of equivalents) e.seen = false;
  const date = statSync(path).mtime.toISOString().slice(0, 10);
  const command = commandOf(report.config, defaults);
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const row = {
      file,
      total: 0,
      killed: 0,
      timeout: 0,
      survived: 0,
      noCoverage: 0,
      equivalent: 0,
      date,
      command,
    };
    for (const m of mutants) {
      const { line, column } = m.location.start;
      const eq = equivalents.find(
        (e) =>
          e.file === file &&
          e.line === line &&
          e.column === column &&
          e.mutator === m.mutatorName &&
          sameEnd(e, m) &&
          sameReplacement(e, m),
      );
      if (eq) eq.seen = true;
      if (m.status === 'CompileError' || m.status === 'RuntimeError' || m.status === 'Ignored') continue;
      row.total++;
      if (m.status === 'Killed') row.killed++;
      else if (m.status === 'Timeout') row.timeout++;
      else if (m.status === 'Survived') row.survived++;
      else if (m.status === 'NoCoverage') row.noCoverage++;
      if (eq && (m.status === 'Survived' || m.status === 'NoCoverage')) row.equivalent++;
      else if (eq) {
        problems++;
        console.error(
          `${file}:${line}:${column} ${m.mutatorName} is listed as equivalent but was ${m.status}`,
        );
      }
    }
    rows.set(file, row);
  }
  for (const e of equivalents) {
    if (!e.seen && report.files[e.file]) {
      problems++;
      console.error(
        `${e.file}:${e.line}:${e.column} ${e.mutator} is listed as equivalent but not in ${path}`,
      );
    }
  }
}

const files = [...rows.values()].sort((a, b) => a.file.localeCompare(b.file));
const modules = new Map();
for (const r of files) {
  const key = moduleOf(r.file);
  const m = modules.get(key) ?? {
    file: key,
    total: 0,
    killed: 0,
    timeout: 0,
    survived: 0,
    noCoverage: 0,
    equivalent: 0,
    dates: new Set(),
  };
  for (const k of ['total', 'killed', 'timeout', 'survived', 'noCoverage', 'equivalent']) m[k] += r[k];
  m.dates.add(r.date);
  modules.set(key, m);
}
const line = (r, name, date, command) =>
  `| ${name} | ${r.total} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.equivalent} | ${share(r)} | ${date} | ${command} |`;
const table = [
  '',
  'By module (sum of its file rows below):',
  '',
  ...HEADER,
  ...[...modules.values()].map((m) =>
    line(m, `**${m.file}**`, [...m.dates].sort().join(', '), 'the file rows'),
  ),
  '',
  'By file:',
  '',
  ...HEADER,
  ...files.map((r) => line(r, `\`${r.file}\``, r.date, `\`${r.command}\``)),
  '',
].join('\n');

const parts = between(doc, SCORES);
doc = `${parts.before}\n<!-- Generated by scripts/mutation-report.mjs from Stryker's JSON report: do not edit by hand. -->\n${table}${parts.after}`;
writeFileSync(DOC, doc);
console.log(`${DOC}: ${files.length} files, ${modules.size} modules`);
if (problems > 0) process.exitCode = 1;
