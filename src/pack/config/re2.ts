/**
 * RE2 patterns (Go's regexp, which Prometheus matches `=~` and `!~` with) rewritten as JavaScript
 * RegExp source, for the two things mapwatch does with the regexes of a config's selector: refuse what
 * promtool would refuse, and tell which label values a pattern accepts (the rule tests, relabel.ts).
 *
 * A translation, not a second regex engine: every RE2 construct JavaScript spells differently is rewritten
 * (`(?i)` at the start, `\pL`, `\x{41}`, `\Q…\E`, `\A`, `\z`, POSIX classes, a `]` first in a class, a
 * brace that is no repetition), the ones JavaScript cannot say on Node 20 (flags in the middle of a
 * pattern) are refused with what to write instead, and the result is compiled in unicode mode, which,
 * like RE2 and unlike JavaScript's default mode, refuses escapes it does not know (`\y`).
 *
 * Two known differences stay: in `(?m)` and `(?s)` only `(?i)` changes the translation (they only change
 * what `^`, `$` and `.` do at a newline, which label values seldom hold), and RE2's Unicode tables are Go's,
 * not V8's.
 */

/** JavaScript RegExp source and flags for an RE2 pattern, or why promtool would refuse the pattern. */
export type Re2Translation = { source: string; flags: string } | { error: string };

/** Characters a unicode-mode JavaScript RegExp lets a backslash escape (besides `-` in a class). */
const JS_ESCAPABLE = new Set('^$\\.*+?()[]{}|/');
/** RE2 escapes that mean the same in JavaScript. */
const SAME_ESCAPES = new Set('dDsSwWfnrtv');
/** RE2 repeats at most 1000 times (`{1001}` is "invalid repeat count"). */
const MAX_REPEAT = 1000;

/** RE2's POSIX classes (inside brackets, `[[:alpha:]]`) as JavaScript class ranges. */
const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`\\{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

type Step = { js: string; next: number } | { error: string };

const fail = (error: string): { error: string } => ({ error });

/** `\p{Name}` for a general category (`L`, `Lu`), `\p{Script=Name}` for a script (`Greek`), as RE2 reads both. */
function unicodeClass(negated: boolean, name: string): Step | string {
  const p = negated ? 'P' : 'p';
  for (const candidate of [`\\${p}{${name}}`, `\\${p}{Script=${name}}`]) {
    try {
      new RegExp(candidate, 'u');
      return candidate;
    } catch {
      // not this spelling
    }
  }
  return fail(`unknown Unicode class \\${p}{${name}}`);
}

/** The escape at `re[i]` (a backslash), inside a bracketed class or not. */
function escape(re: string, i: number, inClass: boolean): Step {
  const e = re[i + 1];
  if (e === undefined) return fail('trailing backslash at the end of the pattern');
  if (SAME_ESCAPES.has(e)) return { js: `\\${e}`, next: i + 2 };
  if (e === 'a') return { js: '\\x07', next: i + 2 };
  if (!inClass && (e === 'b' || e === 'B')) return { js: `\\${e}`, next: i + 2 };
  if (!inClass && e === 'A') return { js: '^', next: i + 2 };
  if (!inClass && e === 'z') return { js: '$', next: i + 2 };
  if (e === 'p' || e === 'P') {
    let name: string;
    let next: number;
    if (re[i + 2] === '{') {
      const end = re.indexOf('}', i + 3);
      if (end < 0) return fail(`unclosed \\${e}{ in the pattern`);
      name = re.slice(i + 3, end);
      next = end + 1;
    } else {
      name = re[i + 2] ?? '';
      next = i + 3;
    }
    // RE2 also negates with a caret: \p{^Greek} is \P{Greek}.
    const negated = (e === 'P') !== name.startsWith('^');
    const cls = unicodeClass(negated, name.replace(/^\^/, ''));
    return typeof cls === 'string' ? { js: cls, next } : cls;
  }
  if (e === 'Q') {
    // \Q…\E: everything between is literal. RE2 lets \E be left out at the end, but Prometheus wraps a
    // pattern in ^(?:…)$, and an open \Q would take that closing parenthesis as a literal too.
    const end = re.indexOf('\\E', i + 2);
    if (end < 0)
      return fail('\\Q without \\E: Prometheus would read its own closing parenthesis as literal text');
    const text = re.slice(i + 2, end);
    const js = [...text].map((ch) => (JS_ESCAPABLE.has(ch) || ch === '-' ? `\\${ch}` : ch)).join('');
    return { js, next: end + 2 };
  }
  if (e === 'x') {
    const m = /^\{([0-9A-Fa-f]+)\}|^[0-9A-Fa-f]{2}/.exec(re.slice(i + 2));
    const hex = m?.[1] ?? m?.[0];
    if (m === null || hex === undefined || parseInt(hex, 16) > 0x10ffff)
      return fail(`malformed \\x escape (RE2 takes \\xHH or \\x{HHHH})`);
    return { js: `\\u{${parseInt(hex, 16).toString(16)}}`, next: i + 2 + m[0].length };
  }
  if (e >= '0' && e <= '7') {
    // Go reads up to three octal digits, but a lone non-zero digit would be a backreference.
    const digits = /^[0-7]{1,3}/.exec(re.slice(i + 1))?.[0] ?? e;
    if (e !== '0' && digits.length === 1) return fail('backreferences are not supported by Go regexps');
    return { js: `\\u{${parseInt(digits, 8).toString(16)}}`, next: i + 1 + digits.length };
  }
  if (/^[!-/:-@[-`{-~]$/.test(e)) {
    // Escaped ASCII punctuation is that character in RE2; unicode-mode JavaScript escapes fewer of them.
    return { js: JS_ESCAPABLE.has(e) || (inClass && e === '-') ? `\\${e}` : e, next: i + 2 };
  }
  return fail(
    `invalid escape sequence \\${e} (RE2 knows \\d \\s \\w \\b \\A \\z \\pL \\xHH \\Q…\\E and escaped punctuation)`,
  );
}

