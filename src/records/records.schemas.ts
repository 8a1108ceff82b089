import { Type, type Static } from '@sinclair/typebox';
import { KEY_PATTERN } from '../entities/index.ts';
import { DateTime, StringEnum, Uuid } from '../platform/http/schemas.ts';
import { STATE_CATEGORIES } from '../workflows/core/definition.ts';
import { LIST_SORTS } from './records.sql.ts';

// Record bodies are loose objects: validateRecord (src/records/core) checks
// them against the type's current definition and reports every problem at
// once, which a static schema cannot (the fields are defined at runtime).

export const RecordBody = Type.Unsafe<Record<string, unknown>>({
  type: 'object',
  description: "The record's field values as a flat object (see the entity type's `fields`). In PATCH, `null` clears a field.",
  examples: [{ title: 'Printer on fire', priority: 'p1' }],
});

export const BulkBody = Type.Object(
  {
    records: Type.Array(RecordBody, {
      minItems: 1,
      maxItems: 1000,
      description: 'Up to 1,000 records to create or upsert. An item may carry `id` to update that record (merged like PATCH).',
    }),
    upsert_by: Type.Optional(
      Type.String({
        pattern: KEY_PATTERN,
        description: 'A unique field of the type: an item whose value of it matches an existing record updates that record (like PATCH) instead of creating one',
      }),
    ),
  },
  { additionalProperties: false },
);
export type BulkBody = Static<typeof BulkBody>;

export const TypeParams = Type.Object({ type: Type.String({ pattern: KEY_PATTERN, description: 'The entity type key' }) }, { additionalProperties: false });
export const RecordParams = Type.Object(
  { type: Type.String({ pattern: KEY_PATTERN, description: 'The entity type key' }), id: Uuid },
  { additionalProperties: false },
);

const Expand = Type.String({
  pattern: '^[a-z][a-z0-9_]{0,62}(,[a-z][a-z0-9_]{0,62})*$',
  maxLength: 2000,
  description:
    'Comma-separated reference, references or any_reference fields whose records are included inline, one level deep. Records the caller cannot read (row ACL, type permissions) stay ids.',
});

export const GetQuery = Type.Object({ expand: Type.Optional(Expand) }, { additionalProperties: false });

export const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'The `next_cursor` of the previous page' })),
    sort: Type.Optional(StringEnum(LIST_SORTS, { description: 'id (default), created_at or updated_at; a leading `-` sorts descending' })),
    expand: Type.Optional(Expand),
  },
  {
    additionalProperties: false,
    patternProperties: { '^filter\\[[a-z][a-z0-9_]{0,62}\\]$': Type.String({ maxLength: 1000 }) },
    description: '`filter[<field>]=<value>` keeps records whose field equals the value (for multi_enum and references: contains it).',
  },
);
export type ListQuery = Static<typeof ListQuery> & Record<string, string | number | undefined>;

export const RecordSchema = Type.Object(
  {
    id: Uuid,
    type: Type.String(),
    version: Type.Integer({ description: 'Changes on every update; the ETag' }),
    created_at: DateTime,
    updated_at: DateTime,
    created_by: Type.Union([Uuid, Type.Null()], { description: 'The member who created it; null for API keys' }),
    updated_by: Type.Union([Uuid, Type.Null()]),
    state: Type.Union([Type.String(), Type.Null()], { description: "The record's state in its type's workflow; null when the type has no published workflow" }),
    state_category: Type.Union([StringEnum(STATE_CATEGORIES), Type.Null()], { description: "The state's category (the same across workflows)" }),
    workflow_version: Type.Union([Type.Integer(), Type.Null()], { description: 'The workflow version the record runs on (kept until it is migrated or final)' }),
    sla_status: Type.Union([StringEnum(['ok', 'at_risk', 'breached']), Type.Null()], {
      description: "The current state's SLA, as of this answer; null when the state has none",
    }),
    sla_due_at: Type.Union([DateTime, Type.Null()], { description: "When the current state's SLA is breached" }),
    sla_remaining_seconds: Type.Union([Type.Integer(), Type.Null()], { description: 'Seconds until sla_due_at (negative once breached)' }),
  },
  {
    additionalProperties: true,
    description:
      "System fields (the workflow's ones null when the type has no published workflow), then every field of the type's current definition (null when the record has no value for it).",
  },
);
export type RecordView = Static<typeof RecordSchema> & Record<string, unknown>;

export const RecordListSchema = Type.Object({
  data: Type.Array(RecordSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page' }),
});

const BulkWritten = Type.Object({
  index: Type.Integer(),
  status: Type.Union([Type.Literal(201), Type.Literal(200)], { description: '201 created, 200 updated' }),
  id: Uuid,
  version: Type.Integer(),
});
const BulkFailed = Type.Object({
  index: Type.Integer(),
  status: Type.Union([Type.Literal(422), Type.Literal(409), Type.Literal(404), Type.Literal(403)]),
  detail: Type.Optional(Type.String()),
  errors: Type.Optional(Type.Array(Type.Object({ pointer: Type.String(), message: Type.String() }))),
});
export const BulkResultSchema = Type.Object({ results: Type.Array(Type.Union([BulkWritten, BulkFailed])) });
export type BulkResult = Static<typeof BulkResultSchema>;
