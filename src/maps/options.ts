/** Options shared by every mapwatch map. */
import type { MapRegistry } from '../registry.js';

export interface MapOptions {
  /** The series name (`map_name` label). Bounded and chosen by you: never derive it from request data. */
  name: string;
  /** Registry to report to; default `defaultRegistry`. */
  registry?: MapRegistry;
}

/** Rejects a missing or non-object options argument with a message that shows the fix. */
export function requireOptions<T extends object>(options: T | undefined, what: string): T {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`mapwatch: ${what} needs an options object with a name, e.g. { name: 'sessions' }`);
  }
  return options;
}
