// What the database says about the references and members a write names:
// does each referenced record exist in the organisation (and visible to the
// caller), of a type the field accepts; is each `user` value a member. Two
// statements at most, whatever the number of records checked; none for a
// `user` value naming the acting member (entering the tenant checked them).
import type { TenantTx } from '../platform/db/tenant-database.ts';
import type { FieldError } from '../platform/http/errors.ts';
import type { ReferenceValue } from './core/validate-record.ts';
import { MEMBER_IDS, REFERENCED_TYPES } from './records.sql.ts';

export interface UserValue {
  field: string;
  id: string;
}

/** The problems of one record's references and members. */
export async function externalProblems(tx: TenantTx, references: readonly ReferenceValue[], users: readonly UserValue[]): Promise<FieldError[]> {
  return (await externalProblemsByItem(tx, [references], [users]))[0] ?? [];
}

/** The same for many records (by position), in two statements at most; none when nothing is named. */
export async function externalProblemsByItem(
  tx: TenantTx,
  references: readonly (readonly ReferenceValue[])[],
  users: readonly (readonly UserValue[])[],
): Promise<FieldError[][]> {
  const referenceIds = [...new Set(references.flat().map((ref) => ref.id))];
  // The acting member needs no look-up: entering the tenant (tessera_enter_tenant,
  // in this transaction) has just checked that they are a member with their role.
  const caller = tx.scope.requireActive === false ? null : tx.scope.userId;
  const userIds = [...new Set(users.flat().map((user) => user.id))].filter((id) => id !== caller);
  const types = new Map<string, string>();
  if (referenceIds.length > 0) {
    for (const row of (await tx.query<{ id: string; type_key: string }>(REFERENCED_TYPES, [referenceIds])).rows) types.set(row.id, row.type_key);
  }
  const members = new Set<string>(caller === null ? [] : [caller]);
  if (userIds.length > 0) for (const row of (await tx.query<{ id: string }>(MEMBER_IDS, [userIds])).rows) members.add(row.id);
  return references.map((refs, index) => {
    const errors: FieldError[] = [];
    for (const ref of refs) {
      const actual = types.get(ref.id);
      if (actual === undefined) errors.push({ pointer: `/${ref.field}`, message: `no ${ref.types.join(' or ')} record ${ref.id} in this organisation` });
      else if (!ref.types.includes(actual)) errors.push({ pointer: `/${ref.field}`, message: `${ref.id} is a ${actual} record, not ${ref.types.join(' or ')}` });
    }
    for (const user of users[index] ?? []) {
      if (!members.has(user.id)) errors.push({ pointer: `/${user.field}`, message: `${user.id} is not a member of this organisation` });
    }
    return errors;
  });
}
