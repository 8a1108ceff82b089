// Writers (every capability) import from here; the dispatcher, sinks and the
// catalogue route are imported from their own modules by src/app.ts and the
// worker command, so capabilities do not load the NATS client.
export { emitEvent, queueEvents, type DomainEvent } from './emit-event.ts';
export type { EventSink, OutboxEvent } from './sink.ts';
export { eventEnvelope, type EventEnvelope } from './envelope.ts';
