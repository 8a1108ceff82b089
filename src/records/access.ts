// Per-type permissions and the row ACL's write rule, applied by the records
// service. Who may SEE a record is decided by PostgreSQL (the record_acl
// policy, migrations/0007_record_acl.sql): a record the caller cannot see is
// simply not found (404). What is decided here is what needs the request:
// whether the caller's role or key scope may perform the action on the type
// (403 type-permission-denied), and whether a visible record of a restricted
// type may be changed by them (403 record-access-denied). docs/access.md.
import { isUuidText, type EntityTypeDefinition } from '../entities/index.ts';
import {
  DEFAULT_VISIBILITY,
  effectivePermissions,
  loadStoredPermissions,
  type Action,
  type Actions,
  type PermissionPrincipal,
  type StoredPermissions,
  type Visibility,
} from '../permissions/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { Statement } from '../platform/db/pipelined-query.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError } from '../platform/http/errors.ts';
import { CAN_WRITE, DELETE_USER_REFS, INSERT_USER_REFS } from './access.sql.ts';
import { RecordErrors } from './records.errors.ts';

export function principalOf(call: TenantCall): PermissionPrincipal {
  if (call.role !== null) return { kind: 'role', role: call.role };
  // An API key without a known scope may do nothing (effectivePermissions denies unknown scopes).
  return { kind: 'scope', scope: call.keyScope ?? '' };
}

export interface TypeAccess {
  readonly actions: Actions;
  /** The type's visibility is `restricted`. */
  readonly restricted: boolean;
  /** The row ACL hides none of the type's records from the caller (not restricted, or a gestor). */
  readonly seesAll: boolean;
}

/** What the caller may do with records of a type whose stored permissions are `stored`. */
export function accessOf(stored: StoredPermissions | undefined, call: TenantCall): TypeAccess {
  const restricted = stored?.visibility === 'restricted';
  return { actions: effectivePermissions(stored, principalOf(call)), restricted, seesAll: !restricted || call.role === 'gestor' };
}

/** What the caller may do with records of `type`, read in their transaction. */
export async function typeAccess(tx: TenantTx, call: TenantCall, type: string): Promise<TypeAccess> {
  return accessOf(await loadStoredPermissions(tx, type), call);
}

/** One stored grant, as entity_type_permissions holds it. */
export interface GrantRow {
  principal_kind: 'role' | 'scope';
  principal: string;
  can_read: boolean;
  can_create: boolean;
  can_update: boolean;
  can_delete: boolean;
}

/**
 * The same reading of stored permissions as loadStoredPermissions
 * (src/permissions/stored.ts), from a visibility (null: no row) and the
 * grants read together with the type (src/records/type-state.ts).
 */
export function storedPermissionsOf(visibility: Visibility | null, grants: readonly GrantRow[]): StoredPermissions | undefined {
  if (visibility === null && grants.length === 0) return undefined;
  const roles: Record<string, Actions> = {};
  const scopes: Record<string, Actions> = {};
  for (const row of grants) {
    const actions = { read: row.can_read, create: row.can_create, update: row.can_update, delete: row.can_delete };
    (row.principal_kind === 'role' ? roles : scopes)[row.principal] = actions;
  }
  return { visibility: visibility ?? DEFAULT_VISIBILITY, roles, scopes };
}

const VERBS: Readonly<Record<Action, string>> = { read: 'read', create: 'create', update: 'change', delete: 'delete' };

function who(call: TenantCall): string {
  return call.role !== null ? `The role ${call.role}` : `An API key with scope "${call.keyScope ?? ''}"`;
}

/** Refuses (403) an action the caller's role or scope may not perform on the type. */
export function requireAction(call: TenantCall, access: TypeAccess, type: string, action: Action): void {
  if (!access.actions[action]) {
    throw new AppError(RecordErrors['type-permission-denied'], `${who(call)} may not ${VERBS[action]} records of type "${type}".`);
  }
  // An API key could never see a record it created in a restricted type (it is
  // no creator, member or team), so it may not create one.
  if (action === 'create' && access.restricted && call.scope.userId === null) {
    throw new AppError(RecordErrors['type-permission-denied'], `API keys cannot create records of the restricted type "${type}".`);
  }
}

/**
 * Refuses (403) changing a visible record of a restricted type the caller may
 * only read: gestores, the creator, members named in its `user` fields and
 * `write` shares (direct or through a team) may change it.
 */
export async function requireWritable(tx: TenantTx, call: TenantCall, access: TypeAccess, record: { id: string; created_by: string | null }): Promise<void> {
  if (access.seesAll) return;
  const userId = call.scope.userId;
  if (userId !== null && record.created_by === userId) return;
  const writable = userId !== null && (await tx.query<{ writable: boolean }>(CAN_WRITE, [record.id, userId])).rows[0]?.writable === true;
  if (!writable) throw new AppError(RecordErrors['record-access-denied'], `Record ${record.id} is shared with you for reading only.`);
}

/**
 * Rewrites record_user_refs (the members named in `user` fields, which the row
 * ACL reads) for records just written under `definition`, in the same
 * transaction. `fresh`: the records are new, there is nothing to delete.
 */
export async function writeUserRefs(
  tx: TenantTx,
  definition: EntityTypeDefinition,
  records: readonly { id: string; data: Readonly<Record<string, unknown>> }[],
  fresh = false,
): Promise<void> {
  for (const statement of userRefStatements(definition, records, fresh)) await tx.query(statement.text, statement.values);
}

/** The same, queued on the transaction (TenantTx.queue): sent with its next statement or its commit. */
export function queueUserRefs(
  tx: TenantTx,
  definition: EntityTypeDefinition,
  records: readonly { id: string; data: Readonly<Record<string, unknown>> }[],
  fresh = false,
): void {
  for (const statement of userRefStatements(definition, records, fresh)) tx.queue(statement.text, statement.values);
}

/** The statements that rewrite the records' user refs: none for new records without members named. */
function userRefStatements(definition: EntityTypeDefinition, records: readonly { id: string; data: Readonly<Record<string, unknown>> }[], fresh: boolean): Statement[] {
  if (records.length === 0) return [];
  const statements: Statement[] = [];
  if (!fresh) statements.push({ text: DELETE_USER_REFS, values: [records.map((record) => record.id)] });
  const keys = definition.fields.filter((field) => field.type === 'user').map((field) => field.key);
  const recordIds: string[] = [];
  const userIds: string[] = [];
  for (const record of records) {
    for (const key of keys) {
      const value = record.data[key];
      if (typeof value === 'string' && isUuidText(value)) {
        recordIds.push(record.id);
        userIds.push(value.toLowerCase());
      }
    }
  }
  if (recordIds.length > 0) statements.push({ text: INSERT_USER_REFS, values: [recordIds, userIds] });
  return statements;
}
