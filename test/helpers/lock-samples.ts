/** Hand-made lock samples for the /debug/maps lock verdict tests (lock-verdict.ts). */
import type { LockSample } from '../../src/export/lock-verdict.js';

/** A sample at `t` seconds: no waiters and no counts unless `fields` says otherwise. */
export const lockSample = (t: number, fields: Partial<LockSample> = {}): LockSample => ({
  t: t * 1000,
  waiters: 0,
  granted: 0,
  contended: 0,
  abandoned: 0,
  waitSeconds: 0,
  ...fields,
});

/** One sample every 10 s from 0 to `seconds`, made by `f(t)`. */
export const every10s = (seconds: number, f: (t: number) => Partial<LockSample>): LockSample[] => {
  const out: LockSample[] = [];
  for (let t = 0; t <= seconds; t += 10) out.push(lockSample(t, f(t)));
  return out;
};
