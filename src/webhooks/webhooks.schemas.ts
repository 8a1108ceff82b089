import { Type, type Static } from '@sinclair/typebox';
import { DateTime, NullableDateTime, StringEnum, Uuid } from '../platform/http/schemas.ts';
import { EVENT_PATTERN } from './core/event-patterns.ts';

const EventPattern = Type.String({
  pattern: EVENT_PATTERN,
  maxLength: 100,
  description: 'An event type (`record.created`), every type under a prefix (`record.*`) or `*`',
});
const Events = Type.Array(EventPattern, { minItems: 1, maxItems: 50, uniqueItems: true });
const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'https URL that receives the events (POST, Standard Webhooks)' });
const Description = Type.String({ maxLength: 500 });

export const CreateWebhookBody = Type.Object({ url: Url, events: Events, description: Type.Optional(Description) }, { additionalProperties: false });
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
    enabled: Type.Optional(Type.Boolean({ description: 'false pauses deliveries (they wait); true resumes them' })),
  },
  { additionalProperties: false },
);
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

export const WebhookSchema = Type.Object({
  id: Uuid,
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean(),
  disabled_reason: Type.Union([StringEnum(['gone', 'failing']), Type.Null()], {
    description: 'Why the server disabled it: `gone` (the receiver answered 410), `failing` (no success for about a day); null when enabled or paused by a gestor',
  }),
  failing_since: NullableDateTime,
  previous_secret_expires_at: Type.Union([DateTime, Type.Null()], { description: 'Until then the previous secret signs too (after a rotation)' }),
  created_at: DateTime,
  updated_at: DateTime,
});
export type WebhookView = Static<typeof WebhookSchema>;

export const WebhookWithSecretSchema = Type.Composite([
  WebhookSchema,
  Type.Object({ secret: Type.String({ description: 'The signing secret, `whsec_` + base64. Shown only in this response.' }) }),
]);
export type WebhookWithSecret = Static<typeof WebhookWithSecretSchema>;

export const WebhookListSchema = Type.Object({ data: Type.Array(WebhookSchema) });

export const DeliveryStatus = StringEnum(['pending', 'delivered', 'failed']);

export const DeliverySchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The event id, sent as `webhook-id`' }),
  endpoint_id: Uuid,
  event_type: Type.String(),
  occurred_at: DateTime,
  subject: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
  status: DeliveryStatus,
  attempts: Type.Integer(),
  next_attempt_at: Type.Union([DateTime, Type.Null()], { description: 'When a pending delivery is tried next' }),
  last_attempt_at: NullableDateTime,
  last_response_code: Type.Union([Type.Integer(), Type.Null()]),
  last_duration_ms: Type.Union([Type.Integer(), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  delivered_at: NullableDateTime,
  created_at: DateTime,
});
export type DeliveryView = Static<typeof DeliverySchema>;

export const DeliveryPageSchema = Type.Object({
  data: Type.Array(DeliverySchema),
  next_cursor: Type.Union([Uuid, Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page' }),
});
export type DeliveryPage = Static<typeof DeliveryPageSchema>;

export const DeliveryListQuery = Type.Object(
  {
    status: Type.Optional(DeliveryStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ format: 'uuid', description: 'The `next_cursor` of the previous page' })),
  },
  { additionalProperties: false },
);
export type DeliveryListQuery = Static<typeof DeliveryListQuery>;

export const DeliveryParams = Type.Object({ id: Uuid, delivery_id: Uuid }, { additionalProperties: false });
export type DeliveryParams = Static<typeof DeliveryParams>;
