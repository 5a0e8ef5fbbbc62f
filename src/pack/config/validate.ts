/**
 * Checks a config at the boundary: a partial config merged over a complete one refuses keys the base does not
 * have and values of another type, and `validate` refuses values a type cannot express. Every message says
 * what to write instead, since a team writes these files by hand.
 */
import { PROMETHEUS_LABEL_NAME, PROMETHEUS_METRIC_NAME } from '../../names.js';
import { LIMIT_BYTES, numberRanges, rangeError } from './bounds.js';
import { checkDurations } from './durations.js';
import { ALERT_KEYS, RESOURCE_LABELS, SEVERITIES, TARGETS, type PackConfig } from './schema.js';
import { clipForMessage, selectorError } from './selector.js';
import { stringsOf, templateError, textError } from './text.js';

/** Longest ConfigError message: longer ones keep their start and end, so a huge value cannot flood a terminal. */
const MAX_MESSAGE = 1000;

export class ConfigError extends Error {
  override name = 'ConfigError';

  constructor(message: string) {
    super(
      message.length <= MAX_MESSAGE
        ? message
        : `${message.slice(0, 600)}… (${message.length - 800} characters left out) …${message.slice(-200)}`,
    );
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges `partial` over `base`, refusing keys the base does not have and values of another type. */
export function merge(base: unknown, partial: unknown, path: string): unknown {
  if (partial === undefined) return structuredClone(base);
  // The free-form records: map name -> ceiling, label name -> value.
  const records: Record<string, ['number' | 'string', string]> = {
    'growth.ceilings': ['number', 'map name -> number'],
    alertLabels: ['string', 'label name -> string'],
    resourceLabels: ['string', 'Kubernetes label name -> string'],
  };
  const record = records[path];
  if (record) {
    const [type, what] = record;
    if (!isPlainObject(partial)) throw new ConfigError(`${path} must be an object of ${what}`);
    for (const [k, v] of Object.entries(partial)) {
      if (typeof v !== type)
        throw new ConfigError(`${path}.${k} must be a ${type}, got ${describeConfigValue(v)}`);
    }
    return { ...partial };
  }
  if (isPlainObject(base)) {
    if (!isPlainObject(partial)) throw new ConfigError(`${path || 'config'} must be an object`);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(partial)) {
      // Own keys only: `key in base` would take `constructor` or `toString` for options.
      if (!Object.hasOwn(base, key)) {
        const known = Object.keys(base).join(', ');
        throw new ConfigError(`unknown key '${path ? `${path}.` : ''}${key}'; known keys here: ${known}`);
      }
    }
    for (const key of Object.keys(base))
      out[key] = merge(base[key], partial[key], path ? `${path}.${key}` : key);
    return out;
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(partial) || !partial.every((x) => typeof x === 'string')) {
      throw new ConfigError(`${path} must be an array of strings`);
    }
    return [...partial];
  }
  // keepFiringFor is the one nullable leaf.
  if (path.endsWith('.keepFiringFor') && (partial === null || typeof partial === 'string')) return partial;
  if (typeof partial !== typeof base) {
    throw new ConfigError(`${path} must be a ${typeof base}, got ${describeConfigValue(partial)}`);
  }
  return partial;
}

/**
 * A value read from a JSON config, for a message: strings quoted ("1000" is the usual mistake for a
 * number), arrays and objects named, never JSON.stringify of a container (a value nested 5,000 deep
 * overflowed the stack there, exit 1 instead of 2).
 */
function describeConfigValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(clipForMessage(v));
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}

/** Labels the pack sets or reads itself; alertLabels must not overwrite them. */
const RESERVED_LABELS = ['alertname', 'severity', 'signal', 'job', 'instance', 'map_name', 'metric'];

/**
 * Variables of the dashboards (src/pack/dashboards/shared.ts and dashboards.ts): a groupBy label becomes a
 * variable of its own name, so these would appear twice.
 */
const DASHBOARD_VARIABLES = ['datasource', 'job', 'instance', 'map'];

const fail = (msg: string): never => {
  throw new ConfigError(msg);
};

/** Every string, record keys included, must be writable into YAML, PromQL and JSON as one line. */
function checkText(c: PackConfig): void {
  for (const [path, s] of stringsOf(c, '')) {
    const err = textError(s);
    if (err) fail(`${path} ${err}`);
  }
}

