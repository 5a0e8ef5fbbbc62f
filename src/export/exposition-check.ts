/**
 * What a collector of someone else's (a prom-client metric the user registered) must return for its text
 * to parse in Prometheus. prom-client formats whatever `get()` returns: a label name with a space, a
 * metric name with a dash or a value that is not a number is written out as is, and one malformed line
 * makes Prometheus reject the whole scrape (`up` 0), mapwatch's series included. serializeRegistry checks
 * each foreign metric with this and leaves out, and reports, one that would break the exposition.
 * (mapwatch's own collectors are built from the conventions table, checked by tests, and skip this.)
 */
import { describeValue } from '../describe-value.js';
import { PROMETHEUS_LABEL_NAME as LABEL_NAME, PROMETHEUS_METRIC_NAME as METRIC_NAME } from '../names.js';

const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Throws an Error saying what would not parse; returns quietly when the metric can be served. */
export function checkExposition(registeredName: string, type: unknown, collected: object): void {
  if (!METRIC_NAME.test(registeredName)) throw new Error(`metric name ${quote(registeredName)} is not valid`);
  if (typeof type !== 'string' || !TYPES.has(type))
    throw new Error(`metric type ${quote(type)} is not valid`);
  const values = (collected as { values?: unknown }).values;
  if (!Array.isArray(values)) throw new Error('its values are not an array');
  for (const v of values as unknown[]) {
    if (typeof v !== 'object' || v === null) throw new Error('a value is not an object');
    const { value, labels, metricName } = v as { value?: unknown; labels?: unknown; metricName?: unknown };
    if (typeof value !== 'number') throw new Error(`a value is ${quote(value)}, not a number`);
    if (metricName !== undefined && (typeof metricName !== 'string' || !METRIC_NAME.test(metricName))) {
      throw new Error(`a sample name ${quote(metricName)} is not valid`);
    }
    checkLabels(labels, 'labels');
    // prom-client 15's histograms keep the user's labels apart, in `sharedLabels`.
    checkLabels((v as { sharedLabels?: unknown }).sharedLabels, 'shared labels');
    const exemplar = (v as { exemplar?: unknown }).exemplar;
    if (exemplar !== undefined && exemplar !== null) {
      if (typeof exemplar !== 'object') throw new Error('an exemplar is not an object');
      const e = exemplar as { labelSet?: unknown; value?: unknown };
      checkLabels(e.labelSet, 'exemplar labels');
      if (typeof e.value !== 'number')
        throw new Error(`an exemplar value is ${quote(e.value)}, not a number`);
    }
  }
}

/**
 * Why a label value would not parse, or undefined. prom-client escapes strings; anything else it writes
 * as `String(value)`, unescaped: a number, a boolean, undefined or null is safe that way, but an array or
 * object (a query parameter given twice, `?q=a&q=b`, is an array in Express) can carry a quote or a line
 * break into the exposition, and its `toString` is someone else's code.
 */
function labelValueProblem(value: unknown): string | undefined {
  const t = typeof value;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'bigint' || value == null)
    return undefined;
  return `is ${quote(value)}, not a string (pass String(value), or a value from a fixed set)`;
}

/** Why prom-client would write one label out unparseable, or undefined. */
function labelProblem(name: string, value: unknown): string | undefined {
  if (!LABEL_NAME.test(name)) return `label name ${quote(name)} is not valid`;
  const problem = labelValueProblem(value);
  return problem === undefined ? undefined : `the value of label ${quote(name)} ${problem}`;
}

/** Throws on a label set prom-client would write out unparseable; undefined is no labels. */
function checkLabels(labels: unknown, what: string): void {
  if (labels === undefined) return;
  if (typeof labels !== 'object' || labels === null)
    throw new Error(`a value has ${what} that are not an object`);
  for (const [name, value] of Object.entries(labels)) {
    const problem = labelProblem(name, value);
    if (problem !== undefined) throw new Error(problem);
  }
}

/**
 * The registry's default labels that prom-client can write out, and a message naming the others (left
 * out: prom-client adds default labels to every line, so one bad one broke every metric, mapwatch's too).
 */
export function servableDefaultLabels(labels: Record<string, unknown>): {
  labels: Record<string, unknown>;
  problem?: string;
} {
  const kept: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(labels)) {
    const problem = labelProblem(name, value);
    if (problem === undefined) kept[name] = value;
    else dropped.push(problem);
  }
  return dropped.length === 0
    ? { labels }
    : { labels: kept, problem: `default labels left out: ${dropped.join('; ')}` };
}

/** A value for the message: quoted when a string, and never its own code run (it came from a faulty collector). */
function quote(value: unknown): string {
  const text = describeValue(value);
  return typeof value === 'string' ? JSON.stringify(text) : text;
}
