/** `mapwatch dashboards [--config file.json] [--out dir]`: the Grafana dashboards as JSON. */
import { type CliIo } from './main.js';
import { parsePackArgs } from '../pack/cli-common.js';
import { renderDashboards, writeFileSet } from '../pack/write.js';

export async function run(args: string[], io: CliIo): Promise<number> {
  const { config, out } = await parsePackArgs(args, 'dashboards');
  const written = await writeFileSet(out, renderDashboards(config));
  io.stdout(`wrote ${written.length} files to ${out}/\n`);
  return 0;
}
