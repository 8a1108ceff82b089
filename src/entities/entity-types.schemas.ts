import { Type, type Static } from '@sinclair/typebox';
import { DateTime, NullableDateTime, StringEnum, Uuid } from '../platform/http/schemas.ts';
import { FIELD_TYPES, KEY_PATTERN, ON_DELETE } from './core/definitions.ts';

// Request bodies are deliberately loose objects: parseDefinition (src/entities/core)
// validates them and reports every problem at once with JSON Pointers, which a
// schema check would cut short at the first structural error. The response
// schemas below describe the definition format exactly (docs/entities.md).

const example = {
  key: 'incident',
  label: 'Incident',
  fields: [
    { key: 'title', type: 'text', required: true, max_length: 200 },
    { key: 'priority', type: 'enum', values: ['p1', 'p2', 'p3', 'p4'], indexed: true },
    { key: 'asset', type: 'reference', target: 'asset', on_delete: 'restrict' },
    { key: 'minutes_to_respond', type: 'integer' },
  ],
};

export const CreateEntityTypeBody = Type.Unsafe<unknown>({
  type: 'object',
  description: 'An entity type definition: `{ key, label, description?, fields: [...], rules?: [...] }` (see the EntityType response and docs/entities.md).',
  examples: [example],
});

export const PatchEntityTypeBody = Type.Unsafe<unknown>({
  type: 'object',
  description: '`{ label?, description?, fields?, rules? }`. `fields` and `rules` replace the lists; the resulting definition is validated whole.',
});

export const AddFieldBody = Type.Unsafe<unknown>({
  type: 'object',
  description: 'One field definition, appended to the type (see `fields` in the EntityType response).',
  examples: [{ key: 'resolved_at', type: 'datetime' }],
});

export const RollbackBody = Type.Object(
  { to_version: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'The version whose definition becomes current again' }) },
  { additionalProperties: false },
);
export type RollbackBody = Static<typeof RollbackBody>;

export const KeyParams = Type.Object({ key: Type.String({ pattern: KEY_PATTERN, description: 'The entity type key' }) }, { additionalProperties: false });

export const VersionsQuery = Type.Object(
  { include: Type.Optional(StringEnum(['definition'], { description: '`definition` adds each version\'s full definition' })) },
  { additionalProperties: false },
);

const Bound = Type.Union([Type.Number(), Type.String()]);

export const FieldSchema = Type.Object({
  key: Type.String({ pattern: KEY_PATTERN }),
  type: StringEnum(FIELD_TYPES),
  label: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  required: Type.Optional(Type.Boolean()),
  unique: Type.Optional(Type.Boolean()),
  indexed: Type.Optional(Type.Boolean()),
  default: Type.Optional(Type.Unknown({ description: 'A valid value of the field' })),
  max_length: Type.Optional(Type.Integer()),
  min: Type.Optional(Bound),
  max: Type.Optional(Bound),
  pattern: Type.Optional(Type.String()),
  values: Type.Optional(Type.Array(Type.String())),
  target: Type.Optional(Type.String()),
  targets: Type.Optional(Type.Array(Type.String())),
  on_delete: Type.Optional(StringEnum(ON_DELETE)),
});

export const RuleSchema = Type.Object({
  key: Type.String({ pattern: KEY_PATTERN }),
  message: Type.String(),
  condition: Type.Record(Type.String(), Type.Unknown(), { description: 'A condition tree' }),
});

const DefinitionMembers = {
  key: Type.String({ pattern: KEY_PATTERN }),
  label: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  fields: Type.Array(FieldSchema),
  rules: Type.Array(RuleSchema),
};

export const DefinitionSchema = Type.Object({ ...DefinitionMembers, description: Type.Optional(Type.String()) });

// --- Background index builds (docs/entities.md, "Index builds").

export const IndexBuildSchema = Type.Object({
  field: Type.String({ description: 'The field whose index entries are built' }),
  status: StringEnum(['pending', 'building', 'ready', 'failed'], {
    description: '`pending`: waiting for a worker; `building`: entries being written in batches; `ready`: complete, listings use them; `failed`: stopped (for a unique field: values held by several records, in `conflicts`)',
  }),
  records_done: Type.Integer({ description: 'Records whose entries the build has written' }),
  records_total: Type.Union([Type.Integer(), Type.Null()], { description: 'Records of the type when the build started; null before' }),
  error: Type.Union([Type.String(), Type.Null()]),
  conflicts: Type.Array(Type.Object({ value: Type.Unknown(), count: Type.Integer() }), {
    maxItems: 5,
    description: 'A failed unique build: values held by more than one record, and by how many',
  }),
  requested_at: DateTime,
  started_at: NullableDateTime,
  completed_at: NullableDateTime,
});

