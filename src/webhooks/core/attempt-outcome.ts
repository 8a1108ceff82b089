// What one delivery attempt leads to, decided from its result alone:
// delivered (any 2xx), gone (410: the receiver asks us to stop, the endpoint
// is disabled at once), or a retry later (anything else: other statuses,
// timeouts, refused connections, refused addresses), given up after the last
// attempt. Whether giving up also disables the endpoint depends on how long
// it has been failing (failing_since), decided by the worker.
import { retryDelayMs } from './backoff.ts';

export type AttemptResult =
  | { readonly kind: 'response'; readonly status: number; readonly durationMs: number }
  | { readonly kind: 'error'; readonly message: string; readonly durationMs: number };

export type AttemptOutcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'gone' }
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'given_up' };

/** `attempts`: attempts made so far, this one included. */
export function attemptOutcome(result: AttemptResult, attempts: number, random: number, maxAttempts?: number): AttemptOutcome {
  if (result.kind === 'response' && result.status >= 200 && result.status < 300) return { kind: 'delivered' };
  if (result.kind === 'response' && result.status === 410) return { kind: 'gone' };
  const delayMs = retryDelayMs(attempts, random, maxAttempts);
  return delayMs === null ? { kind: 'given_up' } : { kind: 'retry', delayMs };
}
