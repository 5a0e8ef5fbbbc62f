/**
 * Node's longest timer delay, 2^31 - 1 ms (about 24.8 days). setTimeout and setInterval run a longer
 * delay, Infinity included, after 1 ms (with a TimeoutOverflowWarning), so every option that becomes a
 * timer is checked against it at the boundary: a "24-day timeout" must never fire at once.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
