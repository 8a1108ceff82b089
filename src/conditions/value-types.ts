// How each field type compares: its value type, the operators that apply to
// it, and which value types may be compared with each other.
import { SYSTEM_FIELDS, type FieldType, type SystemField } from '../entities/core/definitions.ts';
import type { ComparisonOperator } from './ast.ts';

/**
 * The comparison semantics of a path's final value.
 * - text: text, long_text, email, url, and the system text fields; ordered by code point (PostgreSQL `COLLATE "C"`).
 * - enum: one of the field's values; equality only.
 * - uuid: id, user, reference and the system user fields; equality only, case-insensitive as PostgreSQL's uuid.
 * - json: anything below a json field; compared as a JSON scalar.
 */
export type ValueType =
  | 'text' | 'enum' | 'uuid' | 'integer' | 'decimal' | 'boolean' | 'date' | 'datetime'
  | 'multi_enum' | 'references' | 'any_reference' | 'json';

/** A field's type as far as paths are concerned: the registry's field types plus the system `uuid`. */
export type PathFieldType = FieldType | 'uuid';

export function valueTypeOf(fieldType: PathFieldType): ValueType {
  switch (fieldType) {
    case 'text': case 'long_text': case 'email': case 'url': return 'text';
    case 'enum': return 'enum';
    case 'uuid': case 'user': case 'reference': return 'uuid';
    case 'integer': return 'integer';
    case 'decimal': return 'decimal';
    case 'boolean': return 'boolean';
    case 'date': return 'date';
    case 'datetime': return 'datetime';
    case 'multi_enum': return 'multi_enum';
    case 'references': return 'references';
    case 'any_reference': return 'any_reference';
    case 'json': return 'json';
  }
}

/** System fields take their type from the shared model, so a new system field needs no change here. */
export function systemFieldType(key: SystemField): PathFieldType {
  const type: PathFieldType = SYSTEM_FIELDS[key];
  return type;
}

const NULL_CHECKS = ['is_null', 'is_not_null'] as const;
const EQUALITY = ['eq', 'neq', 'in', 'nin', ...NULL_CHECKS] as const;
const ORDERING = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'between', ...NULL_CHECKS] as const;
const TEXT_MATCH = ['contains', 'starts_with', 'ends_with', 'icontains'] as const;

export function operatorsFor(valueType: ValueType): readonly ComparisonOperator[] {
  switch (valueType) {
    case 'text': case 'json': return [...ORDERING, ...TEXT_MATCH];
    case 'enum': case 'uuid': return EQUALITY;
    case 'integer': case 'decimal': case 'date': case 'datetime': return ORDERING;
    case 'boolean': return ['eq', 'neq', ...NULL_CHECKS];
    case 'multi_enum': case 'references': return ['has_any', 'has_all', ...NULL_CHECKS];
    case 'any_reference': return NULL_CHECKS;
  }
}

/** Value types that may be compared field to field: same family. json only with json. */
export function comparableFamily(valueType: ValueType): string | null {
  switch (valueType) {
    case 'text': case 'enum': return 'text';
    case 'integer': case 'decimal': return 'number';
    case 'uuid': case 'boolean': case 'date': case 'datetime': case 'json': return valueType;
    case 'multi_enum': case 'references': case 'any_reference': return null;
  }
}
