// Does a value expression fit the field it is written to? The checks that
// are cheap without data: the field exists and is writable, a literal is a
// valid value of the field, `current_user` goes into user fields, `now` into
// date/datetime fields, and an input or a field read has a compatible type
// (same type; text-like into text; integer into decimal; enum into text or
// into an enum allowing all its values; references with the same target).
import type { FieldDefinition, FieldType, RegistrySnapshot } from '../../entities/core/definitions.ts';
import { pointerTo } from '../../conditions/pointer.ts';
import { fieldProblem } from '../../records/core/validate-record.ts';
import type { Recipient, TransitionDefinition, ValueExpression, WorkflowDefinition } from './definition.ts';
import { inputAsField } from './input.ts';

type Report = (pointer: string, message: string) => void;

/** A value's type as far as fitting goes: a field's definition, or a system field's. */
type Source = Pick<FieldDefinition, 'type' | 'values' | 'target'>;

const TEXT_LIKE: ReadonlySet<FieldType> = new Set(['text', 'long_text', 'email', 'url']);

/** System fields an expression may read, as field definitions (`id` is a reference to the record's own type). */
function systemSource(key: string, ownType: string): Source | undefined {
  switch (key) {
    case 'id': return { type: 'reference', target: ownType };
    case 'created_by': case 'updated_by': return { type: 'user' };
    case 'created_at': case 'updated_at': case 'state_entered_at': return { type: 'datetime' };
    case 'state': case 'type': return { type: 'text' };
    case 'version': return { type: 'integer' };
    default: return undefined;
  }
}

export function typeFields(registry: RegistrySnapshot, type: string): ReadonlyMap<string, FieldDefinition> {
  return new Map((registry.type(type)?.fields ?? []).map((field) => [field.key, field]));
}

/** Why a value of `source` cannot go into `target`, or null. */
function compatibility(source: Source, target: FieldDefinition): string | null {
  const fits = (() => {
    if (source.type === target.type) {
      if (source.type === 'enum' || source.type === 'multi_enum') return (source.values ?? []).every((value) => (target.values ?? []).includes(value));
      if (source.type === 'reference' || source.type === 'references') return source.target === target.target;
      return true;
    }
    if (TEXT_LIKE.has(source.type) || source.type === 'enum') return target.type === 'text' || target.type === 'long_text';
    return source.type === 'integer' && target.type === 'decimal';
  })();
  if (fits) return null;
  const detail = source.type === target.type ? (source.type === 'enum' || source.type === 'multi_enum' ? ' (it may hold values the field does not allow)' : ' (a different target type)') : '';
  return `a ${source.type} value does not fit the ${target.type} field ${target.key}${detail}`;
}

/** Checks one expression written to `field` of `targetType`; `pointer` is the expression's pointer. */
export function checkValue(
  expression: ValueExpression, field: string, targetType: string, pointer: string,
  transition: TransitionDefinition, definition: WorkflowDefinition, registry: RegistrySnapshot, report: Report,
): void {
  const target = typeFields(registry, targetType).get(field);
  if (!target) {
    const system = systemSource(field, targetType) !== undefined || field === 'state_category';
    report(pointer, system ? `${field} is a system field: workflows cannot write it` : `is not a field of ${targetType}`);
    return;
  }
  if ('literal' in expression) {
    if (expression.literal === null) return;
    const problem = fieldProblem(target, expression.literal);
    if (problem) report(pointerTo(pointer, 'literal'), `${problem} (field ${field})`);
  } else if ('current_user' in expression) {
    if (target.type !== 'user') report(pointerTo(pointer, 'current_user'), `fills user fields only; ${field} is a ${target.type} field`);
  } else if ('now' in expression) {
    if (target.type !== 'date' && target.type !== 'datetime') report(pointerTo(pointer, 'now'), `fills date and datetime fields only; ${field} is a ${target.type} field`);
  } else if ('input' in expression) {
    const input = (transition.input ?? []).find((candidate) => candidate.key === expression.input);
    if (!input) {
      const keys = (transition.input ?? []).map((candidate) => candidate.key);
      report(pointerTo(pointer, 'input'), `is not an input of ${transition.key}; ${keys.length > 0 ? `its inputs are: ${keys.join(', ')}` : 'it declares no input'}`);
      return;
    }
    const problem = compatibility(inputAsField(input), target);
    if (problem) report(pointerTo(pointer, 'input'), problem);
  } else {
    const ownType = definition.entity_type;
    const source = typeFields(registry, ownType).get(expression.field) ?? systemSource(expression.field, ownType);
    if (!source) {
      report(pointerTo(pointer, 'field'), `is not a field of ${ownType}`);
      return;
    }
    const problem = compatibility(source, target);
    if (problem) report(pointerTo(pointer, 'field'), problem);
  }
}

/** Why `key` is not a date or datetime field of `type`, or null. */
export function dateField(key: string, type: string, registry: RegistrySnapshot): string | null {
  const source = typeFields(registry, type).get(key) ?? systemSource(key, type);
  if (!source) return `is not a field of ${type}`;
  return source.type === 'date' || source.type === 'datetime' ? null : `must be a date or datetime field; ${key} is a ${source.type} field`;
}

/** Why a recipient (a user field key or a role) does not name anyone, or null. Teams are checked by the caller. */
export function recipientProblem(recipient: Exclude<Recipient, { readonly team: string }>, type: string, registry: RegistrySnapshot): string | null {
  if (typeof recipient !== 'string') return null; // roles were checked by the parser
  const source = typeFields(registry, type).get(recipient) ?? systemSource(recipient, type);
  if (!source) return `is not a field of ${type}`;
  return source.type === 'user' ? null : `must be a user field (or created_by, updated_by); ${recipient} is a ${source.type} field`;
}
