// Type-level rules (condition trees in the shared condition language,
// src/conditions) checked against a record before it is stored.
//
// A rule is violated only when it evaluates to false: like a SQL CHECK
// constraint, a rule that is unknown (null) for this record passes. Rules
// are evaluated over the record alone: a path through a reference to another
// record reads as null here (so such a rule passes); checking rules across
// relations is left to the query engine's SQL backend (issue #5). Relative
// times and `start_of` are computed in UTC.
import { compileCondition, evaluate, inMemoryRecords } from '../../conditions/index.ts';
import type { EntityTypeDefinition } from '../../entities/core/definitions.ts';
import type { FieldError } from '../../platform/http/errors.ts';

export interface RuleContext {
  readonly now: Date;
  readonly userId: string | null;
}

export function ruleViolations(
  definition: EntityTypeDefinition,
  data: Readonly<Record<string, unknown>>,
  context: RuleContext = { now: new Date(), userId: null },
): FieldError[] {
  const rules = definition.rules ?? [];
  if (rules.length === 0) return [];
  // The registry the rule sees: this type only (rules were type-checked
  // against the full registry when the type was saved).
  const registry = { type: (key: string) => (key === definition.key ? definition : undefined) };
  const record = { id: '00000000-0000-7000-8000-000000000000', type: definition.key, ...data };
  const view = inMemoryRecords([record]).view(record);
  const violations: FieldError[] = [];
  for (const rule of rules) {
    const compiled = compileCondition(rule.condition, definition.key, registry);
    // A rule reaching other types cannot be compiled against this type alone: not checked here.
    if (!compiled.ok) continue;
    if (evaluate(compiled.condition, view, { now: context.now, timeZone: 'UTC', userId: context.userId }) === false) {
      violations.push({ pointer: '/', message: `${rule.message} (rule ${rule.key})` });
    }
  }
  return violations;
}
