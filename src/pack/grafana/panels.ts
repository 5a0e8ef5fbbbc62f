/**
 * Panel specs -> Grafana panels: the field config and options of each panel type, in Grafana's key order,
 * laid out on the 24-column grid.
 */
import type {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  DashboardLink,
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
import { DATASOURCE, enumValue, type Link, type PanelSpec, type PromQuery, type Target } from './model.js';

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
    mode: enumValue<ThresholdsMode>('absolute'),
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
        type: enumValue<MappingType.ValueToText>('value'),
        options: Object.fromEntries(Object.entries(p.valueText).map(([v, m], index) => [v, { ...m, index }])),
      },
    ];
    overrides.push({
      matcher: { id: 'byName', options: 'Value' },
      properties: [
        { id: 'displayName', value: 'severity' },
        { id: 'mappings', value: mappings },
        { id: 'custom.cellOptions', value: { type: enumValue<TableCellDisplayMode>('color-text') } },
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
          cellOptions: { type: enumValue<TableCellDisplayMode.Auto>('auto') },
        } satisfies Partial<TableFieldConfig>,
        unit: p.unit,
      },
      overrides,
    },
    options: {
      cellHeight: enumValue<TableCellHeight>('sm'),
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
          drawStyle: enumValue<GraphDrawStyle>('line'),
          fillOpacity: 10,
          lineInterpolation: enumValue<LineInterpolation>(p.steps ? 'stepAfter' : 'linear'),
          lineWidth: 1,
          showPoints: enumValue<VisibilityMode>('never'),
          spanNulls: false,
          thresholdsStyle: {
            mode: enumValue<GraphThresholdsStyleMode>(p.thresholds?.length ? 'line' : 'off'),
          },
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
        displayMode: enumValue<LegendDisplayMode>('table'),
        placement: 'bottom',
        showLegend: true,
        sortBy: 'Last *',
        sortDesc: true,
      },
      tooltip: { mode: enumValue<TooltipDisplayMode>('multi'), sort: enumValue<SortOrder>('desc') },
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
      colorMode: enumValue<BigValueColorMode>(p.thresholds?.length ? 'background' : 'value'),
      // The stats are instant queries (one point): a sparkline would never be drawn.
      graphMode: enumValue<BigValueGraphMode>('none'),
      justifyMode: enumValue<BigValueJustifyMode>('auto'),
      orientation: enumValue<VizOrientation>('auto'),
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      textMode: enumValue<BigValueTextMode>('auto'),
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