/** The bracketed class opening at `re[i]`. */
function charClass(re: string, i: number): Step {
  let j = i + 1;
  let js = '[';
  if (re[j] === '^') {
    js += '^';
    j++;
  }
  // A ']' first is a literal in RE2; JavaScript would read `[]` as an empty class.
  if (re[j] === ']') {
    js += '\\]';
    j++;
  }
  while (j < re.length && re[j] !== ']') {
    if (re.startsWith('[:', j)) {
      const end = re.indexOf(':]', j + 2);
      const name = end < 0 ? '' : re.slice(j + 2, end);
      if (name.startsWith('^'))
        return fail(`negated POSIX class [:${name}:] is not read here; write the class out, like [^a-z]`);
      const range = POSIX[name];
      if (range !== undefined) {
        js += range;
        j = end + 2;
        continue;
      }
    }
    if (re[j] === '\\') {
      const e = escape(re, j, true);
      if ('error' in e) return e;
      js += e.js;
      j = e.next;
      continue;
    }
    js += re[j] === '[' ? '\\[' : re[j];
    j++;
  }
  if (j >= re.length) return fail('missing closing ] of a character class');
  return { js: `${js}]`, next: j + 1 };
}

/** The group opening at `re[i]` (a parenthesis): only its head, the body is read by the caller. */
function groupHead(re: string, i: number): Step {
  if (re[i + 1] !== '?') return { js: '(', next: i + 1 };
  const rest = re.slice(i + 2);
  if (rest.startsWith(':')) return { js: '(?:', next: i + 3 };
  const named = /^P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
  if (named) return { js: '(', next: i + 2 + named[0].length };
  if (/^<?[=!]/.test(rest)) return fail('lookaround (?= (?! (?<= (?<! is not supported by Go regexps');
  if (rest.startsWith('<'))
    return fail('named groups are written (?P<name>…) in the Go regexps of Prometheus 2');
  if (/^[imsU-]*[:)]/.test(rest)) {
    return fail(
      'flags are read only at the very start of a pattern, like (?i)checkout.*; for part of a pattern, write classes like [Cc]heckout',
    );
  }
  return fail(`unknown group (?${rest.slice(0, 1)}`);
}

/** An RE2 pattern as JavaScript RegExp source and flags (to be compiled with the `u` flag), or why not. */
export function translateRe2(re: string): Re2Translation {
  let flags = '';
  let i = 0;
  // Flags at the very start apply to the whole pattern, as a JavaScript RegExp's flags do.
  for (let m = /^\(\?([imsU]+)\)/.exec(re); m !== null; m = /^\(\?([imsU]+)\)/.exec(re.slice(i))) {
    if (m[1]?.includes('i') && !flags.includes('i')) flags += 'i';
    i += m[0].length;
  }
  let source = '';
  while (i < re.length) {
    const ch = re[i] as string;
    let step: Step;
    if (ch === '\\') step = escape(re, i, false);
    else if (ch === '[') step = charClass(re, i);
    else if (ch === '(') step = groupHead(re, i);
    else if (ch === '{') {
      // A repetition only when it reads as one; otherwise RE2 takes the brace as a literal.
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(re.slice(i));
      if (m && (Number(m[1]) > MAX_REPEAT || Number(m[2] || 0) > MAX_REPEAT))
        return fail(`repetition counts above ${MAX_REPEAT} are refused by Go regexps`);
      step = m ? { js: m[0], next: i + m[0].length } : { js: '\\{', next: i + 1 };
    } else if (ch === '}') step = { js: '\\}', next: i + 1 };
    else step = { js: ch, next: i + 1 };
    if ('error' in step) return step;
    source += step.js;
    i = step.next;
  }
  return { source, flags };
}
