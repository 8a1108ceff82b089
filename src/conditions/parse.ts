// parse(): unknown JSON -> a Condition tree, or every shape error at once,
// each with the JSON Pointer of the offending node and what is allowed there.
// Never throws: deep or huge input stops at the limits with an error.
import type { FieldError } from '../platform/http/errors.ts';
import {
  COMPARISON_OPERATORS, QUANTIFIERS, RELATIVE_UNITS, START_OF_UNITS,
  type ComparisonOperator, type ComparisonValue, type Condition, type Operand, type Quantifier,
  type RelativeUnit, type Scalar, type StartOfUnit,
} from './ast.ts';
import { MAX_COMPARISONS, MAX_DEPTH, MAX_RELATIVE_MINUTES } from './limits.ts';
import { pointerTo } from './pointer.ts';

export type ParseResult =
  | { readonly ok: true; readonly condition: Condition }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

interface State {
  readonly errors: FieldError[];
  comparisons: number;
}

const NODE_KEYS = ['and', 'or', 'not', 'some', 'none', 'every', 'field'] as const;
const NODE_SHAPES = 'a condition object: {"and": [...]}, {"or": [...]}, {"not": {...}}, {"field", "op", "value"} or {"some"|"none"|"every": {"path", "where"}}';
const OPERAND_SHAPES = 'a JSON literal (string, number, boolean) or one of {"field": "<path>"}, {"current_user": true}, {"relative": "-7d"} (units m, h, d, w), {"start_of": "day"|"week"|"month"|"quarter"|"year"}';
const RELATIVE_PATTERN = /^([+-]?)(\d{1,8})([mhdw])$/;
const PATH_PATTERN = /^[^.]+(\.[^.]+)*$/;
const MAX_PATH_LENGTH = 500;
const UNIT_MINUTES: Record<RelativeUnit, number> = { m: 1, h: 60, d: 1440, w: 10080 };

export function parse(input: unknown, pointerPrefix = ''): ParseResult {
  const state: State = { errors: [], comparisons: 0 };
  const condition = parseNode(input, pointerPrefix, 1, state);
  if (state.errors.length > 0 || condition === null) {
    return { ok: false, errors: state.errors.length > 0 ? state.errors : [{ pointer: pointerPrefix, message: `must be ${NODE_SHAPES}` }] };
  }
  return { ok: true, condition };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function has(object: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function fail(state: State, pointer: string, message: string): null {
  state.errors.push({ pointer, message });
  return null;
}

function rejectUnknownMembers(object: Record<string, unknown>, allowed: readonly string[], pointer: string, state: State): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) fail(state, pointerTo(pointer, key), `unknown member; allowed here: ${allowed.join(', ')}`);
  }
}

function parseNode(input: unknown, pointer: string, depth: number, state: State): Condition | null {
  if (depth > MAX_DEPTH) return fail(state, pointer, `conditions may be nested at most ${MAX_DEPTH} levels deep`);
  if (!isRecord(input)) return fail(state, pointer, `must be ${NODE_SHAPES}`);
  const present = NODE_KEYS.filter((key) => has(input, key));
  if (present.length === 0 && (has(input, 'op') || has(input, 'value'))) present.push('field');
  if (present.length === 0) return fail(state, pointer, `must be ${NODE_SHAPES}`);
  if (present.length > 1) return fail(state, pointer, `must have exactly one of: and, or, not, field, some, none, every (found ${present.join(', ')})`);
  const key = present[0]!;
  switch (key) {
    case 'and':
    case 'or':
      return parseLogical(key, input, pointer, depth, state);
    case 'not': {
      rejectUnknownMembers(input, ['not'], pointer, state);
      const item = parseNode(input.not, pointerTo(pointer, 'not'), depth + 1, state);
      return item === null ? null : { kind: 'not', item, pointer };
    }
    case 'some':
    case 'none':
    case 'every':
      return parseQuantifier(key, input, pointer, depth, state);
    case 'field':
      return parseComparison(input, pointer, state);
  }
}

