import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileGuard, compileWorkflow, guardRegistry, relatedCondition } from './compile.ts';
import { parseWorkflowDefinition } from './parse-definition.ts';
import { issueExample, registry } from './test-fixtures.ts';

describe('compile', () => {
  test('the synthetic input and actor exist only in the guard registry, on the root type only', () => {
    const transition = { key: 'resolve', from: ['in_progress'], to: 'resolved', input: [{ key: 'resolution', type: 'text' as const }] };
    const scoped = guardRegistry(registry, 'incident', transition);
    const incident = scoped.type('incident')?.fields.map((field) => field.key) ?? [];
    assert.ok(incident.includes('input') && incident.includes('actor'));
    assert.ok(!(scoped.type('asset')?.fields.map((field) => field.key) ?? []).includes('input'));
    assert.deepEqual(scoped.type('$input:resolve')?.fields, [{ key: 'resolution', type: 'text' }]);
    assert.deepEqual(scoped.type('$actor')?.fields.map((field) => field.key), ['user', 'role']);
    assert.ok(!(registry.type('incident')?.fields.map((field) => field.key) ?? []).includes('input'), 'the real registry is untouched');
  });

  test('related guards become quantifiers over state and state_category', () => {
    assert.deepEqual(relatedCondition({ relation: 'task.parent', categories: ['closed'] }),
      { every: { path: 'task.parent', where: { field: 'state_category', op: 'in', value: ['closed'] } } });
    assert.deepEqual(relatedCondition({ relation: 'task.parent', quantifier: 'none', states: ['open'], categories: ['active'] }),
      { none: { path: 'task.parent', where: { or: [{ field: 'state', op: 'in', value: ['open'] }, { field: 'state_category', op: 'in', value: ['active'] }] } } });
  });

  test('condition errors point below the guard; a registry without the type gives broken guards, never a throw', () => {
    const transition = { key: 'start', from: ['new'], to: 'in_progress' };
    const compiled = compileGuard({ condition: { field: 'nope', op: 'eq', value: 1 } }, 0, transition, 'incident', registry, '/transitions/0/guards/0');
    assert.deepEqual(compiled.ok ? [] : compiled.errors.map((error) => error.pointer), ['/transitions/0/guards/0/condition/field']);
    const parsed = parseWorkflowDefinition(issueExample);
    assert.ok(parsed.ok);
    const workflow = compileWorkflow({ key: 'incident-lifecycle', version: 1, definition: parsed.definition }, { type: () => undefined });
    assert.equal(workflow.transitions.get('resolve')?.guards[0]?.kind, 'broken');
    assert.deepEqual(workflow.leaving.get('new'), ['start']);
    assert.equal(workflow.types.size, 0);
  });
});
