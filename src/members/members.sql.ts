import { MEMBER_COLUMNS } from '../tenancy/index.ts';

// Every statement runs inside a tenant transaction: RLS limits it to the
// caller's organisation, so no statement filters by tenant_id itself.

export const LIST_MEMBERS = `select ${MEMBER_COLUMNS} from users order by created_at, id`;

export const SELECT_MEMBER_BY_EMAIL = `select id from users where email = $1`;

export const LOCK_MEMBER = `select ${MEMBER_COLUMNS} from users where id = $1 for update`;

/**
 * Locks every gestor row, in a fixed order so concurrent callers queue rather
 * than deadlock. A gestor demoted by a transaction that commits while this one
 * waits is re-checked and left out, so the count is the committed truth.
 */
export const LOCK_GESTORES = `select id from users where role = 'gestor' order by id for update`;

export const UPDATE_MEMBER = `
  update users set role = $2, nome = $3, updated_at = now() where id = $1
  returning ${MEMBER_COLUMNS}`;

/** Refresh tokens go with the member (on delete cascade). */
export const DELETE_MEMBER = `delete from users where id = $1`;

const INVITATION_STATUS = `
  case
    when accepted_at is not null then 'accepted'
    when revoked_at is not null then 'revoked'
    when expires_at <= now() then 'expired'
    else 'pending'
  end`;

const INVITATION_COLUMNS = `id, email, role, ${INVITATION_STATUS} as status, expires_at, created_at, invited_by, accepted_at, revoked_at`;

/**
 * Serialises invitations for one email within the organisation (a
 * transaction-scoped advisory lock), so two concurrent invitations for the
 * same address cannot both stay pending.
 */
export const LOCK_INVITATION_EMAIL = `
  select pg_advisory_xact_lock(hashtextextended('invitation:' || current_setting('app.tenant_id') || ':' || $1, 0))`;

export const LOCK_PENDING_FOR_EMAIL = `
  select ${INVITATION_COLUMNS} from invitations
  where email = $1 and accepted_at is null and revoked_at is null and expires_at > now()
  for update`;

export const INSERT_INVITATION = `
  insert into invitations (tenant_id, id, email, role, token_hash, invited_by, expires_at)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, $5, now() + make_interval(days => $6))
  returning ${INVITATION_COLUMNS}`;

export const LIST_INVITATIONS = `select ${INVITATION_COLUMNS} from invitations order by created_at desc, id desc`;

export const LOCK_INVITATION = `select ${INVITATION_COLUMNS}, token_hash from invitations where id = $1 for update`;

export const REVOKE_INVITATION = `update invitations set revoked_at = now() where id = $1 returning ${INVITATION_COLUMNS}`;

export const MARK_ACCEPTED = `
  update invitations set accepted_at = now(), accepted_user_id = $2 where id = $1
  returning ${INVITATION_COLUMNS}`;

/** The organisation being joined: the one row RLS shows inside its tenant. */
export const SELECT_TENANT = `select id, slug, nome, plano, ai_token_quota, vertical, status, created_at, updated_at from tenants`;
