import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileCondition } from './index.ts';
import type { ResolvedCondition } from './resolved.ts';
import { issueExample, registry } from './test-fixtures.ts';

function check(input: unknown, type = 'incident') {
  return compileCondition(input, type, registry);
}

function errorsOf(input: unknown, type = 'incident'): Map<string, string> {
  const result = check(input, type);
  assert.equal(result.ok, false, 'expected errors');
  return new Map(result.ok ? [] : result.errors.map((error) => [error.pointer, error.message]));
}

function resolved(input: unknown, type = 'incident'): ResolvedCondition {
  const result = check(input, type);
  assert.ok(result.ok, JSON.stringify(result.ok ? null : result.errors));
  return result.condition;
}

describe('typeCheck', () => {
  test('resolves the example from the issue: hops, value types, operands', () => {
    const root = resolved(issueExample);
    assert.ok(root.kind === 'and');
    const [closed, priority, not, or] = root.items;
    assert.ok(closed?.kind === 'compare' && closed.operand.kind === 'field');
    assert.equal(closed.path.valueType, 'datetime');
    assert.equal(closed.operand.path.field, 'opened_at');
    assert.ok(priority?.kind === 'list');
    assert.deepEqual(priority.path.enumValues, ['p1', 'p2', 'p3', 'p4']);
    assert.ok(not?.kind === 'not' && not.item.kind === 'compare');
    assert.deepEqual(not.item.path.hops, [{ fromTypes: ['incident'], field: 'asset', fieldType: 'reference', targets: ['asset'] }]);
    assert.deepEqual(not.item.path.ownerTypes, ['asset']);
    assert.equal(not.item.path.valueType, 'text');
    assert.ok(or?.kind === 'or' && or.items[0]?.kind === 'compare' && or.items[1]?.kind === 'compare');
    assert.equal(or.items[0].path.valueType, 'uuid');
    assert.equal(or.items[1].path.system, true);
  });

  test('unknown fields name the type and list close matches', () => {
    const errors = errorsOf({ and: [{ field: 'prority', op: 'eq', value: 'p1' }, { field: 'asset.bulding', op: 'eq', value: '7' }] });
    assert.match(errors.get('/and/0/field') ?? '', /unknown field 'prority' on type 'incident'; did you mean: priority/);
    assert.match(errors.get('/and/1/field') ?? '', /unknown field 'bulding' on type 'asset'; did you mean: building/);
  });

  test('an operator that does not apply names the operators that do', () => {
    const errors = errorsOf({ and: [
      { field: 'urgent', op: 'gt', value: true },
      { field: 'tags', op: 'eq', value: 'network' },
      { field: 'priority', op: 'contains', value: 'p' },
    ] });
    assert.equal(errors.get('/and/0/op'), "operator 'gt' does not apply to a boolean field ('urgent'); must be one of: eq, neq, is_null, is_not_null");
    assert.match(errors.get('/and/1/op') ?? '', /must be one of: has_any, has_all, is_null, is_not_null/);
    assert.match(errors.get('/and/2/op') ?? '', /must be one of: eq, neq, in, nin, is_null, is_not_null/);
  });

  test('values of the wrong type are refused where they are', () => {
    const errors = errorsOf({ and: [
      { field: 'minutes_to_respond', op: 'eq', value: '5' },
      { field: 'minutes_to_respond', op: 'eq', value: 1.5 },
      { field: 'priority', op: 'in', value: ['p1', 'p9'] },
      { field: 'due_on', op: 'lt', value: '2026-02-30' },
      { field: 'opened_at', op: 'gt', value: '2026-01-01T10:00:00' },
      { field: 'asset', op: 'eq', value: 'not-a-uuid' },
      { field: 'tags', op: 'has_any', value: ['network', 'fire'] },
      { field: 'related', op: 'has_all', value: ['x'] },
      { field: 'urgent', op: 'eq', value: 'true' },
      { field: 'cost', op: 'between', value: [1, 'high'] },
      { field: 'title', op: 'eq', value: 7 },
    ] });
    assert.match(errors.get('/and/0/value') ?? '', /must be an integer/);
    assert.match(errors.get('/and/1/value') ?? '', /must be an integer/);
    assert.equal(errors.get('/and/2/value/1'), 'must be one of: p1, p2, p3, p4');
    assert.match(errors.get('/and/3/value') ?? '', /YYYY-MM-DD/);
    assert.match(errors.get('/and/4/value') ?? '', /with an offset/);
    assert.match(errors.get('/and/5/value') ?? '', /uuid/);
    assert.equal(errors.get('/and/6/value/1'), 'must be one of: network, power, water');
    assert.match(errors.get('/and/7/value/0') ?? '', /uuid/);
    assert.match(errors.get('/and/8/value') ?? '', /true or false/);
    assert.match(errors.get('/and/9/value/1') ?? '', /number/);
    assert.match(errors.get('/and/10/value') ?? '', /string/);
    assert.equal(errors.size, 11);
  });

  test('field-to-field comparisons need compatible types', () => {
    assert.ok(check({ field: 'minutes_to_respond', op: 'lt', value: { field: 'cost' } }).ok);
    assert.ok(check({ field: 'title', op: 'eq', value: { field: 'priority' } }).ok);
    const errors = errorsOf({ and: [
      { field: 'due_on', op: 'lt', value: { field: 'opened_at' } },
      { field: 'title', op: 'eq', value: { field: 'nope' } },
    ] });
    assert.equal(errors.get('/and/0/value/field'), "cannot compare a date field ('due_on') with a datetime field ('opened_at')");
    assert.match(errors.get('/and/1/value/field') ?? '', /unknown field 'nope'/);
  });

  test('current_user only for user fields; relative and start_of only for dates and datetimes', () => {
    assert.ok(check({ field: 'created_by', op: 'eq', value: { current_user: true } }).ok);
    assert.ok(check({ field: 'due_on', op: 'between', value: [{ start_of: 'month' }, { relative: '+30d' }] }).ok);
    const errors = errorsOf({ and: [
      { field: 'title', op: 'eq', value: { current_user: true } },
      { field: 'minutes_to_respond', op: 'gt', value: { relative: '-1h' } },
    ] });
    assert.match(errors.get('/and/0/value') ?? '', /user fields only/);
    assert.match(errors.get('/and/1/value') ?? '', /date and datetime fields only/);
  });

  test('paths follow at most three references', () => {
    assert.ok(check({ field: 'asset.site.region.name', op: 'eq', value: 'south' }).ok);
    const errors = errorsOf({ field: 'asset.site.region.parent.name', op: 'eq', value: 'x' });
    assert.match(errors.get('/field') ?? '', /at most 3 references/);
    assert.match(errorsOf({ field: 'title.length', op: 'eq', value: 1 }).get('/field') ?? '', /only reference, any_reference and json fields have sub-paths/);
  });

  test('any_reference: the next segment must exist with one type on every target', () => {
    const ok = resolved({ field: 'subject.name', op: 'eq', value: 'x' });
    assert.ok(ok.kind === 'compare');
    assert.deepEqual(ok.path.ownerTypes, ['asset', 'contract']);
    const status = resolved({ field: 'subject.status', op: 'in', value: ['retired', 'signed'] });
    assert.ok(status.kind === 'list');
    assert.deepEqual(status.path.enumValues, ['active', 'retired', 'draft', 'signed']);
    assert.match(errorsOf({ field: 'subject.building', op: 'eq', value: '7' }).get('/field') ?? '', /every one of the types asset, contract/);
    assert.ok(check({ field: 'subject.type', op: 'eq', value: 'asset' }).ok, 'system fields exist on every target');
    assert.match(errorsOf({ field: 'subject', op: 'eq', value: 'x' }).get('/op') ?? '', /must be one of: is_null, is_not_null/);
  });

  test('json paths are untyped and compare as JSON scalars', () => {
    const node = resolved({ field: 'details.location.floor', op: 'gte', value: 3 });
    assert.ok(node.kind === 'compare');
    assert.equal(node.path.valueType, 'json');
    assert.deepEqual(node.path.jsonPath, ['location', 'floor']);
    assert.ok(check({ field: 'details.location.floor', op: 'eq', value: 'ground' }).ok);
    assert.ok(check({ field: 'details.notes', op: 'icontains', value: 'leak' }).ok);
    assert.ok(check({ field: 'details.floor', op: 'eq', value: { field: 'details.other' } }).ok);
    assert.match(errorsOf({ field: 'details.floor', op: 'eq', value: { field: 'title' } }).get('/value/field') ?? '', /cannot compare a json path/);
  });

  test('quantifiers: forward references, reverse relations, and the where checked on the related type', () => {
    const some = resolved({ some: { path: 'related', where: { field: 'priority', op: 'eq', value: 'p1' } } });
    assert.ok(some.kind === 'quantifier');
    assert.deepEqual(some.relation, { kind: 'forward', path: 'related', fromType: 'incident', field: 'related', targetType: 'incident' });
    const every = resolved({ every: { path: 'incident.asset', where: { field: 'priority', op: 'neq', value: 'p1' } } }, 'asset');
    assert.ok(every.kind === 'quantifier');
    assert.deepEqual(every.relation, { kind: 'reverse', path: 'incident.asset', fromType: 'asset', sourceType: 'incident', field: 'asset', fieldType: 'reference' });
    assert.ok(check({ none: { path: 'incident.subject' } }, 'contract').ok, 'reverse of an any_reference');
    const errors = errorsOf({ and: [
      { some: { path: 'asset', where: { field: 'name', op: 'eq', value: 'x' } } },
      { some: { path: 'incident.title' } },
      { some: { path: 'related', where: { field: 'name', op: 'eq', value: 'x' } } },
    ] });
    assert.match(errors.get('/and/0/some/path') ?? '', /'asset' is a reference field/);
    assert.match(errors.get('/and/1/some/path') ?? '', /no reference field 'title' to 'incident'; its fields referring to 'incident' are: related/);
    assert.match(errors.get('/and/2/some/where/field') ?? '', /unknown field 'name' on type 'incident'/);
  });

  test('an unknown root type is an error at the root', () => {
    assert.deepEqual(errorsOf({ field: 'a', op: 'is_null' }, 'nothing'), new Map([['', "unknown entity type 'nothing'"]]));
  });

  test('parse errors come with the pointer prefix', () => {
    const result = compileCondition({ field: 'title', op: 'near' }, 'incident', registry, { pointerPrefix: '/where' });
    assert.ok(!result.ok);
    assert.deepEqual(result.errors.map((error) => error.pointer), ['/where/op']);
  });
});
