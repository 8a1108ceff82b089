// An aggregate query: one SELECT grouping the root type's matching records
// by the group keys (paths, time buckets), with the aggregates, `having`, the
// order of the groups (by output names, then the remaining group keys so the
// order is total) and the page of groups. `totals` is a second statement:
// the same aggregates over all matching records, without grouping.
import { aggregateOutput, groupOutput, type Output } from './aggregate-sql.ts';
import { newCompilation, type Compilation } from './compilation.ts';
import { conditionSql } from './condition-sql.ts';
import { havingSql } from './having-sql.ts';
import { newScope } from './paths-sql.ts';
import type { AggregateQuery, CompiledQuery, CompiledStatement, OutputColumn } from './query.ts';
import { scalarText } from './value-sql.ts';

interface Named extends Output {
  readonly name: string;
  readonly column: string;
}

function statement(compilation: Compilation, query: AggregateQuery, grouped: boolean): CompiledStatement {
  const { b, context } = compilation;
  const root = newScope('r');
  const type = b.identifier(query.from, 'text');
  const keys: Named[] = grouped ? query.groupBy.map((key, index) => ({ ...groupOutput(compilation, key, root), name: key.name, column: `c${index}` })) : [];
  const aggregates: Named[] = query.aggregates.map((aggregate, index) => ({
    ...aggregateOutput(compilation, aggregate.aggregate, root), name: aggregate.name, column: `c${keys.length + index}`,
  }));
  const outputs = [...keys, ...aggregates];

  // Each output once in the select list (cN, rendered), and its value where that differs (vN, a
  // datetime before rendering); group by and order by name those columns instead of repeating them.
  const selectList = outputs.flatMap((output) => [`${output.render} as ${output.column}`, ...(output.render === output.value.sql ? [] : [`${output.value.sql} as ${valueColumn(output)}`])]);
  const ref = (output: Named) => (output.render === output.value.sql ? output.column : valueColumn(output));

  const where = [`r.type_key = ${type}`];
  if (query.where !== null) where.push(conditionSql(compilation, query.where, root, true));
  let text = `select ${selectList.join(', ')} from ${['records r', ...root.level.joins].join(' ')} where ${where.join(' and ')}`;
  if (keys.length > 0) text += ` group by ${keys.map(ref).join(', ')}`;

  let fetch: number | null = null;
  if (grouped) {
    const byName = new Map(outputs.map((output) => [output.name, output]));
    if (query.having !== null) text += ` having ${havingSql(b, query.having, byName)}`;
    const ordered = new Set(query.orderBy.map((order) => order.name));
    const sort = (output: Named, direction: string) => (output.value.kind === 'json' ? jsonOrder(output.value.sql) : [ref(output)]).map((sql) => `${sql} ${direction}`);
    const order = [
      ...query.orderBy.flatMap((order) => sort(byName.get(order.name) ?? missing(order.name), order.direction)),
      ...keys.filter((key) => !ordered.has(key.name)).flatMap((key) => sort(key, 'asc')),
    ];
    if (order.length > 0) text += ` order by ${order.join(', ')}`;
    if (!context.stream) {
      text += ` limit ${b.param(query.limit, 'integer')}`;
      fetch = query.limit;
    }
    if (query.offset !== null) text += ` offset ${b.param(query.offset, 'integer')}`;
  }
  const columns: OutputColumn[] = outputs.map((output) => ({ name: output.name, column: output.column, decode: output.decode }));
  return { text, values: b.values, columns, cursorColumns: [], fetch };
}

/**
 * A JSON group key sorts as a list sorts by a JSON path (keyset-sql.ts): booleans, then numbers, then
 * strings by code point, then objects and arrays (in jsonb's order), null last. Ordering the jsonb
 * itself would put strings first and compare them in the database's collation.
 */
function jsonOrder(json: string): string[] {
  return [
    `(case jsonb_typeof(${json}) when 'boolean' then 1 when 'number' then 2 when 'string' then 3 when 'array' then 4 when 'object' then 4 end)`,
    `(case jsonb_typeof(${json}) when 'boolean' then (${json})::boolean end)`,
    `(case jsonb_typeof(${json}) when 'number' then (${json})::numeric end)`,
    `(case jsonb_typeof(${json}) when 'string' then ${scalarText(json)} end) collate "C"`,
    json,
  ];
}

function valueColumn(output: Named): string {
  return `v${output.column.slice(1)}`;
}

function missing(name: string): never {
  throw new Error(`compileQuery: order_by names '${name}', which is not an output`);
}

export function compileAggregate(compilation: Compilation, query: AggregateQuery): CompiledQuery {
  const main = statement(compilation, query, true);
  const totals = query.totals ? statement(newCompilation(compilation.registry, compilation.context), query, false) : null;
  return { ...main, totals };
}
