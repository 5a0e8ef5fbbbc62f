/** How exporters report a metric that failed to collect: once per metric and message, never thrown. */
export type CollectErrorHandler = (metricName: string, error: unknown) => void;

/** Distinct failures remembered; messages can embed values, so the set must not grow for ever. */
const MAX_REMEMBERED = 100;

export function reportOncePerMessage(where: string): CollectErrorHandler {
  const reported = new Set<string>();
  return (metricName, error) => {
    const message = error instanceof Error ? error.message : String(error);
    const key = `${metricName}\u0000${message}`;
    if (reported.has(key) || reported.size >= MAX_REMEMBERED) return;
    reported.add(key);
    process.stderr.write(`mapwatch: collecting ${metricName} failed, skipped in this ${where}: ${message}\n`);
  };
}

/** Wraps a user-supplied handler so that its own failure cannot escape into a scrape either. */
export function guarded(handler: CollectErrorHandler): CollectErrorHandler {
  return (metricName, error) => {
    try {
      handler(metricName, error);
    } catch {
      // nothing more can be done without risking the scrape
    }
  };
}