export const EntityTypeSchema = Type.Object({
  ...DefinitionMembers,
  version: Type.Integer({ description: 'The current version' }),
  source: StringEnum(['tenant', 'pack'], { description: '`tenant`: defined through the API; `pack`: installed by a domain pack' }),
  source_pack: Type.Union([Type.String(), Type.Null()]),
  source_pack_version: Type.Union([Type.String(), Type.Null()]),
  created_at: DateTime,
  updated_at: DateTime,
  index_builds: Type.Optional(
    Type.Array(IndexBuildSchema, {
      description:
        'Present when the type has background index builds to report: waiting, running or failed ones, and ready ones for a day after they completed. Builds done inside a change are not listed (they are complete when it answers).',
    }),
  ),
});
export type EntityType = Static<typeof EntityTypeSchema>;

export const EntityTypeListSchema = Type.Object({ data: Type.Array(EntityTypeSchema) });

const Change = Type.Object({ before: Type.Unknown(), after: Type.Unknown() });
const ItemChange = Type.Object({ key: Type.String(), changes: Type.Record(Type.String(), Change) });
const ListDiff = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({
    added: Type.Array(item),
    removed: Type.Array(item),
    changed: Type.Array(ItemChange),
    order: Type.Optional(Type.Array(Type.String(), { description: 'The new order of keys, when it is not kept items then added ones' })),
  });

export const DiffSchema = Type.Object({
  label: Type.Optional(Change),
  description: Type.Optional(Change),
  fields: ListDiff(FieldSchema),
  rules: ListDiff(RuleSchema),
});

export const VersionSchema = Type.Object({
  version: Type.Integer(),
  change_kind: StringEnum(['create', 'update', 'add_field', 'rollback']),
  created_by: Type.Union([Uuid, Type.Null()]),
  created_at: DateTime,
  diff: DiffSchema,
  definition: Type.Optional(DefinitionSchema),
});
export type EntityTypeVersion = Static<typeof VersionSchema>;

export const VersionListSchema = Type.Object({ data: Type.Array(VersionSchema) });

// --- Change preview and the narrowing guard (docs/entities.md, "Preview and narrowing changes").

export const PreviewBody = Type.Unsafe<unknown>({
  type: 'object',
  description: 'The change to preview: a PATCH body `{ label?, description?, fields?, rules? }`, or `{ "add_field": {...} }` for POST /fields.',
  examples: [{ add_field: { key: 'severity', type: 'enum', values: ['low', 'high'], required: true } }],
});

export const ChangeQuery = Type.Object(
  {
    on_invalid: Type.Optional(
      StringEnum(['refuse', 'accept'], {
        description: '`refuse` (default): a change that existing records would violate is 409. `accept`: apply it; the records keep their data, are reported in `invalid_records` and fail validation on their next write.',
      }),
    ),
  },
  { additionalProperties: false },
);

const FieldErrorSchema = Type.Object({ pointer: Type.String(), message: Type.String() });
const RecordExample = Type.Object({ id: Uuid, errors: Type.Array(FieldErrorSchema) });

export const RecordsCheckSchema = Type.Object({
  scanned: Type.Boolean({ description: 'false when the change cannot invalidate a record (a widening change): nothing was read' }),
  total: Type.Integer({ description: 'Records read' }),
  failing: Type.Integer({ description: 'Records valid under the current definition that the proposed one rejects' }),
  capped: Type.Boolean({ description: 'true when the scan stopped at its cap (100,000 records) with records left unread' }),
  examples: Type.Array(RecordExample, { maxItems: 5 }),
});
export type RecordsCheck = Static<typeof RecordsCheckSchema>;

export const UniqueConflictSchema = Type.Object({ field: Type.String(), value: Type.Unknown(), count: Type.Integer() });
export type UniqueConflict = Static<typeof UniqueConflictSchema>;

export const ChangePreviewSchema = Type.Object({
  diff: DiffSchema,
  current_version: Type.Integer(),
  records: RecordsCheckSchema,
  indexes: Type.Object({ build: Type.Array(Type.String()), drop: Type.Array(Type.String()) }),
  unique_conflicts: Type.Array(UniqueConflictSchema, { maxItems: 5 }),
  safe: Type.Boolean(),
  unsafe_reasons: Type.Array(Type.String()),
});
export type ChangePreview = Static<typeof ChangePreviewSchema>;

export const InvalidRecordsSchema = Type.Object({ count: Type.Integer(), capped: Type.Boolean(), examples: Type.Array(RecordExample) });
export type InvalidRecords = Static<typeof InvalidRecordsSchema>;

export const ChangedEntityTypeSchema = Type.Object({
  ...EntityTypeSchema.properties,
  invalid_records: Type.Optional(InvalidRecordsSchema),
});
