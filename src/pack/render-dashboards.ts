/** Everything `mapwatch dashboards` writes: one JSON file per dashboard. */
import type { PackConfig } from './config.js';
import { buildDashboards } from './dashboards.js';
import { withNewline, type FileSet } from './write.js';

/** Everything `mapwatch dashboards` writes. */
export function renderDashboards(c: PackConfig): FileSet {
  const files: FileSet = {};
  for (const [name, d] of Object.entries(buildDashboards(c)))
    files[name] = withNewline(JSON.stringify(d, null, 2));
  return files;
}
