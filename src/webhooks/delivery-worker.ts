// The webhook delivery worker: polls the deliveries due across organisations
// (webhook_deliveries_due, migration 0014), and for each one, inside its
// organisation as the system:
//   1. claims it (FOR UPDATE SKIP LOCKED, then a lease: next_attempt_at moves
//      past the attempt's timeout) in a short transaction;
//   2. POSTs it, signed, OUTSIDE any transaction (send-webhook.ts);
//   3. records the outcome in a second transaction: delivered; retried later
//      with backoff; given up; on 410 the endpoint is disabled at once, and
//      when a delivery is given up after the endpoint failed for half the retry
//      window with no success, the endpoint is disabled and its organisation's
//      gestores notified.
// Deliveries are rows, so nothing is lost when a process stops: a delivery
// in flight when the process died is due again once its lease ends (the
// receiver may then see the same webhook-id twice, never a different one).
// Any number of workers may run: the claim is exclusive.
import { recordAudit } from '../audit/index.ts';
import { eventEnvelope } from '../events/index.ts';
import { insertNotifications } from '../notifications/index.ts';
import type { Database } from '../platform/db/database.ts';
import type { TenantScope } from '../platform/db/tenant-database.ts';
import { PollingLoop } from '../platform/polling-loop.ts';
import { attemptOutcome, type AttemptOutcome, type AttemptResult } from './core/attempt-outcome.ts';
import { MAX_ATTEMPTS, retryWindowMs } from './core/backoff.ts';
import { signedHeaders } from './core/signing.ts';
import { sendWebhook } from './send-webhook.ts';
import {
  CLAIM_DELIVERY,
  DISABLE_ENDPOINT,
  DUE,
  ENDPOINT_FAILED,
  ENDPOINT_SUCCEEDED,
  MARK_ATTEMPT_FAILED,
  MARK_DELIVERED,
} from './webhooks.sql.ts';

export interface DeliveryWorkerOptions {
  /** Sleep between polls when nothing is due. */
  readonly pollMs: number;
  /** Due deliveries taken per poll (webhook_deliveries_due answers at most 500). */
  readonly batch: number;
  /** Per attempt; 10 s by default. */
  readonly timeoutMs?: number;
  /** TESSERA_WEBHOOKS_ALLOW_PRIVATE. */
  readonly allowPrivate: boolean;
  /** Now; the real clock by default. */
  readonly clock?: () => Date;
  /** A value in [0, 1) for the backoff's jitter; Math.random by default. */
  readonly random?: () => number;
  readonly maxAttempts?: number;
  /** Called with every attempt made (tests, metrics). */
  readonly onAttempt?: (attempt: { deliveryId: string; endpointId: string; result: AttemptResult; outcome: AttemptOutcome }) => void;
}

export interface DeliveryLogger {
  warn(object: Record<string, unknown>, message: string): void;
}

interface ClaimedRow {
  id: string;
  tenant_id: string;
  event_type: string;
  occurred_at: Date;
  subject_type: string;
  subject_id: string | null;
  data: unknown;
  attempts: number;
  url: string;
  secret: Buffer;
  previous_secret: Buffer | null;
}

const SYSTEM = { type: 'system' } as const;
const NO_ORIGIN = { requestId: null, ip: null } as const;

