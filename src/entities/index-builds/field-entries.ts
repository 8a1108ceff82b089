// Writes the entries of some fields for a batch of locked records, and finds
// which unique values a failed batch repeats. Shared by the build inside a
// type change and the background worker; runs in the caller's transaction.
import type { TenantTx } from '../../platform/db/tenant-database.ts';
import type { EntityTypeDefinition } from '../core/definitions.ts';
import { entryColumns, fieldEntries, uniqueLookup, UniqueValues, type FieldEntry, type StoredData } from './core/entries.ts';
import { DELETE_FIELD_ENTRIES, INSERT_FIELD_ENTRIES, LOCK_BATCH, TAKEN_UNIQUE_VALUES } from './index-builds.sql.ts';

/** Locks the next batch of the type's records after `after` (id order). */
export async function lockBatch(tx: TenantTx, type: string, after: string | null, size: number): Promise<StoredData[]> {
  const { rows } = await tx.query<{ id: string; data: Record<string, unknown> }>(LOCK_BATCH, [type, after, size]);
  return rows;
}

/**
 * Replaces these records' entries of `fields` by those their data gives under
 * `definition`. The records are locked, so no write of theirs interleaves; a
 * repeated value of a unique field fails here with 23505.
 */
export async function writeFieldEntries(tx: TenantTx, type: string, fields: readonly string[], records: readonly StoredData[], entries: readonly FieldEntry[]): Promise<void> {
  if (records.length === 0) return;
  await tx.query(DELETE_FIELD_ENTRIES, [records.map((record) => record.id), fields]);
  if (entries.length > 0) await tx.query(INSERT_FIELD_ENTRIES, [type, ...entryColumns(entries)]);
}

export function entriesOf(definition: EntityTypeDefinition, fields: readonly string[], records: readonly StoredData[]): FieldEntry[] {
  return fieldEntries(definition, new Set(fields), records);
}

interface TakenRow {
  field_key: string;
  value_text: string | null;
  value_number: number | null;
  value_date: string | null;
  value_time: Date | null;
  count: number;
}

/**
 * Adds to `values` the records outside the batch that already hold (committed
 * unique entries of) the batch's unique values: with the batch's own repeats,
 * the values a unique index refused.
 */
export async function addTakenValues(tx: TenantTx, type: string, values: UniqueValues, batch: readonly StoredData[], entries: readonly FieldEntry[]): Promise<void> {
  if (!entries.some((entry) => entry.unique)) return;
  const { rows } = await tx.query<TakenRow>(TAKEN_UNIQUE_VALUES, [type, ...uniqueLookup(entries), batch.map((record) => record.id)]);
  for (const row of rows) {
    if (row.value_text !== null) values.addHolders(row.field_key, 'value_text', row.value_text, row.count);
    else if (row.value_number !== null) values.addHolders(row.field_key, 'value_number', row.value_number, row.count);
    else if (row.value_date !== null) values.addHolders(row.field_key, 'value_date', row.value_date, row.count);
    else if (row.value_time !== null) values.addHolders(row.field_key, 'value_time', row.value_time.toISOString(), row.count);
  }
}
