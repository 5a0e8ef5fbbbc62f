/**
 * How exporters report a metric that failed to collect: never thrown, whatever was thrown.
 *
 * Every collection failure of every exporter (a mapwatch collector, a user's collector served by the
 * express router, an OpenTelemetry callback) goes through one `collectErrorReporter()`. That function is
 * the hook for `mapwatch_collect_errors_total` (one per metric and scrape): count there, not in the
 * exporters.
 */

/**
 * Called once per failed metric and scrape (or collection). Should not throw; if it throws, or returns a
 * promise that rejects, that is ignored.
 */
export type CollectErrorHandler = (metricName: string, error: unknown) => void;

/** Distinct failures remembered; messages can embed values, so the set must not grow for ever. */
const MAX_REMEMBERED = 100;
/** Longest description kept: a thrown value's message can be arbitrarily long. */
const MAX_DESCRIPTION = 300;

// Control characters (a newline forges a log line, an escape sequence repaints a terminal) are shown as
// one space; lone surrogates would be written to stderr as U+FFFD anyway.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f]|\p{Cs}/gu;

/**
 * A one-line description of any thrown value that never throws itself: `String(err)` throws for
 * `Object.create(null)` and for a Proxy, and an Error's `message` may be a getter that throws.
 */
export function describeError(error: unknown): string {
  let text: string;
  try {
    text = describeUnsafe(error);
  } catch {
    text = 'a value that cannot be described (converting it to text throws)';
  }
  // Cut first: a message can be megabytes, and nothing past the cut is shown anyway. V8 may represent a
  // string as a view of a larger one (a slice), so a remembered description could keep a huge message
  // alive: join() copies it into a string of its own.
  const cut = text.length > MAX_DESCRIPTION;
  text = Array.from(cut ? text.slice(0, MAX_DESCRIPTION) : text)
    .join('')
    .replace(UNPRINTABLE, ' ');
  return cut ? `${text}…` : text;
}

function describeUnsafe(error: unknown): string {
  if (error === null) return 'null';
  switch (typeof error) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return error;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'symbol':
      return String(error);
    case 'function':
      return 'a function';
    default:
      break;
  }
  // An object: its message when it has a string one (Errors, and errors from another realm).
  const { message, name } = error as { message?: unknown; name?: unknown };
  if (typeof message === 'string') {
    return typeof name === 'string' && name !== '' && name !== 'Error' ? `${name}: ${message}` : message;
  }
  // Whatever was thrown, in the only words it has (a throwing toString is handled by the caller).
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  const text = String(error);
  return typeof text === 'string' ? text : 'an object';
}

/** The default handler: one stderr line per metric and failure message, for a bounded number of them. */
export function reportOncePerMessage(where: string): CollectErrorHandler {
  const reported = new Set<string>();
  return (metricName, error) => {
    // Both bounded and copied (see describeError): the set holds at most MAX_REMEMBERED short strings.
    const name = describeError(metricName);
    const message = describeError(error);
    const key = `${name}\u0000${message}`;
    if (reported.has(key) || reported.size >= MAX_REMEMBERED) return;
    reported.add(key);
    process.stderr.write(`mapwatch: collecting ${name} failed, skipped in this ${where}: ${message}\n`);
  };
}

/**
 * Wraps a user-supplied handler so that its own failure cannot escape into a scrape either: a throw, or
 * a rejection of the promise an async handler returns (unhandled, it would end the process).
 */
export function guarded(handler: CollectErrorHandler): CollectErrorHandler {
  return (metricName, error) => {
    try {
      const returned: unknown = handler(metricName, error);
      if ((typeof returned === 'object' && returned !== null) || typeof returned === 'function') {
        const then = (returned as { then?: unknown }).then;
        if (typeof then === 'function') then.call(returned, undefined, ignore);
      }
    } catch {
      // nothing more can be done without risking the scrape
    }
  };
}

function ignore(): void {
  // a failing error handler: nothing more can be done without risking the scrape
}

/** Metrics left out of a scrape or collection by any mapwatch exporter of this process, ever. */
let collectErrors = 0;

/** The count behind `mapwatch_collect_errors_total` (process-wide: every exporter, every registry). */
export function collectErrorCount(): number {
  return collectErrors;
}

/**
 * The one path every collection failure takes: counted for `mapwatch_collect_errors_total` (once per
 * call: one metric left out of one scrape or collection), then the user's `onError` (default: one stderr
 * line per metric and message), guarded. `where` names the occasion in the default message ('scrape',
 * 'collection').
 */
export function collectErrorReporter(
  where: string,
  onError: CollectErrorHandler | undefined,
): CollectErrorHandler {
  if (onError !== undefined && typeof onError !== 'function') {
    throw new TypeError('mapwatch: onError must be a function (metricName, error) => void');
  }
  const handler = guarded(onError ?? reportOncePerMessage(where));
  return (metricName, error) => {
    collectErrors++;
    handler(metricName, error);
  };
}
