// Type-level rules are condition trees in the shared condition language
// (src/conditions, written in parallel). parseDefinition checks only their
// shape ({ key, message, condition: object }, keys unique).
import type { FieldError } from '../../platform/http/errors.ts';
import type { EntityTypeDefinition, RegistrySnapshot } from './definitions.ts';

/**
 * Type-checks each rule's condition against the definition and the registry,
 * answering problems with pointers such as `/rules/0/condition/and/1/field`.
 *
 * Placeholder: returns [] until src/conditions lands; then it is wired to its
 * parse/type-check function here, and the service (which already calls this
 * after parseDefinition, on create, patch and field addition)
 * refuses definitions whose rules do not type-check.
 */
export function checkRuleConditions(definition: EntityTypeDefinition, registry: RegistrySnapshot): FieldError[] {
  void definition;
  void registry;
  return [];
}
