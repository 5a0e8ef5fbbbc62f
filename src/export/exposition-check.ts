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
    if (labels === undefined) continue;
    if (typeof labels !== 'object' || labels === null)
      throw new Error('a value has labels that are not an object');
    for (const name of Object.keys(labels)) {
      if (!LABEL_NAME.test(name)) throw new Error(`label name ${quote(name)} is not valid`);
    }
  }
}

/** A value for the message: quoted when a string, and never its own code run (it came from a faulty collector). */
function quote(value: unknown): string {
  const text = describeValue(value);
  return typeof value === 'string' ? JSON.stringify(text) : text;
}
