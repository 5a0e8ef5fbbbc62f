/**
 * Each alert's model and fire scenarios, by alert key. The model of an alert is the list of the conditions
 * of its expression, joined by `and` / `unless` in the rule, the first one carrying the value; it lives in
 * scenarios/<group>.ts next to the scenarios that make the alert fire and the controls that pin its guards.
 */
import { type AlertKey, type PackConfig } from '../config.js';
import { type Sim } from './promsim.js';
import { ABSENCE_MODELS } from './scenarios/absence.js';
import { type Builder, type Cond, type Scenario } from './scenarios/builder.js';
import { CACHE_MODELS } from './scenarios/caches.js';
import { type AlertModel } from './scenarios/common.js';
import { exporterConditions, exporterScenarios } from './scenarios/exporter.js';
import { GROWTH_MODELS } from './scenarios/growth.js';
import { LEAK_MODELS } from './scenarios/leaks.js';
import { LOCK_MODELS } from './scenarios/locks.js';
import { memoryConditions, memoryScenarios } from './scenarios/memory.js';

const memoryModel: AlertModel = { conditions: memoryConditions, fire: memoryScenarios };
const exporterModel: AlertModel = { conditions: exporterConditions, fire: exporterScenarios };

/** Every alert key has a model: the type fails to compile when an alert is added without one. */
const ALERT_MODELS: Record<AlertKey, AlertModel> = {
  ...GROWTH_MODELS,
  ...LEAK_MODELS,
  ...LOCK_MODELS,
  ...CACHE_MODELS,
  ...ABSENCE_MODELS,
  memoryNearLimit: memoryModel,
  restartNearLimit: memoryModel,
  collectErrors: exporterModel,
  scrapeSlow: exporterModel,
  samplesGrowing: exporterModel,
};

/** The conditions of an alert's expression for one map (or target) of a scenario, in rule order. */
export function conditions(
  c: PackConfig,
  sim: Sim,
  key: AlertKey,
  b: Builder,
  e: string,
  gen?: string,
): Cond[] {
  return ALERT_MODELS[key].conditions(c, sim, key, b, e, gen);
}

/** The scenarios in which an alert fires, their faulty data nudged `nudge` steps (AlertModel.fire). */
export function fireScenarios(c: PackConfig, key: AlertKey, nudge = 0): Scenario[] {
  return ALERT_MODELS[key].fire(c, key, nudge);
}
