// Filters on indexed fields through record_index (migrations/0005): its value
// columns are plain typed columns whose comparisons are LEAKPROOF, so under
// RLS they can be index conditions, where anything on `data` cannot
// (../shared/POSTGRES-RLS-NOTES.md). Used only where a condition is tested
// for TRUE (not under `not`): there `id in (candidates) and <the exact
// comparison on data>` is true exactly when the comparison is, as long as
// the candidates include every record for which it is true. They do: the
// records service enters every value that can compare true (strings up to
// 1,000 characters, every number, date and boolean, and every datetime in a
// form the API accepts), and the
// comparison on `data` still decides, so a decimal found by its double, or an
// entry left from a number stored as a string, is
// confirmed or dropped there. Where a value cannot be looked up (a literal
// longer than an entry can be, a date PostgreSQL cannot read, has_all of
// nothing), the condition does not use the index at all.
import type { Comparable, PathFieldType, ResolvedCondition, ResolvedPath } from '../../conditions/index.ts';
import { constantOperand, type Compilation } from './compilation.ts';
import { typeMatch, type RowScope } from './paths-sql.ts';
import type { ScalarParamType } from './sql-builder.ts';
import { isoFromMicros } from './value-sql.ts';

/** As src/records/core/index-values.ts: longer text gets no entry (a test keeps the two equal). */
export const MAX_INDEXED_TEXT = 1000;

interface IndexColumn {
  readonly column: 'value_text' | 'value_number' | 'value_date' | 'value_time' | 'value_bool';
  readonly type: ScalarParamType;
  /** Ranges can use it: numbers, dates and times (text order in the index is the database's collation, not "C"). */
  readonly ordered: boolean;
}

const TEXT: IndexColumn = { column: 'value_text', type: 'text', ordered: false };
/** Field type -> entry column, as index-values.ts writes them (relation fields have none: record_links is their index). */
export const INDEX_COLUMNS: Partial<Record<PathFieldType, IndexColumn>> = {
  text: TEXT, long_text: TEXT, email: TEXT, url: TEXT, enum: TEXT, multi_enum: TEXT, user: TEXT,
  integer: { column: 'value_number', type: 'float8', ordered: true },
  decimal: { column: 'value_number', type: 'float8', ordered: true },
  date: { column: 'value_date', type: 'date', ordered: true },
  datetime: { column: 'value_time', type: 'timestamptz', ordered: true },
  boolean: { column: 'value_bool', type: 'boolean', ordered: false },
};

const RANGE = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

/** The entry value to look up, or null when no entry can hold it. */
function entryValue(index: IndexColumn, value: Comparable | null): unknown {
  if (value === null) return null;
  switch (index.column) {
    case 'value_text': return typeof value === 'string' && value.length <= MAX_INDEXED_TEXT ? value : null;
    case 'value_number': return typeof value === 'number' ? value : null;
    case 'value_date': return typeof value === 'string' && !value.startsWith('0000') ? value : null;
    case 'value_time': return typeof value === 'number' ? isoFromMicros(value) : null;
    case 'value_bool': return typeof value === 'boolean' ? value : null;
  }
}

function usableColumn(compilation: Compilation, path: ResolvedPath): IndexColumn | null {
  if (path.hops.length > 0 || path.system || path.jsonPath.length > 0) return null;
  const index = INDEX_COLUMNS[path.fieldType];
  if (index === undefined) return null;
  return path.ownerTypes.every((type) => compilation.context.indexedFields(type).has(path.field)) ? index : null;
}

/**
 * `<row>.id in (select record_id from record_index ...)` for a condition that can use the index, else null.
 * A value no entry can hold (see entryValue) means no lookup at all: the condition is then compiled on
 * `data` alone. That makes the SQL text depend on whether such a value is present, which is still a pure
 * function of the query; the earlier way out (a `union all` branch of every record, bound away by a NULL
 * parameter) kept one text but stopped PostgreSQL from using the lookup well (bench:query measured 500x).
 */
export function indexCandidates(compilation: Compilation, condition: ResolvedCondition, scope: RowScope): string | null {
  if (!('path' in condition)) return null;
  const index = usableColumn(compilation, condition.path);
  if (index === null) return null;
  const { b } = compilation;
  const lookup = (value: Comparable | null): unknown => entryValue(index, value);
  let test: string;
  switch (condition.kind) {
    case 'compare': {
      if (condition.operand.kind === 'field') return null;
      const value = lookup(constantOperand(compilation, condition.operand, condition.path));
      if (value === null) return null;
      if (condition.op === 'eq') test = `= ${b.param(value, index.type)}`;
      else if (condition.op !== 'neq' && index.ordered) test = `${RANGE[condition.op]} ${b.param(value, index.type)}`;
      else return null;
      break;
    }
    case 'between': {
      if (!index.ordered || condition.low.kind === 'field' || condition.high.kind === 'field') return null;
      const low = lookup(constantOperand(compilation, condition.low, condition.path));
      const high = lookup(constantOperand(compilation, condition.high, condition.path));
      if (low === null || high === null) return null;
      test = `between ${b.param(low, index.type)} and ${b.param(high, index.type)}`;
      break;
    }
    case 'list': {
      if (condition.op !== 'in') return null;
      const values = condition.items.map((item) => (item === null ? null : lookup(constant(compilation, item, condition.path))));
      if (condition.items.some((item, position) => item !== null && values[position] === null)) return null;
      test = `= any(${b.param(values, `${index.type}[]`)})`;
      break;
    }
    case 'array_match': {
      if (condition.path.valueType !== 'multi_enum') return null;
      // has_all [] is true for every array: no entry to find it by.
      if (condition.op === 'has_all' && condition.items.length === 0) return null;
      test = `= any(${b.param([...condition.items], 'text[]')})`;
      break;
    }
    default:
      return null;
  }
  const entry = b.alias('ri');
  const entries = `select ${entry}.record_id from record_index ${entry} where ${typeMatch(b, entry, condition.path.ownerTypes)} ` +
    `and ${entry}.field_key = ${b.identifier(condition.path.field, 'text')} and ${entry}.${index.column} ${test}`;
  return `${scope.alias}.id in (${entries})`;
}

/** A list literal as evaluate() reads it (coerce to the path's value type). */
function constant(compilation: Compilation, item: Comparable, path: ResolvedPath): Comparable | null {
  return constantOperand(compilation, { kind: 'literal', value: item }, path);
}