export class DeliveryWorker {
  private readonly loop: PollingLoop;
  private readonly clock: () => Date;
  private readonly random: () => number;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly db: Database,
    private readonly options: DeliveryWorkerOptions,
    private readonly log: DeliveryLogger,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
    this.loop = new PollingLoop(
      options.pollMs,
      async () => {
        const { due, attempted } = await this.poll();
        return due >= this.options.batch && attempted > 0;
      },
      (error) => this.log.warn({ err: error }, 'webhook delivery worker: could not read the queue'),
    );
  }

  start(): void {
    this.loop.start();
  }

  wake(): void {
    this.loop.wake();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One poll: every delivery due now (at most `batch`), attempted in turn. Answers how many were attempted. */
  async runOnce(): Promise<number> {
    return (await this.poll()).attempted;
  }

  private async poll(): Promise<{ due: number; attempted: number }> {
    const now = this.clock();
    const { rows } = await this.db.global.query<{ tenant_id: string; endpoint_id: string; delivery_id: string }>(DUE, [
      now.toISOString(),
      this.options.batch,
    ]);
    let attempted = 0;
    for (const row of rows) {
      if (this.loop.stopping) break;
      try {
        if (await this.attempt(row.tenant_id, row.endpoint_id, row.delivery_id, now)) attempted += 1;
      } catch (error) {
        // One delivery's database trouble never stops the others; its lease makes it due again.
        this.log.warn({ err: error, delivery_id: row.delivery_id }, 'webhook delivery worker: attempt failed');
      }
    }
    return { due: rows.length, attempted };
  }

  private async attempt(tenantId: string, endpointId: string, deliveryId: string, now: Date): Promise<boolean> {
    const scope: TenantScope = { tenantId, userId: null };
    // The lease outlasts the attempt, so no other worker takes it meanwhile.
    const leaseUntil = new Date(now.getTime() + this.timeoutMs + 60_000);
    const claimed = await this.db.tenant.transaction(scope, async (tx) => {
      const { rows } = await tx.query<ClaimedRow>(CLAIM_DELIVERY, [endpointId, deliveryId, now.toISOString(), leaseUntil.toISOString()]);
      return rows[0] ?? null;
    });
    if (claimed === null) return false;

    // The envelope every transport sends (src/events/envelope.ts), rebuilt from the stored delivery: the same bytes at every attempt.
    const body = JSON.stringify(
      eventEnvelope({
        id: claimed.id,
        tenantId: claimed.tenant_id,
        type: claimed.event_type,
        occurredAt: claimed.occurred_at,
        subject: { type: claimed.subject_type, id: claimed.subject_id },
        payload: claimed.data,
      }),
    );
    const keys = claimed.previous_secret === null ? [claimed.secret] : [claimed.secret, claimed.previous_secret];
    const headers = signedHeaders(claimed.id, this.clock(), body, keys);
    const result = await sendWebhook(claimed.url, headers, body, { timeoutMs: this.timeoutMs, allowPrivate: this.options.allowPrivate });
    const outcome = attemptOutcome(result, claimed.attempts, this.random(), this.maxAttempts);
    await this.record(scope, endpointId, deliveryId, result, outcome, now);
    this.options.onAttempt?.({ deliveryId, endpointId, result, outcome });
    return true;
  }

  /** `now`: when the attempt began; the backoff counts from there. */
  private async record(scope: TenantScope, endpointId: string, deliveryId: string, result: AttemptResult, outcome: AttemptOutcome, now: Date): Promise<void> {
    const code = result.kind === 'response' ? result.status : null;
    const error = result.kind === 'error' ? result.message : outcome.kind === 'delivered' ? null : `HTTP ${code}`;
    await this.db.tenant.transaction(scope, async (tx) => {
      if (outcome.kind === 'delivered') {
        await tx.query(MARK_DELIVERED, [endpointId, deliveryId, now.toISOString(), code, result.durationMs]);
        await tx.query(ENDPOINT_SUCCEEDED, [endpointId]);
        return;
      }
      const retryAt = outcome.kind === 'retry' ? new Date(now.getTime() + outcome.delayMs).toISOString() : null;
      await tx.query(MARK_ATTEMPT_FAILED, [endpointId, deliveryId, outcome.kind === 'retry' ? 'pending' : 'failed', retryAt, code, result.durationMs, error]);
      const { rows } = await tx.query<{ failing_since: Date }>(ENDPOINT_FAILED, [endpointId, now.toISOString()]);
      const failingSince = rows[0]?.failing_since;
      let reason: 'gone' | 'failing' | null = null;
      if (outcome.kind === 'gone') reason = 'gone';
      else if (outcome.kind === 'given_up' && failingSince !== undefined && now.getTime() - failingSince.getTime() >= retryWindowMs(this.maxAttempts) / 2) {
        reason = 'failing';
      }
      if (reason === null) return;
      const disabled = await tx.query<{ id: string; url: string }>(DISABLE_ENDPOINT, [endpointId, reason]);
      const endpoint = disabled.rows[0];
      if (endpoint === undefined) return;
      await recordAudit(tx, {
        actor: SYSTEM,
        action: 'webhook.disabled',
        target: { type: 'webhook_endpoint', id: endpointId },
        after: { enabled: false, disabled_reason: reason },
        origin: NO_ORIGIN,
      });
      await insertNotifications(tx, {
        users: [],
        roles: ['gestor'],
        teams: [],
        record: null,
        title: 'Webhook endpoint disabled',
        body:
          reason === 'gone'
            ? `${endpoint.url} answered 410 Gone, so Tessera stopped sending to it. Re-enable it (PATCH /api/webhooks/${endpointId} {"enabled": true}) once it accepts events again.`
            : `${endpoint.url} has been failing for about a day, so Tessera stopped sending to it. Pending deliveries are kept; re-enable it (PATCH /api/webhooks/${endpointId} {"enabled": true}) once it works.`,
      });
    });
  }
}
