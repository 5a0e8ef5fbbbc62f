/**
 * The import rule of docs/architecture.md is enforced by `npm run lint`. Each fixture in
 * test/fixtures/layers breaks it for one layer; linted with the project's own config as if it sat in
 * that layer, it must fail with the rule's message. The same import as a type only, and the file at a
 * path the rule does not cover, must pass.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = `${root}/test/fixtures/layers`;
// The fixtures are linted at paths that do not exist, which the type-aware rules' project service cannot
// load: their rules are switched off here (the import rule needs no types).
const eslint = new ESLint({ cwd: root, overrideConfig: tseslint.configs.disableTypeChecked });

async function ruleMessages(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${filePath}` });
  return result!.messages
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

describe('the import rule', () => {
  const fixtures = readdirSync(dir).filter((f) => f.endsWith('.ts.txt'));

  it('has a fixture for each layer', () => {
    expect(fixtures.sort()).toEqual([
      'detector.ts.txt',
      'instrumentation.ts.txt',
      'pack-generator.ts.txt',
      'pack.ts.txt',
    ]);
  });

  for (const file of fixtures) {
    it(`fails the lint for ${file}, passes as a type import or outside the layer`, async () => {
      const code = readFileSync(`${dir}/${file}`, 'utf8');
      const path = /^\/\/ as (\S+)/.exec(code)![1]!;
      const broken = await ruleMessages(code, path);
      expect(broken).toHaveLength(1);
      expect(broken[0]).toMatch(/docs\/architecture\.md/);

      const typeOnly = code
        .replace(/^import \{ (\w+) \}/m, 'import type { $1 }')
        .replace(/= (\w+);/, '= null as unknown as typeof $1;');
      expect(await ruleMessages(typeOnly, path)).toEqual([]);
      // The CLI may import anything.
      expect(await ruleMessages(code, path.replace(/^src\/\w+\//, 'src/cli/'))).toEqual([]);
    });
  }
});
