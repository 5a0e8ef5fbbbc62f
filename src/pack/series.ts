/**
 * Series the pack reads that are not mapwatch's and not the process metrics of the config: the ones
 * Prometheus writes itself for every target and for every alert. Their names are fixed by Prometheus.
 */
export const PROMETHEUS_SERIES = {
  /** 1 when the last scrape of the target succeeded. */
  up: 'up',
  /** Seconds the last scrape of the target took. */
  scrapeDuration: 'scrape_duration_seconds',
  /** Samples the last scrape of the target returned. */
  scrapeSamples: 'scrape_samples_scraped',
  /** One series per pending or firing alert. */
  alerts: 'ALERTS',
} as const;
