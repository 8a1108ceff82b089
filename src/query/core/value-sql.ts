// Reading a path's value in SQL exactly as src/conditions/coerce.ts reads it
// in memory: a stored value of the wrong JSON type, a malformed date or uuid,
// a non-integer in an integer field, all read as NULL, and no cast is ever
// applied to a value that could make it fail (a cast error would be a 500).
// Every cast sits behind a CASE that checks the JSON type or a regular
// expression first: CASE is the one construct whose evaluation order
// PostgreSQL guarantees for non-constant expressions.
import type { Comparable, ResolvedPath, ValueType } from '../../conditions/index.ts';
import { rawPath, type RowScope } from './paths-sql.ts';
import type { ScalarParamType, SqlBuilder } from './sql-builder.ts';

/**
 * How the compiler holds a value in SQL.
 * - text: text and enum, always `COLLATE "C"` (code point order, as compareText).
 * - date: the stored `YYYY-MM-DD` text itself, COLLATE "C": in memory dates compare as
 *   these strings, and text never fails a cast (a literal year 0000 is a valid date there).
 * - timestamptz, uuid, numeric (integer and decimal), boolean: the PostgreSQL types.
 * - json: the raw jsonb below a json field (compared as a JSON scalar by condition-sql.ts).
 * - array (multi_enum, references) and reference (any_reference): the raw jsonb.
 * - float8: percentile results.
 */
export type SqlKind = 'text' | 'date' | 'timestamptz' | 'uuid' | 'numeric' | 'boolean' | 'json' | 'array' | 'reference' | 'float8';

export interface Typed {
  readonly sql: string;
  readonly kind: SqlKind;
}

export function kindOf(valueType: ValueType): SqlKind {
  switch (valueType) {
    case 'text': case 'enum': return 'text';
    case 'uuid': return 'uuid';
    case 'integer': case 'decimal': return 'numeric';
    case 'boolean': return 'boolean';
    case 'date': return 'date';
    case 'datetime': return 'timestamptz';
    case 'json': return 'json';
    case 'multi_enum': case 'references': return 'array';
    case 'any_reference': return 'reference';
  }
}

// The regular expressions of src/conditions/literals.ts, with the calendar check
// written out (no backslashes, so the text reads the same under any string setting).
const YEAR = '[0-9]{4}';
const LEAP_YEAR = '(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)';
/** A real calendar date. Year 0000 is read as literals.ts reads it (a year, not a leap year); PostgreSQL has no year 0, hence text. */
const CALENDAR_DATE =
  `(?:${YEAR}-(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|${YEAR}-(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)` +
  `|${YEAR}-02-(?:0[1-9]|1[0-9]|2[0-8])|${LEAP_YEAR}-02-29)`;
export const DATE_PATTERN = `^${CALENDAR_DATE}$`;
/**
 * parseDatetime's shape and ranges (hour <= 23, minute and second <= 59, offset <= 15:59).
 * Year 0000 is left out: PostgreSQL cannot read it (the records API never stores it).
 */
export const DATETIME_PATTERN =
  `^(?!0000)${CALENDAR_DATE}[Tt ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.][0-9]{1,9})?)?(?:[Zz]|[+-](?:0[0-9]|1[0-5]):?[0-5][0-9])$`;
/** A calendar date PostgreSQL can hold (no year 0000), for date arithmetic. */
export const CASTABLE_DATE_PATTERN = `^(?!0000)${CALENDAR_DATE}$`;
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const MAX_SAFE_INTEGER = '9007199254740991';

/** The text of a jsonb scalar (for a string, without quotes). */
export function scalarText(json: string): string {
  return `(${json} #>> '{}')`;
}

/** A stored jsonb value read as `valueType`, NULL when it does not fit (coerce.ts). */
export function readJson(json: string, valueType: ValueType): Typed {
  const kind = kindOf(valueType);
  switch (valueType) {
    case 'text': case 'enum':
      return { kind, sql: `(case jsonb_typeof(${json}) when 'string' then ${scalarText(json)} end) collate "C"` };
    case 'uuid':
      // Only a JSON string's text can match the pattern, so no jsonb_typeof check is needed.
      return { kind, sql: `(case when ${scalarText(json)} ~ '${UUID_PATTERN}' then ${scalarText(json)}::uuid end)` };
    case 'integer':
      // A safe integer (Number.isSafeInteger): 1.0 is one, 1.5 and 2^53 are not.
      return {
        kind,
        sql: `(case jsonb_typeof(${json}) when 'number' then case when (${json})::numeric = trunc((${json})::numeric) and abs((${json})::numeric) <= ${MAX_SAFE_INTEGER} then (${json})::numeric end end)`,
      };
    case 'decimal':
      return { kind, sql: `(case jsonb_typeof(${json}) when 'number' then (${json})::numeric end)` };
    case 'boolean':
      return { kind, sql: `(case jsonb_typeof(${json}) when 'boolean' then (${json})::boolean end)` };
    case 'date':
      return { kind, sql: `(case when ${scalarText(json)} ~ '${DATE_PATTERN}' then ${scalarText(json)} end) collate "C"` };
    case 'datetime':
      return { kind, sql: `(case when ${scalarText(json)} ~ '${DATETIME_PATTERN}' then ${scalarText(json)}::timestamptz end)` };
    case 'json': case 'multi_enum': case 'references': case 'any_reference':
      return { kind, sql: json };
  }
}

