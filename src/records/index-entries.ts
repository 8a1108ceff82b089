// Maintains index entries (migrations/0005_record_index.sql) in the caller's
// transaction, and chooses the entry lookup for a listing's filter. Entries
// follow the CURRENT definition on every write and are derived from `data`
// alone, so a rollback of the type loses nothing: a rebuild restores them.
import type { EntityTypeDefinition } from '../entities/index.ts';
import type { TenantScope } from '../platform/db/tenant-database.ts';
import type { Database } from '../platform/db/database.ts';
import { isPgError } from '../platform/db/sqlstate.ts';
import type { TenantTx } from '../platform/db/tenant-database.ts';
import { AppError, PlatformErrors } from '../platform/http/errors.ts';
import { entryValue, indexColumnOf, indexEntries, indexedFields, type IndexColumn, type IndexEntry } from './core/index-values.ts';
import {
  COMPLETE_FIELDS,
  DELETE_ENTRIES,
  FIND_BY_UNIQUE,
  INSERT_ENTRIES,
  LOCK_TYPE_BATCH,
  MARK_COMPLETE,
  MORE_RECORDS_THAN,
  TAKEN_UNIQUE_FIELDS,
} from './index-entries.sql.ts';

/** Backfills in the request only up to this many records; larger types keep filtering on `data` until a background backfill (next step) completes them. */
export const MAX_REQUEST_BACKFILL = 10_000;
const BATCH = 1000;

export interface StoredRecord {
  readonly id: string;
  readonly type_key: string;
  readonly data: Readonly<Record<string, unknown>>;
}

interface PendingEntry extends IndexEntry {
  readonly record: string;
  readonly type: string;
}

function column<T>(entries: readonly PendingEntry[], name: IndexColumn, convert: (value: IndexEntry['value']) => T = (value) => value as T): (T | null)[] {
  return entries.map((entry) => (entry.column === name ? convert(entry.value) : null));
}

/**
 * Rewrites the entries of these records from their data under the current
 * definition of their types. `fresh`: the records were just inserted, so there
 * is nothing to delete. A duplicate value of a unique field fails here
 * (23505 on a record_index_unique_* index); see `uniqueConflict`.
 */
