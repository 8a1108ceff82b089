export { emitEvent, type DomainEvent } from './emit-event.ts';
