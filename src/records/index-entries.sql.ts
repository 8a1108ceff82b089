// Static SQL of index entries (migrations/0005_record_index.sql); every value
// is a bind parameter, RLS scopes every statement to the caller's organisation.

export const DELETE_ENTRIES = `delete from record_index where record_id = any($1::uuid[])`;

/**
 * Entries of many records of type $1 in one statement; one array element per
 * entry, the value in its typed array. The same statement forgets the
 * completeness of fields the current definition does not index ($2: the
 * fields it does), since these records get no entry for them: one round trip.
 */
export const INSERT_ENTRIES = `
  with forget as (delete from record_index_fields where type_key = $1 and not (field_key = any($2::text[])))
  insert into record_index (tenant_id, record_id, type_key, field_key, position, value_text, value_number, value_date, value_time, value_bool, is_unique)
  select current_setting('app.tenant_id')::uuid, u.record_id, $1, u.field_key, u.position, u.t, u.n, u.d, u.tm, u.b, u.q
  from unnest($3::uuid[], $4::text[], $5::int[], $6::text[], $7::float8[], $8::date[], $9::timestamptz[], $10::boolean[], $11::boolean[])
    as u(record_id, field_key, position, t, n, d, tm, b, q)`;

export const COMPLETE_FIELDS = `select field_key from record_index_fields where type_key = $1`;

export const MARK_COMPLETE = `
  insert into record_index_fields (tenant_id, type_key, field_key)
  select current_setting('app.tenant_id')::uuid, $1, f from unnest($2::text[]) as f
  on conflict do nothing`;

/** Whether the type has more than $2 records (stops counting there). */
export const MORE_RECORDS_THAN = `select count(*)::int > $2 as more from (select 1 from records where type_key = $1 limit $2 + 1) s`;

/** One batch of a backfill, locked as an update locks a record, so a concurrent write waits and then rewrites its own entries. */
export const LOCK_TYPE_BATCH = `
  select id, data from records where type_key = $1 and ($2::uuid is null or id > $2::uuid)
  order by id limit $3 for no key update`;

/** Which of these unique values exist (committed) for other records: names the fields of a 409. */
export const TAKEN_UNIQUE_FIELDS = `
  select distinct i.field_key from record_index i
  join unnest($2::text[], $3::text[], $4::float8[], $5::date[], $6::timestamptz[]) as u(field_key, t, n, d, tm)
    on i.field_key = u.field_key and (i.value_text = u.t or i.value_number = u.n or i.value_date = u.d or i.value_time = u.tm)
  where i.type_key = $1 and i.is_unique and not (i.record_id = any($7::uuid[]))`;

/** The record whose unique field holds a value (bulk upsert_by); the row ACL applies through records. */
export const FIND_BY_UNIQUE = `
  select i.record_id from record_index i join records r on r.id = i.record_id
  where i.type_key = $1 and i.field_key = $2 and i.is_unique
    and (i.value_text = $3::text or i.value_number = $4::float8 or i.value_date = $5::date or i.value_time = $6::timestamptz)
  limit 1`;
