// Sorting a list and resuming it after a cursor. Order keys are the typed
// values (text COLLATE "C"), with PostgreSQL's default null placement: NULLS
// LAST ascending and NULLS FIRST descending, i.e. null sorts as the largest
// value either way. The record id (ascending) always ends the order, so every
// row has one position. Each key is also selected as text (hidden columns
// k0..kn, then the id) for the next cursor; the keyset predicate casts those
// texts back to the key's type and compares key by key, spelled out as an OR
// chain so NULL keys resume correctly (a row comparison would be NULL there).
import type { ResolvedPath } from '../../conditions/index.ts';
import type { Compilation } from './compilation.ts';
import { nullCheckSql } from './compare-sql.ts';
import type { RowScope } from './paths-sql.ts';
import type { Direction } from './query.ts';
import type { ScalarParamType, SqlBuilder } from './sql-builder.ts';
import { isNullable, pathValue, scalarText } from './value-sql.ts';

export interface SortKey {
  readonly sql: string;
  /** The key as cursor text; read back with `$n::<type>`. */
  readonly text: string;
  readonly type: ScalarParamType;
  readonly direction: Direction;
  readonly nullable: boolean;
}

/** A timestamptz as exact text (microseconds, UTC, era) that `::timestamptz` reads back to the same instant. */
function exactTimestamp(sql: string): string {
  return `to_char((${sql}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z" BC')`;
}

/**
 * The sort keys of a path. A JSON path sorts as JSON scalars: booleans, then
 * numbers, then strings (each in its own order); objects, arrays and nulls
 * last, as NULL. Collections (multi_enum, references, any_reference) sort by
 * their JSON text.
 */
export function sortKeys(compilation: Compilation, scope: RowScope, path: ResolvedPath, direction: Direction): SortKey[] {
  const value = pathValue(compilation.b, scope, path);
  const nullable = isNullable(path);
  const key = (sql: string, type: ScalarParamType, text = `(${sql})::text`): SortKey => ({ sql, text, type, direction, nullable });
  switch (value.kind) {
    case 'text': case 'date': return [key(value.sql, 'text', value.sql)];
    case 'uuid': return [key(value.sql, 'uuid')];
    case 'numeric': case 'float8': return [key(value.sql, 'numeric')];
    case 'boolean': return [key(value.sql, 'boolean')];
    case 'timestamptz': return [key(value.sql, 'timestamptz', exactTimestamp(value.sql))];
    case 'json': {
      const json = value.sql;
      const sub = (sql: string, type: ScalarParamType, text?: string): SortKey => ({ ...key(sql, type, text), nullable: true });
      const string = `(case jsonb_typeof(${json}) when 'string' then ${scalarText(json)} end) collate "C"`;
      return [
        sub(`(case jsonb_typeof(${json}) when 'boolean' then 1 when 'number' then 2 when 'string' then 3 end)`, 'smallint'),
        sub(`(case jsonb_typeof(${json}) when 'boolean' then (${json})::boolean end)`, 'boolean'),
        sub(`(case jsonb_typeof(${json}) when 'number' then (${json})::numeric end)`, 'numeric'),
        sub(string, 'text', string),
      ];
    }
    case 'array': case 'reference': {
      // By the JSON text of a value that is not null (is_not_null).
      const text = `(case when ${nullCheckSql('is_not_null', value)} then ${value.sql} end)::text collate "C"`;
      return [key(text, 'text', text)];
    }
  }
}

/** `order by` items: the keys, then the id. */
export function orderSql(keys: readonly SortKey[], id: string): string {
  return [...keys.map((key) => `${key.sql} ${key.direction}`), `${id} asc`].join(', ');
}

/**
 * Rows after the cursor position. With only non-null ascending keys this is
 * a row comparison (which an index on those columns can serve); otherwise,
 * for keys e1..en and the id, the OR of "e1..e(i-1) tie and ei is after".
 */
export function keysetSql(b: SqlBuilder, keys: readonly SortKey[], id: string, keyTexts: readonly (string | null)[], afterId: string): string {
  if (keyTexts.length !== keys.length) throw new Error(`compileQuery: the cursor has ${keyTexts.length} order keys, the query ${keys.length}`);
  const values = keys.map((key, index) => b.param(keyTexts[index] ?? null, key.type));
  const idValue = b.param(afterId, 'uuid');
  if (keys.every((key) => !key.nullable && key.direction === 'asc')) {
    return keys.length === 0 ? `${id} > ${idValue}` : `(${[...keys.map((key) => key.sql), id].join(', ')}) > (${[...values, idValue].join(', ')})`;
  }
  const terms: string[] = [];
  const ties: string[] = [];
  keys.forEach((key, index) => {
    const value = values[index]!;
    terms.push([...ties, after(key, value)].join(' and '));
    ties.push(key.nullable ? `${key.sql} is not distinct from ${value}` : `${key.sql} = ${value}`);
  });
  terms.push([...ties, `${id} > ${idValue}`].join(' and '));
  return `(${terms.map((term) => `(${term})`).join(' or ')})`;
}

/** The key is strictly after the cursor's value (null being the largest value). */
function after(key: SortKey, value: string): string {
  if (!key.nullable) return `${key.sql} ${key.direction === 'asc' ? '>' : '<'} ${value}`;
  return key.direction === 'asc'
    ? `(${value} is not null and (${key.sql} > ${value} or ${key.sql} is null))`
    : `(${key.sql} < ${value} or (${value} is null and ${key.sql} is not null))`;
}

