/**
 * The dashboards are typed against Grafana's schema (`@grafana/schema`). `npm run typecheck` checks this
 * file: each `@ts-expect-error` below is a dashboard part Grafana does not know, and fails the typecheck
 * if the types ever accept it. The shapes are the ones issue #12 found in the generated dashboards.
 */
import type { AnnotationQuery, Dashboard, Panel, VariableModel } from '@grafana/schema';
import type { Options as TableOptions } from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defaultConfig } from '../../src/pack/config.js';
import { buildDashboards } from '../../src/pack/dashboards.js';
import { SCHEMA_VERSION, type PromAnnotation, type SharedDashboard } from '../../src/pack/grafana.js';

const DS = { type: 'prometheus', uid: '${datasource}' };
const ANNOTATION = { datasource: DS, enable: true, iconColor: 'red', name: 'alerts' };

/** Dashboard parts the schema rejects, each as the pack once wrote it or as a typo would. */
export const rejected = {
  // @ts-expect-error a misspelt dashboard field
  misspelt: { schemaVersion: SCHEMA_VERSION, editabel: false } satisfies Dashboard,
  // @ts-expect-error `allValue: null` on a single-value variable (allValue is a string or absent)
  nullAllValue: { name: 'map', type: 'query', allValue: null } satisfies VariableModel,
  // @ts-expect-error `current: {}` (a current option has a text and a value)
  emptyCurrent: { name: 'map', type: 'query', current: {} } satisfies VariableModel,
  // @ts-expect-error `definition` is not part of a variable
  definition: { name: 'job', type: 'query', definition: 'label_values(up, job)' } satisfies VariableModel,
  // @ts-expect-error the query of an annotation belongs in `target`
  topLevelExpr: { ...ANNOTATION, expr: 'up' } satisfies AnnotationQuery,
  // @ts-expect-error a panel field Grafana does not know
  panelField: { type: 'timeseries', title: 't', legend: {} } satisfies Panel,
  // @ts-expect-error the table footer option left Grafana's table panel
  tableFooter: { showHeader: true, footer: { show: false } } satisfies Partial<TableOptions>,
};

describe("the generated dashboards are Grafana's dashboard model", () => {
  const dashboards = buildDashboards(defaultConfig);

  it('types every dashboard as a dashboard of the schema inside the export envelope', () => {
    expectTypeOf(dashboards).toEqualTypeOf<Record<string, SharedDashboard>>();
    expectTypeOf<SharedDashboard>().toExtend<Dashboard>();
    expectTypeOf<PromAnnotation>().toExtend<AnnotationQuery>();
    expect(Object.keys(dashboards).sort()).toEqual(['mapwatch-map.json', 'mapwatch-overview.json']);
  });

  it('keeps the schema version that Grafana 10.4 writes, which every later Grafana migrates', () => {
    for (const d of Object.values(dashboards)) {
      expect(d.schemaVersion).toBe(39);
      expect(d.__requires).toContainEqual(expect.objectContaining({ id: 'grafana', version: '10.4.0' }));
    }
  });

  it('writes none of the shapes the schema rejects', () => {
    const text = JSON.stringify(dashboards);
    expect(text).not.toContain('"allValue":null');
    expect(text).not.toContain('"current":{}');
    expect(text).not.toContain('"definition"');
    expect(text).not.toContain('"footer"');
    expect(text).not.toContain('"editable":true');
  });
});
