// Reading a stored or literal value as the comparable value of its value type.
// Anything that does not fit its type (left over from an older schema, say)
// reads as null, so evaluation never throws on odd data.
import { isDate, isUuid, parseDatetime } from './literals.ts';
import type { ValueType } from './value-types.ts';

/** string: text, enum, uuid (lower-cased), date (YYYY-MM-DD); number: integer, decimal, datetime (epoch µs); json: any scalar. */
export type Comparable = string | number | boolean;
export type Value = Comparable | readonly string[] | { readonly reference: true };

export function coerce(raw: unknown, valueType: ValueType): Value | null {
  switch (valueType) {
    case 'text': case 'enum':
      return typeof raw === 'string' ? raw : null;
    case 'uuid':
      return isUuid(raw) ? raw.toLowerCase() : null;
    case 'integer':
      return Number.isSafeInteger(raw) ? (raw as number) : null;
    case 'decimal':
      return typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
    case 'boolean':
      return typeof raw === 'boolean' ? raw : null;
    case 'date':
      return isDate(raw) ? raw : null;
    case 'datetime':
      if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? null : raw.getTime() * 1000;
      return parseDatetime(raw);
    case 'json':
      // A JSON path compares as a JSON scalar: missing, JSON null, objects and arrays read as null.
      return typeof raw === 'string' || typeof raw === 'boolean' || (typeof raw === 'number' && Number.isFinite(raw)) ? raw : null;
    case 'multi_enum':
      return Array.isArray(raw) ? raw.filter((item): item is string => typeof item === 'string') : null;
    case 'references':
      return Array.isArray(raw) ? raw.filter(isUuid).map((id) => id.toLowerCase()) : null;
    case 'any_reference':
      return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && isUuid((raw as { id?: unknown }).id) ? { reference: true } : null;
  }
}
