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
  /** `table`: one row per series, its labels as columns (table panels). */
  format?: 'table';
}

export interface Link {
  title: string;
  url: string;
}

/** Colours of a threshold: where an alert starts, in the alert's severity colour. */
export interface Threshold {
  value: number;
  color: 'red' | 'orange' | 'blue';
}

export interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  type?: 'timeseries' | 'stat' | 'table' | 'row';
  targets: Target[];
  /** Width in grid units (24 = full row). */
  width?: number;
  height?: number;
  /** Draw series as 0/1 steps (verdicts). */
  steps?: boolean;
  /** Data links on the panel's series (e.g. to the per-map dashboard). */
  links?: Link[];
  /** Links of the panel itself (its header), e.g. to the drill-down with the dashboard's variables. */
  panelLinks?: Link[];
  /** Thresholds of the alert the panel shows: a line on a time series, the colour of a stat. */
  thresholds?: Threshold[];
  /** Table panels: the label columns shown first, in order. */
  columns?: string[];
  /** Table panels: columns to hide (the timestamp, labels that say nothing here). */
  hidden?: string[];
  /** Table panels: value mappings of the value column (e.g. a severity rank to its name). */
  valueText?: Record<string, { text: string; color: string }>;
  /** Table panels: links per column (by column name). */
  columnLinks?: Record<string, Link[]>;
}

export type Json = Record<string, unknown>;

function target(t: Target, index: number): Json {
  return {
    datasource: DATASOURCE,
    editorMode: 'code',
    expr: t.expr,
    ...(t.format ? { format: t.format } : {}),
    instant: t.instant ?? false,
    legendFormat: t.legendFormat,
    range: !(t.instant ?? false),
    refId: String.fromCharCode(65 + index),
  };
}

function thresholdsOf(p: PanelSpec): Json {
  return {
    mode: 'absolute',
    steps: [
      { color: p.type === 'stat' ? 'green' : 'transparent', value: null },
      ...(p.thresholds ?? []).map((t) => ({ color: t.color, value: t.value })),
    ],
  };
}

function tablePanelParts(p: PanelSpec): { fieldConfig: Json; options: Json; transformations: Json[] } {
  const shown = p.columns ?? [];
  const overrides: Json[] = Object.entries(p.columnLinks ?? {}).map(([column, links]) => ({
    matcher: { id: 'byName', options: column },
    properties: [{ id: 'links', value: links }],
  }));
  if (p.valueText) {
    overrides.push({
      matcher: { id: 'byName', options: 'Value' },
      properties: [
        { id: 'displayName', value: 'severity' },
        {
          id: 'mappings',
          value: [
            {
              type: 'value',
              options: Object.fromEntries(
                Object.entries(p.valueText).map(([v, m], index) => [v, { ...m, index }]),
              ),
            },
          ],
        },
        { id: 'custom.cellOptions', value: { type: 'color-text' } },
      ],
    });
  }
  return {
    fieldConfig: {
      defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' } }, unit: p.unit },
      overrides,
    },
    options: {
      cellHeight: 'sm',
      footer: { show: false },
      showHeader: true,
      sortBy: [{ desc: true, displayName: p.valueText ? 'severity' : 'Value' }],
    },
    transformations: [
      {
        id: 'organize',
        options: {
          // The value and the listed labels first, in that order; the hidden columns out.
          excludeByName: Object.fromEntries((p.hidden ?? []).map((c) => [c, true])),
          indexByName: Object.fromEntries(['Value', ...shown].map((c, i) => [c, i])),
          renameByName: {},
        },
      },
    ],
  };
}

/** Lays panels out left to right, wrapping at 24 columns, and numbers them. Rows span the width. */
export function layout(specs: readonly PanelSpec[]): Json[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((p, i) => {
    const type = p.type ?? 'timeseries';
    const w = type === 'row' ? 24 : (p.width ?? 12);
    const h = type === 'row' ? 1 : (p.height ?? 8);
    if (x + w > 24 || type === 'row') {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { h, w, x, y };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    if (type === 'row') {
      x = 24; // the next panel starts a new line
      return { collapsed: false, gridPos, id: i + 1, panels: [], title: p.title, type };
    }
    if (type === 'table') {
      const parts = tablePanelParts(p);
      return {
        datasource: DATASOURCE,
        description: p.description,
        fieldConfig: parts.fieldConfig,
        gridPos,
        id: i + 1,
        ...(p.panelLinks ? { links: p.panelLinks } : {}),
        options: parts.options,
        targets: p.targets.map(target),
        title: p.title,
        transformations: parts.transformations,
        type,
      };
    }
    const custom =
      type === 'timeseries'
        ? {
            drawStyle: 'line',
            fillOpacity: 10,
            lineInterpolation: p.steps ? 'stepAfter' : 'linear',
            lineWidth: 1,
            showPoints: 'never',
            spanNulls: false,
            thresholdsStyle: { mode: p.thresholds?.length ? 'line' : 'off' },
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
              sortBy: 'Last *',
              sortDesc: true,
            },
            tooltip: { mode: 'multi', sort: 'desc' },
          }
        : {
            colorMode: p.thresholds?.length ? 'background' : 'value',
            graphMode: 'area',
            justifyMode: 'auto',
            orientation: 'auto',
            reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
            textMode: 'auto',
          };
    const defaults: Json = { custom };
    if (p.links) defaults.links = p.links;
    defaults.thresholds = thresholdsOf(p);
    defaults.unit = p.unit;
    return {
      datasource: DATASOURCE,
      description: p.description,
      fieldConfig: { defaults, overrides: [] },
      gridPos,
      id: i + 1,
      ...(p.panelLinks ? { links: p.panelLinks } : {}),
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
 * first one found, for a drill-down that makes sense only for one thing at a time. `allValue` `.*` also
 * matches series without the label (topology labels that some targets lack). `regex` extracts the value
 * from a `query_result()` line; `ordered` keeps the order the query returns (no sorting by name).
 */
export function queryVariable(
  name: string,
  label: string,
  query: string,
  opts: { single?: boolean; allValue?: string; regex?: string; ordered?: boolean } = {},
): Json {
  const single = opts.single ?? false;
  return {
    allValue: single ? null : (opts.allValue ?? '.+'),
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
    regex: opts.regex ?? '',
    sort: opts.ordered ? 0 : 1,
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
  const panelTypes = [...new Set(panels.map((p) => p.type as string))].filter((t) => t !== 'row').sort();
  const NAMES: Record<string, string> = { stat: 'Stat', table: 'Table', timeseries: 'Time series' };
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
        name: NAMES[t] ?? t,
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
