// The single entry point for domain events: an outbox row in the caller's
// transaction. Issue #6 delivers outbox rows to webhooks and NATS.
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { newId } from '../platform/ids.ts';

export interface DomainEvent {
  /** e.g. `tenant.created`, `api_key.revoked`. */
  readonly type: string;
  readonly subject: { readonly type: string; readonly id: string | null };
  readonly payload: Readonly<Record<string, unknown>>;
}

const INSERT_OUTBOX = `
  insert into outbox (tenant_id, id, event_type, subject_type, subject_id, payload)
  values (current_setting('app.tenant_id')::uuid, $1, $2, $3, $4, $5)`;

/** Returns the event id, which is also its delivery id everywhere. */
export async function emitEvent(tx: TenantTx, event: DomainEvent): Promise<string> {
  const id = newId();
  await tx.query(INSERT_OUTBOX, [id, event.type, event.subject.type, event.subject.id, JSON.stringify(event.payload)]);
  return id;
}
