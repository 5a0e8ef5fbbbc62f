/** Prometheus duration strings (`1h30m`, `15s`) to seconds and back; the pack does arithmetic on windows. */

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
const PART = /(\d+)(ms|s|m|h|d|w|y)/g;

export function parseDuration(text: string): number {
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) throw new Error(`not a Prometheus duration: '${text}'`);
  let total = 0;
  for (const [, n, unit] of text.matchAll(PART)) total += Number(n) * (UNITS[unit as string] as number);
  return total;
}

/**
 * Shortest Prometheus duration for a whole number of milliseconds (5400 -> `1h30m`, 4502.5 ->
 * `1h15m2s500ms`): a sub-second evaluation interval puts the test steps on half seconds. Named for what it
 * makes: detect/format.ts has a `formatDuration` of its own, milliseconds to prose ("1.5 h").
 */
export function promDuration(seconds: number): string {
  const ms = wholeMilliseconds(seconds);
  if (ms === undefined) throw new Error(`cannot format ${seconds}s as a duration`);
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/**
 * `seconds` as whole milliseconds, or undefined when it is negative or not one. A step times a 0.1s
 * interval is a few ulps off its decimal (3 * 0.1 = 0.30000000000000004), so a value that close to a
 * whole millisecond counts as it; anything further off (0.0005s) is not a Prometheus duration.
 */
function wholeMilliseconds(seconds: number): number | undefined {
  if (!Number.isFinite(seconds) || seconds < 0) return undefined;
  const ms = Math.round(seconds * 1000);
  return Math.abs(seconds * 1000 - ms) <= 1e-12 * Math.max(1, ms) ? ms : undefined;
}
