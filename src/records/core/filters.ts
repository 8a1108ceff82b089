// `filter[<field>]=<value>` of a listing, turned into one JSON object the
// statement matches by containment (data @> filter): equality for single
// values, "contains" for list fields. Query values are text, so each is read
// as its field's type; a value the field could never hold is a 422.
import type { EntityTypeDefinition, FieldDefinition } from '../../entities/core/definitions.ts';
import { isUuidText } from '../../entities/core/field-values.ts';
import type { FieldError } from '../../platform/http/errors.ts';

const FILTER_PARAMETER = /^filter\[([a-z][a-z0-9_]{0,62})\]$/;

function filterValue(field: FieldDefinition, text: string): { value: unknown } | { problem: string } {
  switch (field.type) {
    case 'integer': {
      const value = Number(text);
      return /^-?\d+$/.test(text) && Number.isSafeInteger(value) ? { value } : { problem: 'must be an integer' };
    }
    case 'decimal': {
      const value = Number(text);
      return text.trim() !== '' && Number.isFinite(value) ? { value } : { problem: 'must be a number' };
    }
    case 'boolean':
      return text === 'true' || text === 'false' ? { value: text === 'true' } : { problem: 'must be true or false' };
    case 'user':
    case 'reference':
      return isUuidText(text) ? { value: text.toLowerCase() } : { problem: 'must be an id (UUID)' };
    case 'references':
      return isUuidText(text) ? { value: [text.toLowerCase()] } : { problem: 'must be an id (UUID)' };
    case 'multi_enum':
      return { value: [text] };
    case 'json':
    case 'any_reference':
      return { problem: `cannot be filtered on (type ${field.type}); use POST /api/query` };
    default:
      return { value: text };
  }
}

/** The containment object for the query's filter parameters, or every problem with them. */
export function parseFilters(definition: EntityTypeDefinition, query: Readonly<Record<string, unknown>>): { ok: true; filter: Record<string, unknown> } | { ok: false; errors: FieldError[] } {
  const filter: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const [name, raw] of Object.entries(query)) {
    const match = FILTER_PARAMETER.exec(name);
    if (!match) continue;
    const key = match[1] as string;
    const pointer = `/${name}`;
    const field = definition.fields.find((candidate) => candidate.key === key);
    if (!field) {
      errors.push({ pointer, message: `is not a field of ${definition.key}`, in: 'query' });
      continue;
    }
    const parsed = filterValue(field, String(raw));
    if ('problem' in parsed) errors.push({ pointer, message: parsed.problem, in: 'query' });
    else filter[key] = parsed.value;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, filter };
}
