// Running a workflow through the API (issue #6, "Running"): the issue's
// example end to end, the listing of available transitions with the reasons
// guards fail, refusals as problems (unknown transition, not from this
// state, final state, failing guards, invalid input, stale If-Match), role
// and team guards, a type without a workflow, and another organisation's
// record. Effects and concurrency have their own files.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../helpers/problem.ts';
import { signup, type SignedUp } from '../helpers/test-app.ts';
import { defineType } from '../helpers/entities.ts';
import { AdminDb, addMember, createApiKey } from '../members/helpers.ts';
import type { TenantCall } from '../../src/platform/context.ts';
import { newId } from '../../src/platform/ids.ts';
import { RecordsService } from '../../src/records/index.ts';
import { TransitionsService } from '../../src/workflows/transitions.service.ts';
import { startWorkflowApp, TEST_SECRET, type WorkflowApp } from './workflow-app.ts';
import { ASSET, available, create, INCIDENT, ISSUE_EXAMPLE, perform, publish } from './transition-fixtures.ts';

describe('workflow transitions', () => {
  let app: WorkflowApp;
  let admin: AdminDb;

  before(async () => {
    app = await startWorkflowApp();
    admin = await AdminDb.connect(app);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  /** An organisation with asset and incident types and the issue's workflow published. */
  async function organisation(): Promise<SignedUp> {
    const owner = await signup(app);
    await defineType(app, owner.token, ASSET);
    await defineType(app, owner.token, INCIDENT);
    await publish(app, owner.token, ISSUE_EXAMPLE);
    return owner;
  }

  test("the issue's example runs end to end: start, resolve, close", async () => {
    const owner = await organisation();
    const asset = await create(app, owner.token, 'asset', { status: 'active' });
    const incident = await create(app, owner.token, 'incident', { title: 'Printer on fire', asset: asset.id });
    assert.equal(incident.state, 'new');
    assert.equal(incident.state_category, 'new');
    assert.equal(incident.workflow_version, 1);

    const listed = await available(app, owner.token, 'incident', incident.id);
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(listed.json(), {
      state: 'new',
      state_category: 'new',
      workflow_key: 'incident-lifecycle',
      workflow_version: 1,
      transitions: [{ key: 'start', to: 'in_progress', allowed: true, guards: [{ index: 0, kind: 'role', passed: true }], input: [] }],
    });

    // start: the caller becomes the assignee; the SLA of in_progress starts.
    const started = await perform(app, owner.token, 'incident', incident.id, 'start');
    assert.equal(started.statusCode, 200, started.body);
    const startedBody = started.json();
    assert.equal(started.headers.etag, `"${startedBody.record.version}"`);
    assert.equal(startedBody.record.version, Number(incident.version) + 1);
    assert.equal(startedBody.record.state, 'in_progress');
    assert.equal(startedBody.record.state_category, 'active');
    assert.equal(startedBody.record.assignee, owner.userId);
    assert.equal(startedBody.record.sla_status, 'ok');
    assert.equal(typeof startedBody.record.sla_due_at, 'string');
    assert.deepEqual(
      { key: startedBody.transition.key, from: startedBody.transition.from, to: startedBody.transition.to },
      { key: 'start', from: 'new', to: 'in_progress' },
    );
    assert.equal(typeof startedBody.transition.history_id, 'string');

    // resolve: input required; the asset must not be retired.
    const noInput = await perform(app, owner.token, 'incident', incident.id, 'resolve', { input: {} });
    const noInputBody = assertProblem(noInput, 422, 'validation-failed');
    assert.deepEqual((noInputBody.errors as { pointer: string }[]).map((error) => error.pointer), ['/input/resolution']);
    const wrongType = await perform(app, owner.token, 'incident', incident.id, 'resolve', { input: { resolution: 42, extra: 'x' } });
    const wrongTypeBody = assertProblem(wrongType, 422, 'validation-failed');
    assert.deepEqual((wrongTypeBody.errors as { pointer: string }[]).map((error) => error.pointer).sort(), ['/input/extra', '/input/resolution']);

    const retire = await app.request({ method: 'PATCH', url: `/api/records/asset/${asset.id}`, token: owner.token, body: { status: 'retired' } });
    assert.equal(retire.statusCode, 200, retire.body);
    const blocked = (await available(app, owner.token, 'incident', incident.id)).json();
    assert.equal(blocked.transitions[0].key, 'resolve');
    assert.equal(blocked.transitions[0].allowed, false);
    assert.equal(blocked.transitions[0].guards[0].kind, 'condition');
    assert.equal(blocked.transitions[0].guards[0].passed, false);
    assert.match(blocked.transitions[0].guards[0].reason, /asset\.status/);
    assert.deepEqual(blocked.transitions[0].input, [{ key: 'resolution', type: 'text', required: true }]);
    const refused = await perform(app, owner.token, 'incident', incident.id, 'resolve', { input: { resolution: 'Replaced the fuser' } });
    const refusedBody = assertProblem(refused, 422, 'transition-guard-failed');
    assert.deepEqual((refusedBody.guards as { passed: boolean }[]).map((guard) => guard.passed), [false]);

    await app.request({ method: 'PATCH', url: `/api/records/asset/${asset.id}`, token: owner.token, body: { status: 'active' } });
    const resolved = await perform(app, owner.token, 'incident', incident.id, 'resolve', { input: { resolution: 'Replaced the fuser' } });
    assert.equal(resolved.statusCode, 200, resolved.body);
    assert.equal(resolved.json().record.state, 'resolved');
    assert.equal(resolved.json().record.sla_status, null);
    const webhooks = await admin.events(owner.tenantId, 'incident.resolved', incident.id);
    assert.equal(webhooks.length, 1);
    assert.equal((webhooks[0]?.payload as { transition: string }).transition, 'resolve');
    assert.equal(((webhooks[0]?.payload as { record: { state: string } }).record).state, 'resolved');
    const notifications = await app.request({ method: 'GET', url: '/api/notifications', token: owner.token });
    assert.equal(notifications.statusCode, 200, notifications.body);
    assert.equal(notifications.json().data.length, 1);
    assert.deepEqual(notifications.json().data[0].record, { type: 'incident', id: incident.id });

    // close: a final state, from which nothing leaves.
    const closed = await perform(app, owner.token, 'incident', incident.id, 'close');
    assert.equal(closed.statusCode, 200, closed.body);
    assert.equal(closed.json().record.state, 'closed');
    assert.equal(closed.json().record.state_category, 'closed');
    const none = (await available(app, owner.token, 'incident', incident.id)).json();
    assert.deepEqual(none.transitions, []);
    assertProblem(await perform(app, owner.token, 'incident', incident.id, 'close'), 409, 'record-in-final-state');
    assertProblem(await perform(app, owner.token, 'incident', incident.id, 'start'), 409, 'record-in-final-state');

    // The audit log has each transition; the history has them all, oldest first.
    const audited = await admin.audit(owner.tenantId, 'record.transitioned', incident.id);
    assert.equal(audited.length, 3);
    const history = await app.request({ method: 'GET', url: `/api/records/incident/${incident.id}/history`, token: owner.token });
    assert.equal(history.statusCode, 200, history.body);
    const entries = history.json().data as Record<string, unknown>[];
    assert.deepEqual(entries.map((entry) => [entry.kind, entry.transition, entry.from_state, entry.to_state]), [
      ['create', null, null, 'new'],
      ['transition', 'start', 'new', 'in_progress'],
      ['transition', 'resolve', 'in_progress', 'resolved'],
      ['transition', 'close', 'resolved', 'closed'],
    ]);
    const resolveEntry = entries[2] as Record<string, unknown>;
    assert.deepEqual(resolveEntry.actor, { type: 'user', id: owner.userId });
    assert.equal(resolveEntry.workflow_version, 1);
    assert.deepEqual(resolveEntry.input, { resolution: 'Replaced the fuser' });
    assert.deepEqual(resolveEntry.guards, [{ index: 0, kind: 'condition', passed: true }]);
    assert.deepEqual((resolveEntry.effects as { kind: string }[]).map((effect) => effect.kind), ['webhook', 'notify']);
    assert.equal((resolveEntry.sla as { due_at: string }).due_at, startedBody.record.sla_due_at);
    assert.deepEqual((entries[1]?.effects as Record<string, unknown>[])[0], { kind: 'set', fields: { assignee: owner.userId } });
    // Keyset pages: two at a time.
    const first = (await app.request({ method: 'GET', url: `/api/records/incident/${incident.id}/history?limit=2`, token: owner.token })).json();
    assert.equal(first.data.length, 2);
    const second = (await app.request({ method: 'GET', url: `/api/records/incident/${incident.id}/history?limit=2&cursor=${first.next_cursor}`, token: owner.token })).json();
    assert.deepEqual([...first.data, ...second.data].map((entry: { id: string }) => entry.id), entries.map((entry) => entry.id));
    assert.equal(second.next_cursor, null);
    assertProblem(await app.request({ method: 'GET', url: `/api/records/incident/${incident.id}/history?cursor=nope`, token: owner.token }), 422, 'validation-failed');
  });

  test('refusals: unknown transition 404, not from this state 409, stale If-Match 412', async () => {
    const owner = await organisation();
    const incident = await create(app, owner.token, 'incident', { title: 'x' });
    assertProblem(await perform(app, owner.token, 'incident', incident.id, 'explode'), 404, 'transition-not-found');
    const notHere = assertProblem(await perform(app, owner.token, 'incident', incident.id, 'close'), 409, 'transition-not-available');
    assert.equal(notHere.state, 'new');
    const stale = await perform(app, owner.token, 'incident', incident.id, 'start', {}, { 'if-match': '"99"' });
    assertProblem(stale, 412, 'record-version-mismatch');
    const fresh = await perform(app, owner.token, 'incident', incident.id, 'start', { input: {} }, { 'if-match': `"${incident.version}"` });
    assert.equal(fresh.statusCode, 200, fresh.body);
    // Nothing was written by the refusals: one transition in the history after the creation.
    const history = (await app.request({ method: 'GET', url: `/api/records/incident/${incident.id}/history`, token: owner.token })).json();
    assert.equal(history.data.length, 2);
  });

  test('role and team guards: members by role and team, API keys have no role', async () => {
    const owner = await signup(app);
    await defineType(app, owner.token, { key: 'request', label: 'Request', fields: [{ key: 'title', type: 'text' }] });
    // Publishing checks that the team exists (names match ignoring case).
    const team = await app.request({ method: 'POST', url: '/api/teams', token: owner.token, body: { name: 'field ops' } });
    assert.equal(team.statusCode, 201, team.body);
    await publish(app, owner.token, {
      key: 'request-flow',
      entity_type: 'request',
      initial: 'open',
      states: [
        { key: 'open', category: 'new' },
        { key: 'approved', category: 'active' },
        { key: 'done', category: 'closed', final: true },
      ],
      transitions: [
        { key: 'approve', from: ['open'], to: 'approved', guards: [{ role: ['gestor'] }] },
        { key: 'finish', from: ['approved'], to: 'done', guards: [{ team: ['Field Ops'] }] },
      ],
    });
    const cliente = await addMember(app, owner, 'cliente');
    const key = await createApiKey(app, owner);
    const request = await create(app, owner.token, 'request', { title: 'Access' });

    const asCliente = (await available(app, cliente.token, 'request', request.id)).json();
    assert.equal(asCliente.transitions[0].allowed, false);
    assert.match(asCliente.transitions[0].guards[0].reason, /gestor/);
    assertProblem(await perform(app, cliente.token, 'request', request.id, 'approve'), 422, 'transition-guard-failed');
    const asKey = assertProblem(await perform(app, key, 'request', request.id, 'approve'), 422, 'transition-guard-failed');
    assert.match((asKey.guards as { reason: string }[])[0]?.reason ?? '', /API keys have no role/);
    assert.equal((await perform(app, owner.token, 'request', request.id, 'approve')).statusCode, 200);

    // The team guard: nobody is in "field ops" yet; then the cliente joins it.
    assertProblem(await perform(app, owner.token, 'request', request.id, 'finish'), 422, 'transition-guard-failed');
    const joined = await app.request({ method: 'POST', url: `/api/teams/${team.json().id}/members`, token: owner.token, body: { user_id: cliente.userId } });
    assert.equal(joined.statusCode, 201, joined.body);
    assertProblem(await perform(app, owner.token, 'request', request.id, 'finish'), 422, 'transition-guard-failed');
    const finished = await perform(app, cliente.token, 'request', request.id, 'finish');
    assert.equal(finished.statusCode, 200, finished.body);
    const history = (await app.request({ method: 'GET', url: `/api/records/request/${request.id}/history`, token: key })).json();
    assert.deepEqual(history.data.at(-1).actor, { type: 'user', id: cliente.userId });
  });

  test('a type without a workflow has no transitions (409); another organisation\'s record is 404', async () => {
    const owner = await organisation();
    const asset = await create(app, owner.token, 'asset', { status: 'active' });
    assertProblem(await available(app, owner.token, 'asset', asset.id), 409, 'workflow-not-attached');
    assertProblem(await perform(app, owner.token, 'asset', asset.id, 'start'), 409, 'workflow-not-attached');

    const incident = await create(app, owner.token, 'incident', { title: 'mine' });
    const other = await organisation();
    assertProblem(await available(app, other.token, 'incident', incident.id), 404, 'not-found');
    assertProblem(await perform(app, other.token, 'incident', incident.id, 'start'), 404, 'not-found');
    assertProblem(await app.request({ method: 'GET', url: `/api/records/incident/${incident.id}/history`, token: other.token }), 404, 'not-found');
    const untouched = await app.request({ method: 'GET', url: `/api/records/incident/${incident.id}`, token: owner.token });
    assert.equal(untouched.json().state, 'new');
  });

  test('a record runs on the version it started on; new records on the latest', async () => {
    const owner = await organisation();
    const old = await create(app, owner.token, 'incident', { title: 'on v1' });
    const v2 = {
      ...ISSUE_EXAMPLE,
      transitions: [
        { key: 'begin', from: ['new'], to: 'in_progress' },
        ...ISSUE_EXAMPLE.transitions.filter((transition) => transition.key !== 'start'),
      ],
    };
    const replaced = await app.request({ method: 'PUT', url: '/api/workflows/incident-lifecycle', token: owner.token, body: v2 });
    assert.equal(replaced.statusCode, 200, replaced.body);
    const published = await app.request({ method: 'POST', url: '/api/workflows/incident-lifecycle/publish', token: owner.token });
    assert.equal(published.json().version, 2);
    const fresh = await create(app, owner.token, 'incident', { title: 'on v2' });

    const oldListed = (await available(app, owner.token, 'incident', old.id)).json();
    assert.equal(oldListed.workflow_version, 1);
    assert.deepEqual(oldListed.transitions.map((transition: { key: string }) => transition.key), ['start']);
    const freshListed = (await available(app, owner.token, 'incident', fresh.id)).json();
    assert.equal(freshListed.workflow_version, 2);
    assert.deepEqual(freshListed.transitions.map((transition: { key: string }) => transition.key), ['begin']);
    assertProblem(await perform(app, owner.token, 'incident', old.id, 'begin'), 404, 'transition-not-found');
    const started = await perform(app, owner.token, 'incident', old.id, 'start');
    assert.equal(started.statusCode, 200, started.body);
    assert.equal(started.json().record.workflow_version, 1);
    assert.equal((await perform(app, owner.token, 'incident', fresh.id, 'begin')).json().record.workflow_version, 2);
  });

  test('without permission to change the record, every transition shows allowed: false with the reason', async () => {
    const owner = await organisation();
    const permissions = await app.request({
      method: 'PUT',
      url: '/api/entity-types/incident/permissions',
      token: owner.token,
      body: { visibility: 'organisation', roles: { cliente: { read: true, create: true, update: false, delete: false } } },
    });
    assert.equal(permissions.statusCode, 200, permissions.body);
    const cliente = await addMember(app, owner, 'cliente');
    const incident = await create(app, owner.token, 'incident', { title: 'x' });
    const listed = await available(app, cliente.token, 'incident', incident.id);
    assert.equal(listed.statusCode, 200, listed.body);
    const start = listed.json().transitions[0];
    assert.equal(start.allowed, false);
    assert.match(start.reason, /may not change/);
    assertProblem(await perform(app, cliente.token, 'incident', incident.id, 'start'), 403, 'type-permission-denied');
  });
});

describe('transitions performed by timers', () => {
  let app: WorkflowApp;
  let admin: AdminDb;

  before(async () => {
    app = await startWorkflowApp();
    admin = await AdminDb.connect(app);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  const systemCall = (tenantId: string): TenantCall => ({
    scope: { tenantId, userId: null, role: null },
    actor: { type: 'system' },
    origin: { requestId: null, ip: null },
    role: null,
  });

  /** A pending timer of the record's current stay, as the engine arms them. */
  async function armTimer(tenantId: string, recordId: string, transition: string): Promise<{ id: string; state: string; stateEnteredAt: Date }> {
    const { rows } = await admin.query<{ state: string; state_entered_at: Date }>(`select state, state_entered_at from records where id = $1`, [recordId]);
    const stay = rows[0] as { state: string; state_entered_at: Date };
    const id = newId();
    await admin.query(
      `insert into workflow_timers (tenant_id, id, record_id, kind, transition_key, state, state_entered_at, due_at) values ($1, $2, $3, 'transition', $4, $5, $6, now())`,
      [tenantId, id, recordId, transition, stay.state, stay.state_entered_at],
    );
    return { id, state: stay.state, stateEnteredAt: stay.state_entered_at };
  }

  const timerRow = async (id: string) =>
    (await admin.query<{ status: string; last_error: string | null; fired_at: Date | null }>(`select status, last_error, fired_at from workflow_timers where id = $1`, [id])).rows[0];

  test('a timer performs its transition once, as the system; role guards pass; a second run skips', async () => {
    const owner = await signup(app);
    await defineType(app, owner.token, ASSET);
    await defineType(app, owner.token, INCIDENT);
    await publish(app, owner.token, ISSUE_EXAMPLE);
    const service = new TransitionsService(app.db, new RecordsService(app.db), { secret: TEST_SECRET });
    const incident = await create(app, owner.token, 'incident', { title: 'timed' });
    const timer = await armTimer(owner.tenantId, incident.id, 'start');
    const now = new Date('2026-03-02T13:00:00Z');

    const [once, twice] = await Promise.all([
      service.perform(systemCall(owner.tenantId), 'incident', incident.id, 'start', {}, { timer: { ...timer, now } }),
      service.perform(systemCall(owner.tenantId), 'incident', incident.id, 'start', {}, { timer: { ...timer, now } }),
    ]);
    assert.deepEqual([once.outcome, twice.outcome].sort(), ['performed', 'skipped']);
    assert.equal((await timerRow(timer.id))?.status, 'fired');
    const record = (await app.request({ method: 'GET', url: `/api/records/incident/${incident.id}`, token: owner.token })).json();
    assert.equal(record.state, 'in_progress');
    // current_user of the system is no one: the assignee stays empty.
    assert.equal(record.assignee, null);
    const entries = await admin.query<{ kind: string; actor_type: string; occurred_at: Date }>(
      `select kind, actor_type, occurred_at from record_history where record_id = $1 and kind <> 'create'`,
      [incident.id],
    );
    assert.deepEqual(entries.rows.map((row) => [row.kind, row.actor_type, row.occurred_at.toISOString()]), [['timeout', 'system', now.toISOString()]]);
    const entered = await admin.query<{ state_entered_at: Date }>(`select state_entered_at from records where id = $1`, [incident.id]);
    assert.equal(entered.rows[0]?.state_entered_at.toISOString(), now.toISOString());
  });

  test('a record that left the stay, or a refused transition, marks the timer skipped and changes nothing', async () => {
    const owner = await signup(app);
    await defineType(app, owner.token, ASSET);
    await defineType(app, owner.token, INCIDENT);
    await publish(app, owner.token, ISSUE_EXAMPLE);
    const service = new TransitionsService(app.db, new RecordsService(app.db), { secret: TEST_SECRET });
    const incident = await create(app, owner.token, 'incident', { title: 'moved on' });
    const cancelled = await armTimer(owner.tenantId, incident.id, 'start');
    assert.equal((await perform(app, owner.token, 'incident', incident.id, 'start')).statusCode, 200);
    // Leaving the state cancelled its stay's timers: nothing left to run.
    assert.equal((await timerRow(cancelled.id))?.status, 'cancelled');
    const gone = await service.perform(systemCall(owner.tenantId), 'incident', incident.id, 'start', {}, { timer: cancelled });
    assert.deepEqual(gone, { outcome: 'skipped', reason: 'the timer was handled already' });
    // A timer of the old stay still pending (armed by a worker that raced the transition) is skipped, and says why.
    const stale = await armTimer(owner.tenantId, incident.id, 'start');
    await admin.query(`update workflow_timers set state = 'new', state_entered_at = $2 where id = $1`, [stale.id, cancelled.stateEnteredAt]);
    const left = await service.perform(systemCall(owner.tenantId), 'incident', incident.id, 'start', {}, { timer: { ...stale, state: 'new', stateEnteredAt: cancelled.stateEnteredAt } });
    assert.equal(left.outcome, 'skipped');
    assert.equal((await timerRow(stale.id))?.status, 'skipped');
    assert.match((await timerRow(stale.id))?.last_error ?? '', /left the state/);

    // resolve needs input: the timer's transition is refused, the timer is skipped with the reason.
    const refused = await armTimer(owner.tenantId, incident.id, 'resolve');
    const answer = await service.perform(systemCall(owner.tenantId), 'incident', incident.id, 'resolve', {}, { timer: refused });
    assert.equal(answer.outcome, 'skipped');
    const row = await timerRow(refused.id);
    assert.equal(row?.status, 'skipped');
    assert.match(row?.last_error ?? '', /input/);
    const record = (await app.request({ method: 'GET', url: `/api/records/incident/${incident.id}`, token: owner.token })).json();
    assert.equal(record.state, 'in_progress');
  });
});
