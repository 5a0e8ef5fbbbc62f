/**
 * End to end, as users run it, on either engine: demo services scraped every second, the shipped rules
 * (fast-window variant, in the engine's flavour) evaluated, alerts routed through a real Alertmanager to a
 * webhook receiver, all on 127.0.0.1. Four demos run side by side for the same time: a leak, a lock storm, a
 * leak in a process at its memory limit, and a healthy one that must page nobody. Every dashboard query (of the
 * dashboards generated for the same fast preset) must return data from the engine's Prometheus query API, and
 * the overview's firing-alerts table must list the leak's alerts by map and instance. Bounded to a few minutes.
 *
 * `test/e2e/pipeline.test.ts` runs it on Prometheus, `test/e2e/victoria-metrics.test.ts` on VictoriaMetrics
 * (vmagent, victoria-metrics, vmalert): the same pages either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../src/conventions.js';
import { alertDef, buildRecordingRules } from '../../src/pack/alerts.js';
import { fastConfig, resolveConfig } from '../../src/pack/config.js';
import {
  ENGINE_BINARIES,
  findBinary,
  promQuery,
  startStack,
  type Engine,
  type ReceivedAlert,
  type Stack,
} from '../../scripts/stack.mjs';
import { dashboardQueries, substituteVariables } from '../pack/queries.js';
import { IN_CI } from '../helpers/tools.js';

/**
 * Whether the engine's binaries are installed. Under CI=true a missing one throws (a failure, never a skip);
 * elsewhere the suite is skipped with a message naming the Debian package.
 */
export function hasEngine(engine: Engine): boolean {
  const missing = ENGINE_BINARIES[engine].filter(([name]) => !findBinary(name));
  if (missing.length === 0) return true;
  const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
  const message = `${missing.map(([name]) => name).join(', ')} not found on PATH: apt-get install -y ${pkgs}`;
  if (IN_CI) throw new Error(`${message}; CI=true makes a missing tool a failure`);
  process.stderr.write(`SKIPPING the ${engine} end-to-end test: ${message}\n`);
  return false;
}

const DEADLINE_MS = 240_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const GROWTH = alertDef('growth').name;
const LEAK = alertDef('leakSuspect').name;
const STORM = alertDef('lockStorm').name;
const MEMORY = alertDef('memoryNearLimit').name;
/** Only the demos' jobs, whatever else the Prometheus scrapes. */
const demosOnly = (expr: string) => expr.replaceAll('job=~".+"', 'job=~"e2e-.+"');

