const KEY_COLUMNS = `id, nome, escopo, prefix, expira_em, created_at, created_by, revoked_at, last_used_at, host(last_used_ip) as last_used_ip`;

export const INSERT_API_KEY = `
  insert into api_keys (tenant_id, id, nome, escopo, prefix, secret_hash, expira_em, created_by)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, $5, $6, $7)
  returning ${KEY_COLUMNS}`;

export const LIST_API_KEYS = `select ${KEY_COLUMNS} from api_keys order by created_at desc, id desc`;

export const LOCK_API_KEY = `select ${KEY_COLUMNS} from api_keys where id = $1 for update`;

export const REVOKE_API_KEY = `
  update api_keys set revoked_at = now(), revoked_by = $2 where id = $1
  returning ${KEY_COLUMNS}`;

export const SELECT_API_KEY = `select ${KEY_COLUMNS} from api_keys where id = $1`;

export const LOOKUP_API_KEY = `select tenant_id, key_id, secret_hash, escopo, expira_em <= now() as expired, revoked_at, tenant_status from auth_api_key($1)`;

export const USAGE_HISTORY = `
  select day::text as day, host(ip) as ip, request_count, last_seen_at
  from api_key_usage where api_key_id = $1
  order by day desc, ip limit 1000`;

/** One upsert per (key, day, ip) bucket; arrays keep it one statement per flush. */
export const UPSERT_USAGE = `
  insert into api_key_usage (tenant_id, api_key_id, day, ip, request_count, last_seen_at)
  select current_setting('app.tenant_id')::uuid, u.key_id, u.day, u.ip, u.n, u.seen
  from unnest($1::uuid[], $2::date[], $3::inet[], $4::bigint[], $5::timestamptz[]) as u(key_id, day, ip, n, seen)
  on conflict (tenant_id, api_key_id, day, ip) do update
    set request_count = api_key_usage.request_count + excluded.request_count,
        last_seen_at = greatest(api_key_usage.last_seen_at, excluded.last_seen_at)`;

export const UPDATE_LAST_USED = `
  update api_keys k set last_used_at = u.seen, last_used_ip = u.ip
  from unnest($1::uuid[], $2::timestamptz[], $3::inet[]) as u(key_id, seen, ip)
  where k.id = u.key_id and (k.last_used_at is null or k.last_used_at < u.seen)`;
