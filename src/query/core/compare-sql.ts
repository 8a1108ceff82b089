// The comparisons of the condition language over typed SQL values. SQL's own
// three-valued logic is the evaluator's (docs/conditions.md, "Null
// semantics"): a comparison with NULL is NULL, `x = any(list)` is true on a
// match, else NULL if x or a member is NULL, else false (an empty list is
// false). Only JSON scalars need more: values of different JSON kinds are
// never equal and not ordered.
import { simpleLowercase, type ArrayOperator, type Comparable, type NullOperator, type OrderingOperator, type TextOperator } from '../../conditions/index.ts';
import type { SqlBuilder } from './sql-builder.ts';
import { bindValue, paramTypeOf, scalarText, UUID_PATTERN, type Typed } from './value-sql.ts';

/** The right-hand side: a value known when compiling (bound), or another SQL value of the same kind. */
export type RightSide = { readonly kind: 'value'; readonly value: Comparable | null } | { readonly kind: 'sql'; readonly typed: Typed };

const OPERATORS: Readonly<Record<OrderingOperator, string>> = { eq: '=', neq: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' };

/** A JSON value as a comparable scalar: objects, arrays and JSON null read as NULL. */
export function jsonScalar(json: string): string {
  return `(case when jsonb_typeof(${json}) in ('string', 'number', 'boolean') then ${json} end)`;
}

export function compareSql(b: SqlBuilder, op: OrderingOperator, left: Typed, right: RightSide): string {
  if (left.kind === 'json') return jsonCompare(b, op, left.sql, right);
  const rightSql = right.kind === 'sql' ? right.typed.sql : b.param(bindValue(right.value, left.kind), paramTypeOf(left.kind));
  return `${left.sql} ${OPERATORS[op]} ${rightSql}`;
}

/**
 * JSON scalars: equality is jsonb equality of the scalars (false across kinds,
 * numbers by value); order only within a kind (strings by code point, numbers
 * numerically, false < true), NULL across kinds. A literal is bound once per
 * kind, only the parameter of its own kind being non-null, so no cast ever
 * sees a value of another kind (even a constant one folded while planning).
 */
function jsonCompare(b: SqlBuilder, op: OrderingOperator, json: string, right: RightSide): string {
  if (op === 'eq' || op === 'neq') {
    const other = right.kind === 'sql' ? jsonScalar(right.typed.sql) : b.param(bindValue(right.value, 'json'), 'jsonb');
    return `${jsonScalar(json)} ${OPERATORS[op]} ${other}`;
  }
  const sign = OPERATORS[op];
  if (right.kind === 'sql') {
    const other = right.typed.sql;
    return `(case when jsonb_typeof(${json}) = jsonb_typeof(${other}) then case jsonb_typeof(${json}) ` +
      `when 'string' then ${scalarText(json)} collate "C" ${sign} ${scalarText(other)} ` +
      `when 'number' then (${json})::numeric ${sign} (${other})::numeric ` +
      `when 'boolean' then (${json})::boolean ${sign} (${other})::boolean end end)`;
  }
  const value = right.value;
  const text = b.param(typeof value === 'string' ? value : null, 'text');
  const number = b.param(typeof value === 'number' ? value : null, 'numeric');
  const boolean = b.param(typeof value === 'boolean' ? value : null, 'boolean');
  return `(case jsonb_typeof(${json}) ` +
    `when 'string' then ${scalarText(json)} collate "C" ${sign} ${text} ` +
    `when 'number' then (${json})::numeric ${sign} ${number} ` +
    `when 'boolean' then (${json})::boolean ${sign} ${boolean} end)`;
}

/** `in` as `x = any(list)`; `nin` as its negation (`x <> all(list)`). */
export function listSql(b: SqlBuilder, op: 'in' | 'nin', left: Typed, items: readonly (Comparable | null)[]): string {
  const kind = left.kind;
  const list = b.param(items.map((item) => bindValue(item, kind)), `${paramTypeOf(kind)}[]`);
  const value = kind === 'json' ? jsonScalar(left.sql) : left.sql;
  const member = `${value} = any(${list})`;
  return op === 'in' ? `(${member})` : `(not ${member})`;
}

/** `text` is a text value (a JSON path: its string, else NULL). Pattern characters are never special: strpos, starts_with, right. */
export function textMatchSql(b: SqlBuilder, op: TextOperator, left: Typed, text: string): string {
  const value = left.kind === 'json' ? `(case jsonb_typeof(${left.sql}) when 'string' then ${scalarText(left.sql)} end)` : left.sql;
  switch (op) {
    case 'contains':
      return `strpos(${value}, ${b.param(text, 'text')}) > 0`;
    case 'starts_with':
      return `starts_with(${value}, ${b.param(text, 'text')})`;
    case 'ends_with': {
      const suffix = b.param(text, 'text');
      return `right(${value}, length(${suffix})) = ${suffix}`;
    }
    case 'icontains':
      // The simple case mapping of text-order.ts: lower() under the database's default
      // collation (C.UTF-8 / pg_c_utf8), not under "C", which lower-cases ASCII only.
      return `strpos(lower(${value} collate "default"), ${b.param(simpleLowercase(text), 'text')}) > 0`;
  }
}

/** has_any / has_all over a multi_enum (strings) or references (uuids, case-insensitive) array; NULL when the value is not an array. */
export function arrayMatchSql(b: SqlBuilder, op: ArrayOperator, json: string, items: readonly string[], references: boolean): string {
  if (!references) {
    // `?|` / `?&` match the array's string elements exactly.
    const list = b.param([...items], 'text[]');
    return `(case jsonb_typeof(${json}) when 'array' then ${json} ${op === 'has_any' ? '?|' : '?&'} ${list} end)`;
  }
  const list = b.param(items.map((item) => item.toLowerCase()), 'text[]');
  const element = `select 1 from jsonb_array_elements_text(${json}) e(v) where e.v ~ '${UUID_PATTERN}' and lower(e.v)`;
  const test = op === 'has_any'
    ? `exists (${element} = any(${list}))`
    : `not exists (select 1 from unnest(${list}) i(v) where not exists (${element} = i.v))`;
  return `(case jsonb_typeof(${json}) when 'array' then ${test} end)`;
}

/** is_null / is_not_null: never NULL. `value` is the typed value; `raw` the stored jsonb for json and collection kinds. */
export function nullCheckSql(op: NullOperator, value: Typed): string {
  const isNull = op === 'is_null';
  switch (value.kind) {
    case 'json':
      // Missing or JSON null; an object or array is a value.
      return `coalesce(jsonb_typeof(${value.sql}), 'null') ${isNull ? '=' : '<>'} 'null'`;
    case 'array':
      return `coalesce(jsonb_typeof(${value.sql}), '') ${isNull ? '<>' : '='} 'array'`;
    case 'reference': {
      const present = `coalesce(jsonb_typeof(${value.sql}) = 'object' and (${value.sql} ->> 'id') ~ '${UUID_PATTERN}', false)`;
      return isNull ? `not ${present}` : present;
    }
    default:
      return `${value.sql} ${isNull ? 'is null' : 'is not null'}`;
  }
}
