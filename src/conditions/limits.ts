// Limits that keep a condition cheap to check, evaluate and compile; exceeding
// one is an error with a pointer, never a crash (deep input is not recursed into).
export const MAX_DEPTH = 16;
export const MAX_COMPARISONS = 200;
export const MAX_HOPS = 3;
/** Largest span of a relative time, in minutes (about 100 years), so computed dates stay ordinary. */
export const MAX_RELATIVE_MINUTES = 36_600 * 24 * 60;
