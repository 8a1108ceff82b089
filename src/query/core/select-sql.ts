// A list query: one SELECT over the root type's records with the selected
// columns (c0..), the hidden cursor columns (k0..), the filter, the keyset
// position, the order and the page (limit + 1 rows: the extra one says there
// is a next page).
import type { ResolvedPath } from '../../conditions/index.ts';
import { aggregateOutput } from './aggregate-sql.ts';
import type { Compilation } from './compilation.ts';
import { conditionSql } from './condition-sql.ts';
import { keysetSql, orderSql, sortKeys } from './keyset-sql.ts';
import { newScope, rawPath, type RowScope } from './paths-sql.ts';
import type { ColumnDecoder, CompiledQuery, ListQuery, OutputColumn, SelectItem } from './query.ts';
import { relatedRows, selectFrom } from './relation-sql.ts';
import { renderTimestamp } from './value-sql.ts';

/**
 * A selected path as the records API shows it: system fields as their
 * columns (ids as text, created_at/updated_at as ISO instants with
 * milliseconds), a field's stored JSON value as it is.
 */
function selectedPath(compilation: Compilation, scope: RowScope, path: ResolvedPath): { sql: string; decode: ColumnDecoder } {
  const raw = rawPath(compilation.b, scope, path);
  if (!path.system) return { sql: raw, decode: 'json' };
  switch (path.field) {
    case 'version': case 'workflow_version': return { sql: raw, decode: 'integer' };
    case 'created_at': case 'updated_at': case 'state_entered_at': case 'sla_due_at': return { sql: renderTimestamp(raw), decode: 'text' };
    default: return { sql: raw, decode: 'text' };
  }
}

/** A related aggregate: a LATERAL sub-select per row (one plan node, not one query per row). */
function relatedAggregate(compilation: Compilation, scope: RowScope, item: Extract<SelectItem, { kind: 'related_aggregate' }>, laterals: string[]): { sql: string; decode: ColumnDecoder } {
  const rows = relatedRows(compilation, item.relation, scope, 's');
  const output = aggregateOutput(compilation, item.aggregate, rows.row);
  const where = item.where === null ? [] : [conditionSql(compilation, item.where, rows.row, true)];
  const alias = compilation.b.alias('a');
  laterals.push(`cross join lateral (${selectFrom(rows, `${output.render} as value`, where)}) ${alias}`);
  return { sql: `${alias}.value`, decode: output.decode };
}

export function compileList(compilation: Compilation, query: ListQuery): CompiledQuery {
  const { b, context } = compilation;
  const root = newScope('r');
  const laterals: string[] = [];
  const type = b.identifier(query.from, 'text');

  const columns: OutputColumn[] = [];
  const selected = query.select.map((item, index) => {
    const column = `c${index}`;
    const { sql, decode } = item.kind === 'path' ? selectedPath(compilation, root, item.path) : relatedAggregate(compilation, root, item, laterals);
    columns.push({ name: item.name, column, decode });
    return `${sql} as ${column}`;
  });

  const keys = query.orderBy.flatMap((order) => sortKeys(compilation, root, order.path, order.direction));
  const cursorColumns = [...keys.map((_, index) => `k${index}`), `k${keys.length}`];
  const hidden = [...keys.map((key, index) => `${key.text} as k${index}`), `r.id::text as k${keys.length}`];

  const where = [`r.type_key = ${type}`];
  if (query.where !== null) where.push(conditionSql(compilation, query.where, root, true));
  if (query.after !== null) where.push(keysetSql(b, keys, 'r.id', query.after.keys, query.after.id));

  let page = '';
  if (!context.stream) page += ` limit ${b.param(query.limit + 1, 'integer')}`;
  if (query.offset !== null) page += ` offset ${b.param(query.offset, 'integer')}`;

  const from = ['records r', ...root.level.joins, ...laterals].join(' ');
  const text = `select ${[...selected, ...hidden].join(', ')} from ${from} where ${where.join(' and ')} order by ${orderSql(keys, 'r.id')}${page}`;
  return { text, values: b.values, columns, cursorColumns, fetch: context.stream ? null : query.limit + 1, totals: null };
}
