// Outbox rows as the dispatcher reads them, parsed (not cast) into the
// OutboxEvent the sinks receive.
import type { OutboxEvent } from '../sink.ts';

export interface OutboxRow {
  id: string;
  tenant_id: string;
  event_type: string;
  subject_type: string;
  subject_id: string | null;
  payload: unknown;
  occurred_at: Date;
}

export function toOutboxEvent(row: OutboxRow): OutboxEvent {
  if (typeof row.id !== 'string' || typeof row.tenant_id !== 'string' || typeof row.event_type !== 'string') {
    throw new Error('outbox row without id, tenant_id or event_type');
  }
  if (!(row.occurred_at instanceof Date)) throw new Error(`outbox row ${row.id}: occurred_at is not a timestamp`);
  return {
    id: row.id,
    tenantId: row.tenant_id,
    type: row.event_type,
    subject: { type: row.subject_type, id: row.subject_id },
    payload: row.payload,
    occurredAt: row.occurred_at,
  };
}
