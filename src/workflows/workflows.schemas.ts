import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Uuid } from '../platform/http/schemas.ts';
import { WORKFLOW_KEY_PATTERN } from './core/definition.ts';
import { ISSUE_EXAMPLE } from './core/example.ts';

// Definition bodies are loose objects: parseWorkflowDefinition (core) checks
// their shape and reports every problem at once with JSON Pointers, which a
// schema check would cut short at the first structural error. docs/workflows.md
// describes the language.


export const DefinitionBody = Type.Unsafe<unknown>({
  type: 'object',
  description:
    'A workflow definition: `{ key, entity_type, label?, description?, initial, states: [...], transitions: [...] }` (docs/workflows.md). Every shape problem is reported at once in `errors` (422).',
  examples: [ISSUE_EXAMPLE],
});

/** A stored definition, as written (already shape-checked). */
const Definition = Type.Object({}, { additionalProperties: true, description: 'The workflow definition (docs/workflows.md)' });

export const KeyParams = Type.Object(
  { key: Type.String({ pattern: WORKFLOW_KEY_PATTERN, description: 'The workflow key' }) },
  { additionalProperties: false },
);

export const VersionParams = Type.Object(
  {
    key: Type.String({ pattern: WORKFLOW_KEY_PATTERN, description: 'The workflow key' }),
    version: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'A published version number' }),
  },
  { additionalProperties: false },
);

export const WorkflowSchema = Type.Object({
  key: Type.String(),
  entity_type: Type.String(),
  draft: Definition,
  draft_revision: Type.Integer({ description: 'Bumped by every change of the draft; the ETag' }),
  latest_version: Type.Union([Type.Integer(), Type.Null()], { description: 'The newest published version; null until the first publish' }),
  created_at: DateTime,
  updated_at: DateTime,
});
export type WorkflowView = Static<typeof WorkflowSchema>;

export const WorkflowListSchema = Type.Object({ data: Type.Array(WorkflowSchema) });

export const PublishedSchema = Type.Object({
  key: Type.String(),
  version: Type.Integer({ description: 'The published version (the same as before when the draft had not changed since it)' }),
  attached: Type.Integer({ description: 'Records placed in the initial state by this publish (the first one only)' }),
  unchanged: Type.Boolean({ description: 'True when the draft equalled the latest version: nothing was published' }),
});

const VersionSummary = Type.Object({
  version: Type.Integer(),
  entity_type: Type.String(),
  published_at: DateTime,
  published_by: Type.Union([Uuid, Type.Null()]),
});
export const VersionListSchema = Type.Object({ data: Type.Array(VersionSummary) });

export const VersionSchema = Type.Object({
  key: Type.String(),
  version: Type.Integer(),
  entity_type: Type.String(),
  definition: Definition,
  published_at: DateTime,
  published_by: Type.Union([Uuid, Type.Null()]),
});

export const DiffQuery = Type.Object(
  {
    from: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'A published version' }),
    to: Type.String({ pattern: '^([1-9][0-9]{0,8}|draft)$', description: 'A published version, or `draft`' }),
  },
  { additionalProperties: false },
);
export type DiffQuery = Static<typeof DiffQuery>;

export const DiffSchema = Type.Object({
  key: Type.String(),
  from: Type.Integer(),
  to: Type.Union([Type.Integer(), Type.Literal('draft')]),
  changes: Type.Array(Type.Object({}, { additionalProperties: true }), {
    description: 'States and transitions added, removed or changed, and a changed initial state, each with a JSON Pointer',
  }),
});

export const MigrateBody = Type.Object(
  {
    from_version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
    to_version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
    state_map: Type.Optional(
      Type.Record(Type.String({ maxLength: 63 }), Type.String({ maxLength: 63 }), {
        description: 'from_version state → to_version state; a state left out maps to the state of the same key',
      }),
    ),
    dry_run: Type.Optional(Type.Boolean({ description: 'Count the moves and change nothing' })),
  },
  { additionalProperties: false },
);
export type MigrateBody = Static<typeof MigrateBody>;

export const MigrationSchema = Type.Object({
  key: Type.String(),
  from_version: Type.Integer(),
  to_version: Type.Integer(),
  dry_run: Type.Boolean(),
  moves: Type.Array(Type.Object({ from_state: Type.String(), to_state: Type.String(), records: Type.Integer() })),
  total: Type.Integer({ description: 'Records moved (or that would be)' }),
});
export type MigrationResult = Static<typeof MigrationSchema>;
