// evaluate(): a type-checked condition over one record, with SQL's
// three-valued logic, giving exactly what PostgreSQL gives for the SQL the
// query engine compiles (docs/conditions.md, "Null semantics"). Pure: the
// record, its related records, the clock, the user and the zone come in.
import type { OrderingOperator, Scalar } from './ast.ts';
import { coerce, type Comparable, type Value } from './coerce.ts';
import { and, not, or, type Truth } from './logic.ts';
import type { ResolvedCondition, ResolvedOperand, ResolvedPath, ResolvedRelation } from './resolved.ts';
import { relativeDate, relativeInstant, startOfDate, startOfInstant } from './temporal.ts';
import { compareText, simpleLowercase } from './text-order.ts';

/** How the evaluator reads a record; the caller decides where records come from. */
export interface RecordView {
  /** The raw value at the end of the path (following its hops and JSON path); null or undefined when any step is missing. */
  get(path: ResolvedPath): unknown;
  /** The records a quantifier ranges over. */
  related(relation: ResolvedRelation): Iterable<RecordView>;
}

export interface EvaluationContext {
  readonly now: Date;
  /** IANA zone for `start_of` and day/week `relative` operands. */
  readonly timeZone: string;
  /** The caller, for `current_user`; null when there is none (then the comparison is null). */
  readonly userId: string | null;
}

export function evaluate(condition: ResolvedCondition, record: RecordView, context: EvaluationContext): Truth {
  switch (condition.kind) {
    case 'and':
      return and(lazily(condition.items, record, context));
    case 'or':
      return or(lazily(condition.items, record, context));
    case 'not':
      return not(evaluate(condition.item, record, context));
    case 'null_check': {
      const isNull = isNullAt(condition.path, record);
      return condition.op === 'is_null' ? isNull : !isNull;
    }
    case 'compare':
      return compare(condition.op, scalar(read(condition.path, record)), operandValue(condition.operand, condition.path, record, context));
    case 'between': {
      // x BETWEEN a AND b is x >= a AND x <= b, nulls included.
      const value = scalar(read(condition.path, record));
      return and([
        compare('gte', value, operandValue(condition.low, condition.path, record, context)),
        compare('lte', value, operandValue(condition.high, condition.path, record, context)),
      ]);
    }
    case 'list': {
      const found = member(scalar(read(condition.path, record)), condition.items, condition.path);
      return condition.op === 'in' ? found : not(found);
    }
    case 'text_match':
      return textMatch(condition, read(condition.path, record));
    case 'array_match': {
      const value = read(condition.path, record);
      if (!Array.isArray(value)) return null;
      const present = new Set<string>(value);
      return condition.op === 'has_any' ? condition.items.some((item) => present.has(item)) : condition.items.every((item) => present.has(item));
    }
    case 'quantifier': {
      // EXISTS semantics: a related record counts when `where` is true (not null).
      const matches = (related: RecordView) => condition.where === null || evaluate(condition.where, related, context) === true;
      switch (condition.quantifier) {
        case 'some': return someOf(record.related(condition.relation), matches);
        case 'none': return !someOf(record.related(condition.relation), matches);
        case 'every': return !someOf(record.related(condition.relation), (related) => !matches(related));
      }
    }
  }
}

function textMatch(condition: Extract<ResolvedCondition, { kind: 'text_match' }>, value: Value | null): Truth {
  if (typeof value !== 'string') return null; // null, or a JSON scalar that is not a string
  switch (condition.op) {
    case 'contains': return value.includes(condition.text);
    case 'starts_with': return value.startsWith(condition.text);
    case 'ends_with': return value.endsWith(condition.text);
    case 'icontains': return simpleLowercase(value).includes(simpleLowercase(condition.text));
  }
}

function* lazily(items: readonly ResolvedCondition[], record: RecordView, context: EvaluationContext): Generator<Truth> {
  for (const item of items) yield evaluate(item, record, context);
}

function someOf(records: Iterable<RecordView>, predicate: (record: RecordView) => boolean): boolean {
  for (const record of records) if (predicate(record)) return true;
  return false;
}

/** Inside json, only a missing value or JSON null is null (an object or array is a value, though not comparable). */
function isNullAt(path: ResolvedPath, record: RecordView): boolean {
  if (path.valueType !== 'json') return read(path, record) === null;
  const raw = record.get(path);
  return raw === null || raw === undefined;
}

function read(path: ResolvedPath, record: RecordView): Value | null {
  return coerce(record.get(path), path.valueType);
}

function scalar(value: Value | null): Comparable | null {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}

/** The value of an operand, comparable with the values of `path`. */
export function operandValue(operand: ResolvedOperand, path: ResolvedPath, record: RecordView, context: EvaluationContext): Comparable | null {
  switch (operand.kind) {
    case 'literal':
      return scalar(coerce(operand.value, path.valueType));
    case 'field':
      return scalar(read(operand.path, record));
    case 'current_user':
      return context.userId === null ? null : context.userId.toLowerCase();
    case 'relative':
      return path.valueType === 'date'
        ? relativeDate(context.now, operand.amount, operand.unit, context.timeZone)
        : relativeInstant(context.now, operand.amount, operand.unit, context.timeZone) * 1000;
    case 'start_of':
      return path.valueType === 'date'
        ? startOfDate(context.now, operand.unit, context.timeZone)
        : startOfInstant(context.now, operand.unit, context.timeZone) * 1000;
  }
}

/** Order of two values of one kind; null when the kinds differ (only possible for JSON scalars). */
function order(left: Comparable, right: Comparable): number | null {
  if (typeof left === 'string' && typeof right === 'string') return compareText(left, right);
  if (typeof left === 'number' && typeof right === 'number') return left === right ? 0 : left < right ? -1 : 1;
  if (typeof left === 'boolean' && typeof right === 'boolean') return left === right ? 0 : left ? 1 : -1;
  return null;
}

function compare(op: OrderingOperator, left: Comparable | null, right: Comparable | null): Truth {
  if (left === null || right === null) return null;
  const sign = order(left, right);
  if (sign === null) {
    // JSON scalars of different kinds: never equal, not ordered.
    if (op === 'eq') return false;
    if (op === 'neq') return true;
    return null;
  }
  switch (op) {
    case 'eq': return sign === 0;
    case 'neq': return sign !== 0;
    case 'lt': return sign < 0;
    case 'lte': return sign <= 0;
    case 'gt': return sign > 0;
    case 'gte': return sign >= 0;
  }
}

/** x IN (list), as `x = ANY(list)`: an empty list is false even for a null x. */
function member(value: Comparable | null, items: readonly (Scalar | null)[], path: ResolvedPath): Truth {
  if (items.length === 0) return false;
  return or(items.map((item) => compare('eq', value, item === null ? null : scalar(coerce(item, path.valueType)))));
}
