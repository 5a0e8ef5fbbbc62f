/**
 * `mapwatch analyze`: replays recorded map series (a Prometheus query_range JSON, a timestamp,value
 * CSV, or a live Prometheus via --prometheus) through the same detector path as the in-process
 * monitor. Exit 0 when it ran (whatever the verdicts), 2 on bad usage or bad input.
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { METRICS } from '../conventions.js';
import { formatCount } from '../detect/format.js';
import {
  InputError,
  MAX_TIME_MS,
  MIN_TIME_MS,
  formatLabels,
  groupRows,
  parseMatrix,
  parseSeriesText,
  type ParsedInput,
  type SkipCounts,
} from './analyze/parse.js';
import { isoTime, plotSvg } from './analyze/plot.js';
import { MAX_TIME_SCALE, replay, type ReplayResult } from './analyze/replay.js';
import { UsageError, processIo, type CliIo } from './main.js';
import {
  DEFAULT_SELECTOR,
  DEFAULT_TIMEOUT_MS,
  MAX_POINTS_PER_REQUEST,
  MAX_TIMEOUT_MS,
  PrometheusSourceError,
  buildSelector,
  fetchQueryRange,
  parseDuration,
  parseTime,
} from './prometheus-source.js';

const DEFAULT_MAX_INPUT_MB = 64;

const USAGE =
  'usage: mapwatch analyze <query_range.json|file.csv|-> [options]\n' +
  '       mapwatch analyze --prometheus URL [--selector {job="api"}] [--range 24h] [--step 60s] [--end TIME] [options]';

export const HELP = `${USAGE}

Replays recorded map series through the leak detector, point by point, with the same detector path as
the in-process monitor (startLeakDetection), and prints one row per map: its final state (collecting,
ok, growing, leak), growth, when it first reached growing and leak, and the reason.

Input (one of):
  <file>                a Prometheus /api/v1/query_range response (resultType "matrix"), or a
                        "timestamp,value" CSV of entries (Unix seconds, or ms when >= 1e11; optional header)
  -                     the same, from standard input
  --prometheus URL      query a Prometheus HTTP API (/api/v1/query_range) instead

The JSON may hold any subset of these families; only ${METRICS.entries.name} is required:
  ${METRICS.entries.name} (summed over map_kind), ${METRICS.inserts.name},
  ${METRICS.deletes.name} (summed over cause), ${METRICS.instances.name},
  ${METRICS.oldestSampledAge.name}, ${METRICS.sampledNeverRead.name},
  ${METRICS.declaredMaxEntries.name}, ${METRICS.declaredTtl.name}
(the never-read ratio is accepted and grouped, but the detector's Observation has no field for it yet).
Series are grouped by their labels without __name__, map_kind and cause: one row per map. A series
without __name__ (e.g. the result of sum(...)) counts as entries; other metric names are ignored (a note
says so). At each entries timestamp every other family contributes its latest value at or before it,
if that value is at most 5 minutes old (Prometheus' default lookback delta); an older one counts as absent.
Points are sorted by time; of duplicate timestamps the last one wins. NaN, +Inf/-Inf, negative and
over-2^53 values are skipped and counted in a note on stderr. Timestamps outside 1970..2200 are refused.

Options:
  --json                print JSON rows: { series, state, suspect, firstFlaggedAt, firstGrowingAt,
                        growthRate, reason }. suspect: leak was reached at any point; times in ms since
                        epoch or null; growthRate in entries per second
  --plot FILE           also write an SVG: entries per map, marked where growing and leak were first seen
  --time-scale N        stretch time by N (0 < N <= ${MAX_TIME_SCALE}) before the detector sees it, so that a
                        capture of minutes is judged as hours (ages and TTLs stretch too); times and rates
                        are reported in the input's own time, the reason in the stretched time. Default 1
  --max-input-mb N      refuse inputs (file, stdin or Prometheus answers) over N MiB. Default ${DEFAULT_MAX_INPUT_MB}
  -h, --help            this help

With --prometheus:
  --selector {...}      label matchers added to the family selector, e.g. '{job="api",map_name="sessions"}'
                        (default selector: ${DEFAULT_SELECTOR})
  --range DURATION      how far back from --end, e.g. 6h, 24h, 7d. Default 24h
  --step DURATION       resolution, e.g. 15s, 60s, 5m. Default 60s. Ranges over ${MAX_POINTS_PER_REQUEST} steps are
                        fetched in several requests
  --end TIME            RFC 3339 or Unix seconds. Default now
  --timeout DURATION    per request, 1ms up to ${MAX_TIMEOUT_MS}ms (about 24.8 days). Default ${DEFAULT_TIMEOUT_MS / 1000}s

Exit codes: 0 it ran (whatever the verdicts), 2 bad usage or bad input (one line on stderr says why).
`;

/** One row of `--json`: a map's replay without its point count. */
export type AnalyzeJsonRow = Omit<ReplayResult, 'points'>;

interface Args {
  file: string | undefined;
  json: boolean;
  plot: string | undefined;
  timeScale: number;
  maxBytes: number;
  prometheus: string | undefined;
  selector: string | undefined;
  rangeMs: number;
  stepMs: number;
  endMs: number | undefined;
  timeoutMs: number;
}

