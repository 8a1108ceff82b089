// typeCheck(): a parsed Condition + the registry -> a ResolvedCondition, or
// every error at once with the JSON Pointer of the offending node: unknown
// fields (with close matches), operators that do not apply to a field's type
// (listing those that do), values of the wrong type, too many hops.
import type { RegistrySnapshot } from '../entities/core/definitions.ts';
import type { FieldError } from '../platform/http/errors.ts';
import type { ArrayOperator, Condition, ListOperator, NullOperator, Operand, OrderingOperator, Scalar, TextOperator } from './ast.ts';
import { MAX_HOPS } from './limits.ts';
import { isDate, isDatetime, isUuid } from './literals.ts';
import { pointerTo } from './pointer.ts';
import { resolvePath, resolveRelation } from './resolve-path.ts';
import type { ResolvedCondition, ResolvedOperand, ResolvedPath } from './resolved.ts';
import { comparableFamily, operatorsFor } from './value-types.ts';

export interface TypeCheckOptions {
  /** References a path may follow; at most MAX_HOPS (3). */
  readonly maxHops?: number;
}

export type TypeCheckResult =
  | { readonly ok: true; readonly condition: ResolvedCondition }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

export function typeCheck(condition: Condition, rootType: string, registry: RegistrySnapshot, options: TypeCheckOptions = {}): TypeCheckResult {
  const errors: FieldError[] = [];
  if (registry.type(rootType) === undefined) return { ok: false, errors: [{ pointer: condition.pointer, message: `unknown entity type '${rootType}'` }] };
  const checker = new Checker(registry, Math.min(options.maxHops ?? MAX_HOPS, MAX_HOPS), errors);
  const resolved = checker.node(condition, rootType);
  return resolved === null || errors.length > 0 ? { ok: false, errors } : { ok: true, condition: resolved };
}

function describe(path: ResolvedPath): string {
  return path.jsonPath.length > 0 ? `a json path ('${path.path}')` : `a ${path.fieldType} field ('${path.path}')`;
}

class Checker {
  constructor(
    private readonly registry: RegistrySnapshot,
    private readonly maxHops: number,
    private readonly errors: FieldError[],
  ) {}

  private fail(pointer: string, message: string): null {
    this.errors.push({ pointer, message });
    return null;
  }

  node(node: Condition, type: string): ResolvedCondition | null {
    switch (node.kind) {
      case 'and':
      case 'or': {
        const items = node.items.map((item) => this.node(item, type));
        return items.every((item) => item !== null) ? { kind: node.kind, items: items as ResolvedCondition[] } : null;
      }
      case 'not': {
        const item = this.node(node.item, type);
        return item === null ? null : { kind: 'not', item };
      }
      case 'quantifier': {
        const relation = resolveRelation(node.path, type, this.registry);
        // Without the relation the related type is unknown, so `where` cannot be checked.
        if (!relation.ok) return this.fail(pointerTo(pointerTo(node.pointer, node.quantifier), 'path'), relation.message);
        const related = relation.value.kind === 'forward' ? relation.value.targetType : relation.value.sourceType;
        const where = node.where === null ? null : this.node(node.where, related);
        if (node.where !== null && where === null) return null;
        return { kind: 'quantifier', quantifier: node.quantifier, relation: relation.value, where };
      }
      case 'comparison':
        return this.comparison(node, type);
    }
  }

  private comparison(node: Extract<Condition, { kind: 'comparison' }>, type: string): ResolvedCondition | null {
    const resolved = resolvePath(node.field, type, this.registry, this.maxHops);
    if (!resolved.ok) return this.fail(pointerTo(node.pointer, 'field'), resolved.message);
    const path = resolved.value;
    const allowed = operatorsFor(path.valueType);
    if (!allowed.includes(node.op)) {
      return this.fail(pointerTo(node.pointer, 'op'), `operator '${node.op}' does not apply to ${describe(path)}; must be one of: ${allowed.join(', ')}`);
    }
    const value = node.value;
    switch (value.kind) {
      case 'none':
        return { kind: 'null_check', op: node.op as NullOperator, path };
      case 'operand': {
        const operand = this.operand(value.operand, path, type);
        return operand === null ? null : { kind: 'compare', op: node.op as OrderingOperator, path, operand };
      }
      case 'range': {
        const low = this.operand(value.low, path, type);
        const high = this.operand(value.high, path, type);
        return low === null || high === null ? null : { kind: 'between', path, low, high };
      }
      case 'text':
        return { kind: 'text_match', op: node.op as TextOperator, path, text: value.text };
      case 'list': {
        if (node.op === 'has_any' || node.op === 'has_all') {
          const items = value.items.map((item, index) => this.arrayItem(item, path, pointerTo(value.pointer, index)));
          return items.every((item) => item !== null) ? { kind: 'array_match', op: node.op as ArrayOperator, path, items: items as string[] } : null;
        }
        let ok = true;
        const items = value.items.map((item, index) => {
          if (item === null) return null;
          const checked = this.literal(item, path, pointerTo(value.pointer, index));
          if (checked === null) ok = false;
          return checked;
        });
        return ok ? { kind: 'list', op: node.op as ListOperator, path, items } : null;
      }
    }
  }

