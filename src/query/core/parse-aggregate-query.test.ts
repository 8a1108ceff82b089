// parseQuery() for aggregate queries: group_by (paths, json paths, time
// buckets in a time zone), aggregates and what each applies to, having over
// output names, order_by over output names, limits on groups.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorsAt, limitsWith, parsedAggregate } from './test-fixtures.ts';

const issueAggregate = {
  from: 'incident',
  where: { field: 'state', op: 'neq', value: 'closed' },
  group_by: ['assignee', { field: 'created_at', bucket: 'week', time_zone: 'America/Sao_Paulo' }],
  aggregate: [{ fn: 'count', as: 'open' }, { fn: 'percentile', field: 'minutes_to_respond', p: 0.9, as: 'p90' }],
  having: { field: 'open', op: 'gt', value: 5 },
  order_by: [{ field: 'open', direction: 'desc' }],
};

const count = { fn: 'count', as: 'n' };

describe('parseQuery: aggregate queries', () => {
  test('the aggregation example of the issue', () => {
    const query = parsedAggregate(issueAggregate);
    assert.equal(query.from, 'incident');
    assert.ok(query.where?.kind === 'compare');
    const [assignee, week] = query.groupBy;
    assert.ok(assignee?.kind === 'path' && assignee.name === 'assignee' && assignee.path.valueType === 'uuid');
    assert.ok(week?.kind === 'bucket');
    assert.deepEqual([week.name, week.bucket, week.timeZone, week.path.field], ['created_at', 'week', 'America/Sao_Paulo', 'created_at']);
    assert.deepEqual(query.aggregates.map((item) => [item.name, item.aggregate.fn, item.aggregate.path?.path ?? null, item.aggregate.p]),
      [['open', 'count', null, null], ['p90', 'percentile', 'minutes_to_respond', 0.9]]);
    assert.deepEqual(query.having, { kind: 'compare', op: 'gt', name: 'open', value: 5 });
    // The group keys not named follow, ascending, so the order of groups is total.
    assert.deepEqual(query.orderBy, [{ name: 'open', direction: 'desc' }, { name: 'assignee', direction: 'asc' }, { name: 'created_at', direction: 'asc' }]);
    assert.equal(query.limit, 1000);
    assert.equal(query.offset, null);
    assert.equal(query.totals, false);
  });

  test('group_by alone, aggregate alone, totals, offset; default order is the group keys ascending', () => {
    const distinct = parsedAggregate({ from: 'incident', group_by: ['priority', 'asset.location.site.name'] });
    assert.deepEqual(distinct.aggregates, []);
    assert.deepEqual(distinct.orderBy, [{ name: 'priority', direction: 'asc' }, { name: 'asset.location.site.name', direction: 'asc' }]);
    const overall = parsedAggregate({ from: 'incident', aggregate: [count], totals: true, offset: 10, limit: 5 });
    assert.deepEqual([overall.groupBy, overall.orderBy, overall.totals, overall.offset, overall.limit], [[], [], true, 10, 5]);
  });

  test('select, cursor and a non-boolean totals are errors in an aggregate query', () => {
    const errors = errorsAt({ from: 'incident', select: ['title'], group_by: ['priority'], cursor: 'abc', totals: 'yes' }, ['/select', '/cursor', '/totals']);
    assert.match(errors.get('/select')!, /does not apply to aggregate queries.*group_by.*aggregate/);
    assert.match(errors.get('/cursor')!, /list queries only; page through groups with offset/);
  });

  test('limit within the plan\'s groups, which is also the default', () => {
    assert.equal(parsedAggregate({ from: 'incident', aggregate: [count] }, limitsWith({ maxGroups: 7 })).limit, 7);
    assert.match(errorsAt({ from: 'incident', aggregate: [count], limit: 8 }, ['/limit'], limitsWith({ maxGroups: 7 })).get('/limit')!, /at most 7: the plan's maximum number of groups/);
  });
});

describe('parseQuery: group_by', () => {
  test('paths, json paths, names by "as" or as written, buckets in a time zone (UTC by default, canonical spelling)', () => {
    const query = parsedAggregate({ from: 'incident', group_by: [
      'details.location.floor',
      { field: 'asset.building', as: 'building' },
      { field: 'opened_at', bucket: 'hour' },
      { field: 'due_on', bucket: 'quarter', time_zone: 'europe/lisbon', as: 'due_quarter' },
    ] });
    assert.deepEqual(query.groupBy.map((key) => key.name), ['details.location.floor', 'building', 'opened_at', 'due_quarter']);
    const [, , hour, quarter] = query.groupBy;
    assert.ok(hour?.kind === 'bucket' && hour.timeZone === 'UTC' && hour.bucket === 'hour');
    assert.ok(quarter?.kind === 'bucket' && quarter.timeZone === 'Europe/Lisbon');
  });

  test('errors: shapes, unknown and non-scalar paths, buckets and time zones, duplicate names, limits', () => {
    const errors = errorsAt({ from: 'incident', group_by: [
      3, 'tags', { field: 'details' }, { field: 'title', bucket: 'week' }, { field: 'due_on', bucket: 'hour' },
      { field: 'opened_at', bucket: 'fortnight' }, { field: 'opened_at', bucket: 'day', time_zone: '+03:00', as: 'a' },
      { field: 'opened_at', time_zone: 'UTC', as: 'b' }, { bucket: 'day' }, { field: 'opened_at', bucket: 'day', time_zone: 'Mars/Olympus', as: 'c' },
    ] }, ['/group_by/0', '/group_by/1', '/group_by/2/field', '/group_by/3/bucket', '/group_by/4/bucket', '/group_by/5/bucket', '/group_by/6/time_zone', '/group_by/7/time_zone', '/group_by/8', '/group_by/9/time_zone']);
    assert.match(errors.get('/group_by/0')!, /a field path, or \{"field", "bucket"\?, "time_zone"\?, "as"\?\}/);
    assert.match(errors.get('/group_by/1')!, /cannot group by a multi_enum field \('tags'\)/);
    assert.match(errors.get('/group_by/3/bucket')!, /date and datetime fields only, not a text field/);
    assert.match(errors.get('/group_by/4/bucket')!, /has no hours; must be one of: day, week, month, quarter, year/);
    assert.match(errors.get('/group_by/5/bucket')!, /must be one of: hour, day, week, month, quarter, year/);
    assert.match(errors.get('/group_by/6/time_zone')!, /IANA time zone/);
    assert.match(errors.get('/group_by/7/time_zone')!, /time buckets only/);
    assert.match(errors.get('/group_by/8')!, /must have "field"/);
    assert.match(errorsAt({ from: 'incident', group_by: [{ field: 'title', as: 'Title' }] }, ['/group_by/0/as']).get('/group_by/0/as')!, /lowercase identifier/);
    assert.match(errorsAt({ from: 'incident', group_by: [{ field: 'title', by: 1 }] }, ['/group_by/0/by']).get('/group_by/0/by')!, /allowed here: field, bucket, time_zone, as/);
    const twice = errorsAt({ from: 'incident', group_by: ['opened_at', { field: 'opened_at', bucket: 'day' }] }, ['/group_by/1/field']);
    assert.match(twice.get('/group_by/1/field')!, /duplicate output name 'opened_at'/);
    assert.match(errorsAt({ from: 'incident', group_by: [] }, ['/group_by']).get('/group_by')!, /non-empty array/);
    assert.match(errorsAt({ from: 'incident', group_by: Array.from({ length: 11 }, () => 'title') }, ['/group_by']).get('/group_by')!, /at most 10 group keys/);
    assert.match(errorsAt({ from: 'incident', group_by: ['asset.location.name'] }, ['/group_by/0'], limitsWith({ maxHops: 1 })).get('/group_by/0')!, /at most 1 references/);
  });
});

describe('parseQuery: aggregate', () => {
  const applies = (fn: string, field: string | undefined, extra: Record<string, unknown> = {}) => {
    const aggregate = { fn, ...(field === undefined ? {} : { field }), ...extra, as: 'x' };
    return { from: 'incident', aggregate: [aggregate] };
  };

  test('what each function applies to', () => {
    const ok: [string, string | undefined][] = [
      ['count', undefined], ['count', 'tags'], ['count', 'details'], ['count_distinct', 'assignee'], ['count_distinct', 'asset.name'], ['count_distinct', 'details.kind'],
      ['sum', 'cost'], ['sum', 'minutes_to_respond'], ['sum', 'details.hours'], ['avg', 'asset.location.floor'], ['min', 'due_on'], ['max', 'opened_at'],
      ['min', 'title'], ['max', 'details.score'], ['min', 'version'],
    ];
    for (const [fn, field] of ok) parsedAggregate(applies(fn, field));
    for (const field of ['cost', 'minutes_to_respond', 'details.hours']) parsedAggregate(applies('percentile', field, { p: 0.5 }));
    const rejected: [string, string][] = [
      ['count_distinct', 'tags'], ['count_distinct', 'details'], ['sum', 'title'], ['sum', 'details'], ['avg', 'due_on'], ['min', 'priority'],
      ['max', 'urgent'], ['min', 'assignee'], ['percentile', 'opened_at'], ['max', 'watchers'],
    ];
    for (const [fn, field] of rejected) {
      const message = errorsAt(applies(fn, field, fn === 'percentile' ? { p: 0.5 } : {}), ['/aggregate/0/field']).get('/aggregate/0/field')!;
      assert.match(message, new RegExp(`^${fn} does not apply to .*; it applies to `), `${fn} ${field}`);
    }
  });

  test('errors: fn, field, p, as, duplicates, sizes', () => {
    assert.match(errorsAt(applies('median', 'cost'), ['/aggregate/0/fn']).get('/aggregate/0/fn')!, /must be one of: count, count_distinct, sum, avg, min, max, percentile/);
    assert.match(errorsAt({ from: 'incident', aggregate: [{ as: 'x' }] }, ['/aggregate/0']).get('/aggregate/0')!, /must have "fn"/);
    assert.match(errorsAt(applies('sum', undefined), ['/aggregate/0']).get('/aggregate/0')!, /must have "field" for sum/);
    assert.match(errorsAt(applies('percentile', 'cost'), ['/aggregate/0']).get('/aggregate/0')!, /must have "p" for percentile/);
    for (const p of [-0.1, 1.5, '0.5', null]) assert.match(errorsAt(applies('percentile', 'cost', { p }), ['/aggregate/0/p']).get('/aggregate/0/p')!, /from 0 to 1/);
    parsedAggregate(applies('percentile', 'cost', { p: 0 }));
    parsedAggregate(applies('percentile', 'cost', { p: 1 }));
    assert.match(errorsAt(applies('sum', 'cost', { p: 0.5 }), ['/aggregate/0/p']).get('/aggregate/0/p')!, /percentile only/);
    assert.match(errorsAt(applies('sum', 'nope'), ['/aggregate/0/field']).get('/aggregate/0/field')!, /unknown field 'nope'/);
    assert.match(errorsAt({ from: 'incident', aggregate: [{ fn: 'count' }] }, ['/aggregate/0']).get('/aggregate/0')!, /must have "as"/);
    assert.match(errorsAt({ from: 'incident', aggregate: [{ fn: 'count', as: '1st' }] }, ['/aggregate/0/as']).get('/aggregate/0/as')!, /lowercase identifier/);
    assert.match(errorsAt({ from: 'incident', aggregate: [{ fn: 'count', as: 'n', where: {} }] }, ['/aggregate/0/where']).get('/aggregate/0/where')!, /allowed here: fn, field, p, as/);
    const duplicate = errorsAt({ from: 'incident', group_by: [{ field: 'priority', as: 'n' }], aggregate: [count] }, ['/aggregate/0/as']);
    assert.match(duplicate.get('/aggregate/0/as')!, /duplicate output name 'n' \(already the name of a group key\)/);
    assert.match(errorsAt({ from: 'incident', aggregate: [] }, ['/aggregate']).get('/aggregate')!, /non-empty array/);
    assert.match(errorsAt({ from: 'incident', aggregate: ['count'] }, ['/aggregate/0']).get('/aggregate/0')!, /must be an aggregate/);
    const three = [{ fn: 'count', as: 'a' }, { fn: 'count', as: 'b' }, { fn: 'count', as: 'c' }];
    assert.match(errorsAt({ from: 'incident', aggregate: three }, ['/aggregate'], limitsWith({ maxSelect: 2 })).get('/aggregate')!, /at most 2 aggregates on this plan/);
  });
});

describe('parseQuery: having', () => {
  const base = { from: 'incident', group_by: ['priority', { field: 'opened_at', bucket: 'day', as: 'day' }, { field: 'due_on', bucket: 'month', as: 'month' }, 'asset', 'urgent'], aggregate: [count, { fn: 'avg', field: 'cost', as: 'avg_cost' }, { fn: 'max', field: 'title', as: 'last_title' }] };
  const having = (condition: unknown) => ({ ...base, having: condition });

  test('compares outputs by name with literals: every node kind, values checked against the output\'s type', () => {
    const query = parsedAggregate(having({ and: [
      { field: 'n', op: 'between', value: [2, 10] },
      { or: [{ field: 'priority', op: 'in', value: ['p1', null] }, { not: { field: 'avg_cost', op: 'lt', value: 2.5 } }] },
      { field: 'day', op: 'gte', value: '2026-01-01T00:00:00Z' },
      { field: 'month', op: 'eq', value: '2026-01-01' },
      { field: 'asset', op: 'neq', value: 'AAAAAAAA-0000-4000-8000-000000000000' },
      { field: 'last_title', op: 'is_not_null' },
      { field: 'urgent', op: 'eq', value: true },
    ] }));
    assert.deepEqual(query.having, { kind: 'and', items: [
      { kind: 'between', name: 'n', low: 2, high: 10 },
      { kind: 'or', items: [{ kind: 'list', op: 'in', name: 'priority', items: ['p1', null] }, { kind: 'not', item: { kind: 'compare', op: 'lt', name: 'avg_cost', value: 2.5 } }] },
      { kind: 'compare', op: 'gte', name: 'day', value: '2026-01-01T00:00:00Z' },
      { kind: 'compare', op: 'eq', name: 'month', value: '2026-01-01' },
      { kind: 'compare', op: 'neq', name: 'asset', value: 'aaaaaaaa-0000-4000-8000-000000000000' },
      { kind: 'null_check', op: 'is_not_null', name: 'last_title' },
      { kind: 'compare', op: 'eq', name: 'urgent', value: true },
    ] });
  });

  test('errors: unknown outputs, quantifiers, operators, non-literal values, wrong literal types, shapes', () => {
    const errors = errorsAt(having({ and: [
      { field: 'count', op: 'gt', value: 1 },
      { some: { path: 'task.incident' } },
      { field: 'priority', op: 'lt', value: 'p2' },
      { field: 'last_title', op: 'contains', value: 'x' },
      { field: 'n', op: 'gt', value: { field: 'avg_cost' } },
      { field: 'day', op: 'gte', value: { relative: '-7d' } },
      { field: 'n', op: 'gt', value: 'many' },
      { field: 'priority', op: 'in', value: ['p1', 'p9'] },
      { field: 'month', op: 'eq', value: '2026-01-01T00:00:00Z' },
      { field: 'n', op: 'between', value: [1, 2.5] },
      { field: 'avg_cost', op: 'eq', value: { current_user: true } },
      { field: 'zzz', op: 'eq', value: 'x' },
    ] }), ['/having/and/0/field', '/having/and/1/some', '/having/and/2/op', '/having/and/3/op', '/having/and/4/value', '/having/and/5/value', '/having/and/6/value',
      '/having/and/7/value/1', '/having/and/8/value', '/having/and/9/value/1', '/having/and/10/value', '/having/and/11/field']);
    assert.match(errors.get('/having/and/0/field')!, /unknown output 'count'; having names a group key or an aggregate by its name/);
    assert.match(errors.get('/having/and/1/some')!, /quantifiers .* do not apply in having/);
    assert.match(errors.get('/having/and/2/op')!, /must be one of: eq, neq, in, nin, is_null, is_not_null/);
    assert.match(errors.get('/having/and/3/op')!, /must be one of: eq, neq, lt, lte, gt, gte, in, nin, between, is_null, is_not_null/);
    assert.match(errors.get('/having/and/4/value')!, /literals only/);
    assert.match(errors.get('/having/and/6/value')!, /must be an integer for the aggregate 'n'/);
    assert.match(errors.get('/having/and/7/value/1')!, /must be one of: p1, p2, p3, p4/);
    assert.match(errors.get('/having/and/8/value')!, /must be a date YYYY-MM-DD for the group key 'month'/);
    assert.match(errors.get('/having/and/11/field')!, /the outputs are: priority, day, month, asset, urgent, n, avg_cost, last_title/);
    assert.match(errorsAt(having({ and: {} }), ['/having/and']).get('/having/and')!, /non-empty array/);
    assert.match(errorsAt(having({ field: 'n', op: 'like', value: 1 }), ['/having/op']).get('/having/op')!, /must be one of/);
  });
});

describe('parseQuery: order_by of an aggregate query', () => {
  test('names outputs: group keys (as written, or their "as") and aggregates', () => {
    const query = parsedAggregate({ from: 'incident', group_by: ['asset.name', { field: 'opened_at', bucket: 'month', as: 'month' }], aggregate: [count],
      order_by: [{ field: 'month', direction: 'desc' }, { field: 'n' }] });
    assert.deepEqual(query.orderBy, [{ name: 'month', direction: 'desc' }, { name: 'n', direction: 'asc' }, { name: 'asset.name', direction: 'asc' }]);
    const errors = errorsAt({ from: 'incident', group_by: ['priority'], aggregate: [count], order_by: [{ field: 'title' }, { field: 'nn' }, { field: 3 }, { field: 'n' }, { field: 'n', direction: 'desc' }] },
      ['/order_by/0/field', '/order_by/1/field', '/order_by/2/field', '/order_by/4/field']);
    assert.match(errors.get('/order_by/0/field')!, /unknown output 'title'; an aggregate query sorts by its outputs .*the outputs are: priority, n/);
    assert.match(errors.get('/order_by/1/field')!, /did you mean: n/);
    assert.match(errors.get('/order_by/4/field')!, /already a sort key/);
  });
});