export async function writeIndexEntries(
  tx: TenantTx,
  definitions: ReadonlyMap<string, EntityTypeDefinition | undefined>,
  records: readonly StoredRecord[],
  fresh = false,
): Promise<void> {
  if (records.length === 0) return;
  if (!fresh) await tx.query(DELETE_ENTRIES, [records.map((record) => record.id)]);
  for (const type of new Set(records.map((record) => record.type_key))) {
    const definition = definitions.get(type);
    const entries: PendingEntry[] = [];
    if (definition) {
      for (const record of records) {
        if (record.type_key === type) for (const entry of indexEntries(definition, record.data)) entries.push({ ...entry, record: record.id, type });
      }
    }
    await tx.query(INSERT_ENTRIES, [
      type,
      definition ? indexedFields(definition).map((field) => field.key) : [],
      entries.map((e) => e.record),
      entries.map((e) => e.field),
      entries.map((e) => e.position),
      column<string>(entries, 'value_text'),
      column<number>(entries, 'value_number'),
      column<string>(entries, 'value_date'),
      column<string>(entries, 'value_time'),
      column<boolean>(entries, 'value_bool'),
      entries.map((e) => e.unique),
    ]);
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return isPgError(error) && error.code === '23505' && (error.constraint ?? '').startsWith('record_index_unique_');
}

/**
 * The 409 for a unique violation, naming the fields. Under RLS PostgreSQL
 * omits the violation's detail, so the fields are found by a query on a fresh
 * connection after the transaction has rolled back; a duplicate inside one
 * bulk request is not committed anywhere, so then every unique field is named.
 */
export async function uniqueConflict(
  db: Database,
  scope: TenantScope,
  type: string,
  datas: readonly Readonly<Record<string, unknown>>[],
  definition: EntityTypeDefinition,
  ownIds: readonly string[] = [],
): Promise<AppError> {
  return conflictOf((values) => db.tenant.query<{ field_key: string }>(scope, TAKEN_UNIQUE_FIELDS, values), type, datas, definition, ownIds);
}

/**
 * The same 409, found inside the caller's transaction (after it has rolled
 * back to a savepoint): a bulk item clashing with an earlier item of the same
 * request sees that item's entries there.
 */
export async function uniqueConflictIn(
  tx: TenantTx,
  type: string,
  datas: readonly Readonly<Record<string, unknown>>[],
  definition: EntityTypeDefinition,
  ownIds: readonly string[] = [],
): Promise<AppError> {
  return conflictOf((values) => tx.query<{ field_key: string }>(TAKEN_UNIQUE_FIELDS, values), type, datas, definition, ownIds);
}

async function conflictOf(
  taken: (values: unknown[]) => Promise<{ rows: { field_key: string }[] }>,
  type: string,
  datas: readonly Readonly<Record<string, unknown>>[],
  definition: EntityTypeDefinition,
  ownIds: readonly string[],
): Promise<AppError> {
  const entries = datas.flatMap((data) => indexEntries(definition, data)).filter((entry) => entry.unique);
  const pending = entries.map((entry) => ({ ...entry, record: '', type }));
  let fields: string[] = [];
  if (pending.length > 0) {
    const { rows } = await taken([
      type,
      pending.map((e) => e.field),
      column<string>(pending, 'value_text'),
      column<number>(pending, 'value_number'),
      column<string>(pending, 'value_date'),
      column<string>(pending, 'value_time'),
      ownIds,
    ]);
    fields = rows.map((row) => row.field_key).sort();
  }
  if (fields.length === 0) fields = [...new Set(entries.map((entry) => entry.field))].sort();
  // The generic `conflict` (its description names unique values); a dedicated
  // code needs docs/ERRORS.md regenerated, which is not this change's file.
  return new AppError(
    PlatformErrors.conflict,
    `Another ${type} record already has this value of ${fields.join(', ')}.`,
    fields.map((field) => ({ pointer: `/${field}`, message: 'is already used by another record' })),
    { fields },
  );
}

/**
 * The id of the record (visible to the caller) whose unique field `field`
 * holds `value`, through the field's index entries (unique fields always have
 * them); undefined when none does or the value cannot be indexed.
 */
export async function findByUnique(tx: TenantTx, definition: EntityTypeDefinition, field: string, value: unknown): Promise<string | undefined> {
  const entry = indexEntries(definition, { [field]: value }).find((candidate) => candidate.field === field && candidate.unique);
  if (!entry) return undefined;
  const pending = [{ ...entry, record: '', type: definition.key }];
  const { rows } = await tx.query<{ record_id: string }>(FIND_BY_UNIQUE, [
    definition.key,
    field,
    column<string>(pending, 'value_text')[0],
    column<number>(pending, 'value_number')[0],
    column<string>(pending, 'value_date')[0],
    column<string>(pending, 'value_time')[0],
  ]);
  return rows[0]?.record_id;
}

/**
 * Rebuilds the entries of every record of a type under `definition` and marks
 * its indexed fields complete, in batches of locked records. For a field that
 * became indexed or unique (a type change) and for repair; a duplicate of a
 * now-unique field fails with 23505. Returns false without writing when the
 * type has more than `max` records.
 */
export async function rebuildIndexEntries(tx: TenantTx, type: string, definition: EntityTypeDefinition, max = MAX_REQUEST_BACKFILL): Promise<boolean> {
  const { rows } = await tx.query<{ more: boolean }>(MORE_RECORDS_THAN, [type, max]);
  if (rows[0]?.more) return false;
  const definitions = new Map([[type, definition]]);
  let after: string | null = null;
  for (;;) {
    const batch: { rows: { id: string; data: Record<string, unknown> }[] } = await tx.query<{ id: string; data: Record<string, unknown> }>(LOCK_TYPE_BATCH, [type, after, BATCH]);
    if (batch.rows.length === 0) break;
    await writeIndexEntries(tx, definitions, batch.rows.map((row) => ({ ...row, type_key: type })));
    after = (batch.rows.at(-1) as { id: string }).id;
    if (batch.rows.length < BATCH) break;
  }
  await tx.query(MARK_COMPLETE, [type, indexedFields(definition).map((field) => field.key)]);
  return true;
}

export interface IndexLookup {
  readonly column: IndexColumn;
  readonly field: string;
  readonly value: string | number | boolean;
}

/**
 * The entry lookup for a listing's equality filters: the first filter on a
 * field whose entries are complete. A field not yet complete is backfilled
 * here when the type is small (inside a savepoint: a failure, such as
 * duplicates of a field made unique, leaves the listing on the `data` scan).
 * Undefined when no filter can use the index; the listing then stays correct,
 * filtering on `data` alone.
 */
export async function indexLookup(
  tx: TenantTx,
  definition: EntityTypeDefinition,
  filter: Readonly<Record<string, unknown>>,
  /** False when the row ACL hides some of the type's records from the caller: no backfill then. */
  mayBackfill = true,
): Promise<IndexLookup | undefined> {
  const candidates = indexedFields(definition).filter((field) => field.key in filter);
  if (candidates.length === 0) return undefined;
  const complete = new Set((await tx.query<{ field_key: string }>(COMPLETE_FIELDS, [definition.key])).rows.map((row) => row.field_key));
  if (mayBackfill && !candidates.some((field) => complete.has(field.key))) {
    await tx.query('savepoint record_index_backfill');
    try {
      if (await rebuildIndexEntries(tx, definition.key, definition)) for (const field of indexedFields(definition)) complete.add(field.key);
      await tx.query('release savepoint record_index_backfill');
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await tx.query('rollback to savepoint record_index_backfill');
    }
  }
  for (const field of candidates) {
    if (!complete.has(field.key)) continue;
    const col = indexColumnOf(field) as IndexColumn;
    const raw = filter[field.key];
    const value = entryValue(col, field.type === 'multi_enum' && Array.isArray(raw) ? raw[0] : raw);
    if (value !== undefined) return { column: col, field: field.key, value };
  }
  return undefined;
}
