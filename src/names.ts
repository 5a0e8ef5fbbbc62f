/**
 * Validation of map names at the boundary: a bad name is a programming error, reported at once. Also the
 * syntax of Prometheus' own metric and label names, which the exporters and the pack config check.
 */
import { MAP_NAME_MAX_LENGTH, OVERFLOW_MAP_NAME } from './conventions.js';

/** A Prometheus metric name (colons allowed, as in recording rules). */
export const PROMETHEUS_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** A Prometheus label name. */
export const PROMETHEUS_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// Control characters would corrupt the text exposition and log lines; everything printable is allowed,
// because names are escaped wherever they are shown.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/**
 * A surrogate code unit not part of a pair. With the `u` flag a well-formed pair is one code point (not
 * in the Cs category), so this matches exactly the lone ones (what `String.prototype.isWellFormed()`,
 * Node 20+, rejects). Encoded as UTF-8 for a label value or a log line, each becomes U+FFFD: 'a\uD800' and
 * 'a\uDC00' would be one series.
 */
const LONE_SURROGATE = /\p{Cs}/u;

/** Returns the name unchanged, or throws a TypeError/RangeError that says how to fix it. */
export function validateMapName(name: unknown, what = 'map name'): string {
  if (typeof name !== 'string') {
    throw new TypeError(`mapwatch: ${what} must be a string, got ${name === null ? 'null' : typeof name}`);
  }
  if (name.length === 0) {
    throw new RangeError(`mapwatch: ${what} must not be empty; pass { name: 'sessions' } or similar`);
  }
  if (name.length > MAP_NAME_MAX_LENGTH) {
    throw new RangeError(
      `mapwatch: ${what} is ${name.length} characters; keep it at most ${MAP_NAME_MAX_LENGTH} (it becomes a label value)`,
    );
  }
  // After the length check: scanning a megabyte of text to refuse it for its length would be waste.
  const lone = LONE_SURROGATE.exec(name);
  if (lone !== null) {
    const unit = name.charCodeAt(lone.index).toString(16).toUpperCase();
    throw new RangeError(
      `mapwatch: ${what} ${JSON.stringify(name)} is not well-formed Unicode: a lone surrogate (U+${unit}) at ` +
        `index ${lone.index}. Exporters write it as U+FFFD, so it would share a series with other names; ` +
        'remove or replace it (a string cut in the middle of an emoji? cut by code points instead)',
    );
  }
  if (CONTROL_CHARS.test(name)) {
    throw new RangeError(
      `mapwatch: ${what} ${JSON.stringify(name)} contains control characters; use printable text`,
    );
  }
  if (name === OVERFLOW_MAP_NAME) {
    throw new RangeError(
      `mapwatch: ${what} '${OVERFLOW_MAP_NAME}' is reserved for maps past the registry's name cap`,
    );
  }
  return name;
}
