// parseQuery(): the JSON DSL of POST /api/query -> a ValidatedQuery
// (src/query/core/query.ts), or every error at once, each with the JSON
// Pointer of the offending node and what is allowed there (answered as 400).
// Pure and total: never throws, whatever the input. A query with `group_by`
// or `aggregate` is an aggregate query; otherwise a list query.
import type { ResolvedCondition } from '../../conditions/index.ts';
import type { RegistrySnapshot } from '../../entities/core/definitions.ts';
import type { FieldError } from '../../platform/http/errors.ts';
import { parseAggregates } from './aggregates.ts';
import { has, isKey, isObject, member, rejectUnknownMembers, type JsonObject } from './dsl-input.ts';
import { parseGroupBy } from './group.ts';
import { resolveHaving } from './having.ts';
import { OutputNames } from './outputs.ts';
import { parseListOrder, parseOutputOrder, withGroupKeys } from './order.ts';
import type { AggregateQuery, ListQuery, QueryLimits, ValidatedQuery } from './query.ts';
import { ParseScope } from './scope.ts';
import { defaultSelect, parseSelect } from './select.ts';

export type ParseQueryResult =
  | { readonly ok: true; readonly query: ValidatedQuery; readonly cursor: string | null }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

const QUERY_KEYS = ['from', 'select', 'where', 'group_by', 'aggregate', 'having', 'order_by', 'limit', 'offset', 'cursor', 'totals'] as const;
const QUERY_SHAPE = 'a query object {"from", "select"?, "where"?, "order_by"?, "limit"?, "offset"?, "cursor"?} or, to aggregate, {"from", "where"?, "group_by"?, "aggregate"?, "having"?, "order_by"?, "limit"?, "offset"?, "totals"?}';
const MAX_CURSOR_LENGTH = 4096;

export function parseQuery(input: unknown, registry: RegistrySnapshot, limits: QueryLimits): ParseQueryResult {
  if (!isObject(input)) return { ok: false, errors: [{ pointer: '', message: `must be ${QUERY_SHAPE}` }] };
  const scope = new ParseScope(registry, limits);
  rejectUnknownMembers(input, QUERY_KEYS, '', scope.problems);
  const type = fromType(scope, input);
  const where = has(input, 'where') ? scope.condition(input.where, type, '/where') : null;
  const aggregate = has(input, 'group_by') || has(input, 'aggregate');
  const query = aggregate ? aggregateQuery(scope, input, type, where) : listQuery(scope, input, type, where);
  const cursor = cursorOf(scope, input, aggregate);
  scope.checkConditionCount();
  const errors = scope.problems.errors;
  if (errors.length > 0 || query === null) return { ok: false, errors: errors.length > 0 ? errors : [{ pointer: '', message: `must be ${QUERY_SHAPE}` }] };
  return { ok: true, query, cursor };
}

/** `from`: an existing entity type; null after reporting (the rest is then checked for shape only). */
function fromType(scope: ParseScope, input: JsonObject): string | null {
  if (!has(input, 'from')) return scope.problems.add('', 'must have "from": the key of the entity type to query');
  const from = input.from;
  if (!isKey(from)) return scope.problems.add('/from', 'must be an entity type key');
  return scope.registry.type(from) === undefined ? scope.problems.add('/from', `unknown entity type '${from}'`) : from;
}

function listQuery(scope: ParseScope, input: JsonObject, type: string | null, where: ResolvedCondition | null): ListQuery | null {
  const problems = scope.problems;
  for (const key of ['having', 'totals']) {
    if (has(input, key)) problems.add(`/${key}`, 'applies to aggregate queries only (those with group_by or aggregate)');
  }
  const select = has(input, 'select') ? parseSelect(scope, input.select, type) : type === null ? null : defaultSelect(type, scope.registry);
  const orderBy = has(input, 'order_by') ? parseListOrder(scope, input.order_by, type) : [];
  const paging = pagingOf(scope, input, scope.limits.maxPageSize, 'page size', scope.limits.defaultPageSize);
  if (type === null || select === null || orderBy === null || paging === null) return null;
  return { kind: 'list', from: type, select, where, orderBy, limit: paging.limit, offset: paging.offset, after: null };
}

function aggregateQuery(scope: ParseScope, input: JsonObject, type: string | null, where: ResolvedCondition | null): AggregateQuery | null {
  const problems = scope.problems;
  if (has(input, 'select')) problems.add('/select', 'does not apply to aggregate queries: their rows are the group keys (group_by) and the aggregates (aggregate) by name');
  const outputs = new OutputNames();
  const groupBy = has(input, 'group_by') ? parseGroupBy(scope, input.group_by, type, outputs) : [];
  const aggregates = has(input, 'aggregate') ? parseAggregates(scope, input.aggregate, type, outputs) : [];
  const having = has(input, 'having') ? resolveHaving(scope, input.having, outputs) : null;
  const order = has(input, 'order_by') ? parseOutputOrder(scope, input.order_by, outputs) : [];
  const totals = member(input, 'totals');
  if (has(input, 'totals') && typeof totals !== 'boolean') problems.add('/totals', 'must be true or false');
  // The default is every group, up to the plan's limit: a report is usually wanted whole.
  const paging = pagingOf(scope, input, scope.limits.maxGroups, 'number of groups', scope.limits.maxGroups);
  if (type === null || groupBy === null || aggregates === null || order === null || paging === null) return null;
  if (has(input, 'having') && having === null) return null;
  return {
    kind: 'aggregate', from: type, where, groupBy, aggregates, having,
    orderBy: withGroupKeys(order, groupBy), limit: paging.limit, offset: paging.offset, totals: totals === true,
  };
}

function pagingOf(scope: ParseScope, input: JsonObject, max: number, what: string, fallback: number): { limit: number; offset: number | null } | null {
  const problems = scope.problems;
  const before = problems.count;
  let limit = fallback;
  if (has(input, 'limit')) {
    const value = input.limit;
    if (!Number.isSafeInteger(value) || (value as number) < 1) problems.add('/limit', `must be an integer from 1 to ${max}`);
    else if ((value as number) > max) problems.add('/limit', `must be at most ${max}: the plan's maximum ${what}`);
    else limit = value as number;
  }
  let offset: number | null = null;
  if (has(input, 'offset')) {
    const value = input.offset;
    if (!Number.isSafeInteger(value) || (value as number) < 0) problems.add('/offset', 'must be an integer, 0 or more');
    else offset = value as number;
  }
  return problems.count > before ? null : { limit, offset };
}

/** `cursor`: opaque here (the service decodes and tamper-checks it); list queries only, never with offset. null means absent. */
function cursorOf(scope: ParseScope, input: JsonObject, aggregate: boolean): string | null {
  const cursor = member(input, 'cursor');
  if (cursor === undefined || cursor === null) return null;
  if (aggregate) return scope.problems.add('/cursor', 'applies to list queries only; page through groups with offset');
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) {
    return scope.problems.add('/cursor', 'must be the next_cursor of a previous answer to this query');
  }
  if (has(input, 'offset')) return scope.problems.add('/cursor', 'cannot be used with offset: a cursor continues where the previous page ended; send one or the other');
  return cursor;
}
