import { Type, type Static } from '@sinclair/typebox';
import { DateTime, StringEnum, Uuid } from '../platform/http/schemas.ts';

const Hex = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256, lowercase hex' });
const Seq = Type.Integer({ minimum: 1, description: 'Position in the organisation\'s chain, gapless from 1' });

export const AuditEntrySchema = Type.Object({
  seq: Seq,
  id: Uuid,
  occurred_at: DateTime,
  actor: Type.Object({
    type: StringEnum(['user', 'api_key', 'operator', 'system', 'anonymous'] as const),
    id: Type.Union([Uuid, Type.Null()]),
  }),
  action: Type.String(),
  target: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
  request_id: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown({ description: 'The target before the change (null when none, or erased)' }),
  after: Type.Unknown({ description: 'The target after the change (null when none, or erased)' }),
  erased: Type.Boolean({ description: 'Personal data (before, after, ip) was erased; the entry still verifies' }),
  prev_hash: Hex,
  hash: Hex,
});
export type AuditEntryView = Static<typeof AuditEntrySchema>;

export const AuditPageSchema = Type.Object({
  data: Type.Array(AuditEntrySchema),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page' }),
});
export type AuditPage = Static<typeof AuditPageSchema>;

export const AuditListQuery = Type.Object(
  {
    actor_type: Type.Optional(StringEnum(['user', 'api_key', 'operator', 'system', 'anonymous'] as const)),
    actor_id: Type.Optional(Uuid),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Prefix: `record.` matches `record.created`, `record.updated`, ...' })),
    target_type: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    target_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    // Year 0000 passes the date-time format but not PostgreSQL: refused here as a 422, not a 500.
    from: Type.Optional(Type.String({ format: 'date-time', pattern: '^(?!0000-)', description: 'Entries at or after this time' })),
    to: Type.Optional(Type.String({ format: 'date-time', pattern: '^(?!0000-)', description: 'Entries before this time' })),
    order: Type.Optional(StringEnum(['desc', 'asc'] as const, { description: 'By seq; newest first (desc) by default' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,15}$', description: 'The `next_cursor` of the previous page' })),
  },
  { additionalProperties: false },
);
export type AuditListQuery = Static<typeof AuditListQuery>;

export const VerifyBody = Type.Object(
  {
    from_seq: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    to_seq: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
);
export type VerifyBody = Static<typeof VerifyBody>;

const HeadSchema = Type.Union([Type.Object({ seq: Type.Integer({ minimum: 0 }), hash: Hex }), Type.Null()], {
  description: 'The chain head (latest entry) when verification started; null while the log is empty',
});

export const VerifyResultSchema = Type.Union([
  Type.Object({ ok: Type.Literal(true), checked: Type.Integer({ minimum: 0 }), head: HeadSchema }),
  Type.Object({
    ok: Type.Literal(false),
    checked: Type.Integer({ minimum: 0, description: 'Entries that verified before the break' }),
    broken_seq: Seq,
    kind: StringEnum(['missing', 'link_mismatch', 'hash_mismatch', 'commitment_mismatch', 'data_without_salt', 'head_mismatch'] as const),
    reason: Type.String(),
    head: HeadSchema,
  }),
]);
export type VerifyResult = Static<typeof VerifyResultSchema>;

export const CheckpointSchema = Type.Object({
  seq: Seq,
  hash: Hex,
  signed_at: DateTime,
  key_id: Type.String({ description: 'JWK thumbprint (RFC 7638) of the signing key' }),
  message: Type.String({ description: 'Exactly what was signed: `tenant_id|seq|hash|signed_at`, UTF-8' }),
  signature: Type.String({ description: 'Ed25519 signature of `message`, base64url' }),
});
export type CheckpointView = Static<typeof CheckpointSchema>;

export const CheckpointListSchema = Type.Object({
  public_key: Type.Object(
    { kty: Type.Literal('OKP'), crv: Type.Literal('Ed25519'), x: Type.String(), kid: Type.String() },
    { description: 'The server\'s Ed25519 public key (JWK) that signs checkpoints and access tokens' },
  ),
  data: Type.Array(CheckpointSchema, { description: 'Newest first, at most 100' }),
});
export type CheckpointList = Static<typeof CheckpointListSchema>;
