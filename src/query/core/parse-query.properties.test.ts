// Property tests: parseQuery never throws on any JSON, every error points at
// a node that exists in the input, and random well-formed queries (list and
// aggregate, under every plan's limits) are accepted.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { PLANS } from '../../tenancy/core/plans.ts';
import { QUERY_LIMITS } from './limits.ts';
import { parseQuery } from './parse-query.ts';
import { AGGREGATE_FUNCTIONS, TIME_BUCKETS, type QueryLimits } from './query.ts';
import { registry, resolvePointer } from './test-fixtures.ts';

const RUNS = { numRuns: 400 };

function checkTotal(input: unknown, limits: QueryLimits): void {
  const result = parseQuery(input, registry, limits);
  if (result.ok) return;
  assert.ok(result.errors.length > 0);
  for (const error of result.errors) {
    assert.ok(resolvePointer(input, error.pointer).found, `pointer ${error.pointer} does not exist in ${JSON.stringify(input)}`);
    assert.equal(typeof error.message, 'string');
  }
}

const planLimits = fc.constantFrom(...PLANS).map((plan) => QUERY_LIMITS[plan]);
const scalar = fc.jsonValue({ maxDepth: 0 });

// ---- query-shaped junk: real member names and plausible contents mixed with random JSON ----
const paths = fc.constantFrom('id', 'title', 'priority', 'asset.name', 'asset.location.site.name', 'details', 'details.a.b', 'tags', 'watchers', 'subject',
  'subject.name', 'opened_at', 'due_on', 'cost', 'minutes_to_respond', 'nope', 'asset.nope', 'a..b', '', 'n', 'x/y~z', '__proto__', 'constructor');
const pathish = fc.oneof(paths, scalar);
const conditionish = fc.oneof(
  fc.record({ field: pathish, op: fc.oneof(fc.constantFrom('eq', 'gt', 'in', 'between', 'is_null', 'contains', 'has_any', 'like'), scalar), value: fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.record({ relative: scalar })) }, { requiredKeys: [] }),
  fc.record({ and: fc.array(fc.record({ field: pathish, op: fc.constantFrom('eq', 'is_null'), value: scalar }, { requiredKeys: [] }), { maxLength: 3 }) }),
  fc.record({ some: fc.record({ path: fc.oneof(fc.constantFrom('task.incident', 'related', 'nope.x'), scalar), where: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }) }),
  fc.jsonValue({ maxDepth: 2 }),
);
const aggregateish = fc.record({
  fn: fc.oneof(fc.constantFrom(...AGGREGATE_FUNCTIONS, 'median'), scalar), field: pathish, p: fc.oneof(fc.double(), scalar), as: fc.oneof(fc.constantFrom('n', 'x', 'title', 'N'), scalar),
  from: fc.oneof(fc.constantFrom('task', 'note', 'incident', 'nope'), scalar), via: fc.oneof(fc.constantFrom('incident', 'about', 'related', 'title'), scalar), where: conditionish,
}, { requiredKeys: [] });
const groupish = fc.oneof(pathish, fc.record({
  field: pathish, bucket: fc.oneof(fc.constantFrom(...TIME_BUCKETS, 'decade'), scalar), time_zone: fc.oneof(fc.constantFrom('UTC', 'America/Sao_Paulo', '+03:00', 'Nowhere/Else'), scalar), as: fc.oneof(fc.constantFrom('g', 'n'), scalar), extra: scalar,
}, { requiredKeys: [] }));
const orderish = fc.oneof(fc.record({ field: pathish, direction: fc.oneof(fc.constantFrom('asc', 'desc', 'up'), scalar) }, { requiredKeys: [] }), scalar);
const queryish = fc.record({
  from: fc.oneof(fc.constantFrom('incident', 'asset', 'task', 'nope'), scalar),
  select: fc.oneof(fc.array(fc.oneof(pathish, aggregateish), { maxLength: 4 }), scalar),
  where: conditionish,
  group_by: fc.oneof(fc.array(groupish, { maxLength: 3 }), scalar),
  aggregate: fc.oneof(fc.array(aggregateish, { maxLength: 3 }), scalar),
  having: conditionish,
  order_by: fc.oneof(fc.array(orderish, { maxLength: 3 }), scalar),
  limit: fc.oneof(fc.integer({ min: -5, max: 20_000 }), scalar),
  offset: fc.oneof(fc.integer({ min: -5, max: 100 }), scalar),
  cursor: fc.oneof(fc.string(), scalar),
  totals: scalar,
  extra: scalar,
}, { requiredKeys: [] });

// ---- well-formed queries: pieces known to be valid, combined at random ----
const selectable = ['id', 'title', 'priority', 'asset.name', 'asset.location.site.name', 'details', 'details.location.floor', 'tags', 'watchers', 'subject', 'subject.type', 'state', 'opened_at'];
const sortable = ['title', 'priority', 'asset.location.floor', 'details.rank', 'opened_at', 'due_on', 'cost', 'created_at', 'assignee', 'urgent', 'id'];
const validConditions = [
  { field: 'priority', op: 'in', value: ['p1', 'p2'] },
  { field: 'asset.building', op: 'eq', value: '7' },
  { field: 'created_at', op: 'gte', value: { relative: '-7d' } },
  { field: 'tags', op: 'has_any', value: ['power'] },
  { none: { path: 'task.incident', where: { field: 'done', op: 'eq', value: false } } },
  { field: 'details.location.floor', op: 'gt', value: 2 },
];
const relatedAggregates = [
  { fn: 'count', from: 'task', via: 'incident' },
  { fn: 'sum', field: 'estimate', from: 'task', via: 'incident', where: { field: 'done', op: 'eq', value: false } },
  { fn: 'max', field: 'opened_at', from: 'incident', via: 'related' },
  { fn: 'count', from: 'note', via: 'about' },
];
const whereOf = fc.subarray(validConditions, { minLength: 1 }).map((items) => ({ and: items }));

