/**
 * PromQL for the lint tests, read with Prometheus' own grammar (`@prometheus-io/lezer-promql`, the parser of
 * the Prometheus web UI): whether an expression parses, and every series selector in it with its matchers,
 * its range and the function around it. The walk sees the tree the way Prometheus' Go parser builds it, which
 * is what Grafana's dashboard-linter inspects: `offset` and `@` belong to their selector (lezer wraps the
 * selector in OffsetExpr / StepInvariantExpr nodes), and argument lists are not nodes of their own.
 */
import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  op: MatchOp;
  /** The string's value, quotes and escapes removed. */
  value: string;
}

export interface SelectorUse {
  /** Metric name; '' for a selector of matchers only (`{__name__=~"..."}`). */
  name: string;
  /** Label matchers by label name. */
  matchers: Map<string, Matcher>;
  /** The range of a range selector (`x[5m]` -> '5m'), undefined for an instant selector. */
  range: string | undefined;
  /** The function a range selector is passed to directly (`rate(x[5m])` -> 'rate'), if any. */
  rangeFunction: string | undefined;
  /** What holds a range selector in the Go parser's tree (`FunctionCall`, ...); undefined at the top level. */
  rangeParent: string | undefined;
  /** Innermost function or aggregation around the selector ('' at the top level or in plain parentheses). */
  enclosing: string;
}

/** The nodes that exist in the Go parser's tree: everything else is syntax, or a modifier of its child. */
const SEMANTIC = new Set([
  'AggregateExpr',
  'BinaryExpr',
  'FunctionCall',
  'MatrixSelector',
  'ParenExpr',
  'SubqueryExpr',
  'UnaryExpr',
  'VectorSelector',
]);

/** Parent of `node` in the Go parser's tree (wrappers such as OffsetExpr and argument lists skipped). */
function semanticParent(node: SyntaxNode): SyntaxNode | null {
  let p = node.parent;
  while (p && !SEMANTIC.has(p.name)) p = p.parent;
  return p;
}

/** `rate` for a FunctionCall, `sum` for an AggregateExpr. */
function callName(node: SyntaxNode, text: string): string {
  const head = node.getChild(node.name === 'FunctionCall' ? 'FunctionIdentifier' : 'AggregateOp');
  return head ? text.slice(head.from, head.to) : '';
}

/** A PromQL string literal's value: double or single quotes with Go escapes, or a raw backtick string. */
function unquote(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  return body.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{3}|.)/g, (_m, e: string) => {
    if (e.length > 1) return String.fromCharCode(parseInt(e.slice(1), e[0] === 'u' || e[0] === 'x' ? 16 : 8));
    return (
      ({ n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v' } as Record<string, string>)[e] ?? e
    );
  });
}

function matchersOf(selector: SyntaxNode, text: string): Map<string, Matcher> {
  const out = new Map<string, Matcher>();
  const list = selector.getChild('LabelMatchers');
  if (!list) return out;
  for (let m = list.firstChild; m; m = m.nextSibling) {
    const label = m.getChild('LabelName') ?? m.getChild('QuotedLabelName');
    const op = m.getChild('MatchOp');
    const value = m.getChild('StringLiteral');
    if (!label || !op || !value) continue; // a bare quoted metric name, `{"name"}`
    const name = text.slice(label.from, label.to);
    out.set(label.name === 'QuotedLabelName' ? unquote(name) : name, {
      op: text.slice(op.from, op.to) as MatchOp,
      value: unquote(text.slice(value.from, value.to)),
    });
  }
  return out;
}

/** The syntax errors of an expression: the error nodes of its tree, with where they are. */
export function syntaxErrors(expr: string): string[] {
  const out: string[] = [];
  if (expr.trim() === '') return ['empty expression'];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) {
        const at = expr.slice(Math.max(0, n.from - 20), n.to + 20);
        out.push(`syntax error at ${n.from} (near ${JSON.stringify(at)})`);
      }
    },
  });
  return out;
}

