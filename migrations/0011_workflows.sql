-- Workflows (issue #6): versioned state machines attached to entity types,
-- the state of each record, its history, timers, business calendars and
-- in-app notifications. docs/workflows.md describes them. Same conventions as
-- 0001: tenant_id leads every key, composite foreign keys, RLS enabled and
-- forced, minimal grants (append-only tables get no UPDATE or DELETE).

-- A workflow: its editable draft, and the latest published version. One
-- workflow per entity type.
create table workflows (
  tenant_id uuid not null references tenants (id),
  key text not null check (key ~ '^[a-z][a-z0-9_-]{0,62}$'),
  entity_type text not null,
  -- The draft as last written (POST or PUT), already shape-checked.
  draft jsonb not null check (jsonb_typeof(draft) = 'object'),
  -- Bumped by every PUT of the draft (the draft's ETag).
  draft_revision integer not null default 1 check (draft_revision >= 1),
  -- The newest published version; null until the first publish.
  latest_version integer check (latest_version >= 1),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid,
  primary key (tenant_id, key),
  foreign key (tenant_id, entity_type) references entity_types (tenant_id, key)
);
create unique index workflows_entity_type on workflows (tenant_id, entity_type);
alter table workflows enable row level security;
alter table workflows force row level security;
create policy tenant_isolation on workflows
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (draft, draft_revision, latest_version, updated_at, updated_by) on workflows to tessera_app;

-- Published versions: immutable (no UPDATE or DELETE grant).
create table workflow_versions (
  tenant_id uuid not null,
  workflow_key text not null,
  version integer not null check (version >= 1),
  entity_type text not null,
  -- The validated definition (src/workflows/core/definition.ts, WorkflowDefinition).
  definition jsonb not null check (jsonb_typeof(definition) = 'object'),
  published_at timestamptz not null default now(),
  published_by uuid,
  primary key (tenant_id, workflow_key, version),
  foreign key (tenant_id, workflow_key) references workflows (tenant_id, key)
);
alter table workflow_versions enable row level security;
alter table workflow_versions force row level security;
create policy tenant_isolation on workflow_versions
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert on workflow_versions to tessera_app;

-- Each record's place in its type's workflow. All null until the type's
-- workflow is first published. state_category copies the state's category so
-- reports and packs reason across workflows without reading definitions.
-- sla_*: the SLA of the current state (null when it has none): due_at and
-- at_risk_at are computed on entering the state with the state's business
-- calendar; sla_status is 'ok' on entry and moved to 'at_risk' and 'breached'
-- by the timer worker (the record's view recomputes it from the clock).
alter table records
  add column workflow_key text,
  add column workflow_version integer,
  add column state text,
  add column state_category text check (state_category in ('new', 'active', 'waiting', 'resolved', 'closed', 'cancelled')),
  add column state_entered_at timestamptz,
  add column sla_due_at timestamptz,
  add column sla_at_risk_at timestamptz,
  add column sla_status text check (sla_status in ('ok', 'at_risk', 'breached')),
  add constraint records_workflow_version_fkey
    foreign key (tenant_id, workflow_key, workflow_version) references workflow_versions (tenant_id, workflow_key, version),
  add constraint records_workflow_complete check (
    (workflow_key is null and workflow_version is null and state is null and state_category is null)
    or (workflow_key is not null and workflow_version is not null and state is not null and state_category is not null));
-- Records of a type in a state (listings, migration counts, reports).
create index records_type_state on records (tenant_id, type_key, state, id) where state is not null;
create index records_workflow_version on records (tenant_id, workflow_key, workflow_version, state) where workflow_key is not null;
grant update (workflow_key, workflow_version, state, state_category, state_entered_at, sla_due_at, sla_at_risk_at, sla_status)
  on records to tessera_app;

-- Every transition of every record: append-only. No foreign key to records,
-- so the history of a deleted record stays (GDPR erasure handles it).
create table record_history (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  record_id uuid not null,
  type_key text not null,
  workflow_key text not null,
  workflow_version integer not null,
  -- null unless a transition (or a timeout performing one) wrote the entry.
  transition_key text,
  -- 'create': the record was created in the initial state; 'attach': the
  -- workflow's first publish placed an existing record; 'transition';
  -- 'timeout': a timer performed the transition; 'migrate': moved between versions.
  kind text not null check (kind in ('create', 'attach', 'transition', 'timeout', 'migrate')),
  from_state text,
  to_state text not null,
  actor_type text not null check (actor_type in ('user', 'api_key', 'operator', 'system')),
  actor_id uuid,
  input jsonb,
  -- [{ "index", "kind", "passed", "reason" }]
  guards jsonb not null default '[]',
  -- [{ "kind", ... }]: what the transition did (fields set, outbox ids, timers armed)
  effects jsonb not null default '[]',
  -- The record's SLA in the state it left: { "status", "due_at" } or null.
  sla jsonb,
  occurred_at timestamptz not null default now(),
  request_id text,
  primary key (tenant_id, record_id, id)
);
alter table record_history enable row level security;
alter table record_history force row level security;
create policy tenant_isolation on record_history
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert on record_history to tessera_app;

-- Timers: state timeouts, SLA marks and start_timer effects. A timer belongs
-- to the record's stay in one state (state_entered_at): leaving the state
-- cancels the stay's timers. Fired by src/workflows/timers (FOR UPDATE SKIP
-- LOCKED inside the organisation; fired_at set in the transaction that acts).
create table workflow_timers (
  tenant_id uuid not null,
  id uuid not null,
  record_id uuid not null,
  -- 'transition': perform `transition_key` (as the system) if still available;
  -- 'sla_at_risk' / 'sla_breached': move records.sla_status;
  -- 'event': write an outbox event named `event_type`.
  kind text not null check (kind in ('transition', 'sla_at_risk', 'sla_breached', 'event')),
  transition_key text,
  event_type text,
  -- The state (and stay) the timer was armed in; it fires only if the record is still there.
  state text not null,
  state_entered_at timestamptz not null,
  due_at timestamptz not null,
  -- 'pending' | 'fired' | 'cancelled' | 'skipped' (the record had moved on, or the transition was refused)
  status text not null default 'pending' check (status in ('pending', 'fired', 'cancelled', 'skipped')),
  attempts integer not null default 0 check (attempts >= 0),
  last_error text,
  created_at timestamptz not null default now(),
  fired_at timestamptz,
  primary key (tenant_id, id),
  foreign key (tenant_id, record_id) references records (tenant_id, id) on delete cascade
);
create index workflow_timers_record on workflow_timers (tenant_id, record_id) where status = 'pending';
-- The worker's queue across organisations (workflow_timers_due below).
create index workflow_timers_queue on workflow_timers (due_at) where status = 'pending';
alter table workflow_timers enable row level security;
alter table workflow_timers force row level security;
create policy tenant_isolation on workflow_timers
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (status, attempts, last_error, fired_at, due_at) on workflow_timers to tessera_app;

-- Like index_builds_due (0008): where to look, across organisations; the
-- claim happens inside the organisation as the runtime role.
create policy workflow_timer_queue on workflow_timers for select to tessera_auth using (true);
grant select (tenant_id, id, status, due_at) on workflow_timers to tessera_auth;

create function workflow_timers_due(p_now timestamptz, p_limit integer)
returns table (tenant_id uuid, timer_id uuid)
language sql
stable
security definer
set search_path = public, pg_temp
as $$
  select w.tenant_id, w.id
  from workflow_timers w join tenants t on t.id = w.tenant_id
  where t.status = 'active' and w.status = 'pending' and w.due_at <= p_now
  order by w.due_at
  limit least(greatest(p_limit, 1), 500)
$$;
alter function workflow_timers_due(timestamptz, integer) owner to tessera_auth;
revoke all on function workflow_timers_due(timestamptz, integer) from public;
-- The worker polls through the runtime pool (as index_builds_due, 0008).
grant execute on function workflow_timers_due(timestamptz, integer) to tessera_app;

-- The timer worker acts as the system: it must see the record of a timer
-- even when the record's type is restricted (0007), which the row ACL hides
-- from a caller entered with no user. Like index_build_scope (0008): called
-- after tessera_enter_tenant (no user), when the organisation entered has
-- this timer pending, the transaction gets the visibility a gestor has
-- (app.role), for this transaction only. Not SECURITY DEFINER: RLS limits the
-- lookup to the organisation entered.
create function workflow_timer_scope(p_timer uuid)
returns boolean
language plpgsql
as $$
begin
  if not exists (select 1 from workflow_timers where id = p_timer and status = 'pending') then
    return false;
  end if;
  perform set_config('app.role', 'gestor', true);
  return true;
end
$$;
revoke all on function workflow_timer_scope(uuid) from public;
grant execute on function workflow_timer_scope(uuid) to tessera_app;

-- Business calendars: working hours per weekday, a time zone and holidays.
-- Built-in calendars ('24x7', 'business-hours') need no row; a row with
-- their key overrides them for the organisation.
create table business_calendars (
  tenant_id uuid not null references tenants (id),
  key text not null check (key ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  name text,
  -- null: the organisation's time zone (tenant_settings).
  time_zone text,
  -- { "mon": [["09:00","18:00"]], ... } (src/workflows/core/calendar.ts)
  working_hours jsonb not null check (jsonb_typeof(working_hours) = 'object'),
  -- ["2026-12-25", ...] local dates with no working time
  holidays jsonb not null default '[]' check (jsonb_typeof(holidays) = 'array'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, key)
);
alter table business_calendars enable row level security;
alter table business_calendars force row level security;
create policy tenant_isolation on business_calendars
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (name, time_zone, working_hours, holidays, updated_at), delete on business_calendars to tessera_app;

-- In-app notifications (the notify effect). The recipient reads and marks them.
create table notifications (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  user_id uuid not null,
  record_type text,
  record_id uuid,
  title text not null,
  body text,
  created_at timestamptz not null default now(),
  read_at timestamptz,
  primary key (tenant_id, id),
  constraint notifications_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);
create index notifications_user on notifications (tenant_id, user_id, id);
alter table notifications enable row level security;
alter table notifications force row level security;
create policy tenant_isolation on notifications
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (read_at), delete on notifications to tessera_app;

