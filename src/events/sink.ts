// The contract between the outbox dispatcher and whatever consumes events
// (webhooks: helper H's src/webhooks; JetStream: src/events/nats). The
// dispatcher claims a tenant's pending outbox rows with FOR UPDATE SKIP LOCKED
// inside one transaction entered as that tenant (tessera_app, RLS applies),
// hands them to every sink in id order, then marks them published in the same
// transaction. So:
//  - a sink sees each event at least once; it sees it again only if the claim
//    transaction rolled back (a sink threw, or the process died before COMMIT).
//    Use `event.id` as the idempotency key (it is the delivery id everywhere);
//  - two dispatchers never hold the same row at once (SKIP LOCKED);
//  - events arrive in id (UUIDv7, time) order per tenant, hence per record;
//  - the JSON body every transport sends is eventEnvelope(event) (envelope.ts).
import type { TenantTx } from '../platform/db/tenant-database.ts';

/** An outbox row as dispatched. */
export interface OutboxEvent {
  /** UUIDv7; the delivery id (`webhook-id`, JetStream `Nats-Msg-Id`). */
  readonly id: string;
  readonly tenantId: string;
  /** e.g. `record.created`; see src/events/catalogue.ts. */
  readonly type: string;
  readonly subject: { readonly type: string; readonly id: string | null };
  /** The event's JSON payload as stored (an object for every emitted event). */
  readonly payload: unknown;
  readonly occurredAt: Date;
}

/**
 * Where dispatched events go. Both hooks are optional.
 *
 * `inTransaction` runs inside the claim transaction, before the rows are
 * marked published, with the rows still locked. Database sinks insert here
 * (webhooks: one delivery row per matching endpoint, `tx` is already entered
 * as `events[0].tenantId`; every event in one call belongs to that tenant).
 * External sinks that need at-least-once (JetStream) publish here too. Throwing
 * rolls the whole claim back: the rows stay pending and the dispatcher retries
 * the tenant later with backoff (so keep it fast and bounded by a timeout).
 *
 * `afterCommit` runs after the claim committed, best effort: an error is logged
 * and never retried. Use it for nudges (e.g. wake the webhook delivery worker),
 * never for anything that must not be lost.
 */
export interface EventSink {
  /** For logs and metrics, e.g. 'webhooks', 'nats'. */
  readonly name: string;
  inTransaction?(tx: TenantTx, events: readonly OutboxEvent[]): Promise<void>;
  afterCommit?(events: readonly OutboxEvent[]): Promise<void>;
}
