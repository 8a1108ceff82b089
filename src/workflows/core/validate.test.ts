import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WorkflowDefinition } from './definition.ts';
import { parseWorkflowDefinition } from './parse-definition.ts';
import { issueExample, registry } from './test-fixtures.ts';
import { validateWorkflow, type ValidationContext } from './validate.ts';

const context: ValidationContext = { registry, teams: new Set(['ops']), calendars: new Set(['24x7', 'business-hours', 'support']) };

function parsed(input: unknown): WorkflowDefinition {
  const result = parseWorkflowDefinition(input);
  assert.ok(result.ok, JSON.stringify(result));
  return result.definition;
}

function errorsOf(input: unknown): { pointer: string; message: string }[] {
  return validateWorkflow(parsed(input), context);
}

function pointersOf(input: unknown): string[] {
  return errorsOf(input).map((error) => error.pointer);
}

const withTransition = (transition: Record<string, unknown>, extra: Record<string, unknown>[] = []) =>
  ({ ...issueExample, transitions: [transition, ...issueExample.transitions.slice(1), ...extra] });
const start = { key: 'start', from: ['new'], to: 'in_progress' };

describe('validateWorkflow', () => {
  test('the issue\'s example is valid', () => {
    assert.deepEqual(errorsOf(issueExample), []);
  });

  test('unknown entity type, initial state and states in from/to', () => {
    assert.deepEqual(pointersOf({ ...issueExample, entity_type: 'ticket' }), ['/entity_type']);
    assert.ok(pointersOf({ ...issueExample, initial: 'open' }).includes('/initial'));
    const unknown = pointersOf(withTransition({ key: 'start', from: ['new', 'nowhere'], to: 'limbo' }));
    assert.ok(unknown.includes('/transitions/0/from/1'));
    assert.ok(unknown.includes('/transitions/0/to'));
  });

  test('duplicate state, transition, input and timeout keys', () => {
    const states = [...issueExample.states, { key: 'new', category: 'new' }];
    assert.ok(pointersOf({ ...issueExample, states }).includes('/states/4/key'));
    assert.ok(pointersOf({ ...issueExample, transitions: [...issueExample.transitions, issueExample.transitions[2]] }).includes('/transitions/3/key'));
    assert.deepEqual(pointersOf(withTransition({ ...start, input: [{ key: 'a', type: 'text' }, { key: 'a', type: 'integer' }] })), ['/transitions/0/input/1/key']);
    const timeouts = [{ key: 't', transition: 'resolve', after: '1h' }, { key: 't', transition: 'resolve', after: '2h' }];
    assert.deepEqual(pointersOf({ ...issueExample, states: issueExample.states.map((state) => (state.key === 'in_progress' ? { ...state, timeouts } : state)) }), ['/states/1/timeouts/1/key']);
  });

  test('unreachable states, no final state, no path to a final state, dead ends', () => {
    const orphan = { ...issueExample, states: [...issueExample.states, { key: 'orphan', category: 'waiting' }] };
    assert.deepEqual(pointersOf(orphan), ['/states/4']);
    const noFinal = { ...issueExample, states: issueExample.states.map((state) => ({ key: state.key, category: state.category })) };
    assert.deepEqual(pointersOf(noFinal), ['/states']);
    const cut = { ...issueExample, transitions: issueExample.transitions.slice(0, 2) };
    assert.deepEqual(pointersOf(cut), ['/states/3', '/initial']);
    // `stuck` is reachable but leads nowhere final.
    const stuck = { ...issueExample, states: [...issueExample.states, { key: 'stuck', category: 'waiting' }], transitions: [...issueExample.transitions, { key: 'park', from: ['new'], to: 'stuck' }] };
    const errors = errorsOf(stuck);
    assert.deepEqual(errors.map((error) => error.pointer), ['/states/4']);
    assert.match(errors[0]!.message, /no final state can be reached from stuck/);
  });

  test('transitions out of a final state', () => {
    const reopen = { ...issueExample, transitions: [...issueExample.transitions, { key: 'reopen', from: ['closed'], to: 'new' }] };
    const errors = errorsOf(reopen);
    assert.deepEqual(errors.map((error) => error.pointer), ['/transitions/3/from/0']);
    assert.match(errors[0]!.message, /final/);
  });

  test('guards: teams, conditions (with input and actor paths), related relations', () => {
    assert.deepEqual(pointersOf(withTransition({ ...start, guards: [{ team: ['Ops', 'Nope'] }] })), ['/transitions/0/guards/0/team/1']);
    assert.deepEqual(pointersOf(withTransition({ ...start, guards: [{ condition: { field: 'asset.colour', op: 'eq', value: 'red' } }] })), ['/transitions/0/guards/0/condition/field']);
    assert.deepEqual(pointersOf(withTransition({ ...start, guards: [{ condition: { field: 'asset.status', op: 'eq', value: 'broken' } }] })), ['/transitions/0/guards/0/condition/value']);
    const inputs = { ...start, input: [{ key: 'minutes', type: 'integer' }] };
    assert.deepEqual(pointersOf(withTransition({ ...inputs, guards: [{ condition: { and: [{ field: 'input.minutes', op: 'gt', value: 5 }, { field: 'actor.role', op: 'eq', value: 'gestor' }, { field: 'actor.user', op: 'eq', value: { field: 'assignee' } }] } }] })), []);
    assert.deepEqual(pointersOf(withTransition({ ...inputs, guards: [{ condition: { field: 'input.hours', op: 'gt', value: 5 } }] })), ['/transitions/0/guards/0/condition/field']);
    assert.deepEqual(pointersOf(withTransition({ ...start, guards: [{ related: { relation: 'task.parent', categories: ['closed'] } }] })), []);
    assert.deepEqual(pointersOf(withTransition({ ...start, guards: [{ related: { relation: 'task.owner', categories: ['closed'] } }] })), ['/transitions/0/guards/0/related/relation']);
  });

  test('effects: fields, writability, value types, assign, create, notify, timers', () => {
    const check = (effects: unknown[]) => pointersOf(withTransition({ ...start, input: [{ key: 'note', type: 'text' }, { key: 'count', type: 'integer' }], effects }));
    assert.deepEqual(check([{ set: { colour: { literal: 'red' } } }]), ['/transitions/0/effects/0/set/colour']);
    assert.deepEqual(check([{ set: { created_by: { current_user: true } } }]), ['/transitions/0/effects/0/set/created_by']);
    assert.deepEqual(check([{ set: { title: { current_user: true } } }]), ['/transitions/0/effects/0/set/title/current_user']);
    assert.deepEqual(check([{ set: { title: { now: true } } }]), ['/transitions/0/effects/0/set/title/now']);
    assert.deepEqual(check([{ set: { due: { now: '+1d' }, resolution: { input: 'note' }, title: { literal: 'x' }, assignee: { field: 'created_by' } } }]), []);
    assert.deepEqual(check([{ set: { resolution: { input: 'missing' } } }]), ['/transitions/0/effects/0/set/resolution/input']);
    assert.deepEqual(check([{ set: { title: { input: 'count' } } }]), ['/transitions/0/effects/0/set/title/input']);
    assert.deepEqual(check([{ set: { due: { literal: 'tomorrow' } } }]), ['/transitions/0/effects/0/set/due/literal']);
    assert.deepEqual(check([{ set: { assignee: { field: 'title' } } }]), ['/transitions/0/effects/0/set/assignee/field']);
    assert.deepEqual(check([{ assign: { field: 'title', team: 'ops' } }]), ['/transitions/0/effects/0/assign/field']);
    assert.deepEqual(check([{ assign: { field: 'assignee', team: 'nobody' } }]), ['/transitions/0/effects/0/assign/team']);
    assert.deepEqual(check([{ create: { type: 'ticket' } }]), ['/transitions/0/effects/0/create/type']);
    assert.deepEqual(check([{ create: { type: 'task', link: 'title', values: { title: { field: 'title' } } } }]), ['/transitions/0/effects/0/create/link']);
    assert.deepEqual(check([{ create: { type: 'task', link: 'parent', values: { title: { field: 'title' }, size: { literal: 1 } } } }]), ['/transitions/0/effects/0/create/values/size']);
    assert.deepEqual(check([{ notify: { to: ['assignee', 'created_by', 'title', { role: 'gestor' }, { team: 'nope' }] } }]), ['/transitions/0/effects/0/notify/to/2', '/transitions/0/effects/0/notify/to/4/team']);
    assert.deepEqual(check([{ notify: { to: 'asset' } }]), ['/transitions/0/effects/0/notify/to']);
    assert.deepEqual(check([{ start_timer: { key: 'remind', after: '1h', transition: 'resolve' } }, { start_timer: { key: 'remind', at: 'due', event: 'x.y' } }]), ['/transitions/0/effects/1/start_timer/key']);
    assert.deepEqual(check([{ start_timer: { key: 'remind', after: '1h', transition: 'close' } }]), ['/transitions/0/effects/0/start_timer/transition']);
    assert.deepEqual(check([{ start_timer: { key: 'remind', at: 'title', event: 'x.y', calendar: 'lunar' } }]), ['/transitions/0/effects/0/start_timer/at', '/transitions/0/effects/0/start_timer/calendar']);
  });

  test('states: SLA and timeout calendars, timeout transitions and fields', () => {
    const state = (extra: Record<string, unknown>) => ({ ...issueExample, states: issueExample.states.map((candidate) => (candidate.key === 'in_progress' ? { key: 'in_progress', category: 'active', ...extra } : candidate)) });
    assert.deepEqual(pointersOf(state({ sla: { within: '4h', calendar: 'lunar' } })), ['/states/1/sla/calendar']);
    assert.deepEqual(pointersOf(state({ sla: { within: '4h', calendar: 'support' } })), []);
    assert.deepEqual(pointersOf(state({ timeouts: [{ key: 'a', transition: 'close', after: '1d' }, { key: 'b', transition: 'nope', after: '1d' }, { key: 'c', transition: 'resolve', at: 'title' }, { key: 'd', transition: 'resolve', at: 'due', calendar: 'lunar' }] })),
      ['/states/1/timeouts/0/transition', '/states/1/timeouts/1/transition', '/states/1/timeouts/2/at', '/states/1/timeouts/3/calendar']);
  });

  test('inputs: a reference input needs a known target', () => {
    assert.deepEqual(pointersOf(withTransition({ ...start, input: [{ key: 'other', type: 'reference', target: 'ticket' }] })), ['/transitions/0/input/0/target']);
  });
});
