// The JSON body of a dispatched event, the same for every transport (JetStream
// messages, webhook deliveries): snake_case, the payload under `data`.
import type { OutboxEvent } from './sink.ts';

export interface EventEnvelope {
  readonly id: string;
  readonly type: string;
  readonly tenant_id: string;
  readonly subject: { readonly type: string; readonly id: string | null };
  readonly occurred_at: string;
  readonly data: unknown;
}

export function eventEnvelope(event: OutboxEvent): EventEnvelope {
  return {
    id: event.id,
    type: event.type,
    tenant_id: event.tenantId,
    subject: event.subject,
    occurred_at: event.occurredAt.toISOString(),
    data: event.payload,
  };
}