const validList = fc.record({
  from: fc.constant('incident'),
  select: fc.tuple(fc.subarray(selectable, { minLength: 1 }), fc.subarray(relatedAggregates)).map(([pathItems, related]) => [...pathItems, ...related.map((item, index) => ({ ...item, as: `r${index}` }))]),
  where: whereOf,
  order_by: fc.subarray(sortable, { maxLength: 5 }).chain((fields) => fc.tuple(...fields.map((field) => fc.record({ field: fc.constant(field), direction: fc.constantFrom('asc', 'desc') })))),
  limit: fc.integer({ min: 1, max: 200 }),
  cursor: fc.string({ minLength: 1, maxLength: 40 }),
}, { requiredKeys: ['from'] });

const groupKeys = [
  'priority', 'assignee', 'asset.location.site.name', 'details.location.floor', 'urgent',
  { field: 'opened_at', bucket: 'week', time_zone: 'America/Sao_Paulo', as: 'week' },
  { field: 'due_on', bucket: 'month', as: 'due_month' },
  { field: 'created_at', bucket: 'hour' },
];
const aggregates = [
  { fn: 'count' }, { fn: 'count', field: 'tags' }, { fn: 'count_distinct', field: 'assignee' }, { fn: 'sum', field: 'cost' }, { fn: 'avg', field: 'details.hours' },
  { fn: 'min', field: 'due_on' }, { fn: 'max', field: 'title' }, { fn: 'percentile', field: 'minutes_to_respond', p: 0.9 },
];
const validAggregate = fc.tuple(fc.subarray(groupKeys), fc.subarray(aggregates), fc.option(whereOf, { nil: undefined }), fc.boolean(), fc.integer({ min: 1, max: 1000 }))
  .filter(([keys, aggs]) => keys.length + aggs.length > 0)
  .chain(([keys, aggs, where, totals, limit]) => {
    const named = aggs.map((aggregate, index) => ({ ...aggregate, as: `a${index}` }));
    const names = [...keys.map((key) => typeof key === 'string' ? key : key.as ?? key.field), ...named.map((aggregate) => aggregate.as)];
    const counts = named.filter((aggregate) => aggregate.fn === 'count').map((aggregate) => aggregate.as);
    return fc.record({
      order: fc.subarray(names, { maxLength: Math.min(10, names.length) }).map((picked) => picked.map((field) => ({ field, direction: 'desc' }))),
      having: counts.length === 0 ? fc.constant(undefined) : fc.constantFrom(...counts).map((name) => ({ field: name, op: 'gte', value: 1 })),
    }).map(({ order, having }) => ({
      from: 'incident',
      ...(keys.length > 0 ? { group_by: keys } : {}),
      ...(named.length > 0 ? { aggregate: named } : {}),
      ...(where === undefined ? {} : { where }),
      ...(having === undefined ? {} : { having }),
      ...(order.length > 0 ? { order_by: order } : {}),
      totals, limit,
    }));
  });

describe('parseQuery properties', () => {
  test('never throws on random JSON; every error points at a node of the input', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), planLimits, (input, limits) => checkTotal(input, limits)), RUNS);
  });

  test('never throws on query-shaped input; every error points at a node of the input', () => {
    fc.assert(fc.property(queryish, planLimits, (input, limits) => checkTotal(input, limits)), { numRuns: 1500 });
  });

  test('accepts well-formed list queries on every plan', () => {
    fc.assert(fc.property(validList, planLimits, (input, limits) => {
      const result = parseQuery(input, registry, limits);
      assert.ok(result.ok, JSON.stringify(result.ok ? null : result.errors));
      assert.ok(result.query.kind === 'list');
      assert.equal(result.query.select.length, input.select?.length ?? 17);
      assert.equal(result.query.orderBy.length, input.order_by?.length ?? 0);
      assert.equal(result.cursor, input.cursor ?? null);
    }), RUNS);
  });

  test('accepts well-formed aggregate queries on every plan; their order is total over the group keys', () => {
    fc.assert(fc.property(validAggregate, planLimits, (input, limits) => {
      const result = parseQuery(input, registry, limits);
      assert.ok(result.ok, JSON.stringify(result.ok ? null : result.errors));
      const query = result.query;
      assert.ok(query.kind === 'aggregate');
      const ordered = new Set(query.orderBy.map((order) => order.name));
      for (const key of query.groupBy) assert.ok(ordered.has(key.name), `group key ${key.name} is not in the order`);
      const names = [...query.groupBy.map((key) => key.name), ...query.aggregates.map((aggregate) => aggregate.name)];
      assert.equal(new Set(names).size, names.length);
    }), RUNS);
  });
});
