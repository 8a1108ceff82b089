// The engine with no database: the issue's example and every guard, effect
// and refusal, with a fixed clock (factsOf: Monday 2026-03-02 10:00 in São Paulo).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileWorkflow, needsOf, type CompiledWorkflow } from './compile.ts';
import type { EngineAnswer, EngineRecord } from './decision.ts';
import type { WorkflowDefinition } from './definition.ts';
import { availableTransitions, decide, enterState, slaView } from './engine.ts';
import { parseWorkflowDefinition } from './parse-definition.ts';
import {
  ASSET_ID, OTHER_USER_ID, USER_ID, apiKey, factsOf, issueExample, member, recordOf, registry, registryOf, system,
} from './test-fixtures.ts';
import { validateWorkflow } from './validate.ts';

function definitionOf(input: unknown): WorkflowDefinition {
  const parsed = parseWorkflowDefinition(input);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  const errors = validateWorkflow(parsed.definition, { registry, teams: new Set(['ops']), calendars: new Set(['24x7', 'business-hours']) });
  assert.deepEqual(errors, []);
  return parsed.definition;
}

function compiledOf(input: unknown = issueExample): CompiledWorkflow {
  return compileWorkflow({ key: 'incident-lifecycle', version: 3, definition: definitionOf(input) }, registry);
}

function decision(answer: EngineAnswer) {
  assert.ok(answer.ok, JSON.stringify(answer));
  return answer.decision;
}

function refusal(answer: EngineAnswer) {
  assert.ok(!answer.ok, JSON.stringify(answer));
  return answer.refusal;
}

/** The example with `start` replaced (from new to in_progress). */
function withStart(extra: Record<string, unknown>): CompiledWorkflow {
  return compiledOf({ ...issueExample, transitions: [{ key: 'start', from: ['new'], to: 'in_progress', ...extra }, ...issueExample.transitions.slice(1)] });
}

const tasks = (...states: [string, string][]) => states.map(([state, category], index) => ({
  id: `0190f5a0-0000-7000-8000-00000000010${index}`, type: 'task', parent: '0190f5a0-0000-7000-8000-0000000000aa', state, state_category: category,
}));

