/**
 * Bounded, one-line renderings of values from untrusted input (a query_range file, a Prometheus answer)
 * for error messages. Never JSON.stringify or String() of a container: well-formed JSON may nest arrays
 * 100,000 deep, and both recurse through them until the stack overflows.
 */

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Longest rendering `show` gives, in characters. */
const SHOW_MAX = 40;

/**
 * A short, bounded rendering of a bad token for a message, as JSON. Not JSON.stringify: a well-formed
 * input may nest arrays 100,000 deep, which JSON.stringify and String() recurse through until the
 * stack overflows; this reads the JSON text token by token and stops at SHOW_MAX characters.
 */
export function show(x: unknown): string {
  let s = '';
  for (const token of jsonTokens(x)) {
    s += token;
    if (s.length > SHOW_MAX) return `${s.slice(0, SHOW_MAX - 3)}...`;
  }
  return s;
}

/** What is left to write of one array or object: its remaining items and its closing bracket. */
interface Frame {
  readonly items: Iterator<readonly [prefix: string, value: unknown]>;
  readonly close: string;
}

/**
 * The JSON text of `x`, token by token, depth first with an explicit stack rather than recursion, so
 * that the caller can stop after a few tokens whatever the depth. Strings are cut past SHOW_MAX
 * (the caller cuts the text there anyway).
 */
function* jsonTokens(x: unknown): Generator<string> {
  const stack: Frame[] = [];
  let value: unknown = x;
  for (;;) {
    if (Array.isArray(value)) {
      yield '[';
      stack.push({ items: arrayItems(value), close: ']' });
    } else if (isRecord(value)) {
      yield '{';
      stack.push({ items: objectItems(value), close: '}' });
    } else yield scalarJson(value);
    // Close every finished container, then descend into the next item, if any.
    for (;;) {
      const frame = stack.at(-1);
      if (frame === undefined) return;
      const next = frame.items.next();
      if (next.done) {
        stack.pop();
        yield frame.close;
        continue;
      }
      yield next.value[0];
      value = next.value[1];
      break;
    }
  }
}

function* arrayItems(a: readonly unknown[]): Generator<readonly [string, unknown]> {
  for (let i = 0; i < a.length; i++) yield [i > 0 ? ',' : '', a[i]];
}

function* objectItems(o: Record<string, unknown>): Generator<readonly [string, unknown]> {
  let first = true;
  for (const k of Object.keys(o)) {
    yield [`${first ? '' : ','}${scalarJson(k)}:`, o[k]];
    first = false;
  }
}

/** A string (cut past SHOW_MAX), number, boolean or null as JSON; `undefined` for a missing field. */
function scalarJson(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x.length > SHOW_MAX ? x.slice(0, SHOW_MAX + 1) : x);
  return JSON.stringify(x) ?? String(x);
}

/** Longest free text (an error message from the input) quoted in a message, in characters. */
const TEXT_MAX = 500;

/**
 * Free text from the input (a Prometheus `error`, `errorType` or warning) for a one-line message: a
 * string on one line and capped; anything else by its type or as a short `show`, never String() of it
 * (String() of a deeply nested array overflows the stack).
 */
export function describeText(x: unknown): string {
  if (typeof x === 'string') {
    const line = x.replace(/\s+/g, ' ');
    return line.length > TEXT_MAX ? `${line.slice(0, TEXT_MAX - 3)}...` : line;
  }
  if (Array.isArray(x)) return `(an array, not a string: ${show(x)})`;
  if (typeof x === 'object' && x !== null) return `(an object, not a string: ${show(x)})`;
  return String(x);
}
