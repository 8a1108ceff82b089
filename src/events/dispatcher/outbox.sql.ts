// The dispatcher's statements (migration 0013). Discovery runs through the
// runtime pool outside any tenant; the claim and the mark run inside the
// tenant's transaction, where RLS limits them to its rows.

/** Organisations with pending events, the oldest pending event first (at most 500). */
export const PENDING_TENANTS = 'select tenant_id from outbox_pending_tenants($1)';

/**
 * One dispatcher per organisation at a time, so events leave in id order even
 * with several dispatchers running: a transaction-scoped advisory lock on the
 * tenant, taken without waiting (false: another dispatcher has it; skip).
 */
export const LOCK_TENANT = `select pg_try_advisory_xact_lock(hashtextextended('tessera.outbox:' || current_setting('app.tenant_id'), 0)) as locked`;

/** The tenant's next pending events, oldest first, locked until the claim commits. */
export const CLAIM = `
  select id, tenant_id, event_type, subject_type, subject_id, payload, occurred_at
  from outbox
  where tenant_id = current_setting('app.tenant_id')::uuid and published_at is null
  order by id
  limit $1
  for update skip locked`;

export const MARK_PUBLISHED = `
  update outbox set published_at = now()
  where tenant_id = current_setting('app.tenant_id')::uuid and id = any($1::uuid[])`;
