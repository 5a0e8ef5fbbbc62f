/**
 * The `mapwatch` dispatcher: global options (--help, --version), the top-level help against each
 * command's own --help, and bad usage (one line on stderr, exit 2). The installed bin is exercised
 * end to end by test/package/install.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_COMMANDS, help, runCli, type CliIo } from '../src/cli/main.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: (t) => (err += t), readStdin: async () => '' };
  const code = await runCli(args, io);
  return { code, out, err };
}

/** Long options (`--name`) mentioned in a help text. */
function longOptions(text: string): string[] {
  return [...new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]))].sort();
}

describe('mapwatch (global options and dispatch)', () => {
  it.each([['--version'], ['-V']])('%s prints the package version and exits 0', async (flag) => {
    const r = await cli([flag]);
    expect(r).toEqual({ code: 0, out: `${pkg.version}\n`, err: '' });
  });

  it.each([['--help'], ['-h'], ['help']])('%s prints the top-level help and exits 0', async (flag) => {
    const r = await cli([flag]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toBe(help());
    for (const option of ['--help', '-h', '--version', '-V']) expect(r.out).toContain(option);
  });

  it("lists every command with every option of the command's own --help", async () => {
    const top = help();
    const names = Object.keys(CLI_COMMANDS);
    expect(names.sort()).toEqual(['analyze', 'dashboards', 'rules']);
    for (const name of names) {
      const own = await cli([name, '--help']);
      expect(own.code, name).toBe(0);
      // The command's block, as the top-level help prints it.
      const block = CLI_COMMANDS[name]!.help;
      expect(top).toContain(block);
      expect(block).toMatch(new RegExp(`^  ${name}\\b`));
      const missing = longOptions(own.out).filter((o) => o !== '--help' && !longOptions(block).includes(o));
      expect(missing, `options of mapwatch ${name} --help missing from mapwatch --help`).toEqual([]);
    }
    expect(longOptions(CLI_COMMANDS.analyze!.help)).toEqual(
      expect.arrayContaining(['--time-scale', '--prometheus', '--json', '--plot', '--selector']),
    );
  });

  it.each([[['help', 'rules']], [['--help', 'rules']], [['rules', '-h']]])(
    '%j prints the command help',
    async (args) => {
      const r = await cli(args);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^usage: mapwatch rules /);
    },
  );

  it.each([
    [[], /^mapwatch: missing command \(analyze, rules, dashboards\); see mapwatch --help$/],
    [['bogus'], /^mapwatch: unknown command 'bogus' \(expected analyze, rules, dashboards\)/],
    [['--bogus'], /^mapwatch: unknown argument '--bogus'; see mapwatch --help$/],
    [['-x', 'rules'], /^mapwatch: unknown argument '-x'/],
    [['--version=2'], /^mapwatch: --version takes no value/],
    [['--version', 'rules'], /^mapwatch: --version takes no command/],
    [['help', 'bogus'], /^mapwatch: unknown command 'bogus'/],
    [['rules', 'extra'], /^mapwatch rules: unexpected argument 'extra'/],
    [['dashboards', '--out'], /^mapwatch dashboards: --out needs a value/],
    [['dashboards', '--out='], /^mapwatch dashboards: --out needs a value/],
    [['rules', '--help=yes'], /^mapwatch rules: --help takes no value/],
    [['analyze', '--nope'], /^mapwatch analyze: unknown option '--nope'/],
  ])('%j exits 2 with one line on stderr', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.endsWith('\n')).toBe(true);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err.trimEnd()).toMatch(message);
  });
});
