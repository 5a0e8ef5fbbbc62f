/**
 * Locating the real external tools the tests drive (promtool, prometheus, alertmanager, chromium).
 * Under CI=true a missing tool is a failure, never a silent skip; on a developer machine the test is
 * skipped with a message that says which package to install.
 */
import { findBinary } from '../../scripts/stack.mjs';

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

const DEBIAN_PACKAGE: Record<string, string> = {
  promtool: 'prometheus',
  prometheus: 'prometheus',
  'prometheus-alertmanager': 'prometheus-alertmanager',
  chromium: 'chromium',
  'victoria-metrics': 'victoria-metrics',
  vmagent: 'victoria-metrics',
  vmalert: 'victoria-metrics',
};

/** Absolute path of `tool` on PATH, or undefined (the same lookup `npm run stack` uses). */
export const findTool = findBinary;

/**
 * Path of a required tool. Throws under CI when it is missing; elsewhere returns undefined so the caller
 * can `describe.skipIf(!path)` and warns once on stderr.
 */
export function requireTool(tool: string): string | undefined {
  const path = findTool(tool);
  if (path) return path;
  const pkg = DEBIAN_PACKAGE[tool] ?? tool;
  const message = `${tool} not found on PATH: install the Debian package '${pkg}' (apt-get install -y ${pkg})`;
  if (IN_CI) throw new Error(`${message}; CI=true makes a missing tool a failure`);
  process.stderr.write(`SKIPPING tests that need ${tool}: ${message}\n`);
  return undefined;
}
