import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WorkflowDefinition } from './definition.ts';
import { diffWorkflows } from './diff.ts';
import { parseWorkflowDefinition } from './parse-definition.ts';
import { issueExample } from './test-fixtures.ts';

function definition(input: unknown): WorkflowDefinition {
  const parsed = parseWorkflowDefinition(input);
  assert.ok(parsed.ok);
  return parsed.definition;
}

describe('diffWorkflows', () => {
  test('no change between equal definitions, whatever the order of states or keys', () => {
    const original = definition(issueExample);
    const reordered = definition({ ...issueExample, states: [...issueExample.states].reverse() });
    assert.deepEqual(diffWorkflows(original, reordered), []);
  });

  test('states and transitions added, removed and changed, and the initial state, with pointers', () => {
    const before = definition(issueExample);
    const after = definition({
      ...issueExample,
      initial: 'triage',
      states: [
        { key: 'triage', category: 'new' },
        ...issueExample.states.filter((state) => state.key !== 'new').map((state) => (state.key === 'in_progress' ? { ...state, sla: { within: '2h' } } : state)),
      ],
      transitions: [
        { key: 'start', from: ['triage'], to: 'in_progress' },
        ...issueExample.transitions.slice(1),
      ],
    });
    assert.deepEqual(diffWorkflows(before, after), [
      { change: 'changed', target: 'workflow', key: 'initial', pointer: '/initial', before: 'new', after: 'triage' },
      { change: 'removed', target: 'state', key: 'new', pointer: '/states/0', before: { key: 'new', category: 'new' } },
      { change: 'added', target: 'state', key: 'triage', pointer: '/states/0', after: { key: 'triage', category: 'new' } },
      { change: 'changed', target: 'state', key: 'in_progress', member: 'sla', pointer: '/states/1/sla', before: { within: '4h', calendar: 'business-hours' }, after: { within: '2h' } },
      { change: 'changed', target: 'transition', key: 'start', member: 'effects', pointer: '/transitions/0/effects', before: [{ set: { assignee: { current_user: true } } }] },
      { change: 'changed', target: 'transition', key: 'start', member: 'from', pointer: '/transitions/0/from', before: ['new'], after: ['triage'] },
      { change: 'changed', target: 'transition', key: 'start', member: 'guards', pointer: '/transitions/0/guards', before: [{ role: ['gestor', 'cliente'] }] },
    ]);
  });
});
