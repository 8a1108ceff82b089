// Statements run as tessera_operator. The operator role sees every row of
// tenants through its own policy (operator_directory); writes into one
// organisation's tables go through db.operatorTenant, which enters it first.
const TENANT_COLUMNS = `id, slug, nome, plano, ai_token_quota, vertical, status, created_at, updated_at`;

export const SELECT_OPERATOR_BY_EMAIL = `select id, password_hash, disabled_at is not null as disabled from operators where email = $1`;

export const SELECT_OPERATOR_ACTIVE = `select disabled_at is null as active from operators where id = $1`;

/**
 * One page of the directory, newest first. The position of each row is the
 * exact created_at (microseconds, UTC) and id; the parameters are all
 * optional so the statement stays static: $1 status, $2 slug prefix,
 * $3/$4 the position of the previous page's last row, $5 the page size.
 */
export const LIST_TENANTS = `
  select ${TENANT_COLUMNS},
         to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position_at
  from tenants
  where ($1::text is null or status = $1)
    and ($2::text is null or starts_with(slug, $2))
    and ($3::timestamptz is null or (created_at, id) < ($3::timestamptz, $4::uuid))
  order by created_at desc, id desc
  limit $5`;

export const SELECT_TENANT = `select ${TENANT_COLUMNS} from tenants where id = $1`;

export const LOCK_TENANT = `select ${TENANT_COLUMNS} from tenants where id = $1 for update`;

export const UPDATE_TENANT_STATUS = `
  update tenants set status = $2, updated_at = now() where id = $1
  returning ${TENANT_COLUMNS}`;

export const INSERT_PLATFORM_AUDIT = `
  insert into platform_audit_log (id, operator_id, action, target_tenant, details, request_id, ip)
  values ($1, $2, $3, $4, $5, $6, $7)`;
