export { emitEvent, queueEvents, type DomainEvent } from './emit-event.ts';
