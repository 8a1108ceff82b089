-- Row-level ACL on records (issue #4, access): for types whose visibility is
-- 'restricted' (entity_type_access), a record is visible only to its creator,
-- the members named in its `user` fields, the members and teams it is shared
-- with (record_shares), and gestores. Enforced here, by RLS, so every listing,
-- lookup and the query engine obey it without application filters.
-- docs/access.md describes the model.

-- Entering a tenant also sets app.role: the member's role once the
-- membership check has confirmed it, '' otherwise (API keys, operators,
-- signup). The record ACL reads it to let gestores see everything, so it is
-- never set from an unchecked role.
create or replace function tessera_enter_tenant(p_tenant uuid, p_user uuid, p_role text, p_require_active boolean)
returns void
language plpgsql
as $$
declare
  v_status text;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);
  perform set_config('app.user_id', coalesce(p_user::text, ''), true);
  perform set_config('app.role', '', true);
  if not p_require_active then
    return;
  end if;
  select status into v_status from tenants where id = p_tenant;
  if v_status is null then
    raise exception 'organisation not found' using errcode = 'TS404';
  elsif v_status <> 'active' then
    raise exception 'organisation is %', v_status using errcode = 'TS403';
  end if;
  -- A removed member, or one whose role changed since the token was issued,
  -- must sign in (or refresh) again: tokens never outlive the membership.
  if p_user is not null then
    if not exists (select 1 from users where tenant_id = p_tenant and id = p_user and role = p_role) then
      raise exception 'membership changed since the token was issued' using errcode = 'TS401';
    end if;
    perform set_config('app.role', p_role, true);
  end if;
end
$$;

-- The members named in a record's `user` fields (under the definition it was
-- last written with), so the ACL can find "records naming me" by index.
-- Maintained by the records service in the transaction that writes the
-- record. A member who leaves disappears from it (cascade); the value stays
-- in the record's data.
create table record_user_refs (
  tenant_id uuid not null,
  record_id uuid not null,
  user_id uuid not null,
  primary key (tenant_id, record_id, user_id),
  foreign key (tenant_id, record_id) references records (tenant_id, id) on delete cascade,
  foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);
create index record_user_refs_user on record_user_refs (tenant_id, user_id);
alter table record_user_refs enable row level security;
alter table record_user_refs force row level security;
create policy tenant_isolation on record_user_refs
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, delete on record_user_refs to tessera_app;

-- Refs of the records that exist already. The owner reads every tenant's rows
-- only while FORCE is lifted, inside this migration's transaction.
alter table records no force row level security;
alter table entity_types no force row level security;
alter table entity_type_versions no force row level security;
alter table users no force row level security;
alter table record_user_refs no force row level security;
insert into record_user_refs (tenant_id, record_id, user_id)
select distinct r.tenant_id, r.id, u.id
from records r
join entity_types t on t.tenant_id = r.tenant_id and t.key = r.type_key
join entity_type_versions v on v.tenant_id = t.tenant_id and v.type_key = t.key and v.version = t.current_version
cross join lateral jsonb_array_elements(v.definition -> 'fields') f
join users u on u.tenant_id = r.tenant_id and u.id::text = r.data ->> (f ->> 'key')
where f ->> 'type' = 'user';
alter table records force row level security;
alter table entity_types force row level security;
alter table entity_type_versions force row level security;
alter table users force row level security;
alter table record_user_refs force row level security;

-- Shares are addressed by an id of their own (DELETE .../access/{share_id}).
alter table record_shares add column id uuid not null default gen_random_uuid();
alter table record_shares add constraint record_shares_id_key unique (tenant_id, id);
-- A record's shares (the share routes, and the ACL's per-record lookup).
create index record_shares_record on record_shares (tenant_id, record_id);

-- The ACL itself: a RESTRICTIVE policy, so it narrows tenant_isolation (kept
-- unchanged) instead of widening it. FOR ALL: reads, updates and deletes see
-- only visible rows, and an insert must be visible to its writer (members
-- always create as themselves). Each sub-select is uncorrelated, so it runs
-- once per statement (a hashed sub-plan), not once per row. API keys
-- (app.user_id '') match no branch but the first: restricted records are
-- invisible to them.
create policy record_acl on records as restrictive
  using (
    type_key not in (select a.type_key from entity_type_access a where a.visibility = 'restricted')
    or (select current_setting('app.role', true)) = 'gestor'
    or created_by = (select nullif(current_setting('app.user_id', true), '')::uuid)
    or id in (
      select ref.record_id from record_user_refs ref
      where ref.user_id = (select nullif(current_setting('app.user_id', true), '')::uuid))
    or id in (
      select s.record_id from record_shares s
      where s.user_id = (select nullif(current_setting('app.user_id', true), '')::uuid)
         or s.team_id in (
           select m.team_id from team_members m
           where m.user_id = (select nullif(current_setting('app.user_id', true), '')::uuid)))
  );
