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
 * Shortest Prometheus duration for a whole number of seconds (5400 -> `1h30m`). Named for what it makes:
 * detect/format.ts has a `formatDuration` of its own, milliseconds to prose ("1.5 h").
 */
export function promDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`cannot format ${seconds}s as a duration`);
  if (seconds === 0) return '0s';
  let rest = seconds;
  let out = '';
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
