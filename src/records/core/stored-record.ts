// Would a stored record pass validation under a given definition? Pure: the
// same field checks and rules a write runs (validate-record.ts, rules.ts),
// applied to the stored `data` alone, for the entity type change preview
// (src/entities). What needs the database (does a referenced record exist, is
// a `user` still a member) is not checked here: a schema change cannot alter it.
import type { EntityTypeDefinition } from '../../entities/core/definitions.ts';
import type { FieldError } from '../../platform/http/errors.ts';
import { ruleViolations, type RuleContext } from './rules.ts';
import { validateUpdate } from './validate-record.ts';

/** Every problem the record's stored data has under `definition`; rules are judged only once the fields are sound, as on a write. */
export function storedRecordErrors(definition: EntityTypeDefinition, data: Readonly<Record<string, unknown>>, context: RuleContext): FieldError[] {
  const checked = validateUpdate(definition, data, {});
  if (checked.errors.length > 0) return checked.errors;
  return ruleViolations(definition, checked.data, context);
}