describe('decide: the issue\'s example', () => {
  const compiled = compiledOf();

  test('start: the role guard passes, the caller becomes the assignee, the SLA is 4 business hours', () => {
    const made = decision(decide(compiled, recordOf('new'), member, 'start', undefined, factsOf()));
    assert.equal(made.from, 'new');
    assert.equal(made.to, 'in_progress');
    assert.equal(made.toCategory, 'active');
    assert.equal(made.final, false);
    assert.deepEqual(made.changes, { assignee: USER_ID });
    assert.deepEqual(made.guards, [{ index: 0, kind: 'role', passed: true }]);
    // Monday 10:00 São Paulo + 4 working hours = 14:00 (-03:00); at risk after 80 % = 13:12.
    assert.deepEqual(made.sla, { dueAt: new Date('2026-03-02T17:00:00Z'), atRiskAt: new Date('2026-03-02T16:12:00Z') });
    assert.deepEqual(made.timers, [
      { kind: 'sla_at_risk', key: 'sla_at_risk', dueAt: new Date('2026-03-02T16:12:00Z') },
      { kind: 'sla_breached', key: 'sla_breached', dueAt: new Date('2026-03-02T17:00:00Z') },
    ]);
    assert.deepEqual(made.effectKinds, ['set']);
  });

  test('an API key has no role: the guard fails and says why; the system actor passes', () => {
    const refused = refusal(decide(compiled, recordOf('new'), apiKey, 'start', {}, factsOf()));
    assert.equal(refused.reason, 'guard-failed');
    assert.deepEqual(refused.guards, [{ index: 0, kind: 'role', passed: false, reason: 'needs the role gestor or cliente; API keys have no role' }]);
    assert.deepEqual(decision(decide(compiled, recordOf('new'), system, 'start', {}, factsOf())).changes, { assignee: null });
  });

  test('resolve: needs its input, checks the asset, then plans the webhook and notifies the creator', () => {
    const record = recordOf('in_progress');
    const missing = refusal(decide(compiled, record, member, 'resolve', {}, factsOf()));
    assert.equal(missing.reason, 'invalid-input');
    assert.deepEqual(missing.errors, [{ pointer: '/input/resolution', message: 'is required' }]);
    const wrong = refusal(decide(compiled, record, member, 'resolve', { resolution: 5, extra: true }, factsOf()));
    assert.deepEqual(wrong.errors?.map((error) => error.pointer), ['/input/extra', '/input/resolution']);
    assert.equal(refusal(decide(compiled, record, member, 'resolve', 'text', factsOf())).errors?.[0]?.pointer, '/input');

    const retired = factsOf({ related: [{ id: ASSET_ID, type: 'asset', status: 'retired' }] });
    const refused = refusal(decide(compiled, record, member, 'resolve', { resolution: 'Fixed' }, retired));
    assert.equal(refused.reason, 'guard-failed');
    assert.match(refused.guards?.[0]?.reason ?? '', /the condition is not met/);
    // The asset was not loaded (or the caller cannot see it): unknown, which fails too, saying so.
    const unknown = refusal(decide(compiled, record, member, 'resolve', { resolution: 'Fixed' }, factsOf({ related: [] })));
    assert.match(unknown.guards?.[0]?.reason ?? '', /cannot be decided/);

    const made = decision(decide(compiled, record, member, 'resolve', { resolution: 'Fixed' }, factsOf()));
    assert.deepEqual(made.input, { resolution: 'Fixed' });
    assert.deepEqual(made.effects, [
      { kind: 'webhook', event: 'incident.resolved', index: 0 },
      { kind: 'notify', users: [OTHER_USER_ID], roles: [], teams: [], title: 'resolve: in_progress → resolved', message: null, email: false, index: 1 },
    ]);
    assert.equal(made.sla, null);
    assert.deepEqual(made.timers, []);
  });

  test('refusals: unknown transition, not from this state, final state', () => {
    assert.equal(refusal(decide(compiled, recordOf('new'), member, 'explode', {}, factsOf())).reason, 'unknown-transition');
    const wrongState = refusal(decide(compiled, recordOf('new'), member, 'close', {}, factsOf()));
    assert.equal(wrongState.reason, 'not-from-state');
    assert.match(wrongState.message, /close leaves resolved; the record is in new/);
    assert.equal(refusal(decide(compiled, recordOf('closed'), member, 'close', {}, factsOf())).reason, 'final-state');
  });

  test('is deterministic: the same inputs give the same answer', () => {
    const facts = factsOf();
    assert.deepEqual(decide(compiled, recordOf('new'), member, 'start', {}, facts), decide(compiledOf(), recordOf('new'), member, 'start', {}, facts));
  });
});

describe('availableTransitions', () => {
  test('lists the transitions leaving the state with their guards and inputs', () => {
    const compiled = compiledOf();
    assert.deepEqual(availableTransitions(compiled, recordOf('in_progress'), member, factsOf()), [
      { key: 'resolve', to: 'resolved', allowed: true, guards: [{ index: 0, kind: 'condition', passed: true }], input: [{ key: 'resolution', type: 'text', required: true }] },
    ]);
    const [start] = availableTransitions(compiled, recordOf('new'), apiKey, factsOf());
    assert.equal(start?.allowed, false);
    assert.match(start?.guards[0]?.reason ?? '', /API keys have no role/);
    assert.deepEqual(availableTransitions(compiled, recordOf('closed'), member, factsOf()), []);
  });

  test('a guard that reads the input is not judged before the input is given, unless it is false anyway', () => {
    const compiled = withStart({
      input: [{ key: 'minutes', type: 'integer' }],
      guards: [{ condition: { field: 'input.minutes', op: 'gt', value: 5 } }, { condition: { and: [{ field: 'input.minutes', op: 'gt', value: 5 }, { field: 'title', op: 'eq', value: 'other' }] } }],
    });
    const [start] = availableTransitions(compiled, recordOf('new'), member, factsOf());
    assert.deepEqual(start?.guards.map((guard) => guard.passed), [true, false]);
    const refused = refusal(decide(compiled, recordOf('new'), member, 'start', {}, factsOf()));
    assert.deepEqual(refused.guards?.map((guard) => guard.passed), [false, false]);
  });
});

