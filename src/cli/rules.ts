/** `mapwatch rules [--config file.json] [--preset default|fast] [--target prometheus|prometheus3|vmalert] [--out dir]`: alert rules, PrometheusRule, Alertmanager example, runbook, promtool tests. */
import { type CliIo } from './main.js';
import { parsePackArgs, writeOutput } from './pack-args.js';
import { renderAlerts } from '../pack/render-alerts.js';

export const HELP = `usage: mapwatch rules [--config pack.json] [--preset default|fast] [--target ENGINE] [--out dir]

Writes the Prometheus alert rules (mapwatch.rules.yml), a PrometheusRule manifest (prometheus-rule.yaml;
vmrule.yaml, a VMRule, for vmalert), an Alertmanager routing example, the runbook (runbook.md) and the
promtool tests (tests/) for the pack config: the defaults, with the partial config in --config merged over
them.

Options:
  --config FILE           a partial pack config (JSON) merged over the defaults; see docs/pack.md
  --preset default|fast   which defaults: default, or fast (seconds-scale windows for end-to-end tests)
  --target ENGINE         the rule flavour (overrides the config's "target"): prometheus (2.42+, the
                          default; also for Thanos and Mimir rulers), prometheus3 (left-open ranges) or
                          vmalert (VictoriaMetrics: no keep_firing_for)
  --out DIR               output directory, created if missing. Default alerts
  -h, --help              this help

Exit codes: 0 written, 1 failure while writing, 2 bad usage or a bad config file (one line on stderr says why).
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { config, out, help } = await parsePackArgs(args, 'alerts');
  if (help) {
    io.stdout(HELP);
    return 0;
  }
  const written = await writeOutput(out, renderAlerts(config));
  io.stdout(`wrote ${written.length} files to ${out}/\n`);
  return 0;
}
