// What a valid value of a field looks like, by field type and options. Pure.
// The registry uses it for `default` and for `min`/`max` bounds; record
// validation (a later step of #4) uses the same function, so a default can
// never be a value the type would refuse.
import type { FieldDefinition, FieldType } from './definitions.ts';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is not our business.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const TEXT_LIKE: ReadonlySet<FieldType> = new Set(['text', 'long_text', 'email', 'url']);
export const NUMERIC: ReadonlySet<FieldType> = new Set(['integer', 'decimal']);
export const TEMPORAL: ReadonlySet<FieldType> = new Set(['date', 'datetime']);
export const RELATIONS: ReadonlySet<FieldType> = new Set(['reference', 'references', 'any_reference']);

/** A calendar date `YYYY-MM-DD` that exists (no 2024-02-30). */
export function isDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** An RFC 3339 date-time with an offset, e.g. `2026-01-31T12:00:00Z`. */
export function isDateTime(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE_TIME.exec(value);
  if (!match) return false;
  if (!isDate(`${match[1]}-${match[2]}-${match[3]}`)) return false;
  if (Number(match[4]) > 23 || Number(match[5]) > 59 || Number(match[6]) > 59) return false;
  return !Number.isNaN(Date.parse(value));
}

export function isUuidText(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Orders two bounds of a field type: negative, zero or positive. */
export function compareBounds(type: FieldType, a: number | string, b: number | string): number {
  if (type === 'datetime') return Date.parse(String(a)) - Date.parse(String(b));
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Whether `bound` is a valid min/max for the type, or why not. */
export function boundProblem(type: FieldType, bound: unknown): string | null {
  switch (type) {
    case 'integer':
      return Number.isSafeInteger(bound) ? null : 'must be an integer';
    case 'decimal':
      return typeof bound === 'number' && Number.isFinite(bound) ? null : 'must be a number';
    case 'date':
      return isDate(bound) ? null : 'must be a date (YYYY-MM-DD)';
    case 'datetime':
      return isDateTime(bound) ? null : 'must be an ISO 8601 date-time with an offset';
    default:
      return 'is not allowed for this type';
  }
}

function rangeProblem(field: FieldDefinition, value: number | string): string | null {
  if (field.min !== undefined && compareBounds(field.type, value, field.min) < 0) return `must be at least ${field.min}`;
  if (field.max !== undefined && compareBounds(field.type, value, field.max) > 0) return `must be at most ${field.max}`;
  return null;
}

function textProblem(field: FieldDefinition, value: string): string | null {
  if (field.max_length !== undefined && [...value].length > field.max_length) return `must be at most ${field.max_length} characters`;
  if (field.pattern !== undefined) {
    let matches = false;
    try {
      matches = new RegExp(field.pattern).test(value);
    } catch {
      return 'cannot be checked: the field pattern is invalid';
    }
    if (!matches) return `must match the pattern ${field.pattern}`;
  }
  return null;
}

/**
 * Why `value` is not a valid value of `field`, or null when it is. Relation
 * values (reference ids) need the database and are not checked here.
 */
export function valueProblem(field: FieldDefinition, value: unknown): string | null {
  switch (field.type) {
    case 'text':
    case 'long_text':
      return typeof value === 'string' ? textProblem(field, value) : 'must be a string';
    case 'email':
      if (typeof value !== 'string' || !EMAIL.test(value)) return 'must be an email address';
      return textProblem(field, value);
    case 'url': {
      if (typeof value !== 'string' || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) return 'must be an http or https URL';
      return textProblem(field, value);
    }
    case 'integer':
      return Number.isSafeInteger(value) ? rangeProblem(field, value as number) : 'must be an integer';
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? rangeProblem(field, value) : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'date':
      return isDate(value) ? rangeProblem(field, value) : 'must be a date (YYYY-MM-DD)';
    case 'datetime':
      return isDateTime(value) ? rangeProblem(field, value) : 'must be an ISO 8601 date-time with an offset';
    case 'enum':
      return typeof value === 'string' && (field.values ?? []).includes(value) ? null : `must be one of: ${(field.values ?? []).join(', ')}`;
    case 'multi_enum': {
      if (!Array.isArray(value)) return 'must be an array of values';
      if (value.some((item) => typeof item !== 'string' || !(field.values ?? []).includes(item))) {
        return `must contain only: ${(field.values ?? []).join(', ')}`;
      }
      return new Set(value).size === value.length ? null : 'must not repeat a value';
    }
    case 'json':
      return value === undefined ? 'is required' : null;
    case 'user':
      return isUuidText(value) ? null : 'must be a member id (UUID)';
    case 'reference':
    case 'references':
    case 'any_reference':
      return null;
  }
}
