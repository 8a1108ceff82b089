// The single entry point for audit entries. It takes the caller's tenant
// transaction, so a change and its audit entry commit or roll back together.
// Issue #6 turns this into a hash chain without touching the call sites.
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { actorId, type Actor, type RequestOrigin } from '../platform/context.ts';
import { newId } from '../platform/ids.ts';
import { INSERT_AUDIT_ENTRY } from './audit.sql.ts';

export interface AuditEntry {
  readonly actor: Actor;
  /** Dotted verb, e.g. `api_key.created`, `member.removed`. */
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string | null };
  readonly before?: unknown;
  readonly after?: unknown;
  readonly origin: RequestOrigin;
}

export async function recordAudit(tx: TenantTx, entry: AuditEntry): Promise<void> {
  await tx.query(INSERT_AUDIT_ENTRY, [
    newId(),
    entry.actor.type,
    actorId(entry.actor),
    entry.action,
    entry.target.type,
    entry.target.id,
    entry.before === undefined ? null : JSON.stringify(entry.before),
    entry.after === undefined ? null : JSON.stringify(entry.after),
    entry.origin.requestId,
    entry.origin.ip,
  ]);
}