  private arrayItem(item: Scalar | null, path: ResolvedPath, pointer: string): string | null {
    if (path.valueType === 'multi_enum') {
      const values = path.enumValues ?? [];
      return typeof item === 'string' && values.includes(item) ? item : this.fail(pointer, `must be one of: ${values.join(', ')}`);
    }
    return isUuid(item) ? item.toLowerCase() : this.fail(pointer, 'must be a record id (a uuid)');
  }

  /** A literal fits the path's value type; returns it normalised, or null after reporting. */
  private literal(value: Scalar, path: ResolvedPath, pointer: string): Scalar | null {
    switch (path.valueType) {
      case 'text':
        return typeof value === 'string' ? value : this.fail(pointer, `must be a string for ${describe(path)}`);
      case 'enum': {
        const values = path.enumValues ?? [];
        return typeof value === 'string' && values.includes(value) ? value : this.fail(pointer, `must be one of: ${values.join(', ')}`);
      }
      case 'uuid':
        return isUuid(value) ? value.toLowerCase() : this.fail(pointer, `must be a uuid for ${describe(path)}`);
      case 'integer':
        return Number.isSafeInteger(value) ? value : this.fail(pointer, `must be an integer for ${describe(path)}`);
      case 'decimal':
        return typeof value === 'number' ? value : this.fail(pointer, `must be a number for ${describe(path)}`);
      case 'boolean':
        return typeof value === 'boolean' ? value : this.fail(pointer, `must be true or false for ${describe(path)}`);
      case 'date':
        return isDate(value) ? value : this.fail(pointer, `must be a date YYYY-MM-DD for ${describe(path)}`);
      case 'datetime':
        return isDatetime(value) ? value : this.fail(pointer, `must be an ISO 8601 date-time with an offset (2026-01-31T09:30:00Z) for ${describe(path)}`);
      case 'json':
        return value;
      case 'multi_enum': case 'references': case 'any_reference':
        return this.fail(pointer, `${describe(path)} takes no single value`);
    }
  }

  private operand(operand: Operand, path: ResolvedPath, type: string): ResolvedOperand | null {
    switch (operand.kind) {
      case 'literal': {
        const value = this.literal(operand.value, path, operand.pointer);
        return value === null ? null : { kind: 'literal', value };
      }
      case 'field': {
        const other = resolvePath(operand.path, type, this.registry, this.maxHops);
        if (!other.ok) return this.fail(pointerTo(operand.pointer, 'field'), other.message);
        const left = comparableFamily(path.valueType);
        const right = comparableFamily(other.value.valueType);
        if (left === null || left !== right) return this.fail(pointerTo(operand.pointer, 'field'), `cannot compare ${describe(path)} with ${describe(other.value)}`);
        return { kind: 'field', path: other.value };
      }
      case 'current_user':
        return path.fieldType === 'user' ? { kind: 'current_user' } : this.fail(operand.pointer, `current_user compares with user fields only, not ${describe(path)}`);
      case 'relative':
      case 'start_of':
        if (path.jsonPath.length === 0 && (path.valueType === 'date' || path.valueType === 'datetime')) {
          return operand.kind === 'relative' ? { kind: 'relative', amount: operand.amount, unit: operand.unit } : { kind: 'start_of', unit: operand.unit };
        }
        return this.fail(operand.pointer, `${operand.kind} compares with date and datetime fields only, not ${describe(path)}`);
    }
  }
}
