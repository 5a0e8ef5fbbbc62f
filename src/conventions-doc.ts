/** Renders the metric table as Markdown (docs/metrics.md), so the docs are derived, never retyped. */
import {
  ALL_METRICS,
  DELETE_CAUSES,
  LEAK_STATES,
  LOAD_RESULTS,
  LOCK_MODES,
  LOCK_WAIT_BUCKETS,
  LOOKUP_RESULTS,
  MAP_KINDS,
} from './conventions.js';

/** `a` | `b`: the values of a label, from the table's own lists. */
const values = (list: readonly string[]): string => list.map((v) => `\`${v}\``).join(' | ');

export function renderMetricsDoc(): string {
  const rows = ALL_METRICS.map(
    (m) =>
      `| \`${m.name}\` | ${m.type} | ${m.labels.map((l) => `\`${l}\``).join(', ') || '—'} | \`${m.otelName}\` (\`${m.unit}\`) | ${m.help} |`,
  );
  return [
    '# Metrics',
    '',
    '<!-- Generated from src/conventions.ts by `npm run docs`; test/docs.test.ts fails when it is stale. -->',
    '',
    'Every series carries `map_name` except the three registry-wide ones. Series are per map **name**: live maps',
    'sharing a name are summed and `mapwatch_map_instances` counts them. Counters never go backwards when a map',
    "is garbage-collected: its totals fold into the name's retired totals. A name only emits the families its",
    'maps use (lock series only where there is a lock, read-mostly series only for read-mostly maps, and so on).',
    '',
    '| Prometheus name | type | labels | OpenTelemetry instrument (unit) | meaning |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Lock wait histogram buckets (seconds): ${LOCK_WAIT_BUCKETS.join(', ')}.`,
    '',
    '## Label values',
    '',
    `- \`map_kind\`: ${values(MAP_KINDS)}`,
    `- \`result\`: ${values(LOOKUP_RESULTS)} (lookups), ${values(LOAD_RESULTS)} (loads)`,
    `- \`cause\`: ${values(DELETE_CAUSES)}`,
    `- \`mode\`: ${values(LOCK_MODES)}; \`contended\`: \`true\` | \`false\``,
    `- \`state\`: ${values(LEAK_STATES)}`,
    '',
    '## The same names through every export path',
    '',
    '- **prom-client** (`mapwatch/prometheus`): the names above, as written.',
    '- **OpenTelemetry SDK + `@opentelemetry/exporter-prometheus`**: the exporter turns `.` into `_` and appends',
    '  `_total` to monotonic sums, which yields the names above. It also adds `otel_scope_name` and',
    '  `otel_scope_version` labels to every series; the shipped alerts and dashboards aggregate with explicit',
    '  `by (...)` clauses, so these extra labels change nothing.',
    '- **OTLP → OpenTelemetry Collector → Prometheus** (`prometheus` or `prometheusremotewrite` exporter with',
    "  `add_metric_suffixes: true`, the default): the collector appends the unit's word unless the name already",
    '  contains it (`s` → `seconds`, `1` → `ratio`, `/s` → `per_second`; units in braces such as `{entry}` add',
    '  nothing) and `_total` to monotonic sums. Every instrument whose unit would add a word already carries it',
    '  in its name, so the result is again the names above. With `add_metric_suffixes: false` the collector',
    '  only replaces `.` with `_`, and counters lose their `_total`: keep the default.',
    '  `resource_to_telemetry_conversion` is not needed: `job` and `instance` come from `service.name` and',
    '  `service.instance.id` as usual.',
    '',
    '`test/conventions.test.ts` checks both translations for every row.',
    '',
  ].join('\n');
}
