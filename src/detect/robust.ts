/** Small robust statistics on preallocated scratch space: no allocation per call. */

/** k-th smallest (0-based) of a[0..n) by quickselect; reorders a. */
export function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Median of a[0..n); reorders a. NaN for n = 0. */
export function median(a: Float64Array, n: number): number {
  if (n === 0) return NaN;
  const hi = select(a, n, n >> 1);
  if (n % 2 === 1) return hi;
  // The lower middle is the largest value left of the upper one after selection.
  let lo = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (a[i]! > lo) lo = a[i]!;
  return (lo + hi) / 2;
}

/**
 * Theil–Sen slope of the points (xs[i], ys[i]), i < n: the median of the pairwise slopes. Robust to
 * up to ~29 % of outliers, which is why a single burst or a single dip cannot fake a trend.
 * `scratch` must hold n(n-1)/2 values.
 */
export function theilSen(xs: Float64Array, ys: Float64Array, n: number, scratch: Float64Array): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = xs[j]! - xs[i]!;
      if (dx !== 0) scratch[m++] = (ys[j]! - ys[i]!) / dx;
    }
  }
  return m === 0 ? 0 : median(scratch, m);
}
