/**
 * Config -> Prometheus rule groups. Each alert is one entry of ALERT_DEFS: its name, static summary,
 * templated description, expression builder and the panel that shows its own condition. Anti-flap is built
 * into the expressions (floors with min_over_time, averages over windows, threshold AND trend) and into
 * `for` / `keep_firing_for` from config. Values appear only in annotations; labels are static so that an
 * alert's identity never changes.
 *
 * An expression is its value condition (the quantity `$value` shows, compared with its threshold) followed by
 * its guards, each on a line of its own that starts with `and on (...)` or `unless on (...)`; the promtool
 * tests pin every guard (rule-tests/) and delete each in turn (test/pack/promtool.test.ts).
 *
 * The long windows of the growth alerts are read through `Terms`: with `recordingRules` on they become
 * recording rules (`instance_map:<metric>:<op><window>`, `job_map:<metric>:<op>`, `instance:<metric>:count`,
 * Prometheus' level:metric:operations naming), evaluated in the alerts' own group just before them so that
 * an alert sees the recorded value of the same evaluation; with it off, the same windows are written inline.
 */
/*
 * The parts, each under src/pack/alerts/: types.ts (the shapes), selectors.ts (selector and label-list
 * shorthands), terms.ts (the windowed terms, recorded or inline), conditions.ts (conditions alerts share),
 * growth.ts, locks.ts, shape.ts and meta.ts (the definitions of each rule group), build.ts (definitions and
 * config to rules). This module is the pack's one entry to them.
 */
export {
  ALERT_DEFS,
  INFO_INHIBITOR,
  alertDef,
  buildAlertRules,
  buildRecordingRules,
  buildRule,
  buildRuleGroups,
  dashboardUrl,
  externalSeries,
  infoInhibitorRule,
  runbookAnchor,
  yesterdaysJobPeak,
} from './alerts/build.js';
export {
  ALWAYS_EXPORTED,
  FRESH_EARLIER_RISE_SHARE,
  freshAgeThreshold,
  isCache,
} from './alerts/conditions.js';
export { excluded } from './alerts/selectors.js';
export { Terms, recordName } from './alerts/terms.js';
export type {
  AlertDef,
  ConditionPanel,
  PromRule,
  RecordingRule,
  RuleGroup,
  RuleGroupName,
  ScopedConfig,
} from './alerts/types.js';
