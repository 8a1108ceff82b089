import { Type, type Static } from '@sinclair/typebox';
import { KEY_PATTERN } from '../entities/index.ts';
import { DateTime, StringEnum, Uuid } from '../platform/http/schemas.ts';

export const SHARE_ACCESS = ['read', 'write'] as const;

export const ShareBody = Type.Object(
  {
    principal: Type.Union(
      [
        Type.Object({ team: Uuid }, { additionalProperties: false }),
        Type.Object({ user: Uuid }, { additionalProperties: false }),
      ],
      { description: 'A team of this organisation (`{"team": id}`) or one of its members (`{"user": id}`)' },
    ),
    access: StringEnum(SHARE_ACCESS, { description: '`read` sees the record; `write` may also change and delete it (within the role\'s permissions)' }),
  },
  { additionalProperties: false },
);
export type ShareBody = Static<typeof ShareBody>;

export const ShareParams = Type.Object(
  { type: Type.String({ pattern: KEY_PATTERN, description: 'The entity type key' }), id: Uuid, share_id: Uuid },
  { additionalProperties: false },
);

export const ShareSchema = Type.Object({
  id: Uuid,
  record_id: Uuid,
  principal: Type.Object(
    { team: Type.Optional(Uuid), user: Type.Optional(Uuid) },
    { description: 'Exactly one of `team` or `user`' },
  ),
  access: StringEnum(SHARE_ACCESS),
  created_at: DateTime,
  created_by: Type.Union([Uuid, Type.Null()], { description: 'Who shared it' }),
});
export type Share = Static<typeof ShareSchema>;

export const ShareListSchema = Type.Object({ data: Type.Array(ShareSchema) });
