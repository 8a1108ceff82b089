// `?expand=<field>[,<field>...]` on GET one record and on the listing: the
// ids of those relation fields are replaced by the records they name, for a
// whole page at once in at most two statements (the target types' definitions
// and permissions, then the records), whatever the page size. One level deep:
// expanded records carry their own relation fields as ids.
//
// What the caller cannot read stays an id (the stored value): records the row
// ACL hides (PostgreSQL does not return them in the caller's transaction) and
// records of types whose permissions deny the caller `read`.
import { isUuidText, type EntityTypeDefinition, type FieldDefinition } from '../entities/index.ts';
import { effectivePermissions, type Visibility } from '../permissions/index.ts';
import type { TenantCall } from '../platform/context.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors, type FieldError } from '../platform/http/errors.ts';
import { principalOf, storedPermissionsOf, type GrantRow } from './access.ts';
import type { RecordRow } from './record-row.ts';
import type { RecordView } from './records.schemas.ts';
import { RECORDS_BY_ID_OF_TYPES, TYPES_WITH_PERMISSIONS } from './relations.sql.ts';

const RELATION_TYPES: ReadonlySet<string> = new Set(['reference', 'references', 'any_reference']);

/** A records row as the records service reads it. */
export type ExpandRow = RecordRow;

/** How the records service shapes a row (so expanded records look exactly like the records API's). */
export type ViewOf = (row: ExpandRow, definition: EntityTypeDefinition | undefined) => RecordView;

interface TypeRow {
  key: string;
  definition: EntityTypeDefinition;
  visibility: Visibility | null;
  grants: GrantRow[];
}

/** The keys of `?expand=a,b` (the query schema has checked their form), without repeats. */
export function expandKeys(raw: unknown): string[] {
  return typeof raw === 'string' && raw !== '' ? [...new Set(raw.split(','))] : [];
}

/** The relation fields named by `keys`; 422 naming every key that is not a reference, references or any_reference field of the type. */
export function expandFields(definition: EntityTypeDefinition, keys: readonly string[]): FieldDefinition[] {
  const fields: FieldDefinition[] = [];
  const errors: FieldError[] = [];
  for (const key of keys) {
    const field = definition.fields.find((candidate) => candidate.key === key);
    if (field && RELATION_TYPES.has(field.type)) fields.push(field);
    else errors.push({ pointer: '/expand', message: `${key} is not a relation field of ${definition.key}`, in: 'query' });
  }
  if (errors.length > 0) {
    const detail = `${errors.length} invalid field${errors.length === 1 ? '' : 's'}: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`;
    throw new AppError(PlatformErrors['validation-failed'], detail, errors);
  }
  return fields;
}

function targetsOf(field: FieldDefinition): readonly string[] {
  return field.type === 'any_reference' ? (field.targets ?? []) : field.target === undefined ? [] : [field.target];
}

/** The ids one stored value of a relation field names (a value left over from an older schema may name none). */
function idsOf(value: unknown): string[] {
  const candidates = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? [(value as { id?: unknown }).id] : [value];
  return candidates.filter((id): id is string => typeof id === 'string' && isUuidText(id));
}

/**
 * Replaces, in place, the values of `fields` in every record by the records
 * they name. Two statements for the whole page, none when nothing is referenced.
 */
export async function expandRecords(
  tx: TenantTx,
  call: TenantCall,
  records: readonly RecordView[],
  fields: readonly FieldDefinition[],
  viewOf: ViewOf,
): Promise<void> {
  if (fields.length === 0 || records.length === 0) return;
  const wanted = new Set<string>();
  for (const record of records) for (const field of fields) for (const id of idsOf(record[field.key])) wanted.add(id.toLowerCase());
  if (wanted.size === 0) return;
  const targetTypes = [...new Set(fields.flatMap(targetsOf))];
  const types = (await tx.query<TypeRow>(TYPES_WITH_PERMISSIONS, [targetTypes])).rows;
  const principal = principalOf(call);
  const readable = new Map(types.filter((row) => effectivePermissions(storedPermissionsOf(row.visibility, row.grants), principal).read).map((row) => [row.key, row.definition]));
  if (readable.size === 0) return;
  const { rows } = await tx.query<ExpandRow>(RECORDS_BY_ID_OF_TYPES, [[...wanted], [...readable.keys()]]);
  const found = new Map(rows.map((row) => [row.id.toLowerCase(), viewOf(row, readable.get(row.type_key))]));
  /** The record `id` names when it is one of `types` (a field's target may have changed since the value was stored). */
  const lookup = (id: unknown, types: readonly string[]) => {
    const record = typeof id === 'string' ? found.get(id.toLowerCase()) : undefined;
    return record && types.includes(record.type) ? record : undefined;
  };
  for (const record of records) {
    for (const field of fields) {
      const value = record[field.key];
      const targets = targetsOf(field);
      if (typeof value === 'string') record[field.key] = lookup(value, targets) ?? value;
      else if (Array.isArray(value)) record[field.key] = value.map((id) => lookup(id, targets) ?? id);
      else if (typeof value === 'object' && value !== null) {
        // any_reference: the record, or the stored { type, id } when it cannot be read.
        const { type, id } = value as { type?: unknown; id?: unknown };
        record[field.key] = (typeof type === 'string' && targets.includes(type) ? lookup(id, [type]) : undefined) ?? value;
      }
    }
  }
}
