// parseQuery(): the query's shape, list queries (select, related aggregates,
// where, order_by), paging and the plan's limits. Aggregate queries are in
// parse-aggregate-query.test.ts; random input in parse-query.properties.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseQuery } from './parse-query.ts';
import { errorsAt, errorsOf, limits, limitsWith, parsedList, registry } from './test-fixtures.ts';

const issueList = {
  from: 'incident',
  select: ['id', 'title', 'priority', 'asset.name', 'details.location.floor'],
  where: { and: [
    { field: 'priority', op: 'in', value: ['p1', 'p2'] },
    { field: 'asset.building', op: 'eq', value: '7' },
    { field: 'created_at', op: 'gte', value: { relative: '-7d' } },
  ] },
  order_by: [{ field: 'created_at', direction: 'desc' }],
  limit: 50,
};

describe('parseQuery: list queries', () => {
  test('the list example of the issue', () => {
    const result = parseQuery(issueList, registry, limits);
    assert.ok(result.ok, JSON.stringify(result.ok ? null : result.errors));
    assert.equal(result.cursor, null);
    const query = result.query;
    assert.ok(query.kind === 'list');
    assert.equal(query.from, 'incident');
    assert.deepEqual(query.select.map((item) => item.name), issueList.select);
    const [, , , assetName, floor] = query.select;
    assert.ok(assetName?.kind === 'path' && floor?.kind === 'path');
    assert.deepEqual(assetName.path.hops.map((hop) => hop.field), ['asset']);
    assert.equal(assetName.path.field, 'name');
    assert.deepEqual(floor.path.jsonPath, ['location', 'floor']);
    assert.ok(query.where?.kind === 'and' && query.where.items.length === 3);
    assert.deepEqual(query.orderBy.map((order) => [order.path.path, order.direction]), [['created_at', 'desc']]);
    assert.equal(query.limit, 50);
    assert.equal(query.offset, null);
    assert.equal(query.after, null);
  });

  test('defaults: every field with id, created_at and updated_at; no where; no order (the compiler appends id); the default page size', () => {
    const query = parsedList({ from: 'asset' }, limitsWith({ defaultPageSize: 25 }));
    assert.deepEqual(query.select.map((item) => item.name), ['id', 'name', 'building', 'status', 'location', 'created_at', 'updated_at']);
    assert.ok(query.select.every((item) => item.kind === 'path' && item.path.hops.length === 0));
    assert.equal(query.where, null);
    assert.deepEqual(query.orderBy, []);
    assert.equal(query.limit, 25);
  });

  test('the default select is not counted against the select limit', () => {
    assert.equal(parsedList({ from: 'incident' }, limitsWith({ maxSelect: 2 })).select.length, 17);
  });

  test('the query must be an object with known members and a known type', () => {
    for (const input of [null, 3, 'incident', [], true]) assert.match(errorsAt(input, ['']).get('')!, /query object/);
    assert.match(errorsAt({}, ['']).get('')!, /must have "from"/);
    assert.match(errorsAt({ from: 'incidents' }, ['/from']).get('/from')!, /unknown entity type 'incidents'/);
    assert.match(errorsAt({ from: 7 }, ['/from']).get('/from')!, /entity type key/);
    const unknown = errorsAt({ from: 'incident', oder_by: [], joins: 1 }, ['/oder_by', '/joins']);
    assert.match(unknown.get('/oder_by')!, /did you mean: order_by\?/);
    assert.match(unknown.get('/joins')!, /allowed here: from, select, where, group_by, aggregate, having, order_by, limit, offset, cursor, totals/);
  });

  test('with an unknown type the rest is still checked for shape', () => {
    errorsAt({ from: 'nope', select: [3], where: { field: 'x', op: 'like', value: 1 }, order_by: [{ field: 'x', direction: 'up' }], limit: 0 },
      ['/from', '/select/0', '/where/op', '/order_by/0/direction', '/limit']);
    errorsAt({ from: 'nope', select: ['a', { fn: 'count', via: 'x', as: 'n' }] }, ['/from', '/select/1']);
  });

  test('reports every error at once, each at its node', () => {
    const errors = errorsAt({
      from: 'incident',
      select: ['title', 'prority', 'asset.nope'],
      where: { and: [{ field: 'priority', op: 'eq', value: 'p9' }, { field: 'urgent', op: 'gt', value: true }] },
      order_by: [{ field: 'tags' }],
      limit: 1000,
      totals: true,
    }, ['/select/1', '/select/2', '/where/and/0/value', '/where/and/1/op', '/order_by/0/field', '/limit', '/totals']);
    assert.match(errors.get('/select/1')!, /unknown field 'prority' on type 'incident'; did you mean: priority/);
    assert.match(errors.get('/select/2')!, /unknown field 'nope' on type 'asset'/);
    assert.match(errors.get('/where/and/0/value')!, /must be one of: p1, p2, p3, p4/);
    assert.match(errors.get('/where/and/1/op')!, /must be one of: eq, neq, is_null, is_not_null/);
  });
});

