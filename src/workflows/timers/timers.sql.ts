// Static SQL of the timer worker (migrations/0011_workflows.sql). Every value
// is a bind parameter; RLS scopes every statement but DUE to the organisation
// entered. Timestamps of the worker's clock are passed in ($n::timestamptz),
// never read from now(), so a fake clock drives tests.

/** Where to look: organisation and timer id of pending timers due at $1, oldest first (SECURITY DEFINER, across organisations). */
export const DUE = `select tenant_id, timer_id from workflow_timers_due($1::timestamptz, $2::integer)`;

/**
 * First statement of each of the worker's transactions (after entering the
 * organisation with no user): while the timer is pending, the transaction
 * sees every record, restricted types included (the system acts).
 */
export const SCOPE = `select workflow_timer_scope($1::uuid)`;

/** A pending timer and its record's type: what the worker needs to dispatch it. No lock. */
export const READ_TIMER = `
  select t.id, t.kind, t.record_id, t.transition_key, t.event_type, t.state, t.state_entered_at, t.due_at, t.attempts, r.type_key
  from workflow_timers t join records r on r.id = t.record_id
  where t.id = $1 and t.status = 'pending'`;

/**
 * Locks the timer's record as an update does (a transition holds this lock
 * while it cancels the stay's timers), so the worker takes its locks in the
 * same order as transitions: record, then timer. Sent queued: only the lock matters.
 */
export const LOCK_RECORD = `
  select r.id from records r
  where r.id = (select t.record_id from workflow_timers t where t.id = $1)
  for no key update of r`;

/**
 * The timer, if still pending and no other worker holds it (SKIP LOCKED: two
 * workers never act on one timer), with its record's current position, read
 * after the record's lock was taken. in_stay: the record is still in the
 * stay the timer was armed in (compared here, at the database's precision).
 */
export const LOCK_TIMER = `
  select t.id, t.kind, t.record_id, t.event_type, t.state, t.state_entered_at, t.due_at,
         r.type_key, r.state as record_state, r.workflow_key, r.workflow_version, r.sla_status, r.sla_due_at,
         (r.state is not distinct from t.state and r.state_entered_at is not distinct from t.state_entered_at) as in_stay
  from workflow_timers t join records r on r.id = t.record_id
  where t.id = $1 and t.status = 'pending'
  for update of t skip locked`;

/**
 * Moves the record's SLA status ($2: 'at_risk' or 'breached') while it is
 * still in the stay of timer $1. Never from breached back to at_risk. Not a
 * change of the record's fields: its version (ETag) and updated_at stay.
 */
export const MARK_SLA = `
  update records r set sla_status = $2
  from workflow_timers t
  where t.id = $1 and r.id = t.record_id and r.state = t.state and r.state_entered_at = t.state_entered_at
    and ($2 = 'breached' or r.sla_status is distinct from 'breached')
  returning r.id`;

export const MARK_FIRED = `update workflow_timers set status = 'fired', fired_at = $2::timestamptz where id = $1 and status = 'pending'`;

export const MARK_SKIPPED = `update workflow_timers set status = 'skipped', last_error = $2 where id = $1 and status = 'pending'`;

/**
 * A failed attempt: counted, its error kept, and the timer moved to $3 (a
 * backoff) or, past the bound ($4 attempts), given up ('skipped').
 */
export const MARK_FAILED = `
  update workflow_timers
  set attempts = attempts + 1,
      last_error = $2,
      due_at = $3::timestamptz,
      status = case when attempts + 1 >= $4 then 'skipped' else status end
  where id = $1 and status = 'pending'
  returning status, attempts`;
