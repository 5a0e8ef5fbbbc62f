/**
 * Grafana JSON building blocks: panels, targets, variables, the import/provisioning envelope. Kept apart
 * from dashboards.ts so that file reads as a list of panels and queries, not as Grafana plumbing.
 *
 * Every object is typed against Grafana's own schema (`@grafana/schema`, a development dependency: only
 * its types are used, so nothing of it loads at run time): the dashboard model, and the options and field
 * config of each panel type, so a field Grafana does not know fails the typecheck. Where the schema leaves
 * a part to the data source (a target, a Prometheus annotation's text formats) the type says so below.
 * The rules of Grafana's dashboard linter hold by construction: every panel and target uses the
 * `${datasource}` variable, every panel has a description and a unit (test/pack/lint.test.ts checks them).
 */
import type {
  AnnotationQuery,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  Dashboard,
  DashboardLink,
  DataQuery,
  DataSourceRef,
  DataTransformerConfig,
  FieldConfigSource,
  GraphDrawStyle,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LineInterpolation,
  MappingType,
  Panel,
  RowPanel,
  SortOrder,
  TableCellDisplayMode,
  TableCellHeight,
  ThresholdsConfig,
  ThresholdsMode,
  TooltipDisplayMode,
  ValueMapping,
  VariableModel,
  VisibilityMode,
  VizOrientation,
} from '@grafana/schema';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type {
  FieldConfig as TableFieldConfig,
  Options as TableOptions,
} from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type {
  FieldConfig as TimeSeriesFieldConfig,
  Options as TimeSeriesOptions,
} from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import { type PackConfig } from './config.js';

export type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/schema';

/**
 * Grafana's dashboard JSON schema version written by Grafana 10.4 (39): a newer Grafana migrates it on
 * load; an older one would refuse a higher number.
 */
export const SCHEMA_VERSION = 39;
export const MIN_GRAFANA_VERSION = '10.4.0';

export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const satisfies DataSourceRef;

/**
 * A value of one of the schema's string enums, written as the string the JSON holds: `@grafana/schema` is a
 * development dependency, so its enums are types here, never values. Only the enum's own strings compile.
 */
function e<E extends string>(value: `${E}`): E {
  return value as E;
}

/**
 * A Prometheus target. The schema types targets as open records (each data source has its own); these are
 * the fields of Grafana's Prometheus query model that the pack writes.
 */
export interface PromQuery extends DataQuery {
  expr: string;
  legendFormat: string;
  instant: boolean;
  range: boolean;
  format?: 'time_series' | 'table';
  editorMode: 'code' | 'builder';
  /** Minimum step. */
  interval?: string;
}

/**
 * A Prometheus annotation. The schema's AnnotationQuery carries the query in `target`; the Prometheus data
 * source reads its title and text templates, tag labels and time source from the annotation itself.
 */
export interface PromAnnotation extends AnnotationQuery<PromQuery> {
  target: PromQuery;
  titleFormat: string;
  textFormat: string;
  tagKeys: string;
  useValueForTime: boolean;
  /**
   * The query and its step again, where Grafana before 11.6.2 and 12.0.1 reads them (its legacy annotation
   * runner); later versions move them into `target` on load (grafana/grafana#104578), where they already are.
   */
  expr: string;
  step: string;
}

/** The query of a Prometheus query variable, as Grafana's variable editor saves it. */
interface PromVariableQuery {
  /** 1: label values, 3: query result (the editor's mode). */
  qryType: 1 | 3;
  query: string;
  refId: 'PrometheusVariableQueryEditor-VariableQuery';
}

/**
 * "Export for sharing externally": the data source a UI import asks for (`${DS_PROMETHEUS}`) and what the
 * dashboard needs. Grafana reads and drops it on import; it is not part of the dashboard model.
 */
export interface ExternalExport {
  __inputs: Array<{
    name: string;
    label: string;
    description: string;
    type: 'datasource';
    pluginId: string;
    pluginName: string;
  }>;
  __requires: Array<{ type: 'grafana' | 'datasource' | 'panel'; id: string; name: string; version: string }>;
}

/** A dashboard as the pack writes it: Grafana's dashboard model inside the export envelope. */
export type SharedDashboard = ExternalExport & Dashboard;

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

