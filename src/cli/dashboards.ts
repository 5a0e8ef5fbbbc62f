/** `mapwatch dashboards [--config file.json] [--preset default|fast] [--out dir]`: the Grafana dashboards as JSON. */
import { type CliIo } from './main.js';
import { parsePackArgs, writeOutput } from './pack-args.js';
import { renderDashboards } from '../pack/render-dashboards.js';

export const HELP = `usage: mapwatch dashboards [--config pack.json] [--preset default|fast] [--out dir]

Writes the Grafana dashboards (mapwatch-overview.json and the per-map mapwatch-map.json) for the pack
config: the defaults, with the partial config in --config merged over them.

Options:
  --config FILE           a partial pack config (JSON) merged over the defaults; see docs/pack.md
  --preset default|fast   which defaults: default, or fast (seconds-scale windows for end-to-end tests)
  --out DIR               output directory, created if missing. Default dashboards
  -h, --help              this help

Exit codes: 0 written, 1 failure while writing, 2 bad usage or a bad config file (one line on stderr says why).
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { config, out, help } = await parsePackArgs(args, 'dashboards');
  if (help) {
    io.stdout(HELP);
    return 0;
  }
  const written = await writeOutput(out, renderDashboards(config));
  io.stdout(`wrote ${written.length} files to ${out}/\n`);
  return 0;
}
