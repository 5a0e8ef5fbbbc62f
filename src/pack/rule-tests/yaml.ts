/**
 * The promtool test file writer: series in promtool's notation, the alerts (labels and rendered
 * annotations) promtool must see, and the file around the tests.
 */
import { LABELS } from '../../conventions.js';
import { alertDef, buildRule } from '../alerts.js';
import { type AlertKey, type PackConfig } from '../config.js';
import { renderTemplate, type LiveResolver, type Sample } from './promsim.js';
import { relabelFor } from './relabel.js';
import { GROUP_VALUE, JOB, MAP, SOURCES, instanceOf, type Builder } from './scenarios/builder.js';

/** promtool series notation; integer arithmetic runs compress to `a+bxn`, gaps to `_xn`. */
export function encodeValues(values: Sample[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    const v = values[i];
    if (typeof v !== 'number') {
      if (v === 'stale') {
        parts.push('stale');
        i++;
        continue;
      }
      let j = i;
      while (j + 1 < values.length && values[j + 1] === undefined) j++;
      parts.push(j > i ? `_x${j - i + 1}` : '_');
      i = j + 1;
      continue;
    }
    let j = i;
    const next = values[i + 1];
    if (Number.isInteger(v) && typeof next === 'number' && Number.isInteger(next)) {
      const d = next - v;
      while (j + 1 < values.length && values[j + 1] === (values[j] as number) + d) j++;
      parts.push(d === 0 ? `${v}x${j - i}` : `${v}${d > 0 ? '+' : '-'}${Math.abs(d)}x${j - i}`);
    } else {
      parts.push(String(v));
    }
    i = j + 1;
  }
  return parts.join(' ');
}

/** Escapes PromQL reads in a double-quoted label value; a map name such as `a"b\c` must stay one value. */
const LABEL_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** A label value as a PromQL string literal, as promtool's series notation parses it. */
export function quoteLabelValue(v: string): string {
  return `"${v.replace(/[\\"\n\r\t]/g, (ch) => LABEL_ESCAPES[ch] as string)}"`;
}

/** A series in promtool's notation: `name{label="value", ...}`, labels sorted, values quoted. */
export function seriesText(labels: Record<string, string>): string {
  const { __name__: name, ...rest } = labels;
  const inner = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${quoteLabelValue(rest[k] as string)}`)
    .join(', ');
  return `${name}{${inner}}`;
}

export interface ExpAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

/** The alert promtool must see for one label set (job, instance, map_name, groupBy) and value. */
export function expectedAlert(
  c: PackConfig,
  key: AlertKey,
  value: number,
  labels: Record<string, string>,
  live: LiveResolver,
): ExpAlert {
  const rule = buildRule(alertDef(key), c);
  labels = relabelFor(c).kept(labels);
  return {
    exp_labels: { ...labels, ...rule.labels },
    exp_annotations: {
      dashboard_url: renderTemplate(rule.annotations.dashboard_url, labels, value),
      description: renderTemplate(rule.annotations.description, labels, value, live),
      runbook_url: rule.annotations.runbook_url,
      summary: rule.annotations.summary,
    },
  };
}

export function expectedAlerts(
  c: PackConfig,
  key: AlertKey,
  value: number,
  gen: string | undefined,
  live: LiveResolver,
  extra: Record<string, string> = {},
): ExpAlert[] {
  const def = alertDef(key);
  if (def.perJob) {
    const labels: Record<string, string> = { job: JOB };
    for (const l of c.groupBy) labels[l] = GROUP_VALUE;
    return [expectedAlert(c, key, value, { ...labels, ...extra }, live)];
  }
  return SOURCES.map((src, k) => {
    const labels: Record<string, string> = { job: src.job, instance: instanceOf(k, gen) };
    for (const l of c.groupBy) labels[l] = GROUP_VALUE;
    if (def.scope === 'map') labels[LABELS.mapName] = MAP;
    return expectedAlert(c, key, value, { ...labels, ...extra }, live);
  });
}

export interface PromtoolTestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: Array<Record<string, unknown>>;
}

export function testFile(
  c: PackConfig,
  ruleFile: string,
  tests: Array<Record<string, unknown>>,
): PromtoolTestFile {
  return { rule_files: [ruleFile], evaluation_interval: c.evaluationInterval, tests };
}

/** The builder's series as promtool reads them, relabelled to fit the config's selector (relabel.ts). */
export function inputSeries(b: Builder): Array<{ series: string; values: string }> {
  const relabel = relabelFor(b.c);
  return b.series.map((s) => ({
    series: seriesText(relabel.series(s.labels)),
    values: encodeValues(s.values),
  }));
}
