-- Index entries of custom entity fields (issue #4, storage step): a typed side
-- table beside `records`, chosen by measurement (docs/ARCHITECTURE.md,
-- "Storage of custom entity fields"). One row per value of an `indexed` or
-- `unique` field (one per element of a multi_enum), in exactly one typed value
-- column, so lookups compare values of the column's own type: those operators
-- are leakproof, so the index is usable under RLS, where data->>'x' is not.
-- A handful of shared indexes serve every tenant, type and field: the index
-- count does not grow with tenants or fields. Maintained by the records
-- service in the transaction that writes the record; derived from `data`
-- only, so it can always be rebuilt. Same conventions as 0001.

create table record_index (
  tenant_id uuid not null,
  record_id uuid not null,
  -- Copied from the record (a record never changes type) so lookups need not join.
  type_key text not null,
  field_key text not null,
  -- Element number within a multi_enum value; 0 otherwise.
  position integer not null check (position >= 0),
  value_text text,
  value_number double precision,
  value_date date,
  value_time timestamptz,
  value_bool boolean,
  -- The field is `unique` in the definition the entry was written under.
  is_unique boolean not null default false,
  primary key (tenant_id, record_id, field_key, position),
  foreign key (tenant_id, record_id) references records (tenant_id, id) on delete cascade,
  constraint record_index_one_value check (num_nonnulls(value_text, value_number, value_date, value_time, value_bool) = 1)
);
-- Lookups: (tenant, type, field, value); partial, so each index holds only its own type of value.
create index record_index_text on record_index (tenant_id, type_key, field_key, value_text) where value_text is not null;
create index record_index_number on record_index (tenant_id, type_key, field_key, value_number) where value_number is not null;
create index record_index_date on record_index (tenant_id, type_key, field_key, value_date) where value_date is not null;
create index record_index_time on record_index (tenant_id, type_key, field_key, value_time) where value_time is not null;
create index record_index_bool on record_index (tenant_id, type_key, field_key, value_bool) where value_bool is not null;
-- Uniqueness per organisation, enforced by the database (two concurrent
-- creates with the same value cannot both commit). tenant_id is part of each
-- key, so a violation never reveals another organisation's values.
create unique index record_index_unique_text on record_index (tenant_id, type_key, field_key, value_text) where is_unique and value_text is not null;
create unique index record_index_unique_number on record_index (tenant_id, type_key, field_key, value_number) where is_unique and value_number is not null;
create unique index record_index_unique_date on record_index (tenant_id, type_key, field_key, value_date) where is_unique and value_date is not null;
create unique index record_index_unique_time on record_index (tenant_id, type_key, field_key, value_time) where is_unique and value_time is not null;
alter table record_index enable row level security;
alter table record_index force row level security;
create policy tenant_isolation on record_index
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, delete on record_index to tessera_app;

-- Fields whose entries are complete for every record of the type. A field
-- that becomes indexed after records exist has no entries for them until a
-- backfill writes them and this row; until then listings filter on `data`
-- (correct, not indexed). A write under a definition where the field is not
-- indexed removes the row, since that record gets no entry.
create table record_index_fields (
  tenant_id uuid not null,
  type_key text not null,
  field_key text not null,
  completed_at timestamptz not null default now(),
  primary key (tenant_id, type_key, field_key),
  foreign key (tenant_id, type_key) references entity_types (tenant_id, key)
);
alter table record_index_fields enable row level security;
alter table record_index_fields force row level security;
create policy tenant_isolation on record_index_fields
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, delete on record_index_fields to tessera_app;
