-- Foundation: organisations, members, sign-in, API keys, audit and outbox.
-- Runs as tessera_owner. Conventions for every tenant table (checked by
-- test/platform/catalogue.test.ts): tenant_id uuid not null leads the primary
-- key, every unique constraint and every foreign key; RLS enabled and forced
-- with the policy below; grants to tessera_app are explicit and minimal.

-- Organisations. The directory of tenants: each organisation sees only its
-- own row; operators see all of them through their own role.
create table tenants (
  id uuid primary key,
  slug text not null,
  nome text not null,
  plano text not null check (plano in ('starter', 'pro', 'business', 'enterprise')),
  ai_token_quota bigint not null check (ai_token_quota >= 0),
  vertical text,
  status text not null default 'active' check (status in ('active', 'suspended', 'cancelled')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Slugs are public names (subdomains), unique across the platform by design.
  constraint tenants_slug_key unique (slug)
);
alter table tenants enable row level security;
alter table tenants force row level security;
create policy tenant_isolation on tenants
  using (id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
create policy operator_directory on tenants to tessera_operator using (true) with check (true);
grant select, insert, update (nome, plano, ai_token_quota, vertical, updated_at) on tenants to tessera_app;
grant select, update (status, updated_at) on tenants to tessera_operator;

-- Members. An account belongs to one organisation; the same email may have
-- accounts in several (login then asks for the slug).
create table users (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  email text not null check (email = lower(email)),
  nome text,
  password_hash text not null,
  role text not null check (role in ('gestor', 'cliente')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  constraint users_email_key unique (tenant_id, email)
);
create index users_email_lookup on users (email);
alter table users enable row level security;
alter table users force row level security;
create policy tenant_isolation on users
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (nome, role, password_hash, updated_at), delete on users to tessera_app;

-- Refresh tokens, rotated on every use. A token presented after it was
-- rotated revokes its whole family (RFC 9700, refresh token rotation).
create table refresh_tokens (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  family_id uuid not null,
  user_id uuid not null,
  token_hash bytea not null,
  expires_at timestamptz not null,
  rotated_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, user_id) references users (tenant_id, id) on delete cascade
);
create index refresh_tokens_family on refresh_tokens (tenant_id, family_id);
create index refresh_tokens_user on refresh_tokens (tenant_id, user_id);
alter table refresh_tokens enable row level security;
alter table refresh_tokens force row level security;
create policy tenant_isolation on refresh_tokens
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (rotated_at, revoked_at) on refresh_tokens to tessera_app;

-- Invitations: the token is shown once; only its hash is stored.
create table invitations (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  email text not null check (email = lower(email)),
  role text not null check (role in ('gestor', 'cliente')),
  token_hash bytea not null,
  invited_by uuid,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_user_id uuid,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, invited_by) references users (tenant_id, id) on delete set null (invited_by)
);
alter table invitations enable row level security;
alter table invitations force row level security;
create policy tenant_isolation on invitations
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (accepted_at, accepted_user_id, revoked_at) on invitations to tessera_app;

-- API keys. Only an HMAC of the secret is stored; keys are revoked, never
-- deleted, so their usage history stays.
create table api_keys (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  nome text not null,
  escopo text not null,
  prefix text not null,
  secret_hash bytea not null,
  expira_em timestamptz,
  created_by uuid,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  revoked_by uuid,
  last_used_at timestamptz,
  last_used_ip inet,
  primary key (tenant_id, id),
  foreign key (tenant_id, created_by) references users (tenant_id, id) on delete set null (created_by),
  foreign key (tenant_id, revoked_by) references users (tenant_id, id) on delete set null (revoked_by)
);
-- Not unique: a unique index without tenant_id would leak across tenants.
-- Keys carry about 178 random bits (30 base62 characters), so the lookup finds one row.
create index api_keys_secret_lookup on api_keys (secret_hash);
alter table api_keys enable row level security;
alter table api_keys force row level security;
create policy tenant_isolation on api_keys
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (revoked_at, revoked_by, last_used_at, last_used_ip) on api_keys to tessera_app;

-- Per-key, per-day, per-IP request counts, flushed in batches by each server
-- process (at most about once a minute per key).
create table api_key_usage (
  tenant_id uuid not null,
  api_key_id uuid not null,
  day date not null,
  ip inet not null,
  request_count bigint not null check (request_count >= 0),
  last_seen_at timestamptz not null,
  primary key (tenant_id, api_key_id, day, ip),
  foreign key (tenant_id, api_key_id) references api_keys (tenant_id, id)
);
alter table api_key_usage enable row level security;
alter table api_key_usage force row level security;
create policy tenant_isolation on api_key_usage
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert, update (request_count, last_seen_at) on api_key_usage to tessera_app;

-- Audit log: append-only for the runtime role (no UPDATE or DELETE grant).
-- Issue #6 adds the hash chain; callers only ever go through recordAudit().
create table audit_log (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  occurred_at timestamptz not null default now(),
  actor_type text not null check (actor_type in ('user', 'api_key', 'operator', 'system', 'anonymous')),
  actor_id uuid,
  action text not null,
  target_type text not null,
  target_id text,
  before jsonb,
  after jsonb,
  request_id text,
  ip inet,
  primary key (tenant_id, id)
);
alter table audit_log enable row level security;
alter table audit_log force row level security;
create policy tenant_isolation on audit_log
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert on audit_log to tessera_app, tessera_operator;

-- Outbox: domain events written in the transaction of the change; issue #6
-- delivers them (webhooks, NATS) and marks them published.
create table outbox (
  tenant_id uuid not null references tenants (id),
  id uuid not null,
  event_type text not null,
  subject_type text not null,
  subject_id text,
  payload jsonb not null,
  occurred_at timestamptz not null default now(),
  published_at timestamptz,
  primary key (tenant_id, id)
);
create index outbox_unpublished on outbox (occurred_at) where published_at is null;
alter table outbox enable row level security;
alter table outbox force row level security;
create policy tenant_isolation on outbox
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert on outbox to tessera_app, tessera_operator;

-- Platform operators: not members of any organisation. Only the operator role
-- reads them; the CLI creates them as the owner.
create table operators (
  id uuid primary key,
  email text not null check (email = lower(email)),
  password_hash text not null,
  created_at timestamptz not null default now(),
  disabled_at timestamptz,
  constraint operators_email_key unique (email)
);
grant select on operators to tessera_operator;

-- Every operator action, across tenants, for the platform's own audit.
create table platform_audit_log (
  id uuid primary key,
  occurred_at timestamptz not null default now(),
  operator_id uuid references operators (id),
  action text not null,
  target_tenant uuid,
  details jsonb,
  request_id text,
  ip inet
);
grant select, insert on platform_audit_log to tessera_operator;

-- Fixed-window rate-limit counters shared by every server process. Unlogged:
-- losing them in a crash only resets the windows.
create unlogged table rate_limit_windows (
  bucket text not null,
  window_start timestamptz not null,
  hits integer not null,
  primary key (bucket, window_start)
);
grant select, insert, update, delete on rate_limit_windows to tessera_app;

-- Entering a tenant: sets the per-transaction settings the policies read and
-- refuses an organisation that is not active or a member who was removed.
-- SQLSTATEs TS401/TS403/TS404 are mapped to problem types in src/platform/db/sqlstate.ts.
create function tessera_enter_tenant(p_tenant uuid, p_user uuid, p_role text, p_require_active boolean)
returns void
language plpgsql
as $$
declare
  v_status text;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);
  perform set_config('app.user_id', coalesce(p_user::text, ''), true);
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
  if p_user is not null and not exists (
    select 1 from users where tenant_id = p_tenant and id = p_user and role = p_role
  ) then
    raise exception 'membership changed since the token was issued' using errcode = 'TS401';
  end if;
