import { Type, type Static } from '@sinclair/typebox';
import { KEY_PATTERN } from '../entities/index.ts';
import { DateTime, StringEnum, Uuid } from '../platform/http/schemas.ts';
import { PARAMETER_TYPES } from './saved-queries.parameters.ts';

export const SavedQueryKey = Type.String({ pattern: KEY_PATTERN, description: 'Identifies the saved query in the organisation: a lowercase identifier' });
export const SavedQueryParams = Type.Object({ key: SavedQueryKey }, { additionalProperties: false });

const ParameterDeclaration = Type.Object(
  {
    type: StringEnum(PARAMETER_TYPES, { description: 'The JSON value a run must give: text, number, integer, boolean, date (YYYY-MM-DD), datetime (ISO 8601) or uuid' }),
    list: Type.Optional(Type.Boolean({ description: 'The value is an array of that type (for `in`, `nin`, `has_any`, `has_all`)' })),
    default: Type.Optional(Type.Unknown({ description: 'Used when a run does not give the parameter; without it the parameter is required' })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const ParameterDeclarations = Type.Record(Type.String({ pattern: KEY_PATTERN }), ParameterDeclaration, {
  additionalProperties: false,
  maxProperties: 50,
  description:
    'Parameters by name. In `query`, an object `{ "param": "<name>" }` inside a `where` or `having` tree stands for the value a run gives (or the default).',
});
export type ParameterDeclarations = Static<typeof ParameterDeclarations>;

const SavedQueryQuery = Type.Object(
  {},
  {
    additionalProperties: true,
    description: 'A query of the DSL (as for POST /api/query), validated when saved; `{ "param": "<name>" }` placeholders allowed in `where` and `having`',
    examples: [{ from: 'incident', where: { field: 'priority', op: 'eq', value: { param: 'priority' } }, order_by: [{ field: 'created_at', direction: 'desc' }] }],
  },
);

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '^\\S(.*\\S)?$', description: 'Shown in lists; no leading or trailing spaces' });

export const CreateSavedQueryBody = Type.Object(
  {
    key: SavedQueryKey,
    name: Name,
    query: SavedQueryQuery,
    shared: Type.Optional(Type.Boolean({ default: false, description: 'Every member (and API keys with a reading scope) may read and run it; otherwise only its owner and gestores' })),
    parameters: Type.Optional(ParameterDeclarations),
  },
  { additionalProperties: false },
);
export type CreateSavedQueryBody = Static<typeof CreateSavedQueryBody>;

export const ReplaceSavedQueryBody = Type.Object(
  {
    name: Name,
    query: SavedQueryQuery,
    shared: Type.Optional(Type.Boolean({ default: false })),
    parameters: Type.Optional(ParameterDeclarations),
  },
  { additionalProperties: false },
);
export type ReplaceSavedQueryBody = Static<typeof ReplaceSavedQueryBody>;

export const RunSavedQueryBody = Type.Object(
  {
    parameters: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'Values of the declared parameters by name' })),
    cursor: Type.Optional(Type.String({ maxLength: 4096, description: 'The `next_cursor` of the previous page of this run (same parameters)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, description: 'Page size (list) or number of groups (aggregate), within the plan\'s limit; replaces the saved one' })),
  },
  { additionalProperties: false },
);
export type RunSavedQueryBody = Static<typeof RunSavedQueryBody>;

export const SavedQuerySchema = Type.Object({
  key: Type.String(),
  name: Type.String(),
  query: Type.Object({}, { additionalProperties: true }),
  parameters: Type.Object({}, { additionalProperties: true }),
  shared: Type.Boolean(),
  source: StringEnum(['tenant', 'pack'] as const, { description: 'Saved by a member, or shipped by a domain pack' }),
  owner_id: Type.Union([Uuid, Type.Null()], { description: 'The member who saved it (may change it, as gestores may); null for pack queries' }),
  created_at: DateTime,
  updated_at: DateTime,
  created_by: Type.Union([Uuid, Type.Null()]),
  updated_by: Type.Union([Uuid, Type.Null()]),
});
export type SavedQuery = Static<typeof SavedQuerySchema>;

export const SavedQueryListSchema = Type.Object({ data: Type.Array(SavedQuerySchema) });
