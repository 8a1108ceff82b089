// Maintains index entries (migrations/0005_record_index.sql) in the caller's
// transaction, and chooses the entry lookup for a listing's filter. Entries
// follow the CURRENT definition on every write and are derived from `data`
// alone, so a rollback of the type loses nothing: a rebuild restores them.
import { indexBuildsBusy, requestIndexBuilds, type EntityTypeDefinition } from '../entities/index.ts';
import type { TenantScope } from '../platform/db/tenant-database.ts';
import type { Database } from '../platform/db/database.ts';
import type { Statement } from '../platform/db/pipelined-query.ts';
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

/** Default of setRequestBackfillMax: listings backfill in the request up to this many records; larger types get a background build (src/entities/index-builds). */
export const MAX_REQUEST_BACKFILL = 1000;
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
  for (const statement of entryStatements(definitions, records, fresh)) await tx.query(statement.text, statement.values);
}

/**
 * The same, queued on the transaction (TenantTx.queue): the statements travel
 * with its next statement or its commit, and a unique violation fails that one.
 */
export function queueIndexEntries(
  tx: TenantTx,
  definitions: ReadonlyMap<string, EntityTypeDefinition | undefined>,
  records: readonly StoredRecord[],
  fresh = false,
): void {
  for (const statement of entryStatements(definitions, records, fresh)) tx.queue(statement.text, statement.values);
}

/** DELETE_ENTRIES (unless fresh), then one INSERT_ENTRIES per type of the records. */
function entryStatements(definitions: ReadonlyMap<string, EntityTypeDefinition | undefined>, records: readonly StoredRecord[], fresh: boolean): Statement[] {
  if (records.length === 0) return [];
  const statements: Statement[] = [];
  if (!fresh) statements.push({ text: DELETE_ENTRIES, values: [records.map((record) => record.id)] });
  for (const type of new Set(records.map((record) => record.type_key))) {
    const definition = definitions.get(type);
    // One pass, straight into the statement's parallel arrays (a bulk write has thousands of entries).
    const ids: string[] = [];
    const fields: string[] = [];
    const positions: number[] = [];
    const values: Record<IndexColumn, unknown[]> = { value_text: [], value_number: [], value_date: [], value_time: [], value_bool: [] };
    const unique: boolean[] = [];
    if (definition) {
      for (const record of records) {
        if (record.type_key !== type) continue;
        for (const entry of indexEntries(definition, record.data)) {
          ids.push(record.id);
          fields.push(entry.field);
          positions.push(entry.position);
          for (const name of INDEX_COLUMNS) values[name].push(name === entry.column ? entry.value : null);
          unique.push(entry.unique);
        }
      }
    }
    statements.push({
      text: INSERT_ENTRIES,
      values: [
        type,
        definition ? indexedFields(definition).map((field) => field.key) : [],
        ids,
        fields,
        positions,
        values.value_text,
        values.value_number,
        values.value_date,
        values.value_time,
        values.value_bool,
        unique,
      ],
    });
  }
  return statements;
}

const INDEX_COLUMNS: readonly IndexColumn[] = ['value_text', 'value_number', 'value_date', 'value_time', 'value_bool'];

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

let requestBackfillMax = MAX_REQUEST_BACKFILL;

/**
 * How many records a listing may backfill in the request (0: never; builds
 * then always run in the background). Process-wide: app.ts sets it from
 * TESSERA_INDEX_REQUEST_BUILD_MAX, the same limit type changes use.
 */
export function setRequestBackfillMax(max: number): void {
  requestBackfillMax = max;
}

/**
 * Rebuilds the entries of every record of a type under `definition` and marks
 * its indexed fields complete, in batches of locked records: a listing's
 * repair of fields left incomplete. A duplicate of a unique field fails with
 * 23505. Returns false without writing when the type has more than `max`
 * records, or when a background build of one of its fields is queued,
 * running or failed (src/entities/index-builds): the listing neither races
 * the worker nor repeats a failure. In the first case it queues builds of the
 * incomplete fields for the worker instead.
 */
export async function rebuildIndexEntries(tx: TenantTx, type: string, definition: EntityTypeDefinition, max = requestBackfillMax): Promise<boolean> {
  const over = max <= 0 || (await tx.query<{ more: boolean }>(MORE_RECORDS_THAN, [type, max])).rows[0]?.more === true;
  if (over || (await indexBuildsBusy(tx, type))) {
    await requestIndexBuilds(tx, definition);
    return false;
  }
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
 * field whose entries are complete (`complete`), or undefined when no filter
 * can use the index. With a lookup, the listing pages from the index
 * (LIST_RECORDS_BY_INDEX: the entries of the value in record_id order,
 * migrations/0009_record_index_paging.sql); without, it filters on `data`
 * alone, which is always correct.
 */
export function chooseIndexLookup(
  definition: EntityTypeDefinition,
  filter: Readonly<Record<string, unknown>>,
  complete: ReadonlySet<string>,
): IndexLookup | undefined {
  for (const field of indexedFields(definition)) {
    if (!(field.key in filter) || !complete.has(field.key)) continue;
    const col = indexColumnOf(field) as IndexColumn;
    const raw = filter[field.key];
    const value = entryValue(col, field.type === 'multi_enum' && Array.isArray(raw) ? raw[0] : raw);
    if (value !== undefined) return { column: col, field: field.key, value };
  }
  return undefined;
}

/** Whether a filter names an indexed field whose entries are not complete (a backfill could let it use the index). */
export function wantsBackfill(definition: EntityTypeDefinition, filter: Readonly<Record<string, unknown>>, complete: ReadonlySet<string>): boolean {
  const candidates = indexedFields(definition).filter((field) => field.key in filter);
  return candidates.length > 0 && !candidates.some((field) => complete.has(field.key));
}

/**
 * The entry lookup for a listing's equality filters (chooseIndexLookup), read
 * in the caller's transaction. A field not yet complete is backfilled here
 * when the type is small (inside a savepoint: a failure, such as duplicates
 * of a field made unique, leaves the listing on the `data` scan). Answers the
 * complete fields too, as they are once the backfill is done.
 */
export async function indexLookupIn(
  tx: TenantTx,
  definition: EntityTypeDefinition,
  filter: Readonly<Record<string, unknown>>,
  /** False when the row ACL hides some of the type's records from the caller: no backfill then. */
  mayBackfill = true,
): Promise<{ lookup: IndexLookup | undefined; complete: Set<string> }> {
  const complete = new Set((await tx.query<{ field_key: string }>(COMPLETE_FIELDS, [definition.key])).rows.map((row) => row.field_key));
  if (mayBackfill && wantsBackfill(definition, filter, complete)) {
    await tx.query('savepoint record_index_backfill');
    try {
      if (await rebuildIndexEntries(tx, definition.key, definition)) for (const field of indexedFields(definition)) complete.add(field.key);
      await tx.query('release savepoint record_index_backfill');
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await tx.query('rollback to savepoint record_index_backfill');
    }
  }
  return { lookup: chooseIndexLookup(definition, filter, complete), complete };
}

/** indexLookupIn's lookup alone. */
export async function indexLookup(
  tx: TenantTx,
  definition: EntityTypeDefinition,
  filter: Readonly<Record<string, unknown>>,
  mayBackfill = true,
): Promise<IndexLookup | undefined> {
  if (!indexedFields(definition).some((field) => field.key in filter)) return undefined;
  return (await indexLookupIn(tx, definition, filter, mayBackfill)).lookup;
}
