// Per-type permissions without a database: the defaults, what one principal
// may do given what a gestor stored, and the rules a change must follow. The
// records service calls effectivePermissions() for every request;
// the permissions routes use the rest. docs/access.md explains the model.
import type { FieldError } from '../../platform/http/errors.ts';

export const ACTIONS = ['read', 'create', 'update', 'delete'] as const;
export type Action = (typeof ACTIONS)[number];
export type Actions = { readonly [A in Action]: boolean };

export const VISIBILITIES = ['organisation', 'restricted'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** Member roles a gestor can configure; gestores themselves always may do everything. */
export const CONFIGURABLE_ROLES = ['cliente'] as const;
export type ConfigurableRole = (typeof CONFIGURABLE_ROLES)[number];

/** Every API key scope (src/api-keys/core/scopes.ts), each configurable per type. */
export const CONFIGURABLE_SCOPES = ['agentes', 'read-only', 'read-write', 'proxy-ollama'] as const;
export type ConfigurableScope = (typeof CONFIGURABLE_SCOPES)[number];

const ALL: Actions = { read: true, create: true, update: true, delete: true };
const NONE: Actions = { read: false, create: false, update: false, delete: false };
const READ: Actions = { read: true, create: false, update: false, delete: false };

/**
 * What applies when a gestor stored nothing for a principal. Members and
 * data keys work with every type as soon as it exists; read-only keys only
 * read; the LLM proxy scope never touches organisation data.
 */
export const DEFAULT_VISIBILITY: Visibility = 'organisation';
export const DEFAULT_ROLE_PERMISSIONS: Readonly<Record<ConfigurableRole, Actions>> = { cliente: ALL };
export const DEFAULT_SCOPE_PERMISSIONS: Readonly<Record<ConfigurableScope, Actions>> = {
  agentes: ALL,
  'read-only': READ,
  'read-write': ALL,
  'proxy-ollama': NONE,
};

/**
 * The most a scope can ever be given, whatever is stored: read-only keys never
 * write and proxy-ollama keys never touch data. Applied again on read, so a
 * stored row can never widen a scope.
 */
const SCOPE_CEILING: Readonly<Record<ConfigurableScope, Actions>> = {
  agentes: ALL,
  'read-only': READ,
  'read-write': ALL,
  'proxy-ollama': NONE,
};

/** What a gestor stored for one type; principals left out take the defaults. */
export interface StoredPermissions {
  readonly visibility: Visibility;
  readonly roles: Partial<Readonly<Record<string, Actions>>>;
  readonly scopes: Partial<Readonly<Record<string, Actions>>>;
}

/** Who is asking: a member by role, or an API key by scope. */
export type PermissionPrincipal =
  | { readonly kind: 'role'; readonly role: 'gestor' | 'cliente' }
  | { readonly kind: 'scope'; readonly scope: string };

function isConfigurableScope(scope: string): scope is ConfigurableScope {
  return (CONFIGURABLE_SCOPES as readonly string[]).includes(scope);
}

function within(actions: Actions, ceiling: Actions): Actions {
  return {
    read: actions.read && ceiling.read,
    create: actions.create && ceiling.create,
    update: actions.update && ceiling.update,
    delete: actions.delete && ceiling.delete,
  };
}

/**
 * What `principal` may do with records of a type whose stored permissions are
 * `stored` (undefined when a gestor never changed them). Gestores may do
 * everything; an unknown scope may do nothing (deny by default).
 */
export function effectivePermissions(stored: StoredPermissions | undefined, principal: PermissionPrincipal): Actions {
  if (principal.kind === 'role') {
    if (principal.role === 'gestor') return ALL;
    return stored?.roles[principal.role] ?? DEFAULT_ROLE_PERMISSIONS[principal.role];
  }
  if (!isConfigurableScope(principal.scope)) return NONE;
  return within(stored?.scopes[principal.scope] ?? DEFAULT_SCOPE_PERMISSIONS[principal.scope], SCOPE_CEILING[principal.scope]);
}

/** The whole effective picture for one type, as the permissions routes answer it. */
export interface TypePermissions {
  readonly visibility: Visibility;
  readonly roles: Readonly<Record<ConfigurableRole, Actions>>;
  readonly scopes: Readonly<Record<ConfigurableScope, Actions>>;
}

export function typePermissions(stored: StoredPermissions | undefined): TypePermissions {
  const roles = {} as Record<ConfigurableRole, Actions>;
  for (const role of CONFIGURABLE_ROLES) roles[role] = effectivePermissions(stored, { kind: 'role', role });
  const scopes = {} as Record<ConfigurableScope, Actions>;
  for (const scope of CONFIGURABLE_SCOPES) scopes[scope] = effectivePermissions(stored, { kind: 'scope', scope });
  return { visibility: stored?.visibility ?? DEFAULT_VISIBILITY, roles, scopes };
}

/**
 * The scope limits a change must respect, all reported at once: giving
 * read-only keys a write, or proxy-ollama keys anything, is refused rather
 * than silently narrowed. (Unknown roles and scopes are refused by the
 * request schema.)
 */
export function permissionProblems(scopes: Partial<Readonly<Record<string, Actions>>>): FieldError[] {
  const problems: FieldError[] = [];
  for (const scope of CONFIGURABLE_SCOPES) {
    const given = scopes[scope];
    if (given === undefined) continue;
    for (const action of ACTIONS) {
      if (given[action] && !SCOPE_CEILING[scope][action]) {
        problems.push({
          pointer: `/scopes/${scope}/${action}`,
          message: scope === 'proxy-ollama' ? 'proxy-ollama keys never access organisation data' : `read-only keys can never ${action}`,
        });
      }
    }
  }
  return problems;
}