describe('guards', () => {
  test('team: members of the team pass (case-insensitive), the system passes', () => {
    const compiled = withStart({ guards: [{ team: ['OPS'] }] });
    assert.ok(decide(compiled, recordOf('new'), member, 'start', {}, factsOf()).ok);
    assert.ok(decide(compiled, recordOf('new'), system, 'start', {}, factsOf()).ok);
    const refused = refusal(decide(compiled, recordOf('new'), { ...member, teams: ['sales'] }, 'start', {}, factsOf()));
    assert.match(refused.guards?.[0]?.reason ?? '', /team ops/);
  });

  test('condition: input and actor paths', () => {
    const compiled = withStart({
      input: [{ key: 'minutes', type: 'integer', required: true }],
      guards: [{ condition: { and: [{ field: 'input.minutes', op: 'lte', value: 60 }, { field: 'actor.role', op: 'eq', value: 'gestor' }, { field: 'actor.user', op: 'eq', value: { current_user: true } }] } }],
    });
    assert.ok(decide(compiled, recordOf('new'), member, 'start', { minutes: 30 }, factsOf()).ok);
    assert.equal(refusal(decide(compiled, recordOf('new'), member, 'start', { minutes: 90 }, factsOf())).reason, 'guard-failed');
    assert.equal(refusal(decide(compiled, recordOf('new'), { ...member, role: 'cliente' }, 'start', { minutes: 30 }, factsOf())).reason, 'guard-failed');
  });

  test('related: every child task closed (vacuously true without tasks)', () => {
    const compiled = withStart({ guards: [{ related: { relation: 'task.parent', categories: ['closed', 'cancelled'] } }] });
    assert.ok(decide(compiled, recordOf('new'), member, 'start', {}, factsOf({ related: tasks(['done', 'closed'], ['dropped', 'cancelled']) })).ok);
    assert.ok(decide(compiled, recordOf('new'), member, 'start', {}, factsOf({ related: [] })).ok);
    const refused = refusal(decide(compiled, recordOf('new'), member, 'start', {}, factsOf({ related: tasks(['done', 'closed'], ['doing', 'active']) })));
    assert.match(refused.guards?.[0]?.reason ?? '', /not every related record through task.parent is in category closed or category cancelled/);
    const some = withStart({ guards: [{ related: { relation: 'task.parent', quantifier: 'some', states: ['doing'] } }] });
    assert.ok(decide(some, recordOf('new'), member, 'start', {}, factsOf({ related: tasks(['done', 'closed'], ['doing', 'active']) })).ok);
    const none = withStart({ guards: [{ related: { relation: 'task.parent', quantifier: 'none', states: ['doing'] } }] });
    assert.ok(!decide(none, recordOf('new'), member, 'start', {}, factsOf({ related: tasks(['doing', 'active']) })).ok);
  });

  test('external: the answer the service fetched decides; none fetched fails as not evaluated', () => {
    const compiled = withStart({ guards: [{ role: ['gestor'] }, { external: { url: 'https://guard.example/ok' } }] });
    const with_ = (answer: Parameters<typeof factsOf>[0]) => decide(compiled, recordOf('new'), member, 'start', {}, factsOf(answer));
    assert.ok(with_({ external: new Map([[1, { ok: true, allow: true }]]) }).ok);
    assert.match(refusal(with_({})).guards?.[1]?.reason ?? '', /was not evaluated/);
    assert.match(refusal(with_({ external: new Map([[1, { ok: false, error: 'timed out after 2000 ms' }]]) })).guards?.[1]?.reason ?? '', /failed: timed out/);
    assert.match(refusal(with_({ external: new Map([[1, { ok: true, allow: false, reason: 'frozen' }]]) })).guards?.[1]?.reason ?? '', /refused: frozen/);
  });

  test('a guard that no longer compiles (a field removed after publishing) fails with a reason, and compiling does not throw', () => {
    const definition = definitionOf(issueExample);
    const shrunk = registryOf([{ key: 'incident', label: 'Incident', fields: [{ key: 'title', type: 'text' }, { key: 'assignee', type: 'user' }, { key: 'asset', type: 'text' }] }]);
    const compiled = compileWorkflow({ key: 'incident-lifecycle', version: 1, definition }, shrunk);
    const refused = refusal(decide(compiled, recordOf('in_progress'), member, 'resolve', { resolution: 'x' }, factsOf()));
    assert.equal(refused.guards?.[0]?.kind, 'condition');
    assert.match(refused.guards?.[0]?.reason ?? '', /no longer fits the entity types/);
  });
});

