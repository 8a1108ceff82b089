// The single entry point for audit entries. It takes the caller's tenant
// transaction, so a change and its audit entry commit or roll back together.
// The database chains each entry as it is inserted (seq, salted commitments,
// hash: migration 0012, docs/audit.md), so callers never see the chain.
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { actorId, type Actor, type RequestOrigin } from '../platform/context.ts';
import { newId } from '../platform/ids.ts';
import { INSERT_AUDIT_ENTRIES, INSERT_AUDIT_ENTRY } from './audit.sql.ts';

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

/**
 * Many entries in one statement, queued on the caller's transaction
 * (TenantTx.queue): it travels with the transaction's next statement or its
 * commit, so the audit of a write (or of a whole bulk write) costs no round
 * trip of its own, and commits or rolls back with the change all the same.
 */
export function queueAudit(tx: TenantTx, entries: readonly AuditEntry[]): void {
  if (entries.length === 0) return;
  // One JSON document for all of them (JSON.stringify leaves out the keys whose value is undefined: NULL).
  const rows = entries.map((entry) => ({
    id: newId(),
    actor_type: entry.actor.type,
    actor_id: actorId(entry.actor) ?? undefined,
    action: entry.action,
    target_type: entry.target.type,
    target_id: entry.target.id ?? undefined,
    before: entry.before,
    after: entry.after,
    request_id: entry.origin.requestId ?? undefined,
    ip: entry.origin.ip ?? undefined,
  }));
  tx.queue(INSERT_AUDIT_ENTRIES, [JSON.stringify(rows)]);
}
