export const LOGIN_CANDIDATES = `select tenant_id, slug, tenant_status, user_id, role, password_hash from auth_login_candidates($1)`;

export const INSERT_REFRESH_TOKEN = `
  insert into refresh_tokens (tenant_id, id, family_id, user_id, token_hash, expires_at)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, now() + make_interval(secs => $5))`;

export const LOCK_REFRESH_TOKEN = `
  select r.id, r.family_id, r.user_id, r.token_hash, r.rotated_at, r.revoked_at, r.expires_at <= now() as expired, u.role
  from refresh_tokens r join users u on u.tenant_id = r.tenant_id and u.id = r.user_id
  where r.id = $1
  for update of r`;

export const MARK_ROTATED = `update refresh_tokens set rotated_at = now() where id = $1`;

export const REVOKE_FAMILY = `update refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null`;
