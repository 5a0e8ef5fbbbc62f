/**
 * Grafana JSON building blocks: panels, targets, variables, the import/provisioning envelope. Kept apart
 * from dashboards.ts so that file reads as a list of panels and queries, not as Grafana plumbing.
 *
 * Every object is typed against Grafana's own schema (`@grafana/schema`, a development dependency: only
 * its types are used, so nothing of it loads at run time): the dashboard model, and the options and field
 * config of each panel type, so a field Grafana does not know fails the typecheck. Where the schema leaves
 * a part to the data source (a target, a Prometheus annotation's text formats) the type says so below.
 * The rules of Grafana's dashboard linter hold by construction: every panel and target uses the
 * `${datasource}` variable, every panel has a description and a unit (test/pack/lint-dashboards.test.ts checks them).
 */
import type { AnnotationQuery, Dashboard, VariableModel } from '@grafana/schema';
import { type PackConfig } from './config.js';
import {
  DATASOURCE,
  type ExternalExport,
  type PanelSpec,
  type PromAnnotation,
  type PromVariableQuery,
  type SharedDashboard,
} from './grafana/model.js';
import { layout } from './grafana/panels.js';

export type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/schema';
// The types and panel builders live in grafana/model.ts and grafana/panels.ts; this module is their entry.
export {
  DATASOURCE,
  type ExternalExport,
  type Link,
  type PanelSpec,
  type PromAnnotation,
  type PromQuery,
  type SharedDashboard,
  type Target,
  type Threshold,
} from './grafana/model.js';
export { layout } from './grafana/panels.js';

/**
 * Grafana's dashboard JSON schema version written by Grafana 10.4 (39): a newer Grafana migrates it on
 * load; an older one would refuse a higher number.
 */
export const SCHEMA_VERSION = 39;
export const MIN_GRAFANA_VERSION = '10.4.0';

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
