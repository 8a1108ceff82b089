import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { resolvePointer } from '../../conditions/test-fixtures.ts';
import { parseWorkflowDefinition } from './parse-definition.ts';
import { issueExample } from './test-fixtures.ts';

function pointers(input: unknown): string[] {
  const parsed = parseWorkflowDefinition(input);
  assert.equal(parsed.ok, false, 'expected the definition to be refused');
  return parsed.ok ? [] : parsed.errors.map((error) => error.pointer);
}

function messageAt(input: unknown, pointer: string): string {
  const parsed = parseWorkflowDefinition(input);
  const found = parsed.ok ? undefined : parsed.errors.find((error) => error.pointer === pointer);
  assert.ok(found, `no error at ${pointer}: ${JSON.stringify(parsed)}`);
  return found.message;
}

/** The issue's example with one transition replaced. */
function withTransition(transition: Record<string, unknown>): unknown {
  return { ...issueExample, transitions: [transition, ...issueExample.transitions.slice(1)] };
}

describe('parseWorkflowDefinition', () => {
  test('the issue\'s example parses and comes back unchanged (it is already normal)', () => {
    const parsed = parseWorkflowDefinition(issueExample);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.definition, issueExample);
  });

  test('normalises: options that say nothing are left out', () => {
    const parsed = parseWorkflowDefinition({
      ...issueExample,
      states: issueExample.states.map((state) => ({ ...state, final: state.final ?? false, timeouts: [] })),
      transitions: issueExample.transitions.map((transition) => ({ guards: [], effects: [], ...transition })),
    });
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.definition, issueExample);
  });

  test('every option of the language parses', () => {
    const parsed = parseWorkflowDefinition({
      key: 'everything', entity_type: 'incident', label: 'All', description: 'Every option', initial: 'new',
      states: [
        { key: 'new', label: 'New', category: 'new', timeouts: [{ key: 'expire', transition: 'cancel', after: '30d', calendar: '24x7' }, { key: 'due', transition: 'cancel', at: 'due' }] },
        { key: 'done', category: 'closed', final: true, sla: { within: '1h30m', calendar: 'business-hours', at_risk: 0.5 } },
      ],
      transitions: [
        {
          key: 'cancel', label: 'Cancel', from: ['new'], to: 'done',
          input: [
            { key: 'why', type: 'enum', values: ['dup', 'spam'], required: true, label: 'Why' },
            { key: 'note', type: 'long_text', max_length: 500 },
            { key: 'other', type: 'reference', target: 'incident' },
          ],
          guards: [
            { role: ['gestor'] }, { team: ['Ops'] }, { condition: { field: 'input.why', op: 'eq', value: 'dup' } },
            { related: { relation: 'task.parent', quantifier: 'none', categories: ['active'], states: ['open'] } },
            { external: { url: 'https://guard.example/check', timeout_ms: 500, cache_seconds: 60 } },
          ],
          effects: [
            { set: { title: { literal: 'x' }, due: { now: '+2d' }, resolution: { input: 'note' }, assignee: { field: 'created_by' } } },
            { assign: { field: 'assignee', team: 'Ops' } }, { assign: { field: 'assignee', user: { current_user: true } } },
            { create: { type: 'task', values: { title: { field: 'title' } }, link: 'parent' } },
            { notify: { to: ['assignee', { role: 'gestor' }, { team: 'Ops' }], title: 'Hi', message: 'There', email: true } },
            { webhook: { event: 'incident.cancelled' } }, { event: { type: 'incident.cancelled' } },
            { start_timer: { key: 'ping', after: '1h', calendar: 'business-hours', event: 'incident.ping' } },
            { start_timer: { key: 'nudge', at: 'due', transition: 'cancel' } },
            { set: { title: { now: true } } },
          ],
        },
      ],
    });
    assert.ok(parsed.ok, JSON.stringify(parsed));
  });

  test('refuses unknown members naming the allowed ones', () => {
    assert.match(messageAt({ ...issueExample, colour: 1 }, '/colour'), /allowed: key, entity_type, label, description, initial, states, transitions/);
    assert.match(messageAt({ ...issueExample, states: [{ key: 'new', category: 'new', sla2: {} }] }, '/states/0/sla2'), /allowed: key, label, category/);
    assert.match(messageAt(withTransition({ key: 'start', from: ['new'], to: 'in_progress', guard: [] }), '/transitions/0/guard'), /allowed: key, label, from, to, input, guards, effects/);
  });

  test('points at the exact node of each problem', () => {
    assert.deepEqual(pointers({ ...issueExample, states: [{ key: 'new', category: 'open' }, { key: 'New', category: 'new' }] }), ['/states/0/category', '/states/1/key']);
    assert.deepEqual(pointers(withTransition({ key: 'start', from: ['new'], to: 'in_progress', guards: [{ role: ['gestor', 'admin'] }] })), ['/transitions/0/guards/0/role/1']);
    assert.deepEqual(pointers(withTransition({ key: 'start', from: 'new', to: 'in_progress' })), ['/transitions/0/from']);
    assert.deepEqual(pointers(withTransition({ key: 'start', from: ['new'], to: 'in_progress', guards: [{}, { role: ['gestor'], team: ['x'] }, { magic: true }] })),
      ['/transitions/0/guards/0', '/transitions/0/guards/1', '/transitions/0/guards/2/magic']);
    assert.deepEqual(pointers(withTransition({ key: 'start', from: ['new'], to: 'in_progress', guards: [{ condition: { field: 'title', op: 'like', value: 'x' } }] })),
      ['/transitions/0/guards/0/condition/op']);
    assert.deepEqual(pointers(withTransition({ key: 'start', from: ['new'], to: 'in_progress', effects: [{ set: { assignee: { current_user: 'yes' } } }, { set: { 'Bad Key': { literal: 1 } } }, { set: { title: { literal: { a: 1 } } } }, { set: { title: { now: '2d' } } }] })),
      ['/transitions/0/effects/0/set/assignee/current_user', '/transitions/0/effects/1/set/Bad Key', '/transitions/0/effects/2/set/title/literal', '/transitions/0/effects/3/set/title/now']);
    assert.deepEqual(pointers({ ...issueExample, states: [{ key: 'new', category: 'new', sla: { within: '4 hours', at_risk: 1 } }] }), ['/states/0/sla/within', '/states/0/sla/at_risk']);
    assert.deepEqual(pointers({ ...issueExample, states: [{ key: 'new', category: 'new', timeouts: [{ key: 't', transition: 'x', after: '1h', at: 'due' }, { key: 't2', transition: 'x' }] }] }),
      ['/states/0/timeouts/0', '/states/0/timeouts/1']);
    assert.deepEqual(pointers(withTransition({ key: 'start', from: ['new'], to: 'in_progress', input: [{ key: 'a', type: 'enum' }, { key: 'b', type: 'reference' }, { key: 'c', type: 'text', values: ['x'] }, { key: 'd', type: 'multi_enum' }] })),
      ['/transitions/0/input/0', '/transitions/0/input/1', '/transitions/0/input/2/values', '/transitions/0/input/3/type']);
    assert.deepEqual(pointers(withTransition({ key: 'start', from: ['new'], to: 'in_progress', guards: [{ external: { url: 'ftp://x', timeout_ms: 60_000 } }, { related: { relation: 'task.parent' } }, { related: { relation: 'tasks', categories: ['done'] } }] })),
      ['/transitions/0/guards/0/external/url', '/transitions/0/guards/0/external/timeout_ms', '/transitions/0/guards/1/related', '/transitions/0/guards/2/related/categories/0']);
    assert.deepEqual(pointers(withTransition({ key: 'start', from: ['new'], to: 'in_progress', effects: [{ assign: { field: 'assignee', user: { current_user: true }, team: 'ops' } }, { notify: {} }, { notify: { to: [{ role: 'boss' }, 5] } }, { start_timer: { key: 't', after: '1h' } }, { webhook: { event: 'Not Valid' } }] })),
      ['/transitions/0/effects/0/assign', '/transitions/0/effects/1/notify', '/transitions/0/effects/2/notify/to/0/role', '/transitions/0/effects/2/notify/to/1', '/transitions/0/effects/3/start_timer', '/transitions/0/effects/4/webhook/event']);
  });

  test('reports missing required members and the limits', () => {
    assert.deepEqual(pointers({}), ['/key', '/entity_type', '/initial', '/states', '/transitions']);
    assert.deepEqual(pointers(null), ['']);
    const many = Array.from({ length: 101 }, (_, index) => ({ key: `s${index}`, category: 'new' }));
    assert.match(messageAt({ ...issueExample, states: many }, '/states'), /at most 100/);
    const guards = Array.from({ length: 21 }, () => ({ role: ['gestor'] }));
    assert.match(messageAt(withTransition({ key: 'start', from: ['new'], to: 'in_progress', guards }), '/transitions/0/guards'), /at most 20/);
  });

  test('never throws, and every pointer exists in the input (or names a member the object lacks)', () => {
    const keys = fc.constantFrom('key', 'entity_type', 'initial', 'states', 'transitions', 'from', 'to', 'guards', 'effects', 'input', 'role', 'set', 'sla', 'category', 'x');
    const junk = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 0 }), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(keys, tie('value'), { maxKeys: 4 })),
    })).value;
    fc.assert(fc.property(fc.oneof(junk, fc.record({ ...Object.fromEntries(Object.entries(issueExample).map(([key, value]) => [key, fc.oneof(fc.constant(value), junk)])) })), (input) => {
      const parsed = parseWorkflowDefinition(input);
      if (parsed.ok) return;
      for (const error of parsed.errors) {
        const parent = error.pointer.slice(0, Math.max(0, error.pointer.lastIndexOf('/')));
        assert.ok(resolvePointer(input, error.pointer).found || resolvePointer(input, parent).found, `${error.pointer} in ${JSON.stringify(input)}`);
      }
    }), { numRuns: 300 });
  });
});