function parseLogical(key: 'and' | 'or', input: Record<string, unknown>, pointer: string, depth: number, state: State): Condition | null {
  rejectUnknownMembers(input, [key], pointer, state);
  const list = input[key];
  const listPointer = pointerTo(pointer, key);
  if (!Array.isArray(list) || list.length === 0) return fail(state, listPointer, 'must be a non-empty array of conditions');
  const items: Condition[] = [];
  let complete = true;
  for (let index = 0; index < list.length; index++) {
    const item = parseNode(list[index], pointerTo(listPointer, index), depth + 1, state);
    if (item === null) complete = false;
    else items.push(item);
    // Past the comparison limit every further node is noise: stop walking a huge array.
    if (state.comparisons > MAX_COMPARISONS) return null;
  }
  return complete ? { kind: key, items, pointer } : null;
}

function parseQuantifier(key: Quantifier, input: Record<string, unknown>, pointer: string, depth: number, state: State): Condition | null {
  rejectUnknownMembers(input, [key], pointer, state);
  const body = input[key];
  const bodyPointer = pointerTo(pointer, key);
  if (!isRecord(body)) return fail(state, bodyPointer, 'must be an object {"path": "<references field or <type>.<reference field>>", "where": <condition>}');
  rejectUnknownMembers(body, ['path', 'where'], bodyPointer, state);
  let path: string | null = null;
  if (!has(body, 'path')) fail(state, bodyPointer, 'must have "path": a references field, or a reverse relation written "<type>.<reference field>"');
  else if (typeof body.path !== 'string' || !PATH_PATTERN.test(body.path) || body.path.length > MAX_PATH_LENGTH) {
    fail(state, pointerTo(bodyPointer, 'path'), 'must be a references field, or a reverse relation written "<type>.<reference field>"');
  } else path = body.path;
  let where: Condition | null = null;
  let whereOk = true;
  if (has(body, 'where')) {
    where = parseNode(body.where, pointerTo(bodyPointer, 'where'), depth + 1, state);
    whereOk = where !== null;
  }
  if (path === null || !whereOk) return null;
  return { kind: 'quantifier', quantifier: key, path, where, pointer };
}

function parseComparison(input: Record<string, unknown>, pointer: string, state: State): Condition | null {
  state.comparisons++;
  if (state.comparisons === MAX_COMPARISONS + 1) return fail(state, pointer, `a condition may have at most ${MAX_COMPARISONS} comparisons`);
  if (state.comparisons > MAX_COMPARISONS) return null;
  const before = state.errors.length;
  rejectUnknownMembers(input, ['field', 'op', 'value'], pointer, state);
  let field: string | null = null;
  if (!has(input, 'field')) fail(state, pointer, 'must have "field": the path of the field to compare');
  else if (typeof input.field !== 'string' || !PATH_PATTERN.test(input.field) || input.field.length > MAX_PATH_LENGTH) {
    fail(state, pointerTo(pointer, 'field'), 'must be a field path such as "title", "asset.building" or "details.location.floor"');
  } else field = input.field;
  let op: ComparisonOperator | null = null;
  if (!has(input, 'op')) fail(state, pointer, `must have "op", one of: ${COMPARISON_OPERATORS.join(', ')}`);
  else if (typeof input.op !== 'string' || !(COMPARISON_OPERATORS as readonly string[]).includes(input.op)) {
    fail(state, pointerTo(pointer, 'op'), `must be one of: ${COMPARISON_OPERATORS.join(', ')}`);
  } else op = input.op as ComparisonOperator;
  const value = op === null ? null : parseComparisonValue(op, input, pointer, state);
  if (field === null || op === null || value === null || state.errors.length > before) return null;
  return { kind: 'comparison', field, op, value, pointer };
}