const SEE_HELP = 'see mapwatch analyze --help';

function positiveNumber(value: string, option: string, max: number): number {
  const v = Number(value);
  if (value.trim() === '' || !(v > 0) || !(v <= max))
    throw new UsageError(`${option} needs a positive number up to ${max}, got ${JSON.stringify(value)}`);
  return v;
}

function duration(value: string | undefined, option: string, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const ms = parseDuration(value);
  // Finite too: a number of hundreds of digits parses to Infinity, which no range or step can be.
  if (ms === undefined || !(ms > 0) || !Number.isFinite(ms))
    throw new UsageError(
      `${option} needs a duration such as 30s, 5m, 24h or 7d, got ${JSON.stringify(value)}`,
    );
  return ms;
}

/**
 * `--timeout` in whole ms. A fraction of a ms is rounded up rather than refused: the timer only counts
 * whole ms, and rounding up never gives up sooner than asked (`0.0005`, half a ms, becomes 1 ms). Over
 * MAX_TIMEOUT_MS is refused here, as one line, since AbortSignal.timeout would throw on it mid-run.
 */
function timeout(value: string | undefined): number {
  const ms = Math.ceil(duration(value, '--timeout', DEFAULT_TIMEOUT_MS));
  if (!(ms <= MAX_TIMEOUT_MS))
    throw new UsageError(
      `--timeout needs a duration from 1ms to ${MAX_TIMEOUT_MS}ms (about 24.8 days), such as 30s or 5m, got ${JSON.stringify(value)}`,
    );
  return ms;
}

function readArgs(args: string[]): Args | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        plot: { type: 'string' },
        'time-scale': { type: 'string' },
        'max-input-mb': { type: 'string' },
        prometheus: { type: 'string' },
        selector: { type: 'string' },
        range: { type: 'string' },
        step: { type: 'string' },
        end: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // parseArgs' messages run on with advice about '--'; keep the first sentence, point at the help.
    const e = err as Error & { code?: string };
    const option = /'([^']+)'/.exec(e.message)?.[1];
    const first =
      e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined
        ? `unknown option '${option}'`
        : e.message.split('\n')[0]!.split(/\.\s/)[0]!.replace(/\.$/, '');
    throw new UsageError(`${first}; ${SEE_HELP}`);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return 'help';
  if (positionals.length > 1)
    throw new UsageError(
      `one input only, got ${positionals.map((p) => `'${p}'`).join(' and ')}; ${SEE_HELP}`,
    );
  const file = positionals[0];
  if (file === undefined && v.prometheus === undefined)
    throw new UsageError(`missing input file (use - for standard input, or --prometheus URL); ${SEE_HELP}`);
  if (file !== undefined && v.prometheus !== undefined)
    throw new UsageError(`give either an input file or --prometheus, not both; ${SEE_HELP}`);
  if (v.prometheus === undefined) {
    for (const o of ['selector', 'range', 'step', 'end', 'timeout'] as const) {
      if (v[o] !== undefined) throw new UsageError(`--${o} only applies with --prometheus URL; ${SEE_HELP}`);
    }
  }
  if (v.plot === '') throw new UsageError(`--plot needs an output file (out.svg); ${SEE_HELP}`);
  let endMs: number | undefined;
  if (v.end !== undefined) {
    endMs = parseTime(v.end);
    if (endMs === undefined || !(endMs >= MIN_TIME_MS && endMs <= MAX_TIME_MS))
      throw new UsageError(
        `--end needs an RFC 3339 time or Unix seconds within 1970..2200, got ${JSON.stringify(v.end)}`,
      );
  }
  return {
    file,
    json: v.json === true,
    plot: v.plot,
    timeScale:
      v['time-scale'] === undefined ? 1 : positiveNumber(v['time-scale'], '--time-scale', MAX_TIME_SCALE),
    maxBytes:
      Math.floor(
        (v['max-input-mb'] === undefined
          ? DEFAULT_MAX_INPUT_MB
          : positiveNumber(v['max-input-mb'], '--max-input-mb', 4096)) *
          1024 *
          1024,
      ) || 1,
    prometheus: v.prometheus,
    selector: v.selector,
    rangeMs: duration(v.range, '--range', 24 * 3_600_000),
    stepMs: duration(v.step, '--step', 60_000),
    endMs,
    timeoutMs: timeout(v.timeout),
  };
}

const EXPECTED = 'expected a query_range JSON or a timestamp,value CSV';

