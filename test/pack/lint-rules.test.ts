/**
 * Static rules of the alert pack: alert naming and annotations, recording rule names and order, runbook
 * anchors and the PromQL of the runbook, that every metric any rule or query names exists in the conventions
 * module, and that the pack's sources spell no metric name. PromQL is read with Prometheus' own grammar
 * (./promql.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_METRICS, METRICS, seriesNames } from '../../src/conventions.js';
import {
  ALERT_DEFS,
  INFO_INHIBITOR,
  buildAlertRules,
  buildRecordingRules,
  buildRuleGroups,
  runbookAnchor,
} from '../../src/pack/alerts.js';
import { buildRunbook } from '../../src/pack/runbook.js';
import { toYaml } from '../../src/pack/write.js';
import { requireTool } from '../helpers/tools.js';
import { parseMatchers, scanSelectors, showMatcher } from './promql.js';
import { runTool, withTempDir } from './tmp.js';
import { checkNamesExist, configs, nonMapwatch, promqlBlocks, ROOT } from './lint-support.js';

const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase']);
/**
 * Counters also read as a state: registry overflow often happens at start-up, before the first scrape, so
 * increase() misses a counter born above 0; the rule also looks for a new series that is above 0.
 */
const STATE_COUNTERS = new Set([METRICS.registryOverflow.name]);
/**
 * Alert rules (the pack's own convention; dashboards follow dashboard-linter's stricter rule, in lint-dashboards.test.ts): a
 * counter read other than through rate/increase; counting its series (`count(...)`) is fine.
 */
const counterMisused = (name: string, enclosing: string) =>
  name.endsWith('_total') &&
  !COUNTER_FUNCTIONS.has(enclosing) &&
  enclosing !== 'count' &&
  !STATE_COUNTERS.has(name);

/** Prometheus' recording rule naming: `level:metric:operations`, the metric from the conventions table. */
const RECORD_NAME = /^(instance_map|job_map|instance|job):([a-z_]+):([a-z0-9_]+)$/;

