/**
 * End to end, as users run it: demo services scraped every second by a real Prometheus with the shipped
 * rules (fast-window variant), alerts routed through a real Alertmanager to a webhook receiver, all on
 * 127.0.0.1. Three demos run side by side for the same time: a leak, a lock storm, and a healthy one that
 * must page nobody. Every dashboard query must return data. Bounded to a few minutes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertDef } from '../../src/pack/alerts.js';
import { defaultConfig } from '../../src/pack/config.js';
import { promQuery, startStack, type ReceivedAlert, type Stack } from '../../scripts/stack.mjs';
import { dashboardQueries, substituteVariables } from '../pack/queries.js';
import { requireTool } from '../helpers/tools.js';

const hasTools = [requireTool('prometheus'), requireTool('prometheus-alertmanager')].every(Boolean);
const DEADLINE_MS = 240_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const GROWTH = alertDef('growth').name;
const LEAK = alertDef('leakSuspect').name;
const STORM = alertDef('lockStorm').name;

describe.skipIf(!hasTools)('end to end: demo -> Prometheus -> Alertmanager -> webhook', () => {
  let stack: Stack;
  const started = Date.now();

  beforeAll(async () => {
    stack = await startStack({
      demos: [
        { job: 'e2e-leak', scenarios: 'healthy,leak' },
        { job: 'e2e-storm', scenarios: 'healthy,lock-storm' },
        { job: 'e2e-healthy', scenarios: 'healthy' },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const firing = (job: string, alertname: string): ReceivedAlert | undefined =>
    stack.alerts.find(
      (a) => a.status === 'firing' && a.labels.job === job && a.labels.alertname === alertname,
    );

  async function waitFor(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
    while (!(await done())) {
      if (Date.now() - started > DEADLINE_MS) {
        const got = stack.alerts.map(
          (a) => `${a.status} ${a.labels.alertname} ${a.labels.job} ${a.labels.map_name}`,
        );
        const logs = stack.procs.map((p) => `--- ${p.name}\n${p.log().slice(-1500)}`).join('\n');
        throw new Error(`timed out waiting for ${what}; webhook got: ${JSON.stringify(got)}\n${logs}`);
      }
      await sleep(1000);
    }
  }

  it(
    'scrapes every demo target',
    async () => {
      await waitFor('all targets up', async () => {
        const { result } = await promQuery(stack.promUrl, 'up == 1');
        return result.length === 3;
      });
    },
    DEADLINE_MS,
  );

  it(
    'pages the growth and leak alerts for the leaking map, with labels and annotations',
    async () => {
      await waitFor(
        `${GROWTH} and ${LEAK} from e2e-leak`,
        () => !!firing('e2e-leak', GROWTH) && !!firing('e2e-leak', LEAK),
      );
      for (const name of [GROWTH, LEAK]) {
        const a = firing('e2e-leak', name)!;
        expect(a.labels.map_name).toBe('leaky-cache');
        expect(a.labels.severity).toMatch(/^(critical|warning|info)$/);
        expect(a.labels.instance).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(a.annotations.summary).toMatch(/^[A-Z].+\.$/);
        expect(a.annotations.description).toContain('leaky-cache');
        expect(a.annotations.runbook_url).toMatch(/runbook\.md#/);
      }
    },
    DEADLINE_MS,
  );

  it(
    'pages the lock storm on the ledger',
    async () => {
      await waitFor(`${STORM} from e2e-storm`, () => !!firing('e2e-storm', STORM));
      const a = firing('e2e-storm', STORM)!;
      expect(a.labels.map_name).toBe('ledger');
      expect(a.labels.severity).toBe('critical');
      expect(a.annotations.description).toContain('ledger');
    },
    DEADLINE_MS,
  );

  it(
    'evaluates every dashboard query to data',
    async () => {
      const queries = dashboardQueries(defaultConfig);
      const empty: string[] = [];
      for (const q of queries) {
        const expr = substituteVariables(q.expr, '15s').replaceAll('job=~".+"', 'job=~"e2e-.+"');
        const data = await promQuery(stack.promUrl, expr);
        if (data.result.length === 0) empty.push(`${q.where}: ${expr}`);
      }
      console.log(
        `dashboard queries with data end to end: ${queries.length - empty.length}/${queries.length}`,
      );
      expect(empty).toEqual([]);
    },
    DEADLINE_MS,
  );

  it('pages nothing for the healthy demo over the same time', () => {
    // By now the faulty demos have paged, so the healthy one has run for as long.
    const healthyPages = stack.alerts.filter((a) => a.labels.job === 'e2e-healthy');
    expect(healthyPages.map((a) => `${a.labels.alertname} ${a.labels.map_name}`)).toEqual([]);
    // And the faulty demos' healthy maps did not page either.
    const healthyMaps = new Set(['sessions', 'routes', 'profiles', 'config', 'inventory', 'carts']);
    // The storm's map is bounded: it must page for the storm, not for growth.
    expect(
      stack.alerts.filter((a) => a.labels.map_name === 'ledger' && a.labels.alertname !== STORM),
    ).toEqual([]);
    expect(
      stack.alerts.filter((a) => healthyMaps.has(a.labels.map_name ?? '')).map((a) => a.labels.alertname),
    ).toEqual([]);
  });
});
