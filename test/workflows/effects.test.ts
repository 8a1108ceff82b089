// Effects and relational guards (issue #6, "Side effects", "Guards"): a
// `create` effect makes a child record that starts its own workflow with the
// parent linked; a `related` guard ("all child tasks closed"); `notify` to
// roles and teams with email through the outbox; `assign` to a team's least
// loaded member; `event` and `webhook` outbox rows written in the
// transition's transaction; and an effect that fails rolls everything back.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../helpers/problem.ts';
import { signup, type SignedUp } from '../helpers/test-app.ts';
import { defineType } from '../helpers/entities.ts';
import { AdminDb, addMember, type Joined } from '../members/helpers.ts';
import { startWorkflowApp, type WorkflowApp } from './workflow-app.ts';
import { available, create, perform, publish } from './transition-fixtures.ts';

const CASE = {
  key: 'case',
  label: 'Case',
  fields: [
    { key: 'title', type: 'text' },
    { key: 'handler', type: 'user' },
    { key: 'code', type: 'text', max_length: 3 },
  ],
};
const TASK = {
  key: 'task',
  label: 'Task',
  fields: [
    { key: 'parent', type: 'reference', target: 'case', on_delete: 'cascade' },
    { key: 'title', type: 'text' },
  ],
};

const TASK_FLOW = {
  key: 'task-flow',
  entity_type: 'task',
  initial: 'todo',
  states: [
    { key: 'todo', category: 'new' },
    { key: 'done', category: 'closed', final: true },
  ],
  transitions: [{ key: 'complete', from: ['todo'], to: 'done' }],
};

const CASE_FLOW = {
  key: 'case-flow',
  entity_type: 'case',
  initial: 'new',
  states: [
    { key: 'new', category: 'new' },
    { key: 'open', category: 'active' },
    { key: 'closed', category: 'closed', final: true },
  ],
  transitions: [
    {
      key: 'triage',
      from: ['new'],
      to: 'open',
      effects: [
        { assign: { field: 'handler', team: 'support' } },
        { create: { type: 'task', values: { title: { literal: 'Investigate' } }, link: 'parent' } },
        { notify: { to: [{ role: 'gestor' }, { team: 'support' }], title: 'Case triaged', message: 'Have a look', email: true } },
        { event: { type: 'case.triaged' } },
      ],
    },
    {
      key: 'recode',
      from: ['open'],
      to: 'open',
      input: [{ key: 'code', type: 'text' }],
      effects: [{ set: { code: { input: 'code' } } }, { webhook: { event: 'case.recoded' } }, { notify: { to: 'created_by' } }],
    },
    {
      key: 'close',
      from: ['open'],
      to: 'closed',
      guards: [{ related: { relation: 'task.parent', quantifier: 'every', categories: ['closed'] } }],
    },
  ],
};

