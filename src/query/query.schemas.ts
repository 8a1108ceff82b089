import { Type, type Static } from '@sinclair/typebox';

// The DSL is validated by parseQuery (src/query/core/parse-query.ts), which
// reports every problem at once with JSON Pointers (400 invalid-query); a
// static schema here would answer a different status and only part of it.
export const QueryBody = Type.Unknown({
  description:
    'A query of the JSON DSL (docs/query.md). List: `{ "from", "select"?, "where"?, "order_by"?, "limit"?, "offset"?, "cursor"? }`. Aggregate: `{ "from", "where"?, "group_by"?, "aggregate"?, "having"?, "order_by"?, "limit"?, "offset"?, "totals"? }`.',
  examples: [
    {
      from: 'incident',
      select: ['id', 'title', 'priority', 'asset.name', 'details.location.floor'],
      where: {
        and: [
          { field: 'priority', op: 'in', value: ['p1', 'p2'] },
          { field: 'asset.building', op: 'eq', value: '7' },
          { field: 'created_at', op: 'gte', value: { relative: '-7d' } },
        ],
      },
      order_by: [{ field: 'created_at', direction: 'desc' }],
      limit: 50,
    },
    {
      from: 'incident',
      where: { field: 'state', op: 'neq', value: 'closed' },
      group_by: ['assignee', { field: 'created_at', bucket: 'week', time_zone: 'America/Sao_Paulo' }],
      aggregate: [
        { fn: 'count', as: 'open' },
        { fn: 'percentile', field: 'minutes_to_respond', p: 0.9, as: 'p90' },
      ],
      having: { field: 'open', op: 'gt', value: 5 },
      order_by: [{ field: 'open', direction: 'desc' }],
      totals: true,
    },
  ],
});

const Row = Type.Object({}, { additionalProperties: true, description: 'One row: the selected paths (or group keys and aggregates) by name' });

export const QueryAnswerSchema = Type.Object({
  data: Type.Array(Row),
  next_cursor: Type.Optional(
    Type.Union([Type.String(), Type.Null()], { description: 'List queries: pass as `cursor` with the same query for the next page; null on the last page' }),
  ),
  totals: Type.Optional(Type.Union([Row, Type.Null()], { description: 'Aggregate queries: the aggregates over every matching row when `totals` was asked, else null' })),
});

const STREAM_DESCRIPTION =
  'With `Accept: application/x-ndjson` or `text/csv`, every matching row (no page limit, at most the plan\'s `maxStreamRows`, given in the `X-Tessera-Stream-Limit` header), read from a server-side cursor with backpressure. NDJSON ends with a `{"$end": {"rows", "truncated", "max_stream_rows"}}` line (`{"$error": problem}` if it failed midway); CSV has a header row, RFC 4180 quoting and formula-looking text prefixed with `\'`. Both end with the HTTP trailers `X-Tessera-Row-Count` and `X-Tessera-Truncated`.';

/** 200 of POST /api/query and saved query runs: JSON, or a stream by Accept. */
export const queryAnswerResponse = {
  description: 'The answer: a page or groups as JSON, or every row streamed',
  content: {
    'application/json': { schema: QueryAnswerSchema },
    'application/x-ndjson': { schema: { type: 'string', description: STREAM_DESCRIPTION } },
    'text/csv': { schema: { type: 'string', description: STREAM_DESCRIPTION } },
  },
};

export const ExplainQuery = Type.Object(
  {
    analyze: Type.Optional(
      Type.Boolean({ default: false, description: 'Run the query (EXPLAIN ANALYZE), within the plan\'s statement timeout, for actual row counts and times' }),
    ),
  },
  { additionalProperties: false },
);
export type ExplainQuery = Static<typeof ExplainQuery>;

const ExplainedStatement = {
  sql: Type.String({ description: 'The compiled statement: identifiers from the registry, every value a parameter' }),
  values: Type.Array(Type.Unknown(), { description: 'The values of $1, $2, ... in order' }),
  plan: Type.Unknown({ description: 'PostgreSQL\'s EXPLAIN (FORMAT JSON) output' }),
};

export const ExplainSchema = Type.Object({
  ...ExplainedStatement,
  totals: Type.Union([Type.Object(ExplainedStatement), Type.Null()], { description: 'The totals statement of an aggregate query with `totals`, else null' }),
});
