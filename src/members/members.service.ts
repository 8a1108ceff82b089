// Members of the caller's organisation: listing, role and name changes, and
// removal. An organisation always keeps a gestor: demoting or removing one
// first locks every gestor row, so concurrent changes are decided one at a
// time against committed data. Invitations live in invitations.service.ts.
import { recordAudit } from '../audit/index.ts';
import type { SessionIssuer } from '../auth/index.ts';
import { emitEvent } from '../events/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { DatabaseErrors } from '../platform/db/sqlstate.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors } from '../platform/http/errors.ts';
import type { RateLimiter } from '../platform/rate-limit.ts';
import { toMember, type Member, type MemberRow } from '../tenancy/index.ts';
import { InvitationsService } from './invitations.service.ts';
import { MembersErrors } from './members.errors.ts';
import type { PatchMemberBody } from './members.schemas.ts';
import { DELETE_MEMBER, LIST_MEMBERS, LOCK_GESTORES, LOCK_MEMBER, UPDATE_MEMBER } from './members.sql.ts';

/**
 * Locks the gestor rows and returns their ids. The caller's role was checked
 * when the transaction began; checking it again under the lock refuses a
 * gestor demoted by a concurrent request that committed meanwhile.
 */
async function lockGestores(tx: TenantTx, call: TenantCall): Promise<Set<string>> {
  const { rows } = await tx.query<{ id: string }>(LOCK_GESTORES);
  const gestores = new Set(rows.map((row) => row.id));
  if (call.actor.type === 'user' && !gestores.has(call.actor.id)) {
    throw new AppError(DatabaseErrors['membership-changed']);
  }
  return gestores;
}

async function lockMember(tx: TenantTx, id: string): Promise<Member> {
  const { rows } = await tx.query<MemberRow>(LOCK_MEMBER, [id]);
  const row = rows[0];
  if (!row) throw new AppError(PlatformErrors['not-found'], 'No such member.');
  return toMember(row);
}

function refuseLastGestor(member: Member, gestores: Set<string>, action: string): void {
  if (member.role === 'gestor' && gestores.size <= 1) {
    throw new AppError(MembersErrors['last-gestor'], `${member.email} is the organisation's only gestor and cannot be ${action}.`);
  }
}

export class MembersService {
  readonly invitations: InvitationsService;

  constructor(
    private readonly db: Database,
    sessions: SessionIssuer,
    rateLimiter: RateLimiter,
  ) {
    this.invitations = new InvitationsService(db, sessions, rateLimiter);
  }

  async list(call: TenantCall): Promise<Member[]> {
    const { rows } = await this.db.tenant.query<MemberRow>(call.scope, LIST_MEMBERS);
    return rows.map(toMember);
  }

  async update(call: TenantCall, id: string, patch: PatchMemberBody): Promise<Member> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      // Gestor rows first, then the member: the same order as remove(), so
      // concurrent changes wait for each other instead of deadlocking.
      const gestores = patch.role === undefined ? null : await lockGestores(tx, call);
      const before = await lockMember(tx, id);
      const role = patch.role ?? before.role;
      const nome = patch.nome === undefined ? before.nome : patch.nome;
      if (role === before.role && nome === before.nome) return before;
      if (gestores !== null && role !== 'gestor') refuseLastGestor(before, gestores, 'demoted');

      const { rows } = await tx.query<MemberRow>(UPDATE_MEMBER, [id, role, nome]);
      const after = toMember(rows[0] as MemberRow);
      await recordAudit(tx, { actor: call.actor, action: 'member.updated', target: { type: 'user', id }, before, after, origin: call.origin });
      if (role !== before.role) {
        await emitEvent(tx, {
          type: 'member.role_changed',
          subject: { type: 'user', id },
          payload: { member: after, from: before.role, to: role },
        });
      }
      return after;
    });
  }

  /** Removes the member; their refresh tokens go with them and their access tokens stop working at once. */
  async remove(call: TenantCall, id: string): Promise<void> {
    await this.db.tenant.transaction(call.scope, async (tx) => {
      const gestores = await lockGestores(tx, call);
      const before = await lockMember(tx, id);
      refuseLastGestor(before, gestores, 'removed');
      await tx.query(DELETE_MEMBER, [id]);
      await recordAudit(tx, { actor: call.actor, action: 'member.removed', target: { type: 'user', id }, before, origin: call.origin });
      await emitEvent(tx, { type: 'member.removed', subject: { type: 'user', id }, payload: { member: before } });
    });
  }
}
