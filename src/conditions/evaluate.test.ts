import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileCondition, evaluate, inMemoryRecords, type EvaluationContext, type StoredRecord } from './index.ts';
import { issueExample, registry } from './test-fixtures.ts';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const USER = id(900);
const [ASSET, SITE, REGION, CONTRACT, I1, I2, I3] = [id(1), id(2), id(3), id(4), id(11), id(12), id(13)];

const records: StoredRecord[] = [
  { id: REGION, type: 'region', name: 'south' },
  { id: SITE, type: 'site', name: 'North', region: REGION },
  { id: ASSET, type: 'asset', name: 'Pump', building: '7', status: 'active', site: SITE },
  { id: CONTRACT, type: 'contract', name: 'Maintenance', status: 'signed', value: 1000 },
  {
    id: I1, type: 'incident', title: 'Water leak 100%_done', priority: 'p1', asset: ASSET, minutes_to_respond: 30, cost: 12.5, urgent: true,
    due_on: '2026-11-30', opened_at: '2026-11-20T10:00:00-03:00', closed_at: '2026-11-20T13:00:00Z', tags: ['water'], related: [I2, I3],
    assignee: USER.toUpperCase(), details: { location: { floor: 3, wing: 'B' }, notes: 'ΣΑΣ İx', list: [{ a: 1 }] },
    subject: { type: 'contract', id: CONTRACT }, created_at: '2026-11-24T12:00:00Z', created_by: USER,
  },
  { id: I2, type: 'incident', title: 'Smoke', priority: 'p2', tags: [], created_at: '2026-10-01T00:00:00Z', minutes_to_respond: '45' },
  { id: I3, type: 'incident', title: 'Power', priority: 'p1', asset: ASSET, urgent: false, minutes_to_respond: 5 },
];
const set = inMemoryRecords(records);
const context: EvaluationContext = { now: new Date('2026-11-25T12:00:00Z'), timeZone: 'America/Sao_Paulo', userId: USER };

function run(condition: unknown, recordId = I1, type = 'incident', ctx: EvaluationContext = context): boolean | null {
  const compiled = compileCondition(condition, type, registry);
  assert.ok(compiled.ok, JSON.stringify(compiled.ok ? null : compiled.errors));
  return evaluate(compiled.condition, set.view(set.byId(recordId)!), ctx);
}

const cmp = (field: string, op: string, value?: unknown) => (value === undefined ? { field, op } : { field, op, value });

