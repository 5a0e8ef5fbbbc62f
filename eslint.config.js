// typescript-eslint 8 supports TypeScript < 6.1, which is why the project pins typescript ~6.0
// (typescript@7's native compiler is not yet supported by typescript-eslint).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-check/**',
      'node_modules/**',
      'test-results/**',
      'coverage/**',
      '.stryker-tmp/**',
      'reports/**',
      'test/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      // Node's globals from the `globals` package, not a hand-kept list.
      globals: globals.node,
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Code that runs in the page (Playwright's evaluate callbacks) sees the browser's globals.
  { files: ['test/browser/**'], languageOptions: { globals: globals.browser } },
  // The import rule of docs/architecture.md (test/lint-layers.test.ts proves each block bites).
  ...layer(
    ['src/maps/**', 'src/sync/**', 'src/stats/**', 'src/registry.ts', 'src/registry-snapshot.ts'],
    ['detect', 'export', 'pack', 'cli'],
    'instrumentation (maps/, sync/, stats/, the registry) imports nothing from detect/, export/, pack/ or cli/',
  ),
  ...layer(
    ['src/pack/**'],
    ['cli', 'rule-tests'],
    'the pack imports nothing from cli/ (the CLI calls the pack), and only render-alerts.ts loads the test generator',
    ['src/pack/render-alerts.ts', 'src/pack/rule-tests/**'],
  ),
  ...layer(
    ['src/pack/render-alerts.ts', 'src/pack/rule-tests/**'],
    ['cli'],
    'the pack imports nothing from cli/: the CLI calls the pack',
  ),
  ...layer(
    ['src/detect/**'],
    ['maps', 'sync', 'stats', 'registry', 'registry-snapshot', 'export', 'pack', 'cli'],
    'the detector imports no runtime code (types only): it is a pure function of its observations',
    ['src/detect/monitor.ts'],
  ),
);

/**
 * One layer of the import rule: files matching `files` may not import, other than as types, any module
 * under the named top-level parts of src/ (folders or single modules), from whatever depth.
 */
function layer(files, forbidden, why, ignores = []) {
  const group = forbidden.flatMap((part) =>
    ['./', '../', '../../'].flatMap((up) => [`${up}${part}/*`, `${up}${part}/**`, `${up}${part}.js`]),
  );
  return [
    {
      files,
      ignores,
      rules: {
        '@typescript-eslint/no-restricted-imports': [
          'error',
          { patterns: [{ group, allowTypeImports: true, message: `${why} (docs/architecture.md)` }] },
        ],
      },
    },
  ];
}
