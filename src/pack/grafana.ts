/**
 * Grafana JSON building blocks: panels, targets, variables, the import/provisioning envelope. Kept apart
 * from dashboards.ts so that file reads as a list of panels and queries, not as Grafana plumbing.
 * Conventions of Grafana's dashboard linter are enforced here by construction: every panel and target uses
 * the `${datasource}` variable, every panel has a description and a unit.
 */
import { type PackConfig } from './config.js';

/** Grafana's dashboard JSON schema version written by Grafana 11.x. */
export const SCHEMA_VERSION = 39;
export const MIN_GRAFANA_VERSION = '10.4.0';

export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

export interface Target {
  expr: string;
  legendFormat: string;
  /** Instant (table/stat) or range (time series) query. */
  instant?: boolean;
}

export interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  type?: 'timeseries' | 'stat';
  targets: Target[];
  /** Width in grid units (24 = full row). */
  width?: number;
  height?: number;
  /** Draw series as 0/1 steps (verdicts). */
  steps?: boolean;
  /** Data links on the panel's series (e.g. to the per-map dashboard). */
  links?: Array<{ title: string; url: string }>;
}

export type Json = Record<string, unknown>;

function target(t: Target, index: number): Json {
  return {
    datasource: DATASOURCE,
    editorMode: 'code',
    expr: t.expr,
    instant: t.instant ?? false,
    legendFormat: t.legendFormat,
    range: !(t.instant ?? false),
    refId: String.fromCharCode(65 + index),
  };
}

/** Lays panels out left to right, wrapping at 24 columns, and numbers them. */
export function layout(specs: readonly PanelSpec[]): Json[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((p, i) => {
    const w = p.width ?? 12;
    const h = p.height ?? 8;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { h, w, x, y };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    const type = p.type ?? 'timeseries';
    const custom =
      type === 'timeseries'
        ? {
            drawStyle: 'line',
            fillOpacity: 10,
            lineInterpolation: p.steps ? 'stepAfter' : 'linear',
            lineWidth: 1,
            showPoints: 'never',
            spanNulls: false,
          }
        : {};
    const options =
      type === 'timeseries'
        ? {
            legend: {
              calcs: ['lastNotNull', 'max'],
              displayMode: 'table',
              placement: 'bottom',
              showLegend: true,
            },
            tooltip: { mode: 'multi', sort: 'desc' },
          }
        : {
            colorMode: 'value',
            graphMode: 'area',
            justifyMode: 'auto',
            orientation: 'auto',
            reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
            textMode: 'auto',
          };
    return {
      datasource: DATASOURCE,
      description: p.description,
      fieldConfig: {
        defaults: p.links ? { custom, links: p.links, unit: p.unit } : { custom, unit: p.unit },
        overrides: [],
      },
      gridPos,
      id: i + 1,
      options,
      targets: p.targets.map(target),
      title: p.title,
      type,
    };
  });
}

export function datasourceVariable(): Json {
  return {
    // The UI import replaces ${DS_PROMETHEUS} with the chosen data source; file provisioning leaves it,
    // and Grafana then falls back to the default Prometheus data source.
    current: { selected: false, text: '${DS_PROMETHEUS}', value: '${DS_PROMETHEUS}' },
    hide: 0,
    includeAll: false,
    label: 'Data source',
    multi: false,
    name: 'datasource',
    options: [],
    query: 'prometheus',
    refresh: 1,
    regex: '',
    type: 'datasource',
  };
}

/**
 * A query variable: multi-select with an `All` option matching any value, or (`single`) one value, the
 * first one found, for a drill-down that makes sense only for one thing at a time.
 */
export function queryVariable(name: string, label: string, query: string, single = false): Json {
  return {
    allValue: single ? null : '.+',
    current: single ? {} : { selected: true, text: ['All'], value: ['$__all'] },
    datasource: DATASOURCE,
    definition: query,
    hide: 0,
    includeAll: !single,
    label,
    multi: !single,
    name,
    options: [],
    query: { qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2,
    regex: '',
    sort: 1,
    type: 'query',
  };
}

export interface AnnotationSpec {
  name: string;
  expr: string;
  titleFormat: string;
  textFormat: string;
}

export interface DashboardSpec {
  uidSuffix: string;
  title: string;
  description: string;
  variables: Json[];
  annotations: AnnotationSpec[];
  panels: PanelSpec[];
}

export function dashboard(c: PackConfig, d: DashboardSpec): Json {
  const panels = layout(d.panels);
  const panelTypes = [...new Set(panels.map((p) => p.type as string))].sort();
  return {
    __inputs: [
      {
        description: 'Prometheus that scrapes the services using mapwatch',
        label: 'Prometheus',
        name: 'DS_PROMETHEUS',
        pluginId: 'prometheus',
        pluginName: 'Prometheus',
        type: 'datasource',
      },
    ],
    __requires: [
      { id: 'grafana', name: 'Grafana', type: 'grafana', version: MIN_GRAFANA_VERSION },
      { id: 'prometheus', name: 'Prometheus', type: 'datasource', version: '1.0.0' },
      ...panelTypes.map((t) => ({
        id: t,
        name: t === 'stat' ? 'Stat' : 'Time series',
        type: 'panel',
        version: '',
      })),
    ],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
        ...d.annotations.map((a) => ({
          datasource: DATASOURCE,
          enable: true,
          expr: a.expr,
          iconColor: 'red',
          name: a.name,
          step: '60s',
          tagKeys: 'severity',
          textFormat: a.textFormat,
          titleFormat: a.titleFormat,
          useValueForTime: false,
        })),
      ],
    },
    description: d.description,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: [
      {
        asDropdown: true,
        icon: 'external link',
        includeVars: true,
        keepTime: true,
        tags: c.dashboards.tags,
        title: 'mapwatch',
        type: 'dashboards',
      },
    ],
    panels,
    refresh: c.dashboards.refresh,
    schemaVersion: SCHEMA_VERSION,
    tags: c.dashboards.tags,
    templating: { list: d.variables },
    time: { from: c.dashboards.timeFrom, to: 'now' },
    timepicker: {},
    timezone: '',
    title: d.title,
    uid: `${c.dashboards.uidPrefix}-${d.uidSuffix}`,
    version: 1,
    weekStart: '',
  };
}