/** Every series selector of an expression. Throws on an expression that does not parse. */
export function scanSelectors(expr: string): SelectorUse[] {
  const errors = syntaxErrors(expr);
  if (errors.length) throw new Error(`${errors.join('; ')} in: ${expr}`);
  const out: SelectorUse[] = [];
  parser.parse(expr).iterate({
    enter: (ref) => {
      if (ref.name !== 'VectorSelector') return;
      const node = ref.node;
      const ident = node.getChild('Identifier');
      const parent = semanticParent(node);
      const matrix = parent?.name === 'MatrixSelector' ? parent : null;
      const duration = matrix?.getChild('DurationExpr');
      const caller = matrix ? semanticParent(matrix) : null;
      let around: SyntaxNode | null = parent;
      while (around && around.name !== 'FunctionCall' && around.name !== 'AggregateExpr') {
        if (around.name === 'ParenExpr') {
          around = null; // plain parentheses: no function encloses the selector directly
          break;
        }
        around = semanticParent(around);
      }
      out.push({
        name: ident ? expr.slice(ident.from, ident.to) : '',
        matchers: matchersOf(node, expr),
        range: duration ? expr.slice(duration.from, duration.to) : undefined,
        rangeFunction: caller?.name === 'FunctionCall' ? callName(caller, expr) : undefined,
        rangeParent: caller?.name,
        enclosing: around ? callName(around, expr) : '',
      });
    },
  });
  return out;
}

/** A matcher list as written in a config (`job=~"checkout-.*", env="prod"`), by label name. */
export function parseMatchers(text: string): Map<string, Matcher> {
  if (text.trim() === '') return new Map();
  const [selector] = scanSelectors(`{${text}}`);
  return selector?.matchers ?? new Map();
}

/** `=~"$job"`: a matcher as PromQL text, for messages and comparisons. */
export function showMatcher(m: Matcher | undefined): string {
  return m ? `${m.op}${JSON.stringify(m.value)}` : '(none)';
}

/**
 * The sample values of Grafana's global variables, substituted outside strings before an expression is parsed
 * (as dashboard-linter does): durations for the interval and range variables, numbers for their `_ms`/`_s`
 * forms. The rate interval's value is one no one writes, so a range equal to it was `$__rate_interval`.
 */
export const RATE_INTERVAL_SAMPLE = '7777777777ms';
const GLOBALS: Record<string, string> = {
  __rate_interval: RATE_INTERVAL_SAMPLE,
  __interval: '6666666666ms',
  __range: '5555555555ms',
  __interval_ms: '6666666666',
  __range_ms: '5555555555',
  __range_s: '5555555',
};

/**
 * Grafana variables (`$x`, `${x}`, `${x:format}`, `[[x]]`) outside string literals replaced by sample values:
 * a global's sample, or the variable's own name. Inside strings (matcher values) they stay as written.
 */
export function expandVariables(expr: string): string {
  let out = '';
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i] as string;
    if (ch === '"' || ch === "'" || ch === '`') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== ch) j += expr[j] === '\\' && ch !== '`' ? 2 : 1;
      out += expr.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const m = /^(?:\$([A-Za-z0-9_]+)|\$\{([^}:]+)(?::[^}]*)?\}|\[\[([^[\]]+)\]\])/.exec(expr.slice(i));
    if (m) {
      const name = (m[1] ?? m[2] ?? m[3]) as string;
      out += GLOBALS[name] ?? name;
      i += m[0].length;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/**
 * A Grafana Prometheus variable query: `label_values(selector, label)`, `label_values(label)`, `label_names()`,
 * `metrics(regex)` or `query_result(expr)`, split into its function, its PromQL and the label it lists.
 * `query_result()` lists whole series; `regex` (`/label="(.*)"\}/`) picks the label the variable shows.
 */
export function parseVariableQuery(
  query: string,
  regex = '',
): { fn: string; expr: string; label: string | undefined } {
  const m = /^([a-z_]+)\(([\s\S]*)\)$/.exec(query.trim());
  if (!m) throw new Error(`not a Grafana Prometheus variable query: ${query}`);
  const [, fn, args] = m as unknown as [string, string, string];
  if (fn === 'label_values') {
    const lv = /^(?:([\s\S]*),)?\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*$/.exec(args);
    if (!lv) throw new Error(`label_values() without a label: ${query}`);
    return { fn, expr: (lv[1] ?? '').trim(), label: lv[2] };
  }
  if (fn === 'query_result') {
    const label = /^\/([a-zA-Z_][a-zA-Z0-9_]*)="\(\.\*\)"\\\}\/$/.exec(regex)?.[1];
    return { fn, expr: args.trim(), label };
  }
  return { fn, expr: args.trim(), label: undefined };
}