function target(t: Target, index: number): PromQuery {
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

/** A link in a panel's header. The schema types panel links as dashboard links, so every field is there. */
function panelLink(l: Link): DashboardLink {
  return {
    asDropdown: false,
    icon: 'external link',
    includeVars: false,
    keepTime: false,
    tags: [],
    targetBlank: false,
    title: l.title,
    tooltip: '',
    type: 'link',
    url: l.url,
  };
}

function thresholdsOf(p: PanelSpec): ThresholdsConfig {
  return {
    mode: e<ThresholdsMode>('absolute'),
    steps: [
      { color: p.type === 'stat' ? 'green' : 'transparent', value: null },
      ...(p.thresholds ?? []).map((t) => ({ color: t.color, value: t.value })),
    ],
  };
}

/** What differs by panel type, assembled by layout() in Grafana's key order. */
type PanelParts = Required<Pick<Panel, 'fieldConfig' | 'options' | 'type'>> & Pick<Panel, 'transformations'>;

function tablePanel(p: PanelSpec): PanelParts {
  const shown = p.columns ?? [];
  const overrides: FieldConfigSource['overrides'] = Object.entries(p.columnLinks ?? {}).map(
    ([column, links]) => ({
      matcher: { id: 'byName', options: column },
      properties: [{ id: 'links', value: links }],
    }),
  );
  if (p.valueText) {
    const mappings: ValueMapping[] = [
      {
        type: e<MappingType.ValueToText>('value'),
        options: Object.fromEntries(Object.entries(p.valueText).map(([v, m], index) => [v, { ...m, index }])),
      },
    ];
    overrides.push({
      matcher: { id: 'byName', options: 'Value' },
      properties: [
        { id: 'displayName', value: 'severity' },
        { id: 'mappings', value: mappings },
        { id: 'custom.cellOptions', value: { type: e<TableCellDisplayMode>('color-text') } },
      ],
    });
  }
  const organize: DataTransformerConfig = {
    id: 'organize',
    options: {
      // The value and the listed labels first, in that order; the hidden columns out.
      excludeByName: Object.fromEntries((p.hidden ?? []).map((c) => [c, true])),
      indexByName: Object.fromEntries(['Value', ...shown].map((c, i) => [c, i])),
      renameByName: {},
    },
  };
  return {
    fieldConfig: {
      defaults: {
        custom: {
          align: 'auto',
          cellOptions: { type: e<TableCellDisplayMode.Auto>('auto') },
        } satisfies Partial<TableFieldConfig>,
        unit: p.unit,
      },
      overrides,
    },
    options: {
      cellHeight: e<TableCellHeight>('sm'),
      showHeader: true,
      sortBy: [{ desc: true, displayName: p.valueText ? 'severity' : 'Value' }],
    } satisfies Partial<TableOptions>,
    transformations: [organize],
    type: 'table',
  };
}

function timeSeriesPanel(p: PanelSpec): PanelParts {
  return {
    fieldConfig: {
      defaults: {
        custom: {
          drawStyle: e<GraphDrawStyle>('line'),
          fillOpacity: 10,
          lineInterpolation: e<LineInterpolation>(p.steps ? 'stepAfter' : 'linear'),
          lineWidth: 1,
          showPoints: e<VisibilityMode>('never'),
          spanNulls: false,
          thresholdsStyle: { mode: e<GraphThresholdsStyleMode>(p.thresholds?.length ? 'line' : 'off') },
        } satisfies Partial<TimeSeriesFieldConfig>,
        ...(p.links ? { links: p.links } : {}),
        thresholds: thresholdsOf(p),
        unit: p.unit,
      },
      overrides: [],
    },
    options: {
      legend: {
        calcs: ['lastNotNull', 'max'],
        displayMode: e<LegendDisplayMode>('table'),
        placement: 'bottom',
        showLegend: true,
        sortBy: 'Last *',
        sortDesc: true,
      },
      tooltip: { mode: e<TooltipDisplayMode>('multi'), sort: e<SortOrder>('desc') },
    } satisfies Partial<TimeSeriesOptions>,
    type: 'timeseries',
  };
}

function statPanel(p: PanelSpec): PanelParts {
  return {
    fieldConfig: {
      defaults: {
        ...(p.links ? { links: p.links } : {}),
        thresholds: thresholdsOf(p),
        unit: p.unit,
      },
      overrides: [],
    },
    options: {
      colorMode: e<BigValueColorMode>(p.thresholds?.length ? 'background' : 'value'),
      graphMode: e<BigValueGraphMode>('area'),
      justifyMode: e<BigValueJustifyMode>('auto'),
      orientation: e<VizOrientation>('auto'),
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      textMode: e<BigValueTextMode>('auto'),
    } satisfies Partial<StatOptions>,
    type: 'stat',
  };
}

/** Lays panels out left to right, wrapping at 24 columns, and numbers them. Rows span the width. */
export function layout(specs: readonly PanelSpec[]): Array<Panel | RowPanel> {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((p, i): Panel | RowPanel => {
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
    const parts = type === 'table' ? tablePanel(p) : type === 'stat' ? statPanel(p) : timeSeriesPanel(p);
    return {
      datasource: DATASOURCE,
      description: p.description,
      fieldConfig: parts.fieldConfig,
      gridPos,
      id: i + 1,
      ...(p.panelLinks ? { links: p.panelLinks.map(panelLink) } : {}),
      options: parts.options,
      // The schema types targets as open records (each data source has its own); a copy of each is one.
      targets: p.targets.map((t, n) => ({ ...target(t, n) })),
      title: p.title,
      ...(parts.transformations ? { transformations: parts.transformations } : {}),
      type: parts.type,
    };
  });
}

export function datasourceVariable(): VariableModel {
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
 * first one found, for a drill-down that makes sense only for one thing at a time (no `current`: Grafana
 * selects the first value when it loads the options). `allValue` `.*` also matches series without the label
 * (topology labels that some targets lack). `regex` extracts the value from a `query_result()` line;
 * `ordered` keeps the order the query returns (no sorting by name).
 */
export function queryVariable(
  name: string,
  label: string,
  query: string,
  opts: { single?: boolean; allValue?: string; regex?: string; ordered?: boolean } = {},
): VariableModel {
  const single = opts.single ?? false;
  const q: PromVariableQuery = {
    qryType: query.startsWith('query_result(') ? 3 : 1,
    query,
    refId: 'PrometheusVariableQueryEditor-VariableQuery',
  };
  return {
    ...(single ? {} : { allValue: opts.allValue ?? '.+' }),
    ...(single ? {} : { current: { selected: true, text: ['All'], value: ['$__all'] } }),
    datasource: DATASOURCE,
    hide: 0,
    includeAll: !single,
    label,
    multi: !single,
    name,
    options: [],
    query: { ...q }, // the schema types it as an open record
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
  variables: VariableModel[];
  annotations: AnnotationSpec[];
  panels: PanelSpec[];
}

/** Annotation step: one event per minute at most, the alerts' evaluation interval. */
const ANNOTATION_STEP = '60s';

function promAnnotation(a: AnnotationSpec): PromAnnotation {
  return {
    datasource: DATASOURCE,
    enable: true,
    expr: a.expr,
    iconColor: 'red',
    name: a.name,
    step: ANNOTATION_STEP,
    tagKeys: 'severity',
    target: {
      datasource: DATASOURCE,
      editorMode: 'code',
      expr: a.expr,
      instant: false,
      interval: ANNOTATION_STEP,
      legendFormat: '',
      range: true,
      refId: 'Anno',
    },
    textFormat: a.textFormat,
    titleFormat: a.titleFormat,
    useValueForTime: false,
  };
}

export function dashboard(c: PackConfig, d: DashboardSpec): SharedDashboard {
  const panels = layout(d.panels);
  const panelTypes = [...new Set(panels.map((p) => p.type))].filter((t) => t !== 'row').sort();
  const NAMES: Record<string, string> = { stat: 'Stat', table: 'Table', timeseries: 'Time series' };
  const envelope: ExternalExport = {
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
      ...panelTypes.map((t) => ({ id: t, name: NAMES[t] ?? t, type: 'panel' as const, version: '' })),
    ],
  };
  const builtIn: AnnotationQuery = {
    builtIn: 1,
    datasource: { type: 'grafana', uid: '-- Grafana --' },
    enable: true,
    hide: true,
    iconColor: 'rgba(0, 211, 255, 1)',
    name: 'Annotations & Alerts',
    type: 'dashboard',
  };
  const model: Dashboard = {
    annotations: { list: [builtIn, ...d.annotations.map(promAnnotation)] },
    description: d.description,
    // Provisioned and imported as code: changes belong in the generator (dashboard-linter's
    // uneditable-dashboard rule). A user can still save a copy.
    editable: false,
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
        targetBlank: false,
        title: 'mapwatch',
        tooltip: '',
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
  return { ...envelope, ...model };
}
