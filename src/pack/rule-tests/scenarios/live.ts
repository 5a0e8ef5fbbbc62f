/**
 * The model of the live values in alert descriptions (src/pack/live.ts): what each `query` template returns
 * for a map (or target) of a scenario at one evaluation step, computed from the series the way Prometheus
 * computes the query.
 */
import { METRICS } from '../../../conventions.js';
import { type PackConfig } from '../../config.js';
import { liveSpecOf } from '../../live.js';
import { type LiveResolver, type Sim } from '../promsim.js';
import { steps, sumOf, type Builder } from './builder.js';

/** The map's ceiling: its own (`growth.ceilings`) or the default one. */
export function ceilingFor(c: PackConfig, entity: string): number {
  return c.growth.ceilings[entity] ?? c.growth.ceiling;
}

/** Memory in use over the limit of the target of generation `gen`, at step i (`max(usage) / max(limit)`). */
export function memoryShareAt(c: PackConfig, sim: Sim, b: Builder, gen: string | undefined, i: number) {
  const max = (xs: Array<number | undefined>) => {
    const d = xs.filter((x): x is number => x !== undefined);
    return d.length ? Math.max(...d) : undefined;
  };
  const usage = max(b.targetSeries(c.memory.usageSeries, gen).map((x) => sim.instant(x, i)));
  const limit = c.memory.limitSeries
    ? max(b.targetSeries(c.memory.limitSeries, gen).map((x) => sim.instant(x, i)))
    : c.memory.limitBytes;
  return usage === undefined || limit === undefined ? undefined : usage / limit;
}

/** Resolves the live templates of an alert on `entity` (generation `gen`) evaluated at step i. */
export function liveResolver(
  c: PackConfig,
  sim: Sim,
  b: Builder,
  entity: string,
  gen: string | undefined,
  i: number,
): LiveResolver {
  const all = (name: string) => b.all(name, {}, entity, gen);
  const now = (name: string) => sumOf(all(name).map((x) => sim.instant(x, i)));
  const derivSum = (window: string) =>
    sumOf(all(METRICS.entries.name).map((x) => sim.deriv(x, i, steps(c, window))));
  return (format) => {
    const registered = liveSpecOf(format);
    if (!registered) throw new Error(`unknown live template: ${format}`);
    const spec = registered.spec;
    switch (spec.kind) {
      case 'entries':
        return now(METRICS.entries.name);
      case 'instances':
        return now(METRICS.instances.name);
      case 'declaredMax':
        return now(METRICS.declaredMaxEntries.name);
      case 'growthPerHour': {
        const d = derivSum(spec.window);
        return d === undefined ? undefined : d * 3600;
      }
      case 'timeToCeiling': {
        const [n, d] = [now(METRICS.entries.name), derivSum(c.growth.predictWindow)];
        if (n === undefined || d === undefined) return undefined;
        const v = (ceilingFor(c, entity) - n) / d;
        return v > 0 ? v : undefined;
      }
      case 'memoryShare':
        return memoryShareAt(c, sim, b, gen, i);
      case 'restarts':
        return sumOf(
          b.targetSeries(c.memory.startTimeSeries, gen).map((x) => sim.changes(x, i, steps(c, spec.window))),
        );
    }
  };
}
