// The outbox dispatcher's webhook sink (src/events/sink.ts): inside the claim
// transaction, one delivery row per (event, enabled endpoint of the event's
// organisation whose patterns match its type), in one statement. The rows
// commit with the outbox rows' `published` mark, so an event is turned into
// deliveries exactly once; a claim that rolls back and is retried inserts
// nothing twice (the delivery id is the event id, ON CONFLICT DO NOTHING).
// After the commit the delivery worker is woken, so deliveries go out
// without waiting for its next poll.
import type { EventSink, OutboxEvent } from '../events/index.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { patternsMatching } from './core/event-patterns.ts';
import { INSERT_DELIVERIES } from './webhooks.sql.ts';

/**
 * Deliveries of one subject reach an endpoint in event order; events without
 * a subject id are not ordered among themselves.
 */
export function orderingKey(subject: OutboxEvent['subject']): string | null {
  return subject.id === null ? null : `${subject.type}:${subject.id}`;
}

/** Writes the deliveries of `events` (all of the organisation `tx` entered) in the caller's transaction. */
export async function insertDeliveries(tx: TenantTx, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event) => ({
    id: event.id,
    type: event.type,
    occurred_at: event.occurredAt.toISOString(),
    subject_type: event.subject.type,
    subject_id: event.subject.id ?? undefined,
    data: event.payload ?? {},
    ordering_key: orderingKey(event.subject) ?? undefined,
    patterns: patternsMatching(event.type),
  }));
  await tx.query(INSERT_DELIVERIES, [JSON.stringify(rows)]);
}

export class WebhookSink implements EventSink {
  readonly name = 'webhooks';

  /** @param wake nudges the delivery worker (DeliveryWorker.wake) once deliveries committed */
  constructor(private readonly wake: () => void = () => undefined) {}

  async inTransaction(tx: TenantTx, events: readonly OutboxEvent[]): Promise<void> {
    await insertDeliveries(tx, events);
  }

  async afterCommit(): Promise<void> {
    this.wake();
  }
}
