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

/** Many events in one statement: $1 is a JSON array of events, one object each with the columns below. */
const INSERT_OUTBOX_MANY = `
  insert into outbox (tenant_id, id, event_type, subject_type, subject_id, payload)
  select current_setting('app.tenant_id')::uuid, u.id, u.event_type, u.subject_type, u.subject_id, u.payload
  from jsonb_to_recordset($1::jsonb) as u(id uuid, event_type text, subject_type text, subject_id text, payload jsonb)`;

/**
 * Many events in one statement, queued on the caller's transaction
 * (TenantTx.queue): sent with its next statement or its commit, so they cost
 * no round trip of their own. Returns the event ids, in order.
 */
export function queueEvents(tx: TenantTx, events: readonly DomainEvent[]): string[] {
  const ids = events.map(() => newId());
  if (events.length === 0) return ids;
  const rows = events.map((event, index) => ({
    id: ids[index],
    event_type: event.type,
    subject_type: event.subject.type,
    subject_id: event.subject.id ?? undefined,
    payload: event.payload,
  }));
  tx.queue(INSERT_OUTBOX_MANY, [JSON.stringify(rows)]);
  return ids;
}
