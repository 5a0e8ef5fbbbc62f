/**
 * The generated promtool tests' labels fitted to the config's `selector`. Every selector of the rules carries
 * it, so series it does not match are never read: with the tests' own data (job `checkout`, no `env` label)
 * every test of a config such as `job=~"checkout-.*", env="prod"` failed in promtool.
 *
 * Each value of a label the selector constrains is mapped to one that passes every matcher on that label and
 * that no other value took, so two values stay two: the value itself where it passes; else an example of
 * the matchers (the literal of `=`, a shortest string of each regex alternative), then one made of an
 * example and the value. The tests' main values (the job `checkout`, the groupBy value) are mapped first,
 * as they must be selected. A value nothing fits stays as it is, unselected: only a control, which then
 * stays silent (under `job="payments"` the absence tests' second and third jobs do; their guards are then
 * not exercised by that config's tests). Input series get the mapped values, and so do the labels of the
 * alerts promtool must see (before their annotations are rendered), so the two agree.
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
  const byLabel = new Map<string, Matcher[]>();
  for (const m of parseSelector(c.selector)) byLabel.set(m.label, [...(byLabel.get(m.label) ?? []), m]);
  /** Per label: original value -> mapped value. The mapped values are taken: two values stay two. */
  const mapped = new Map<string, Map<string, string>>([...byLabel.keys()].map((l) => [l, new Map()]));
  const map = (label: string, value: string): string => {
    const done = mapped.get(label) as Map<string, string>;
    let out = done.get(value);
    if (out === undefined) {
      out = fit(byLabel.get(label) as Matcher[], value, new Set(done.values()));
      done.set(value, out);
    }
    return out;
  };
  // The tests' main values first: they must be selected, and an `=` matcher admits one value only.
  if (byLabel.has('job')) map('job', JOB);
  for (const l of c.groupBy) if (byLabel.has(l)) map(l, GROUP_VALUE);
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

/**
 * A value passing every matcher of `ms` that no other value took: `value` itself, a bare example, or one
 * made of an example and `value`; never empty for a value that is not. Else `value`, left unselected.
 */
function fit(ms: readonly Matcher[], value: string, taken: ReadonlySet<string>): string {
  const ok = (v: string) => !taken.has(v) && (v !== '' || value === '') && ms.every((m) => matches(m, v));
  const examples = ms.flatMap((m) =>
    m.op === '=' ? [m.value] : m.op === '=~' ? regexExamples(m.value) : [],
  );
  const candidates = [
    value,
    ...examples,
    ...examples.flatMap((ex) => [`${ex}${value}`, `${ex}-${value}`, `${value}-${ex}`, `${value}${ex}`]),
    // No positive matcher passes (only != or !~ refuse the value): the value with a prefix or suffix.
    `${value}-x`,
    `${value}-0`,
    `x-${value}`,
  ];
  return candidates.find(ok) ?? value;
}