describe('workflow effects', () => {
  let app: WorkflowApp;
  let admin: AdminDb;
  let owner: SignedUp;
  let first: Joined;
  let second: Joined;

  before(async () => {
    app = await startWorkflowApp();
    admin = await AdminDb.connect(app);
    owner = await signup(app);
    first = await addMember(app, owner, 'cliente');
    second = await addMember(app, owner, 'cliente');
    const team = await app.request({ method: 'POST', url: '/api/teams', token: owner.token, body: { name: 'Support' } });
    assert.equal(team.statusCode, 201, team.body);
    for (const member of [first, second]) {
      const added = await app.request({ method: 'POST', url: `/api/teams/${team.json().id}/members`, token: owner.token, body: { user_id: member.userId } });
      assert.equal(added.statusCode, 201, added.body);
    }
    await defineType(app, owner.token, CASE);
    await defineType(app, owner.token, TASK);
    await publish(app, owner.token, TASK_FLOW);
    await publish(app, owner.token, CASE_FLOW);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  const notificationCount = async (recordId: string): Promise<number> =>
    (await admin.query<{ n: number }>(`select count(*)::int as n from notifications where record_id = $1`, [recordId])).rows[0]?.n ?? 0;

  const leastLoadedFirst = () => [first, second].sort((a, b) => (a.userId < b.userId ? -1 : 1));

  test('triage creates a child task in its own workflow, assigns, notifies and emits, all in one transaction', async () => {
    const kase = await create(app, owner.token, 'case', { title: 'Broken login' });
    const triaged = await perform(app, owner.token, 'case', kase.id, 'triage');
    assert.equal(triaged.statusCode, 200, triaged.body);
    const record = triaged.json().record;
    // Both support members have no open case: the tie goes to the lower user id.
    const [expected] = leastLoadedFirst();
    assert.equal(record.handler, expected?.userId);

    const tasks = await app.request({ method: 'GET', url: `/api/records/task?filter[parent]=${kase.id}`, token: owner.token });
    assert.equal(tasks.statusCode, 200, tasks.body);
    const [task] = tasks.json().data;
    assert.equal(task.title, 'Investigate');
    assert.equal(task.parent, kase.id);
    assert.equal(task.state, 'todo');
    assert.equal(task.workflow_version, 1);
    const taskHistory = (await app.request({ method: 'GET', url: `/api/records/task/${task.id}/history`, token: owner.token })).json();
    assert.deepEqual(taskHistory.data.map((entry: { kind: string }) => entry.kind), ['create']);

    // Notifications: every gestor (the owner) and every member of Support; emails through the outbox.
    for (const member of [owner, first, second]) {
      const mine = (await app.request({ method: 'GET', url: '/api/notifications?unread=true', token: member.token })).json();
      assert.equal(mine.data.length, 1, `notifications of ${member.userId}`);
      assert.equal(mine.data[0].title, 'Case triaged');
      assert.equal(mine.data[0].body, 'Have a look');
    }
    const emails = await admin.events(owner.tenantId, 'notification.email_requested');
    assert.deepEqual(emails.map((email) => email.payload.user_id).sort(), [owner.userId, first.userId, second.userId].sort());
    assert.ok(emails.every((email) => typeof email.payload.email === 'string' && email.payload.title === 'Case triaged'));
    const events = await admin.events(owner.tenantId, 'case.triaged', kase.id);
    assert.equal(events.length, 1);

    const history = (await app.request({ method: 'GET', url: `/api/records/case/${kase.id}/history`, token: owner.token })).json();
    const effects = history.data.at(-1).effects as Record<string, unknown>[];
    assert.deepEqual(effects.map((effect) => effect.kind), ['assign', 'create', 'notify', 'event']);
    assert.equal(effects[1]?.id, task.id);
    assert.equal(effects[3]?.outbox_id, (await admin.query<{ id: string }>(`select id from outbox where event_type = 'case.triaged' and subject_id = $1`, [kase.id])).rows[0]?.id);

    // The next triage goes to the other member: the first now has an open case.
    const next = await create(app, owner.token, 'case', { title: 'Second' });
    const nextTriaged = await perform(app, owner.token, 'case', next.id, 'triage');
    assert.equal(nextTriaged.json().record.handler, leastLoadedFirst()[1]?.userId);
  });

  test('close needs every child task closed (a related guard)', async () => {
    const kase = await create(app, owner.token, 'case', { title: 'Needs tasks done' });
    assert.equal((await perform(app, owner.token, 'case', kase.id, 'triage')).statusCode, 200);
    const extra = await create(app, owner.token, 'task', { title: 'Also this', parent: kase.id });

    const listed = (await available(app, owner.token, 'case', kase.id)).json();
    const close = listed.transitions.find((transition: { key: string }) => transition.key === 'close');
    assert.equal(close.allowed, false);
    assert.match(close.guards[0].reason, /task\.parent/);
    assertProblem(await perform(app, owner.token, 'case', kase.id, 'close'), 422, 'transition-guard-failed');

    const tasks = (await app.request({ method: 'GET', url: `/api/records/task?filter[parent]=${kase.id}`, token: owner.token })).json().data as { id: string }[];
    assert.equal(tasks.length, 2);
    assert.equal((await perform(app, owner.token, 'task', extra.id, 'complete')).statusCode, 200);
    assertProblem(await perform(app, owner.token, 'case', kase.id, 'close'), 422, 'transition-guard-failed');
    for (const task of tasks.filter((candidate) => candidate.id !== extra.id)) {
      assert.equal((await perform(app, owner.token, 'task', task.id, 'complete')).statusCode, 200);
    }
    const closed = await perform(app, owner.token, 'case', kase.id, 'close');
    assert.equal(closed.statusCode, 200, closed.body);
    assert.equal(closed.json().record.state, 'closed');
  });

  test('an effect that fails rolls the whole transition back: no state change, history or outbox row', async () => {
    const kase = await create(app, owner.token, 'case', { title: 'Recode me' });
    assert.equal((await perform(app, owner.token, 'case', kase.id, 'triage')).statusCode, 200);
    const before = (await app.request({ method: 'GET', url: `/api/records/case/${kase.id}`, token: owner.token })).json();
    const historyBefore = (await app.request({ method: 'GET', url: `/api/records/case/${kase.id}/history`, token: owner.token })).json().data.length;
    const notificationsBefore = await notificationCount(kase.id);

    // `code` has max_length 3: the set effect's value fails the record's validation.
    const refused = await perform(app, owner.token, 'case', kase.id, 'recode', { input: { code: 'TOO-LONG' } });
    const problem = assertProblem(refused, 422, 'validation-failed');
    assert.deepEqual((problem.errors as { pointer: string }[]).map((error) => error.pointer), ['/code']);
    const after = (await app.request({ method: 'GET', url: `/api/records/case/${kase.id}`, token: owner.token })).json();
    assert.equal(after.version, before.version);
    assert.equal((await app.request({ method: 'GET', url: `/api/records/case/${kase.id}/history`, token: owner.token })).json().data.length, historyBefore);
    assert.equal((await admin.events(owner.tenantId, 'case.recoded', kase.id)).length, 0);
    assert.equal(await notificationCount(kase.id), notificationsBefore);

    // A valid value: the state stays (open → open), the field changes, the webhook row and notification are written with it.
    const recoded = await perform(app, owner.token, 'case', kase.id, 'recode', { input: { code: 'ABC' } });
    assert.equal(recoded.statusCode, 200, recoded.body);
    assert.equal(recoded.json().record.code, 'ABC');
    assert.equal(recoded.json().record.state, 'open');
    const webhooks = await admin.events(owner.tenantId, 'case.recoded', kase.id);
    assert.equal(webhooks.length, 1);
    assert.deepEqual(
      { from: webhooks[0]?.payload.from, to: webhooks[0]?.payload.to, actor: webhooks[0]?.payload.actor },
      { from: 'open', to: 'open', actor: { type: 'user', id: owner.userId } },
    );
    assert.equal(await notificationCount(kase.id), notificationsBefore + 1);
    const transitioned = await admin.audit(owner.tenantId, 'record.transitioned', kase.id);
    assert.equal(transitioned.length, 2);
    const recordEvents = await admin.events(owner.tenantId, 'record.transitioned', kase.id);
    assert.equal(recordEvents.at(-1)?.payload.transition, 'recode');
  });
});
