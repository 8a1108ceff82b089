// Shares of single records with a team or a member (record_shares), which the
// row ACL reads for records of restricted types. The record's creator and
// gestores manage them; a record the caller cannot see is 404 (the row ACL
// hides it), one they see but did not create is 403. Each change writes its
// audit entry and event in the same transaction.
import { recordAudit } from '../audit/index.ts';
import { loadCurrentType } from '../entities/index.ts';
import { emitEvent } from '../events/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import { isPgError } from '../platform/db/sqlstate.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors } from '../platform/http/errors.ts';
import { newId } from '../platform/ids.ts';
import { DELETE_SHARE, LIST_SHARES, UPSERT_SHARE } from './access.sql.ts';
import type { Share, ShareBody } from './record-shares.schemas.ts';
import { RecordErrors } from './records.errors.ts';
import { SELECT_RECORD } from './records.sql.ts';

interface ShareRow {
  id: string;
  record_id: string;
  principal_kind: 'team' | 'user';
  principal_id: string;
  access: 'read' | 'write';
  created_at: Date;
  created_by: string | null;
}

function toShare(row: ShareRow): Share {
  return {
    id: row.id,
    record_id: row.record_id,
    principal: row.principal_kind === 'team' ? { team: row.principal_id } : { user: row.principal_id },
    access: row.access,
    created_at: row.created_at.toISOString(),
    created_by: row.created_by,
  };
}

export class RecordSharesService {
  constructor(private readonly db: Database) {}

  /** Shares the record (or changes the access of an existing share of the same principal). */
  async share(call: TenantCall, type: string, id: string, body: ShareBody): Promise<{ share: Share; created: boolean }> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      await this.manageable(tx, call, type, id);
      const [kind, principalId] = 'team' in body.principal ? (['team', body.principal.team] as const) : (['user', body.principal.user] as const);
      let row: ShareRow & { inserted: boolean };
      try {
        row = (await tx.query<ShareRow & { inserted: boolean }>(UPSERT_SHARE, [newId(), id, kind, principalId.toLowerCase(), body.access, call.scope.userId])).rows[0] as ShareRow & { inserted: boolean };
      } catch (error) {
        // The composite foreign keys refuse a team or member of another organisation (or none).
        if (!isPgError(error) || error.code !== '23503') throw error;
        throw new AppError(PlatformErrors['validation-failed'], `No ${kind} ${principalId} in this organisation.`, [
          { pointer: `/principal/${kind}`, message: `is not a ${kind === 'team' ? 'team' : 'member'} of this organisation` },
        ]);
      }
      const share = toShare(row);
      await recordAudit(tx, { actor: call.actor, action: 'record.shared', target: { type: 'record', id }, after: share, origin: call.origin });
      await emitEvent(tx, { type: 'record.shared', subject: { type: 'record', id }, payload: { type, share } });
      return { share, created: row.inserted };
    });
  }

  async list(call: TenantCall, type: string, id: string): Promise<Share[]> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      await this.manageable(tx, call, type, id);
      return (await tx.query<ShareRow>(LIST_SHARES, [id])).rows.map(toShare);
    });
  }

  async unshare(call: TenantCall, type: string, id: string, shareId: string): Promise<void> {
    await this.db.tenant.transaction(call.scope, async (tx) => {
      await this.manageable(tx, call, type, id);
      const row = (await tx.query<ShareRow>(DELETE_SHARE, [id, shareId])).rows[0];
      if (!row) throw new AppError(PlatformErrors['not-found'], `No share ${shareId} of record ${id}.`);
      const share = toShare(row);
      await recordAudit(tx, { actor: call.actor, action: 'record.unshared', target: { type: 'record', id }, before: share, origin: call.origin });
      await emitEvent(tx, { type: 'record.unshared', subject: { type: 'record', id }, payload: { type, share } });
    });
  }

  /** The record exists, the caller sees it (404 otherwise), and is a gestor or its creator (403 otherwise). */
  private async manageable(tx: TenantTx, call: TenantCall, type: string, id: string): Promise<void> {
    if (!(await loadCurrentType(tx, type))) throw new AppError(PlatformErrors['not-found'], `No entity type "${type}" in this organisation.`);
    const record = (await tx.query<{ created_by: string | null }>(SELECT_RECORD, [type, id])).rows[0];
    if (!record) throw new AppError(PlatformErrors['not-found'], `No ${type} record ${id} in this organisation.`);
    if (call.role === 'gestor' || (call.scope.userId !== null && record.created_by === call.scope.userId)) return;
    throw new AppError(RecordErrors['record-access-denied'], 'Only the record\'s creator and gestores manage its shares.');
  }
}
