export { PermissionsService } from './permissions.service.ts';
export { permissionsRoutes } from './permissions.routes.ts';
export { loadStoredPermissions } from './stored.ts';
export {
  ACTIONS,
  CONFIGURABLE_ROLES,
  CONFIGURABLE_SCOPES,
  DEFAULT_ROLE_PERMISSIONS,
  DEFAULT_SCOPE_PERMISSIONS,
  DEFAULT_VISIBILITY,
  VISIBILITIES,
  effectivePermissions,
  typePermissions,
  type Action,
  type Actions,
  type PermissionPrincipal,
  type StoredPermissions,
  type TypePermissions,
  type Visibility,
} from './core/permissions.ts';
