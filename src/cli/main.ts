/** Command table, global options (--help, --version) and dispatch for the `mapwatch` CLI. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads all of standard input (for `-` arguments). */
  readStdin: () => Promise<string>;
}

/** A command module exports `run(args, io)` resolving to an exit code. */
export type CliCommand = (args: string[], io: CliIo) => Promise<number>;

export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * The commands. `help` is the command's block in `mapwatch --help`: every option the command takes
 * (test/cli.test.ts checks it against the command's own --help). Each module is loaded only when its
 * command runs, so `mapwatch rules` never pulls in the detector and vice versa.
 */
export const CLI_COMMANDS: Record<string, { help: string; load: () => Promise<CliCommand> }> = {
  analyze: {
    help: `  analyze <file|->         replay recorded map series (a Prometheus query_range JSON or a timestamp,value
                           CSV; - reads standard input) through the leak detector, one row per map
      --json               print JSON rows instead of the table
      --plot FILE          also write an SVG of entries per map, marked where growing and leak were seen
      --time-scale N       stretch time by N, so that a capture of minutes is judged as hours
      --max-input-mb N     refuse inputs over N MiB (default 64)
      --prometheus URL     read a live Prometheus (/api/v1/query_range) instead of a file, with
        --selector {...}   label matchers such as '{job="api"}'
        --range DURATION   how far back from --end (default 24h)
        --step DURATION    resolution (default 60s)
        --end TIME         RFC 3339 or Unix seconds (default now)
        --timeout DURATION per request (default 30s)
`,
    load: async () => (await import('./analyze.js')).run,
  },
  rules: {
    help: `  rules                    write the Prometheus alert rules, the PrometheusRule manifest, an Alertmanager
                           example, the runbook and the promtool tests
      --config FILE        a partial pack config (JSON) merged over the defaults
      --preset default|fast  which defaults (fast: seconds-scale windows for end-to-end tests)
      --target ENGINE      rule flavour: prometheus (2.42+, default), prometheus3 or vmalert
      --out DIR            output directory (default alerts)
`,
    load: async () => (await import('./rules.js')).run,
  },
  dashboards: {
    help: `  dashboards               write the Grafana dashboards (JSON)
      --config FILE        a partial pack config (JSON) merged over the defaults
      --preset default|fast  which defaults
      --out DIR            output directory (default dashboards)
`,
    load: async () => (await import('./dashboards.js')).run,
  },
};

const COMMAND_LIST = Object.keys(CLI_COMMANDS).join(', ');
const SEE_HELP = 'see mapwatch --help';

export function help(): string {
  return `usage: mapwatch <command> [options]
       mapwatch --version | --help

Commands (mapwatch <command> --help has each command's full help):
${Object.values(CLI_COMMANDS)
  .map((c) => c.help)
  .join('')}
Global options:
  -h, --help               this help
  -V, --version            print the version of mapwatch

Exit codes: 0 success, 1 failure while running, 2 bad usage or bad input (one line on stderr says why).
`;
}

/** The version in the package.json next to this module's package (dist/cli or src/cli, two levels up). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return String(pkg.version);
}

/**
 * One line for an error thrown by `node:util` parseArgs, naming the argument at fault (its own messages
 * run over several lines); the error's message for anything else.
 */
export function describeArgError(err: unknown): string {
  const e = err as Error & { code?: string };
  const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1];
  // parseArgs names options as '-o, --out <value>' or '--out <value>': keep the long name.
  const option = quoted?.split(/[ ,]+/).find((p) => p.startsWith('--')) ?? quoted;
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown argument '${quoted}'`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${quoted}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(e.message)
        ? `${option} takes no value`
        : `${option} needs a value`;
    default:
      return String(e.message ?? err).split('\n')[0]!;
  }
}

export const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

async function dispatch(name: string, args: string[], io: CliIo): Promise<number> {
  const command = CLI_COMMANDS[name];
  if (!command) {
    io.stderr(`mapwatch: unknown command '${name}' (expected ${COMMAND_LIST}); ${SEE_HELP}\n`);
    return 2;
  }
  try {
    return await (
      await command.load()
    )(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`mapwatch ${name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/**
 * `mapwatch [global options] <command> [command options]`. Global options come before the command; the
 * command parses everything after its name.
 */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const globals = at === -1 ? argv : argv.slice(0, at);
  const name = at === -1 ? undefined : argv[at];
  const rest = at === -1 ? [] : argv.slice(at + 1);
  let flags: { help?: boolean; version?: boolean };
  try {
    flags = parseArgs({
      args: globals,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    }).values;
  } catch (err) {
    io.stderr(`mapwatch: ${describeArgError(err)}; ${SEE_HELP}\n`);
    return 2;
  }
  if (name === 'help' || flags.help) {
    // `mapwatch help`, `mapwatch --help`, and `mapwatch help <command>` / `mapwatch --help <command>`.
    const topic = name === 'help' ? rest[0] : name;
    if (topic === undefined) {
      io.stdout(help());
      return 0;
    }
    return dispatch(topic, ['--help'], io);
  }
  if (flags.version) {
    if (name !== undefined) {
      io.stderr(`mapwatch: --version takes no command (got '${name}'); ${SEE_HELP}\n`);
      return 2;
    }
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  if (name === undefined) {
    io.stderr(`mapwatch: missing command (${COMMAND_LIST}); ${SEE_HELP}\n`);
    return 2;
  }
  return dispatch(name, rest, io);
}
