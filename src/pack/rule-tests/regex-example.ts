/**
 * Short strings a label-matcher regex accepts, two per top-level alternative (optional parts left out, then
 * taken once), so the promtool tests can give their series a value the config's selector matches
 * (relabel.ts). A small reading of RE2's syntax: literals, escapes, `.`, classes, groups, alternation and
 * quantifiers. It only proposes: the caller keeps a candidate only after the real matcher accepts it, so a
 * pattern read wrongly costs a candidate, never a wrong test.
 */

import { anchoredRegExp } from '../config/selector.js';

/** Characters tried, in order, for a `.`, a class or a class escape. */
const TRY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-_.:/ABCDEFGHIJKLMNOPQRSTUVWXYZ ';
const CLASS_ESCAPES: Record<string, string> = { d: '0', D: 'a', w: 'a', W: '-', s: ' ', S: 'a' };

export function regexExamples(re: string): string[] {
  try {
    // Each alternative with optional parts left out, then with them taken once (`(payments)?` admits '').
    const shortest = new Reader(re, false).alternatives();
    const filled = new Reader(re, true).alternatives();
    return [...new Set([...shortest, ...filled])];
  } catch {
    return [];
  }
}

class Reader {
  private i = 0;
  constructor(
    private readonly re: string,
    /** Take `?` and `*` once rather than never. */
    private readonly fill: boolean,
  ) {}

  /** Alternatives up to the end or the closing parenthesis of the current group. */
  alternatives(): string[] {
    const out = [this.sequence()];
    while (this.re[this.i] === '|') {
      this.i++;
      out.push(this.sequence());
    }
    return out;
  }

  private sequence(): string {
    let out = '';
    while (this.i < this.re.length && this.re[this.i] !== '|' && this.re[this.i] !== ')') {
      const atom = this.atom();
      out += atom.repeat(this.quantifier());
    }
    return out;
  }

  private atom(): string {
    const ch = this.re[this.i++] as string;
    switch (ch) {
      case '^':
      case '$':
        return '';
      case '.':
        return 'x';
      case '[':
        return this.charClass();
      case '\\':
        return this.escape();
      case '(': {
        // (?:…), (?P<name>…), (?<name>…), (?flags:…) and (?flags) carry no characters of their own.
        if (this.re[this.i] === '?') {
          const head = /^\?(P?<[^>]+>|[a-zA-Z-]*:|[a-zA-Z-]*\))/.exec(this.re.slice(this.i));
          if (!head) throw new Error('unknown group');
          this.i += head[0].length;
          if (head[0].endsWith(')')) return '';
        }
        const first = this.alternatives()[0] as string;
        if (this.re[this.i++] !== ')') throw new Error('unclosed group');
        return first;
      }
      default:
        return ch;
    }
  }

  private escape(): string {
    const e = this.re[this.i++];
    if (e === undefined) throw new Error('trailing backslash');
    if (e in CLASS_ESCAPES) return CLASS_ESCAPES[e] as string;
    if ('bBAz'.includes(e)) return '';
    if (e === 'p' || e === 'P') {
      if (this.re[this.i] === '{') this.i = this.re.indexOf('}', this.i) + 1;
      else this.i++;
      return e === 'p' ? 'a' : '0';
    }
    if (e === 'Q') {
      const end = this.re.indexOf('\\E', this.i);
      const text = this.re.slice(this.i, end < 0 ? undefined : end);
      this.i = end < 0 ? this.re.length : end + 2;
      return text;
    }
    if (e === 'x') {
      const m = /^(\{([0-9a-fA-F]+)\}|[0-9a-fA-F]{2})/.exec(this.re.slice(this.i));
      if (!m) throw new Error('bad \\x');
      this.i += m[0].length;
      return String.fromCodePoint(parseInt(m[2] ?? m[1] ?? '', 16));
    }
    return e;
  }

  /** A class: its text is read to the closing bracket, then the first character it accepts is taken. */
  private charClass(): string {
    let j = this.i;
    if (this.re[j] === '^') j++;
    if (this.re[j] === ']') j++;
    while (j < this.re.length && this.re[j] !== ']') {
      if (this.re[j] === '\\') j++;
      else if (this.re.startsWith('[:', j)) j = this.re.indexOf(':]', j) + 1;
      j++;
    }
    if (j >= this.re.length) throw new Error('unclosed class');
    const cls = anchoredRegExp(this.re.slice(this.i - 1, j + 1));
    this.i = j + 1;
    for (const ch of TRY_CHARS) if (cls.test(ch)) return ch;
    throw new Error('no character found');
  }

  /** How many times the atom just read is taken: its quantifier's least. */
  private quantifier(): number {
    const q = this.re[this.i];
    let n: number;
    if (q === '*' || q === '?') n = this.fill ? 1 : 0;
    else if (q === '+') n = 1;
    else if (q === '{') {
      const m = /^\{(\d+)(,\d*)?\}/.exec(this.re.slice(this.i));
      if (!m) return 1;
      this.i += m[0].length - 1;
      n = Number(m[1]);
    } else return 1;
    this.i++;
    if (this.re[this.i] === '?') this.i++;
    return n;
  }
}
