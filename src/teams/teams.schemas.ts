import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Uuid } from '../platform/http/schemas.ts';
import { RoleSchema } from '../tenancy/index.ts';

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '^\\S(.*\\S)?$', description: 'Unique in the organisation, ignoring case; no leading or trailing spaces' });
const Description = Type.String({ maxLength: 1000 });

export const CreateTeamBody = Type.Object(
  { name: Name, description: Type.Optional(Type.Union([Description, Type.Null()])) },
  { additionalProperties: false },
);
export type CreateTeamBody = Static<typeof CreateTeamBody>;

export const PatchTeamBody = Type.Object(
  { name: Type.Optional(Name), description: Type.Optional(Type.Union([Description, Type.Null()], { description: 'null clears it' })) },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchTeamBody = Static<typeof PatchTeamBody>;

export const AddTeamMemberBody = Type.Object({ user_id: Uuid }, { additionalProperties: false });
export type AddTeamMemberBody = Static<typeof AddTeamMemberBody>;

export const TeamMemberParams = Type.Object({ id: Uuid, user_id: Uuid }, { additionalProperties: false });
export type TeamMemberParams = Static<typeof TeamMemberParams>;

const teamFields = {
  id: Uuid,
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  member_count: Type.Integer({ minimum: 0 }),
  is_member: Type.Boolean({ description: 'Whether the caller is a member of this team' }),
  created_at: DateTime,
  updated_at: DateTime,
};

export const TeamSchema = Type.Object(teamFields);
export type Team = Static<typeof TeamSchema>;

export const TeamListSchema = Type.Object({ data: Type.Array(TeamSchema) });

export const TeamMemberSchema = Type.Object({
  user_id: Uuid,
  email: Type.String(),
  nome: Type.Union([Type.String(), Type.Null()]),
  role: RoleSchema,
  added_at: DateTime,
});
export type TeamMember = Static<typeof TeamMemberSchema>;

export const TeamDetailSchema = Type.Object({
  ...teamFields,
  members: Type.Array(TeamMemberSchema, {
    description: 'Every member of the team for a gestor; for a cliente, only their own membership (members of an organisation are visible to gestores only)',
  }),
});
export type TeamDetail = Static<typeof TeamDetailSchema>;
