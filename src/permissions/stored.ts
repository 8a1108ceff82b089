// Reading a type's stored permissions inside a caller's transaction: the
// permissions routes and the records service use it.
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { DEFAULT_VISIBILITY, type Actions, type StoredPermissions, type Visibility } from './core/permissions.ts';
import { SELECT_GRANTS, SELECT_VISIBILITY } from './permissions.sql.ts';

interface GrantRow {
  principal_kind: 'role' | 'scope';
  principal: string;
  can_read: boolean;
  can_create: boolean;
  can_update: boolean;
  can_delete: boolean;
}

/** What a gestor stored for the type, or undefined when nothing was ever stored (the defaults apply). */
export async function loadStoredPermissions(tx: TenantTx, typeKey: string): Promise<StoredPermissions | undefined> {
  const access = await tx.query<{ visibility: Visibility }>(SELECT_VISIBILITY, [typeKey]);
  const grants = await tx.query<GrantRow>(SELECT_GRANTS, [typeKey]);
  if (access.rows.length === 0 && grants.rows.length === 0) return undefined;
  const roles: Record<string, Actions> = {};
  const scopes: Record<string, Actions> = {};
  for (const row of grants.rows) {
    const actions = { read: row.can_read, create: row.can_create, update: row.can_update, delete: row.can_delete };
    (row.principal_kind === 'role' ? roles : scopes)[row.principal] = actions;
  }
  return { visibility: access.rows[0]?.visibility ?? DEFAULT_VISIBILITY, roles, scopes };
}
