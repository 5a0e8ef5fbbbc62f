/**
 * The dashboards' units come from the metric table (its OpenTelemetry unit and type) through
 * src/pack/grafana-units.ts: every metric must get a unit Grafana knows, and the derivation must give the
 * units the dashboards have always drawn, so that a new metric is drawn right without a unit of its own.
 */
import { describe, expect, it } from 'vitest';
import { ALL_METRICS, METRICS, type MetricSpec } from '../../src/conventions.js';
import { grafanaUnitOf } from '../../src/pack/grafana-units.js';
import { GRAFANA_UNITS } from './dashboard-linter.js';

describe('the Grafana unit of each metric', () => {
  it.each(ALL_METRICS.map((m) => [m.name, m] as const))('%s gets a unit Grafana knows', (_name, m) => {
    expect(GRAFANA_UNITS.has(grafanaUnitOf(m))).toBe(true);
  });

  it('follows the unit and type: seconds, counts per second, verdicts, counts and shares', () => {
    const units = Object.fromEntries(ALL_METRICS.map((m) => [m.key, grafanaUnitOf(m)]));
    expect(units).toEqual({
      entries: 'short',
      instances: 'short',
      lookups: 'ops',
      inserts: 'ops',
      updates: 'ops',
      deletes: 'ops',
      readMisses: 'ops',
      promotions: 'ops',
      copiedEntries: 'ops',
      lockAcquisitions: 'ops',
      lockWaitSeconds: 's',
      lockWaitDuration: 's',
      lockHoldSeconds: 's',
      lockWaiters: 'short',
      lockTimeouts: 'ops',
      loads: 'ops',
      loadJoins: 'ops',
      loadSeconds: 's',
      shardImbalance: 'none',
      leakSuspect: 'bool',
      leakState: 'bool',
      growthPerSecond: 'short',
      oldestSampledAge: 's',
      sampledNeverRead: 'percentunit',
      declaredMaxEntries: 'short',
      declaredTtl: 's',
      registryMaps: 'short',
      registryOverflow: 'ops',
      collectErrors: 'ops',
    });
  });

  it('refuses a unit it has no rule for instead of guessing', () => {
    const bytes: MetricSpec = { ...METRICS.entries, unit: 'By' };
    expect(() => grafanaUnitOf(bytes)).toThrow(/no Grafana unit for mapwatch_map_entries \(unit 'By'/);
  });
});
