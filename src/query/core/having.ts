// `having`: the condition language's shape (parsed by its parse()), with
// `field` naming an output column (a group key or an aggregate) instead of a
// record path. Only literal values: the outputs of a group have no related
// records, no current user and no clock of their own.
import {
  isDate, isDatetime, isUuid, operatorsFor, pointerTo,
  type ComparisonOperator, type Condition, type ListOperator, type NullOperator, type Operand, type OrderingOperator, type Scalar,
} from '../../conditions/index.ts';
import type { OutputInfo, OutputNames } from './outputs.ts';
import type { OutputCondition } from './query.ts';
import type { ParseScope } from './scope.ts';

const HAVING_OPERATORS: readonly ComparisonOperator[] = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'between', 'is_null', 'is_not_null'];
const LITERALS_ONLY = 'having compares with literals only (a string, number or boolean), not with a field, current_user or a relative time';

export function resolveHaving(scope: ParseScope, input: unknown, outputs: OutputNames): OutputCondition | null {
  const parsed = scope.parsed(input, '/having');
  return parsed === null ? null : new HavingResolver(scope, outputs).node(parsed);
}

class HavingResolver {
  constructor(
    private readonly scope: ParseScope,
    private readonly outputs: OutputNames,
  ) {}

  private fail(pointer: string, message: string): null {
    return this.scope.problems.add(pointer, message);
  }

  node(node: Condition): OutputCondition | null {
    switch (node.kind) {
      case 'and':
      case 'or': {
        const items = node.items.map((item) => this.node(item));
        return items.every((item) => item !== null) ? { kind: node.kind, items: items as OutputCondition[] } : null;
      }
      case 'not': {
        const item = this.node(node.item);
        return item === null ? null : { kind: 'not', item };
      }
      case 'quantifier':
        return this.fail(pointerTo(node.pointer, node.quantifier), 'quantifiers (some, none, every) do not apply in having: it compares the outputs (group keys and aggregates) with {"field": "<output name>", "op", "value"}, combined with and, or, not');
      case 'comparison':
        return this.comparison(node);
    }
  }

  private comparison(node: Extract<Condition, { kind: 'comparison' }>): OutputCondition | null {
    const output = this.outputs.get(node.field);
    if (output === undefined) {
      return this.fail(pointerTo(node.pointer, 'field'), `unknown output '${node.field}'; having names a group key or an aggregate by its name (its "as", or the group_by path as written); ${this.outputs.hint(node.field)}`);
    }
    const allowed = output.valueType === null ? HAVING_OPERATORS : operatorsFor(output.valueType).filter((op) => HAVING_OPERATORS.includes(op));
    if (!allowed.includes(node.op)) {
      return this.fail(pointerTo(node.pointer, 'op'), `operator '${node.op}' does not apply to the ${output.role} '${output.name}' in having; must be one of: ${allowed.join(', ')}`);
    }
    const name = output.name;
    const value = node.value;
    switch (value.kind) {
      case 'none':
        return { kind: 'null_check', op: node.op as NullOperator, name };
      case 'operand': {
        const literal = this.operand(value.operand, output);
        return literal === null ? null : { kind: 'compare', op: node.op as OrderingOperator, name, value: literal };
      }
      case 'range': {
        const low = this.operand(value.low, output);
        const high = this.operand(value.high, output);
        return low === null || high === null ? null : { kind: 'between', name, low, high };
      }
      case 'list': {
        let ok = true;
        const items = value.items.map((item, index) => {
          if (item === null) return null;
          const checked = this.literal(item, output, pointerTo(value.pointer, index));
          if (checked === null) ok = false;
          return checked;
        });
        return ok ? { kind: 'list', op: node.op as ListOperator, name, items } : null;
      }
      case 'text':
        // Unreachable: text operators were rejected above. Kept so a new value shape is a compile error, not a crash.
        return this.fail(pointerTo(node.pointer, 'op'), `must be one of: ${allowed.join(', ')}`);
    }
  }

  private operand(operand: Operand, output: OutputInfo): Scalar | null {
    return operand.kind === 'literal' ? this.literal(operand.value, output, operand.pointer) : this.fail(operand.pointer, LITERALS_ONLY);
  }

  /** A literal fits the output's value type (the condition language's rules); returned normalised. */
  private literal(value: Scalar, output: OutputInfo, pointer: string): Scalar | null {
    const what = `for the ${output.role} '${output.name}'`;
    switch (output.valueType) {
      case null: case 'json':
        return value;
      case 'text':
        return typeof value === 'string' ? value : this.fail(pointer, `must be a string ${what}`);
      case 'enum': {
        const values = output.enumValues ?? [];
        return typeof value === 'string' && values.includes(value) ? value : this.fail(pointer, `must be one of: ${values.join(', ')}`);
      }
      case 'uuid':
        return isUuid(value) ? value.toLowerCase() : this.fail(pointer, `must be a uuid ${what}`);
      case 'integer':
        return Number.isSafeInteger(value) ? value : this.fail(pointer, `must be an integer ${what}`);
      case 'decimal':
        return typeof value === 'number' ? value : this.fail(pointer, `must be a number ${what}`);
      case 'boolean':
        return typeof value === 'boolean' ? value : this.fail(pointer, `must be true or false ${what}`);
      case 'date':
        return isDate(value) ? value : this.fail(pointer, `must be a date YYYY-MM-DD ${what}`);
      case 'datetime':
        return isDatetime(value) ? value : this.fail(pointer, `must be an ISO 8601 date-time with an offset (2026-01-31T09:30:00Z) ${what}`);
      case 'multi_enum': case 'references': case 'any_reference':
        return this.fail(pointer, `the ${output.role} '${output.name}' takes no single value`);
    }
  }
}
