/**
 * The `selector` option, read with Prometheus' own grammar for label matchers: the generator pastes it into
 * every selector of the rules, so whatever promtool would refuse there must be refused here, with the reason.
 * `@prometheus-io/lezer-promql` is only a dev dependency (the published package depends on `yaml` alone), so
 * the few rules of the grammar that matter are written out below, as Go's lexer and strconv apply them.
 */

import { PROMETHEUS_LABEL_NAME as LABEL } from '../../names.js';
import { translateRe2 } from './re2.js';

/** One matcher: label, operator, a double-quoted string (its escapes are checked by `unquote`). */
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\[^])*)"\s*(,|$)/;
/** Go accepts only these escapes in a double-quoted string; `\'` belongs to single-quoted strings. */
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};
/** `\xHH`, `\NNN` (octal), `\uHHHH`, `\UHHHHHHHH`: their lengths and bases. */
const NUMERIC_ESCAPES: Record<string, [number, number]> = { x: [2, 16], u: [4, 16], U: [8, 16] };

/**
 * The value of a Go double-quoted string body, or an error. `\x` and octal escapes make single bytes, which
 * are valid UTF-8 only below 0x80, so higher ones are refused rather than guessed at.
 */
export function unquote(body: string): { value: string } | { error: string } {
  let value = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== '\\') {
      value += ch;
      continue;
    }
    const e = body[i + 1] ?? '';
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      value += simple;
      i++;
      continue;
    }
    const numeric = NUMERIC_ESCAPES[e] ?? (/[0-7]/.test(e) ? [3, 8] : undefined);
    if (!numeric)
      return {
        error: `unknown escape '\\${e}' (Go accepts \\a \\b \\f \\n \\r \\t \\v \\\\ \\" \\xHH \\NNN \\uHHHH \\UHHHHHHHH)`,
      };
    const [len, base] = numeric;
    const start = base === 8 ? i + 1 : i + 2;
    const digits = body.slice(start, start + len);
    const ok = base === 8 ? /^[0-7]{3}$/ : /^[0-9a-fA-F]+$/;
    if (digits.length !== len || !ok.test(digits))
      return { error: `malformed escape '\\${body.slice(i + 1, start + len)}'` };
    const code = parseInt(digits, base);
    const byte = base === 8 || e === 'x';
    if ((byte && code > 0x7f) || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return { error: `escape '\\${body.slice(i + 1, start + len)}' is not a valid UTF-8 character` };
    }
    value += String.fromCodePoint(code);
    i = start + len - 1;
  }
  return { value };
}

/** Why Go's regexp (RE2) would refuse a pattern, or undefined. */
function re2Error(re: string): string | undefined {
  const t = translateRe2(re);
  if ('error' in t) return t.error;
  try {
    new RegExp(t.source, `${t.flags}u`);
  } catch (err) {
    // V8 writes `Invalid regular expression: /<source>/<flags>: <reason>`: the reason alone, as the
    // source may be the whole (huge) pattern again.
    const message = (err as Error).message;
    return message.startsWith('Invalid regular expression:')
      ? message.slice(message.lastIndexOf(': ') + 2)
      : message;
  }
  return undefined;
}

/** At most `max` characters of `text` for a message, with how much was left out. */
export function clipForMessage(text: string, max = 100): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

export type MatchOp = '=' | '!=' | '=~' | '!~';
export interface Matcher {
  label: string;
  op: MatchOp;
  /** The unquoted value: a literal for = and !=, an RE2 pattern for =~ and !~. */
  value: string;
  /** The matcher as written in the selector. */
  text: string;
}

/**
 * The longest selector taken. The selector is written into every rule and every test series: a 100 KB
 * one wrote 272 MB of rules and tests in 18 s (found by a hostile-input probe), and nothing longer than
 * a few hundred characters selects anything a shorter regex could not.
 */
export const MAX_SELECTOR_CHARS = 2048;

const NOT_MATCHERS = `must be PromQL matchers without braces, like 'job=~"checkout-.*"'`;

/**
 * A selector read matcher by matcher, or why it would break the rules: matchers without braces, each with a
 * string Go can unquote, no `__name__` (every rule sets its own metric name) and regexes that compile.
 */
function readSelector(selector: string): { matchers: Matcher[] } | { error: string } {
  if (selector.length > MAX_SELECTOR_CHARS) {
    return {
      error: `is ${selector.length} characters, longer than the ${MAX_SELECTOR_CHARS} a selector may be (it is written into every rule and test series); select by fewer, shorter matchers, e.g. a job regex such as job=~"checkout-.*"`,
    };
  }
  const matchers: Matcher[] = [];
  let rest = selector;
  for (;;) {
    const m = MATCHER.exec(rest);
    if (!m) return { error: NOT_MATCHERS };
    const [whole, label, op, body, sep] = m as unknown as [string, string, MatchOp, string, string];
    if (!LABEL.test(label) || label === '__name__') {
      return {
        error: `must not match on __name__ (every rule sets its own metric name); match on job or other labels`,
      };
    }
    const u = unquote(body);
    if ('error' in u) return { error: `matcher ${label}${op}"…": ${u.error}` };
    if (op === '=~' || op === '!~') {
      const err = re2Error(u.value);
      if (err)
        return { error: `matcher ${label}${op}"${clipForMessage(body)}" is not a valid regexp: ${err}` };
    }
    matchers.push({ label, op, value: u.value, text: `${label}${op}"${body}"` });
    rest = rest.slice(whole.length);
    if (sep === '') return rest === '' ? { matchers } : { error: NOT_MATCHERS };
  }
}

/** Why a selector would break the rules (see readSelector), or undefined. */
export function selectorError(selector: string): string | undefined {
  const r = readSelector(selector);
  return 'error' in r ? r.error : undefined;
}

/** The matchers of a selector; throws with selectorError's reason on one it refuses. */
export function parseSelector(selector: string): Matcher[] {
  const r = readSelector(selector);
  if ('error' in r) throw new Error(`selector ${r.error}; got '${clipForMessage(selector)}'`);
  return r.matchers;
}

/**
 * An RE2 pattern as a JavaScript RegExp, anchored as PromQL anchors it; `.` matches newlines, as in
 * Prometheus 3. Throws on a pattern re2Error refuses.
 */
export function anchoredRegExp(re: string): RegExp {
  const t = translateRe2(re);
  if ('error' in t) throw new Error(t.error);
  return new RegExp(`^(?:${t.source})$`, `${t.flags}su`);
}

/** Whether a label value (`''` for an absent label) passes a matcher. */
export function matches(m: Pick<Matcher, 'op' | 'value'>, value: string): boolean {
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return anchoredRegExp(m.value).test(value);
    case '!~':
      return !anchoredRegExp(m.value).test(value);
  }
}
