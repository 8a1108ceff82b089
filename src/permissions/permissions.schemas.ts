import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StringEnum } from '../platform/http/schemas.ts';
import { VISIBILITIES } from './core/permissions.ts';

const ActionsSchema = Type.Object(
  {
    read: Type.Boolean(),
    create: Type.Boolean(),
    update: Type.Boolean(),
    delete: Type.Boolean(),
  },
  { additionalProperties: false },
);

// The keys are CONFIGURABLE_ROLES and CONFIGURABLE_SCOPES (core/permissions.ts),
// spelled out so the body has a static type; a test compares the two lists.
function roles<T extends TSchema>(entry: T) {
  return Type.Object({ cliente: entry }, { additionalProperties: false });
}
function scopes<T extends TSchema>(entry: T) {
  return Type.Object(
    { agentes: entry, 'read-only': entry, 'read-write': entry, 'proxy-ollama': entry },
    { additionalProperties: false },
  );
}

const Visibility = StringEnum(VISIBILITIES, {
  description: '`organisation`: every member (within the permissions below); `restricted`: the creator, the record\'s `user` fields, those it is shared with, and gestores',
});

/**
 * The whole permission set of a type. Principals left out go back to their
 * defaults; gestores are not listed (they may always do everything), so
 * `roles.gestor` is an unknown field (422).
 */
export const PutPermissionsBody = Type.Object(
  {
    visibility: Visibility,
    roles: Type.Optional(roles(Type.Optional(ActionsSchema))),
    scopes: Type.Optional(scopes(Type.Optional(ActionsSchema))),
  },
  { additionalProperties: false },
);
export type PutPermissionsBody = Static<typeof PutPermissionsBody>;

export const PermissionsSchema = Type.Object({
  visibility: Visibility,
  roles: roles(ActionsSchema),
  scopes: scopes(ActionsSchema),
});