/** A stored date as a PostgreSQL date (time buckets): NULL when it is not one, and for year 0000, which PostgreSQL has not. */
export function readCastableDate(json: string): string {
  return `(case when ${scalarText(json)} ~ '${CASTABLE_DATE_PATTERN}' then ${scalarText(json)}::date end)`;
}

const SYSTEM_COLUMNS: Readonly<Record<string, { column: string; kind: SqlKind }>> = {
  id: { column: 'id', kind: 'uuid' },
  type: { column: 'type_key', kind: 'text' },
  version: { column: 'version', kind: 'numeric' },
  created_at: { column: 'created_at', kind: 'timestamptz' },
  updated_at: { column: 'updated_at', kind: 'timestamptz' },
  created_by: { column: 'created_by', kind: 'uuid' },
  updated_by: { column: 'updated_by', kind: 'uuid' },
  state: { column: 'state', kind: 'text' },
  state_category: { column: 'state_category', kind: 'text' },
  state_entered_at: { column: 'state_entered_at', kind: 'timestamptz' },
  workflow_version: { column: 'workflow_version', kind: 'numeric' },
  sla_status: { column: 'sla_status', kind: 'text' },
  sla_due_at: { column: 'sla_due_at', kind: 'timestamptz' },
};

/** The value at the end of a path, typed as the condition language compares it. */
export function pathValue(b: SqlBuilder, scope: RowScope, path: ResolvedPath): Typed {
  if (path.system) {
    const system = SYSTEM_COLUMNS[path.field];
    if (system === undefined) throw new Error(`compileQuery: unknown system field ${path.field}`);
    const column = `${rawPath(b, scope, path)}`;
    return { kind: system.kind, sql: system.kind === 'text' ? `${column} collate "C"` : column };
  }
  return readJson(rawPath(b, scope, path), path.valueType);
}

/** Whether a path's value can be null (a system column of the row itself cannot, except the user columns). */
export function isNullable(path: ResolvedPath): boolean {
  return !path.system || path.hops.length > 0 || !['id', 'type', 'version', 'created_at', 'updated_at'].includes(path.field);
}

/** The parameter type a value of `kind` is bound as. */
export function paramTypeOf(kind: SqlKind): ScalarParamType {
  switch (kind) {
    case 'text': case 'date': return 'text';
    case 'uuid': return 'uuid';
    case 'numeric': return 'numeric';
    case 'boolean': return 'boolean';
    case 'timestamptz': return 'timestamptz';
    case 'float8': return 'float8';
    case 'json': case 'array': case 'reference': return 'jsonb';
  }
}

/** A comparable value (coerce.ts: datetimes as epoch microseconds) as its bind parameter value. */
export function bindValue(value: Comparable | null, kind: SqlKind): unknown {
  if (value === null) return null;
  if (kind === 'timestamptz') return typeof value === 'number' ? isoFromMicros(value) : null;
  if (kind === 'json' || kind === 'array' || kind === 'reference') return JSON.stringify(value);
  return value;
}

function pad(value: number, length: number): string {
  return String(value).padStart(length, '0');
}

/** Epoch microseconds as timestamptz input PostgreSQL reads exactly (microseconds kept, years before 1 as BC). */
export function isoFromMicros(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const rest = Math.round(micros - millis * 1000);
  const date = new Date(millis);
  const year = date.getUTCFullYear();
  const era = year <= 0 ? ' BC' : '';
  const fraction = `${pad(date.getUTCMilliseconds(), 3)}${pad(rest, 3)}`;
  return `${pad(year <= 0 ? 1 - year : year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.${fraction}Z${era}`;
}

/** A datetime as the records API renders created_at (Date.toISOString: UTC, milliseconds). */
export function renderTimestamp(sql: string): string {
  return `to_char((${sql}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
