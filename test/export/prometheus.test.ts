import client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_METRICS, METRICS } from '../../src/conventions.js';
import { registerPromMetrics } from '../../src/export/prometheus.js';
import { SCALAR_BUILDERS } from '../../src/export/samples.js';
import { parseExposition } from '../helpers/exposition.js';
import { FIXTURE_AGE_SECONDS, populatedRegistry } from '../helpers/populate.js';

const value = (text: string, name: string, labels: Record<string, string> = {}): number | undefined =>
  parseExposition(text).find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;

describe('prom-client collectors', () => {
  const restore: Array<() => void> = [];
  afterEach(() => restore.splice(0).forEach((f) => f()));

  it('serve every family with the conventions names, labels and values', async () => {
    const { registry, recordWaits } = populatedRegistry();
    recordWaits();
    const prom = new client.Registry();
    const reg = registerPromMetrics(prom, { registry });
    expect(reg.metricNames).toEqual(ALL_METRICS.map((m) => m.name));
    const text = await prom.metrics();

    expect(value(text, METRICS.entries.name, { map_name: 'users', map_kind: 'plain' })).toBe(5);
    expect(value(text, METRICS.instances.name, { map_name: 'users' })).toBe(2);
    expect(value(text, METRICS.lookups.name, { map_name: 'users', result: 'hit' })).toBe(1);
    expect(value(text, METRICS.lookups.name, { map_name: 'users', result: 'miss' })).toBe(1);
    expect(value(text, METRICS.inserts.name, { map_name: 'users' })).toBe(6);
    expect(value(text, METRICS.updates.name, { map_name: 'users' })).toBe(1);
    expect(value(text, METRICS.deletes.name, { map_name: 'users', cause: 'explicit' })).toBe(1);
    expect(value(text, METRICS.deletes.name, { map_name: 'profiles', cause: 'expire' })).toBe(3);
    expect(value(text, METRICS.promotions.name, { map_name: 'config' })).toBe(2);
    // Families a name does not use are not emitted for it.
    expect(value(text, METRICS.promotions.name, { map_name: 'users' })).toBeUndefined();
    expect(value(text, METRICS.loads.name, { map_name: 'profiles', result: 'failure' })).toBe(1);
    expect(value(text, METRICS.shardImbalance.name, { map_name: 'sessions' })).toBe(1.5);
    expect(
      value(text, METRICS.lockAcquisitions.name, { map_name: 'inventory', mode: 'write', contended: 'true' }),
    ).toBe(2);
    expect(value(text, METRICS.lockTimeouts.name, { map_name: 'inventory' })).toBe(1);
    expect(value(text, METRICS.lockWaiters.name, { map_name: 'inventory' })).toBe(2);
    expect(
      value(text, `${METRICS.lockWaitDuration.name}_count`, { map_name: 'inventory', mode: 'read' }),
    ).toBe(2);
    expect(
      value(text, `${METRICS.lockWaitDuration.name}_bucket`, {
        map_name: 'inventory',
        mode: 'read',
        le: '0.0005',
      }),
    ).toBe(1);
    expect(
      value(text, `${METRICS.lockWaitDuration.name}_bucket`, {
        map_name: 'inventory',
        mode: 'read',
        le: '+Inf',
      }),
    ).toBe(2);
    expect(value(text, METRICS.leakSuspect.name, { map_name: 'users' })).toBe(1);
    expect(value(text, METRICS.leakSuspect.name, { map_name: 'sessions' })).toBe(0);
    // Leak state: four series per analysed name, 1 for its state only.
    const states = (name: string) =>
      Object.fromEntries(
        parseExposition(text)
          .filter((s) => s.name === METRICS.leakState.name && s.labels.map_name === name)
          .map((s) => [s.labels.state, s.value]),
      );
    expect(states('users')).toEqual({ collecting: 0, ok: 0, growing: 0, leak: 1 });
    expect(states('sessions')).toEqual({ collecting: 0, ok: 0, growing: 1, leak: 0 });
    expect(states('config')).toEqual({ collecting: 0, ok: 1, growing: 0, leak: 0 });
    expect(states('profiles')).toEqual({ collecting: 1, ok: 0, growing: 0, leak: 0 });
    expect(states('inventory')).toEqual({});
    // Declared bounds: only names whose every live instance declares one.
    expect(value(text, METRICS.declaredMaxEntries.name, { map_name: 'sessions' })).toBe(5000);
    expect(value(text, METRICS.declaredTtl.name, { map_name: 'sessions' })).toBe(600);
    expect(value(text, METRICS.declaredTtl.name, { map_name: 'profiles' })).toBe(30);
    expect(value(text, METRICS.declaredMaxEntries.name, { map_name: 'profiles' })).toBeUndefined();
    expect(value(text, METRICS.declaredMaxEntries.name, { map_name: 'users' })).toBeUndefined();
    // Survival: every InstrumentedMap samples ages by default; only 'tracked' tracks reads.
    expect(value(text, METRICS.oldestSampledAge.name, { map_name: 'users' })).toBe(FIXTURE_AGE_SECONDS);
    expect(value(text, METRICS.sampledNeverRead.name, { map_name: 'users' })).toBeUndefined();
    expect(value(text, METRICS.sampledNeverRead.name, { map_name: 'tracked' })).toBe(0.5);
    expect(value(text, METRICS.registryMaps.name)).toBe(6);
    expect(text).toContain(`# TYPE ${METRICS.lockWaitDuration.name} histogram`);
  });

  it('a collector that throws costs its own metric, never the scrape', async () => {
    const { registry } = populatedRegistry();
    const original = SCALAR_BUILDERS.inserts;
    SCALAR_BUILDERS.inserts = () => {
      throw new Error('collector exploded');
    };
    restore.push(() => (SCALAR_BUILDERS.inserts = original));
    const errors: string[] = [];
    const prom = new client.Registry();
    registerPromMetrics(prom, { registry, onError: (name) => errors.push(name) });
    const text = await prom.metrics();
    expect(value(text, METRICS.inserts.name, { map_name: 'users' })).toBeUndefined();
    expect(value(text, METRICS.updates.name, { map_name: 'users' })).toBe(1);
    expect(errors).toEqual([METRICS.inserts.name]);
  });

  it('an onError handler that throws is contained too', async () => {
    const { registry } = populatedRegistry();
    const original = SCALAR_BUILDERS.entries;
    SCALAR_BUILDERS.entries = () => {
      throw new Error('boom');
    };
    restore.push(() => (SCALAR_BUILDERS.entries = original));
    const prom = new client.Registry();
    registerPromMetrics(prom, {
      registry,
      onError: () => {
        throw new Error('handler also broken');
      },
    });
    await expect(prom.metrics()).resolves.toContain(METRICS.inserts.name);
  });

  it('refuses a second registration on the same Registry and can unregister', async () => {
    const { registry } = populatedRegistry();
    const prom = new client.Registry();
    const reg = registerPromMetrics(prom, { registry });
    expect(() => registerPromMetrics(prom, { registry })).toThrow(/already registered.*unregister\(\)/);
    reg.unregister();
    expect(await prom.metrics()).not.toContain('mapwatch_');
    registerPromMetrics(prom, { registry });
    expect(await prom.metrics()).toContain(METRICS.entries.name);
  });

  it('cluster aggregation follows the conventions table: counts add up, verdicts and ratios do not', async () => {
    const workers = await Promise.all(
      [0, 1].map(async () => {
        const { registry } = populatedRegistry();
        const prom = new client.Registry();
        registerPromMetrics(prom, { registry });
        return prom.getMetricsAsJSON();
      }),
    );
    const text = await client.AggregatorRegistry.aggregate(workers).metrics();
    expect(value(text, METRICS.inserts.name, { map_name: 'users' })).toBe(12);
    expect(value(text, METRICS.leakSuspect.name, { map_name: 'users' })).toBe(1);
    expect(value(text, METRICS.leakState.name, { map_name: 'users', state: 'leak' })).toBe(1);
    expect(value(text, METRICS.leakState.name, { map_name: 'users', state: 'ok' })).toBe(0);
    // A declared TTL is the longest, not a sum, across workers.
    expect(value(text, METRICS.declaredTtl.name, { map_name: 'sessions' })).toBe(600);
    expect(value(text, METRICS.declaredMaxEntries.name, { map_name: 'sessions' })).toBe(10_000);
    expect(value(text, METRICS.shardImbalance.name, { map_name: 'sessions' })).toBe(1.5);
  });

  it('counters stay correct when the Registry serves OpenMetrics', async () => {
    const { registry } = populatedRegistry();
    // prom-client's typings omit the constructor's content-type parameter, which the runtime takes.
    const OpenMetricsRegistry = client.Registry as unknown as new (type: string) => client.Registry;
    const prom = new OpenMetricsRegistry(client.Registry.OPENMETRICS_CONTENT_TYPE);
    registerPromMetrics(prom, { registry });
    for (let i = 0; i < 2; i++) {
      const text = await prom.metrics();
      expect(text).toContain(`# TYPE ${METRICS.inserts.name.replace(/_total$/, '')} counter`);
      expect(value(text, METRICS.inserts.name, { map_name: 'users' })).toBe(6);
      expect(text).not.toContain('_total_total');
      expect(text.trimEnd().endsWith('# EOF')).toBe(true);
    }
  });
});
