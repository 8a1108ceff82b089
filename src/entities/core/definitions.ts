// The data model of custom entity types (issue #4), shared by the registry,
// the condition language, the query engine and workflows. Pure types and
// constants: no I/O.

export const FIELD_TYPES = [
  'text',
  'long_text',
  'integer',
  'decimal',
  'boolean',
  'date',
  'datetime',
  'enum',
  'multi_enum',
  'email',
  'url',
  'json',
  'user',
  'reference',
  'references',
  'any_reference',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const ON_DELETE = ['restrict', 'cascade', 'set_null'] as const;
export type OnDelete = (typeof ON_DELETE)[number];

/** Names every record has; a type may not define a field with one of these keys. */
export const SYSTEM_FIELDS = {
  id: 'uuid',
  type: 'text',
  version: 'integer',
  // Workflows (issue #6): null while the type has no published workflow.
  state: 'text',
  state_category: 'text',
  state_entered_at: 'datetime',
  workflow_version: 'integer',
  sla_status: 'text',
  sla_due_at: 'datetime',
  created_at: 'datetime',
  updated_at: 'datetime',
  created_by: 'user',
  updated_by: 'user',
} as const;
export type SystemField = keyof typeof SYSTEM_FIELDS;

/** Further reserved keys (future system columns and SQL-ish words that confuse readers). */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  ...Object.keys(SYSTEM_FIELDS),
  'tenant_id', 'workflow_key', 'input', 'actor', 'deleted_at', 'archived_at', 'owner', 'acl', 'sla', 'workflow', 'history', 'data', 'select', 'from', 'where',
]);

/** Field keys and type keys: lowercase identifiers. */
export const KEY_PATTERN = '^[a-z][a-z0-9_]{0,62}$';

export interface FieldDefinition {
  readonly key: string;
  readonly type: FieldType;
  readonly label?: string;
  readonly description?: string;
  readonly required?: boolean;
  readonly unique?: boolean;
  readonly default?: unknown;
  readonly max_length?: number;
  readonly min?: number | string;
  readonly max?: number | string;
  readonly pattern?: string;
  /** enum and multi_enum */
  readonly values?: readonly string[];
  readonly indexed?: boolean;
  /** reference and references: the target type key */
  readonly target?: string;
  /** any_reference: the allowed target type keys */
  readonly targets?: readonly string[];
  /** reference only */
  readonly on_delete?: OnDelete;
}

/** A type-level rule: a condition every record must satisfy, with the message shown when it does not. */
export interface RuleDefinition {
  readonly key: string;
  readonly condition: unknown;
  readonly message: string;
}

export interface EntityTypeDefinition {
  readonly key: string;
  readonly label: string;
  readonly description?: string;
  readonly fields: readonly FieldDefinition[];
  readonly rules?: readonly RuleDefinition[];
}

/**
 * What the condition language, the query compiler and workflows know of the
 * registry: the current definition of each of an organisation's types.
 */
export interface RegistrySnapshot {
  type(key: string): EntityTypeDefinition | undefined;
}

/** Size limits of a definition, checked by parseDefinition (docs/entities.md lists them). */
export const DEFINITION_LIMITS = {
  fields: 200,
  rules: 100,
  label: 120,
  description: 2000,
  pattern: 200,
  values: 500,
  valueLength: 200,
  targets: 50,
  maxLength: 1_000_000,
  message: 500,
} as const;
