// Deleting a record with what references it (docs/records.md):
// the on_delete of every field that points at it, and, for cascades, at the
// records deleted with it. restrict answers 409 naming the blockers; cascade
// deletes the referencing record; set_null clears the value (and removes the
// id from references lists). All in the caller's transaction, with an audit
// entry and event for every record deleted or changed.
import { loadCurrentDefinitions, type EntityTypeDefinition } from '../entities/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError } from '../platform/http/errors.ts';
import { isLinkViolation } from './bulk-create.ts';
import { writeIndexEntries } from './index-entries.ts';
import { queueChanges, type RecordChange } from './record-changes.ts';
import { toView, type RecordRow } from './record-row.ts';
import { RecordErrors } from './records.errors.ts';
import { DELETE_LINKS_FROM, DELETE_LINKS_TO, DELETE_RECORDS, INCOMING_LINKS, LOCK_RECORDS_FOR_CHANGE, LOCK_RECORDS_FOR_DELETE, UPDATE_RECORD } from './records.sql.ts';

interface LinkRow {
  from_id: string;
  field_key: string;
  to_id: string;
  from_type: string;
}

/** The value of a relation field without the given record ids; undefined when nothing is left. */
function withoutIds(value: unknown, ids: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) {
    const kept = value.filter((id) => !ids.has(String(id)));
    return kept.length > 0 ? kept : undefined;
  }
  if (typeof value === 'string') return ids.has(value) ? undefined : value;
  if (typeof value === 'object' && value !== null && ids.has(String((value as { id?: unknown }).id))) return undefined;
  return value;
}

/**
 * Deletes `row` (locked by the caller, permission and If-Match checked) and
 * applies the on_delete of everything that references it.
 */
export async function deleteWithReferences(tx: TenantTx, call: TenantCall, row: RecordRow): Promise<void> {
  const id = row.id;
  const definitions = await loadCurrentDefinitions(tx);
  const doomed = new Map<string, RecordRow>([[id, row]]);
  const cascaded = new Set<string>();
  let links: LinkRow[];
  for (;;) {
    links = (await tx.query<LinkRow>(INCOMING_LINKS, [[...doomed.keys()]])).rows;
    const more = [...new Set(links.filter((link) => onDeleteOf(definitions, link) === 'cascade').map((link) => link.from_id))];
    if (more.length === 0) break;
    for (const next of (await tx.query<RecordRow>(LOCK_RECORDS_FOR_DELETE, [more])).rows) {
      doomed.set(next.id, next);
      cascaded.add(next.id);
    }
  }
  const blockers = links.filter((link) => onDeleteOf(definitions, link) === 'restrict');
  if (blockers.length > 0) {
    const listed = blockers.map((link) => ({ type: link.from_type, id: link.from_id, field: link.field_key }));
    throw new AppError(
      RecordErrors['record-in-use'],
      `Referenced with on_delete restrict by ${listed.map((b) => `${b.type} ${b.id} (${b.field})`).join(', ')}.`,
      [],
      { blockers: listed },
    );
  }
  try {
    await clearReferences(tx, call, definitions, links, new Set(doomed.keys()));
    await tx.query(DELETE_LINKS_FROM, [[...doomed.keys()]]);
    await tx.query(DELETE_RECORDS, [[...doomed.keys()]]);
  } catch (error) {
    // Records the row ACL hides from the caller reference one being
    // deleted: their on_delete cannot be applied by someone who cannot
    // see them, so the link's foreign key refuses the delete.
    if (!isLinkViolation(error)) throw error;
    throw new AppError(RecordErrors['record-in-use'], 'Referenced by records you cannot see.', [], { blockers: [] });
  }
  const changes: RecordChange[] = [...doomed].map(([doomedId, doomedRow]) => ({
    action: 'record.deleted',
    before: toView(doomedRow, definitions.get(doomedRow.type_key)),
    after: null,
    ...(cascaded.has(doomedId) ? { extra: { cascaded_from: id } } : {}),
  }));
  queueChanges(tx, call, changes);
}

/** What deleting the record a link points at does to the referencing record. */
function onDeleteOf(definitions: ReadonlyMap<string, EntityTypeDefinition>, link: LinkRow): 'restrict' | 'cascade' | 'set_null' {
  const field = definitions.get(link.from_type)?.fields.find((candidate) => candidate.key === link.field_key);
  // A field the type no longer has (its value stays stored) cannot restrict
  // or cascade through a definition that does not show it: its value is cleared.
  if (!field || field.type !== 'reference') return 'set_null';
  return field.on_delete ?? 'restrict';
}

/** set_null (and removal from references lists): clears the values pointing at deleted records. */
async function clearReferences(
  tx: TenantTx,
  call: TenantCall,
  definitions: ReadonlyMap<string, EntityTypeDefinition>,
  links: readonly LinkRow[],
  deleted: ReadonlySet<string>,
): Promise<void> {
  const byRecord = new Map<string, Map<string, Set<string>>>();
  for (const link of links) {
    const fields = byRecord.get(link.from_id) ?? new Map<string, Set<string>>();
    fields.set(link.field_key, (fields.get(link.field_key) ?? new Set()).add(link.to_id));
    byRecord.set(link.from_id, fields);
  }
  if (byRecord.size === 0) return;
  const locked = await tx.query<RecordRow>(LOCK_RECORDS_FOR_CHANGE, [[...byRecord.keys()]]);
  for (const row of locked.rows) {
    const fields = byRecord.get(row.id) as Map<string, Set<string>>;
    const data = { ...row.data };
    for (const [field, ids] of fields) {
      const kept = withoutIds(data[field], new Set([...ids].filter((to) => deleted.has(to))));
      if (kept === undefined) delete data[field];
      else data[field] = kept;
      await tx.query(DELETE_LINKS_TO, [row.id, field, [...ids]]);
    }
    const updated = await tx.query<RecordRow>(UPDATE_RECORD, [row.id, JSON.stringify(data), row.type_version, call.scope.userId]);
    await writeIndexEntries(tx, definitions, [updated.rows[0] as RecordRow]);
    const definition = definitions.get(row.type_key);
    queueChanges(tx, call, [{ action: 'record.updated', before: toView(row, definition), after: toView(updated.rows[0] as RecordRow, definition) }]);
  }
}
