-- The audit log as a hash chain per organisation (issue #7, docs/audit.md).
--
-- Entry n of a tenant stores seq = n (gapless per tenant), prev_hash (the hash
-- of entry n-1, 32 zero bytes for n = 1) and hash = sha256(prev_hash || digest),
-- where digest = sha256(the canonical text of the entry, audit_entry_text()).
-- Personal data (before, after, ip) enters the digest only as salted
-- commitments sha256(salt || field || ':' || value); the salt sits in its own
-- column, so erasing a person nulls the data and the salt and every hash still
-- verifies. src/audit/core/entry-digest.ts computes the same bytes in
-- TypeScript; verification never trusts the database's arithmetic.
--
-- A BEFORE INSERT trigger assigns seq, prev_hash and hash under the tenant's
-- chain head row (audit_chain_heads), locked by its UPDATE until the
-- transaction ends: appends in one tenant serialise on that row only; other
-- tenants never wait. Callers insert exactly as before (one statement, no
-- round trip of its own), and no caller can choose its own seq or hash.

alter table audit_log
  add column seq bigint,
  add column prev_hash bytea,
  add column hash bytea,
  add column salt bytea,
  add column before_commitment bytea,
  add column after_commitment bytea,
  add column ip_commitment bytea;

create table audit_chain_heads (
  tenant_id uuid not null references tenants (id),
  seq bigint not null,
  hash bytea not null,
  updated_at timestamptz not null default now(),
  primary key (tenant_id)
);
alter table audit_chain_heads enable row level security;
alter table audit_chain_heads force row level security;
create policy tenant_isolation on audit_chain_heads
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
-- Insert and update only through the audit trigger (audit_chain_heads_guard refuses direct writes).
grant select, insert, update on audit_chain_heads to tessera_app, tessera_operator;

-- One field of the canonical text: name=<octets>:<value> or name=- for NULL, one per line.
create function audit_field(p_name text, p_value text) returns text
language sql immutable
as $$ select p_name || '=' || coalesce(octet_length(p_value)::text || ':' || p_value, '-') || E'\n' $$;

-- A salted commitment to one personal field (NULL stays NULL: nothing to commit to).
create function audit_commitment(p_salt bytea, p_name text, p_value text) returns bytea
language sql immutable
as $$ select case when p_value is null then null else sha256(p_salt || convert_to(p_name || ':' || p_value, 'UTF8')) end $$;

-- The canonical text an entry's digest is taken over. Times in UTC with
-- microseconds; commitments in hex; the personal data itself never appears.
create function audit_entry_text(e audit_log) returns text
language sql immutable
as $$
  select 'tessera.audit.v1' || E'\n'
    || audit_field('tenant_id', e.tenant_id::text)
    || audit_field('seq', e.seq::text)
    || audit_field('id', e.id::text)
    || audit_field('occurred_at', to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    || audit_field('actor_type', e.actor_type)
    || audit_field('actor_id', e.actor_id::text)
    || audit_field('action', e.action)
    || audit_field('target_type', e.target_type)
    || audit_field('target_id', e.target_id)
    || audit_field('request_id', e.request_id)
    || audit_field('before', encode(e.before_commitment, 'hex'))
    || audit_field('after', encode(e.after_commitment, 'hex'))
    || audit_field('ip', encode(e.ip_commitment, 'hex'))
$$;

-- 256 bits from gen_random_uuid (pg_strong_random; 244 of them random), no pgcrypto needed.
create function audit_new_salt() returns bytea
language sql volatile
as $$ select decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex') $$;

create function audit_log_chain() returns trigger
language plpgsql
as $$
declare
  head_seq bigint;
  head_hash bytea;
begin
  insert into audit_chain_heads (tenant_id, seq, hash) values (new.tenant_id, 0, decode(repeat('00', 32), 'hex'))
    on conflict (tenant_id) do nothing;
  select h.seq, h.hash into head_seq, head_hash from audit_chain_heads h where h.tenant_id = new.tenant_id for update;
  new.salt := audit_new_salt();
  new.before_commitment := audit_commitment(new.salt, 'before', new.before::text);
  new.after_commitment := audit_commitment(new.salt, 'after', new.after::text);
  new.ip_commitment := audit_commitment(new.salt, 'ip', new.ip::text);
  new.seq := head_seq + 1;
  new.prev_hash := head_hash;
  new.hash := sha256(head_hash || sha256(convert_to(audit_entry_text(new), 'UTF8')));
  update audit_chain_heads set seq = new.seq, hash = new.hash, updated_at = now() where tenant_id = new.tenant_id;
  return new;
end;
$$;

-- Append-only, enforced for every role including the owner. The one
-- exception is GDPR erasure (docs/audit.md): with `set local
-- tessera.audit_erasure = 'on'` an UPDATE may set before, after, ip and salt
-- to NULL and change nothing else, so every hash still verifies. Entries are
-- never deleted.
create function audit_log_append_only() returns trigger
language plpgsql
as $$
begin
  if tg_op = 'UPDATE' and current_setting('tessera.audit_erasure', true) = 'on'
     and (new.before is null or new.before = old.before)
     and (new.after is null or new.after = old.after)
     and (new.ip is null or new.ip = old.ip)
     and (new.salt is null or new.salt = old.salt)
     and (new.tenant_id, new.id, new.seq, new.prev_hash, new.hash, new.occurred_at, new.actor_type, new.actor_id,
          new.action, new.target_type, new.target_id, new.request_id, new.before_commitment, new.after_commitment, new.ip_commitment)
         is not distinct from
         (old.tenant_id, old.id, old.seq, old.prev_hash, old.hash, old.occurred_at, old.actor_type, old.actor_id,
          old.action, old.target_type, old.target_id, old.request_id, old.before_commitment, old.after_commitment, old.ip_commitment)
  then
    return new;
  end if;
  raise exception 'audit_log is append-only (% refused)', tg_op using errcode = 'TS423';
end;
$$;

-- The chain heads change only inside audit_log_chain (trigger depth 2).
create function audit_chain_heads_guard() returns trigger
language plpgsql
as $$
begin
  if pg_trigger_depth() < 2 then
    raise exception 'audit_chain_heads is written only by the audit trigger (% refused)', tg_op using errcode = 'TS423';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;

create function audit_refuse() returns trigger
language plpgsql
as $$
begin
  raise exception '% is append-only (% refused)', tg_table_name, tg_op using errcode = 'TS423';
end;
$$;

-- Backfill: chain the existing entries per tenant in (occurred_at, id) order.
-- The owner is subject to the forced RLS, so it is lifted for this transaction only.
alter table audit_log no force row level security;
alter table audit_chain_heads no force row level security;
do $$
declare
  entry audit_log;
  current_tenant uuid := null;
  prev bytea;
  next_seq bigint;
begin
  for entry in select * from audit_log order by tenant_id, occurred_at, id loop
    if current_tenant is distinct from entry.tenant_id then
      if current_tenant is not null then
        insert into audit_chain_heads (tenant_id, seq, hash) values (current_tenant, next_seq, prev);
      end if;
      current_tenant := entry.tenant_id;
      prev := decode(repeat('00', 32), 'hex');
      next_seq := 0;
    end if;
    next_seq := next_seq + 1;
    entry.salt := audit_new_salt();
    entry.before_commitment := audit_commitment(entry.salt, 'before', entry.before::text);
    entry.after_commitment := audit_commitment(entry.salt, 'after', entry.after::text);
    entry.ip_commitment := audit_commitment(entry.salt, 'ip', entry.ip::text);
    entry.seq := next_seq;
    entry.prev_hash := prev;
    entry.hash := sha256(prev || sha256(convert_to(audit_entry_text(entry), 'UTF8')));
    update audit_log set seq = entry.seq, prev_hash = entry.prev_hash, hash = entry.hash, salt = entry.salt,
      before_commitment = entry.before_commitment, after_commitment = entry.after_commitment, ip_commitment = entry.ip_commitment
      where tenant_id = entry.tenant_id and id = entry.id;
    prev := entry.hash;
  end loop;
  if current_tenant is not null then
    insert into audit_chain_heads (tenant_id, seq, hash) values (current_tenant, next_seq, prev);
  end if;
end;
$$;
alter table audit_log force row level security;
alter table audit_chain_heads force row level security;

alter table audit_log
  alter column seq set not null,
  alter column prev_hash set not null,
  alter column hash set not null;
-- Gapless and unforked: one entry per (tenant, seq); also the index verify and keyset pages read.
alter table audit_log add constraint audit_log_seq_key unique (tenant_id, seq);

create trigger audit_log_chain before insert on audit_log for each row execute function audit_log_chain();
create trigger audit_log_append_only before update or delete on audit_log for each row execute function audit_log_append_only();
create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function audit_refuse();
create trigger audit_chain_heads_guard before insert or update or delete on audit_chain_heads for each row execute function audit_chain_heads_guard();
create trigger audit_chain_heads_no_truncate before truncate on audit_chain_heads for each statement execute function audit_refuse();

-- Signed checkpoints: the chain head signed with the server's Ed25519 key, so
-- an auditor holding the public key can prove the log was not rewritten wholesale.
create table audit_checkpoints (
  tenant_id uuid not null references tenants (id),
  seq bigint not null,
  hash bytea not null,
  signed_at timestamptz not null,
  key_id text not null,
  signature bytea not null,
  primary key (tenant_id, seq)
);
alter table audit_checkpoints enable row level security;
alter table audit_checkpoints force row level security;
create policy tenant_isolation on audit_checkpoints
  using (tenant_id = (select nullif(current_setting('app.tenant_id', true), '')::uuid));
grant select, insert on audit_checkpoints to tessera_app;
create trigger audit_checkpoints_append_only before update or delete on audit_checkpoints for each row execute function audit_refuse();
create trigger audit_checkpoints_no_truncate before truncate on audit_checkpoints for each statement execute function audit_refuse();

-- Filters of GET /api/audit that are worth an index: by actor and by target, newest first.
create index audit_log_actor on audit_log (tenant_id, actor_id, seq);
create index audit_log_target on audit_log (tenant_id, target_type, target_id, seq);
