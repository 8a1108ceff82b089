// Builds the outbox dispatcher with the sinks the configuration asks for, the
// same way in the server (src/app.ts) and in `tessera worker`. Sinks owned by
// other capabilities (webhooks) are passed in; they run before JetStream, so
// a database sink that fails publishes nothing to NATS for that claim.
import type { Config } from '../../config.ts';
import type { Database } from '../../platform/db/database.ts';
import { NatsSink } from '../nats/nats-sink.ts';
import type { EventSink, OutboxEvent } from '../sink.ts';
import { OutboxDispatcher, type DispatcherLogger } from './dispatcher.ts';

export type DispatcherConfig = Pick<Config, 'natsUrl' | 'dispatcherPollMs' | 'dispatcherBatch'>;

export interface EventDispatch {
  readonly dispatcher: OutboxDispatcher;
  readonly sinks: readonly EventSink[];
  start(): Promise<void>;
  /** Stops the dispatcher, then closes the NATS connection. */
  stop(): Promise<void>;
}

export function createEventDispatch(
  db: Database,
  config: DispatcherConfig,
  options: {
    /** The runtime connection URL, for LISTEN; null: polling only. */
    readonly listenUrl: string | null;
    readonly log: DispatcherLogger;
    readonly sinks?: readonly EventSink[];
    readonly onDispatched?: (events: readonly OutboxEvent[]) => void;
  },
): EventDispatch {
  const nats = config.natsUrl === null ? null : new NatsSink({ url: config.natsUrl });
  const sinks = [...(options.sinks ?? []), ...(nats ? [nats] : [])];
  const dispatcher = new OutboxDispatcher(
    db,
    sinks,
    {
      pollMs: config.dispatcherPollMs,
      batch: config.dispatcherBatch,
      listenUrl: options.listenUrl,
      ...(options.onDispatched ? { onDispatched: options.onDispatched } : {}),
    },
    options.log,
  );
  return {
    dispatcher,
    sinks,
    start: () => dispatcher.start(),
    stop: async () => {
      await dispatcher.stop();
      await nats?.close();
    },
  };
}
