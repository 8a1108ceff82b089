// Which values of a record get index entries (migrations/0005_record_index.sql)
// and in which typed column. Pure: derived from the CURRENT definition and the
// stored data only, so entries can always be rebuilt from `data`.
import type { EntityTypeDefinition, FieldDefinition, FieldType } from '../../entities/core/definitions.ts';

export type IndexColumn = 'value_text' | 'value_number' | 'value_date' | 'value_time' | 'value_bool';

/**
 * Field type -> value column. Relation fields are absent: `record_links`
 * already stores and indexes them. decimal goes to double precision (numeric
 * comparisons are not leakproof, so a numeric column could not be an index
 * condition under RLS); the listing keeps the exact comparison against `data`,
 * so the index only finds candidates.
 */
const COLUMNS: Partial<Record<FieldType, IndexColumn>> = {
  text: 'value_text',
  long_text: 'value_text',
  email: 'value_text',
  url: 'value_text',
  enum: 'value_text',
  multi_enum: 'value_text',
  user: 'value_text',
  integer: 'value_number',
  decimal: 'value_number',
  date: 'value_date',
  datetime: 'value_time',
  boolean: 'value_bool',
};

/**
 * Longer text is not entered: a btree entry is limited to about 2.7 kB. Such
 * values are found by the (exact, unindexed) comparison against `data`, and
 * uniqueness is not enforced for them (documented limit).
 */
export const MAX_INDEXED_TEXT = 1000;

export interface IndexEntry {
  readonly field: string;
  readonly position: number;
  readonly column: IndexColumn;
  /** Text, number or boolean as the column's bind parameter (dates and times as ISO text). */
  readonly value: string | number | boolean;
  readonly unique: boolean;
}

export function indexColumnOf(field: FieldDefinition): IndexColumn | undefined {
  return COLUMNS[field.type];
}

/** Fields that get entries: indexed or unique, of a type with a value column. */
export function indexedFields(definition: EntityTypeDefinition): FieldDefinition[] {
  return definition.fields.filter((field) => (field.indexed === true || field.unique === true) && indexColumnOf(field) !== undefined);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Every form the records API accepts (field-values.ts: `t`/`z` in either case, up to 9 fractional
// digits, which PostgreSQL rounds to microseconds), so no accepted datetime goes without an entry.
const TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?([Zz]|[+-]([01]\d|2[0-3]):?[0-5]\d)$/;

/**
 * Only text PostgreSQL certainly reads as a date: a stored value from before a
 * field's type changed, or a filter value, must never make a cast fail (500).
 */
function isDateText(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE.test(value) || value.startsWith('0000')) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

function isTimeText(value: unknown): value is string {
  return typeof value === 'string' && TIME.test(value) && isDateText(value.slice(0, 10));
}

/** The entry value of one stored value, or undefined when it cannot be entered. */
export function entryValue(column: IndexColumn, value: unknown): string | number | boolean | undefined {
  switch (column) {
    case 'value_text':
      return typeof value === 'string' && value.length <= MAX_INDEXED_TEXT ? value : undefined;
    case 'value_number':
      return typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : undefined;
    case 'value_bool':
      return typeof value === 'boolean' ? value : undefined;
    case 'value_date':
      return isDateText(value) ? value : undefined;
    case 'value_time':
      return isTimeText(value) ? value : undefined;
  }
}

/** Every entry of one record's data under a definition. */
export function indexEntries(definition: EntityTypeDefinition, data: Readonly<Record<string, unknown>>): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const field of indexedFields(definition)) {
    const column = indexColumnOf(field) as IndexColumn;
    const raw = data[field.key];
    const values = field.type === 'multi_enum' ? (Array.isArray(raw) ? [...new Set(raw)] : []) : [raw];
    values.forEach((item, position) => {
      const value = entryValue(column, item);
      if (value !== undefined) entries.push({ field: field.key, position, column, value, unique: field.unique === true });
    });
  }
  return entries;
}
