// The query engine's limits per plan. parseQuery() rejects a query over a
// limit with an error naming it (never clamps silently); the service applies
// the statement timeout per transaction and stops a stream at maxStreamRows.
//
// | Limit                         | starter | pro       | business  | enterprise |
// |-------------------------------|---------|-----------|-----------|------------|
// | page size: default            | 50      | 50        | 50        | 50         |
// | page size: maximum (`limit`)  | 200     | 500       | 1,000     | 1,000      |
// | groups per answer (`limit`)   | 1,000   | 5,000     | 10,000    | 10,000     |
// | hops per path                 | 3       | 3         | 3         | 3          |
// | conditions (comparisons and quantifiers in `where`, related aggregates' `where` and `having`) | 50 | 100 | 200 | 200 |
// | `select` items; aggregates    | 50      | 100       | 200       | 200        |
// | statement timeout             | 5 s     | 10 s      | 20 s      | 30 s       |
// | rows per streamed answer      | 100,000 | 1,000,000 | 5,000,000 | 10,000,000 |
//
// Plan-independent: at most MAX_ORDER_KEYS `order_by` items and MAX_GROUP_KEYS
// `group_by` items. The default `select` (every field of the type) is not
// counted against the select limit: a type's own fields are always answerable.
import { MAX_HOPS } from '../../conditions/index.ts';
import type { Plan } from '../../tenancy/core/plans.ts';
import type { QueryLimits } from './query.ts';

export const QUERY_LIMITS: Readonly<Record<Plan, QueryLimits>> = {
  starter: {
    defaultPageSize: 50, maxPageSize: 200, maxGroups: 1_000, maxHops: MAX_HOPS, maxConditions: 50, maxSelect: 50,
    statementTimeoutMs: 5_000, maxStreamRows: 100_000,
  },
  pro: {
    defaultPageSize: 50, maxPageSize: 500, maxGroups: 5_000, maxHops: MAX_HOPS, maxConditions: 100, maxSelect: 100,
    statementTimeoutMs: 10_000, maxStreamRows: 1_000_000,
  },
  business: {
    defaultPageSize: 50, maxPageSize: 1_000, maxGroups: 10_000, maxHops: MAX_HOPS, maxConditions: 200, maxSelect: 200,
    statementTimeoutMs: 20_000, maxStreamRows: 5_000_000,
  },
  enterprise: {
    defaultPageSize: 50, maxPageSize: 1_000, maxGroups: 10_000, maxHops: MAX_HOPS, maxConditions: 200, maxSelect: 200,
    statementTimeoutMs: 30_000, maxStreamRows: 10_000_000,
  },
};

/** `order_by` items (each one is a sort key and a cursor column). */
export const MAX_ORDER_KEYS = 10;
/** `group_by` items. */
export const MAX_GROUP_KEYS = 10;
