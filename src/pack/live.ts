/**
 * Live values in alert descriptions: `query` templates that Prometheus evaluates when it expands an
 * annotation, at the alert's own evaluation, for what `$value` cannot carry (the map's size now, its
 * growth per hour, the time to its ceiling, memory against the limit, restarts).
 *
 * Each template is built from a LiveSpec and registered by its printf format, so the promtool test generator
 * (scenarios/live.ts) can tell which quantity a rendered template asks for and compute it from its model.
 * The queries select the alert's series by its exact job, instance, map_name and groupBy labels (a label the
 * alert does not carry renders as "" and matches series without it).
 */
import { LABELS, METRICS } from '../conventions.js';
import { type PackConfig } from './config.js';
import { num } from './promql.js';

/** Prometheus template functions the values are printed with. */
export type LiveFormat = 'humanize' | 'humanizePercentage' | 'humanizeDuration';

export type LiveSpec =
  | { kind: 'entries' }
  | { kind: 'instances' }
  | { kind: 'declaredMax' }
  /** Least-squares slope of the entries over `window`, per hour (`deriv`). */
  | { kind: 'growthPerHour'; window: string }
  /** Seconds until the entries reach the map's ceiling at the pace of `growth.predictWindow`. */
  | { kind: 'timeToCeiling' }
  | { kind: 'memoryShare' }
  | { kind: 'restarts'; window: string };

interface Registered {
  spec: LiveSpec;
  format: LiveFormat;
}

const REGISTRY = new Map<string, Registered>();

/** The spec a printf format of a live template was built from (for the test renderer). */
export function liveSpecOf(format: string): Registered | undefined {
  return REGISTRY.get(format);
}

/** `job=%q, instance=%q, ...` and the template arguments that fill it, for a map or a target. */
function matchers(c: PackConfig, scope: 'map' | 'target'): { text: string; args: string[] } {
  const labels = ['job', 'instance', ...(scope === 'map' ? [LABELS.mapName] : []), ...c.groupBy];
  return { text: labels.map((l) => `${l}=%q`).join(', '), args: labels.map((l) => `$labels.${l}`) };
}

/** The Go template variable holding the map's ceiling (set by `ceilingVariable`). */
const CEILING_VAR = '$ceiling';

/**
 * `{{ $ceiling := "<default>" }}` followed by one `if` per map with its own ceiling: the time-to-ceiling
 * template reads the variable. Must precede any `timeToCeiling` template in a description.
 */
export function ceilingVariable(c: PackConfig): string {
  const overrides = Object.entries(c.growth.ceilings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return (
    `{{ ${CEILING_VAR} := "${num(c.growth.ceiling)}" }}` +
    overrides
      .map(
        ([name, v]) =>
          `{{ if eq $labels.${LABELS.mapName} ${JSON.stringify(name)} }}{{ ${CEILING_VAR} = "${num(v)}" }}{{ end }}`,
      )
      .join('')
  );
}

function memoryLimit(c: PackConfig, m: string): string {
  return c.memory.limitSeries ? `max(${c.memory.limitSeries}{${m}})` : num(c.memory.limitBytes);
}

/**
 * A `query` template printing the value of `spec` for the alert's labels, or `fallback` when the query
 * returns nothing (e.g. a map that shrinks has no time to its ceiling).
 */
export function live(c: PackConfig, spec: LiveSpec, fallback = 'unknown'): string {
  const scope = spec.kind === 'memoryShare' || spec.kind === 'restarts' ? 'target' : 'map';
  const m = matchers(c, scope);
  const E = METRICS.entries.name;
  let query: string;
  let args = m.args;
  let format: LiveFormat = 'humanize';
  switch (spec.kind) {
    case 'entries':
      query = `sum(${E}{${m.text}})`;
      break;
    case 'instances':
      query = `sum(${METRICS.instances.name}{${m.text}})`;
      break;
    case 'declaredMax':
      query = `sum(${METRICS.declaredMaxEntries.name}{${m.text}})`;
      break;
    case 'growthPerHour':
      query = `sum(deriv(${E}{${m.text}}[${spec.window}])) * 3600`;
      break;
    case 'timeToCeiling':
      query = `(%s - sum(${E}{${m.text}})) / sum(deriv(${E}{${m.text}}[${c.growth.predictWindow}])) > 0`;
      args = [CEILING_VAR, ...m.args, ...m.args];
      format = 'humanizeDuration';
      break;
    case 'memoryShare':
      query = `max(${c.memory.usageSeries}{${m.text}}) / ${memoryLimit(c, m.text)}`;
      if (c.memory.limitSeries) args = [...m.args, ...m.args];
      format = 'humanizePercentage';
      break;
    case 'restarts':
      query = `sum(changes(${c.memory.startTimeSeries}{${m.text}}[${spec.window}]))`;
      break;
  }
  if (query.includes('"')) throw new Error(`a live query must not contain quotes: ${query}`);
  REGISTRY.set(query, { spec, format });
  return (
    `{{ with printf "${query}" ${args.join(' ')} | query }}{{ . | first | value | ${format} }}` +
    `{{ else }}${fallback}{{ end }}`
  );
}
