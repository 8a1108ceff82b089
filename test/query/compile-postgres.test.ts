// The compiled SQL gives, on PostgreSQL under RLS, exactly what the condition
// language's evaluate() gives in memory, for hand-picked tricky cases: three-
// valued logic, values of the wrong JSON type, code point ordering, hops
// through missing references, any_reference paths, quantifiers over empty
// sets, keyset pages over NULL order keys, time buckets across São Paulo's
// daylight-saving changes, percentiles. The harness (harness.ts) is the same
// one a differential property test drives with random data and queries.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StoredRecord } from '../../src/conditions/index.ts';
import { aggregateQuery, listQuery, reverse, spec, TYPES } from '../../src/query/core/compile-fixtures.ts';
import type { CompileContext, SelectItem } from '../../src/query/core/query.ts';
import { checkAggregate, checkList, startHarness, type Harness } from './harness.ts';

describe('compiled queries on PostgreSQL agree with evaluate()', () => {
  let h: Harness;
  let records: StoredRecord[];
  let context: CompileContext;
  const ids: Record<string, string> = {};

  before(async () => {
    h = await startHarness(TYPES);
    const create = async (name: string, type: string, body: Record<string, unknown>) => {
      ids[name] = await h.create(type, body);
    };
    await create('S1', 'site', { name: 'North', region: 'N' });
    await create('S2', 'site', { name: 'South' });
    await create('L1', 'location', { name: 'L1', floor: 3, site: ids.S1 });
    await create('L2', 'location', { name: 'L2', floor: 7 });
    await create('L3', 'location', { name: 'L3', floor: 1, site: ids.S2 });
    await create('A1', 'asset', { name: 'Pump', building: '7', status: 'active', location: ids.L1 });
    await create('A2', 'asset', { name: 'Valve', building: '9', location: ids.L2 });
    await create('A3', 'asset', { name: 'Zeta', building: '7' });
    await create('A4', 'asset', { name: 'élan', status: 'retired', location: ids.L3 });
    await create('C1', 'contract', { name: 'Pump', value: 10.5 });
    await create('C2', 'contract', { name: 'Service' });
    await create('P1', 'contact', { name: 'Ann' });
    await create('P2', 'contact', { name: 'Bob' });
    const me = h.owner.userId;
    await create('I1', 'incident', {
      code: 'I1', title: 'Zebra', priority: 'p1', asset: ids.A1, minutes_to_respond: 5, cost: 10.25, urgent: true, due_on: '2026-03-01',
      opened_at: '2018-11-03T23:30:00-03:00', closed_at: '2018-11-04T13:00:00Z', tags: ['network', 'power'], watchers: [ids.P1, ids.P2],
      assignee: me, details: { level: 3, location: { floor: 2 }, note: '100% sure_x' }, subject: { type: 'asset', id: ids.A1 },
    });
    await create('I2', 'incident', {
      code: 'I2', title: 'apple', priority: 'p2', asset: ids.A2, minutes_to_respond: 12, cost: 3, urgent: false, due_on: '2026-03-10',
      opened_at: '2018-11-04T01:30:00-02:00', tags: ['water'], watchers: [], details: { level: '3', location: { floor: '2' } }, subject: { type: 'contract', id: ids.C1 },
    });
    await create('I3', 'incident', {
      code: 'I3', title: 'Élan', priority: 'p3', asset: ids.A3, minutes_to_respond: 30, opened_at: '2019-02-16T23:30:00-02:00',
      closed_at: '2019-02-16T23:00:00-03:00', details: { level: true, items: [{ sku: 'a' }, { sku: 'b' }] }, subject: { type: 'contract', id: ids.C2 },
    });
    await create('I4', 'incident', {
      code: 'I4', title: 'zulu', priority: 'p1', minutes_to_respond: 7, cost: 10.25, due_on: '2025-12-31', opened_at: '2019-02-16T23:30:00-03:00',
      details: { level: null }, tags: [],
    });
    await create('I5', 'incident', { code: 'I5', title: '😀 smile', priority: 'p4', asset: ids.A4, minutes_to_respond: 60, opened_at: '2026-03-09T10:00:00Z', details: { level: [1, 2] } });
    await create('I6', 'incident', {
      code: 'I6', title: 'ΣΑΣ upper', priority: 'p2', minutes_to_respond: 0, urgent: true, cost: -1.5, opened_at: '2026-03-03T02:59:00-03:00', assignee: me,
      details: 'just a string', watchers: [ids.P2],
    });
    await create('I7', 'incident', { code: 'I7', title: 'İstanbul', priority: 'p3', asset: ids.A1, details: { level: 2.5 }, opened_at: '2019-02-17T00:30:00-03:00' });
    await create('I8', 'incident', { code: 'I8', title: '\uE000 private', asset: ids.A2, minutes_to_respond: 12, cost: 3.0, due_on: '2026-03-02' });
    await create('I9', 'incident', { code: 'I9' });
    await create('I10', 'incident', { code: 'I10', title: 'a_b%c', priority: 'p4', urgent: false, details: { level: 10, note: 'ABC' }, opened_at: '2026-03-10T02:00:00Z' });
    await create('I11', 'incident', { code: 'I11', title: 'after the change', opened_at: '2019-02-17T00:30:00-03:00', minutes_to_respond: 12, priority: 'p2' });
    await create('T1', 'task', { title: 't1', incident: ids.I1, estimate: 3, done: true });
    await create('T2', 'task', { title: 't2', incident: ids.I1, estimate: 5, done: false });
    await create('T3', 'task', { title: 't3', incident: ids.I2, estimate: 8, done: true });
    await create('T4', 'task', { title: 't4', incident: ids.I2 });
    await create('T5', 'task', { title: 't5', estimate: 1 });
    await create('T6', 'task', { title: 't6', incident: ids.I3, estimate: 2, done: true });
    await create('N1', 'note', { body: 'n1', about: { type: 'incident', id: ids.I1 } });
    await create('N2', 'note', { body: 'n2', about: { type: 'asset', id: ids.A1 } });
    await create('N3', 'note', { body: 'n3', about: { type: 'incident', id: ids.I3 } });
    // Values of the wrong type, as an older definition of the type could have left them.
    await h.setField(ids.I9!, 'minutes_to_respond', '5');
    await h.setField(ids.I9!, 'title', 42);
    await h.setField(ids.I8!, 'due_on', '2026-02-30');
    await h.setField(ids.I7!, 'opened_at', 'garbage');
    await h.setField(ids.I7!, 'closed_at', '2019-02-17T00:30:00.5+01:00');
    await h.setField(ids.I6!, 'assignee', 'NOT-A-UUID');
    await h.setField(ids.I5!, 'tags', 'network');
    await h.setField(ids.I4!, 'subject', { type: 'asset', id: 'x' });
    await h.setField(ids.I3!, 'cost', '3');
    await h.setField(ids.I2!, 'urgent', 'yes');
    await h.setField(ids.I10!, 'cost', 1.5e300);
    await h.setField(ids.I10!, 'closed_at', 12);
    records = await h.records();
    context = await h.context();
  });
  after(async () => {
    await h.stop();
  });

  const list = (where: unknown, extra: Parameters<typeof listQuery>[0] = {}) =>
    checkList(h, listQuery({ select: ['code'], where, ...extra }, h.registry), { records, context, pageSize: 3 });

  test('the indexed fields are complete, so filters on them go through record_index', () => {
    assert.deepEqual([...context.indexedFields('incident')].sort(), ['code', 'due_on', 'minutes_to_respond', 'opened_at', 'priority', 'tags']);
    assert.deepEqual([...context.indexedFields('asset')], ['building']);
  });

  test('three-valued logic: neq, not, in/nin with nulls and empty lists, between, field operands', async () => {
    const cases: unknown[] = [
      { field: 'priority', op: 'neq', value: 'p1' },
      { not: { field: 'priority', op: 'eq', value: 'p1' } },
      { not: { field: 'priority', op: 'in', value: ['p1', 'p2'] } },
      { field: 'priority', op: 'nin', value: ['p1', null] },
      { field: 'priority', op: 'in', value: ['p1', null] },
      { field: 'priority', op: 'in', value: [] },
      { field: 'priority', op: 'nin', value: [] },
      { not: { field: 'priority', op: 'nin', value: [] } },
      { field: 'minutes_to_respond', op: 'between', value: [5, 12] },
      { not: { field: 'minutes_to_respond', op: 'between', value: [5, 12] } },
      { field: 'minutes_to_respond', op: 'in', value: [5, 12] },
      { field: 'minutes_to_respond', op: 'gt', value: 10 },
      { field: 'cost', op: 'gt', value: { field: 'minutes_to_respond' } },
      { not: { field: 'cost', op: 'lte', value: { field: 'minutes_to_respond' } } },
      { field: 'closed_at', op: 'gte', value: { field: 'opened_at' } },
      { field: 'minutes_to_respond', op: 'between', value: [{ field: 'cost' }, 100] },
      { or: [{ field: 'priority', op: 'eq', value: 'p1' }, { field: 'asset.building', op: 'eq', value: '9' }] },
      { not: { or: [{ field: 'priority', op: 'eq', value: 'p1' }, { field: 'urgent', op: 'eq', value: true }] } },
      { field: 'urgent', op: 'neq', value: true },
      { field: 'urgent', op: 'is_null' },
      { field: 'state', op: 'is_null' },
      { field: 'state', op: 'neq', value: 'closed' },
      { field: 'id', op: 'in', value: [ids.I1, ids.I2!.toUpperCase()] },
      { field: 'created_by', op: 'eq', value: { current_user: true } },
      { field: 'assignee', op: 'eq', value: { current_user: true } },
      { field: 'assignee', op: 'is_null' },
      { not: { field: 'assignee', op: 'eq', value: { current_user: true } } },
    ];
    for (const where of cases) await list(where);
  });

  test('values of the wrong JSON type read as null', async () => {
    const cases: unknown[] = [
      { field: 'minutes_to_respond', op: 'is_null' },
      { field: 'minutes_to_respond', op: 'eq', value: 5 },
      { field: 'title', op: 'is_not_null' },
      { field: 'due_on', op: 'is_null' },
      { field: 'due_on', op: 'lt', value: '2026-03-05' },
      { field: 'opened_at', op: 'is_null' },
      { field: 'closed_at', op: 'lt', value: '2019-02-17T00:00:00Z' },
      { field: 'cost', op: 'eq', value: 3 },
      { field: 'cost', op: 'gt', value: 1e299 },
      { field: 'urgent', op: 'eq', value: false },
      { field: 'tags', op: 'is_null' },
      { field: 'tags', op: 'has_any', value: ['network'] },
      { field: 'subject', op: 'is_null' },
      { field: 'subject', op: 'is_not_null' },
      { field: 'assignee', op: 'is_not_null' },
    ];
    for (const where of cases) await list(where);
  });

  test('text: code point order (COLLATE "C"), literal pattern characters, simple case mapping', async () => {
    const cases: unknown[] = [
      { field: 'title', op: 'lt', value: 'a' },
      { field: 'title', op: 'gt', value: 'z' },
      { field: 'title', op: 'gte', value: '\uE000' },
      { field: 'title', op: 'between', value: ['Z', 'zz'] },
      { field: 'title', op: 'icontains', value: 'istanbul' },
      { field: 'title', op: 'icontains', value: 'σας' },
      { field: 'title', op: 'icontains', value: 'ΣΑΣ' },
      { field: 'title', op: 'contains', value: '_b%' },
      { field: 'title', op: 'contains', value: '%' },
      { field: 'title', op: 'starts_with', value: 'a_' },
      { field: 'title', op: 'ends_with', value: 'ra' },
      { field: 'title', op: 'ends_with', value: '' },
      { field: 'details.note', op: 'contains', value: '100%' },
      { field: 'details.note', op: 'icontains', value: 'abc' },
      { field: 'details.note', op: 'starts_with', value: '100' },
    ];
    for (const where of cases) await list(where);
    await list(undefined, { orderBy: [{ field: 'title' }] });
    await list(undefined, { orderBy: [{ field: 'title', direction: 'desc' }] });
  });

  test('JSON paths compare as JSON scalars', async () => {
    const cases: unknown[] = [
      { field: 'details.level', op: 'eq', value: 3 },
      { field: 'details.level', op: 'eq', value: '3' },
      { field: 'details.level', op: 'neq', value: 3 },
      { field: 'details.level', op: 'gt', value: 2 },
      { field: 'details.level', op: 'lt', value: 'z' },
      { field: 'details.level', op: 'gte', value: false },
      { field: 'details.level', op: 'is_null' },
      { field: 'details.level', op: 'is_not_null' },
      { field: 'details.level', op: 'in', value: [3, '3', true] },
      { field: 'details.level', op: 'nin', value: [3, null] },
      { field: 'details.level', op: 'between', value: [2, 3] },
      { field: 'details.location.floor', op: 'eq', value: 2 },
      { field: 'details.items.1.sku', op: 'eq', value: 'b' },
      { field: 'details.items.01.sku', op: 'is_null' },
      { field: 'details.level', op: 'eq', value: { field: 'details.location.floor' } },
      { field: 'details.level', op: 'lte', value: { field: 'details.location.floor' } },
      { field: 'details', op: 'is_null' },
    ];
    for (const where of cases) await list(where);
    await list(undefined, { orderBy: [{ field: 'details.level' }] });
    await list(undefined, { orderBy: [{ field: 'details.level', direction: 'desc' }] });
  });

  test('paths through references: missing targets, three hops, any_reference', async () => {
    const cases: unknown[] = [
      { field: 'asset.building', op: 'eq', value: '7' },
      { not: { field: 'asset.building', op: 'eq', value: '7' } },
      { field: 'asset.building', op: 'neq', value: '7' },
      { field: 'asset.building', op: 'is_null' },
      { field: 'asset.building', op: 'is_not_null' },
      { field: 'asset.location.floor', op: 'gte', value: 3 },
      { field: 'asset.location.site.name', op: 'eq', value: 'North' },
      { field: 'asset.location.site.name', op: 'is_null' },
      { not: { field: 'asset.location.site.region', op: 'in', value: ['N'] } },
      { field: 'asset.location.site.region', op: 'nin', value: [] },
      { field: 'asset.name', op: 'eq', value: { field: 'title' } },
      { field: 'subject.name', op: 'eq', value: 'Pump' },
      { field: 'subject.type', op: 'eq', value: 'contract' },
      { field: 'subject.name', op: 'is_null' },
      { field: 'asset.id', op: 'eq', value: ids.A1 },
      { field: 'asset', op: 'eq', value: ids.A2 },
    ];
    for (const where of cases) await list(where);
    await list(undefined, { orderBy: [{ field: 'asset.name' }, { field: 'title', direction: 'desc' }] });
    await list(undefined, { orderBy: [{ field: 'asset.location.site.name', direction: 'desc' }] });
  });

  test('quantifiers over references and reverse relations, empty sets included', async () => {
    const cases: unknown[] = [
      { every: { path: 'task.incident', where: { field: 'done', op: 'eq', value: true } } },
      { not: { every: { path: 'task.incident', where: { field: 'done', op: 'eq', value: true } } } },
      { some: { path: 'task.incident', where: { field: 'done', op: 'eq', value: true } } },
      { none: { path: 'task.incident', where: { field: 'done', op: 'neq', value: true } } },
      { none: { path: 'task.incident' } },
      { some: { path: 'task.incident' } },
      { every: { path: 'task.incident' } },
      { some: { path: 'watchers', where: { field: 'name', op: 'eq', value: 'Bob' } } },
      { every: { path: 'watchers', where: { field: 'name', op: 'eq', value: 'Bob' } } },
      { some: { path: 'note.about' } },
      { some: { path: 'task.incident', where: { field: 'estimate', op: 'gt', value: { field: 'estimate' } } } },
      { field: 'watchers', op: 'has_any', value: [ids.P1!.toUpperCase()] },
      { field: 'watchers', op: 'has_all', value: [ids.P1, ids.P2] },
      { field: 'watchers', op: 'has_all', value: [] },
      { field: 'watchers', op: 'is_null' },
      { field: 'tags', op: 'has_all', value: ['network', 'power'] },
      { field: 'tags', op: 'has_all', value: [] },
      { field: 'tags', op: 'has_any', value: [] },
      { not: { field: 'tags', op: 'has_any', value: ['power', 'water'] } },
    ];
    for (const where of cases) await list(where);
  });

  test('time: relative and start_of in the caller zone, instants compared across offsets', async () => {
    const cases: unknown[] = [
      { field: 'opened_at', op: 'gte', value: { relative: '-7d' } },
      { field: 'opened_at', op: 'gte', value: { start_of: 'week' } },
      { field: 'opened_at', op: 'lt', value: { start_of: 'day' } },
      { field: 'opened_at', op: 'lt', value: '2019-01-01T00:00:00Z' },
      { field: 'opened_at', op: 'eq', value: '2018-11-04T02:30:00-01:00' },
      { field: 'opened_at', op: 'between', value: ['2019-02-16T00:00:00-03:00', { relative: '-2000d' }] },
      { field: 'due_on', op: 'gte', value: { start_of: 'month' } },
      { field: 'due_on', op: 'lt', value: { relative: '-1d' } },
      { field: 'due_on', op: 'between', value: ['2026-01-01', '2026-03-05'] },
      { field: 'due_on', op: 'eq', value: '0000-01-01' },
    ];
    for (const where of cases) await list(where);
    await list(undefined, { orderBy: [{ field: 'opened_at', direction: 'desc' }] });
    await list(undefined, { orderBy: [{ field: 'due_on' }, { field: 'priority', direction: 'desc' }] });
  });

  test('keyset pages over nullable keys of every kind, and offset', async () => {
    const orders: { field: string; direction?: 'asc' | 'desc' }[][] = [
      [{ field: 'cost', direction: 'desc' }, { field: 'title' }],
      [{ field: 'cost' }],
      [{ field: 'urgent' }, { field: 'minutes_to_respond', direction: 'desc' }],
      [{ field: 'assignee' }],
      [{ field: 'created_at', direction: 'desc' }],
      [{ field: 'state' }, { field: 'closed_at' }],
      [{ field: 'priority', direction: 'desc' }, { field: 'details.level', direction: 'desc' }],
    ];
    for (const orderBy of orders) {
      for (const pageSize of [1, 2, 4]) {
        await checkList(h, listQuery({ select: ['code'], orderBy }, h.registry), { records, context, pageSize });
      }
    }
    await checkList(h, listQuery({ select: ['code'], orderBy: [{ field: 'title' }], limit: 3, offset: 4 }, h.registry), { records, context });
  });

  test('selected values render as the records API renders them; related aggregates per row', async () => {
    const related: SelectItem[] = [
      { kind: 'related_aggregate', name: 'open_tasks', relation: reverse('task.incident', 'incident', h.registry), aggregate: spec('count', undefined, 'task', undefined, h.registry), where: null },
      {
        kind: 'related_aggregate', name: 'done_estimate', relation: reverse('task.incident', 'incident', h.registry),
        aggregate: spec('sum', 'estimate', 'task', undefined, h.registry), where: listQuery({ from: 'task', where: { field: 'done', op: 'eq', value: true } }, h.registry).where,
      },
      { kind: 'related_aggregate', name: 'notes', relation: reverse('note.about', 'incident', h.registry), aggregate: spec('count', undefined, 'note', undefined, h.registry), where: null },
    ];
    const paths = ['id', 'code', 'title', 'type', 'version', 'state', 'created_at', 'updated_at', 'created_by', 'cost', 'opened_at', 'due_on', 'tags', 'details',
      'details.location.floor', 'subject', 'subject.name', 'asset.name', 'asset.location.site.name', 'asset.created_at', 'watchers', 'urgent'];
    const query = listQuery({ select: paths, orderBy: [{ field: 'code' }] }, h.registry);
    const rows = await checkList(h, { ...query, select: [...query.select, ...related] }, { records, context, pageSize: 4 });
    const first = rows.find((row) => row.code === 'I1')!;
    assert.equal(first.open_tasks, 2);
    assert.equal(first.done_estimate, 3);
    assert.equal(first.notes, 1);
    const created = records.find((record) => record.id === ids.I1)!;
    assert.equal(first.created_at, created.created_at);
    assert.match(String(first.created_at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  test('aggregates: count, distinct, sum, avg, min, max, percentiles by group, having, order, totals', async () => {
    await checkAggregate(h, aggregateQuery({
      groupBy: ['priority'],
      aggregates: [
        { fn: 'count', as: 'n' }, { fn: 'count', field: 'minutes_to_respond', as: 'with_minutes' }, { fn: 'count_distinct', field: 'asset', as: 'assets' },
        { fn: 'sum', field: 'minutes_to_respond', as: 'total' }, { fn: 'avg', field: 'cost', as: 'avg_cost' },
        { fn: 'min', field: 'title', as: 'first_title' }, { fn: 'max', field: 'opened_at', as: 'last_opened' }, { fn: 'min', field: 'due_on', as: 'first_due' },
        { fn: 'percentile', field: 'minutes_to_respond', p: 0.9, as: 'p90' }, { fn: 'percentile', field: 'minutes_to_respond', p: 0, as: 'p0' },
        { fn: 'percentile', field: 'minutes_to_respond', p: 0.5, as: 'median' }, { fn: 'max', field: 'details.level', as: 'top_level' },
        { fn: 'count', field: 'details.level', as: 'levels' }, { fn: 'count_distinct', field: 'details.level', as: 'distinct_levels' },
        { fn: 'count', field: 'tags', as: 'tagged' },
      ],
      orderBy: [{ name: 'n', direction: 'desc' }],
      totals: true,
    }, h.registry), { records, context });
    await checkAggregate(h, aggregateQuery({
      groupBy: ['asset.building'], aggregates: [{ fn: 'count', as: 'n' }, { fn: 'avg', field: 'minutes_to_respond', as: 'avg' }],
      having: { kind: 'compare', op: 'gt', name: 'n', value: 1 },
    }, h.registry), { records, context });
    await checkAggregate(h, aggregateQuery({
      groupBy: ['urgent', 'subject.type'], aggregates: [{ fn: 'count', as: 'n' }],
      having: { kind: 'or', items: [{ kind: 'null_check', op: 'is_null', name: 'urgent' }, { kind: 'list', op: 'nin', name: 'subject.type', items: ['asset', null] }] },
      orderBy: [{ name: 'urgent', direction: 'desc' }],
    }, h.registry), { records, context });
    await checkAggregate(h, aggregateQuery({
      where: { field: 'state', op: 'neq', value: 'closed' }, groupBy: ['assignee'], aggregates: [{ fn: 'count', as: 'open' }], totals: true,
    }, h.registry), { records, context });
    await checkAggregate(h, aggregateQuery({ aggregates: [{ fn: 'count', as: 'n' }, { fn: 'sum', field: 'cost', as: 'cost' }], totals: true }, h.registry), { records, context });
    for (const direction of ['asc', 'desc'] as const) {
      await checkAggregate(h, aggregateQuery({
        groupBy: ['details.level'], aggregates: [{ fn: 'count', as: 'n' }], orderBy: [{ name: 'details.level', direction }],
      }, h.registry), { records, context });
    }
    await checkAggregate(h, aggregateQuery({
      where: { field: 'minutes_to_respond', op: 'gt', value: 1000 }, aggregates: [{ fn: 'count', as: 'n' }, { fn: 'percentile', field: 'minutes_to_respond', p: 0.5, as: 'median' }],
    }, h.registry), { records, context });
    await checkAggregate(h, aggregateQuery({ groupBy: ['priority'], aggregates: [{ fn: 'count', as: 'n' }], limit: 2, offset: 1 }, h.registry), { records, context });
  });

  test('time buckets in America/Sao_Paulo across the 2018 and 2019 daylight-saving changes', async () => {
    const result = await checkAggregate(h, aggregateQuery({
      groupBy: [{ field: 'opened_at', bucket: 'day', timeZone: 'America/Sao_Paulo', as: 'day' }], aggregates: [{ fn: 'count', as: 'n' }],
    }, h.registry), { records, context });
    assert.deepEqual(result.data.slice(0, 4), [
      { day: '2018-11-03T03:00:00.000Z', n: 1 },
      { day: '2018-11-04T03:00:00.000Z', n: 1 }, // local midnight did not exist: the day began at 01:00 -02:00
      { day: '2019-02-16T02:00:00.000Z', n: 2 }, // both 23:30s of the repeated hour
      { day: '2019-02-17T03:00:00.000Z', n: 1 },
    ]);
    for (const bucket of ['hour', 'week', 'month', 'quarter', 'year'] as const) {
      await checkAggregate(h, aggregateQuery({
        groupBy: [{ field: 'opened_at', bucket, timeZone: 'America/Sao_Paulo', as: 'start' }], aggregates: [{ fn: 'count', as: 'n' }],
        orderBy: [{ name: 'start', direction: 'desc' }],
      }, h.registry), { records, context });
    }
    for (const bucket of ['day', 'week', 'month', 'quarter', 'year'] as const) {
      await checkAggregate(h, aggregateQuery({ groupBy: [{ field: 'due_on', bucket, as: 'start' }], aggregates: [{ fn: 'count', as: 'n' }] }, h.registry), { records, context });
    }
    await checkAggregate(h, aggregateQuery({
      groupBy: [{ field: 'opened_at', bucket: 'week', timeZone: 'America/Sao_Paulo', as: 'week' }], aggregates: [{ fn: 'count', as: 'n' }],
      having: { kind: 'compare', op: 'gte', name: 'week', value: '2019-01-01T00:00:00Z' },
    }, h.registry), { records, context });
  });
});
