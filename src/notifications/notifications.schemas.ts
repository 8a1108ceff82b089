import { Type, type Static } from '@sinclair/typebox';
import { DateTime, NullableDateTime, Uuid } from '../platform/http/schemas.ts';

export const NotificationSchema = Type.Object({
  id: Uuid,
  record: Type.Union([Type.Object({ type: Type.String(), id: Uuid }), Type.Null()], { description: 'The record the notification is about' }),
  title: Type.String(),
  body: Type.Union([Type.String(), Type.Null()]),
  created_at: DateTime,
  read_at: NullableDateTime,
});
export type NotificationView = Static<typeof NotificationSchema>;

export const NotificationPageSchema = Type.Object({
  data: Type.Array(NotificationSchema),
  next_cursor: Type.Union([Uuid, Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page' }),
});
export type NotificationPage = Static<typeof NotificationPageSchema>;

export const NotificationListQuery = Type.Object(
  {
    unread: Type.Optional(Type.Boolean({ description: 'Only notifications not read yet' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ format: 'uuid', description: 'The `next_cursor` of the previous page' })),
  },
  { additionalProperties: false },
);
