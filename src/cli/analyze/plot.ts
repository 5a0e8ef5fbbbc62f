/**
 * A hand-written SVG of replayed series: one panel per series, its entries as a line, an orange marker
 * where the detector first saw it growing and a red one where it first flagged a leak. No dependency;
 * the output opens in any browser.
 */
import type { ReplayResult } from './replay.js';
import { formatLabels, type Point } from './parse.js';
import { formatCount } from '../../detect/format.js';

/** What a panel draws: a label set and its points, sorted by time. */
export interface PlotSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly points: readonly Point[];
}

const WIDTH = 900;
const PANEL = 220;
const PAD = { left: 70, right: 20, top: 30, bottom: 30 };
/** Points drawn per series at most: longer series are thinned to min/max pairs per pixel column. */
const MAX_COLUMNS = WIDTH - PAD.left - PAD.right;

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** ISO time, or the raw number of ms when it lies outside what a Date can show. */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${ms} ms` : d.toISOString();
}

export function plotSvg(series: readonly PlotSeries[], results: readonly ReplayResult[]): string {
  const height = Math.max(1, series.length) * PANEL;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  series.forEach((s, i) => parts.push(panel(s, results[i], i * PANEL)));
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function panel(s: PlotSeries, r: ReplayResult | undefined, top: number): string {
  const pts = s.points;
  const x0 = PAD.left;
  const x1 = WIDTH - PAD.right;
  const y0 = top + PAD.top;
  const y1 = top + PANEL - PAD.bottom;
  const out: string[] = [];
  const verdict =
    r === undefined ? '' : ` (${r.state}${r.suspect && r.state !== 'leak' ? ', was flagged' : ''})`;
  out.push(
    `<text x="${x0}" y="${top + 18}" font-weight="bold">${esc(formatLabels(s.labels) + verdict)}</text>`,
  );
  out.push(`<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="none" stroke="#ccc"/>`);
  if (pts.length === 0) return out.join('\n');
  const tMin = pts[0]!.t;
  const tMax = Math.max(pts[pts.length - 1]!.t, tMin + 1);
  let vMin = Infinity;
  let vMax = -Infinity;
  for (const p of pts) {
    if (p.v < vMin) vMin = p.v;
    if (p.v > vMax) vMax = p.v;
  }
  if (vMax === vMin) vMax = vMin + 1;
  const sx = (t: number): number => x0 + ((t - tMin) / (tMax - tMin)) * (x1 - x0);
  const sy = (v: number): number => y1 - ((v - vMin) / (vMax - vMin)) * (y1 - y0);
  // Thin to one min and one max per pixel column so huge series stay small and keep their floor.
  const cols = new Map<number, { lo: number; hi: number; t: number }>();
  for (const p of pts) {
    const c = Math.min(MAX_COLUMNS - 1, Math.floor(((p.t - tMin) / (tMax - tMin)) * MAX_COLUMNS));
    const col = cols.get(c);
    if (!col) cols.set(c, { lo: p.v, hi: p.v, t: p.t });
    else {
      col.lo = Math.min(col.lo, p.v);
      col.hi = Math.max(col.hi, p.v);
    }
  }
  const line: string[] = [];
  for (const col of cols.values()) {
    const x = sx(col.t).toFixed(1);
    line.push(`${x},${sy(col.lo).toFixed(1)}`);
    if (col.hi !== col.lo) line.push(`${x},${sy(col.hi).toFixed(1)}`);
  }
  out.push(`<polyline fill="none" stroke="#1f77b4" stroke-width="1.2" points="${line.join(' ')}"/>`);
  out.push(`<text x="${x0 - 6}" y="${y0 + 4}" text-anchor="end">${esc(formatCount(vMax))}</text>`);
  out.push(`<text x="${x0 - 6}" y="${y1}" text-anchor="end">${esc(formatCount(vMin))}</text>`);
  out.push(`<text x="${x0}" y="${y1 + 16}">${esc(isoTime(tMin))}</text>`);
  out.push(`<text x="${x1}" y="${y1 + 16}" text-anchor="end">${esc(isoTime(tMax))}</text>`);
  // Labels of the two markers sit on either side of their line, so close markers stay readable.
  const marker = (
    at: number | null | undefined,
    cls: string,
    color: string,
    label: string,
    left: boolean,
  ): void => {
    if (at == null) return;
    const x = sx(at);
    out.push(
      `<line class="${cls}" x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${y0}" y2="${y1}" stroke="${color}" stroke-width="2" stroke-dasharray="4 3"/>`,
    );
    out.push(
      `<text x="${(left ? x - 3 : x + 3).toFixed(1)}" y="${y0 - 4}" fill="${color}" text-anchor="${left ? 'end' : 'start'}">${label}</text>`,
    );
  };
  // Growing first, so that a leak flagged at the same instant draws on top.
  if (r?.firstGrowingAt !== r?.firstFlaggedAt)
    marker(r?.firstGrowingAt, 'first-growing', '#ff7f0e', 'growing', true);
  marker(r?.firstFlaggedAt, 'first-flagged', '#d62728', 'first flagged', false);
  return out.join('\n');
}
