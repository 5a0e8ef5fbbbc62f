/**
 * The shape of the pack config: every threshold, window, `for`, severity and dashboard setting a team can
 * tune, with what each one means. The defaults are in config.ts, the checks in config/validate.ts.
 */

export type Severity = 'critical' | 'warning' | 'info';

/**
 * The rule engine the files are written for (`mapwatch rules --target`): Prometheus 2.42+ (closed range
 * selectors), Prometheus 3 (left-open range selectors) or VictoriaMetrics' vmalert (MetricsQL, left-open
 * windows, no `keep_firing_for`). Thanos and Mimir rulers take the `prometheus` flavour (docs/pack.md).
 */
export const TARGETS = ['prometheus', 'prometheus3', 'vmalert'] as const;
export type Target = (typeof TARGETS)[number];
/**
 * Why each default severity is what it is (docs/pack.md, "Severities"): critical only where users feel it
 * now or within the hour, and a prediction only together with little headroom now.
 */
export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

/** Stable keys of the alerts; the rule names are derived in alerts.ts. */
export const ALERT_KEYS = [
  'growth',
  'freshLeak',
  'growthCeiling',
  'leakSuspect',
  'instancesGrowing',
  'declaredMax',
  'memoryNearLimit',
  'restartNearLimit',
  'lockStuck',
  'lockStorm',
  'lockWaitsLong',
  'lockTimeouts',
  'promotionChurn',
  'cacheIneffective',
  'loadStampede',
  'loadsFailing',
  'registryOverflow',
  'metricsAbsent',
  'jobMetricsAbsent',
  'collectErrors',
  'scrapeSlow',
  'samplesGrowing',
] as const;
export type AlertKey = (typeof ALERT_KEYS)[number];

export interface AlertTiming {
  /** How long the condition must hold before the alert fires. */
  for: string;
  /** How long a firing alert stays firing after its condition clears (anti-flap); null for none. */
  keepFiringFor: string | null;
  severity: Severity;
}

/** The labels the pack puts on its `PrometheusRule` / `VMRule` resource; `resourceLabels` adds to them. */
export const RESOURCE_LABELS = {
  'app.kubernetes.io/name': 'mapwatch',
  'app.kubernetes.io/component': 'alert-rules',
} as const;

