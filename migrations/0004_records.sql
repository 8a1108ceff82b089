-- Records of custom entity types (issue #4, step 2). One shared table keyed
-- by tenant_id holds every record as JSONB; the registry (0003) says how to
-- read it. Record data is never rewritten by a schema change: values of a
-- field removed from the type stay in `data` and reappear on rollback.
-- Typed index columns or a side table come with the storage step and are
-- additive to these tables. Same conventions as 0001: tenant_id leads every
-- key, composite foreign keys, RLS enabled and forced, minimal grants.

create table records (
  tenant_id uuid not null,
  -- UUIDv7, so id order is creation order (the default listing order).
  id uuid not null,
  type_key text not null,
  -- The entity type version the record was last validated against.
  type_version integer not null check (type_version >= 1),
  -- A flat object of field values; a field without a value is absent.
  data jsonb not null check (jsonb_typeof(data) = 'object'),
  -- Optimistic concurrency: the ETag; +1 on every change.
  version integer not null default 1 check (version >= 1),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Members; null for API keys. No foreign key, so authorship survives removal (as in audit_log).
  created_by uuid,
  updated_by uuid,
  primary key (tenant_id, id),
  foreign key (tenant_id, type_key) references entity_types (tenant_id, key),
  foreign key (tenant_id, type_key, type_version) references entity_type_versions (tenant_id, type_key, version)
);
-- Listing one type in id order (keyset pagination), and by update time.
create index records_type_id on records (tenant_id, type_key, id);
create index records_type_created on records (tenant_id, type_key, created_at, id);
create index records_type_updated on records (tenant_id, type_key, updated_at, id);
alter table records enable row level security;
alter table records force row level security;
create policy tenant_isolation on records
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (type_version, data, version, updated_at, updated_by), delete on records to tessera_app;

-- Every value of a relation field (reference, references, any_reference) as
-- a row, so the database enforces that the referenced record exists in the
-- same organisation (tenant_id is part of the foreign key) and so either side
-- can be found by index. Maintained by the service in the transaction that
-- writes the record's data.
create table record_links (
  tenant_id uuid not null,
  from_id uuid not null,
  field_key text not null,
  to_id uuid not null,
  -- Order within a `references` list; 0 for single-valued fields.
  position integer not null check (position >= 0),
  primary key (tenant_id, from_id, field_key, to_id),
  -- A record's own links go with it.
  foreign key (tenant_id, from_id) references records (tenant_id, id) on delete cascade,
  -- No action (checked at the end of the statement): deleting a record that is
  -- still referenced fails here unless the service has applied the fields'
  -- on_delete first (restrict: 409; cascade: delete the referencing records
  -- in the same statement; set_null: clear the value and drop the link). The
  -- action depends on the referencing field's definition, which lives in the
  -- registry, so it is applied by explicit statements (src/records/records.service.ts).
  constraint record_links_to_fkey foreign key (tenant_id, to_id) references records (tenant_id, id)
);
-- Who references this record (on_delete, and the other side of many-to-many).
create index record_links_to on record_links (tenant_id, to_id);
alter table record_links enable row level security;
alter table record_links force row level security;
create policy tenant_isolation on record_links
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, delete on record_links to tessera_app;