describe('parseQuery: select', () => {
  test('paths through references (up to the plan\'s hops), json paths, system fields and any_reference paths', () => {
    const query = parsedList({ from: 'incident', select: ['asset.location.site.name', 'details', 'details.items.0.sku', 'state', 'subject.type', 'tags', 'watchers', 'subject'] });
    assert.deepEqual(query.select.map((item) => item.kind === 'path' ? item.path.valueType : null), ['text', 'json', 'json', 'text', 'text', 'multi_enum', 'references', 'any_reference']);
    const hops = errorsAt({ from: 'incident', select: ['asset.location.name'] }, ['/select/0'], limitsWith({ maxHops: 1 }));
    assert.match(hops.get('/select/0')!, /at most 1 references/);
    assert.match(errorsAt({ from: 'incident', select: ['title.x'] }, ['/select/0']).get('/select/0')!, /only reference, any_reference and json fields have sub-paths/);
  });

  test('items are paths or related aggregates, named uniquely, within the plan\'s limit', () => {
    assert.match(errorsAt({ from: 'incident', select: [] }, ['/select']).get('/select')!, /non-empty array/);
    assert.match(errorsAt({ from: 'incident', select: 'title' }, ['/select']).get('/select')!, /non-empty array/);
    assert.match(errorsAt({ from: 'incident', select: ['a', 'b', 'c'] }, ['/select'], limitsWith({ maxSelect: 2 })).get('/select')!, /at most 2 items on this plan/);
    const shapes = errorsAt({ from: 'incident', select: [1, null, ['title'], '', 'a..b', { field: 'title' }] }, ['/select/0', '/select/1', '/select/2', '/select/3', '/select/4', '/select/5']);
    assert.match(shapes.get('/select/0')!, /a field path, or a related aggregate/);
    assert.match(shapes.get('/select/3')!, /field path/);
    assert.match(shapes.get('/select/5')!, /needs "fn"/);
    assert.match(errorsAt({ from: 'incident', select: ['title', 'title'] }, ['/select/1']).get('/select/1')!, /duplicate output name 'title'/);
  });

  test('a related aggregate over a reverse relation, with its own where and field', () => {
    const query = parsedList({ from: 'incident', select: ['title',
      { fn: 'count', from: 'task', via: 'incident', where: { field: 'done', op: 'eq', value: false }, as: 'open_tasks' },
      { fn: 'sum', field: 'estimate', from: 'task', via: 'incident', as: 'estimate' },
      { fn: 'percentile', field: 'estimate', p: 0.5, from: 'task', via: 'incident', as: 'median_estimate' },
      { fn: 'count', from: 'note', via: 'about', as: 'notes' },
      { fn: 'max', field: 'opened_at', from: 'incident', via: 'related', as: 'last_related' },
    ] });
    const [, openTasks, estimate, median, notes, lastRelated] = query.select;
    assert.ok(openTasks?.kind === 'related_aggregate');
    assert.deepEqual(openTasks.relation, { kind: 'reverse', path: 'task.incident', fromType: 'incident', sourceType: 'task', field: 'incident', fieldType: 'reference' });
    assert.deepEqual(openTasks.aggregate, { fn: 'count', path: null, p: null });
    assert.ok(openTasks.where?.kind === 'compare' && openTasks.where.path.ownerTypes[0] === 'task');
    assert.ok(estimate?.kind === 'related_aggregate' && estimate.aggregate.path?.field === 'estimate' && estimate.where === null);
    assert.ok(median?.kind === 'related_aggregate' && median.aggregate.p === 0.5);
    assert.ok(notes?.kind === 'related_aggregate' && notes.relation.fieldType === 'any_reference');
    assert.ok(lastRelated?.kind === 'related_aggregate' && lastRelated.relation.fieldType === 'references');
  });

  test('related aggregate errors point at from, via, fn, field, p, where and as', () => {
    const at = (item: unknown, pointers: string[]) => errorsAt({ from: 'incident', select: [item] }, pointers);
    assert.match(at({ fn: 'count', from: 'tasks', via: 'incident', as: 'n' }, ['/select/0/from']).get('/select/0/from')!, /unknown entity type 'tasks'/);
    assert.match(at({ fn: 'count', from: 'task', via: 'title', as: 'n' }, ['/select/0/via']).get('/select/0/via')!, /the fields of 'task' referring to 'incident' are: incident/);
    assert.match(at({ fn: 'count', from: 'contract', via: 'name', as: 'n' }, ['/select/0/via']).get('/select/0/via')!, /type 'contract' has no reference, references or any_reference field referring to 'incident'/);
    assert.match(at({ fn: 'count', from: 'task', as: 'n' }, ['/select/0']).get('/select/0')!, /must have "via".*are: incident/);
    assert.match(at({ fn: 'count', via: 'incident', as: 'n' }, ['/select/0']).get('/select/0')!, /must have "from"/);
    assert.match(at({ fn: 'median', from: 'task', via: 'incident', as: 'n' }, ['/select/0/fn']).get('/select/0/fn')!, /count, count_distinct, sum, avg, min, max, percentile/);
    assert.match(at({ fn: 'sum', field: 'title', from: 'task', via: 'incident', as: 'n' }, ['/select/0/field']).get('/select/0/field')!, /sum does not apply to a text field \('title'\)/);
    assert.match(at({ fn: 'sum', field: 'minutes_to_respond', from: 'task', via: 'incident', as: 'n' }, ['/select/0/field']).get('/select/0/field')!, /unknown field 'minutes_to_respond' on type 'task'/);
    assert.match(at({ fn: 'percentile', field: 'estimate', from: 'task', via: 'incident', as: 'n' }, ['/select/0']).get('/select/0')!, /must have "p"/);
    assert.match(at({ fn: 'count', from: 'task', via: 'incident', where: { field: 'prio', op: 'eq', value: 1 }, as: 'n' }, ['/select/0/where/field']).get('/select/0/where/field')!, /unknown field 'prio' on type 'task'/);
    assert.match(at({ fn: 'count', from: 'task', via: 'incident' }, ['/select/0']).get('/select/0')!, /must have "as"/);
    assert.match(at({ fn: 'count', from: 'task', via: 'incident', as: 'Open Tasks' }, ['/select/0/as']).get('/select/0/as')!, /lowercase identifier/);
    assert.match(at({ fn: 'count', from: 'task', via: 'incident', as: 'n', order: 1 }, ['/select/0/order']).get('/select/0/order')!, /allowed here: fn, field, p, from, via, where, as/);
    const duplicate = errorsAt({ from: 'incident', select: ['title', { fn: 'count', from: 'task', via: 'incident', as: 'title' }] }, ['/select/1/as']);
    assert.match(duplicate.get('/select/1/as')!, /duplicate output name 'title'/);
  });
});