export interface PackConfig {
  /** The rule engine: `prometheus` (2.42+), `prometheus3` or `vmalert`; see TARGETS. */
  target: Target;
  /** PromQL matchers added to every selector, e.g. `job=~"checkout-.*"`. Default: every job. */
  selector: string;
  /**
   * Topology labels every aggregation keeps on top of job, instance and map_name (`by (...)` keeps a label
   * where a series has it and leaves it out where it does not, so absent labels cost nothing).
   */
  groupBy: string[];
  /** Static labels added to every alert (owner, team, tier), e.g. `{ "team": "payments" }`. */
  alertLabels: Record<string, string>;
  /**
   * Kubernetes labels on the `PrometheusRule` / `VMRule` resource, beside the pack's own
   * `app.kubernetes.io/*` ones: what the operator's `ruleSelector` asks for, e.g. `{ "release": "kps" }`.
   */
  resourceLabels: Record<string, string>;
  /**
   * Map names that grow by design (a catalogue filling up, a registry of every tenant): the growth alerts
   * (signal `growth` and `instances`) skip them. The memory alerts still name them.
   */
  excludeMaps: string[];
  /** Rule group evaluation interval. Windows must be multiples of it. */
  evaluationInterval: string;
  /** Base URL of runbook.md; each alert links to `<base>#<anchor>`. */
  runbookBaseUrl: string;
  /** Base URL of Grafana; each alert's `dashboard_url` opens the dashboards there with its job and instance. */
  grafanaBaseUrl: string;
  /**
   * Record the long windows the growth alerts read (`instance_map:…` / `job_map:…` series, evaluated in
   * the growth group before its alerts) and read the recorded series in the alerts. `false` writes the
   * same alerts with every window inline and no recording rule.
   */
  recordingRules: boolean;
  growth: {
    /** Floor window: the floor is the lowest entry count in it, compared with the window before. */
    window: string;
    /** Minimum rise of the floor (and of inserts minus deletes) over one window, in entries. */
    minFloorRise: number;
    /**
     * "Yesterday": the entry count must exceed the job's peak over this window, taken one window ago
     * (the highest count of any instance of the job for that map name), so daily cycles and refills
     * after a restart, under the same or a new instance label, stay silent.
     */
    peakWindow: string;
    /** Window fed to predict_linear; long, so a daily ramp is not extrapolated. */
    predictWindow: string;
    /** How far ahead predict_linear looks. */
    predictHorizon: string;
    /** Entry count a map must never reach (critical tier). */
    ceiling: number;
    /** Per-map ceilings by map name, overriding `ceiling`. */
    ceilings: Record<string, number>;
    /**
     * The critical tier pages only when little headroom is left now: the map must hold at least this share
     * of its ceiling, whatever the prediction says.
     */
    pageAboveShare: number;
  };
  /**
   * The fresh-target leak alert, built on entry survival: needs no day of history, only `window` of the
   * target's own samples.
   */
  fresh: {
    /** Survival window: the oldest sampled entry must age by `ageRatio` of it within it. */
    window: string;
    /** Share of `window` the oldest sampled entry must age by (1 = nothing old removed at all). */
    ageRatio: number;
    /** Inserts minus deletes over `window` must reach this share of the entries now... */
    minNetShare: number;
    /** ...and at least this many entries. */
    minNetInserts: number;
    /** Floor window: the lowest entry count in it must be above the one `floorOffset` earlier. */
    floorWindow: string;
    floorOffset: string;
    /** An oldest sampled entry within the declared TTL times this slack is within the bound. */
    ttlSlack: number;
  };
  leak: { /** The detector's verdict must be 1 in every sample of this window. */ holdWindow: string };
  instances: {
    window: string;
    minFloorRise: number;
    /** The instance count must exceed its peak over this window, one window ago (see growth.peakWindow). */
    peakWindow: string;
  };
  /**
   * The symptom side of a leak: process memory against its limit, and restarts. Series are per scrape
   * target (joined on job, instance and the groupBy labels); see docs/pack.md for what to export.
   */
  memory: {
    /** Memory in use, per target (prom-client default: the V8 heap in use). */
    usageSeries: string;
    /** The limit of `usageSeries`, per target; '' to use `limitBytes` instead. */
    limitSeries: string;
    /** A fixed limit in bytes, used when `limitSeries` is '' (a container limit shared by every target). */
    limitBytes: number;
    /** Start time of the process, per target: a change is a restart. */
    startTimeSeries: string;
    /** Share of the limit in use at which the process is near its limit. */
    ratio: number;
    /** A map grew when inserts minus deletes over this window reach `minNetShare` of its entries... */
    window: string;
    minNetShare: number;
    /** ...and at least this many entries. */
    minNetInserts: number;
    /** Restarts, the memory peak before them and the growth before them are looked for in this window. */
    restartWindow: string;
  };
  lock: {
    /** A lock with waiters in every sample of this window and no grant in it is stuck. */
    stuckWindow: string;
    window: string;
    /**
     * Tasks waiting on average over the window: the seconds spent waiting per second of wall time (Little's
     * law: the mean queue length is the waiting time accrued per unit of time).
     */
    stormWaiters: number;
    /** ...while each contended acquisition waits this long on average (a queue that moves slowly). */
    stormMeanWaitSeconds: number;
    waitQuantile: number;
    longWaitSeconds: number;
    /** Contended acquisitions per second below which quantiles are noise. */
    minContendedPerSecond: number;
    timeoutWindow: string;
    /** Share of lock acquisitions (grants plus abandons) abandoned by timeout or abort... */
    timeoutRatio: number;
    /** ...and at least this many of them in the window. */
    minTimeouts: number;
  };
  promotion: { window: string; copiedPerLookup: number; minPromotionsPerSecond: number };
  cache: { window: string; missRatio: number; minLookupsPerSecond: number };
  loads: {
    window: string;
    joinsPerLoad: number;
    minJoinsPerSecond: number;
    failureRatio: number;
    minLoadsPerSecond: number;
  };
  registry: { /** Names folded into `_other` within this window are reported. */ overflowWindow: string };
  absence: {
    /**
     * A target (or, for a job without `up` series, such as services that push OTLP, every instance of the job)
     * that exported a mapwatch metric within this window and stopped is reported.
     */
    lookback: string;
  };
  /** The exporter's own health. */
  exporter: {
    /** Collect errors are counted over this window. */
    errorsWindow: string;
    /** Average scrape duration over `window` above this many seconds is slow. */
    maxScrapeSeconds: number;
    window: string;
    /** Samples per scrape: the lowest count over `growthWindow` against the highest one window earlier. */
    growthWindow: string;
    /** Growth by at least this share... */
    sampleGrowthRatio: number;
    /** ...and at least this many samples. */
    minSampleGrowth: number;
  };
  alerts: Record<AlertKey, AlertTiming>;
  dashboards: { uidPrefix: string; refresh: string; timeFrom: string; tags: string[] };
}

export type DeepPartial<T> = T extends readonly (infer _U)[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
