import { describe, expect, it } from 'vitest';
import { prometheusRule, vmRule } from '../../src/pack/alertmanager.js';
import { ConfigError, defaultConfig, fastConfig, resolveConfig } from '../../src/pack/config.js';
import { promDuration, parseDuration } from '../../src/pack/duration.js';

describe('resolveConfig', () => {
  it('returns the defaults for an empty partial, as a copy', () => {
    const c = resolveConfig({});
    expect(c).toEqual(defaultConfig);
    c.groupBy.push('team');
    expect(defaultConfig.groupBy).toEqual(['cluster', 'namespace']);
  });

  it('deep-merges a partial over the defaults', () => {
    const c = resolveConfig({
      groupBy: ['cluster'],
      lock: { stormWaiters: 3 },
      alerts: { lockStorm: { for: '10m' } },
    });
    expect(c.groupBy).toEqual(['cluster']);
    expect(c.lock.stormWaiters).toBe(3);
    expect(c.lock.window).toBe(defaultConfig.lock.window);
    expect(c.alerts.lockStorm).toEqual({ ...defaultConfig.alerts.lockStorm, for: '10m' });
  });

  it('targets Prometheus 2.42+ by default; vmalert drops every keep_firing_for (vmalert lacks it)', () => {
    expect(defaultConfig.target).toBe('prometheus');
    expect(resolveConfig({ target: 'prometheus3' }).alerts).toEqual(defaultConfig.alerts);
    const vm = resolveConfig({ target: 'vmalert' });
    expect(Object.values(vm.alerts).map((a) => a.keepFiringFor)).toEqual(
      Object.values(defaultConfig.alerts).map(() => null),
    );
    expect(Object.values(vm.alerts).map((a) => a.for)).toEqual(
      Object.values(defaultConfig.alerts).map((a) => a.for),
    );
    expect(() => resolveConfig({ target: 'thanos' })).toThrow(
      /target must be one of prometheus, prometheus3, vmalert; got 'thanos'/,
    );
  });

  it('accepts null to switch keep_firing_for off', () => {
    expect(
      resolveConfig({ alerts: { growth: { keepFiringFor: null } } }).alerts.growth.keepFiringFor,
    ).toBeNull();
  });

  it.each([
    [
      { lock: { stormWaiter: 3 } },
      /unknown key 'lock.stormWaiter'; known keys here: stuckWindow, window, stormWaiters, stormMeanWaitSeconds/,
    ],
    [{ alerts: { NoSuchAlert: {} } }, /unknown key 'alerts.NoSuchAlert'/],
    [{ lock: { stormWaiters: '3' } }, /lock.stormWaiters must be a number/],
    [{ lock: { stormWaiters: -1 } }, /lock.stormWaiters must be a positive number/],
    [{ growth: { window: '1 hour' } }, /growth.window must be a Prometheus duration such as/],
    [{ growth: { window: '90s' } }, /must be a multiple of evaluationInterval/],
    [{ alerts: { growth: { severity: 'page' } } }, /severity must be one of critical, warning, info/],
    [{ selector: '{job="a"}' }, /selector must be PromQL matchers without braces/],
    [{ groupBy: ['job'] }, /'job' is always kept/],
    [{ groupBy: [1] }, /groupBy must be an array of strings/],
    [{ cache: { missRatio: 1.5 } }, /cache.missRatio must be between 0 and 1/],
    [{ growth: { ceilings: { sessions: '5' } } }, /growth.ceilings.sessions must be a number/],
    [{ growth: { ceilings: { sessions: -5 } } }, /growth.ceilings.sessions must be a positive number/],
    [{ growth: { ceilings: [] } }, /growth.ceilings must be an object/],
    [{ runbookBaseUrl: 'https://x/runbook.md#top' }, /without a #fragment/],
    [{ recordingRules: 'yes' }, /recordingRules must be a boolean/],
    [{ fresh: { ageRatio: 1.5 } }, /fresh.ageRatio must be above 0 and at most 1/],
    [{ fresh: { minNetShare: 0 } }, /fresh.minNetShare must be between 0 and 1/],
    [{ fresh: { ttlSlack: 0.5 } }, /fresh.ttlSlack must be at least 1/],
    [
      { fresh: { floorWindow: '2h', floorOffset: '1h' } },
      /fresh.floorOffset must be at least fresh.floorWindow/,
    ],
    [{ fresh: { window: '90s' } }, /fresh.window \(90s\) must be a multiple of evaluationInterval/],
    [[], /config must be an object/],
    [{ alertLabels: { 'team-name': 'x' } }, /alertLabels: 'team-name' is not a Prometheus label name/],
    [{ alertLabels: { severity: 'page' } }, /alertLabels: 'severity' is set by the pack/],
    [{ alertLabels: { cluster: 'x' } }, /alertLabels: 'cluster' is set by the pack or by the series/],
    [{ alertLabels: { team: 3 } }, /alertLabels.team must be a string/],
    [{ alertLabels: { team: '' } }, /alertLabels.team must not be empty/],
    [{ resourceLabels: { 'team name': 'x' } }, /resourceLabels: 'team name' is not a Kubernetes label key/],
    [{ resourceLabels: { ['a'.repeat(64)]: 'x' } }, /is not a Kubernetes label key/],
    [{ resourceLabels: { 'Example.com/team': 'x' } }, /is not a Kubernetes label key/],
    [{ resourceLabels: { '/team': 'x' } }, /is not a Kubernetes label key/],
    [{ resourceLabels: { 'app.kubernetes.io/name': 'x' } }, /'app.kubernetes.io\/name' is set by the pack/],
    [
      { resourceLabels: { release: 'kube prometheus' } },
      /resourceLabels.release: 'kube prometheus' is not a Kubernetes label value/,
    ],
    [{ resourceLabels: { release: '-x' } }, /is not a Kubernetes label value/],
    [{ resourceLabels: { release: 1 } }, /resourceLabels.release must be a string/],
    [{ resourceLabels: [] }, /resourceLabels must be an object/],
    [{ excludeMaps: [''] }, /excludeMaps: map names must not be empty/],
    [{ excludeMaps: 'catalogue' }, /excludeMaps must be an array of strings/],
    [{ grafanaBaseUrl: 'grafana.example.com' }, /grafanaBaseUrl must be an http\(s\) URL/],
    [{ grafanaBaseUrl: 'https://grafana.example.com/' }, /without a trailing '\/'/],
    [{ memory: { limitSeries: '' } }, /memory.limitBytes must be a positive number of bytes/],
    [{ memory: { limitBytes: 1e9 } }, /set either memory.limitSeries or memory.limitBytes/],
    [{ memory: { usageSeries: 'heap used' } }, /memory.usageSeries must be a Prometheus metric name/],
    [{ memory: { ratio: 1.5 } }, /memory.ratio must be above 0 and at most 1/],
    [{ growth: { pageAboveShare: 0 } }, /growth.pageAboveShare must be above 0 and at most 1/],
    [{ lock: { timeoutRatio: 1 } }, /lock.timeoutRatio must be between 0 and 1/],
    [{ exporter: { sampleGrowthRatio: 1 } }, /exporter.sampleGrowthRatio must be above 1/],
  ])('rejects %j', (partial, message) => {
    expect(() => resolveConfig(partial)).toThrow(ConfigError);
    expect(() => resolveConfig(partial)).toThrow(message);
  });

  it('accepts owner labels, an exclusion list and a fixed memory limit', () => {
    const c = resolveConfig({
      alertLabels: { team: 'payments' },
      excludeMaps: ['catalogue'],
      memory: { limitSeries: '', limitBytes: 4e9 },
    });
    expect(c.alertLabels).toEqual({ team: 'payments' });
    expect(c.excludeMaps).toEqual(['catalogue']);
    expect(c.memory.limitBytes).toBe(4e9);
    expect(defaultConfig.alertLabels).toEqual({});
  });

  it("puts resourceLabels on the PrometheusRule and the VMRule, after the pack's own, sorted", () => {
    const resourceLabels = { release: 'kube-prometheus-stack', 'example.com/team': 'payments', tier: '' };
    for (const resource of [prometheusRule, vmRule]) {
      const meta = resource(resolveConfig({ resourceLabels })).metadata as { labels: Record<string, string> };
      expect(Object.entries(meta.labels)).toEqual([
        ['app.kubernetes.io/name', 'mapwatch'],
        ['app.kubernetes.io/component', 'alert-rules'],
        ['example.com/team', 'payments'],
        ['release', 'kube-prometheus-stack'],
        ['tier', ''],
      ]);
    }
    const meta = prometheusRule(defaultConfig).metadata as { labels: Record<string, string> };
    expect(Object.keys(meta.labels)).toEqual(['app.kubernetes.io/name', 'app.kubernetes.io/component']);
  });

  it('keeps the topology labels cluster and namespace by default', () => {
    expect(defaultConfig.groupBy).toEqual(['cluster', 'namespace']);
  });

  it('accepts per-map ceilings', () => {
    expect(resolveConfig({ growth: { ceilings: { sessions: 5e6 } } }).growth.ceilings).toEqual({
      sessions: 5e6,
    });
    expect(defaultConfig.growth.ceilings).toEqual({});
  });

  it('defaults resist daily cycles: growth windows of 6h or more, for of 2h or more', () => {
    const { growth, instances, alerts } = defaultConfig;
    for (const w of [growth.window, growth.predictWindow, instances.window])
      expect(parseDuration(w)).toBeGreaterThanOrEqual(6 * 3600);
    for (const w of [growth.peakWindow, instances.peakWindow]) expect(parseDuration(w)).toBe(86400);
    for (const a of [alerts.growth, alerts.instancesGrowing])
      expect(parseDuration(a.for)).toBeGreaterThanOrEqual(7200);
  });

  it('fastConfig shrinks windows and for so growth, leak and lock storm can fire within ~90 s', () => {
    const { growth, leak, lock, alerts, evaluationInterval } = fastConfig;
    const step = parseDuration(evaluationInterval);
    // Worst case: the floor window must fill with leaked data, then the floor must rise, then `for`; and
    // "yesterday" (the peak window one peak window ago) must have data.
    const fill = Math.max(2 * parseDuration(growth.window), 2 * parseDuration(growth.peakWindow));
    expect(fill + parseDuration(alerts.growth.for) + step).toBeLessThanOrEqual(90);
    expect(parseDuration(leak.holdWindow) + parseDuration(alerts.leakSuspect.for) + step).toBeLessThanOrEqual(
      60,
    );
    expect(parseDuration(lock.window) + parseDuration(alerts.lockStorm.for) + step).toBeLessThanOrEqual(60);
  });
});

describe('durations', () => {
  it.each([
    ['90s', 90],
    ['1h30m', 5400],
    ['1d', 86400],
    ['500ms', 0.5],
  ])('parses %s', (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each([
    [5400, '1h30m'],
    [45, '45s'],
    [0, '0s'],
  ])('formats %d', (seconds, text) => expect(promDuration(seconds)).toBe(text));

  it('rejects garbage', () => expect(() => parseDuration('5 minutes')).toThrow());
});
