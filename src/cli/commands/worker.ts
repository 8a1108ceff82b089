// `tessera worker`: the outbox dispatcher (webhooks, NATS JetStream) as its
// own process, for scaling out: run any number of them beside servers started
// with TESSERA_DISPATCHER=false (or beside the servers' own dispatchers: they
// never deliver a row twice at once, see src/events/dispatcher). Runs until
// SIGTERM or SIGINT (or `until`, for tests), then finishes the claim in hand.
import { pino } from 'pino';
import type { Config } from '../../config.ts';
import { createEventDispatch } from '../../events/dispatcher/index.ts';
import type { EventSink } from '../../events/sink.ts';
import { Database } from '../../platform/db/database.ts';
import { provisionDatabase } from '../../platform/db/provision.ts';
import { DeliveryWorker, WebhookSink } from '../../webhooks/index.ts';

export interface WorkerOptions {
  /** Resolves when the worker should stop; SIGTERM/SIGINT by default. */
  readonly until?: Promise<void>;
  /** Sinks besides the webhooks' (tests). */
  readonly sinks?: readonly EventSink[];
}

function signalled(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
}

export async function workerCommand(config: Config, out: (line: string) => void, options: WorkerOptions = {}): Promise<void> {
  const database = await provisionDatabase(config, { migrate: config.migrateOnStart });
  const log = pino({ level: config.logLevel, base: { component: 'outbox-dispatcher' } });
  const db = new Database({
    appUrl: database.appUrl,
    operatorUrl: database.operatorUrl,
    poolSize: config.dbPoolSize,
    onPoolError: (error) => log.error({ err: error }, 'idle database connection failed'),
  });
  // The worker also sends the webhook deliveries its sink writes (as a server does when TESSERA_WEBHOOK_WORKER is on).
  const deliveries = new DeliveryWorker(db, { pollMs: config.webhookPollMs, batch: 100, allowPrivate: config.webhooksAllowPrivate }, log.child({ component: 'webhook-deliveries' }));
  const sinks = [new WebhookSink(() => deliveries.wake()), ...(options.sinks ?? [])];
  const dispatch = createEventDispatch(db, config, { listenUrl: database.appUrl, log, sinks });
  try {
    await dispatch.start();
    deliveries.start();
    out(`Dispatching events${config.natsUrl === null ? '' : ' (and to NATS JetStream)'}; stop with Ctrl-C or SIGTERM.`);
    await (options.until ?? signalled());
    out('Stopping: finishing the claim in hand.');
  } finally {
    await dispatch.stop();
    await deliveries.stop();
    await db.close();
    await database.stop();
  }
}