function checkGroupBy(groupBy: readonly string[]): void {
  for (const l of groupBy) {
    if (!PROMETHEUS_LABEL_NAME.test(l)) fail(`groupBy: '${l}' is not a Prometheus label name`);
    if (['job', 'instance', 'map_name'].includes(l)) fail(`groupBy: '${l}' is always kept; remove it`);
    // `__name__` and the other `__` labels are Prometheus' own: `by (__name__)` keeps the metric name apart.
    if (l.startsWith('__'))
      fail(`groupBy: '${l}' is reserved by Prometheus (labels starting with __); remove it`);
    if (DASHBOARD_VARIABLES.includes(l)) {
      fail(
        `groupBy: '${l}' is the name of a dashboard variable (${DASHBOARD_VARIABLES.join(', ')}); remove it`,
      );
    }
  }
}

/** Kubernetes' rules for label keys (an optional DNS-subdomain prefix and `/`) and values, 63 characters. */
const K8S_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const K8S_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkResourceLabels(labels: Record<string, string>): void {
  for (const [k, v] of Object.entries(labels)) {
    const slash = k.lastIndexOf('/');
    const [prefix, name] = slash < 0 ? [undefined, k] : [k.slice(0, slash), k.slice(slash + 1)];
    const prefixOk = prefix === undefined || (prefix.length <= 253 && K8S_PREFIX.test(prefix));
    if (!prefixOk || !K8S_NAME.test(name)) {
      fail(
        `resourceLabels: '${k}' is not a Kubernetes label key (an optional DNS prefix and '/', then up to 63 ` +
          `letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`,
      );
    }
    if (Object.hasOwn(RESOURCE_LABELS, k))
      fail(`resourceLabels: '${k}' is set by the pack; pick another key`);
    if (v !== '' && !K8S_NAME.test(v)) {
      fail(
        `resourceLabels.${k}: '${v}' is not a Kubernetes label value (up to 63 letters, digits, '-', '_' or ` +
          `'.', starting and ending with a letter or digit, or empty)`,
      );
    }
  }
}

/** The values the pack puts into alert labels and annotations, which Prometheus expands as templates. */
function checkTemplates(c: PackConfig): void {
  const values: Array<[string, string]> = [
    ...Object.entries(c.alertLabels).map(([k, v]): [string, string] => [`alertLabels.${k}`, v]),
    ['runbookBaseUrl', c.runbookBaseUrl],
    ['grafanaBaseUrl', c.grafanaBaseUrl],
    ['dashboards.uidPrefix', c.dashboards.uidPrefix],
  ];
  for (const [path, v] of values) {
    const err = templateError(v);
    if (err) fail(`${path} ${err}`);
  }
}