describe('parseQuery: where', () => {
  test('is the condition language rooted at the queried type, pointers under /where, hops limited by the plan', () => {
    const query = parsedList({ from: 'incident', where: { some: { path: 'task.incident', where: { field: 'done', op: 'eq', value: false } } } });
    assert.ok(query.where?.kind === 'quantifier' && query.where.relation.kind === 'reverse');
    const errors = errorsAt({ from: 'incident', where: { and: [{ field: 'asset.location.name', op: 'eq', value: 'x' }, { field: 'cost', op: 'icontains', value: 'x' }] } },
      ['/where/and/0/field', '/where/and/1/op'], limitsWith({ maxHops: 1 }));
    assert.match(errors.get('/where/and/0/field')!, /at most 1 references/);
    assert.match(errorsAt({ from: 'incident', where: [] }, ['/where']).get('/where')!, /condition object/);
  });
});

describe('parseQuery: order_by of a list query', () => {
  test('any scalar path, selected or not, ascending by default', () => {
    const query = parsedList({ from: 'incident', select: ['title'], order_by: [{ field: 'asset.location.floor', direction: 'desc' }, { field: 'details.rank' }, { field: 'priority' }, { field: 'id' }] });
    assert.deepEqual(query.orderBy.map((order) => [order.path.path, order.direction]), [['asset.location.floor', 'desc'], ['details.rank', 'asc'], ['priority', 'asc'], ['id', 'asc']]);
  });

  test('arrays, any_reference and whole json documents are not sortable; shapes and duplicates are errors', () => {
    const errors = errorsAt({ from: 'incident', order_by: [
      { field: 'tags' }, { field: 'subject' }, { field: 'details' }, { field: 'nope' },
      { field: 'title', direction: 'up' }, { direction: 'asc' }, 'title', { field: 'title', dir: 'asc' }, { field: 'cost' }, { field: 'cost', direction: 'desc' },
    ] }, ['/order_by/0/field', '/order_by/1/field', '/order_by/2/field', '/order_by/3/field', '/order_by/4/direction', '/order_by/5', '/order_by/6', '/order_by/7/dir', '/order_by/9/field']);
    assert.match(errors.get('/order_by/0/field')!, /cannot sort by a multi_enum field \('tags'\); sort by fields and paths of a single value/);
    assert.match(errors.get('/order_by/2/field')!, /cannot sort by a json field \('details'\)/);
    assert.match(errors.get('/order_by/4/direction')!, /"asc" or "desc"/);
    assert.match(errors.get('/order_by/5')!, /must have "field"/);
    assert.match(errors.get('/order_by/7/dir')!, /did you mean: direction\?/);
    assert.match(errors.get('/order_by/9/field')!, /already a sort key/);
    assert.match(errorsAt({ from: 'incident', order_by: [{ field: 'watchers' }] }, ['/order_by/0/field']).get('/order_by/0/field')!, /references field/);
    assert.match(errorsAt({ from: 'incident', order_by: { field: 'title' } }, ['/order_by']).get('/order_by')!, /must be an array/);
    const many = Array.from({ length: 11 }, () => ({ field: 'title' }));
    assert.match(errorsAt({ from: 'incident', order_by: many }, ['/order_by']).get('/order_by')!, /at most 10 items/);
  });
});

