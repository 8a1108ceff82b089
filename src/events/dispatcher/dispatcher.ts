// The outbox dispatcher: finds organisations with pending events
// (outbox_pending_tenants, migration 0013), and for each one claims the
// oldest pending rows inside the organisation's own transaction, hands them
// to every sink (sink.ts) and marks them published before COMMIT. Delivery is
// at least once: a sink that throws, or a process that dies before COMMIT,
// leaves the rows pending for the next round (this process or another one).
//
// Any number of dispatchers may run (the server's own, `tessera worker`
// processes): a per-tenant advisory lock keeps one dispatcher per
// organisation at a time (events leave in id order), and SKIP LOCKED keeps a
// row out of two claims even without it.
//
// Wakes on LISTEN/NOTIFY when given a listen URL, polls every `pollMs` anyway.
import type { Database } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-database.ts';
import { PollingLoop } from '../../platform/polling-loop.ts';
import type { EventSink, OutboxEvent } from '../sink.ts';
import { OutboxListener } from './outbox-listener.ts';
import { CLAIM, LOCK_TENANT, MARK_PUBLISHED, PENDING_TENANTS } from './outbox.sql.ts';
import { toOutboxEvent, type OutboxRow } from './outbox-rows.ts';

export interface DispatcherLogger {
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface OutboxDispatcherOptions {
  /** Sleep between polls when nothing is pending (or nothing could be sent). */
  readonly pollMs: number;
  /** Events per claim (per transaction) and organisations per poll. */
  readonly batch: number;
  /** The runtime connection URL to LISTEN on; null: polling only. */
  readonly listenUrl: string | null;
  /** Longest wait before retrying an organisation whose sinks failed; 60 s by default. */
  readonly maxBackoffMs?: number;
  /** Called after each committed claim (tests, metrics). */
  readonly onDispatched?: (events: readonly OutboxEvent[]) => void;
}

/** What one claim did. */
type ClaimOutcome = { readonly kind: 'sent'; readonly count: number } | { readonly kind: 'busy' } | { readonly kind: 'failed' };

export class OutboxDispatcher {
  private readonly loop: PollingLoop;
  private readonly listener: OutboxListener | null;
  /** Organisations whose sinks failed: when to try again and how often it failed in a row. */
  private readonly backoff = new Map<string, { retryAt: number; failures: number }>();

  constructor(
    private readonly db: Database,
    private readonly sinks: readonly EventSink[],
    private readonly options: OutboxDispatcherOptions,
    private readonly log: DispatcherLogger,
  ) {
    this.loop = new PollingLoop(
      options.pollMs,
      () => this.poll(),
      (error) => this.log.warn({ err: error }, 'outbox dispatcher: could not read the queue'),
    );
    this.listener = options.listenUrl === null ? null : new OutboxListener(options.listenUrl, () => this.loop.wake(), log);
  }

  async start(): Promise<void> {
    this.loop.start();
    await this.listener?.start();
  }

  /** Dispatch now instead of after the sleep (e.g. a test that just wrote). */
  wake(): void {
    this.loop.wake();
  }

  /** Finishes the claim in hand and stops; pending rows wait for the next dispatcher. */
  async stop(): Promise<void> {
    await this.listener?.stop();
    await this.loop.stop();
  }

  /**
   * One round over the organisations with pending events, each drained claim
   * by claim. Answers true when a claim was full and more may be waiting.
   * Tests call it directly with the loop not started.
   */
  async poll(): Promise<boolean> {
    const { rows } = await this.db.global.query<{ tenant_id: string }>(PENDING_TENANTS, [this.options.batch]);
    let more = false;
    const now = Date.now();
    for (const { tenant_id: tenantId } of rows) {
      if (this.loop.stopping) break;
      const waiting = this.backoff.get(tenantId);
      if (waiting && waiting.retryAt > now) continue;
      const outcome = await this.dispatchTenant(tenantId);
      if (outcome.kind === 'sent' && outcome.count >= this.options.batch) more = true;
    }
    return more;
  }

  /** Claims and sends one batch of an organisation's events. */
  private async dispatchTenant(tenantId: string): Promise<ClaimOutcome> {
    // The system acting: no member; suspended organisations' events still go out.
    const scope: TenantScope = { tenantId, userId: null, requireActive: false };
    let events: OutboxEvent[] = [];
    try {
      const claimed = await this.db.tenant.transaction(scope, async (tx) => {
        const lock = await tx.query<{ locked: boolean }>(LOCK_TENANT);
        if (lock.rows[0]?.locked !== true) return null;
        const { rows } = await tx.query<OutboxRow>(CLAIM, [this.options.batch]);
        const batch = rows.map(toOutboxEvent);
        if (batch.length === 0) return batch;
        for (const sink of this.sinks) {
          if (sink.inTransaction) await sink.inTransaction(tx, batch);
        }
        await tx.query(MARK_PUBLISHED, [batch.map((event) => event.id)]);
        return batch;
      });
      if (claimed === null) return { kind: 'busy' };
      events = claimed;
    } catch (error) {
      this.failed(tenantId, error);
      return { kind: 'failed' };
    }
    this.backoff.delete(tenantId);
    if (events.length > 0) {
      this.options.onDispatched?.(events);
      for (const sink of this.sinks) {
        if (!sink.afterCommit) continue;
        await sink.afterCommit(events).catch((error: unknown) => this.log.warn({ err: error, sink: sink.name }, 'outbox dispatcher: afterCommit failed'));
      }
    }
    return { kind: 'sent', count: events.length };
  }

  /** Exponential backoff with full jitter, per organisation, so one failing sink does not spin. */
  private failed(tenantId: string, error: unknown): void {
    const failures = (this.backoff.get(tenantId)?.failures ?? 0) + 1;
    const ceiling = Math.min(this.options.maxBackoffMs ?? 60_000, this.options.pollMs * 2 ** Math.min(failures, 16));
    const delay = this.options.pollMs + Math.random() * ceiling;
    this.backoff.set(tenantId, { retryAt: Date.now() + delay, failures });
    const log = failures === 1 ? this.log.warn.bind(this.log) : this.log.error.bind(this.log);
    log({ err: error, tenant_id: tenantId, failures, retry_in_ms: Math.round(delay) }, 'outbox dispatcher: sinks failed; events stay pending');
  }
}
