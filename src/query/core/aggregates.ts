// Aggregates, in `aggregate` and in related-aggregate select items:
// `{ "fn", "field"?, "p"?, "as" }`. Which functions apply to which paths:
// count (no field: rows; a field: non-null values) takes any path;
// count_distinct scalar paths; sum, avg and percentile numbers and json
// paths; min and max ordered values and json paths.
import { pointerTo, type ResolvedPath, type ValueType } from '../../conditions/index.ts';
import { has, isKey, isObject, member, OUTPUT_NAME_RULE, rejectUnknownMembers, type JsonObject } from './dsl-input.ts';
import type { OutputInfo, OutputNames } from './outputs.ts';
import { describePath, isPathOf, isScalarPath, SCALAR_RULE } from './path-kinds.ts';
import { AGGREGATE_FUNCTIONS, type AggregateFunction, type AggregateSpec, type NamedAggregate } from './query.ts';
import type { ParseScope } from './scope.ts';

const NUMBERS: readonly ValueType[] = ['integer', 'decimal'];
const ORDERED: readonly ValueType[] = ['integer', 'decimal', 'date', 'datetime', 'text'];

function applies(fn: AggregateFunction, path: ResolvedPath): boolean {
  switch (fn) {
    case 'count': return true;
    case 'count_distinct': return isScalarPath(path);
    case 'sum': case 'avg': case 'percentile': return isPathOf(path, NUMBERS);
    case 'min': case 'max': return isPathOf(path, ORDERED);
  }
}

const APPLIES_TO: Readonly<Record<AggregateFunction, string>> = {
  count: 'any field',
  count_distinct: SCALAR_RULE,
  sum: 'integer and decimal fields and json paths',
  avg: 'integer and decimal fields and json paths',
  percentile: 'integer and decimal fields and json paths',
  min: 'integer, decimal, date, datetime and text fields and json paths',
  max: 'integer, decimal, date, datetime and text fields and json paths',
};

/** The fn, field and p of an aggregate (the caller checks the other members); `type` null when it is unknown (shape only). */
export function parseAggregateSpec(scope: ParseScope, input: JsonObject, pointer: string, type: string | null): AggregateSpec | null {
  const problems = scope.problems;
  const before = problems.count;
  const fn = member(input, 'fn');
  const fnPointer = pointerTo(pointer, 'fn');
  let known: AggregateFunction | null = null;
  if (!has(input, 'fn')) problems.add(pointer, `must have "fn", one of: ${AGGREGATE_FUNCTIONS.join(', ')}`);
  else if (typeof fn !== 'string' || !(AGGREGATE_FUNCTIONS as readonly string[]).includes(fn)) problems.add(fnPointer, `must be one of: ${AGGREGATE_FUNCTIONS.join(', ')}`);
  else known = fn as AggregateFunction;

  let path: ResolvedPath | null = null;
  const fieldPointer = pointerTo(pointer, 'field');
  if (has(input, 'field')) {
    path = scope.path(input.field, type, fieldPointer);
    if (path !== null && known !== null && !applies(known, path)) {
      problems.add(fieldPointer, `${known} does not apply to ${describePath(path)}; it applies to ${APPLIES_TO[known]}`);
    }
  } else if (known !== null && known !== 'count') {
    problems.add(pointer, `must have "field" for ${known} (${APPLIES_TO[known]})`);
  }

  let p: number | null = null;
  const pValue = member(input, 'p');
  if (known === 'percentile') {
    if (!has(input, 'p')) problems.add(pointer, 'must have "p" for percentile: a number from 0 to 1 (0.9 is the 90th percentile)');
    else if (typeof pValue !== 'number' || !Number.isFinite(pValue) || pValue < 0 || pValue > 1) problems.add(pointerTo(pointer, 'p'), 'must be a number from 0 to 1 (0.9 is the 90th percentile)');
    else p = pValue;
  } else if (has(input, 'p') && known !== null) {
    problems.add(pointerTo(pointer, 'p'), `"p" applies to percentile only, not ${known}`);
  }

  if (known === null || type === null || problems.count > before || (has(input, 'field') && path === null)) return null;
  return { fn: known, path, p };
}

/** The value type of an aggregate's result, for `having` literals. */
export function aggregateValueType(spec: AggregateSpec): ValueType {
  switch (spec.fn) {
    case 'count': case 'count_distinct': return 'integer';
    case 'sum': case 'avg': case 'percentile': return 'decimal';
    case 'min': case 'max': return spec.path === null ? 'decimal' : spec.path.valueType;
  }
}

/** An output name in `as`: required for aggregates, optional for group keys. */
export function parseOutputName(scope: ParseScope, input: JsonObject, pointer: string, required: boolean): string | null | undefined {
  if (!has(input, 'as')) return required ? scope.problems.add(pointer, `must have "as": the name of this output, ${OUTPUT_NAME_RULE}`) : undefined;
  return isKey(input.as) ? input.as : scope.problems.add(pointerTo(pointer, 'as'), `must be ${OUTPUT_NAME_RULE}`);
}

const AGGREGATE_KEYS = ['fn', 'field', 'p', 'as'] as const;

/** The `aggregate` member of an aggregate query. */
export function parseAggregates(scope: ParseScope, input: unknown, type: string | null, outputs: OutputNames): NamedAggregate[] | null {
  const problems = scope.problems;
  const pointer = '/aggregate';
  if (!Array.isArray(input) || input.length === 0) return problems.add(pointer, 'must be a non-empty array of aggregates {"fn", "field"?, "p"?, "as"} (omit it to list distinct group keys)');
  const max = scope.limits.maxSelect;
  if (input.length > max) return problems.add(pointer, `must have at most ${max} aggregates on this plan`);
  const before = problems.count;
  const aggregates: NamedAggregate[] = [];
  input.forEach((item: unknown, index) => {
    const itemPointer = pointerTo(pointer, index);
    if (!isObject(item)) return problems.add(itemPointer, `must be an aggregate {"fn", "field"?, "p"?, "as"}; fn is one of: ${AGGREGATE_FUNCTIONS.join(', ')}`);
    rejectUnknownMembers(item, AGGREGATE_KEYS, itemPointer, problems);
    const aggregate = parseAggregateSpec(scope, item, itemPointer, type);
    const name = parseOutputName(scope, item, itemPointer, true);
    if (typeof name !== 'string') return null;
    // The name is known even when the aggregate is not, so `having` and `order_by` do not report it again.
    const info: OutputInfo = { name, valueType: aggregate === null ? null : aggregateValueType(aggregate), enumValues: null, role: 'aggregate' };
    if (outputs.add(info, pointerTo(itemPointer, 'as'), problems) && aggregate !== null) aggregates.push({ name, aggregate });
    return null;
  });
  return problems.count > before ? null : aggregates;
}
