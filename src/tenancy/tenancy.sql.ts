const TENANT_COLUMNS = `id, slug, nome, plano, ai_token_quota, vertical, status, created_at, updated_at`;
export const MEMBER_COLUMNS = `id, email, nome, role, created_at, updated_at`;

export const INSERT_TENANT = `
  insert into tenants (id, slug, nome, plano, ai_token_quota, vertical)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, $5)
  returning ${TENANT_COLUMNS}`;

export const INSERT_MEMBER = `
  insert into users (tenant_id, id, email, nome, password_hash, role)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, $5)
  returning ${MEMBER_COLUMNS}`;

/** The row RLS lets the caller see: their own organisation. */
export const SELECT_CURRENT_TENANT = `select ${TENANT_COLUMNS} from tenants`;

export const LOCK_CURRENT_TENANT = `select ${TENANT_COLUMNS} from tenants for update`;

export const UPDATE_CURRENT_TENANT = `
  update tenants set nome = $1, plano = $2, ai_token_quota = $3, vertical = $4, updated_at = now()
  returning ${TENANT_COLUMNS}`;

const SETTINGS_COLUMNS = `time_zone, locale, currency, updated_at`;

export const INSERT_DEFAULT_SETTINGS = `
  insert into tenant_settings (tenant_id) values (current_setting('app.tenant_id')::uuid)
  returning ${SETTINGS_COLUMNS}`;

export const SELECT_SETTINGS = `select ${SETTINGS_COLUMNS} from tenant_settings`;

export const LOCK_SETTINGS = `select ${SETTINGS_COLUMNS} from tenant_settings for update`;

export const UPDATE_SETTINGS = `
  update tenant_settings set time_zone = $1, locale = $2, currency = $3, updated_at = now()
  returning ${SETTINGS_COLUMNS}`;
