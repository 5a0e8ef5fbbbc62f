// Runs vitest on the Node that runs this script and ends with one plain summary line
// ("tests: N passed, N failed, N skipped") that CI can read whatever the runner prints.
// Arguments are passed to vitest. Exit code is vitest's.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

mkdirSync('test-results', { recursive: true });
const tag = `node${process.versions.node.split('.')[0]}`;
const out = `test-results/vitest-${tag}.json`;
const res = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
let summary = 'tests: no summary (vitest did not write its JSON report)';
try {
  const r = JSON.parse(readFileSync(out, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  summary = `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`;
} catch {
  // keep the fallback line
}
console.log(`${tag} ${summary}`);
process.exit(res.status ?? 1);