end
$$;
revoke all on function tessera_enter_tenant(uuid, uuid, text, boolean) from public;
grant execute on function tessera_enter_tenant(uuid, uuid, text, boolean) to tessera_app, tessera_operator;

-- Lookups that run before the tenant is known. They run as tessera_auth,
-- which may read just these rows through its own policies, and return only
-- what authentication needs.
create policy auth_lookup on tenants for select to tessera_auth using (true);
create policy auth_lookup on users for select to tessera_auth using (true);
create policy auth_lookup on api_keys for select to tessera_auth using (true);
grant select (id, slug, status) on tenants to tessera_auth;
grant select (tenant_id, id, email, role, password_hash) on users to tessera_auth;
grant select (tenant_id, id, escopo, secret_hash, expira_em, revoked_at) on api_keys to tessera_auth;

create function auth_login_candidates(p_email text)
returns table (tenant_id uuid, slug text, tenant_status text, user_id uuid, role text, password_hash text)
language sql
stable
security definer
set search_path = public, pg_temp
as $$
  select u.tenant_id, t.slug, t.status, u.id, u.role, u.password_hash
  from users u join tenants t on t.id = u.tenant_id
  where u.email = lower(p_email)
  order by t.slug
  limit 50
$$;
alter function auth_login_candidates(text) owner to tessera_auth;
revoke all on function auth_login_candidates(text) from public;
grant execute on function auth_login_candidates(text) to tessera_app;

create function auth_api_key(p_secret_hash bytea)
returns table (tenant_id uuid, key_id uuid, secret_hash bytea, escopo text, expira_em timestamptz, revoked_at timestamptz, tenant_status text)
language sql
stable
security definer
set search_path = public, pg_temp
as $$
  select k.tenant_id, k.id, k.secret_hash, k.escopo, k.expira_em, k.revoked_at, t.status
  from api_keys k join tenants t on t.id = k.tenant_id
  where k.secret_hash = p_secret_hash
  limit 1
$$;
alter function auth_api_key(bytea) owner to tessera_auth;
revoke all on function auth_api_key(bytea) from public;
grant execute on function auth_api_key(bytea) to tessera_app;
