/**
 * The generated promtool tests' labels fitted to the config's `selector`. Every selector of the rules carries
 * it, so series it does not match are never read: with the tests' own data (job `checkout`, no `env` label)
 * every test of a config such as `job=~"checkout-.*", env="prod"` failed in promtool.
 *
 * Each value of a label the selector constrains is mapped to one that passes every matcher on that label:
 * the value itself where it passes; else one made of the matchers (the literal of `=`, a shortest example of
 * a regex), with the original value beside it so two values stay two. Only the tests' main values (the job
 * `checkout`, the groupBy value, an absent label) may become a bare example: they are the ones an `=`
 * matcher can admit. A value nothing fits stays as it is, unselected: that only happens to a control, which
 * then stays silent as it must. Input series get the mapped values, and so do the labels of the alerts
 * promtool must see (before their annotations are rendered), so the two agree.
 */
import { matches, parseSelector, type Matcher } from '../config/selector.js';
import { type PackConfig } from '../config.js';
import { regexExamples } from './regex-example.js';
import { GROUP_VALUE, JOB } from './scenarios/builder.js';

export type Relabel = {
  /** An input series' labels: constrained labels mapped, absent ones added. */
  series(labels: Record<string, string>): Record<string, string>;
  /** An alert's or a sample's labels: only the labels it has are mapped (the rest were aggregated away). */
  kept(labels: Record<string, string>): Record<string, string>;
};

const cache = new WeakMap<PackConfig, Relabel>();

/** The relabelling of `c`'s selector. */
export function relabelFor(c: PackConfig): Relabel {
  const hit = cache.get(c);
  if (hit) return hit;
  const main: Record<string, string> = { job: JOB };
  for (const l of c.groupBy) main[l] = GROUP_VALUE;
  const byLabel = new Map<string, Matcher[]>();
  for (const m of parseSelector(c.selector)) byLabel.set(m.label, [...(byLabel.get(m.label) ?? []), m]);
  const memo = new Map<string, string>();
  const map = (label: string, value: string): string => {
    const ms = byLabel.get(label) as Matcher[];
    const key = `${label}\u0000${value}`;
    let out = memo.get(key);
    if (out === undefined) {
      out = fit(ms, value, value === '' || main[label] === value);
      memo.set(key, out);
    }
    return out;
  };
  const relabel: Relabel = {
    series(labels) {
      // ALERTS is read without the selector (the info inhibitor), and carries the alerts' labels as they are.
      if (labels.__name__ === 'ALERTS') return labels;
      const out = { ...labels };
      for (const label of byLabel.keys()) {
        const v = map(label, labels[label] ?? '');
        if (v === '') delete out[label];
        else out[label] = v;
      }
      return out;
    },
    kept(labels) {
      const out = { ...labels };
      for (const label of byLabel.keys())
        if (label in labels) out[label] = map(label, labels[label] as string);
      return out;
    },
  };
  cache.set(c, relabel);
  return relabel;
}

/** A value passing every matcher of `ms`, made from `value` (see the module comment), or `value` itself. */
function fit(ms: readonly Matcher[], value: string, bare: boolean): string {
  const passes = (v: string) => ms.every((m) => matches(m, v));
  if (passes(value)) return value;
  const examples = ms.flatMap((m) =>
    m.op === '=' ? [m.value] : m.op === '=~' ? regexExamples(m.value) : [],
  );
  const candidates = examples.flatMap((ex) => [
    ...(bare ? [ex] : []),
    `${ex}${value}`,
    `${ex}-${value}`,
    `${value}-${ex}`,
    `${value}${ex}`,
  ]);
  // No positive matcher (only != or !~): the value with a suffix.
  if (examples.length === 0) candidates.push(`${value}-x`, `${value}-0`, 'x');
  return candidates.find(passes) ?? value;
}
