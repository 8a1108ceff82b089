import { Type, type Static } from '@sinclair/typebox';
import { DateTime, NullableDateTime, StringEnum, Uuid } from '../platform/http/schemas.ts';
import { API_KEY_SCOPE_NAMES } from './core/scopes.ts';

export const ScopeSchema = StringEnum(API_KEY_SCOPE_NAMES, { description: `Scope: ${API_KEY_SCOPE_NAMES.join(', ')} (see docs/API.md)` });

export const CreateApiKeyBody = Type.Object(
  {
    nome: Type.String({ minLength: 1, maxLength: 100 }),
    escopo: ScopeSchema,
    expira_em: Type.Optional(Type.String({ format: 'date-time', description: 'ISO 8601 date-time in the future' })),
  },
  { additionalProperties: false },
);
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;

// No $id: inlined in each response rather than registered (see api-keys.routes.ts).
export const ApiKeySchema = Type.Object({
  id: Uuid,
  nome: Type.String(),
  escopo: Type.String(),
  prefix: Type.String({ description: 'The visible start of the key, enough to recognise it' }),
  expira_em: NullableDateTime,
  created_at: DateTime,
  created_by: Type.Union([Uuid, Type.Null()]),
  revoked_at: NullableDateTime,
  last_used_at: NullableDateTime,
  last_used_ip: Type.Union([Type.String(), Type.Null()]),
  status: StringEnum(['active', 'revoked', 'expired']),
});
export type ApiKey = Static<typeof ApiKeySchema>;

export const CreatedApiKeySchema = Type.Composite([
  ApiKeySchema,
  Type.Object({ secret: Type.String({ description: 'The full key. Shown only in this response.' }) }),
]);

export const ApiKeyListSchema = Type.Object({ data: Type.Array(ApiKeySchema) });

export const UsageSchema = Type.Object({
  data: Type.Array(
    Type.Object({ day: Type.String({ format: 'date' }), ip: Type.String(), request_count: Type.Integer(), last_seen_at: DateTime }),
  ),
});