function parseComparisonValue(op: ComparisonOperator, input: Record<string, unknown>, pointer: string, state: State): ComparisonValue | null {
  const present = has(input, 'value');
  const value = input.value;
  const valuePointer = pointerTo(pointer, 'value');
  if (op === 'is_null' || op === 'is_not_null') {
    return present ? fail(state, valuePointer, `${op} takes no value`) : { kind: 'none' };
  }
  if (!present) return fail(state, pointer, `must have "value" for ${op}`);
  switch (op) {
    case 'eq': case 'neq': case 'lt': case 'lte': case 'gt': case 'gte': {
      if (Array.isArray(value)) return fail(state, valuePointer, `must be a single value for ${op} (use in/nin for a list): ${OPERAND_SHAPES}`);
      const operand = parseOperand(value, valuePointer, state);
      return operand === null ? null : { kind: 'operand', operand };
    }
    case 'between': {
      if (!Array.isArray(value) || value.length !== 2) return fail(state, valuePointer, 'must be an array [low, high] of two values (both inclusive)');
      const low = parseOperand(value[0], pointerTo(valuePointer, 0), state);
      const high = parseOperand(value[1], pointerTo(valuePointer, 1), state);
      return low === null || high === null ? null : { kind: 'range', low, high };
    }
    case 'in': case 'nin': case 'has_any': case 'has_all':
      return parseList(op, value, valuePointer, state);
    case 'contains': case 'starts_with': case 'ends_with': case 'icontains':
      return typeof value === 'string' ? { kind: 'text', text: value, pointer: valuePointer } : fail(state, valuePointer, `must be a string for ${op}`);
  }
}

function parseList(op: 'in' | 'nin' | 'has_any' | 'has_all', value: unknown, pointer: string, state: State): ComparisonValue | null {
  const nullable = op === 'in' || op === 'nin';
  if (!Array.isArray(value)) {
    return fail(state, pointer, nullable ? `must be an array of literals (strings, numbers, booleans, null) for ${op}` : `must be an array of strings for ${op}`);
  }
  if (value.length > 1000) return fail(state, pointer, 'must have at most 1000 items');
  const items: (Scalar | null)[] = [];
  let ok = true;
  value.forEach((item: unknown, index) => {
    const itemPointer = pointerTo(pointer, index);
    if (nullable ? item === null || isScalar(item) : typeof item === 'string') items.push(item as Scalar | null);
    else {
      ok = false;
      fail(state, itemPointer, nullable ? 'must be a literal: a string, number, boolean or null' : 'must be a string');
    }
  });
  return ok ? { kind: 'list', items, pointer } : null;
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function parseOperand(value: unknown, pointer: string, state: State): Operand | null {
  if (isScalar(value)) return { kind: 'literal', value, pointer };
  if (value === null) return fail(state, pointer, 'must not be null: use the is_null or is_not_null operators');
  if (!isRecord(value)) return fail(state, pointer, `must be ${OPERAND_SHAPES}`);
  const keys = Object.keys(value);
  const key = keys[0];
  if (keys.length !== 1 || key === undefined) return fail(state, pointer, `must be ${OPERAND_SHAPES}`);
  const inner = value[key];
  const innerPointer = pointerTo(pointer, key);
  switch (key) {
    case 'field':
      if (typeof inner !== 'string' || !PATH_PATTERN.test(inner) || inner.length > MAX_PATH_LENGTH) return fail(state, innerPointer, 'must be a field path');
      return { kind: 'field', path: inner, pointer };
    case 'current_user':
      return inner === true ? { kind: 'current_user', pointer } : fail(state, innerPointer, 'must be true');
    case 'relative': {
      const match = typeof inner === 'string' ? RELATIVE_PATTERN.exec(inner) : null;
      const amount = match ? Number(match[2]) * (match[1] === '-' ? -1 : 1) : NaN;
      if (!match || Math.abs(amount) * UNIT_MINUTES[match[3] as RelativeUnit] > MAX_RELATIVE_MINUTES) {
        return fail(state, innerPointer, `must be a signed amount and a unit (${RELATIVE_UNITS.join(', ')}), such as "-7d" or "+2h", spanning at most 36600 days`);
      }
      // `-0d` and `0d` are the same instant; normalise so equal inputs give equal trees.
      return { kind: 'relative', amount: amount === 0 ? 0 : amount, unit: match[3] as RelativeUnit, pointer };
    }
    case 'start_of':
      if (typeof inner !== 'string' || !(START_OF_UNITS as readonly string[]).includes(inner)) return fail(state, innerPointer, `must be one of: ${START_OF_UNITS.join(', ')}`);
      return { kind: 'start_of', unit: inner as StartOfUnit, pointer };
    default:
      return fail(state, pointer, `must be ${OPERAND_SHAPES}`);
  }
}