describe('effects', () => {
  test('set: literal, now with an offset, input, and a field read after an earlier set', () => {
    const compiled = withStart({
      input: [{ key: 'note', type: 'long_text' }],
      effects: [
        { set: { title: { literal: 'Taken' }, due: { now: '+2d' }, resolution: { input: 'note' } } },
        { set: { assignee: { field: 'created_by' } } },
        { set: { resolution: { field: 'title' } } },
      ],
    });
    const made = decision(decide(compiled, recordOf('new'), member, 'start', { note: 'n' }, factsOf()));
    assert.deepEqual(made.changes, { title: 'Taken', due: '2026-03-04T13:00:00.000Z', resolution: 'Taken', assignee: OTHER_USER_ID });
  });

  test('assign by team: the least loaded member, ties by user id; an empty team leaves the field and notes it', () => {
    const compiled = withStart({ effects: [{ assign: { field: 'assignee', team: 'Ops' } }] });
    const loads = new Map([['ops', [{ userId: 'b-user', open: 1 }, { userId: 'c-user', open: 3 }, { userId: 'a-user', open: 1 }]]]);
    assert.deepEqual(decision(decide(compiled, recordOf('new'), member, 'start', {}, factsOf({ teamLoads: loads }))).changes, { assignee: 'a-user' });
    const empty = decision(decide(compiled, recordOf('new'), member, 'start', {}, factsOf()));
    assert.deepEqual(empty.changes, {});
    assert.deepEqual(empty.notes, [{ index: 0, kind: 'assign', note: 'team Ops has no member: assignee left unchanged' }]);
    const direct = withStart({ effects: [{ assign: { field: 'assignee', user: { current_user: true } } }] });
    assert.deepEqual(decision(decide(direct, recordOf('new'), member, 'start', {}, factsOf())).changes, { assignee: USER_ID });
  });

  test('create, notify, webhook and event become planned effects in order', () => {
    const compiled = withStart({
      effects: [
        { set: { assignee: { current_user: true } } },
        { create: { type: 'task', link: 'parent', values: { title: { field: 'title' } } } },
        { notify: { to: ['assignee', 'created_by', { role: 'gestor' }, { team: 'Ops' }], title: 'Taken', message: 'On it', email: true } },
        { webhook: { event: 'incident.started' } },
        { event: { type: 'incident.started' } },
      ],
    });
    const made = decision(decide(compiled, recordOf('new'), member, 'start', {}, factsOf()));
    assert.deepEqual(made.effects, [
      { kind: 'create', type: 'task', values: { title: 'Printer on fire' }, link: 'parent', index: 1 },
      { kind: 'notify', users: [USER_ID, OTHER_USER_ID].sort(), roles: ['gestor'], teams: ['ops'], title: 'Taken', message: 'On it', email: true, index: 2 },
      { kind: 'webhook', event: 'incident.started', index: 3 },
      { kind: 'event', type: 'incident.started', index: 4 },
    ]);
    assert.deepEqual(made.effectKinds, ['set', 'create', 'notify', 'webhook', 'event']);
  });

  test('start_timer: after (working time of its calendar) and at (a field, possibly just set); an empty field notes it', () => {
    const compiled = withStart({
      effects: [
        { start_timer: { key: 'nudge', after: '8h', calendar: 'business-hours', transition: 'resolve' } },
        { set: { due: { now: '+1d' } } },
        { start_timer: { key: 'deadline', at: 'due', event: 'incident.due' } },
      ],
    });
    const made = decision(decide(compiled, recordOf('new'), member, 'start', {}, factsOf()));
    assert.deepEqual(made.timers.filter((timer) => timer.key === 'nudge' || timer.key === 'deadline'), [
      // Monday 10:00 + 8 working hours (09:00-18:00) = Monday 18:00 local (the end of the period, not Tuesday 09:00) = 21:00Z
      { kind: 'transition', key: 'nudge', dueAt: new Date('2026-03-02T21:00:00Z'), transition: 'resolve' },
      { kind: 'event', key: 'deadline', dueAt: new Date('2026-03-03T13:00:00Z'), event: 'incident.due' },
    ]);
    const early = withStart({ effects: [{ start_timer: { key: 'deadline', at: 'due', event: 'incident.due' } }] });
    assert.deepEqual(decision(decide(early, recordOf('new'), member, 'start', {}, factsOf())).notes, [{ index: 0, kind: 'start_timer', note: 'field due holds no date or datetime: no timer' }]);
  });
});

