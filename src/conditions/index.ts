// The condition language (docs/conditions.md): parse, type-check against the
// registry, evaluate in memory. The query engine adds a SQL backend over the
// same ResolvedCondition tree; workflows evaluate guards with it.
export { parse, type ParseResult } from './parse.ts';
export { typeCheck, type TypeCheckOptions, type TypeCheckResult } from './type-check.ts';
export { evaluate, operandValue, type EvaluationContext, type RecordView } from './evaluate.ts';
export { inMemoryRecords, type RecordSet, type StoredRecord } from './memory-records.ts';
export {
  COMPARISON_OPERATORS, QUANTIFIERS, RELATIVE_UNITS, START_OF_UNITS,
  type AndNode, type OrNode, type NotNode, type ArrayOperator, type ComparisonNode, type ComparisonOperator, type ComparisonValue, type Condition, type ListOperator,
  type NullOperator, type Operand, type OrderingOperator, type Quantifier, type QuantifierNode, type RelativeUnit, type Scalar,
  type StartOfUnit, type TextOperator,
} from './ast.ts';
export type { PathHop, ResolvedCondition, ResolvedOperand, ResolvedPath, ResolvedRelation } from './resolved.ts';
export { operatorsFor, valueTypeOf, comparableFamily, type PathFieldType, type ValueType } from './value-types.ts';
export { MAX_COMPARISONS, MAX_DEPTH, MAX_HOPS } from './limits.ts';
export { relativeDate, relativeInstant, startOfDate, startOfInstant } from './temporal.ts';
export { isTimeZone } from './time-zone.ts';
export { resolvePath, resolveRelation, type Resolution } from './resolve-path.ts';
export { closeMatches } from './closest.ts';
export { pointerTo } from './pointer.ts';
export { compareText, simpleLowercase } from './text-order.ts';
export { isDate, isDatetime, isUuid, parseDatetime } from './literals.ts';
export { coerce, type Comparable } from './coerce.ts';
export type { Truth } from './logic.ts';

import type { RegistrySnapshot } from '../entities/core/definitions.ts';
import type { FieldError } from '../platform/http/errors.ts';
import { parse } from './parse.ts';
import type { ResolvedCondition } from './resolved.ts';
import { typeCheck, type TypeCheckOptions } from './type-check.ts';

/** parse + typeCheck in one step: what the registry, the query engine and workflows call on user input. */
export function compileCondition(
  input: unknown, rootType: string, registry: RegistrySnapshot, options: TypeCheckOptions & { readonly pointerPrefix?: string } = {},
): { readonly ok: true; readonly condition: ResolvedCondition } | { readonly ok: false; readonly errors: readonly FieldError[] } {
  const parsed = parse(input, options.pointerPrefix ?? '');
  return parsed.ok ? typeCheck(parsed.condition, rootType, registry, options) : parsed;
}
