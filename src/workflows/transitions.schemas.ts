import { Type, type Static } from '@sinclair/typebox';
import { DateTime, StringEnum, Uuid } from '../platform/http/schemas.ts';
import { STATE_CATEGORIES, STEP_KEY_PATTERN } from './core/definition.ts';

const TYPE_KEY = '^[a-z][a-z0-9_]{0,62}$';

export const RecordParams = Type.Object(
  { type: Type.String({ pattern: TYPE_KEY, description: 'The entity type key' }), id: Uuid },
  { additionalProperties: false },
);

export const TransitionParams = Type.Object(
  {
    type: Type.String({ pattern: TYPE_KEY, description: 'The entity type key' }),
    id: Uuid,
    key: Type.String({ pattern: STEP_KEY_PATTERN, description: 'The transition key' }),
  },
  { additionalProperties: false },
);

export const GuardResultSchema = Type.Object({
  index: Type.Integer({ description: "The guard's position in the transition's `guards`" }),
  kind: StringEnum(['role', 'team', 'condition', 'related', 'external'] as const),
  passed: Type.Boolean(),
  reason: Type.Optional(Type.String({ description: 'Why it failed' })),
});

export const TransitionAvailabilitySchema = Type.Object({
  key: Type.String(),
  label: Type.Optional(Type.String()),
  to: Type.String({ description: 'The state it leads to' }),
  allowed: Type.Boolean({ description: 'Every guard passes for the caller now (input is checked when it is performed)' }),
  reason: Type.Optional(Type.String({ description: 'Why it is not allowed beyond its guards: the caller may not change this record' })),
  guards: Type.Array(GuardResultSchema),
  input: Type.Array(Type.Object({ key: Type.String(), type: Type.String(), required: Type.Boolean() })),
});

export type TransitionView = Static<typeof TransitionAvailabilitySchema>;

export const TransitionListSchema = Type.Object({
  state: Type.String(),
  state_category: StringEnum(STATE_CATEGORIES),
  workflow_key: Type.String(),
  workflow_version: Type.Integer(),
  transitions: Type.Array(TransitionAvailabilitySchema, { description: 'The transitions leaving the current state (none in a final state)' }),
});
export type TransitionList = Static<typeof TransitionListSchema>;

export const PerformBody = Type.Union([
  Type.Object(
    {
      input: Type.Optional(
        Type.Unsafe<Record<string, unknown>>({
          type: 'object',
          description: "Values of the transition's `input` definitions, by key",
        }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

/** The record as GET /api/records/{type}/{id} shows it (system fields, its workflow position, then its fields). */
const RecordSchema = Type.Object(
  { id: Uuid, type: Type.String(), version: Type.Integer({ description: 'The new ETag' }) },
  { additionalProperties: true, description: 'The record after the transition, as GET /api/records/{type}/{id} answers it' },
);

export const PerformResultSchema = Type.Object({
  record: RecordSchema,
  transition: Type.Object({
    key: Type.String(),
    from: Type.String(),
    to: Type.String(),
    history_id: Uuid,
  }),
});
export type PerformResult = Static<typeof PerformResultSchema>;

export const HistoryQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 500, description: 'The `next_cursor` of the previous page' })),
  },
  { additionalProperties: false },
);

export const HistoryEntrySchema = Type.Object({
  id: Uuid,
  kind: StringEnum(['create', 'attach', 'transition', 'timeout', 'migrate'] as const, {
    description: 'create: created in the initial state; attach: placed by the first publish; transition; timeout: a timer performed the transition; migrate: moved between versions',
  }),
  transition: Type.Union([Type.String(), Type.Null()]),
  from_state: Type.Union([Type.String(), Type.Null()]),
  to_state: Type.String(),
  workflow_key: Type.String(),
  workflow_version: Type.Integer(),
  actor: Type.Object({
    type: StringEnum(['user', 'api_key', 'operator', 'system'] as const),
    id: Type.Union([Uuid, Type.Null()]),
  }),
  input: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  guards: Type.Array(GuardResultSchema),
  effects: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'What the transition did beyond the change of state: `{ kind, ... }` each' }),
  sla: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'The SLA of the state left: `{ status, due_at }`' }),
  occurred_at: DateTime,
});
export type HistoryEntryView = Static<typeof HistoryEntrySchema>;

export const HistoryPageSchema = Type.Object({
  data: Type.Array(HistoryEntrySchema),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page' }),
});
export type HistoryPage = Static<typeof HistoryPageSchema>;

export const GuardSecretSchema = Type.Object({
  secret: Type.String({ description: 'whsec_<base64>: the key external guard calls are signed with (Standard Webhooks)' }),
});
