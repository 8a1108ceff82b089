// Invitations: a gestor invites an email with a role; the invitee accepts
// with the one-time token, choosing a password, and becomes a member with a
// session. The token embeds the organisation id (see auth/opaque-token.ts), so
// acceptance, which has no bearer token, can enter the right tenant; only a
// hash of its secret is stored.
import { recordAudit } from '../audit/index.ts';
import { createOpaqueToken, hashPassword, parseOpaqueToken, sameHash, type Session, type SessionIssuer } from '../auth/index.ts';
import { emitEvent } from '../events/index.ts';
import type { RequestOrigin, TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { isPgError } from '../platform/db/sqlstate.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors } from '../platform/http/errors.ts';
import { newId } from '../platform/ids.ts';
import type { RateLimiter } from '../platform/rate-limit.ts';
import { INSERT_MEMBER, toMember, toTenant, type Member, type MemberRow, type Tenant, type TenantRow } from '../tenancy/index.ts';
import { INVITATION_TOKEN_PREFIX, INVITATION_TTL_DAYS } from './core/invitation.ts';
import { MembersErrors } from './members.errors.ts';
import type { AcceptInvitationBody, CreateInvitationBody, Invitation } from './members.schemas.ts';
import {
  INSERT_INVITATION,
  LIST_INVITATIONS,
  LOCK_INVITATION,
  LOCK_INVITATION_EMAIL,
  LOCK_PENDING_FOR_EMAIL,
  MARK_ACCEPTED,
  REVOKE_INVITATION,
  SELECT_MEMBER_BY_EMAIL,
  SELECT_TENANT,
} from './members.sql.ts';
import { toInvitation, type InvitationRow } from './rows.ts';

/** Acceptance attempts per IP per minute: enough for people, too few to guess tokens. */
const ACCEPTS_PER_MINUTE = 20;

export interface CreatedInvitation {
  invitation: Invitation;
  token: string;
}

export interface AcceptResult extends Session {
  tenant: Tenant;
  user: Member;
}

async function revokeWithAudit(tx: TenantTx, row: InvitationRow, actor: TenantCall['actor'], origin: RequestOrigin): Promise<Invitation> {
  const { rows } = await tx.query<InvitationRow>(REVOKE_INVITATION, [row.id]);
  const after = toInvitation(rows[0] as InvitationRow);
  await recordAudit(tx, {
    actor,
    action: 'member.invitation_revoked',
    target: { type: 'invitation', id: row.id },
    before: toInvitation(row),
    after,
    origin,
  });
  await emitEvent(tx, { type: 'member.invitation_revoked', subject: { type: 'invitation', id: row.id }, payload: { invitation: after } });
  return after;
}

export class InvitationsService {
  constructor(
    private readonly db: Database,
    private readonly sessions: SessionIssuer,
    private readonly rateLimiter: RateLimiter,
  ) {}

  /**
   * Invites an email. A pending invitation for the same email is revoked and
   * replaced (its token stops working), so "send it again" needs no cleanup.
   */
  async create(call: TenantCall, input: CreateInvitationBody): Promise<CreatedInvitation> {
    const email = input.email.toLowerCase();
    const id = newId();
    const token = createOpaqueToken(INVITATION_TOKEN_PREFIX, call.scope.tenantId, id);
    return this.db.tenant.transaction(call.scope, async (tx) => {
      await tx.query(LOCK_INVITATION_EMAIL, [email]);
      const existing = await tx.query(SELECT_MEMBER_BY_EMAIL, [email]);
      if (existing.rows.length > 0) throw new AppError(MembersErrors['member-exists'], `${email} is already a member of this organisation.`);

      const replaced = await tx.query<InvitationRow>(LOCK_PENDING_FOR_EMAIL, [email]);
      for (const row of replaced.rows) await revokeWithAudit(tx, row, call.actor, call.origin);
      const { rows } = await tx.query<InvitationRow>(INSERT_INVITATION, [
        id,
        email,
        input.role,
        token.secretHash,
        call.actor.type === 'user' ? call.actor.id : null,
        INVITATION_TTL_DAYS,
      ]);
      const invitation = toInvitation(rows[0] as InvitationRow);
      await recordAudit(tx, { actor: call.actor, action: 'member.invited', target: { type: 'invitation', id }, after: invitation, origin: call.origin });
      await emitEvent(tx, {
        type: 'member.invited',
        subject: { type: 'invitation', id },
        payload: { invitation, replaced: replaced.rows.map((row) => row.id) },
      });
      return { invitation, token: token.token };
    });
  }

  async list(call: TenantCall): Promise<Invitation[]> {
    const { rows } = await this.db.tenant.query<InvitationRow>(call.scope, LIST_INVITATIONS);
    return rows.map(toInvitation);
  }

  /**
   * Revokes a pending invitation. Revoking one that is already revoked or
   * expired changes nothing (it is unusable either way); an accepted one is
   * 409: the member has to be removed instead.
   */
  async revoke(call: TenantCall, id: string): Promise<void> {
    await this.db.tenant.transaction(call.scope, async (tx) => {
      const { rows } = await tx.query<InvitationRow>(LOCK_INVITATION, [id]);
      const row = rows[0];
      if (!row) throw new AppError(PlatformErrors['not-found'], 'No such invitation.');
      if (row.status === 'accepted') {
        throw new AppError(MembersErrors['invitation-used'], 'This invitation was accepted; remove the member instead.');
      }
      if (row.status === 'pending') await revokeWithAudit(tx, row, call.actor, call.origin);
    });
  }

  /** Public: the invitee becomes a member and gets a session, all in one transaction. */
  async accept(input: AcceptInvitationBody, origin: RequestOrigin): Promise<AcceptResult> {
    await this.rateLimiter.hit({ key: `accept:ip:${origin.ip ?? 'unknown'}`, max: ACCEPTS_PER_MINUTE, windowSeconds: 60 });
    const parsed = parseOpaqueToken(INVITATION_TOKEN_PREFIX, input.token);
    if (parsed === null) throw new AppError(MembersErrors['invitation-invalid']);
    // Hashed before the transaction: scrypt is slow and must not hold the row lock.
    const passwordHash = await hashPassword(input.senha);
    try {
      return await this.db.tenant.transaction({ tenantId: parsed.tenantId, userId: null }, async (tx) => {
        const { rows } = await tx.query<InvitationRow & { token_hash: Buffer }>(LOCK_INVITATION, [parsed.id]);
        const row = rows[0];
        if (!row || !sameHash(row.token_hash, parsed.secretHash)) throw new AppError(MembersErrors['invitation-invalid']);
        if (row.status === 'accepted') throw new AppError(MembersErrors['invitation-used']);
        if (row.status === 'revoked') throw new AppError(MembersErrors['invitation-revoked']);
        if (row.status === 'expired') throw new AppError(MembersErrors['invitation-expired']);

        const existing = await tx.query(SELECT_MEMBER_BY_EMAIL, [row.email]);
        if (existing.rows.length > 0) throw new AppError(MembersErrors['member-exists'], `${row.email} is already a member of this organisation.`);

        const userId = newId();
        const userRows = await tx.query<MemberRow>(INSERT_MEMBER, [userId, row.email, input.nome ?? null, passwordHash, row.role]);
        const user = toMember(userRows.rows[0] as MemberRow);
        const accepted = await tx.query<InvitationRow>(MARK_ACCEPTED, [row.id, userId]);
        const invitation = toInvitation(accepted.rows[0] as InvitationRow);
        const tenantRows = await tx.query<TenantRow>(SELECT_TENANT);
        const tenant = toTenant(tenantRows.rows[0] as TenantRow);

        const actor = { type: 'user', id: userId } as const;
        await recordAudit(tx, { actor, action: 'member.joined', target: { type: 'user', id: userId }, after: { ...user, invitation_id: row.id }, origin });
        await emitEvent(tx, { type: 'member.joined', subject: { type: 'user', id: userId }, payload: { member: user, invitation } });
        const session = await this.sessions.issue(tx, { userId, role: user.role });
        return { tenant, user, ...session };
      });
    } catch (error) {
      if (isPgError(error)) {
        // A well-formed token naming an organisation that does not exist.
        if (error.code === 'TS404') throw new AppError(MembersErrors['invitation-invalid']);
        // Another invitation for the same email was accepted concurrently.
        if (error.code === '23505' && error.constraint === 'users_email_key') {
          throw new AppError(MembersErrors['member-exists'], 'This email is already a member of this organisation.');
        }
      }
      throw error;
    }
  }
}
