// `having`: a condition over the output columns of an aggregate query (group
// keys and aggregates, by name) with literal values, in the same three-valued
// logic as `where`. Literals are read as the output's type (coerce.ts), so a
// datetime compares by instant and a date as its calendar text.
import { coerce, type Comparable, type ValueType } from '../../conditions/index.ts';
import type { Output } from './aggregate-sql.ts';
import { compareSql, listSql, nullCheckSql } from './compare-sql.ts';
import type { OutputCondition } from './query.ts';
import type { SqlBuilder } from './sql-builder.ts';
import type { SqlKind } from './value-sql.ts';

const VALUE_TYPES: Readonly<Record<SqlKind, ValueType>> = {
  text: 'text', date: 'date', timestamptz: 'datetime', uuid: 'uuid', numeric: 'decimal', float8: 'decimal', boolean: 'boolean',
  json: 'json', array: 'json', reference: 'json',
};

function literal(value: Comparable | null, output: Output): Comparable | null {
  if (value === null) return null;
  const read = coerce(value, VALUE_TYPES[output.value.kind]);
  return typeof read === 'string' || typeof read === 'number' || typeof read === 'boolean' ? read : null;
}

export function havingSql(b: SqlBuilder, condition: OutputCondition, outputs: ReadonlyMap<string, Output>): string {
  const output = (name: string): Output => {
    const found = outputs.get(name);
    if (found === undefined) throw new Error(`compileQuery: having names '${name}', which is not an output`);
    return found;
  };
  switch (condition.kind) {
    case 'and': case 'or':
      return `(${condition.items.map((item) => havingSql(b, item, outputs)).join(` ${condition.kind} `)})`;
    case 'not':
      return `(not ${havingSql(b, condition.item, outputs)})`;
    case 'null_check':
      return nullCheckSql(condition.op, output(condition.name).value);
    case 'compare': {
      const target = output(condition.name);
      return compareSql(b, condition.op, target.value, { kind: 'value', value: literal(condition.value, target) });
    }
    case 'between': {
      const target = output(condition.name);
      return `(${compareSql(b, 'gte', target.value, { kind: 'value', value: literal(condition.low, target) })} ` +
        `and ${compareSql(b, 'lte', target.value, { kind: 'value', value: literal(condition.high, target) })})`;
    }
    case 'list': {
      const target = output(condition.name);
      return listSql(b, condition.op, target.value, condition.items.map((item) => literal(item, target)));
    }
  }
}
