import { Type, type Static } from '@sinclair/typebox';

export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Password = Type.String({ minLength: 10, maxLength: 200, description: 'At least 10 characters' });

export const LoginBody = Type.Object(
  {
    email: Email,
    senha: Type.String({ minLength: 1, maxLength: 200 }),
    slug: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Needed when the email belongs to several organisations' })),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export type RefreshBody = Static<typeof RefreshBody>;

export const SessionSchema = Type.Object({
  token: Type.String({ description: 'Access JWT (EdDSA), sent as Authorization: Bearer' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
  refresh_token: Type.String({ description: 'Single-use; exchange at POST /api/auth/refresh' }),
});

export const LoginResponse = Type.Composite([
  SessionSchema,
  Type.Object({
    tenant_id: Type.String({ format: 'uuid' }),
    user_id: Type.String({ format: 'uuid' }),
    role: Type.Union([Type.Literal('gestor'), Type.Literal('cliente')]),
  }),
]);
