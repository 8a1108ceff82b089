// Validation of a record body against its type's current definition. Pure: no
// I/O. What needs the database (does a referenced record exist and have the
// right type, is a `user` a member) is returned as lists for the service to
// check, so every problem of a request, local or not, is reported at once.
//
// Stored `data` is a flat JSON object of field values. A field without a value
// is absent from `data` (never stored as null). Keys that are not fields of
// the current definition (fields removed by a later version of the type) are
// kept untouched, so a rollback brings their values back.
// Pure core imports pure core directly (not through entities/index.ts, which
// loads the entity types service, which uses this module: no import cycle).
import { SYSTEM_FIELDS, type EntityTypeDefinition, type FieldDefinition } from '../../entities/core/definitions.ts';
import { isUuidText, valueProblem } from '../../entities/core/field-values.ts';
import type { FieldError } from '../../platform/http/errors.ts';

/** One record id a relation field points at, for the service to check and to store as a link. */
export interface ReferenceValue {
  readonly field: string;
  readonly id: string;
  /** Types the referenced record may have: `target`, or `[type]` of an any_reference value. */
  readonly types: readonly string[];
  /** Order within a `references` list; 0 otherwise. */
  readonly position: number;
}

/** A `user` field value: must be a member of the organisation. */
export interface UserValue {
  readonly field: string;
  readonly id: string;
}

export interface RecordValidation {
  /** Every problem found without the database, each with pointer `/<field>`. */
  readonly errors: FieldError[];
  /** The complete data to store (valid only when errors is empty and the service's checks pass). */
  readonly data: Record<string, unknown>;
  /** References of the current definition's relation fields, from the resulting data. */
  readonly references: ReferenceValue[];
  readonly users: UserValue[];
}

export type RecordBody = Readonly<Record<string, unknown>>;

function pointer(key: string): string {
  return `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a relation value has the wrong shape, or null. Existence and target type are the service's checks. */
function relationProblem(field: FieldDefinition, value: unknown): string | null {
  switch (field.type) {
    case 'reference':
      return isUuidText(value) ? null : `must be the id (UUID) of a ${field.target} record`;
    case 'references': {
      if (!Array.isArray(value) || !value.every(isUuidText)) return `must be a list of ids (UUIDs) of ${field.target} records`;
      const lower = value.map((id) => id.toLowerCase());
      return new Set(lower).size === lower.length ? null : 'must not repeat an id';
    }
    case 'any_reference': {
      const targets = field.targets ?? [];
      if (!isPlainObject(value) || Object.keys(value).some((key) => key !== 'type' && key !== 'id') || !isUuidText(value.id)) {
        return 'must be { "type", "id" } with a record id (UUID)';
      }
      return typeof value.type === 'string' && targets.includes(value.type) ? null : `type must be one of: ${targets.join(', ')}`;
    }
    default:
      return null;
  }
}

/** Why `value` is not a valid value of `field`, or null. `null`/absent is judged by the caller. */
export function fieldProblem(field: FieldDefinition, value: unknown): string | null {
  return relationProblem(field, value) ?? valueProblem(field, value);
}

function relationValues(field: FieldDefinition, value: unknown): ReferenceValue[] {
  switch (field.type) {
    case 'reference':
      return [{ field: field.key, id: (value as string).toLowerCase(), types: [field.target ?? ''], position: 0 }];
    case 'references':
      return (value as string[]).map((id, position) => ({ field: field.key, id: id.toLowerCase(), types: [field.target ?? ''], position }));
    case 'any_reference': {
      const { type, id } = value as { type: string; id: string };
      return [{ field: field.key, id: id.toLowerCase(), types: [type], position: 0 }];
    }
    default:
      return [];
  }
}

/** Lowercases ids so that equal ids are stored (and linked) equally. */
function normalise(field: FieldDefinition, value: unknown): unknown {
  switch (field.type) {
    case 'reference':
    case 'user':
      return (value as string).toLowerCase();
    case 'references':
      return (value as string[]).map((id) => id.toLowerCase());
    case 'any_reference': {
      const { type, id } = value as { type: string; id: string };
      return { type, id: id.toLowerCase() };
    }
    default:
      return value;
  }
}

/** Unknown keys of the body: neither a field of the definition nor settable. */
function unknownKeys(definition: EntityTypeDefinition, body: RecordBody, errors: FieldError[]): void {
  const fields = new Set(definition.fields.map((field) => field.key));
  for (const key of Object.keys(body)) {
    if (fields.has(key)) continue;
    const message = key in SYSTEM_FIELDS ? 'is a system field and cannot be set' : `is not a field of ${definition.key}`;
    errors.push({ pointer: pointer(key), message });
  }
}

/** Checks every current field of the resulting data; collects what the database must confirm. */
function checkFields(definition: EntityTypeDefinition, data: Record<string, unknown>, errors: FieldError[]): Omit<RecordValidation, 'errors' | 'data'> {
  const references: ReferenceValue[] = [];
  const users: UserValue[] = [];
  for (const field of definition.fields) {
    if (!Object.hasOwn(data, field.key)) {
      if (field.required) errors.push({ pointer: pointer(field.key), message: 'is required' });
      continue;
    }
    const value = data[field.key];
    const problem = fieldProblem(field, value);
    if (problem !== null) {
      errors.push({ pointer: pointer(field.key), message: problem });
      continue;
    }
    data[field.key] = normalise(field, value);
    references.push(...relationValues(field, data[field.key]));
    if (field.type === 'user') users.push({ field: field.key, id: data[field.key] as string });
  }
  return { references, users };
}

/**
 * A new record. `null` means "no value" (and so no default either); a field
 * absent from the body gets its `default` when the type defines one.
 */
export function validateCreate(definition: EntityTypeDefinition, body: RecordBody): RecordValidation {
  const errors: FieldError[] = [];
  unknownKeys(definition, body, errors);
  const data: Record<string, unknown> = {};
  for (const field of definition.fields) {
    if (Object.hasOwn(body, field.key)) {
      if (body[field.key] !== null) data[field.key] = body[field.key];
    } else if (field.default !== undefined) {
      data[field.key] = structuredClone(field.default);
    }
  }
  const collected = checkFields(definition, data, errors);
  return { errors, data, ...collected };
}

/**
 * A change to a stored record: the body's fields replace the stored ones,
 * `null` clears one, and the merged record is validated whole against the
 * current definition. Stored keys that are not current fields stay as they are.
 */
export function validateUpdate(definition: EntityTypeDefinition, stored: RecordBody, body: RecordBody): RecordValidation {
  const errors: FieldError[] = [];
  unknownKeys(definition, body, errors);
  const fields = new Set(definition.fields.map((field) => field.key));
  const data: Record<string, unknown> = structuredClone({ ...stored });
  for (const [key, value] of Object.entries(body)) {
    if (!fields.has(key)) continue;
    if (value === null) delete data[key];
    else data[key] = value;
  }
  const collected = checkFields(definition, data, errors);
  return { errors, data, ...collected };
}

/**
 * The record's field values as the current definition sees them: every
 * current field, `null` when the record has no value for it; stored values of
 * fields the definition no longer has are left out (but stay stored).
 */
export function projectFields(definition: EntityTypeDefinition, data: RecordBody): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const field of definition.fields) fields[field.key] = Object.hasOwn(data, field.key) ? data[field.key] : null;
  return fields;
}
