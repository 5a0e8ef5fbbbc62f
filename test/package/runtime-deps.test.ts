/**
 * Everything a shipped entry point loads at run time must be installable from the package's own
 * manifest: the bin (`mapwatch`) may import Node builtins, `dependencies` and required peers only; each
 * export subpath may import, besides those, only the optional peers it exists for (`mapwatch/prometheus`
 * prom-client, `mapwatch/express` express and prom-client). devDependencies are never there for a user.
 *
 * The import graph is walked over the JavaScript TypeScript emits for each source file (so that
 * `import type` is gone and `import { type X }` is kept exactly as the compiled output keeps it),
 * following relative imports, static and dynamic, from the file behind each `bin` and `exports` entry.
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  exports: Record<string, string | { types?: string; default?: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

const OPTIONAL_PEERS_BY_SUBPATH: Record<string, string[]> = {
  './prometheus': ['prom-client'],
  './express': ['express', 'prom-client'],
};

const runtime = new Set([
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}).filter((p) => !pkg.peerDependenciesMeta?.[p]?.optional),
]);

/** `./dist/x/y.js` -> `<repo>/src/x/y.ts` (tsconfig.build.json maps src/ to dist/). */
function sourceOf(distPath: string): string {
  const m = /^\.\/dist\/(.+)\.js$/.exec(distPath);
  if (!m) throw new Error(`${distPath} is not a ./dist/*.js path`);
  return join(REPO, 'src', `${m[1]}.ts`);
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Bare specifiers (package names) reachable from `entry`, each with the first file importing it. */
function bareImports(entry: string): Map<string, string> {
  const found = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [entry];
  // Bounded: each source file is visited once, and src/ has well under this many.
  for (let steps = 0; queue.length > 0; steps++) {
    if (steps > 2000) throw new Error('import graph walk did not finish within 2000 files');
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!existsSync(file)) throw new Error(`${relative(REPO, file)} is imported but does not exist`);
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    }).outputText;
    for (const { fileName: spec } of ts.preProcessFile(js, true, true).importedFiles) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!found.has(packageName(spec))) found.set(packageName(spec), relative(REPO, file));
    }
  }
  return found;
}

function isBuiltin(name: string): boolean {
  return name.startsWith('node:') || builtinModules.includes(name);
}

/** "pkg (imported by file)" for each import `allowed` does not cover. */
function outside(imports: Map<string, string>, allowed: Set<string>): string[] {
  return [...imports]
    .filter(([name]) => !isBuiltin(name) && !allowed.has(name))
    .map(([name, by]) => `${name} (imported by ${by})`);
}

describe('runtime dependencies of the shipped entry points', () => {
  it.each(Object.entries(pkg.bin))(
    'bin %s imports only builtins, dependencies and required peers',
    (_name, target) => {
      const imports = bareImports(sourceOf(target));
      expect(outside(imports, runtime)).toEqual([]);
      // The pack commands write YAML: the walk does see it, so it is not vacuous.
      expect([...imports.keys()]).toContain('yaml');
    },
  );

  const subpaths = Object.entries(pkg.exports).filter(([subpath]) => subpath !== './package.json');

  it('covers every export subpath', () => {
    expect(subpaths.map(([s]) => s).sort()).toEqual(
      ['.', './conventions', './express', './lru-cache', './otel', './prometheus'].sort(),
    );
  });

  it.each(subpaths)('%s imports only what its users install', (subpath, target) => {
    const js = typeof target === 'string' ? target : target.default!;
    const allowed = new Set([...runtime, ...(OPTIONAL_PEERS_BY_SUBPATH[subpath] ?? [])]);
    expect(outside(bareImports(sourceOf(js)), allowed)).toEqual([]);
  });

  it.each(subpaths)('%s never loads yaml (only the pack commands do, as the README says)', (_s, target) => {
    const js = typeof target === 'string' ? target : target.default!;
    expect([...bareImports(sourceOf(js)).keys()]).not.toContain('yaml');
  });

  it('yaml is a runtime dependency, and no devDependency is also one', () => {
    const manifest = pkg as typeof pkg & { devDependencies?: Record<string, string> };
    expect(Object.keys(manifest.dependencies ?? {})).toContain('yaml');
    const both = Object.keys(manifest.devDependencies ?? {}).filter(
      (d) => d in (manifest.dependencies ?? {}),
    );
    expect(both).toEqual([]);
  });
});
