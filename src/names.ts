/** Validation of map names at the boundary: a bad name is a programming error, reported at once. */
import { MAP_NAME_MAX_LENGTH, OVERFLOW_MAP_NAME } from './conventions.js';

// Control characters would corrupt the text exposition and log lines; everything printable is allowed,
// because names are escaped wherever they are shown.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

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
