// Static SQL of index builds (migrations/0008_index_builds.sql) and of the
// entries they write (migrations/0005_record_index.sql). Every value is a bind
// parameter; RLS scopes every statement but DUE and OLDER_TRANSACTIONS to the
// organisation entered.

// --- The change's side (the type's row lock is held).

export const FORGET_COMPLETE = `delete from record_index_fields where type_key = $1 and field_key = any($2::text[])`;

export const MARK_COMPLETE = `
  insert into record_index_fields (tenant_id, type_key, field_key)
  select current_setting('app.tenant_id')::uuid, $1, f from unnest($2::text[]) as f
  on conflict do nothing`;

export const COMPLETE_FIELDS = `select field_key from record_index_fields where type_key = $1`;

/** Finished builds of these fields are forgotten; live ones are cancelled (a worker on it stops at its next batch). */
export const DELETE_FINISHED = `delete from index_builds where type_key = $1 and field_key = any($2::text[]) and status in ('ready', 'failed', 'cancelled')`;

export const CANCEL_LIVE = `
  update index_builds set status = 'cancelled', completed_at = now(), claimed_by = null
  where type_key = $1 and field_key = any($2::text[]) and status in ('pending', 'building')`;

/** Pending builds ($3 ids, $4 fields) asked by version $2; a field with a live build already keeps it. */
export const ENQUEUE = `
  insert into index_builds (tenant_id, id, type_key, field_key, type_version)
  select current_setting('app.tenant_id')::uuid, u.id, $1, u.field_key, $2
  from unnest($3::uuid[], $4::text[]) as u(id, field_key)
  on conflict do nothing`;

/** Every field key of the type's versions before $2: records may hold values for them (a key no version had, none can). */
export const KEYS_BEFORE = `
  select distinct f->>'key' as key
  from entity_type_versions v cross join lateral jsonb_array_elements(v.definition->'fields') f
  where v.type_key = $1 and v.version < $2`;

/** The type's current version, for builds a listing asks for. */
export const CURRENT_VERSION = `select current_version from entity_types where key = $1`;

/** Fields with a build running, waiting, or failed (a failure stays until a change builds the field again). */
export const BUSY_FIELDS = `select field_key from index_builds where type_key = $1 and status in ('pending', 'building', 'failed')`;

/** Whether the type has more than $2 records (stops counting there). */
export const MORE_RECORDS_THAN = `select count(*)::int > $2 as more from (select 1 from records where type_key = $1 limit $2 + 1) s`;

/**
 * The builds an answer reports ($1 one type, or null for all): not cancelled,
 * and a ready one only for a day after it completed.
 */
export const LIST_BUILDS = `
  select type_key, field_key, status, records_done, records_total, error, conflicts, requested_at, started_at, completed_at
  from index_builds
  where ($1::text is null or type_key = $1) and status <> 'cancelled'
    and (status <> 'ready' or completed_at > now() - interval '1 day')
  order by type_key, field_key, requested_at`;

// --- Writing entries (the change in the request, and the worker's batches).

/** One batch of the type's records after $2 (keyset on id), locked as an update locks a record: a concurrent write waits, then rewrites its own entries. */
export const LOCK_BATCH = `
  select id, data from records where type_key = $1 and ($2::uuid is null or id > $2::uuid)
  order by id limit $3 for no key update`;

export const DELETE_FIELD_ENTRIES = `delete from record_index where record_id = any($1::uuid[]) and field_key = any($2::text[])`;

export const INSERT_FIELD_ENTRIES = `
  insert into record_index (tenant_id, record_id, type_key, field_key, position, value_text, value_number, value_date, value_time, value_bool, is_unique)
  select current_setting('app.tenant_id')::uuid, u.record_id, $1, u.field_key, u.position, u.t, u.n, u.d, u.tm, u.b, u.q
  from unnest($2::uuid[], $3::text[], $4::int[], $5::text[], $6::float8[], $7::date[], $8::timestamptz[], $9::boolean[], $10::boolean[])
    as u(record_id, field_key, position, t, n, d, tm, b, q)`;

/** Unique entries of records other than $7 holding any of these values: who a failed batch collided with. */
export const TAKEN_UNIQUE_VALUES = `
  select i.field_key, i.value_text, i.value_number, i.value_date::text as value_date, i.value_time, count(distinct i.record_id)::int as count
  from record_index i
  join unnest($2::text[], $3::text[], $4::float8[], $5::date[], $6::timestamptz[]) as u(field_key, t, n, d, tm)
    on i.field_key = u.field_key and (i.value_text = u.t or i.value_number = u.n or i.value_date = u.d or i.value_time = u.tm)
  where i.type_key = $1 and i.is_unique and not (i.record_id = any($7::uuid[]))
  group by 1, 2, 3, 4, 5`;

// --- The worker.

/** Builds due across organisations (SECURITY DEFINER, migrations/0008): where to look, nothing more. */
export const DUE = `select tenant_id, build_id from index_builds_due($1, $2)`;

/** Takes a build that is pending, or building under a lapsed lease; nothing when another worker holds it. */
export const CLAIM = `
  update index_builds b
  set status = 'building', claimed_by = $2, heartbeat_at = now(), attempts = b.attempts + 1, started_at = coalesce(b.started_at, now())
  from (
    select id from index_builds
    where id = $1 and (status = 'pending' or (status = 'building' and heartbeat_at < now() - make_interval(secs => $3::float8)))
    for update skip locked
  ) c
  where b.id = c.id
  returning b.type_key, b.field_key, statement_timestamp()::text as claimed_at`;

/** First statement of every build transaction: the builder's visibility (all records) and how long it waits for a row lock. */
export const ENTER_BUILD = `select index_build_scope($1, $2) as ok, set_config('lock_timeout', $3, true)`;

/** The builder takes the type's key share lock first: a type change (FOR UPDATE) waits for the batch, or the batch for the change. */
export const SHARE_TYPE = `select key from entity_types where key = $1 for key share`;

export const BUILD_STATE = `select status, claimed_by, last_record_id from index_builds where id = $1`;

export const COUNT_TOTAL = `update index_builds set records_total = (select count(*) from records where type_key = $2)::int, heartbeat_at = now() where id = $1`;

export const PROGRESS = `update index_builds set records_done = records_done + $2, last_record_id = coalesce($3, last_record_id), heartbeat_at = now() where id = $1`;

export const FINISH = `update index_builds set status = 'ready', completed_at = now(), claimed_by = null where id = $1`;

export const FAIL = `update index_builds set status = 'failed', error = $2, conflicts = $3, completed_at = now(), claimed_by = null where id = $1`;

export const CANCEL = `update index_builds set status = 'cancelled', completed_at = now(), claimed_by = null where id = $1`;

/** Gives a build back (the worker stops): another worker resumes it from last_record_id. */
export const RELEASE = `update index_builds set status = 'pending', claimed_by = null where id = $1 and claimed_by = $2 and status = 'building'`;

export const HEARTBEAT = `update index_builds set heartbeat_at = now() where id = $1 and claimed_by = $2 and status = 'building'`;

/**
 * Transactions of the runtime role in this database that began before $1 and
 * are still open. A write that read the type's definition before the change
 * committed could still remove a field's entries after a batch wrote them;
 * the builder starts once every such transaction has ended (as CREATE INDEX
 * CONCURRENTLY waits for older transactions).
 */
export const OLDER_TRANSACTIONS = `
  select count(*)::int as open from pg_stat_activity
  where datname = current_database() and usename = current_user and pid <> pg_backend_pid() and xact_start < $1::timestamptz`;
