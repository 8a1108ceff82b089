-- Outbox dispatch (issue #7, docs/events.md): the dispatcher finds the
-- organisations with pending events, claims their rows inside each one as
-- tessera_app (RLS applies) with FOR UPDATE SKIP LOCKED, hands them to its
-- sinks (webhooks, NATS JetStream) and marks them published in the same
-- transaction.

-- A tenant's pending rows in dispatch (id, UUIDv7 = time) order; it also
-- answers outbox_pending_tenants below, so the 0001 index on occurred_at (which
-- nothing reads) goes: one index less to write per event.
create index outbox_pending on outbox (tenant_id, id) where published_at is null;
drop index outbox_unpublished;

-- Marking published is the app's only change to an outbox row. FOR UPDATE
-- needs an UPDATE grant too; the tenant_isolation policy (0001) limits both.
grant update (published_at) on outbox to tessera_app;

-- Like index_builds_due (0008) and workflow_timers_due (0011): where to look,
-- across organisations, and nothing else (tenant ids only, never the events).
-- Suspended and cancelled organisations are included: their own lifecycle
-- events (tenant.suspended) must still reach billing and CRM subscribers.
create policy outbox_queue on outbox for select to tessera_auth using (true);
grant select (tenant_id, id, published_at) on outbox to tessera_auth;

create function outbox_pending_tenants(p_limit integer)
returns table (tenant_id uuid)
language sql
stable
security definer
set search_path = public, pg_temp
as $$
  -- The organisation with the oldest pending event first, so none starves
  -- behind busier ones. (uuid has no min(); its text form sorts the same.)
  select o.tenant_id
  from outbox o
  where o.published_at is null
  group by o.tenant_id
  order by min(o.id::text)
  limit least(greatest(p_limit, 1), 500)
$$;
alter function outbox_pending_tenants(integer) owner to tessera_auth;
revoke all on function outbox_pending_tenants(integer) from public;
grant execute on function outbox_pending_tenants(integer) to tessera_app;

-- Wakes listening dispatchers (LISTEN tessera_outbox) at COMMIT; polling is
-- the fallback when a notification is missed. Once per statement, not per
-- row: queueEvents writes many rows in one. The payload is the tenant id.
create function outbox_notify() returns trigger
language plpgsql
as $$
begin
  perform pg_notify('tessera_outbox', coalesce(current_setting('app.tenant_id', true), ''));
  return null;
end
$$;
create trigger outbox_notify after insert on outbox
  for each statement execute function outbox_notify();
