-- Records performance (issue #4): listings page from the index entries, and
-- the records service can cache each type's access settings safely.

-- 1. Paging from the index. The lookup indexes end with record_id, so
-- `where tenant_id = … and type_key = … and field_key = … and value_x = $v
-- order by record_id limit n` (src/records/records.sql.ts,
-- LIST_RECORDS_BY_INDEX) is one ordered index range: a page reads about n
-- entries, whatever the number of records holding the value, instead of all
-- of them followed by a sort. Same names as before (tests and docs name
-- them); built inside the migration's transaction, not CONCURRENTLY (the
-- table is locked against writes while it runs).
drop index record_index_text;
drop index record_index_number;
drop index record_index_date;
drop index record_index_time;
drop index record_index_bool;
create index record_index_text on record_index (tenant_id, type_key, field_key, value_text, record_id) where value_text is not null;
create index record_index_number on record_index (tenant_id, type_key, field_key, value_number, record_id) where value_number is not null;
create index record_index_date on record_index (tenant_id, type_key, field_key, value_date, record_id) where value_date is not null;
create index record_index_time on record_index (tenant_id, type_key, field_key, value_time, record_id) where value_time is not null;
create index record_index_bool on record_index (tenant_id, type_key, field_key, value_bool, record_id) where value_bool is not null;

-- 2. A revision of each type's access settings (visibility and grants),
-- raised by every change (src/permissions/permissions.sql.ts, UPSERT_VISIBILITY,
-- which every change runs in the same transaction as its grants). The records
-- service caches a type's definition and permissions per process, keyed by
-- the type's current_version and this revision, and reads both with the
-- first statement of every request (src/records/type-state.ts): a change made
-- through any process applies to the very next request everywhere. No row
-- means revision 0 (the defaults).
alter table entity_type_access add column revision bigint not null default 1 check (revision >= 1);
grant update (revision) on entity_type_access to tessera_app;
