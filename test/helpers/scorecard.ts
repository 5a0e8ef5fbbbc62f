/**
 * The detector's scorecard: every simulated workload (key-level, from process start) and every recording
 * of a real npm cache (test/fixtures/recorded), with the detector's final state, time to `growing` and
 * time to `leak`, beside three simple baselines on the same entries: memwatch-style consecutive
 * increases, `deriv(entries[1h]) > 0` held 1 h, and a floor rising for 3 h. Rendered to docs/detector.md.
 */
import { readFileSync } from 'node:fs';
import type { LeakState } from '../../src/conventions.js';
import { groupRows, parseSeriesText } from '../../src/cli/analyze/parse.js';
import { replay } from '../../src/cli/analyze/replay.js';
import { simulate, type Workload } from './simulate.js';
import {
  BOUNDED_WORKLOADS,
  HARD_LEAK_WORKLOADS,
  LEAK_WORKLOADS,
  UNDECLARED_FILL_WORKLOADS,
} from './workloads.js';
import { derivRule, memwatchRule, type Rule } from './baselines.js';

const HOUR = 3_600_000;
const MIN = 60_000;

export type Group = 'leak' | 'bounded' | 'hard leak' | 'undeclared fill';

export interface Row {
  readonly source: 'simulated' | 'recorded';
  readonly name: string;
  readonly group: Group;
  readonly leak: boolean;
  readonly hours: number;
  readonly description: string;
  /** ms after the leak's start (or after process start for bounded maps); null when never. */
  readonly toLeakMs: number | null;
  readonly toGrowingMs: number | null;
  readonly finalState: LeakState;
  readonly reason: string;
  /** Baselines: ms to their first flag after the same start, null when never. */
  readonly baselines: Record<string, number | null>;
}

/** A floor rising for 3 h: the minimum of each 1 h window above the one before, three times in a row. */
export function floorRisingRule(windowMs = HOUR, rises = 3): Rule {
  return memwatchRule(windowMs, rises);
}

export const BASELINES: readonly { name: string; rule: Rule }[] = [
  { name: 'memwatch-style (5 rising 15-min floors)', rule: memwatchRule() },
  { name: 'deriv(entries[1h]) > 0 for 1h', rule: derivRule(HOUR, HOUR) },
  { name: 'floor rising 3 h', rule: floorRisingRule() },
];

function baselines(
  points: readonly { t: number; entries: number }[],
  startMs: number,
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const b of BASELINES) {
    const at = b.rule(points);
    out[b.name] = at === undefined ? null : Math.max(0, at - startMs);
  }
  return out;
}

function simulatedRow(factory: () => Workload, group: Group): Row {
  const r = simulate(factory(), 1);
  const w = r.workload;
  const start = w.leakStartsAtMs ?? 0;
  const since = (ms: number | null): number | null => (ms === null ? null : Math.max(0, ms - start));
  return {
    source: 'simulated',
    name: w.name,
    group,
    leak: w.leak,
    hours: w.hours,
    description: w.description,
    toLeakMs: since(r.firstLeakMs),
    toGrowingMs: since(r.firstGrowingMs),
    finalState: r.finalState,
    reason: r.finalReason,
    baselines: baselines(
      r.entries.map((entries, i) => ({ t: (i + 1) * MIN, entries })),
      start,
    ),
  };
}

interface ManifestEntry {
  file: string;
  family: string;
  library: string;
  leak: boolean;
  declared: boolean;
  hours: number;
  description: string;
  leakStartsAtSeconds?: number;
}

const RECORDED = new URL('../fixtures/recorded/', import.meta.url);

export function manifest(): ManifestEntry[] {
  return JSON.parse(readFileSync(new URL('manifest.json', RECORDED), 'utf8')) as ManifestEntry[];
}

export function recordedRow(m: ManifestEntry): Row {
  const parsed = parseSeriesText(readFileSync(new URL(m.file, RECORDED), 'utf8'), m.file);
  const [row] = groupRows(parsed.series).rows;
  if (!row) throw new Error(`${m.file}: no map in the recording`);
  const t0 = row.entries[0]!.t;
  const start = t0 + (m.leakStartsAtSeconds ?? 0) * 1000;
  const r = replay(row);
  const since = (at: number | null): number | null => (at === null ? null : Math.max(0, at - start));
  return {
    source: 'recorded',
    name: m.file.replace(/\.json$/, ''),
    group: m.leak ? 'leak' : m.file.endsWith('-undeclared.json') ? 'undeclared fill' : 'bounded',
    leak: m.leak,
    hours: m.hours,
    description: `${m.library}: ${m.description}`,
    toLeakMs: since(r.firstFlaggedAt),
    toGrowingMs: since(r.firstGrowingAt),
    finalState: r.state,
    reason: r.reason,
    baselines: baselines(
      row.entries.map((p) => ({ t: p.t, entries: p.v })),
      start,
    ),
  };
}

export function buildScorecard(): Row[] {
  return [
    ...LEAK_WORKLOADS.map((f) => simulatedRow(f, 'leak')),
    ...BOUNDED_WORKLOADS.map((f) => simulatedRow(f, 'bounded')),
    ...HARD_LEAK_WORKLOADS.map((f) => simulatedRow(f, 'hard leak')),
    ...UNDECLARED_FILL_WORKLOADS.map((f) => simulatedRow(f, 'undeclared fill')),
    ...manifest().map(recordedRow),
  ];
}

const h = (ms: number | null): string => (ms === null ? '-' : `${(ms / HOUR).toFixed(1)} h`);

export function renderScorecard(rows: readonly Row[]): string {
  const names = BASELINES.map((b) => b.name);
  const lines = [
    '| source | map | truth | detector: growing | detector: leak | final state | ' + names.join(' | ') + ' |',
    '|---|---|---|---:|---:|---|' + names.map(() => '---:').join('|') + '|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.source} | ${r.name} | ${r.group} | ${h(r.toGrowingMs)} | ${h(r.toLeakMs)} | ${r.finalState} | ${names.map((n) => h(r.baselines[n] ?? null)).join(' | ')} |`,
    );
  }
  const count = (pred: (r: Row) => boolean): number => rows.filter(pred).length;
  const summary = (label: string, flagged: (r: Row) => number | null): string => {
    const leaks = rows.filter((r) => r.leak && r.group === 'leak');
    const bounded = rows.filter((r) => !r.leak && r.group === 'bounded');
    const caught = leaks.filter((r) => flagged(r) !== null);
    const delays = caught.map((r) => flagged(r)!).sort((a, b) => a - b);
    const median = delays.length === 0 ? null : delays[(delays.length - 1) >> 1]!;
    return `| ${label} | ${caught.length} of ${leaks.length} | ${h(median)} | ${bounded.filter((r) => flagged(r) !== null).length} of ${bounded.length} |`;
  };
  const table2 = [
    '| rule | leaks caught | median time to flag | bounded maps flagged |',
    '|---|---:|---:|---:|',
    summary('mapwatch detector (leak state)', (r) => r.toLeakMs),
    summary('mapwatch detector (growing or leak)', (r) => r.toGrowingMs),
    ...BASELINES.map((b) => summary(b.name, (r) => r.baselines[b.name] ?? null)),
  ];
  const reasons = rows.map(
    (r) =>
      `- **${r.name}** (${r.source}, ${r.hours} h): ${r.description}. Final: ${r.finalState}: ${r.reason}`,
  );
  void count;
  return [
    table2.join('\n'),
    '',
    lines.join('\n'),
    '',
    '### Workloads and final reasons',
    '',
    ...reasons,
  ].join('\n');
}
