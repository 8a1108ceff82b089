// Per-type permissions and visibility, set by gestores. A change replaces the
// type's whole stored set in one transaction, with its audit entry and event;
// the answer is always the effective set (defaults filled in).
import { recordAudit } from '../audit/index.ts';
import { emitEvent } from '../events/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { Database } from '../platform/db/database.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors } from '../platform/http/errors.ts';
import {
  ACTIONS,
  CONFIGURABLE_ROLES,
  CONFIGURABLE_SCOPES,
  permissionProblems,
  typePermissions,
  type Actions,
  type TypePermissions,
} from './core/permissions.ts';
import type { PutPermissionsBody } from './permissions.schemas.ts';
import { DELETE_GRANTS, INSERT_GRANTS, LOCK_TYPE, SELECT_TYPE, UPSERT_VISIBILITY } from './permissions.sql.ts';
import { loadStoredPermissions } from './stored.ts';

async function requireType(tx: TenantTx, sql: string, key: string): Promise<void> {
  const { rows } = await tx.query(sql, [key]);
  if (rows.length === 0) throw new AppError(PlatformErrors['not-found'], `No entity type "${key}" in this organisation.`);
}

export class PermissionsService {
  constructor(private readonly db: Database) {}

  async get(call: TenantCall, key: string): Promise<TypePermissions> {
    return this.db.tenant.transaction(call.scope, async (tx) => {
      await requireType(tx, SELECT_TYPE, key);
      return typePermissions(await loadStoredPermissions(tx, key));
    });
  }

  async replace(call: TenantCall, key: string, body: PutPermissionsBody): Promise<TypePermissions> {
    const scopes: Partial<Record<string, Actions>> = body.scopes ?? {};
    const roles: Partial<Record<string, Actions>> = body.roles ?? {};
    const problems = permissionProblems(scopes);
    if (problems.length > 0) {
      throw new AppError(PlatformErrors['validation-failed'], `${problems.length} invalid field${problems.length === 1 ? '' : 's'}: ${problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}`, problems);
    }
    return this.db.tenant.transaction(call.scope, async (tx) => {
      await requireType(tx, LOCK_TYPE, key);
      const before = typePermissions(await loadStoredPermissions(tx, key));

      const grants: { kind: 'role' | 'scope'; principal: string; actions: Actions }[] = [];
      for (const role of CONFIGURABLE_ROLES) {
        const actions = roles[role];
        if (actions) grants.push({ kind: 'role', principal: role, actions });
      }
      for (const scope of CONFIGURABLE_SCOPES) {
        const actions = scopes[scope];
        if (actions) grants.push({ kind: 'scope', principal: scope, actions });
      }
      await tx.query(UPSERT_VISIBILITY, [key, body.visibility, call.actor.type === 'user' ? call.actor.id : null]);
      await tx.query(DELETE_GRANTS, [key]);
      if (grants.length > 0) {
        await tx.query(INSERT_GRANTS, [
          key,
          grants.map((grant) => grant.kind),
          grants.map((grant) => grant.principal),
          ...ACTIONS.map((action) => grants.map((grant) => grant.actions[action])),
        ]);
      }

      const after = typePermissions(await loadStoredPermissions(tx, key));
      await recordAudit(tx, {
        actor: call.actor,
        action: 'entity_type.permissions_changed',
        target: { type: 'entity_type', id: key },
        before,
        after,
        origin: call.origin,
      });
      await emitEvent(tx, {
        type: 'entity_type.permissions_changed',
        subject: { type: 'entity_type', id: key },
        payload: { type: key, before, after },
      });
      return after;
    });
  }
}
