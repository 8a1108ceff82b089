// When a failed delivery is tried again: exponential backoff from 5 s,
// doubling, capped at 10 h, with ±20 % jitter so that deliveries that failed
// together (a receiver outage) do not all come back at the same instant.
// 15 attempts span about a day (≈ 21 h without jitter); after the last one
// the delivery is given up. `random` is passed in (a value in [0, 1)), so the
// schedule is a pure function.

export const MAX_ATTEMPTS = 15;
const FIRST_DELAY_MS = 5_000;
const MAX_DELAY_MS = 10 * 60 * 60 * 1000;
const JITTER = 0.2;

/** Delay before attempt `attempts + 1`, after `attempts` failed ones (≥ 1); null when no attempt is left. */
export function retryDelayMs(attempts: number, random: number, maxAttempts: number = MAX_ATTEMPTS): number | null {
  if (attempts >= maxAttempts) return null;
  const base = Math.min(FIRST_DELAY_MS * 2 ** Math.max(attempts - 1, 0), MAX_DELAY_MS);
  const factor = 1 - JITTER + 2 * JITTER * Math.min(Math.max(random, 0), 1);
  return Math.round(base * factor);
}

/** The whole window without jitter: how long an endpoint may fail before it is disabled. */
export function retryWindowMs(maxAttempts: number = MAX_ATTEMPTS): number {
  let total = 0;
  for (let attempts = 1; attempts < maxAttempts; attempts += 1) total += retryDelayMs(attempts, 0.5, maxAttempts) ?? 0;
  return total;
}
