// Vitest config for mutation testing (`npm run mutate`, see docs/mutation.md). StrykerJS 9 runs vitest
// in its threads pool, so this config sets neither `pool` nor `execArgv`: `--expose-gc` reaches the
// worker through Stryker's `testRunnerNodeArgs` (stryker.config.mjs). Suites that pack, spawn processes
// or drive a browser test dist/ or other programs, not the mutated sources, and are left out.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      '**/node_modules/**',
      'test/e2e/**',
      'test/browser/**',
      'test/package/**',
      'test/otel-sdk3/**',
      'test/cli.test.ts',
      'test/demo.test.ts',
      'test/docs.test.ts',
      'test/zz-*.test.ts',
    ],
    // Instrumented code runs several times slower than the original: the heaviest tests need the room.
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
