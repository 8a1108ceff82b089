// Which changes to a type can make existing records invalid, and which index
// entries a change builds or drops. Pure. The preview and the change guard
// (entity-types.service.ts) scan the records only when `mayInvalidate` says
// so: widening changes (an optional field, a relaxed limit, more enum values,
// labels, descriptions, defaults, indexing, on_delete, removing a field or a
// rule) never read a record.
import type { DefinitionDiff } from './diff.ts';
import type { EntityTypeDefinition, FieldDefinition, FieldType } from './definitions.ts';

/** Field types with index entries, by value column (mirrors src/records/core/index-values.ts). */
const INDEX_COLUMN: Partial<Record<FieldType, string>> = {
  text: 'text', long_text: 'text', email: 'text', url: 'text', enum: 'text', multi_enum: 'text', user: 'text',
  integer: 'number', decimal: 'number', date: 'date', datetime: 'time', boolean: 'bool',
};

function isNumber(value: unknown): value is number {
  return typeof value === 'number';
}

/** Could changing option `name` from `before` to `after` make a stored value invalid? */
function optionNarrows(name: string, before: unknown, after: unknown): boolean {
  switch (name) {
    case 'label':
    case 'description':
    case 'default':
    case 'indexed':
    case 'on_delete':
    case 'unique': // duplicates are judged separately (uniqueConflicts), not as invalid records
      return false;
    case 'required':
      return after === true;
    case 'values': {
      const kept = new Set(Array.isArray(after) ? (after as string[]) : []);
      return !Array.isArray(before) || (before as string[]).some((value) => !kept.has(value));
    }
    case 'targets': {
      const kept = new Set(Array.isArray(after) ? (after as string[]) : []);
      return !Array.isArray(before) || (before as string[]).some((value) => !kept.has(value));
    }
    case 'pattern':
      return after !== null;
    case 'max_length':
      return after !== null && !(isNumber(before) && isNumber(after) && after >= before);
    case 'min':
      return after !== null && !(isNumber(before) && isNumber(after) && after <= before);
    case 'max':
      return after !== null && !(isNumber(before) && isNumber(after) && after >= before);
    default:
      // type, pattern, target and anything new: assume it can narrow.
      return true;
  }
}

/**
 * True when the change can invalidate a stored record: a field's type
 * changed, `required` set, enum `values` or `targets` removed, `max_length`,
 * `min`, `max` tightened or set, `pattern` or `target` changed, a rule added
 * or its condition changed, or a field added that is required or whose key
 * an earlier version had (its values stay stored: `keysWithHistory`).
 */
export function mayInvalidate(diff: DefinitionDiff, keysWithHistory: ReadonlySet<string>): boolean {
  if (diff.fields.added.some((field) => field.required === true || keysWithHistory.has(field.key))) return true;
  if (diff.fields.changed.some((item) => Object.entries(item.changes).some(([name, change]) => optionNarrows(name, change.before, change.after)))) return true;
  if (diff.rules.added.length > 0) return true;
  return diff.rules.changed.some((item) => item.changes.condition !== undefined);
}

/**
 * Fields becoming `unique` that may already hold values: existing ones that
 * were not unique, and added ones whose key an earlier version had.
 */
export function newlyUniqueFields(before: EntityTypeDefinition, after: EntityTypeDefinition, keysWithHistory: ReadonlySet<string>): FieldDefinition[] {
  const old = new Map(before.fields.map((field) => [field.key, field]));
  return after.fields.filter((field) => {
    if (field.unique !== true || INDEX_COLUMN[field.type] === undefined) return false;
    const previous = old.get(field.key);
    return previous === undefined ? keysWithHistory.has(field.key) : previous.unique !== true || previous.type !== field.type;
  });
}

function indexed(definition: EntityTypeDefinition): Map<string, string> {
  const result = new Map<string, string>();
  for (const field of definition.fields) {
    const column = INDEX_COLUMN[field.type];
    if ((field.indexed === true || field.unique === true) && column !== undefined) result.set(field.key, `${column}:${field.unique === true}`);
  }
  return result;
}

/** Field keys whose index entries the change builds (newly indexed or unique, or a new column) and drops. */
export function indexChanges(before: EntityTypeDefinition, after: EntityTypeDefinition): { build: string[]; drop: string[] } {
  const old = indexed(before);
  const current = indexed(after);
  const build = [...current].filter(([key, kind]) => old.get(key) !== kind).map(([key]) => key);
  const drop = [...old].filter(([key, kind]) => current.get(key) !== kind && !current.has(key)).map(([key]) => key);
  return { build, drop };
}
