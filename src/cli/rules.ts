/** `mapwatch rules [--config file.json] [--preset default|fast] [--target prometheus|prometheus3|vmalert] [--out dir]`: alert rules, PrometheusRule, Alertmanager example, runbook, promtool tests. */
import { type CliIo } from './main.js';
import { parsePackArgs, writeOutput } from './pack-args.js';
import { renderAlerts } from '../pack/render-alerts.js';
import { ConfigCheckError } from '../pack/rule-tests/checks.js';
import { RoundingBoundaryError } from '../pack/rule-tests/promsim.js';
import { UsageError } from './main.js';

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
  const written = await writeOutput(out, rendered(config));
  io.stdout(`wrote ${written.length} files to ${out}/\n`);
  return 0;
}

/**
 * The pack for `config`. Its rule tests are generated and checked against the config as it is built, so
 * a config under which they cannot hold is reported as a bad config, in one line, rather than a crash.
 */
function rendered(config: Parameters<typeof renderAlerts>[0]): ReturnType<typeof renderAlerts> {
  try {
    return renderAlerts(config);
  } catch (err) {
    if (err instanceof ConfigCheckError)
      throw new UsageError(`the config fails the pack's self-check: ${err.message}`);
    if (err instanceof RoundingBoundaryError) {
      throw new UsageError(
        `cannot generate the rule tests for this config (${err.message}); change one of its thresholds or windows slightly`,
      );
    }
    throw err;
  }
}
