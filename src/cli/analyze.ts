/**
 * `mapwatch analyze <file|-> [--json] [--plot out.svg] [--time-scale N]`: replays recorded entry
 * counts (a Prometheus query_range JSON, or a timestamp,value CSV) through the leak detector.
 * Exit 0 when it ran (whatever the verdicts), 2 on bad usage or bad input.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { formatCount } from '../detect/format.js';
import { InputError, formatLabels, parseSeriesText } from '../detect/parse.js';
import { plotSvg } from '../detect/plot.js';
import { replay, type ReplayResult } from '../detect/replay.js';
import { UsageError, type CliIo } from './main.js';

const USAGE =
  'usage: mapwatch analyze <query_range.json|file.csv|-> [--json] [--plot out.svg] [--time-scale N]';

interface Args {
  file: string;
  json: boolean;
  plot: string | undefined;
  timeScale: number;
}

function parseArgs(args: string[]): Args {
  let file: string | undefined;
  let json = false;
  let plot: string | undefined;
  let timeScale = 1;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a === '--plot') {
      plot = args[++i];
      if (plot === undefined || plot.startsWith('--'))
        throw new UsageError(`--plot needs an output file (out.svg)\n${USAGE}`);
    } else if (a === '--time-scale') {
      const v = Number(args[++i]);
      if (!(v > 0) || !Number.isFinite(v))
        throw new UsageError(`--time-scale needs a positive number\n${USAGE}`);
      timeScale = v;
    } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option '${a}'\n${USAGE}`);
    else if (file !== undefined) throw new UsageError(`one input only, got '${file}' and '${a}'\n${USAGE}`);
    else file = a;
  }
  if (file === undefined) throw new UsageError(`missing input file (use - for standard input)\n${USAGE}`);
  return { file, json, plot, timeScale };
}

async function readInput(file: string, io: CliIo): Promise<string> {
  if (file === '-') return io.readStdin();
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new UsageError(
      `cannot read '${file}': ${why}; expected a query_range JSON or a timestamp,value CSV`,
    );
  }
}

export async function run(args: string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const opts = parseArgs(args);
  const text = await readInput(opts.file, io);
  const source = opts.file === '-' ? 'stdin' : opts.file;
  let series;
  try {
    series = parseSeriesText(text, source);
  } catch (err) {
    if (err instanceof InputError) throw new UsageError(err.message);
    throw err;
  }
  const results = series.map((s) => replay(s, { timeScale: opts.timeScale }));
  if (opts.plot !== undefined) await writeFile(opts.plot, plotSvg(series, results));
  if (opts.json) {
    const out = results.map(
      ({ series: labels, suspect, firstFlaggedAt, suspectNow, growthRate, reason }) => ({
        series: labels,
        suspect,
        firstFlaggedAt,
        suspectNow,
        growthRate,
        reason,
      }),
    );
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout(table(results));
  }
  return 0;
}

function table(results: readonly ReplayResult[]): string {
  if (results.length === 0) return 'no series in the input\n';
  const rows = results.map((r) => [
    formatLabels(r.series),
    r.suspectNow ? 'LEAK' : r.suspect ? 'was flagged' : 'ok',
    `${r.growthRate >= 0 ? '+' : ''}${formatCount(r.growthRate * 3600)}/h`,
    r.firstFlaggedAt === null ? '-' : new Date(r.firstFlaggedAt).toISOString(),
    r.reason,
  ]);
  const head = ['series', 'verdict', 'growth', 'first flagged', 'reason'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string =>
    r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [fmt(head), ...rows.map(fmt)].join('\n') + '\n';
}
