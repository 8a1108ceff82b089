import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WorkflowDefinition } from './definition.ts';
import { validateStateMap } from './migration.ts';
import { parseWorkflowDefinition } from './parse-definition.ts';
import { issueExample } from './test-fixtures.ts';

function definition(input: unknown): WorkflowDefinition {
  const parsed = parseWorkflowDefinition(input);
  assert.ok(parsed.ok);
  return parsed.definition;
}

const v1 = definition(issueExample);
// v2 renames in_progress to working and adds on_hold.
const v2 = definition({
  ...issueExample,
  states: [{ key: 'new', category: 'new' }, { key: 'working', category: 'active' }, { key: 'on_hold', category: 'waiting' }, ...issueExample.states.slice(2)],
  transitions: [
    { key: 'start', from: ['new'], to: 'working' }, { key: 'hold', from: ['working'], to: 'on_hold' }, { key: 'resume', from: ['on_hold'], to: 'working' },
    { key: 'resolve', from: ['working'], to: 'resolved' }, { key: 'close', from: ['resolved'], to: 'closed' },
  ],
});

describe('validateStateMap', () => {
  test('states left out keep their key; final states are not in flight', () => {
    const checked = validateStateMap(v1, v2, { in_progress: 'working' });
    assert.ok(checked.ok);
    assert.deepEqual([...checked.map], [['new', 'new'], ['in_progress', 'working'], ['resolved', 'resolved']]);
  });

  test('a state with no same-key counterpart must be mapped', () => {
    const checked = validateStateMap(v1, v2, {});
    assert.deepEqual(checked.ok ? [] : checked.errors, [{ pointer: '/state_map/in_progress', message: 'in_progress is not a state of the version migrated to: map it to one of new, working, on_hold, resolved, closed' }]);
  });

  test('refuses unknown states on either side, final states, and a map that is not an object', () => {
    const checked = validateStateMap(v1, v2, { in_progress: 'doing', ghost: 'new', closed: 'new', resolved: 7 });
    assert.deepEqual(checked.ok ? [] : checked.errors.map((error) => error.pointer), ['/state_map/in_progress', '/state_map/ghost', '/state_map/closed', '/state_map/resolved']);
    assert.deepEqual(validateStateMap(v1, v2, ['x']), { ok: false, errors: [{ pointer: '/state_map', message: 'must be an object of state keys (from_version) to state keys (to_version)' }] });
  });

  test('mapping into a final state is allowed (records finish there)', () => {
    const checked = validateStateMap(v1, v2, { in_progress: 'closed' });
    assert.ok(checked.ok);
    assert.equal(checked.map.get('in_progress'), 'closed');
  });
});