describe('parseQuery: paging and limits', () => {
  test('limit within the plan\'s page size: over it is an error naming the limit, never clamped', () => {
    assert.equal(parsedList({ from: 'incident', limit: 200 }).limit, 200);
    assert.match(errorsAt({ from: 'incident', limit: 201 }, ['/limit']).get('/limit')!, /at most 200: the plan's maximum page size/);
    for (const limit of [0, -1, 1.5, '10', null]) assert.match(errorsAt({ from: 'incident', limit }, ['/limit']).get('/limit')!, /integer from 1 to 200/);
  });

  test('offset, and an opaque cursor passed through (never with offset)', () => {
    assert.equal(parsedList({ from: 'incident', offset: 40 }).offset, 40);
    assert.match(errorsAt({ from: 'incident', offset: -1 }, ['/offset']).get('/offset')!, /0 or more/);
    const paged = parseQuery({ from: 'incident', cursor: 'opaque.token' }, registry, limits);
    assert.ok(paged.ok && paged.cursor === 'opaque.token' && paged.query.kind === 'list' && paged.query.after === null);
    const first = parseQuery({ from: 'incident', cursor: null }, registry, limits);
    assert.ok(first.ok && first.cursor === null);
    assert.match(errorsAt({ from: 'incident', cursor: 'x', offset: 0 }, ['/cursor']).get('/cursor')!, /cannot be used with offset/);
    for (const cursor of ['', 3, 'x'.repeat(5000)]) assert.match(errorsAt({ from: 'incident', cursor }, ['/cursor']).get('/cursor')!, /next_cursor/);
  });

  test('having and totals belong to aggregate queries', () => {
    const errors = errorsAt({ from: 'incident', having: { field: 'n', op: 'gt', value: 1 }, totals: false }, ['/having', '/totals']);
    assert.match(errors.get('/having')!, /aggregate queries only/);
  });

  test('conditions are counted over where, related aggregates\' where and having; the first one over the limit is reported at its node', () => {
    const three = limitsWith({ maxConditions: 3 });
    const eq = { field: 'title', op: 'eq', value: 'x' };
    parsedList({ from: 'incident', where: { and: [eq, eq, eq] } }, three);
    const over = errorsAt({ from: 'incident', where: { and: [eq, { not: eq }, { or: [eq, eq] }] } }, ['/where/and/2/or/1'], three);
    assert.match(over.get('/where/and/2/or/1')!, /at most 3 comparisons and quantifiers on this plan/);
    // A quantifier counts, and so does each comparison inside it.
    errorsAt({ from: 'incident', where: { and: [eq, { some: { path: 'task.incident', where: { field: 'done', op: 'eq', value: true } } }, eq] } }, ['/where/and/2'], three);
    const related = { fn: 'count', from: 'task', via: 'incident', where: { field: 'done', op: 'eq', value: true }, as: 'n' };
    errorsAt({ from: 'incident', select: ['title', related], where: { and: [eq, eq, eq] } }, ['/select/1/where'], three);
    errorsAt({ from: 'incident', group_by: ['priority'], aggregate: [{ fn: 'count', as: 'n' }], where: { and: [eq, eq, eq] }, having: { field: 'n', op: 'gt', value: 1 } }, ['/having'], three);
  });

  test('deterministic: the same input gives the same query', () => {
    assert.deepEqual(parseQuery(issueList, registry, limits), parseQuery(structuredClone(issueList), registry, limits));
  });

  test('member names that are Object.prototype members are just unknown members', () => {
    const input = JSON.parse('{"from":"incident","__proto__":{"x":1},"constructor":1,"select":["constructor"]}') as unknown;
    const errors = errorsOf(input);
    assert.ok(errors.has('/__proto__') && errors.has('/constructor') && errors.has('/select/0'));
  });
});
