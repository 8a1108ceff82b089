// LISTEN tessera_outbox on a dedicated connection (a pooled one would be
// handed to requests): every commit that wrote outbox rows wakes the
// dispatcher at once. Losing the connection only costs latency: the
// dispatcher's poll finds the rows; the listener reconnects after a pause.
import pg from 'pg';

export const OUTBOX_CHANNEL = 'tessera_outbox';

export interface ListenerLogger {
  warn(object: object, message: string): void;
}

export class OutboxListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    /** Called with the tenant id of each notification. */
    private readonly onNotify: (tenantId: string) => void,
    private readonly log: ListenerLogger,
    private readonly reconnectMs = 5_000,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url, application_name: 'tessera-outbox-listener' });
    client.on('notification', (message) => {
      if (message.channel === OUTBOX_CHANNEL) this.onNotify(message.payload ?? '');
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      await client.query(`listen ${OUTBOX_CHANNEL}`);
      if (this.stopped) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      // Whatever was committed while we were not listening: the caller polls once.
      this.onNotify('');
    } catch (error) {
      await client.end().catch(() => undefined);
      this.lost(client, error);
    }
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.stopped || this.retry) return;
    if (this.client !== null && this.client !== client) return;
    this.client = null;
    if (error) this.log.warn({ err: error }, 'outbox listener: connection lost; polling until it is back');
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, this.reconnectMs);
    this.retry.unref();
  }
}
