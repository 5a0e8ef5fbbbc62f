/**
 * The promtool tests' labels fitted to the config's selector (src/pack/rule-tests/relabel.ts): every series
 * and alert label the selector constrains gets a value its matchers accept, values stay apart, and the
 * labels an alert aggregated away are not added back. promtool-configs.test.ts runs the result in promtool.
 */
import { describe, expect, it } from 'vitest';
import { matches, parseSelector } from '../../src/pack/config/selector.js';
import { resolveConfig } from '../../src/pack/config.js';
import { regexExamples } from '../../src/pack/rule-tests/regex-example.js';
import { relabelFor } from '../../src/pack/rule-tests/relabel.js';

const passes = (selector: string, labels: Record<string, string>) =>
  parseSelector(selector).every((m) => matches(m, labels[m.label] ?? ''));

describe('regexExamples', () => {
  it.each([
    'checkout-.*',
    'a|b+',
    '(?:api|web)-[0-9]{2}',
    '[^x]+',
    'prod-\\d+\\.eu',
    '(shop|web)-[[:alpha:]]+',
    'x{3,5}y?z*',
    '[a-c]+[-_][0-9]',
    '.+:9464',
  ])('proposes strings %s accepts, one per alternative', (re) => {
    const ex = regexExamples(re);
    expect(ex.length).toBeGreaterThan(0);
    for (const s of ex) expect(matches({ op: '=~', value: re }, s), s).toBe(true);
  });

  it('gives nothing, rather than throwing, for what it cannot read', () => {
    expect(regexExamples('(unclosed')).toEqual([]);
    expect(regexExamples('[unclosed')).toEqual([]);
  });
});

describe('relabelFor', () => {
  const data = [
    { __name__: 'mapwatch_map_entries', job: 'checkout', instance: 'checkout-0:9464', cluster: 'eu-1' },
    { __name__: 'up', job: 'partial', instance: 'p:1', cluster: 'eu-1' },
    { __name__: 'up', job: 'scraped', instance: 's:1', cluster: 'eu-1' },
  ];

  it('fits every series to a regex selector on a label the data has and one it lacks', () => {
    const selector = 'job=~"payments-.*", env="prod", cluster!="staging"';
    const r = relabelFor(resolveConfig({ selector, groupBy: ['cluster'] }));
    const out = data.map((l) => r.series(l));
    for (const l of out) expect(passes(selector, l), JSON.stringify(l)).toBe(true);
    expect(new Set(out.map((l) => l.job)).size).toBe(3);
    expect(out[0]?.env).toBe('prod');
    // What the selector leaves alone stays as it was.
    expect(out.map((l) => [l.__name__, l.instance, l.cluster])).toEqual(
      data.map((l) => [l.__name__, l.instance, l.cluster]),
    );
  });

  it('maps an alert label as its series, and adds none the alert aggregated away', () => {
    const r = relabelFor(resolveConfig({ selector: 'job=~"payments-.*", env="prod"' }));
    const series = r.series({ __name__: 'up', job: 'checkout' });
    expect(r.kept({ job: 'checkout', map_name: 'sessions' })).toEqual({
      job: series.job,
      map_name: 'sessions',
    });
  });

  it('gives an equality matcher to the main job only; the others stay unselected, apart', () => {
    const r = relabelFor(resolveConfig({ selector: 'job="payments"' }));
    const jobs = data.map((l) => r.series(l).job);
    expect(jobs[0]).toBe('payments');
    expect(jobs.slice(1)).toEqual(['partial', 'scraped']);
  });

  it('keeps values apart under negative matchers and under a regex that also admits the empty value', () => {
    const neg = relabelFor(resolveConfig({ selector: 'instance!~"checkout-1.*"' }));
    const instances = ['checkout-1:9464', 'checkout-1-b:9464', 'checkout-0:9464'].map(
      (instance) => neg.series({ __name__: 'up', instance }).instance,
    );
    expect(new Set(instances).size).toBe(3);
    for (const i of instances) expect(i).not.toMatch(/^checkout-1/);
    expect(instances[2]).toBe('checkout-0:9464');
    const optional = relabelFor(resolveConfig({ selector: 'job=~"(payments)?"' }));
    expect(optional.series({ __name__: 'up', job: 'checkout' }).job).toBe('payments');
  });

  it('gives the other alternatives of a regex to the other jobs', () => {
    const r = relabelFor(resolveConfig({ selector: 'job=~"payments|orders"' }));
    expect(data.map((l) => r.series(l).job)).toEqual(['payments', 'orders', 'scraped']);
  });

  it('does not give the main groupBy value and an absent label the same value', () => {
    const r = relabelFor(resolveConfig({ selector: 'cluster="us-1"', groupBy: ['cluster'] }));
    expect(r.series({ __name__: 'up', cluster: 'eu-1' }).cluster).toBe('us-1');
    expect(r.series({ __name__: 'up' })).toEqual({ __name__: 'up' });
  });

  it('leaves ALERTS as it is: the inhibitor reads it without the selector', () => {
    const r = relabelFor(resolveConfig({ selector: 'job=~"payments-.*"' }));
    const alerts = { __name__: 'ALERTS', job: 'checkout', alertname: 'MapwatchLockStorm' };
    expect(r.series(alerts)).toEqual(alerts);
  });

  it('keeps the default selector a no-op', () => {
    const r = relabelFor(resolveConfig({}));
    for (const l of data) expect(r.series(l)).toEqual(l);
  });
});
