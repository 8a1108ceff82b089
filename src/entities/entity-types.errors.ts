import { defineErrors } from '../platform/http/errors.ts';

export const EntityTypeErrors = defineErrors({
  'change-breaks-records': {
    status: 409,
    title: 'Change would invalidate existing records',
    description:
      'The change to the entity type narrows it (a field made required, enum values removed, a limit tightened, a type changed, a rule added...) and existing records of the type would no longer validate, or a field made `unique` already holds the same value in several records. `records` gives `{ total, failing, capped, examples: [{ id, errors }] }` and `unique_conflicts` lists `{ field, value, count }`. `POST /api/entity-types/{key}/preview` shows the same without changing anything. Fix the records first, or repeat the request with `?on_invalid=accept` to apply it anyway: the failing records keep their data and must be corrected on their next write. Unique conflicts cannot be accepted.',
  },
});
