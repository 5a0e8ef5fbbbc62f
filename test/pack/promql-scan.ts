/**
 * A small PromQL scanner for the lint tests: finds every series selector in an expression with its
 * matchers, its range and the function that directly encloses it. Not a parser; it knows just enough
 * syntax (strings, label lists after by/on/..., numbers and durations) to never mistake a label or a
 * function for a metric name.
 */

export interface SelectorUse {
  name: string;
  /** Text between the braces, '' when there are none. */
  matchers: string;
  /** Text between the brackets of a range selector, undefined for an instant selector. */
  range: string | undefined;
  /** Innermost enclosing function or aggregation ('' for plain parentheses or top level). */
  enclosing: string;
}

const LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const OPERATORS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'atan2']);

function readString(s: string, i: number): number {
  const quote = s[i];
  let j = i + 1;
  while (j < s.length && s[j] !== quote) j += s[j] === '\\' ? 2 : 1;
  return j + 1;
}

/** Index just past the bracket matching the one at `i` (strings skipped). */
function readBalanced(s: string, i: number, open: string, close: string): number {
  let depth = 0;
  let j = i;
  while (j < s.length) {
    const ch = s[j] as string;
    if (ch === '"' || ch === "'" || ch === '`') {
      j = readString(s, j);
      continue;
    }
    if (ch === open) depth++;
    if (ch === close) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  throw new Error(`unbalanced ${open}${close} in: ${s}`);
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && /\s/.test(s[i] as string)) i++;
  return i;
}

export function scanSelectors(expr: string): SelectorUse[] {
  const out: SelectorUse[] = [];
  const stack: string[] = [];
  let pendingFn = '';
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"' || ch === "'" || ch === '`') {
      i = readString(expr, i);
    } else if (/[0-9.]/.test(ch)) {
      i++;
      while (i < expr.length && /[0-9a-zA-Z._]/.test(expr[i] as string)) i++;
    } else if (/[a-zA-Z_:]/.test(ch)) {
      let j = i + 1;
      while (j < expr.length && /[a-zA-Z0-9_:]/.test(expr[j] as string)) j++;
      const word = expr.slice(i, j);
      const k = skipSpace(expr, j);
      if (LIST_KEYWORDS.has(word)) {
        // by (a, b) / on (a) / group_left: a label list, never a selector. group_left may have no list.
        i = expr[k] === '(' ? readBalanced(expr, k, '(', ')') : j;
      } else if (OPERATORS.has(word)) {
        i = j;
      } else if (expr[k] === '(') {
        pendingFn = word;
        i = j;
      } else if (skipSpace(expr, k) < expr.length && /^(by|without)\b/.test(expr.slice(k))) {
        pendingFn = word; // `sum by (...) (` : the aggregation's parenthesis comes after the label list
        i = j;
      } else {
        let matchers = '';
        let range: string | undefined;
        let m = k;
        if (expr[m] === '{') {
          const end = readBalanced(expr, m, '{', '}');
          matchers = expr.slice(m + 1, end - 1);
          m = skipSpace(expr, end);
        }
        if (expr[m] === '[') {
          const end = readBalanced(expr, m, '[', ']');
          range = expr.slice(m + 1, end - 1);
          m = end;
        }
        out.push({ name: word, matchers, range, enclosing: stack[stack.length - 1] ?? '' });
        i = m;
      }
    } else if (ch === '{') {
      // A selector without a metric name (`{job="a", __name__=~"x.+"}`).
      const end = readBalanced(expr, i, '{', '}');
      out.push({
        name: '',
        matchers: expr.slice(i + 1, end - 1),
        range: undefined,
        enclosing: stack[stack.length - 1] ?? '',
      });
      i = end;
    } else if (ch === '(') {
      stack.push(pendingFn);
      pendingFn = '';
      i++;
    } else if (ch === ')') {
      stack.pop();
      i++;
    } else if (ch === '[') {
      i = readBalanced(expr, i, '[', ']'); // subquery range or offset brackets
    } else {
      i++;
    }
  }
  return out;
}

/** Matchers of a selector as a name -> `op"value"` map, for exact checks. */
export function parseMatchers(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")/g)) {
    out.set(m[1] as string, `${m[2]}${m[3]}`);
  }
  return out;
}

/**
 * `label_values(selector, label)` of a Grafana variable, split into its parts; or `query_result(expr)` with
 * the `regex` that extracts the value (`/label="([^"]+)"/`), as its expression and that label.
 */
export function parseLabelValues(query: string, regex = ''): { selector: string; label: string } {
  const m = /^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/s.exec(query.trim());
  if (m) return { selector: m[1] as string, label: m[2] as string };
  const q = /^query_result\((.*)\)$/s.exec(query.trim());
  const label = /^\/([a-zA-Z_][a-zA-Z0-9_]*)="\(\[\^"\]\+\)"\/$/.exec(regex)?.[1];
  if (q && label) return { selector: q[1] as string, label };
  throw new Error(`not a label_values() query, nor a query_result() with a label regex: ${query} ${regex}`);
}
