// The index entries a build writes for some fields of some records, as the
// column arrays of one INSERT, and the repeated values of unique fields among
// them. Pure. Entries come from the records capability's pure rules
// (src/records/core/index-values.ts), so a build writes exactly what a write
// of the record would (the one other cross-capability core import, beside
// stored-record.ts: see docs/ARCHITECTURE.md).
import type { EntityTypeDefinition } from '../../core/definitions.ts';
import { indexEntries, type IndexColumn, type IndexEntry } from '../../../records/core/index-values.ts';

export interface StoredData {
  readonly id: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface FieldEntry extends IndexEntry {
  readonly record: string;
}

/** Entries of `fields` for these records under `definition`. */
export function fieldEntries(definition: EntityTypeDefinition, fields: ReadonlySet<string>, records: readonly StoredData[]): FieldEntry[] {
  return records.flatMap((record) => indexEntries(definition, record.data).filter((entry) => fields.has(entry.field)).map((entry) => ({ ...entry, record: record.id })));
}

function column<T>(entries: readonly FieldEntry[], name: IndexColumn): (T | null)[] {
  return entries.map((entry) => (entry.column === name ? (entry.value as T) : null));
}

/** The bind parameters of INSERT_FIELD_ENTRIES after the type key ($2..$10). */
export function entryColumns(entries: readonly FieldEntry[]): unknown[] {
  return [
    entries.map((e) => e.record),
    entries.map((e) => e.field),
    entries.map((e) => e.position),
    column<string>(entries, 'value_text'),
    column<number>(entries, 'value_number'),
    column<string>(entries, 'value_date'),
    column<string>(entries, 'value_time'),
    column<boolean>(entries, 'value_bool'),
    entries.map((e) => e.unique),
  ];
}

/** The lookup parameters of TAKEN_UNIQUE_VALUES ($2..$6) for the unique entries. */
export function uniqueLookup(entries: readonly FieldEntry[]): unknown[] {
  const unique = entries.filter((entry) => entry.unique);
  return [
    unique.map((e) => e.field),
    column<string>(unique, 'value_text'),
    column<number>(unique, 'value_number'),
    column<string>(unique, 'value_date'),
    column<string>(unique, 'value_time'),
  ];
}

export interface UniqueConflict {
  readonly field: string;
  readonly value: unknown;
  readonly count: number;
}

/** Equal values as the unique indexes judge them: times by instant, numbers by double. */
export function valueKey(field: string, column: IndexColumn, value: unknown): string {
  const normal = column === 'value_time' ? new Date(String(value)).toISOString() : column === 'value_date' ? String(value).slice(0, 10) : value;
  return JSON.stringify([field, column, normal]);
}

/**
 * Counts the records holding each value of a unique field, across the batches
 * added, to report repeated values (a unique index would refuse the second).
 */
export class UniqueValues {
  private readonly seen = new Map<string, { field: string; value: unknown; records: Set<string>; extra: number }>();

  add(entries: readonly FieldEntry[]): void {
    for (const entry of entries) {
      if (!entry.unique) continue;
      const key = valueKey(entry.field, entry.column, entry.value);
      const found = this.seen.get(key) ?? { field: entry.field, value: entry.value, records: new Set<string>(), extra: 0 };
      found.records.add(entry.record);
      this.seen.set(key, found);
    }
  }

  /** Records outside the batches that already hold a value (found in the database). */
  addHolders(field: string, column: IndexColumn, value: unknown, count: number): void {
    const key = valueKey(field, column, value);
    const found = this.seen.get(key) ?? { field, value, records: new Set<string>(), extra: 0 };
    found.extra += count;
    this.seen.set(key, found);
  }

  /** Values held by more than one record, most repeated first, at most `limit`. */
  conflicts(limit: number): UniqueConflict[] {
    return [...this.seen.values()]
      .map((item) => ({ field: item.field, value: item.value, count: item.records.size + item.extra }))
      .filter((item) => item.count > 1)
      .sort((a, b) => b.count - a.count || a.field.localeCompare(b.field) || String(a.value).localeCompare(String(b.value)))
      .slice(0, limit);
  }
}
