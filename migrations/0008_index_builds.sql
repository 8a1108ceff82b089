-- Background builds of index entries (issue #4, zero-downtime schema changes).
-- When a type change makes a field indexed or unique (or changes its index
-- kind) on a type with more records than are built inside the request, the
-- change only records a build here; an in-process worker
-- (src/entities/index-builds/) fills record_index for the existing records in
-- short batches, each its own transaction, then marks the field complete in
-- record_index_fields. docs/entities.md ("Index builds") describes it. Same
-- conventions as 0001: tenant_id leads every key, RLS enabled and forced,
-- minimal grants.

create table index_builds (
  tenant_id uuid not null,
  id uuid not null,
  type_key text not null,
  field_key text not null,
  -- The type version whose change (or listing) asked for the build.
  type_version integer not null check (type_version >= 1),
  -- cancelled: made obsolete by a later change (the field dropped, or built again).
  status text not null default 'pending' check (status in ('pending', 'building', 'ready', 'failed', 'cancelled')),
  records_done integer not null default 0 check (records_done >= 0),
  -- Counted when a worker starts the build; records written since may make records_done larger.
  records_total integer check (records_total >= 0),
  error text,
  -- A failed unique build: [{ "value", "count" }] of values held by several records.
  conflicts jsonb,
  -- Resumption point (keyset on records.id): a worker taking over continues after it.
  last_record_id uuid,
  -- Claims: the worker holding the build renews heartbeat_at with every batch; a build
  -- whose heartbeat is older than the lease is taken over by another worker.
  claimed_by text,
  heartbeat_at timestamptz,
  attempts integer not null default 0 check (attempts >= 0),
  requested_at timestamptz not null default now(),
  started_at timestamptz,
  completed_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, type_key) references entity_types (tenant_id, key),
  foreign key (tenant_id, type_key, type_version) references entity_type_versions (tenant_id, type_key, version)
);
-- At most one live build per field: a change that builds a field again cancels the live one first.
create unique index index_builds_live on index_builds (tenant_id, type_key, field_key) where status in ('pending', 'building');
-- The builds of a type (the type's answer in the API).
create index index_builds_type on index_builds (tenant_id, type_key, field_key);
-- The worker's queue, across organisations (index_builds_due below).
create index index_builds_queue on index_builds (requested_at) where status in ('pending', 'building');
alter table index_builds enable row level security;
alter table index_builds force row level security;
create policy tenant_isolation on index_builds
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, delete on index_builds to tessera_app;
grant update (status, records_done, records_total, error, conflicts, last_record_id, claimed_by, heartbeat_at, attempts, started_at, completed_at)
  on index_builds to tessera_app;

-- The worker's queue. Builds wait in many organisations, and the runtime role
-- sees none of them until it has entered one; like the login and API key
-- lookups (0001), a SECURITY DEFINER function owned by tessera_auth, which may
-- read only these columns through its own policy, returns just where to look:
-- organisation and build id of builds due (pending, or building with a lapsed
-- lease), oldest first, in active organisations. The claim itself happens
-- inside the organisation, as the runtime role (FOR UPDATE SKIP LOCKED).
create policy index_build_queue on index_builds for select to tessera_auth using (true);
grant select (tenant_id, id, status, heartbeat_at, requested_at) on index_builds to tessera_auth;

create function index_builds_due(p_lease_seconds integer, p_limit integer)
returns table (tenant_id uuid, build_id uuid)
language sql
stable
security definer
set search_path = public, pg_temp
as $$
  select b.tenant_id, b.id
  from index_builds b join tenants t on t.id = b.tenant_id
  where t.status = 'active'
    and (b.status = 'pending'
         or (b.status = 'building' and b.heartbeat_at < now() - make_interval(secs => p_lease_seconds)))
  order by b.requested_at
  limit least(greatest(p_limit, 1), 100)
$$;
alter function index_builds_due(integer, integer) owner to tessera_auth;
revoke all on function index_builds_due(integer, integer) from public;
grant execute on function index_builds_due(integer, integer) to tessera_app;

-- The builder must see every record of the type, including those the row ACL
-- (0007) hides from members and API keys, or it would mark a field complete
-- without their entries. Called as the first statement of each of the
-- worker's transactions, after tessera_enter_tenant (no user): when this
-- organisation has the build claimed by this worker, the transaction gets
-- the visibility a gestor has (app.role), for this transaction only. The
-- builder writes index entries and build status, never records.
create function index_build_scope(p_build uuid, p_worker text)
returns boolean
language plpgsql
as $$
begin
  -- RLS: only the entered organisation's builds are visible here.
  if not exists (select 1 from index_builds where id = p_build and status = 'building' and claimed_by = p_worker) then
    return false;
  end if;
  perform set_config('app.role', 'gestor', true);
  return true;
end
$$;
revoke all on function index_build_scope(uuid, text) from public;
grant execute on function index_build_scope(uuid, text) to tessera_app;
