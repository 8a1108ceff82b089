// The types a query reads, for the per-type read permission check: the root,
// hop targets, quantified relations and related aggregates' sources.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseQuery } from './core/parse-query.ts';
import type { ValidatedQuery } from './core/query.ts';
import { limits, registry } from './core/test-fixtures.ts';
import { touchedTypes } from './query.access.ts';

function parsed(input: unknown): ValidatedQuery {
  const result = parseQuery(input, registry, limits);
  assert.ok(result.ok, JSON.stringify(result.ok ? null : result.errors));
  return result.query;
}

describe('touchedTypes: every type a query reads', () => {
  test('root, hop targets, quantified relations and related aggregate sources', () => {
    assert.deepEqual(touchedTypes(parsed({ from: 'incident', select: ['title'] })), ['incident']);
    assert.deepEqual(touchedTypes(parsed({ from: 'incident', select: ['asset.location.name'] })), ['asset', 'incident', 'location']);
    assert.deepEqual(
      touchedTypes(parsed({ from: 'incident', select: ['title'], where: { some: { path: 'watchers', where: { field: 'name', op: 'eq', value: 'x' } } } })),
      ['contact', 'incident'],
    );
    assert.deepEqual(
      touchedTypes(parsed({ from: 'incident', select: ['title', { fn: 'count', from: 'task', via: 'incident', as: 'tasks' }] })),
      ['incident', 'task'],
    );
    assert.deepEqual(
      touchedTypes(parsed({ from: 'incident', group_by: ['asset.building'], aggregate: [{ fn: 'count', as: 'n' }] })),
      ['asset', 'incident'],
    );
    assert.deepEqual(touchedTypes(parsed({ from: 'incident', select: ['subject.name'] })), ['asset', 'contract', 'incident']);
  });
});