describe('enterState and slaView', () => {
  const definition = {
    ...issueExample,
    states: [
      { key: 'new', category: 'new', timeouts: [{ key: 'expire', transition: 'start', after: '2d' }, { key: 'due', transition: 'start', at: 'due' }] },
      { key: 'in_progress', category: 'active', sla: { within: '1h', at_risk: 0.5 } },
      ...issueExample.states.slice(2),
    ],
  };

  test('timeouts after a duration and at a field; a missing field arms nothing', () => {
    const compiled = compiledOf(definition);
    const at = new Date('2026-03-02T13:00:00Z');
    const entered = enterState(compiled, 'new', recordOf('new', { due: '2026-03-10T12:00:00-03:00' }), factsOf(), at);
    assert.deepEqual(entered, {
      category: 'new', final: false, sla: null,
      timers: [
        { kind: 'transition', key: 'expire', dueAt: new Date('2026-03-04T13:00:00Z'), transition: 'start' },
        { kind: 'transition', key: 'due', dueAt: new Date('2026-03-10T15:00:00Z'), transition: 'start' },
      ],
    });
    assert.equal(enterState(compiled, 'new', recordOf('new'), factsOf(), at).timers.length, 1);
    assert.throws(() => enterState(compiled, 'limbo', recordOf('new'), factsOf(), at));
  });

  test('an SLA on 24x7 by default, with its at-risk fraction; a final state', () => {
    const compiled = compiledOf(definition);
    const at = new Date('2026-03-07T12:00:00Z'); // a Saturday: 24x7 counts it
    const entered = enterState(compiled, 'in_progress', recordOf('in_progress'), factsOf(), at);
    assert.deepEqual(entered.sla, { dueAt: new Date('2026-03-07T13:00:00Z'), atRiskAt: new Date('2026-03-07T12:30:00Z') });
    assert.deepEqual(enterState(compiled, 'closed', recordOf('closed'), factsOf(), at), { category: 'closed', final: true, sla: null, timers: [] });
  });

  test('a calendar with no working time gives no SLA instead of throwing', () => {
    const compiled = compiledOf({ ...issueExample, states: issueExample.states.map((state) => (state.key === 'in_progress' ? { ...state, sla: { within: '4h', calendar: 'business-hours' } } : state)) });
    const never = new Map([['business-hours', { key: 'business-hours', timeZone: 'UTC', workingHours: {}, holidays: [] }]]);
    assert.equal(enterState(compiled, 'in_progress', recordOf('in_progress'), factsOf({ calendars: never }), new Date('2026-03-02T13:00:00Z')).sla, null);
  });

  test('slaView: ok, at risk, breached, with wall-clock seconds remaining', () => {
    const due = new Date('2026-03-02T17:00:00Z');
    const risk = new Date('2026-03-02T16:12:00Z');
    assert.equal(slaView(null, null, due), null);
    assert.deepEqual(slaView(due, risk, new Date('2026-03-02T16:00:00Z')), { status: 'ok', remaining_seconds: 3600 });
    assert.deepEqual(slaView(due, risk, new Date('2026-03-02T16:30:00Z')), { status: 'at_risk', remaining_seconds: 1800 });
    assert.deepEqual(slaView(due, risk, new Date('2026-03-02T17:00:00Z')), { status: 'breached', remaining_seconds: 0 });
    assert.deepEqual(slaView(due, risk, new Date('2026-03-02T17:01:00Z')), { status: 'breached', remaining_seconds: -60 });
  });
});

describe('needsOf', () => {
  test('what guards read beyond the record, without the synthetic input and actor hops', () => {
    const compiled = withStart({
      input: [{ key: 'minutes', type: 'integer' }],
      guards: [{ condition: { and: [{ field: 'input.minutes', op: 'gt', value: 1 }, { field: 'actor.role', op: 'eq', value: 'gestor' }] } }, { related: { relation: 'task.parent', categories: ['closed'] } }],
    });
    const start = needsOf(compiled, ['start']);
    assert.deepEqual([...start.follow.keys()], []);
    assert.deepEqual([...start.reverse.keys()], ['task.parent']);
    assert.deepEqual([...needsOf(compiled, ['resolve']).follow.keys()], ['asset']);
    assert.deepEqual([...needsOf(compiled, ['close', 'nope']).follow.keys()], []);
  });
});

describe('records as the engine sees them', () => {
  test('system fields are readable by conditions (state, created_by)', () => {
    const compiled = withStart({ guards: [{ condition: { and: [{ field: 'state', op: 'eq', value: 'new' }, { field: 'created_by', op: 'eq', value: OTHER_USER_ID }] } }] });
    const record: EngineRecord = recordOf('new');
    assert.ok(decide(compiled, record, member, 'start', {}, factsOf()).ok);
  });
});
