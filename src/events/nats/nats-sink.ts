// Publishes dispatched events to NATS JetStream (docs/events.md, "NATS
// JetStream"): stream TESSERA_EVENTS on `tessera.>` (created when missing),
// subject `tessera.<tenant_id>.<event_type>`, message id = event id, so a
// publish repeated after a failed claim is dropped by JetStream's
// de-duplication window. It publishes inside the claim (EventSink
// inTransaction): a row is marked published only once JetStream acknowledged
// it. When NATS is down this throws; the rows stay pending and the
// dispatcher retries the organisation with backoff; nothing else stops.
import { jetstream, jetstreamManager, type JetStreamClient, type StreamConfig } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { EventSink, OutboxEvent } from '../sink.ts';
import { eventEnvelope } from '../envelope.ts';

export const STREAM_NAME = 'TESSERA_EVENTS';

export interface NatsSinkOptions {
  /** e.g. nats://127.0.0.1:4222 (a comma-separated list is allowed). */
  readonly url: string;
  readonly stream?: string;
  /** Subject prefix; `tessera` by default. The stream captures `<prefix>.>`. */
  readonly prefix?: string;
  /** How long JetStream remembers message ids to drop repeats; 10 minutes by default. */
  readonly duplicateWindowMs?: number;
  /** Wait for a connection and for each acknowledgement at most this long; 5 s by default. */
  readonly timeoutMs?: number;
}

/** Subject tokens may not contain spaces, dots inside a token, `*` or `>`; event types are code-defined, but never trust a name. */
function token(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}

export function natsSubject(prefix: string, event: Pick<OutboxEvent, 'tenantId' | 'type'>): string {
  return [prefix, token(event.tenantId), ...event.type.split('.').map(token)].join('.');
}

export class NatsSink implements EventSink {
  readonly name = 'nats';
  private connection: Promise<{ nc: NatsConnection; js: JetStreamClient }> | null = null;
  private readonly prefix: string;
  private readonly stream: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: NatsSinkOptions) {
    this.prefix = options.prefix ?? 'tessera';
    this.stream = options.stream ?? STREAM_NAME;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  async inTransaction(_tx: unknown, events: readonly OutboxEvent[]): Promise<void> {
    const { js } = await this.connected();
    // One connection keeps publish order; waiting for all acks together costs one round trip.
    const acks = events.map((event) =>
      js.publish(natsSubject(this.prefix, event), JSON.stringify(eventEnvelope(event)), { msgID: event.id, timeout: this.timeoutMs }),
    );
    const results = await Promise.allSettled(acks);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) {
      // A connection that lost its server answers nothing useful; start afresh next time.
      await this.reset();
      throw failed.reason;
    }
  }

  async close(): Promise<void> {
    await this.reset();
  }

  private connected(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    if (this.connection === null) {
      const attempt = this.open();
      this.connection = attempt;
      attempt.catch(() => {
        if (this.connection === attempt) this.connection = null;
      });
    }
    return this.connection;
  }

  private async open(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    const nc = await connect({ servers: this.options.url.split(','), name: 'tessera-dispatcher', timeout: this.timeoutMs, maxReconnectAttempts: -1 });
    try {
      await this.ensureStream(nc);
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw error;
    }
    void nc.closed().then(() => {
      this.connection = null;
    });
    return { nc, js: jetstream(nc, { timeout: this.timeoutMs }) };
  }

  /** The stream, created when missing; an existing one is left as its operator configured it. */
  private async ensureStream(nc: NatsConnection): Promise<void> {
    const jsm = await jetstreamManager(nc, { timeout: this.timeoutMs });
    const config: Partial<StreamConfig> & { name: string } = {
      name: this.stream,
      subjects: [`${this.prefix}.>`],
      duplicate_window: (this.options.duplicateWindowMs ?? 600_000) * 1_000_000,
    };
    try {
      await jsm.streams.info(this.stream);
    } catch {
      await jsm.streams.add(config);
    }
  }

  private async reset(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (connection === null) return;
    const open = await connection.catch(() => null);
    await open?.nc.close().catch(() => undefined);
  }
}
