/** Human formatting for the detector's one-line reasons (plain ASCII, no locale dependence). */

/** 1140 -> "1,140"; 12.345 -> "12.3"; 0.04 -> "0.04". */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  // toFixed writes 1e21 and above in exponent form, which the grouping below garbled ("1e+30" read
  // "1.0634920794949245e+3"): from a quadrillion up, three significant digits and an exponent.
  if (abs >= 1e15) return (value < 0 ? '-' : '') + abs.toExponential(2).replace(/\.?0+e/, 'e');
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  const fixed = abs.toFixed(digits);
  const [int = '0', frac] = fixed.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const trimmed = frac === undefined ? grouped : `${grouped}.${frac}`.replace(/\.?0+$/, '');
  return (value < 0 && trimmed !== '0' ? '-' : '') + trimmed;
}

/** 5_400_000 -> "1.5 h"; 900_000 -> "15 min"; 172_800_000 -> "2 d" (the largest unit that is >= 1). */
export function formatDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) {
    if (Math.abs(ms) >= size) return `${formatCount(ms / size)} ${unit}`;
  }
  return `${formatCount(ms)} ms`;
}

/** 0.0312 -> "3.1 %". */
export function formatPercent(ratio: number): string {
  return `${formatCount(ratio * 100)} %`;
}
