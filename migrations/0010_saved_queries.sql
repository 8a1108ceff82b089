-- Saved queries (issue #5): a query of the JSON DSL under a key, private to
-- the member who saved it or shared with the organisation, with declared
-- parameters. Packs (#7) will ship their dashboards as saved queries
-- (source 'pack'). Same conventions as 0001: tenant_id leads every key, RLS
-- enabled and forced, minimal grants. Who sees which saved query within the
-- organisation (shared, own, gestores all) is decided by the service's
-- statements (src/query/saved-queries.sql.ts); docs/query.md describes it.
create table saved_queries (
  tenant_id uuid not null references tenants (id),
  key text not null check (key ~ '^[a-z][a-z0-9_]{0,62}$'),
  name text not null check (length(name) between 1 and 200 and name = btrim(name)),
  -- The DSL as saved, `{ "param": name }` placeholders included; validated
  -- against the registry when saved and again on every run.
  query jsonb not null check (jsonb_typeof(query) = 'object'),
  -- Declared parameters by name: { "<name>": { "type", "list"?, "default"?, "description"? } }.
  parameters jsonb not null default '{}' check (jsonb_typeof(parameters) = 'object'),
  shared boolean not null default false,
  -- Saved by a member through the API, or installed by a domain pack (#7).
  source text not null default 'tenant' check (source in ('tenant', 'pack')),
  source_pack text,
  source_pack_version text,
  -- The member who saved it: they (and gestores) may change it. No foreign
  -- key: a private query outlives its owner's membership, visible to gestores.
  owner_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  primary key (tenant_id, key),
  constraint saved_queries_pack_source check ((source = 'pack') = (source_pack is not null)),
  constraint saved_queries_pack_version check (source_pack_version is null or source_pack is not null),
  -- A pack's queries belong to no member and are there for everyone.
  constraint saved_queries_pack_shared check (source <> 'pack' or (shared and owner_id is null))
);
-- "My saved queries" for a member among many shared ones.
create index saved_queries_owner on saved_queries (tenant_id, owner_id) where owner_id is not null;
alter table saved_queries enable row level security;
alter table saved_queries force row level security;
create policy tenant_isolation on saved_queries
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (name, query, parameters, shared, updated_at, updated_by), delete on saved_queries to tessera_app;
