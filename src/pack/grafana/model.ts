/**
 * The Grafana JSON the pack writes, as types: Grafana's own schema (`@grafana/schema`, types only) where it
 * has one, and the Prometheus data source's query, annotation and variable models where the schema leaves
 * them open; plus the pack's own panel spec, which dashboards.ts lists panels in.
 */
import type { AnnotationQuery, Dashboard, DataQuery, DataSourceRef } from '@grafana/schema';

export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const satisfies DataSourceRef;

/**
 * A value of one of the schema's string enums, written as the string the JSON holds: `@grafana/schema` is a
 * development dependency, so its enums are types here, never values. Only the enum's own strings compile.
 */
export function enumValue<E extends string>(value: `${E}`): E {
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
export interface PromVariableQuery {
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
