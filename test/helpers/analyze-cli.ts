/** `mapwatch analyze` run in-process with captured output, and the shape of a refused run. */
import { expect } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/main.js';

export async function cli(args: string[], stdin = '') {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), readStdin: async () => stdin };
  const started = performance.now();
  const code = await runCli(['analyze', ...args], io);
  return { code, out, err, ms: performance.now() - started };
}

/**
 * Bad input: exit 2, nothing on stdout, one line on stderr matching `message`, without a stack, and in
 * bounded time (generous: a hang, not a slow machine, is what it catches).
 */
export function expectRefused(r: Awaited<ReturnType<typeof cli>>, message: RegExp): void {
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe('');
  expect(r.err).toMatch(message);
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.ms).toBeLessThan(10_000);
}
