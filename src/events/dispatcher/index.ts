export { OutboxDispatcher, type DispatcherLogger, type OutboxDispatcherOptions } from './dispatcher.ts';
export { createEventDispatch, type DispatcherConfig, type EventDispatch } from './create-dispatcher.ts';
export { OUTBOX_CHANNEL } from './outbox-listener.ts';
