/** `mapwatch rules [--config file.json] [--out dir]`: alert rules, PrometheusRule, Alertmanager example, runbook, promtool tests. */
import { type CliIo } from './main.js';
import { parsePackArgs } from '../pack/cli-common.js';
import { renderAlerts, writeFileSet } from '../pack/write.js';

export async function run(args: string[], io: CliIo): Promise<number> {
  const { config, out } = await parsePackArgs(args, 'alerts');
  const written = await writeFileSet(out, renderAlerts(config));
  io.stdout(`wrote ${written.length} files to ${out}/\n`);
  return 0;
}
