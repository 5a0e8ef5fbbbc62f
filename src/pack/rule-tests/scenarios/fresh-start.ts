/** The fresh-start shapes (fresh-start-shapes.yml). */
import { LABELS, METRICS } from '../../../conventions.js';
import { yesterdaysJobPeak } from '../../alerts.js';
import { type PackConfig } from '../../config.js';
import { parseDuration, promDuration } from '../../duration.js';
import { type Sample } from '../promsim.js';
import { simOf } from '../timing.js';
import { seriesText } from '../yaml.js';
import { relabelFor } from '../relabel.js';
import { Builder, GROUP_VALUE, JOB, MAP, entriesSeries, keptAge, steps, type Scenario } from './builder.js';
import { jobPeak } from './growth.js';

/**
 * Fresh-start shapes (fresh-start-shapes.yml): every target starts with the test, no series before it. The
 * durations are those of the default rules (a 2 h fresh window), scaled by `fresh.window`. The generator
 * predicts every alert on them; for the default config the leak shapes page and the bounded ones page
 * nobody, which test/pack/promtool.test.ts checks on the committed file.
 */
export function freshStartScenarios(c: PackConfig): Scenario[] {
  const step = parseDuration(c.evaluationInterval);
  const scale = parseDuration(c.fresh.window) / 7200;
  const H = 3600;
  const dur = (seconds: number) => Math.max(1, Math.round((seconds * scale) / step));
  const W = steps(c, c.fresh.window);
  const minNet = c.fresh.minNetInserts;
  const slope = 2 * Math.ceil(minNet / W) + 1;
  const churn = 10 * slope;
  const plain = { [LABELS.mapKind]: 'plain' };
  const age = METRICS.oldestSampledAge.name;
  const out: Scenario[] = [];

  {
    const b = new Builder(c, dur(6 * H));
    const level = (i: number) => slope * i;
    entriesSeries(b, MAP, level, churn, level, 'explicit');
    b.add(age, {}, keptAge(step));
    out.push({ title: '(a) a leak present from the target’s first minute', builder: b, controls: [] });
  }
  {
    // Inserts follow a daily cycle that starts at its trough; every entry expires one TTL after insertion.
    const day = dur(24 * H);
    const ttl = dur(H);
    const n = dur(30 * H);
    const base = Math.max(1, Math.ceil(minNet / ttl));
    const rate = (i: number) => Math.round(base + 5 * base * (1 - Math.cos((2 * Math.PI * (i % day)) / day)));
    const ins: number[] = [0];
    for (let i = 1; i < n; i++) ins.push((ins[i - 1] as number) + rate(i));
    const exp = (i: number) => (i >= ttl ? (ins[i - ttl] as number) : 0);
    const b = new Builder(c, n);
    b.add(METRICS.entries.name, plain, (i) => (ins[i] as number) - exp(i));
    b.add(METRICS.inserts.name, {}, (i) => ins[i]);
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'expire' }, exp);
    b.add(age, {}, (i) => Math.min(i, ttl) * step);
    out.push({
      title: `(b) a TTL cache (TTL ${promDuration(ttl * step)}, not declared) under a daily traffic cycle, from its trough`,
      builder: b,
      controls: [{ entity: MAP, key: 'freshLeak', skip: 1, what: 'oldest entries capped by the TTL' }],
    });
  }
  {
    // A process that leaks restarts every 6 h under a new instance label, its counters from 0.
    const R = dur(6 * H);
    const count = 6;
    const n = (count - 1) * R + Math.ceil(R / 2);
    const b = new Builder(c, n);
    const gens: string[] = [];
    for (let k = 0; k < count; k++) {
      const gen = `r${k + 1}`;
      gens.push(gen);
      const start = k * R;
      const end = k === count - 1 ? n : start + R;
      const life =
        (f: (t: number) => number) =>
        (i: number): Sample =>
          i < start ? undefined : i < end ? f(i - start) : i === end ? 'stale' : undefined;
      b.add(
        METRICS.entries.name,
        plain,
        life((t) => slope * t),
        'map',
        MAP,
        gen,
      );
      b.add(
        METRICS.inserts.name,
        {},
        life((t) => (churn + slope) * t),
        'map',
        MAP,
        gen,
      );
      b.add(
        METRICS.deletes.name,
        { [LABELS.cause]: 'explicit' },
        life((t) => churn * t),
        'map',
        MAP,
        gen,
      );
      b.add(
        age,
        {},
        life((t) => keptAge(step)(t) as number),
        'map',
        MAP,
        gen,
      );
    }
    // The job's peak of yesterday, read at the last step, comes from instances that are gone.
    const P = steps(c, c.growth.peakWindow);
    const peak = jobPeak(simOf(c), b, METRICS.entries.name, MAP, P)(n - 1);
    const labels: Record<string, string> = { job: JOB, [LABELS.mapName]: MAP };
    for (const l of c.groupBy) labels[l] = GROUP_VALUE;
    const expr = yesterdaysJobPeak(c, METRICS.entries, c.growth.peakWindow);
    const named = /^[a-zA-Z_:][a-zA-Z0-9_:]*(?= offset )/.exec(expr)?.[0] ?? '';
    out.push({
      title: `(c) a leak resuming after restarts every ${promDuration(R * step)}, each under a new instance label with counters from 0`,
      builder: b,
      controls: [],
      gens,
      exprTests:
        peak === undefined
          ? []
          : [
              {
                expr,
                at: n - 1,
                samples: [
                  { labels: seriesText({ __name__: named, ...relabelFor(c).kept(labels) }), value: peak },
                ],
              },
            ],
    });
  }
  {
    // A cache filling toward its declared maximum for 20 h, then an LRU at capacity; nothing evicted before.
    const fill = dur(20 * H);
    const b = new Builder(c, dur(26 * H));
    const level = (i: number) => slope * Math.min(i, fill);
    b.add(METRICS.entries.name, plain, level);
    b.add(METRICS.inserts.name, {}, (i) => level(i) + churn * Math.max(0, i - fill));
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'evict' }, (i) => churn * Math.max(0, i - fill));
    b.add(age, {}, keptAge(step));
    b.add(METRICS.declaredMaxEntries.name, {}, () => slope * fill);
    out.push({
      title: `(d) a cache filling toward its declared maxEntries for ${promDuration(fill * step)}, then at capacity`,
      builder: b,
      controls: [{ entity: MAP, key: 'freshLeak', skip: 4, what: 'within its declared maxEntries' }],
    });
  }
  {
    // An LRU full after half an hour: every insert evicts one entry; a hot entry stays forever.
    const fill = dur(H / 2);
    const top = 50 * minNet;
    const b = new Builder(c, dur(12 * H));
    const level = (i: number) => Math.round((top * Math.min(i, fill)) / fill);
    b.add(METRICS.entries.name, plain, level);
    b.add(METRICS.inserts.name, {}, (i) => level(i) + churn * Math.max(0, i - fill));
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'evict' }, (i) => churn * Math.max(0, i - fill));
    b.add(age, {}, (i) => i * step);
    out.push({
      title: '(e) an LRU at capacity whose oldest hot entry ages forever',
      builder: b,
      controls: [],
    });
  }
  {
    const period = dur(H / 2);
    const b = new Builder(c, dur(12 * H));
    b.add(METRICS.entries.name, plain, (i) => slope * (i % period));
    b.add(METRICS.inserts.name, {}, (i) => slope * i);
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'clear' }, (i) => slope * period * Math.floor(i / period));
    b.add(age, {}, (i) => (i % period) * step);
    out.push({ title: `(f) a map cleared every ${promDuration(period * step)}`, builder: b, controls: [] });
  }
  {
    const T = dur(24 * H);
    const b = new Builder(c, dur(30 * H));
    b.add(METRICS.entries.name, plain, (i) => slope * Math.min(i, T));
    b.add(METRICS.inserts.name, {}, (i) => slope * i);
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'expire' }, (i) => slope * Math.max(0, i - T));
    b.add(age, {}, (i) => Math.min(i, T) * step);
    b.add(METRICS.declaredTtl.name, {}, () => T * step);
    out.push({
      title: `(g) a map with a declared TTL of ${promDuration(T * step)} filling for its first TTL`,
      builder: b,
      controls: [
        { entity: MAP, key: 'freshLeak', skip: 5, what: 'within its declared TTL' },
        { entity: MAP, key: 'growth', skip: 4, what: 'within its declared TTL' },
      ],
    });
  }
  {
    // A one-off bulk load beside entries kept from the start: a reference table of 200x the smallest net
    // flow loaded once at 1h30m and never deleted, beside a base from the first minute and a churn that
    // expires after 20 min. Old entries, inserts ahead of deletes and a floor that rose: one step, bounded.
    const load = dur(1.5 * H);
    const ttl = dur(H / 3);
    const base = 50 * minNet;
    const bulk = 200 * minNet;
    const kept = (i: number) => base + (i >= load ? bulk : 0);
    // 5 h: the load's step leaves the net-flow window (2 h) at 3h30m; nothing can fire after it.
    const b = new Builder(c, dur(5 * H));
    b.add(METRICS.entries.name, plain, (i) => kept(i) + churn * Math.min(i, ttl));
    b.add(METRICS.inserts.name, {}, (i) => kept(i) + churn * i);
    b.add(METRICS.deletes.name, { [LABELS.cause]: 'expire' }, (i) => churn * Math.max(0, i - ttl));
    b.add(age, {}, (i) => i * step);
    out.push({
      title: `(h) a one-off bulk load at ${promDuration(load * step)} beside a base kept from the start`,
      builder: b,
      controls: [{ entity: MAP, key: 'freshLeak', skip: 3, what: 'the floor rose in one step' }],
    });
  }
  return out;
}
