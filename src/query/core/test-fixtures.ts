// A small registry for the query engine's pure tests (not used by production
// code): incident -> asset -> location -> site (three reference hops), a json
// field, a multi_enum, references, an any_reference, and types that refer back
// to incident (task.incident, note.about) for related aggregates.
import assert from 'node:assert/strict';
import { registryOf } from '../../conditions/test-fixtures.ts';
import { parseQuery } from './parse-query.ts';
import type { AggregateQuery, ListQuery, QueryLimits } from './query.ts';

export { resolvePointer } from '../../conditions/test-fixtures.ts';

export const registry = registryOf([
  {
    key: 'incident', label: 'Incident', fields: [
      { key: 'title', type: 'text' },
      { key: 'priority', type: 'enum', values: ['p1', 'p2', 'p3', 'p4'] },
      { key: 'asset', type: 'reference', target: 'asset', on_delete: 'restrict' },
      { key: 'minutes_to_respond', type: 'integer' },
      { key: 'cost', type: 'decimal' },
      { key: 'urgent', type: 'boolean' },
      { key: 'due_on', type: 'date' },
      { key: 'opened_at', type: 'datetime' },
      { key: 'tags', type: 'multi_enum', values: ['network', 'power', 'water'] },
      { key: 'watchers', type: 'references', target: 'contact' },
      { key: 'related', type: 'references', target: 'incident' },
      { key: 'assignee', type: 'user' },
      { key: 'details', type: 'json' },
      { key: 'subject', type: 'any_reference', targets: ['asset', 'contract'] },
    ],
  },
  {
    key: 'asset', label: 'Asset', fields: [
      { key: 'name', type: 'text' },
      { key: 'building', type: 'text' },
      { key: 'status', type: 'enum', values: ['active', 'retired'] },
      { key: 'location', type: 'reference', target: 'location' },
    ],
  },
  {
    key: 'location', label: 'Location', fields: [
      { key: 'name', type: 'text' },
      { key: 'floor', type: 'integer' },
      { key: 'site', type: 'reference', target: 'site' },
    ],
  },
  { key: 'site', label: 'Site', fields: [{ key: 'name', type: 'text' }, { key: 'region', type: 'text' }] },
  {
    key: 'contract', label: 'Contract', fields: [
      { key: 'name', type: 'text' },
      { key: 'status', type: 'enum', values: ['draft', 'signed'] },
      { key: 'value', type: 'decimal' },
    ],
  },
  { key: 'contact', label: 'Contact', fields: [{ key: 'name', type: 'text' }] },
  {
    key: 'task', label: 'Task', fields: [
      { key: 'title', type: 'text' },
      { key: 'incident', type: 'reference', target: 'incident' },
      { key: 'estimate', type: 'integer' },
      { key: 'done', type: 'boolean' },
      { key: 'due_on', type: 'date' },
    ],
  },
  { key: 'note', label: 'Note', fields: [{ key: 'body', type: 'text' }, { key: 'about', type: 'any_reference', targets: ['incident', 'asset'] }] },
]);

/** Roomy limits for tests that are not about limits. */
export const limits: QueryLimits = {
  defaultPageSize: 50, maxPageSize: 200, maxGroups: 1000, maxHops: 3, maxConditions: 50, maxSelect: 50,
  statementTimeoutMs: 5000, maxStreamRows: 100_000,
};

export function limitsWith(overrides: Partial<QueryLimits>): QueryLimits {
  return { ...limits, ...overrides };
}

export function parsedList(input: unknown, queryLimits: QueryLimits = limits): ListQuery {
  const result = parseQuery(input, registry, queryLimits);
  assert.ok(result.ok, JSON.stringify(result.ok ? null : result.errors));
  assert.equal(result.query.kind, 'list');
  return result.query as ListQuery;
}

export function parsedAggregate(input: unknown, queryLimits: QueryLimits = limits): AggregateQuery {
  const result = parseQuery(input, registry, queryLimits);
  assert.ok(result.ok, JSON.stringify(result.ok ? null : result.errors));
  assert.equal(result.query.kind, 'aggregate');
  return result.query as AggregateQuery;
}

/** The errors of an invalid query by pointer (one message per pointer is enough for these tests). */
export function errorsOf(input: unknown, queryLimits: QueryLimits = limits): Map<string, string> {
  const result = parseQuery(input, registry, queryLimits);
  assert.equal(result.ok, false, 'expected errors');
  return new Map(result.ok ? [] : result.errors.map((error) => [error.pointer, error.message]));
}

/** Asserts the query's errors are exactly at `pointers` and returns them by pointer. */
export function errorsAt(input: unknown, pointers: readonly string[], queryLimits: QueryLimits = limits): Map<string, string> {
  const errors = errorsOf(input, queryLimits);
  assert.deepEqual([...errors.keys()].sort(), [...pointers].sort(), JSON.stringify([...errors]));
  return errors;
}
