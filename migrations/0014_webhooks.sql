-- Webhooks (issue #7): endpoints a gestor registers, and one delivery row per
-- (event, endpoint) written by the outbox dispatcher's webhook sink in the
-- transaction that claims the event, so an event reaches every matching
-- endpoint exactly when it leaves the outbox. docs/events.md ("Webhooks")
-- describes them. Same conventions as 0001: tenant_id leads every key,
-- composite foreign keys, RLS enabled and forced, minimal grants.

create table webhook_endpoints (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  url text not null check (length(url) <= 2048),
  -- Event types or patterns: 'record.created', 'record.*', '*'.
  events text[] not null check (cardinality(events) between 1 and 50),
  description text check (length(description) <= 500),
  enabled boolean not null default true,
  -- Why the server disabled it ('gone': the receiver answered 410; 'failing': no success for the whole retry window).
  disabled_reason text,
  -- The signing key (raw bytes; shown once as whsec_<base64>). The server
  -- must read it back to sign, so it is stored as is, like every Standard
  -- Webhooks sender; only this organisation's gestores reach it (RLS).
  secret bytea not null check (length(secret) = 32),
  -- During a rotation the previous key keeps signing until this instant.
  previous_secret bytea check (length(previous_secret) = 32),
  previous_secret_expires_at timestamptz,
  -- Set by the first failed attempt after a success, cleared by any success.
  failing_since timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
alter table webhook_endpoints enable row level security;
alter table webhook_endpoints force row level security;
create policy tenant_isolation on webhook_endpoints
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, delete, update (url, events, description, enabled, disabled_reason, secret, previous_secret,
  previous_secret_expires_at, failing_since, updated_at) on webhook_endpoints to tessera_app;

-- One delivery of one event to one endpoint. Its id is the event's id (the
-- webhook-id header), so a re-claimed event never makes a second row and a
-- receiver de-duplicates on it.
create table webhook_deliveries (
  tenant_id uuid not null,
  endpoint_id uuid not null,
  id uuid not null,
  event_type text not null,
  occurred_at timestamptz not null,
  subject_type text not null,
  subject_id text,
  data jsonb not null,
  -- Deliveries with the same key (the event's subject) reach an endpoint in
  -- id order: one waits while an earlier one is pending. Null: no ordering.
  ordering_key text,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  last_attempt_at timestamptz,
  last_response_code integer,
  last_duration_ms integer,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (tenant_id, endpoint_id, id),
  foreign key (tenant_id, endpoint_id) references webhook_endpoints (tenant_id, id) on delete cascade
);
create index webhook_deliveries_order on webhook_deliveries (tenant_id, endpoint_id, ordering_key, id) where status = 'pending';
-- The worker's queue across organisations (webhook_deliveries_due below).
create index webhook_deliveries_queue on webhook_deliveries (next_attempt_at) where status = 'pending';
alter table webhook_deliveries enable row level security;
alter table webhook_deliveries force row level security;
create policy tenant_isolation on webhook_deliveries
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (status, attempts, next_attempt_at, last_attempt_at, last_response_code, last_duration_ms,
  last_error, delivered_at) on webhook_deliveries to tessera_app;

-- Like workflow_timers_due (0011): where to look, across organisations; the
-- claim happens inside the organisation as the runtime role. A delivery is
-- due when its endpoint is enabled, its organisation active, and no earlier
-- delivery with its ordering key is still pending for that endpoint.
create policy webhook_delivery_queue on webhook_deliveries for select to tessera_auth using (true);
grant select (tenant_id, endpoint_id, id, status, next_attempt_at, ordering_key) on webhook_deliveries to tessera_auth;
create policy webhook_endpoint_queue on webhook_endpoints for select to tessera_auth using (true);
grant select (tenant_id, id, enabled) on webhook_endpoints to tessera_auth;

create function webhook_deliveries_due(p_now timestamptz, p_limit integer)
returns table (tenant_id uuid, endpoint_id uuid, delivery_id uuid)
language sql
stable
security definer
set search_path = public, pg_temp
as $$
  select d.tenant_id, d.endpoint_id, d.id
  from webhook_deliveries d
  join webhook_endpoints e on e.tenant_id = d.tenant_id and e.id = d.endpoint_id
  join tenants t on t.id = d.tenant_id
  where d.status = 'pending' and d.next_attempt_at <= p_now and e.enabled and t.status = 'active'
    and (d.ordering_key is null or not exists (
      select 1 from webhook_deliveries p
      where p.tenant_id = d.tenant_id and p.endpoint_id = d.endpoint_id and p.ordering_key = d.ordering_key
        and p.status = 'pending' and p.id < d.id))
  order by d.next_attempt_at
  limit least(greatest(p_limit, 1), 500)
$$;
alter function webhook_deliveries_due(timestamptz, integer) owner to tessera_auth;
revoke all on function webhook_deliveries_due(timestamptz, integer) from public;
grant execute on function webhook_deliveries_due(timestamptz, integer) to tessera_app;
