/**
 * The leak verdict's acceptance goals on simulated workloads and on recordings of real npm caches, from
 * process start, default options. With MAPWATCH_WRITE_REPORT=1 it rewrites the scorecard in
 * docs/detector.md (between its markers).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { BASELINES, buildScorecard, renderScorecard } from '../helpers/scorecard.js';
import { simulate } from '../helpers/simulate.js';
import { TTL_2H_FLAT, UNDECLARED_FILL_WORKLOADS } from '../helpers/workloads.js';

const HOUR = 3_600_000;
const rows = buildScorecard();

describe('leak verdict scorecard', () => {
  it('every leak reaches leak within 3 h of its start, median <= 2 h', () => {
    const leaks = rows.filter((r) => r.group === 'leak');
    expect(leaks.length).toBeGreaterThanOrEqual(8);
    for (const r of leaks) {
      expect(r.toLeakMs, `${r.source} ${r.name}: ${r.reason}`).not.toBeNull();
      expect(r.toLeakMs!, `${r.source} ${r.name}: ${r.reason}`).toBeLessThanOrEqual(3 * HOUR);
    }
    const delays = leaks.map((r) => r.toLeakMs!).sort((a, b) => a - b);
    expect(delays[(delays.length - 1) >> 1]).toBeLessThanOrEqual(2 * HOUR);
  });

  it('a 0.5 %/h leak reaches leak within 2 h, simulated beside heavy churn and recorded', () => {
    const slow = rows.filter((r) => r.group === 'leak' && r.name.includes('0.5pct'));
    expect(slow.map((r) => r.source).sort()).toEqual(['recorded', 'simulated']);
    for (const r of slow) {
      expect(r.toLeakMs, `${r.source} ${r.name}: ${r.reason}`).not.toBeNull();
      expect(r.toLeakMs!, `${r.source} ${r.name}: ${r.reason}`).toBeLessThanOrEqual(2 * HOUR);
    }
  });

  it('no bounded map reaches leak, but for the one known false page', () => {
    const bounded = rows.filter((r) => r.group === 'bounded');
    expect(bounded.length).toBeGreaterThanOrEqual(10);
    const flagged = bounded.filter((r) => r.toLeakMs !== null).map((r) => r.name);
    // The bounded map the detector pages on, kept visible rather than tuned away (docs/detector.md):
    // sessions of clients that come back "within hours", removed only then (lazy expiry on their own
    // get): the store's floor and its oldest sessions grow for hours, as a leak's would.
    // (bulk-load-beside-base was the other until the step test: a one-off load is growing, not leak.)
    expect(flagged).toEqual(['express-session-proper-logout-or-return']);
  });

  it('a one-off bulk load is never a leak, and the same load every 2 h is one within 3 h', () => {
    const row = (name: string) => rows.find((r) => r.name === name)!;
    expect(row('bulk-load-beside-base').toLeakMs).toBeNull();
    expect(row('bulk-load').toLeakMs).toBeNull();
    expect(row('node-cache-bulk-load').toLeakMs).toBeNull();
    expect(row('batch-leak').toLeakMs).not.toBeNull();
    expect(row('batch-leak').toLeakMs!).toBeLessThanOrEqual(3 * HOUR);
  });

  it('an undeclared TTL as long as the window: leak while it fills, never once its oldest age stays flat', () => {
    // Found by review: a flat cache with an undeclared 2 h TTL, full after 2 h, was paged as a leak every
    // few hours for good (its oldest age stayed at 1.95 h, old enough, and the floor's noise rose).
    const workload = UNDECLARED_FILL_WORKLOADS.map((f) => f()).find((w) => w.name === TTL_2H_FLAT)!;
    for (const seed of [1, 2, 3]) {
      const { states } = simulate(workload, seed);
      const full = 2 * 60; // minutes: the TTL; then one window (2 h) and the 20 min hold, and the leak ends
      const settled = full + 120 + 20 + 60;
      const leakAfter = states.findIndex((s, m) => m >= settled && s === 'leak');
      expect(leakAfter, `seed ${seed}: leak at minute ${leakAfter}`).toBe(-1);
      expect(states.slice(settled).every((s) => s === 'ok' || s === 'growing')).toBe(true);
    }
  });

  it("the README's detector figures are the scorecard's", () => {
    // The README quotes the scorecard in prose; a regenerated scorecard must not leave it behind.
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    const leaks = rows.filter((r) => r.leak && r.group === 'leak');
    const bounded = rows.filter((r) => !r.leak && r.group === 'bounded');
    const caught = leaks.filter((r) => r.toLeakMs !== null);
    const delays = caught.map((r) => r.toLeakMs!).sort((a, b) => a - b);
    const median = (delays[(delays.length - 1) >> 1]! / HOUR).toFixed(1);
    const paged = bounded.filter((r) => r.toLeakMs !== null).length;
    expect(readme).toContain(
      `it confirms ${caught.length} of ${leaks.length} leaks, median ${median} h, at most 3 h, and pages ${paged} of ${bounded.length} bounded maps`,
    );
    const baselinePaged = BASELINES.map(
      (b) => bounded.filter((r) => (r.baselines[b.name] ?? null) !== null).length,
    );
    expect(readme).toContain(
      `the simple baselines page ${Math.min(...baselinePaged)} to ${Math.max(...baselinePaged)} of them`,
    );
  });

  it('renders the scorecard into docs/detector.md', async () => {
    const md = renderScorecard(rows);
    const file = new URL('../../docs/detector.md', import.meta.url);
    const doc = readFileSync(file, 'utf8');
    const begin = '<!-- scorecard:begin -->';
    const end = '<!-- scorecard:end -->';
    expect(doc).toContain(begin);
    const raw = `${doc.slice(0, doc.indexOf(begin) + begin.length)}\n${md}\n${doc.slice(doc.indexOf(end))}`;
    const next = await format(raw, { ...(await resolveConfig(file.pathname)), parser: 'markdown' });
    if (process.env.MAPWATCH_WRITE_REPORT === '1') writeFileSync(file, next);
    else expect(doc, 'docs/detector.md is stale: npm run report:detector').toBe(next);
  });
});