describe('evaluate', () => {
  test('the example from the issue, over paths through references', () => {
    assert.equal(run(issueExample), false, 'asset.building is 7');
    assert.equal(run({ and: issueExample.and.filter((_, index) => index !== 2) }), true);
    assert.equal(run(cmp('asset.site.region.name', 'eq', 'south')), true);
    assert.equal(run(cmp('asset.site.region.name', 'eq', 'south'), I2), null, 'no asset: the path is null');
  });

  test('comparisons with null are null; is_null never is', () => {
    for (const op of ['eq', 'neq', 'lt', 'lte', 'gt', 'gte']) assert.equal(run(cmp('cost', op, 1), I2), null, op);
    assert.equal(run(cmp('cost', 'is_null'), I2), true);
    assert.equal(run(cmp('cost', 'is_not_null'), I2), false);
    assert.equal(run(cmp('closed_at', 'gte', { field: 'opened_at' }), I3), null);
    assert.equal(run(cmp('title', 'contains', 'x'), I3), false);
  });

  test('and, or and not over null are SQL’s', () => {
    const unknown = cmp('cost', 'eq', 1); // null on I2
    const yes = cmp('title', 'eq', 'Smoke');
    const no = cmp('title', 'eq', 'Fire');
    assert.equal(run({ and: [no, unknown] }, I2), false);
    assert.equal(run({ and: [yes, unknown] }, I2), null);
    assert.equal(run({ or: [yes, unknown] }, I2), true);
    assert.equal(run({ or: [no, unknown] }, I2), null);
    assert.equal(run({ not: unknown }, I2), null);
    assert.equal(run({ not: no }, I2), true);
  });

  test('in and nin are = ANY and <> ALL: a null member makes a miss null; an empty list is false (in) or true (nin)', () => {
    assert.equal(run(cmp('minutes_to_respond', 'in', [30, null])), true);
    assert.equal(run(cmp('minutes_to_respond', 'in', [31, null])), null);
    assert.equal(run(cmp('minutes_to_respond', 'in', [31, 32])), false);
    assert.equal(run(cmp('minutes_to_respond', 'nin', [31, null])), null);
    assert.equal(run(cmp('minutes_to_respond', 'nin', [30, null])), false);
    assert.equal(run(cmp('minutes_to_respond', 'nin', [31])), true);
    assert.equal(run(cmp('cost', 'in', [1]), I2), null);
    assert.equal(run(cmp('cost', 'in', []), I2), false);
    assert.equal(run(cmp('cost', 'nin', []), I2), true);
  });

  test('between is inclusive and is gte and lte, nulls included', () => {
    assert.equal(run(cmp('minutes_to_respond', 'between', [30, 30])), true);
    assert.equal(run(cmp('minutes_to_respond', 'between', [31, 40])), false);
    assert.equal(run(cmp('minutes_to_respond', 'between', [1, { field: 'cost' }]), I3), null, 'true and null is null');
    assert.equal(run(cmp('minutes_to_respond', 'between', [6, { field: 'cost' }]), I3), false, 'false and null is false');
  });

  test('text orders by code point (COLLATE "C"); matching is literal', () => {
    assert.equal(run(cmp('title', 'lt', 'a')), true, "'W' < 'a' in byte order");
    assert.equal(run(cmp('title', 'gt', 'Water leak 100%_done\u{1F600}')), false);
    assert.equal(run(cmp('title', 'contains', '100%_')), true);
    assert.equal(run(cmp('title', 'contains', '100%x')), false, '% is not a wildcard');
    assert.equal(run(cmp('title', 'starts_with', 'Water')), true);
    assert.equal(run(cmp('title', 'ends_with', '_done')), true);
    assert.equal(run(cmp('title', 'icontains', 'WATER LEAK')), true);
    assert.equal(run(cmp('title', 'contains', 'water')), false);
    assert.equal(run(cmp('details.notes', 'icontains', 'σασ ix')), true, 'simple case mapping: no final sigma, İ is i');
  });

  test('datetimes compare as instants, dates as calendar dates', () => {
    assert.equal(run(cmp('opened_at', 'eq', '2026-11-20T13:00:00Z')), true);
    assert.equal(run(cmp('opened_at', 'eq', '2026-11-20T14:00:00+01:00')), true);
    assert.equal(run(cmp('closed_at', 'gte', { field: 'opened_at' })), true);
    assert.equal(run(cmp('closed_at', 'gt', { field: 'opened_at' })), false);
    assert.equal(run(cmp('opened_at', 'lt', '2026-11-20T13:00:00.000001Z')), true, 'microsecond precision');
    assert.equal(run(cmp('due_on', 'between', ['2026-11-01', '2026-11-30'])), true);
  });

  test('relative and start_of come from the context clock and zone', () => {
    assert.equal(run(cmp('created_at', 'gte', { relative: '-7d' })), true);
    assert.equal(run(cmp('created_at', 'gte', { relative: '-7d' }), I2), false);
    assert.equal(run(cmp('created_at', 'gte', { start_of: 'week' })), true, 'Monday 23 November, São Paulo');
    assert.equal(run(cmp('created_at', 'gte', { start_of: 'day' })), false);
    assert.equal(run(cmp('due_on', 'lte', { relative: '+5d' })), true);
    assert.equal(run(cmp('due_on', 'lte', { relative: '+4d' })), false);
    assert.equal(run(cmp('due_on', 'gte', { start_of: 'month' })), true);
    const later = { ...context, now: new Date('2026-12-01T02:00:00Z') }; // still 30 November in São Paulo
    assert.equal(run(cmp('due_on', 'gte', { start_of: 'month' }), I1, 'incident', later), true);
    assert.equal(run(cmp('due_on', 'gte', { start_of: 'month' }), I1, 'incident', { ...later, timeZone: 'UTC' }), false);
  });

  test('current_user compares user ids case-insensitively; no user makes it null', () => {
    assert.equal(run(cmp('assignee', 'eq', { current_user: true })), true);
    assert.equal(run(cmp('created_by', 'neq', { current_user: true })), false);
    assert.equal(run(cmp('assignee', 'eq', { current_user: true }), I1, 'incident', { ...context, userId: null }), null);
    assert.equal(run(cmp('asset', 'eq', ASSET.toUpperCase())), true);
  });

  test('json paths compare as JSON scalars', () => {
    assert.equal(run(cmp('details.location.floor', 'gte', 3)), true);
    assert.equal(run(cmp('details.location.floor', 'eq', '3')), false, 'a number is never equal to a string');
    assert.equal(run(cmp('details.location.floor', 'neq', '3')), true);
    assert.equal(run(cmp('details.location.floor', 'gt', 'a')), null, 'different kinds are not ordered');
    assert.equal(run(cmp('details.location.wing', 'in', ['A', 'B'])), true);
    assert.equal(run(cmp('details.location', 'is_null')), false, 'an object is a value');
    assert.equal(run(cmp('details.location', 'eq', 'B')), null, 'but not a comparable one');
    assert.equal(run(cmp('details.location', 'neq', 'B')), null);
    assert.equal(run(cmp('details', 'is_not_null')), true);
    assert.equal(run(cmp('details', 'is_null'), I2), true);
    assert.equal(run(cmp('details.list.0.a', 'eq', 1)), true, 'array indexes');
    assert.equal(run(cmp('details.nothing.here', 'is_null')), true);
    assert.equal(run(cmp('details.location.floor', 'contains', '3')), null, 'text matching needs a JSON string');
  });

  test('multi_enum and references: has_any, has_all; an empty array is not null', () => {
    assert.equal(run(cmp('tags', 'has_any', ['water', 'power'])), true);
    assert.equal(run(cmp('tags', 'has_all', ['water', 'power'])), false);
    assert.equal(run(cmp('tags', 'has_any', ['water']), I2), false);
    assert.equal(run(cmp('tags', 'is_null'), I2), false);
    assert.equal(run(cmp('tags', 'has_any', ['water']), I3), null);
    assert.equal(run(cmp('related', 'has_all', [I2.toUpperCase(), I3])), true);
  });

  test('quantifiers: some, none, every over references and reverse relations', () => {
    const p1 = cmp('priority', 'eq', 'p1');
    assert.equal(run({ some: { path: 'related', where: p1 } }), true);
    assert.equal(run({ every: { path: 'related', where: p1 } }), false);
    assert.equal(run({ none: { path: 'related', where: cmp('priority', 'eq', 'p4') } }), true);
    assert.equal(run({ some: { path: 'related' } }, I2), false, 'no related records');
    assert.equal(run({ every: { path: 'related', where: p1 } }, I2), true, 'vacuously');
    // where is null for I2 (no cost): it does not count, as with EXISTS
    assert.equal(run({ some: { path: 'related', where: cmp('cost', 'lt', 100) } }), false);
    assert.equal(run({ every: { path: 'related', where: { not: cmp('cost', 'lt', 100) } } }), false);
    assert.equal(run({ some: { path: 'incident.asset', where: cmp('urgent', 'eq', false) } }, ASSET, 'asset'), true);
    assert.equal(run({ every: { path: 'incident.asset', where: cmp('priority', 'eq', 'p1') } }, ASSET, 'asset'), true);
    assert.equal(run({ some: { path: 'incident.subject' } }, CONTRACT, 'contract'), true);
  });

  test('any_reference paths follow the record of whichever target it points at', () => {
    assert.equal(run(cmp('subject.name', 'eq', 'Maintenance')), true);
    assert.equal(run(cmp('subject.type', 'eq', 'contract')), true);
    assert.equal(run(cmp('subject', 'is_not_null')), true);
    assert.equal(run(cmp('subject.name', 'is_null'), I2), true);
  });

  test('stored values that do not fit their type read as null', () => {
    assert.equal(run(cmp('minutes_to_respond', 'is_null'), I2), true);
    assert.equal(run(cmp('minutes_to_respond', 'eq', 45), I2), null);
  });
});
