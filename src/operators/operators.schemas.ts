import { Type, type Static } from '@sinclair/typebox';
import { Email } from '../auth/index.ts';
import { StringEnum } from '../platform/http/schemas.ts';

export const OperatorLoginBody = Type.Object(
  { email: Email, senha: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type OperatorLoginBody = Static<typeof OperatorLoginBody>;

/** No refresh token: operators sign in again when the access token expires. */
export const OperatorSessionSchema = Type.Object({
  token: Type.String({ description: 'Operator access JWT (EdDSA, audience `<audience>:operator`), sent as Authorization: Bearer' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires' }),
});
export type OperatorSession = Static<typeof OperatorSessionSchema>;

export const DEFAULT_PAGE_SIZE = 50;

export const TenantStatusSchema = StringEnum(['active', 'suspended', 'cancelled']);

export const TenantListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: DEFAULT_PAGE_SIZE, description: 'Page size, 1 to 200' })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: '`next_cursor` of the previous page' })),
    status: Type.Optional(TenantStatusSchema),
    slug: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,40}$', description: 'Slug prefix' })),
  },
  { additionalProperties: false },
);
export type TenantListQuery = Static<typeof TenantListQuery>;

export const TenantListSchema = Type.Object({
  data: Type.Array(Type.Ref('Tenant')),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page' }),
});

export const StatusChangeBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Why; kept in the platform audit log and the event' })) },
  { additionalProperties: false },
);
export type StatusChangeBody = Static<typeof StatusChangeBody>;
