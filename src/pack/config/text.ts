/**
 * Checks on the text of every string in a config (values and record keys alike): the strings end up in the
 * rules YAML, in PromQL string literals and in Grafana JSON, and some in Go templates.
 */

/**
 * C0 and C1 control characters, DEL, the line and paragraph separators U+2028/U+2029 and the BOM: Go's YAML
 * parser reads U+2028/U+2029 (and U+0085) as line breaks and refuses most control characters, so a rules file
 * carrying one does not load; none of them has a place in a label value, a URL or a map name.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;
/** A UTF-16 surrogate without its pair: not a character, so it cannot be written as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `s` cannot be written into the generated files, or undefined. */
export function textError(s: string): string | undefined {
  const c = CONTROL.exec(s);
  if (c) {
    const code = (c[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
    return `contains the control character U+${code} (line breaks, tabs and separators break the rules YAML); remove it`;
  }
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate (not a character); remove it';
  // What a decoder puts in place of bytes that are not UTF-8; Prometheus' lexer refuses it in any string.
  if (s.includes('\ufffd'))
    return 'contains U+FFFD (the file is not valid UTF-8, or the character was copied from such a file); remove it';
  return undefined;
}

/** `s` quoted, with every character `textError` refuses escaped, so that a message stays on one line. */
export function shown(s: string): string {
  return JSON.stringify(s).replace(
    new RegExp(`${CONTROL.source}|${LONE_SURROGATE.source}`, 'g'),
    (ch) => `\\u${(ch.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Every string of a config with its path, record keys included (as `path key "k"`). Keys come before their
 * value, so a message never has to print a key that is not printable.
 */
export function* stringsOf(v: unknown, path: string): Generator<[string, string]> {
  if (typeof v === 'string') yield [path, v];
  else if (Array.isArray(v)) for (const [i, x] of v.entries()) yield* stringsOf(x, `${path}[${i}]`);
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      yield [`${path || 'config'} key ${shown(k)}`, k];
      yield* stringsOf(x, path ? `${path}.${k}` : k);
    }
  }
}

/**
 * Prometheus expands alert labels and annotations as Go templates, so `{{` starts an action there (`{{ oops`
 * fails the rule) and a literal `}}` is as confusing; values the pack puts into labels and annotations refuse
 * both rather than escaping them.
 */
export function templateError(s: string): string | undefined {
  if (s.includes('{{') || s.includes('}}')) {
    return "must not contain '{{' or '}}' (Prometheus expands alert labels and annotations as Go templates)";
  }
  return undefined;
}