describe.each(configs)('alert rules (%s config)', (_name, c) => {
  const rules = buildAlertRules(c);
  const records = buildRecordingRules(c);
  const recorded = new Set(records.map((r) => r.record));

  it('has one rule per alert definition and the info inhibitor, with unique names', () => {
    expect(rules.map((r) => r.alert)).toEqual([...ALERT_DEFS.map((d) => d.name), INFO_INHIBITOR]);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it.each(rules.map((r) => [r.alert, r] as const))('%s follows the naming and annotation rules', (_n, r) => {
    const def = ALERT_DEFS.find((d) => d.name === r.alert);
    expect(r.alert).toMatch(/^Mapwatch([A-Z][a-z0-9]+)+$/);
    expect(r.alert.length).toBeLessThanOrEqual(40);
    // `none` only for the info inhibitor, which is routed nowhere (kube-prometheus' convention).
    expect(def ? ['critical', 'warning', 'info'] : ['none']).toContain(r.labels.severity);
    expect(r.for).toMatch(/^\d+[smhd]/);
    expect(r.annotations.summary).toMatch(/^[A-Z].+\.$/);
    expect(r.annotations.summary).not.toContain('{{');
    expect(r.annotations.description).toContain('{{ $labels.');
    if (def?.scope === 'map') expect(r.annotations.description).toContain('{{ $labels.map_name }}');
    // A live value: $value, or a query template evaluated with the alert.
    expect(r.annotations.description).toMatch(
      /\{\{ (\$value( \| humanize(Percentage)?)?|printf "%\.0f" \$value) \}\}|\| query \}\}/,
    );
    expect(r.annotations.runbook_url).toBe(`${c.runbookBaseUrl}#${runbookAnchor(r.alert)}`);
    // The dashboard of the alert with its job and instance (and map) selected.
    const dashboard = r.annotations.dashboard_url;
    expect(dashboard.startsWith(`${c.grafanaBaseUrl}/d/${c.dashboards.uidPrefix}-`)).toBe(true);
    expect(dashboard).toContain('var-job={{ $labels.job | urlquery }}');
    // A per-job alert (MapwatchJobMetricsAbsent, the info inhibitor) has no instance to select.
    if (def && !def.perJob) expect(dashboard).toContain('var-instance={{ $labels.instance | urlquery }}');
    if (def?.scope === 'map') expect(dashboard).toContain('var-map={{ $labels.map_name | urlquery }}');
    for (const l of c.groupBy) expect(dashboard).toContain(`var-${l}={{ $labels.${l} | urlquery }}`);
    // Values only in annotations: labels are static words, and the owner labels of the config.
    const { severity, signal, ...owners } = r.labels;
    for (const v of [severity, signal]) expect(v).toMatch(/^[a-z_]+$/);
    expect(owners).toEqual(c.alertLabels);
  });

  it('names only metrics of the conventions module, with the configured selector on every selector', () => {
    const wanted = parseMatchers(c.selector);
    const problems: string[] = [];
    for (const r of rules) {
      problems.push(...checkNamesExist(r.expr, recorded, nonMapwatch(c)));
      for (const s of scanSelectors(r.expr)) {
        // Recorded series were selected when they were recorded; they keep only the aggregation labels.
        if (recorded.has(s.name)) continue;
        // ALERTS carries the labels the alerts kept (job and groupBy), not the target's: the selector's
        // other labels were aggregated away, so the info inhibitor reads ALERTS without it.
        if (r.alert === INFO_INHIBITOR && s.name === 'ALERTS') continue;
        for (const [k, v] of wanted)
          if (showMatcher(s.matchers.get(k)) !== showMatcher(v))
            problems.push(`${r.alert}: ${s.name} lacks ${k}${showMatcher(v)}`);
        if (counterMisused(s.name, s.enclosing)) {
          problems.push(`${r.alert}: counter ${s.name} outside rate/increase`);
        }
      }
      // Both export paths must aggregate to the same series: every aggregation lists its labels.
      const bare = /\b(sum|max|min|count|avg)\s*\(/.exec(r.expr);
      if (bare) problems.push(`${r.alert}: aggregation without by (...): ${bare[0]}`);
      for (const extra of c.groupBy)
        if (!r.expr.includes(extra)) problems.push(`${r.alert}: does not keep ${extra}`);
    }
    expect(problems).toEqual([]);
  });

  it('records only long windows the alerts read, named level:metric:operations, before their first reader', () => {
    expect(records.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const g of buildRuleGroups(c)) {
      const defined = new Set<string>();
      for (const r of g.rules) {
        const reads = scanSelectors(r.expr).filter((x) => recorded.has(x.name));
        for (const x of reads)
          if (!defined.has(x.name)) problems.push(`${x.name} read before it is recorded in ${g.name}`);
        if (!('record' in r)) continue;
        const rec = r;
        defined.add(rec.record);
        const m = RECORD_NAME.exec(rec.record);
        const base = m?.[2] ?? '';
        // `job:up:count`: the absence alert for pushing jobs counts Prometheus' own `up` per job.
        const known = base === 'up' || ALL_METRICS.some((x) => x.name === base || x.name === `${base}_total`);
        if (!m || !known) {
          problems.push(`${rec.record} is not level:<metric of the table>:operations`);
        }
        const labels =
          m?.[1] === 'job_map'
            ? ['job', 'map_name']
            : m?.[1] === 'job'
              ? ['job']
              : m?.[1] === 'instance'
                ? ['job', 'instance']
                : ['job', 'instance', 'map_name'];
        // An aggregation lists the labels it keeps; max_over_time() of a recorded series keeps its labels.
        if (rec.expr.includes(' by (')) {
          for (const l of [...labels, ...c.groupBy])
            if (!rec.expr.includes(l)) problems.push(`${rec.record} does not keep ${l}`);
        }
        const wanted = parseMatchers(c.selector);
        problems.push(...checkNamesExist(rec.expr, recorded, nonMapwatch(c)));
        for (const x of scanSelectors(rec.expr)) {
          if (recorded.has(x.name)) continue;
          for (const [k, v] of wanted)
            if (showMatcher(x.matchers.get(k)) !== showMatcher(v))
              problems.push(`${rec.record}: ${x.name} lacks ${k}${showMatcher(v)}`);
        }
      }
    }
    const read = new Set(
      [...rules.map((r) => r.expr), ...records.map((r) => r.expr)].flatMap((e) =>
        scanSelectors(e).map((x) => x.name),
      ),
    );
    for (const r of records) if (!read.has(r.record)) problems.push(`${r.record} is recorded but never read`);
    expect(problems).toEqual([]);
  });

  it('writes the same alerts inline, with no recording rule, when recordingRules is off', () => {
    const off = { ...c, recordingRules: false };
    expect(buildRecordingRules(off)).toEqual([]);
    const inline = buildAlertRules(off);
    expect(inline.map((r) => r.alert)).toEqual(rules.map((r) => r.alert));
    for (const r of inline) {
      expect(checkNamesExist(r.expr, new Set(), nonMapwatch(c)), r.alert).toEqual([]);
      expect(r.expr, r.alert).not.toMatch(/\b(instance_map|job_map):/);
    }
  });

  it('skips the maps of excludeMaps in the first condition of every growth alert, and only there', () => {
    for (const def of ALERT_DEFS) {
      const rule = rules.find((r) => r.alert === def.name);
      const first = rule?.expr.split(/\n(?=(?:and|unless) on )/)[0] ?? '';
      const growth = def.signal === 'growth' || def.signal === 'instances';
      if (c.excludeMaps.length === 0) expect(rule?.expr, def.name).not.toContain('map_name!~');
      else if (growth) expect(first, def.name).toContain('map_name!~');
      else expect(rule?.expr, def.name).not.toContain('map_name!~');
    }
  });

  it('links every alert to a runbook section with Meaning, Impact, Diagnosis, Mitigation and PromQL', () => {
    const md = buildRunbook(c);
    const headings = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1] as string);
    // GitHub anchors: lower case, spaces to dashes, punctuation dropped.
    const anchors = headings.map((h) =>
      h
        .toLowerCase()
        .replace(/[^a-z0-9 _-]/g, '')
        .replace(/ /g, '-'),
    );
    for (const r of rules) {
      const fragment = r.annotations.runbook_url.split('#')[1];
      expect(anchors, `runbook anchor for ${r.alert}`).toContain(fragment);
      const section = md.split(/^## /m).find((s) => s.startsWith(`${r.alert}\n`)) ?? '';
      for (const h of ['Meaning', 'Impact', 'Diagnosis', 'Mitigation'])
        expect(section).toContain(`### ${h}\n`);
      // Ready-to-paste PromQL in the Diagnosis, naming only series that exist.
      const diagnosis = section.split('### Diagnosis\n')[1]?.split('### Mitigation\n')[0] ?? '';
      const queries = promqlBlocks(diagnosis);
      expect(queries.length, `${r.alert} has a PromQL block`).toBeGreaterThan(0);
      for (const q of queries) expect(checkNamesExist(q, new Set(), nonMapwatch(c)), r.alert).toEqual([]);
    }
  });

  it('names the tools of an investigation in the runbook, with their risks', () => {
    const md = buildRunbook(c);
    for (const text of [
      '/debug/maps',
      'mapwatch analyze --prometheus http://<prometheus>:9090 --selector \'{job="<job>",map_name="<map_name>"}\'',
      '--heapsnapshot-signal',
      'v8.writeHeapSnapshot()',
      'process.report.writeReport()',
      'stops the process',
      'personal data',
      'disk',
    ]) {
      expect(md).toContain(text);
    }
  });
});