/** Reads a stream as UTF-8, refusing more than `limit` bytes (stops reading at once). */
export async function readCapped(stream: Readable, limit: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      bytes += buf.length;
      if (bytes > limit) throw new UsageError(tooLarge(what, limit));
      chunks.push(buf);
    }
  } finally {
    if (bytes > limit) stream.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(what: string, limit: number): string {
  return `${what} is over ${formatCount(limit / 1024 / 1024)} MiB; pass a shorter range, or raise --max-input-mb`;
}

async function readInput(file: string, io: CliIo, limit: number): Promise<string> {
  if (file === '-') {
    // The process's own stdin is read with the cap; an injected io (tests, embedding) hands us a string.
    const text =
      io.readStdin === processIo.readStdin
        ? await readCapped(process.stdin, limit, 'standard input')
        : await io.readStdin();
    if (Buffer.byteLength(text, 'utf8') > limit) throw new UsageError(tooLarge('standard input', limit));
    return text;
  }
  try {
    return await readCapped(createReadStream(file), limit, `'${file}'`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (err as Error).message.split('\n')[0];
    throw new UsageError(`cannot read '${file}': ${why}; ${EXPECTED}`);
  }
}

async function load(opts: Args, io: CliIo): Promise<{ parsed: ParsedInput; notes: string[] }> {
  const notes: string[] = [];
  try {
    if (opts.prometheus !== undefined) {
      const endMs = opts.endMs ?? Date.now();
      const startMs = endMs - opts.rangeMs;
      if (startMs < MIN_TIME_MS) throw new UsageError(`--range reaches before 1970; shorten it`);
      const selector = buildSelector(opts.selector);
      const fetched = await fetchQueryRange({
        url: opts.prometheus,
        selector,
        startMs,
        endMs,
        stepMs: opts.stepMs,
        timeoutMs: opts.timeoutMs,
        maxBytes: opts.maxBytes,
      });
      for (const w of fetched.warnings) notes.push(`Prometheus warning: ${w}`);
      return { parsed: parseMatrix(fetched.result, opts.prometheus), notes };
    }
    const text = await readInput(opts.file!, io, opts.maxBytes);
    return { parsed: parseSeriesText(text, opts.file === '-' ? 'stdin' : opts.file!), notes };
  } catch (err) {
    if (err instanceof InputError || err instanceof PrometheusSourceError) throw new UsageError(err.message);
    throw err;
  }
}

function skipNote(s: SkipCounts): string | undefined {
  const parts: string[] = [];
  if (s.nonFinite) parts.push(`${s.nonFinite} NaN or infinite`);
  if (s.negative) parts.push(`${s.negative} negative`);
  if (s.tooLarge) parts.push(`${s.tooLarge} over 2^53`);
  if (s.duplicates) parts.push(`${s.duplicates} replaced by a later sample with the same timestamp`);
  const n = s.nonFinite + s.negative + s.tooLarge + s.duplicates;
  return n === 0 ? undefined : `skipped ${n} sample${n === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const opts = readArgs(args);
  if (opts === 'help') {
    io.stdout(HELP);
    return 0;
  }
  const { parsed, notes } = await load(opts, io);
  const grouped = groupRows(parsed.series);
  if (parsed.series.length > 0 && grouped.rows.length === 0) {
    throw new UsageError(
      `no ${METRICS.entries.name} series in the input (the only required family); include it in the query`,
    );
  }
  const skip = skipNote(parsed.skipped);
  if (skip) notes.push(skip);
  if (grouped.ignored.size > 0) {
    const names = [...grouped.ignored].map(([name, n]) => `${name} (${n})`).join(', ');
    notes.push(`ignored series of metrics analyze does not read: ${names}`);
  }
  if (grouped.withoutEntries > 0)
    notes.push(
      `${grouped.withoutEntries} map(s) had no ${METRICS.entries.name} series and were not analyzed`,
    );

  const results = grouped.rows.map((row) => replay(row, { timeScale: opts.timeScale }));
  if (opts.json) {
    const out = results.map(
      ({ series, state, suspect, firstFlaggedAt, firstGrowingAt, growthRate, reason }): AnalyzeJsonRow => ({
        series,
        state,
        suspect,
        firstFlaggedAt,
        firstGrowingAt,
        growthRate,
        reason,
      }),
    );
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout(table(results));
  }
  for (const n of notes) io.stderr(`mapwatch analyze: note: ${n}\n`);
  if (opts.plot !== undefined) {
    const svg = plotSvg(
      grouped.rows.map((r) => ({ labels: r.labels, points: r.entries })),
      results,
    );
    try {
      await writeFile(opts.plot, svg);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new UsageError(
        `cannot write the plot to '${opts.plot}': ${e.code ?? e.message.split('\n')[0]}; the analysis above is complete, pick a writable --plot path`,
      );
    }
  }
  return 0;
}

function table(results: readonly ReplayResult[]): string {
  if (results.length === 0) return 'no series in the input\n';
  const time = (t: number | null): string => (t === null ? '-' : isoTime(t));
  const rows = results.map((r) => [
    formatLabels(r.series),
    r.state,
    `${r.growthRate >= 0 ? '+' : ''}${formatCount(r.growthRate * 3600)}/h`,
    time(r.firstFlaggedAt),
    time(r.firstGrowingAt),
    r.reason,
  ]);
  const head = ['series', 'state', 'growth', 'first flagged', 'first growing', 'reason'];
  const widths = head.map((h, i) => rows.reduce((w, r) => Math.max(w, r[i]!.length), h.length));
  const fmt = (r: string[]): string =>
    r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [fmt(head), ...rows.map(fmt)].join('\n') + '\n';
}
