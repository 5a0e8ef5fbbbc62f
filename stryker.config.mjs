// StrykerJS 9.6 (the last line that runs on Node 20) with the vitest runner: `npm run mutate`.
// Arguments pass through, e.g. `npm run mutate -- --mutate src/export/samples.ts`. How to read the
// results and the equivalent mutants: docs/mutation.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  // The runner forces vitest's threads pool, so vitest's `execArgv` cannot apply; the GC tests get
  // `--expose-gc` from the worker process itself.
  testRunnerNodeArgs: ['--expose-gc'],
  coverageAnalysis: 'perTest',
  mutate: [
    'src/maps/**/*.ts',
    'src/registry.ts',
    'src/stats/**/*.ts',
    'src/sync/**/*.ts',
    'src/export/**/*.ts',
    'src/detect/**/*.ts',
  ],
  // Other runs' sandboxes (a second run with its own tempDirName) and reports are not project files.
  ignorePatterns: [
    'dist',
    'dist-check',
    'test-results',
    'coverage',
    '.stack',
    '*.tgz',
    '.stryker-tmp*',
    'reports',
  ],
  // Two workers: mutation runs share the machine with everything else.
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