const promtool = requireTool('promtool');

describe.skipIf(!promtool)('every PromQL block of the runbook parses', () => {
  it.each(configs)('%s config', async (_name, c) => {
    const queries = promqlBlocks(buildRunbook(c));
    expect(queries.length).toBeGreaterThan(ALERT_DEFS.length);
    await withTempDir(async (dir) => {
      const file = join(dir, 'runbook-queries.yml');
      // Each query as a recording rule: promtool parses (and type-checks) every expression.
      await writeFile(
        file,
        toYaml({
          groups: [
            { name: 'runbook', rules: queries.map((expr, i) => ({ record: `runbook:query:${i}`, expr })) },
          ],
        }),
      );
      const r = await runTool(promtool as string, ['check', 'rules', file]);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain(`SUCCESS: ${queries.length} rules found`);
    });
  });
});

describe('the PromQL reading the lint rules rely on', () => {
  it('finds selectors with their matchers, range and enclosing function, and never a label or a function', () => {
    const uses = scanSelectors(
      'sum by (job, le) (rate(a_total{x="}"}[5m] @ end())) / on (job) group_left b offset 1h and vector(1)',
    );
    expect(uses.map((u) => [u.name, [...u.matchers], u.range, u.rangeFunction, u.enclosing])).toEqual([
      ['a_total', [['x', { op: '=', value: '}' }]], '5m', 'rate', 'rate'],
      ['b', [], undefined, undefined, ''],
    ]);
  });

  it('refuses an expression that does not parse instead of guessing', () => {
    expect(() => scanSelectors('sum(rate(a_total[5m])')).toThrow(/syntax error/);
  });

  it('flags a misspelt metric', () => {
    expect(checkNamesExist('rate(mapwatch_map_inserts{job="a"}[1m])')).toHaveLength(1);
  });
});

function sourcesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((f) =>
    statSync(join(ROOT, dir, f)).isDirectory() ? sourcesUnder(join(dir, f)) : [join(dir, f)],
  );
}

describe('no metric name is spelled as a literal in the pack sources', () => {
  const files = [...sourcesUnder('src/pack'), 'src/cli/rules.ts', 'src/cli/dashboards.ts'];
  const names = ALL_METRICS.flatMap((m) => [m.name, ...seriesNames(m)]);
  it.each(files)('%s', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    expect(names.filter((n) => text.includes(n))).toEqual([]);
  });
});