export function pipelineSuite(engine: Engine, title: string): void {
  describe.skipIf(!hasEngine(engine))(title, () => {
    let stack: Stack;
    const started = Date.now();

    beforeAll(async () => {
      // Built apart from the call: the stack's types predate the per-demo options.
      const demos = [
        { job: 'e2e-leak', scenarios: 'healthy,leak' },
        { job: 'e2e-storm', scenarios: 'healthy,lock-storm' },
        // A leak in a process whose memory limit is far below what it uses: the memory alert's symptom.
        { job: 'e2e-oom', scenarios: 'leak', args: ['--memory-limit-mb', '8'] },
        { job: 'e2e-healthy', scenarios: 'healthy' },
      ];
      stack = await startStack({ demos, engine });
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
          const { result } = await promQuery(stack.promUrl, 'up{job=~"e2e-.+"} == 1');
          return result.length === 4;
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
          // The topology labels of the target reach the alert (groupBy keeps them).
          expect(a.labels).toMatchObject({ cluster: 'local', namespace: 'e2e-leak' });
          expect(a.annotations.summary).toMatch(/^[A-Z].+\.$/);
          expect(a.annotations.description).toContain('leaky-cache');
          // Live values: the query templates were evaluated by Prometheus, not left as templates.
          expect(a.annotations.description).not.toContain('{{');
          expect(a.annotations.description).toMatch(/holds [0-9.]+[kM]? entries/);
          expect(a.annotations.runbook_url).toMatch(/runbook\.md#/);
          expect(a.annotations.dashboard_url).toContain('var-map=leaky-cache');
          expect(a.annotations.dashboard_url).toContain(
            `var-instance=${encodeURIComponent(a.labels.instance ?? '')}`,
          );
        }
      },
      DEADLINE_MS,
    );

    it(
      'pages the lock storm on the ledger, as a warning (a cause, not a symptom)',
      async () => {
        await waitFor(`${STORM} from e2e-storm`, () => !!firing('e2e-storm', STORM));
        const a = firing('e2e-storm', STORM)!;
        expect(a.labels.map_name).toBe('ledger');
        expect(a.labels.severity).toBe('warning');
        expect(a.annotations.description).toContain('ledger');
      },
      DEADLINE_MS,
    );

    it(
      'pages the growing map of a process at its memory limit, as critical',
      async () => {
        await waitFor(`${MEMORY} from e2e-oom`, () => !!firing('e2e-oom', MEMORY));
        const a = firing('e2e-oom', MEMORY)!;
        expect(a.labels.map_name).toBe('leaky-cache');
        expect(a.labels.severity).toBe('critical');
        expect(a.annotations.description).toMatch(/uses [0-9.]+% of its memory limit/);
      },
      DEADLINE_MS,
    );

    it(
      "lists the leak's firing alerts by map and instance in the overview's first row",
      async () => {
        const table = dashboardQueries(fastConfig).find(
          (q) => q.where.startsWith('mapwatch-overview.json') && q.title === 'Firing mapwatch alerts',
        );
        expect(table, 'the overview has a firing-alerts table').toBeDefined();
        const expr = demosOnly(substituteVariables(table!.expr, '15s'));
        const leakInstance = new URL(stack.demoUrls['e2e-leak'] as string).host;
        let rows: Array<{ metric: Record<string, string>; value: [number, string] }> = [];
        await waitFor('the leak in the firing-alerts table', async () => {
          rows = (await promQuery(stack.promUrl, expr)).result;
          return rows.some((r) => r.metric.job === 'e2e-leak' && r.metric.alertname === GROWTH);
        });
        const leak = rows.filter((r) => r.metric.job === 'e2e-leak' && r.metric.map_name === 'leaky-cache');
        expect(leak.map((r) => r.metric.alertname)).toContain(GROWTH);
        for (const r of leak) {
          expect(r.metric.instance).toBe(leakInstance);
          // The value ranks the severity: 3 critical, 2 warning, 1 info; the most severe first.
          expect(['1', '2', '3']).toContain(r.value[1]);
        }
        const ranks = rows.map((r) => Number(r.value[1]));
        expect(ranks).toEqual([...ranks].sort((x, y) => y - x));
        // Nothing of the healthy demo is listed.
        expect(rows.filter((r) => r.metric.job === 'e2e-healthy')).toEqual([]);
      },
      DEADLINE_MS,
    );

    it(
      'records every recording rule of the flavour into the engine',
      async () => {
        const config =
          engine === 'prometheus' ? fastConfig : resolveConfig({ target: 'vmalert' }, fastConfig);
        const names = [...new Set(buildRecordingRules(config).map((r) => r.record))];
        expect(names.length).toBeGreaterThan(10);
        // Counted per target from a family the exporter may not export yet (see the dashboard test below).
        const maybeEmpty = (n: string) => n.includes(METRICS.collectErrors.name);
        let missing: string[] = [];
        await waitFor('every recorded series', async () => {
          missing = [];
          for (const name of names) {
            const { result } = await promQuery(stack.promUrl, `count(${name}{job=~"e2e-.+"})`);
            if (result.length === 0 && !maybeEmpty(name)) missing.push(name);
          }
          return missing.length === 0;
        });
        expect(missing).toEqual([]);
      },
      DEADLINE_MS,
    );

    it(
      'evaluates every dashboard query to data',
      async () => {
        const queries = dashboardQueries(fastConfig);
        // The exporter increments the collect-error counter once it is wired; until then it exports no sample
        // of it (its HELP and TYPE lines only), and only the panels that read it may be empty.
        const metrics = await (await fetch(`${stack.demoUrls['e2e-healthy']}/metrics`)).text();
        const exported = new RegExp(`^${METRICS.collectErrors.name}[{ ]`, 'm').test(metrics);
        const empty: string[] = [];
        for (const q of queries) {
          const expr = demosOnly(substituteVariables(q.expr, '15s'));
          const data = await promQuery(stack.promUrl, expr);
          if (data.result.length === 0) empty.push(`${q.where}: ${expr}`);
        }
        console.log(
          `dashboard queries with data end to end: ${queries.length - empty.length}/${queries.length}`,
        );
        const readsCollectErrors = (e: string) => e.includes(METRICS.collectErrors.name);
        expect(empty.filter((e) => exported || !readsCollectErrors(e))).toEqual([]);
      },
      DEADLINE_MS,
    );

    it('pages nothing for the healthy demo over the same time', () => {
      // By now the faulty demos have paged, so the healthy one has run for as long.
      const healthyPages = stack.alerts.filter((a) => a.labels.job === 'e2e-healthy');
      expect(healthyPages.map((a) => `${a.labels.alertname} ${a.labels.map_name}`)).toEqual([]);
      // And the faulty demos' healthy maps did not page either.
      const healthyMaps = new Set([
        'sessions',
        'routes',
        'profiles',
        'config',
        'inventory',
        'carts',
        'users',
      ]);
      // The storm's map is bounded: it must page for the storm, not for growth.
      expect(
        stack.alerts.filter((a) => a.labels.map_name === 'ledger' && a.labels.alertname !== STORM),
      ).toEqual([]);
      expect(
        stack.alerts.filter((a) => healthyMaps.has(a.labels.map_name ?? '')).map((a) => a.labels.alertname),
      ).toEqual([]);
    });
  });
}
