-- Custom entity types (issue #4): the registry of each organisation's own data
-- models. A type is a name and a pointer to its current version; every change
-- appends a new immutable version, so history is complete and rollback is a
-- pointer move recorded as one more version. Same conventions as 0001:
-- tenant_id leads every key, RLS enabled and forced, minimal grants.

-- One row per type: where it came from and which version is current. The row
-- is also the lock a change takes (select ... for update), so two concurrent
-- changes get versions n+1 and n+2, never the same number.
create table entity_types (
  tenant_id uuid not null references tenants (id),
  key text not null check (key ~ '^[a-z][a-z0-9_]{0,62}$'),
  current_version integer not null check (current_version >= 1),
  -- Defined by the organisation through the API, or installed by a domain pack (#7).
  source text not null default 'tenant' check (source in ('tenant', 'pack')),
  source_pack text,
  source_pack_version text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- No foreign key to users: who created a type stays known after they leave (as in audit_log).
  created_by uuid,
  primary key (tenant_id, key),
  constraint entity_types_pack_source check ((source = 'pack') = (source_pack is not null)),
  constraint entity_types_pack_version check (source_pack_version is null or source_pack is not null)
);
alter table entity_types enable row level security;
alter table entity_types force row level security;
create policy tenant_isolation on entity_types
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
-- Types are not deleted yet (records will reference them); only the current pointer moves.
grant select, insert, update (current_version, updated_at) on entity_types to tessera_app;

-- Every version of every type, append-only: the runtime role may insert and
-- read but never update or delete, so history cannot be rewritten.
create table entity_type_versions (
  tenant_id uuid not null,
  type_key text not null,
  version integer not null check (version >= 1),
  -- The whole normalised definition (src/entities/core): key, label, description, fields, rules.
  definition jsonb not null,
  -- What changed from the version that was current before (src/entities/core/diff.ts).
  diff jsonb not null,
  change_kind text not null check (change_kind in ('create', 'update', 'add_field', 'rollback')),
  -- The member who made the change; no foreign key, so authorship survives their removal.
  created_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, type_key, version),
  foreign key (tenant_id, type_key) references entity_types (tenant_id, key)
);
alter table entity_type_versions enable row level security;
alter table entity_type_versions force row level security;
create policy tenant_isolation on entity_type_versions
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert on entity_type_versions to tessera_app;

-- The current version must exist. Deferred to commit, because a type and its
-- first version are inserted in the same transaction, type first.
alter table entity_types
  add constraint entity_types_current_version_fkey
  foreign key (tenant_id, key, current_version) references entity_type_versions (tenant_id, type_key, version)
  deferrable initially deferred;
