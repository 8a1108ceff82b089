// The SQL backend of the condition language: a ResolvedCondition over one
// row becomes a boolean SQL expression whose value (true, false or NULL) is
// what evaluate() gives for that record (src/conditions/evaluate.ts), so
// `where <it>` keeps exactly the records evaluate() calls true.
//
// `positive` says the expression is only ever tested for TRUE (a WHERE, a
// quantifier's `where`, under and/or but not under not). There a condition
// may be replaced by one that is true exactly when it is true and false
// otherwise, which lets PostgreSQL use indexes: a filter on an indexed field
// looks up record_index (index-sql.ts), and a filter through a reference
// becomes a semi-join on record_links that can start from the target side.
import { coerce, type Comparable, type ResolvedCondition, type ResolvedOperand, type ResolvedPath } from '../../conditions/index.ts';
import { constantOperand, type Compilation } from './compilation.ts';
import { arrayMatchSql, compareSql, listSql, nullCheckSql, textMatchSql, type RightSide } from './compare-sql.ts';
import { indexCandidates } from './index-sql.ts';
import { afterFirstHop, type RowScope } from './paths-sql.ts';
import { hopRows, relatedRows, selectFrom } from './relation-sql.ts';
import { pathValue } from './value-sql.ts';

export function conditionSql(compilation: Compilation, condition: ResolvedCondition, scope: RowScope, positive: boolean): string {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return `(${condition.items.map((item) => conditionSql(compilation, item, scope, positive)).join(` ${condition.kind} `)})`;
    case 'not':
      return `(not ${conditionSql(compilation, condition.item, scope, false)})`;
    case 'quantifier':
      return quantifierSql(compilation, condition, scope);
    default: {
      if (positive && condition.path.hops.length > 0 && semiJoinable(condition)) return throughHop(compilation, condition, scope);
      const exact = comparisonSql(compilation, condition, scope);
      const candidates = positive ? indexCandidates(compilation, condition, scope) : null;
      return candidates === null ? exact : `(${candidates} and ${exact})`;
    }
  }
}

type Comparison = Exclude<ResolvedCondition, { kind: 'and' | 'or' | 'not' | 'quantifier' }>;

/**
 * Whether the comparison is never true for a NULL value and reads only the
 * path's own record: then "true for the value through the hop" is "some
 * target of the hop makes it true". `is_null` and `nin` can be true for NULL.
 */
function semiJoinable(condition: Comparison): boolean {
  switch (condition.kind) {
    case 'null_check': return condition.op === 'is_not_null';
    case 'compare': return condition.operand.kind !== 'field';
    case 'between': return condition.low.kind !== 'field' && condition.high.kind !== 'field';
    case 'list': return condition.op === 'in';
    case 'text_match': case 'array_match': return true;
  }
}

/** `exists (select 1 from <the hop's link and target> where <the rest of the condition on the target>)`. */
function throughHop(compilation: Compilation, condition: Comparison, scope: RowScope): string {
  const rows = hopRows(compilation, condition.path.hops[0]!, scope);
  const rest = { ...condition, path: afterFirstHop(condition.path) } as Comparison;
  const test = conditionSql(compilation, rest, rows.row, true);
  return `exists (${selectFrom(rows, '1', [test])})`;
}

function operandSide(compilation: Compilation, operand: ResolvedOperand, path: ResolvedPath, scope: RowScope): RightSide {
  return operand.kind === 'field'
    ? { kind: 'sql', typed: pathValue(compilation.b, scope, operand.path) }
    : { kind: 'value', value: constantOperand(compilation, operand, path) };
}

/** A list member as member() reads it: coerced to the path's value type, NULL when it does not fit. */
function listItem(item: Comparable | null, path: ResolvedPath): Comparable | null {
  if (item === null) return null;
  const value = coerce(item, path.valueType);
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}

function comparisonSql(compilation: Compilation, condition: Comparison, scope: RowScope): string {
  const { b } = compilation;
  const value = pathValue(b, scope, condition.path);
  switch (condition.kind) {
    case 'null_check':
      return nullCheckSql(condition.op, value);
    case 'compare':
      return compareSql(b, condition.op, value, operandSide(compilation, condition.operand, condition.path, scope));
    case 'between':
      // x between a and b is x >= a and x <= b, nulls included.
      return `(${compareSql(b, 'gte', value, operandSide(compilation, condition.low, condition.path, scope))} ` +
        `and ${compareSql(b, 'lte', value, operandSide(compilation, condition.high, condition.path, scope))})`;
    case 'list':
      return listSql(b, condition.op, value, condition.items.map((item) => listItem(item, condition.path)));
    case 'text_match':
      return textMatchSql(b, condition.op, value, condition.text);
    case 'array_match':
      return arrayMatchSql(b, condition.op, value.sql, condition.items, condition.path.valueType === 'references');
  }
}

/**
 * EXISTS semantics, never NULL: `some` a related record for which `where` is
 * true; `none` no such record; `every` no related record for which `where`
 * is false or NULL (so over no related records, true).
 */
function quantifierSql(compilation: Compilation, condition: Extract<ResolvedCondition, { kind: 'quantifier' }>, scope: RowScope): string {
  if (condition.quantifier === 'every' && condition.where === null) return 'true';
  const rows = relatedRows(compilation, condition.relation, scope, 'q');
  const where = condition.where === null ? [] : [conditionSql(compilation, condition.where, rows.row, true)];
  if (condition.quantifier === 'every') return `not exists (${selectFrom(rows, '1', [`(${where[0]!}) is not true`])})`;
  const exists = `exists (${selectFrom(rows, '1', where)})`;
  return condition.quantifier === 'some' ? exists : `not ${exists}`;
}
