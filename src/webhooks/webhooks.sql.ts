// Static SQL of webhooks (migrations/0014_webhooks.sql). Every value is a
// bind parameter; RLS limits every statement but DUE to the organisation
// entered. The worker's clock is passed in ($n::timestamptz) so a fake clock
// drives the tests.

const ENDPOINT_COLUMNS = `id, url, events, description, enabled, disabled_reason, failing_since, created_at, updated_at, previous_secret_expires_at`;

export const INSERT_ENDPOINT = `
  insert into webhook_endpoints (tenant_id, id, url, events, description, secret)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3::text[], $4, $5)
  returning ${ENDPOINT_COLUMNS}`;

export const LIST_ENDPOINTS = `select ${ENDPOINT_COLUMNS} from webhook_endpoints order by id`;

export const SELECT_ENDPOINT = `select ${ENDPOINT_COLUMNS} from webhook_endpoints where id = $1`;

export const LOCK_ENDPOINT = `select ${ENDPOINT_COLUMNS} from webhook_endpoints where id = $1 for update`;

/** $2 url, $3 events, $4 description, $5 enabled (null: unchanged for each). Enabling clears the server's reason and the failure streak. */
export const UPDATE_ENDPOINT = `
  update webhook_endpoints set
    url = coalesce($2, url),
    events = coalesce($3::text[], events),
    description = case when $6::boolean then $4 else description end,
    enabled = coalesce($5, enabled),
    disabled_reason = case when $5::boolean then null else disabled_reason end,
    failing_since = case when $5::boolean then null else failing_since end,
    updated_at = now()
  where id = $1
  returning ${ENDPOINT_COLUMNS}`;

export const DELETE_ENDPOINT = `delete from webhook_endpoints where id = $1 returning id`;

/** The new key in $2; the current one keeps signing until $3. */
export const ROTATE_SECRET = `
  update webhook_endpoints set previous_secret = secret, previous_secret_expires_at = $3::timestamptz, secret = $2, updated_at = now()
  where id = $1
  returning ${ENDPOINT_COLUMNS}`;

/**
 * The webhook sink: one delivery per (event, enabled endpoint listing a
 * pattern that matches it). $1: a JSON array of events, each with its id,
 * type, occurred_at, subject, data, ordering key and the patterns that match
 * its type. An event already inserted (a re-claimed outbox row) is skipped.
 */
export const INSERT_DELIVERIES = `
  insert into webhook_deliveries (tenant_id, endpoint_id, id, event_type, occurred_at, subject_type, subject_id, data, ordering_key)
  select e.tenant_id, e.id, v.id, v.type, v.occurred_at, v.subject_type, v.subject_id, v.data, v.ordering_key
  from jsonb_to_recordset($1::jsonb) as v(id uuid, type text, occurred_at timestamptz, subject_type text, subject_id text,
                                         data jsonb, ordering_key text, patterns text[])
  join webhook_endpoints e on e.enabled and e.events && v.patterns
  on conflict (tenant_id, endpoint_id, id) do nothing`;

/** A test delivery to one endpoint, due at once, outside any ordering. */
export const INSERT_TEST_DELIVERY = `
  insert into webhook_deliveries (tenant_id, endpoint_id, id, event_type, occurred_at, subject_type, subject_id, data, ordering_key)
  values (current_setting('app.tenant_id')::uuid, $1::uuid, $2, 'webhook.test', now(), 'webhook_endpoint', $4::text, $3::jsonb, null)
  returning *`;

const DELIVERY_COLUMNS = `id, endpoint_id, event_type, occurred_at, subject_type, subject_id, status, attempts, next_attempt_at,
  last_attempt_at, last_response_code, last_duration_ms, last_error, delivered_at, created_at`;

/** An endpoint's deliveries, newest first (ids are UUIDv7); $2: before this id; $3: limit; $4: only this status. */
export const LIST_DELIVERIES = `
  select ${DELIVERY_COLUMNS} from webhook_deliveries
  where endpoint_id = $1 and ($2::uuid is null or id < $2::uuid) and ($4::text is null or status = $4)
  order by id desc limit $3`;

/** Due again now: pending, attempts kept (a delivery given up gets one more attempt per retry). */
export const RETRY_DELIVERY = `
  update webhook_deliveries set status = 'pending', next_attempt_at = now(), delivered_at = null
  where endpoint_id = $1 and id = $2
  returning ${DELIVERY_COLUMNS}`;

/** Where to look: deliveries due at $1 across organisations (SECURITY DEFINER, 0014). */
export const DUE = `select tenant_id, endpoint_id, delivery_id from webhook_deliveries_due($1::timestamptz, $2::integer)`;

/**
 * Takes a due delivery (SKIP LOCKED: two workers never take one at once) and
 * leases it: next_attempt_at moves to $4 (now + lease), so a worker that dies
 * mid-attempt leaves it due again after the lease (a duplicate with the same
 * webhook-id, never a loss). Still checks its order: no earlier pending
 * delivery with the same key. Answers what the attempt needs, keys included.
 */
export const CLAIM_DELIVERY = `
  with claimed as (
    select d.tenant_id, d.endpoint_id, d.id from webhook_deliveries d
    join webhook_endpoints e on e.tenant_id = d.tenant_id and e.id = d.endpoint_id
    where d.endpoint_id = $1 and d.id = $2 and d.status = 'pending' and d.next_attempt_at <= $3::timestamptz and e.enabled
      and (d.ordering_key is null or not exists (
        select 1 from webhook_deliveries p
        where p.endpoint_id = d.endpoint_id and p.ordering_key = d.ordering_key and p.status = 'pending' and p.id < d.id))
    for update of d skip locked)
  update webhook_deliveries d set attempts = d.attempts + 1, next_attempt_at = $4::timestamptz, last_attempt_at = $3::timestamptz
  from claimed c, webhook_endpoints e
  where d.tenant_id = c.tenant_id and d.endpoint_id = c.endpoint_id and d.id = c.id and e.tenant_id = d.tenant_id and e.id = d.endpoint_id
  returning d.id, d.tenant_id, d.event_type, d.occurred_at, d.subject_type, d.subject_id, d.data, d.attempts,
    e.url, e.secret, case when e.previous_secret_expires_at > $3::timestamptz then e.previous_secret end as previous_secret, e.failing_since`;

export const MARK_DELIVERED = `
  update webhook_deliveries set status = 'delivered', delivered_at = $3::timestamptz, last_response_code = $4, last_duration_ms = $5, last_error = null
  where endpoint_id = $1 and id = $2`;

/** $3 status ('pending' to retry at $4, 'failed'), $5 response code, $6 duration, $7 error. */
export const MARK_ATTEMPT_FAILED = `
  update webhook_deliveries set status = $3, next_attempt_at = coalesce($4::timestamptz, next_attempt_at),
    last_response_code = $5, last_duration_ms = $6, last_error = $7
  where endpoint_id = $1 and id = $2`;

export const ENDPOINT_SUCCEEDED = `update webhook_endpoints set failing_since = null where id = $1 and failing_since is not null`;

/** Starts the failure streak at $2 unless one is running; answers when it started. */
export const ENDPOINT_FAILED = `
  update webhook_endpoints set failing_since = coalesce(failing_since, $2::timestamptz) where id = $1
  returning failing_since`;

/** Disables an enabled endpoint; answers it only if this call disabled it (one notification). */
export const DISABLE_ENDPOINT = `
  update webhook_endpoints set enabled = false, disabled_reason = $2, updated_at = now()
  where id = $1 and enabled
  returning id, url`;
