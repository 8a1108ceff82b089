-- Teams and per-type permissions (issue #4, access): the data the row ACL
-- stands on. This migration only stores who may do what; enforcing it on
-- records (RLS policies reading per-transaction user and team settings, and
-- the permission checks in the records service) is the next step. Same
-- conventions as 0001: tenant_id leads every key, composite foreign keys, RLS
-- enabled and forced, minimal grants. docs/access.md describes the model.

-- Teams: named groups of members that records can be shared with.
create table teams (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  name text not null check (length(name) between 1 and 100 and name = btrim(name)),
  description text check (length(description) <= 1000),
  -- No foreign key to users: who created a team stays known after they leave (as in audit_log).
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
-- One team per name in an organisation, ignoring case ("Support" and "support"
-- would be indistinguishable in a share dialog).
create unique index teams_name_key on teams (tenant_id, lower(name));
alter table teams enable row level security;
alter table teams force row level security;
create policy tenant_isolation on teams
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (name, description, updated_at), delete on teams to tessera_app;

-- Who is in which team. The composite foreign key to users is what refuses a
-- member of another organisation: tenant_id is this organisation's. Removing
-- a member or a team removes the memberships with it.
create table team_members (
  tenant_id uuid not null,
  team_id uuid not null,
  user_id uuid not null,
  added_at timestamptz not null default now(),
  -- No foreign key: who added the member stays known after they leave.
  added_by uuid,
  primary key (tenant_id, team_id, user_id),
  constraint team_members_team_fkey foreign key (tenant_id, team_id) references teams (tenant_id, id) on delete cascade,
  constraint team_members_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);
-- A member's teams: what the row ACL puts in the per-transaction settings.
create index team_members_user on team_members (tenant_id, user_id);
alter table team_members enable row level security;
alter table team_members force row level security;
create policy tenant_isolation on team_members
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, delete on team_members to tessera_app;

-- Per type: who sees its records. 'organisation' = every member (subject to
-- the per-type permissions below); 'restricted' = the record's creator, its
-- `user` fields' members, the members of the teams it is shared with, the
-- members it is shared with, and gestores. No row means the defaults
-- (src/permissions/core/defaults.ts): visibility 'organisation'.
create table entity_type_access (
  tenant_id uuid not null,
  type_key text not null,
  visibility text not null check (visibility in ('organisation', 'restricted')),
  updated_at timestamptz not null default now(),
  -- The gestor who last changed it; no foreign key (authorship survives removal).
  updated_by uuid,
  primary key (tenant_id, type_key),
  foreign key (tenant_id, type_key) references entity_types (tenant_id, key) on delete cascade
);
alter table entity_type_access enable row level security;
alter table entity_type_access force row level security;
create policy tenant_isolation on entity_type_access
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (visibility, updated_at, updated_by) on entity_type_access to tessera_app;

-- Per type, what the cliente role and each API key scope may do. Only
-- principals a gestor set are stored; the others take the documented
-- defaults. Gestores always may do everything and are never stored.
create table entity_type_permissions (
  tenant_id uuid not null,
  type_key text not null,
  principal_kind text not null check (principal_kind in ('role', 'scope')),
  -- A member role ('cliente') or an API key scope (src/api-keys/core/scopes.ts).
  principal text not null,
  can_read boolean not null,
  can_create boolean not null,
  can_update boolean not null,
  can_delete boolean not null,
  primary key (tenant_id, type_key, principal_kind, principal),
  foreign key (tenant_id, type_key) references entity_types (tenant_id, key) on delete cascade,
  constraint entity_type_permissions_role check (principal_kind <> 'role' or principal = 'cliente'),
  -- The scopes' own limits, kept here too so no write path can widen them.
  constraint entity_type_permissions_read_only check (
    principal_kind <> 'scope' or principal <> 'read-only' or not (can_create or can_update or can_delete)),
  constraint entity_type_permissions_proxy check (
    principal_kind <> 'scope' or principal <> 'proxy-ollama' or not (can_read or can_create or can_update or can_delete))
);
alter table entity_type_permissions enable row level security;
alter table entity_type_permissions force row level security;
create policy tenant_isolation on entity_type_permissions
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
-- A change replaces a type's rows (delete, then insert).
grant select, insert, delete on entity_type_permissions to tessera_app;

-- Explicit shares of one record with a team or a member, for restricted
-- types. principal_id names a team or a user; the generated columns carry it
-- into real composite foreign keys, so a share can never name a team or
-- member of another organisation, and goes away with them. The route that
-- writes shares (POST /api/records/{type}/{id}/access) is the next step.
create table record_shares (
  tenant_id uuid not null,
  record_id uuid not null,
  principal_kind text not null check (principal_kind in ('team', 'user')),
  principal_id uuid not null,
  team_id uuid generated always as (case when principal_kind = 'team' then principal_id end) stored,
  user_id uuid generated always as (case when principal_kind = 'user' then principal_id end) stored,
  access text not null check (access in ('read', 'write')),
  created_at timestamptz not null default now(),
  -- No foreign key: who shared stays known after they leave.
  created_by uuid,
  primary key (tenant_id, record_id, principal_kind, principal_id),
  foreign key (tenant_id, record_id) references records (tenant_id, id) on delete cascade,
  constraint record_shares_team_fkey foreign key (tenant_id, team_id) references teams (tenant_id, id) on delete cascade,
  constraint record_shares_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);
-- What is shared with a team or a member: the row ACL's lookup, and the
-- cascades when a team or member is removed.
create index record_shares_team on record_shares (tenant_id, team_id) where team_id is not null;
create index record_shares_user on record_shares (tenant_id, user_id) where user_id is not null;
alter table record_shares enable row level security;
alter table record_shares force row level security;
create policy tenant_isolation on record_shares
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (access), delete on record_shares to tessera_app;
