import { Type, type Static } from '@sinclair/typebox';
import { Email, Password, SessionSchema } from '../auth/index.ts';
import { DateTime, StringEnum, Uuid } from '../platform/http/schemas.ts';
import { PLANS, VERTICALS } from './core/plans.ts';
import { SLUG_PATTERN } from './core/slug.ts';
import { CURRENCIES } from './core/settings.ts';

export const PlanSchema = StringEnum(PLANS, { description: 'Plan: starter, pro, business or enterprise' });
export const VerticalSchema = StringEnum(VERTICALS, { description: 'Industry vertical; filters the AI agents offered' });
export const RoleSchema = StringEnum(['gestor', 'cliente'], { description: 'gestor (owner) or cliente (member)' });
export const Nome = Type.String({ minLength: 1, maxLength: 120 });

export const TenantSchema = Type.Object(
  {
    id: Uuid,
    slug: Type.String(),
    nome: Type.String(),
    plano: PlanSchema,
    ai_token_quota: Type.Integer({ description: 'Monthly AI token quota' }),
    vertical: Type.Union([VerticalSchema, Type.Null()]),
    status: StringEnum(['active', 'suspended', 'cancelled']),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { $id: 'Tenant' },
);
export type Tenant = Static<typeof TenantSchema>;

export const MemberSchema = Type.Object(
  {
    id: Uuid,
    email: Type.String(),
    nome: Type.Union([Type.String(), Type.Null()]),
    role: RoleSchema,
    created_at: DateTime,
    updated_at: DateTime,
  },
  { $id: 'Member' },
);
export type Member = Static<typeof MemberSchema>;

export const SignupBody = Type.Object(
  {
    slug: Type.String({ pattern: SLUG_PATTERN, minLength: 3, maxLength: 40 }),
    nome: Nome,
    plano: PlanSchema,
    email: Email,
    senha: Password,
    vertical: Type.Optional(VerticalSchema),
  },
  { additionalProperties: false },
);
export type SignupBody = Static<typeof SignupBody>;

export const SignupResponse = Type.Composite([
  Type.Object({ tenant: Type.Ref('Tenant'), user: Type.Ref('Member') }),
  SessionSchema,
]);

export const PatchTenantBody = Type.Object(
  {
    nome: Type.Optional(Nome),
    plano: Type.Optional(PlanSchema),
    vertical: Type.Optional(Type.Union([VerticalSchema, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchTenantBody = Static<typeof PatchTenantBody>;

export const SettingsSchema = Type.Object({
  time_zone: Type.String({ description: 'IANA time zone, e.g. America/Sao_Paulo' }),
  locale: Type.String({ description: 'BCP 47 locale, e.g. pt-BR' }),
  currency: StringEnum(CURRENCIES, { description: 'Billing currency' }),
  updated_at: DateTime,
});
export type Settings = Static<typeof SettingsSchema>;

export const PatchSettingsBody = Type.Object(
  {
    time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    locale: Type.Optional(Type.String({ minLength: 2, maxLength: 35 })),
    currency: Type.Optional(StringEnum(CURRENCIES)),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchSettingsBody = Static<typeof PatchSettingsBody>;
