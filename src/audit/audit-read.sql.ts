// Reads of the audit chain (GET /api/audit, verify, checkpoints). Every value
// is bound; optional filters are `$n is null or ...` so the statements stay static.

const LIST_COLUMNS = `seq, id, occurred_at, actor_type, actor_id, action, target_type, target_id, request_id,
  ip::text as ip, before, after, hash, prev_hash, (salt is null) as erased`;

// $1 actor_type, $2 actor_id, $3 action prefix, $4 target_type, $5 target_id,
// $6 from (inclusive), $7 to (exclusive), $8 cursor seq, $9 limit.
const FILTERS = `
  ($1::text is null or actor_type = $1)
  and ($2::uuid is null or actor_id = $2)
  and ($3::text is null or starts_with(action, $3))
  and ($4::text is null or target_type = $4)
  and ($5::text is null or target_id = $5)
  and ($6::timestamptz is null or occurred_at >= $6)
  and ($7::timestamptz is null or occurred_at < $7)`;

export const LIST_AUDIT_DESC = `
  select ${LIST_COLUMNS} from audit_log
  where ${FILTERS} and ($8::bigint is null or seq < $8)
  order by seq desc limit $9`;

export const LIST_AUDIT_ASC = `
  select ${LIST_COLUMNS} from audit_log
  where ${FILTERS} and ($8::bigint is null or seq > $8)
  order by seq asc limit $9`;

/** The canonical text forms the trigger hashed (see audit_entry_text in migration 0012). */
export const READ_CHAIN = `
  select seq, tenant_id::text as tenant_id, id::text as id,
    to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as occurred_at,
    actor_type, actor_id::text as actor_id, action, target_type, target_id, request_id,
    before::text as before, after::text as after, ip::text as ip,
    salt, before_commitment, after_commitment, ip_commitment, prev_hash, hash
  from audit_log where seq >= $1 and seq <= $2 order by seq limit $3`;

export const READ_HASH_AT = `select hash from audit_log where seq = $1`;

export const READ_HEAD = `select seq, hash from audit_chain_heads`;

export const LATEST_CHECKPOINT = `select seq, signed_at from audit_checkpoints order by seq desc limit 1`;

export const INSERT_CHECKPOINT = `
  insert into audit_checkpoints (tenant_id, seq, hash, signed_at, key_id, signature)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, $5)
  on conflict (tenant_id, seq) do nothing`;

export const LIST_CHECKPOINTS = `
  select seq, hash, signed_at, key_id, signature from audit_checkpoints order by seq desc limit $1`;
