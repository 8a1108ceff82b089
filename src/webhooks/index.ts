export { WebhooksService, ROTATION_OVERLAP_MS, type WebhooksOptions } from './webhooks.service.ts';
export { webhooksRoutes } from './webhooks.routes.ts';
export { WebhookSink, insertDeliveries } from './webhook-sink.ts';
export { DeliveryWorker, type DeliveryWorkerOptions } from './delivery-worker.ts';
export { WebhookErrors } from './webhooks.errors.ts';