/** Checks values a type cannot express; messages say what to write instead. */
export function validate(c: PackConfig): void {
  checkText(c);
  if (!(TARGETS as readonly string[]).includes(c.target)) {
    fail(`target must be one of ${TARGETS.join(', ')}; got '${c.target}'`);
  }
  const selector = selectorError(c.selector);
  if (selector) fail(`selector ${selector}; got '${clipForMessage(c.selector)}'`);
  checkGroupBy(c.groupBy);
  for (const [k, v] of Object.entries(c.alertLabels)) {
    if (!PROMETHEUS_LABEL_NAME.test(k) || k.startsWith('__'))
      fail(`alertLabels: '${k}' is not a Prometheus label name`);
    if (RESERVED_LABELS.includes(k) || c.groupBy.includes(k)) {
      fail(`alertLabels: '${k}' is set by the pack or by the series; pick another label name`);
    }
    if (v === '') fail(`alertLabels.${k} must not be empty (an empty value removes the label)`);
  }
  checkResourceLabels(c.resourceLabels);
  checkTemplates(c);
  for (const name of c.excludeMaps) if (name === '') fail('excludeMaps: map names must not be empty');
  for (const [p, v] of [
    ['memory.usageSeries', c.memory.usageSeries],
    ['memory.startTimeSeries', c.memory.startTimeSeries],
  ] as const) {
    if (!PROMETHEUS_METRIC_NAME.test(v)) fail(`${p} must be a Prometheus metric name; got '${v}'`);
  }
  if (c.memory.limitSeries !== '' && !PROMETHEUS_METRIC_NAME.test(c.memory.limitSeries)) {
    fail(`memory.limitSeries must be a Prometheus metric name or ''; got '${c.memory.limitSeries}'`);
  }
  if (c.memory.limitSeries === '' && !(Number.isFinite(c.memory.limitBytes) && c.memory.limitBytes > 0)) {
    fail("memory.limitBytes must be a positive number of bytes when memory.limitSeries is ''");
  }
  if (c.memory.limitSeries !== '' && c.memory.limitBytes !== 0) {
    fail("set either memory.limitSeries or memory.limitBytes (with memory.limitSeries: '')");
  }
  const seconds = checkDurations(c, fail);
  for (const key of ALERT_KEYS) {
    const a = c.alerts[key];
    if (!SEVERITIES.includes(a.severity)) {
      fail(`alerts.${key}.severity must be one of ${SEVERITIES.join(', ')}; got '${a.severity}'`);
    }
  }
  const positives: Array<[string, number]> = [
    ['growth.minFloorRise', c.growth.minFloorRise],
    ['growth.ceiling', c.growth.ceiling],
    ['fresh.minNetInserts', c.fresh.minNetInserts],
    ['fresh.ttlSlack', c.fresh.ttlSlack],
    ...Object.entries(c.growth.ceilings).map(([k, v]): [string, number] => [`growth.ceilings.${k}`, v]),
    ['instances.minFloorRise', c.instances.minFloorRise],
    ['lock.stormWaiters', c.lock.stormWaiters],
    ['lock.stormMeanWaitSeconds', c.lock.stormMeanWaitSeconds],
    ['memory.minNetInserts', c.memory.minNetInserts],
    ['exporter.maxScrapeSeconds', c.exporter.maxScrapeSeconds],
    ['exporter.minSampleGrowth', c.exporter.minSampleGrowth],
    ['lock.longWaitSeconds', c.lock.longWaitSeconds],
    ['lock.minContendedPerSecond', c.lock.minContendedPerSecond],
    ['lock.minTimeouts', c.lock.minTimeouts],
    ['promotion.copiedPerLookup', c.promotion.copiedPerLookup],
    ['promotion.minPromotionsPerSecond', c.promotion.minPromotionsPerSecond],
    ['cache.minLookupsPerSecond', c.cache.minLookupsPerSecond],
    ['loads.joinsPerLoad', c.loads.joinsPerLoad],
    ['loads.minJoinsPerSecond', c.loads.minJoinsPerSecond],
    ['loads.minLoadsPerSecond', c.loads.minLoadsPerSecond],
  ];
  for (const [p, v] of positives) if (!(Number.isFinite(v) && v > 0)) fail(`${p} must be a positive number`);
  const ratios: Array<[string, number]> = [
    ['lock.waitQuantile', c.lock.waitQuantile],
    ['fresh.minNetShare', c.fresh.minNetShare],
    ['memory.minNetShare', c.memory.minNetShare],
    ['lock.timeoutRatio', c.lock.timeoutRatio],
    ['cache.missRatio', c.cache.missRatio],
    ['loads.failureRatio', c.loads.failureRatio],
  ];
  for (const [p, v] of ratios) if (!(v > 0 && v < 1)) fail(`${p} must be between 0 and 1 (exclusive)`);
  for (const [p, v] of [
    ['fresh.ageRatio', c.fresh.ageRatio],
    ['growth.pageAboveShare', c.growth.pageAboveShare],
    ['memory.ratio', c.memory.ratio],
  ] as const) {
    if (!(v > 0 && v <= 1)) fail(`${p} must be above 0 and at most 1`);
  }
  if (!(c.exporter.sampleGrowthRatio > 1)) fail('exporter.sampleGrowthRatio must be above 1');
  if (c.fresh.ttlSlack < 1) fail('fresh.ttlSlack must be at least 1 (the TTL itself)');
  if (seconds('fresh.floorOffset') < seconds('fresh.floorWindow')) {
    fail('fresh.floorOffset must be at least fresh.floorWindow (the two floors must not overlap)');
  }
  for (const [p, v, r] of numberRanges(c)) {
    const err = rangeError(p, v, r);
    if (err) fail(err);
  }
  if (c.memory.limitSeries === '') {
    const err = rangeError('memory.limitBytes', c.memory.limitBytes, LIMIT_BYTES);
    if (err) fail(err);
  }
  if (!/^https?:\/\/\S+$/.test(c.runbookBaseUrl) || c.runbookBaseUrl.includes('#')) {
    fail('runbookBaseUrl must be an http(s) URL without a #fragment (anchors are appended per alert)');
  }
  if (!/^https?:\/\/[^\s?#]+$/.test(c.grafanaBaseUrl) || c.grafanaBaseUrl.endsWith('/')) {
    fail(
      "grafanaBaseUrl must be an http(s) URL without a trailing '/', query or #fragment, like 'https://grafana.example.com'",
    );
  }
  if (!/^[a-z0-9-]{1,20}$/.test(c.dashboards.uidPrefix)) {
    fail('dashboards.uidPrefix must be 1-20 characters of a-z, 0-9 and - (Grafana uids are at most 40)');
  }
}
