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
      '.stryker-tmp*/**',
      'stryker.*.local.mjs',
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
  // Type-aware rules on the TypeScript sources and tests (the type checker sees what syntax cannot: a
  // floating promise, a method torn off its object, an assertion that changes nothing).
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  {
    // mapwatch hands on what user code threw, or a signal's reason, unchanged: a rejection with a
    // non-Error is the caller's own value, not ours to wrap.
    files: ['src/**/*.ts'],
    rules: { '@typescript-eslint/prefer-promise-reject-errors': 'off' },
  },
  {
    // The spec's steps (the Map constructor's adder, an iterator's next/return) and the wrappers of a
    // map's or cache's own methods take methods off their objects on purpose, to call them on the
    // object later with call/Reflect.apply.
    files: [
      'src/maps/options.ts',
      'src/maps/instrument.ts',
      'src/maps/instrument-subclass.ts',
      'src/maps/instrumented-map.ts',
      'src/maps/read-mostly-map.ts',
      'src/lru-cache/subscription.ts',
    ],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    // Tests feed hostile values on purpose: non-Error rejections, untyped JSON, methods taken off objects
    // to call them on something else, async callbacks that satisfy an async signature.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // Messages that quote whatever a hostile input holds; `await` on a value that may or may not be
      // a promise (one assertion for every map type).
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      '@typescript-eslint/await-thenable': 'off',
    },
  },
  // Code that runs in the page (Playwright's evaluate callbacks) sees the browser's globals.
  { files: ['test/browser/**'], languageOptions: { globals: globals.browser } },
  // The import rule of docs/architecture.md (test/lint-layers.test.ts proves each block bites).
  ...layer(
    [
      'src/maps/**',
      'src/sync/**',
      'src/stats/**',
      'src/registry.ts',
      'src/registry-snapshot.ts',
      'src/registry-option.ts',
    ],
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
    ['maps', 'sync', 'stats', 'registry', 'registry-snapshot', 'registry-option', 'export', 'pack', 'cli'],
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
