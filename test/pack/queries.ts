/** Collects every PromQL query of the generated dashboards, with where it came from and what it must show. */
import { buildDashboards } from '../../src/pack/dashboards.js';
import { type PackConfig } from '../../src/pack/config.js';
import type { Panel, PromAnnotation, RowPanel, SharedDashboard } from '../../src/pack/grafana.js';
import { parseVariableQuery } from './promql.js';

export interface DashboardQuery {
  where: string;
  /** The panel's title (panels only). */
  title?: string;
  kind: 'panel' | 'annotation' | 'variable';
  /** PromQL with Grafana variables still in it. */
  expr: string;
  /** Labels the query's legend/title/text or variable shows; they must be in its result. */
  shownLabels: string[];
}

/** `{{label}}` placeholders of a legend or annotation format. */
export function placeholders(format: string): string[] {
  return [...format.matchAll(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g)].map((m) => m[1] as string);
}

/** Panels of a dashboard, those inside collapsed rows included (as Grafana's dashboard-linter walks them). */
export function panelsOf(d: SharedDashboard): Panel[] {
  const walk = (p: Panel | RowPanel): Panel[] => (p.type === 'row' ? (p as RowPanel).panels : [p]);
  return (d.panels ?? []).flatMap(walk);
}

/** The Prometheus annotations of a dashboard (Grafana's built-in one left out). */
export function promAnnotations(d: SharedDashboard): PromAnnotation[] {
  return (d.annotations?.list ?? []).filter((a) => a.builtIn !== 1) as PromAnnotation[];
}

/** A target's or a variable's query text. */
export function queryText(q: unknown): string {
  if (typeof q === 'string') return q;
  const inner = (q as { query?: unknown } | undefined)?.query;
  if (typeof inner === 'string') return inner;
  throw new Error(`no query in ${JSON.stringify(q)}`);
}

/** Every query of the given dashboards (by default the ones the config generates). */
export function dashboardQueries(
  c: PackConfig,
  dashboards: Record<string, SharedDashboard> = buildDashboards(c),
): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const [file, d] of Object.entries(dashboards)) {
    for (const p of panelsOf(d)) {
      for (const t of p.targets ?? []) {
        out.push({
          where: `${file} panel '${p.title ?? ''}' ${String(t.refId)}`,
          title: p.title ?? '',
          kind: 'panel',
          expr: t.expr as string,
          shownLabels: placeholders(t.legendFormat as string),
        });
      }
    }
    for (const a of promAnnotations(d)) {
      out.push({
        where: `${file} annotation '${a.name}'`,
        kind: 'annotation',
        expr: a.target.expr,
        shownLabels: [...new Set([...placeholders(a.titleFormat), ...placeholders(a.textFormat)])],
      });
    }
    for (const v of d.templating?.list ?? []) {
      if (v.type !== 'query') continue;
      const { expr, label } = parseVariableQuery(queryText(v.query), v.regex);
      out.push({
        where: `${file} variable '${v.name}'`,
        kind: 'variable',
        expr,
        shownLabels: label ? [label] : [],
      });
    }
  }
  return out;
}

/**
 * Grafana variables replaced the way a dashboard with `All` selected sends them: `.+` for job, instance and
 * map, `.*` for the topology variables (groupBy), whose `All` also matches series without the label.
 */
export function substituteVariables(expr: string, rateInterval = '5m'): string {
  return (
    expr
      .replaceAll('$__rate_interval', rateInterval)
      // The drill-down's one map (an equality matcher) stands for every map here: each panel finds the map
      // that has its family (locks, loads, promotions), as a user picks it.
      .replace(/(\w+)="\$map"/g, '$1=~".+"')
      .replace(/\$(job|instance|map)\b/g, '.+')
      .replace(/\$\{(job|instance|map)\}/g, '.+')
      .replace(/\$([a-zA-Z_][a-zA-Z0-9_]*)\b/g, '.*')
  );
}
