// Type-level rules are condition trees in the shared condition language
// (src/conditions): the same parser and type-checker the query engine and
// workflow guards use, so a rule that saves here means the same thing there.
import { compileCondition } from '../../conditions/index.ts';
import type { FieldError } from '../../platform/http/errors.ts';
import type { EntityTypeDefinition, RegistrySnapshot } from './definitions.ts';

/**
 * Type-checks each rule's condition against the definition and the registry,
 * answering problems with pointers such as `/rules/0/condition/and/1/field`.
 */
export function checkRuleConditions(definition: EntityTypeDefinition, registry: RegistrySnapshot): FieldError[] {
  const errors: FieldError[] = [];
  (definition.rules ?? []).forEach((rule, index) => {
    const compiled = compileCondition(rule.condition, definition.key, registry, { pointerPrefix: `/rules/${index}/condition` });
    if (!compiled.ok) errors.push(...compiled.errors);
  });
  return errors;
}
