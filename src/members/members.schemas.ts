import { Type, type Static } from '@sinclair/typebox';
import { Email, Password, SessionSchema } from '../auth/index.ts';
import { DateTime, NullableDateTime, StringEnum, Uuid } from '../platform/http/schemas.ts';
import { Nome, RoleSchema } from '../tenancy/index.ts';
import { INVITATION_STATUSES } from './core/invitation.ts';

export const MemberListSchema = Type.Object({ data: Type.Array(Type.Ref('Member')) });

export const PatchMemberBody = Type.Object(
  {
    role: Type.Optional(RoleSchema),
    nome: Type.Optional(Type.Union([Nome, Type.Null()], { description: 'The member\'s display name; null clears it' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchMemberBody = Static<typeof PatchMemberBody>;

// Deliberately no $id: registering a schema with addSchema inside a route
// plugin makes Fastify rebuild that plugin's validator with its default Ajv
// options (unknown fields silently stripped, only the first error reported).
export const InvitationSchema = Type.Object({
  id: Uuid,
  email: Type.String(),
  role: RoleSchema,
  status: StringEnum(INVITATION_STATUSES, { description: 'pending (usable), accepted, revoked or expired' }),
  expires_at: DateTime,
  created_at: DateTime,
  invited_by: Type.Union([Uuid, Type.Null()], { description: 'The gestor who invited; null once that member was removed' }),
  accepted_at: NullableDateTime,
  revoked_at: NullableDateTime,
});
export type Invitation = Static<typeof InvitationSchema>;

export const InvitationListSchema = Type.Object({ data: Type.Array(InvitationSchema) });

export const CreateInvitationBody = Type.Object({ email: Email, role: RoleSchema }, { additionalProperties: false });
export type CreateInvitationBody = Static<typeof CreateInvitationBody>;

export const CreatedInvitationSchema = Type.Object({
  invitation: InvitationSchema,
  token: Type.String({ description: 'The invitation token (tsi_...). Shown only in this response; send it to the invitee.' }),
});

export const AcceptInvitationBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200, description: 'The invitation token (tsi_...)' }),
    senha: Password,
    nome: Type.Optional(Nome),
  },
  { additionalProperties: false },
);
export type AcceptInvitationBody = Static<typeof AcceptInvitationBody>;

export const AcceptInvitationResponse = Type.Composite([
  Type.Object({ tenant: Type.Ref('Tenant'), user: Type.Ref('Member') }),
  SessionSchema,
]);
