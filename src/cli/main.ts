/** Command table and dispatch for the `mapwatch` CLI. */

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

export const CLI_COMMANDS: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  analyze: {
    summary:
      'analyze <query_range.json|file.csv|-> [--json] [--plot out.svg]   replay series through the leak detector',
    load: async () => (await import('./analyze.js')).run,
  },
  rules: {
    summary:
      'rules [--config file] [--out dir]   write the Prometheus alert rules, PrometheusRule and runbook',
    load: async () => (await import('./rules.js')).run,
  },
  dashboards: {
    summary: 'dashboards [--config file] [--out dir]   write the Grafana dashboards',
    load: async () => (await import('./dashboards.js')).run,
  },
};

export function usage(): string {
  const lines = Object.values(CLI_COMMANDS).map((c) => `  mapwatch ${c.summary}`);
  return `usage:\n${lines.join('\n')}\n`;
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

export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? 2 : 0;
  }
  const command = CLI_COMMANDS[name];
  if (!command) {
    io.stderr(`mapwatch: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  try {
    return await (
      await command.load()
    )(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`mapwatch ${name}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
