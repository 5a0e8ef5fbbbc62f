/** Collects every PromQL query of the generated dashboards, with where it came from and what it must show. */
import { buildDashboards } from '../../src/pack/dashboards.js';
import { type PackConfig } from '../../src/pack/config.js';
import { parseLabelValues } from './promql-scan.js';

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

type Json = Record<string, unknown>;

/** `{{label}}` placeholders of a legend or annotation format. */
export function placeholders(format: string): string[] {
  return [...format.matchAll(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g)].map((m) => m[1] as string);
}

export function dashboardQueries(c: PackConfig): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const [file, d] of Object.entries(buildDashboards(c))) {
    for (const p of d.panels as Json[]) {
      for (const t of (p.targets ?? []) as Json[]) {
        out.push({
          where: `${file} panel '${p.title as string}' ${t.refId as string}`,
          title: p.title as string,
          kind: 'panel',
          expr: t.expr as string,
          shownLabels: placeholders(t.legendFormat as string),
        });
      }
    }
    for (const a of (d.annotations as { list: Json[] }).list) {
      if (typeof a.expr !== 'string') continue; // Grafana's built-in annotation
      out.push({
        where: `${file} annotation '${a.name as string}'`,
        kind: 'annotation',
        expr: a.expr,
        shownLabels: [
          ...new Set([...placeholders(a.titleFormat as string), ...placeholders(a.textFormat as string)]),
        ],
      });
    }
    for (const v of (d.templating as { list: Json[] }).list) {
      if (v.type !== 'query') continue;
      const { selector, label } = parseLabelValues(v.definition as string, v.regex as string);
      out.push({
        where: `${file} variable '${v.name as string}'`,
        kind: 'variable',
        expr: selector,
        shownLabels: [label],
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
  return expr
    .replaceAll('$__rate_interval', rateInterval)
    .replace(/\$(job|instance|map)\b/g, '.+')
    .replace(/\$\{(job|instance|map)\}/g, '.+')
    .replace(/\$([a-zA-Z_][a-zA-Z0-9_]*)\b/g, '.*');
}
