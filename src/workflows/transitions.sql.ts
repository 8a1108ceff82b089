// Statements of a timer performing its transition (the timer worker calls
// TransitionsService.perform with the timer). RLS limits them to the
// organisation the worker entered.

/**
 * Locks the timer if it is still pending and no other worker holds it. SKIP
 * LOCKED: a worker never waits on another's timer (nor deadlocks with one
 * that holds the timer and waits for the record this transaction locked).
 */
export const LOCK_TIMER = `select id from workflow_timers where id = $1 and status = 'pending' for update skip locked`;

/** Marks the timer fired or skipped ($3: why it was skipped), in the transaction that acted on it. */
export const MARK_TIMER = `
  update workflow_timers
  set status = $2, fired_at = case when $2 = 'fired' then now() else fired_at end, last_error = $3, attempts = attempts + 1
  where id = $1`;
