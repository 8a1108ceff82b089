// Records of a type with a published workflow (issue #6, "Running"): new
// records start in the initial state of the latest version (POST, bulk),
// their view shows state and workflow_version, history and SLA timers are
// written with them, and the records service's methods for workflows
// (withLockedRecord, updateLocked, createWithin) lock, check, change and
// create as PATCH and POST do.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../helpers/problem.ts';
import { defineType } from '../helpers/entities.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { addMember, AdminDb } from '../members/helpers.ts';
import { RecordsService } from '../../src/records/index.ts';
import type { TenantCall } from '../../src/platform/context.ts';
import { AppError } from '../../src/platform/http/errors.ts';
import { ISSUE_EXAMPLE } from '../../src/workflows/core/example.ts';

const ASSET = { key: 'asset', label: 'Asset', fields: [{ key: 'status', type: 'enum', values: ['active', 'retired'] }] };
const INCIDENT = {
  key: 'incident',
  label: 'Incident',
  fields: [
    { key: 'title', type: 'text', required: true },
    { key: 'assignee', type: 'user' },
    { key: 'asset', type: 'reference', target: 'asset', on_delete: 'restrict' },
    { key: 'resolution', type: 'long_text' },
    { key: 'code', type: 'text', unique: true },
  ],
};
const TASK = {
  key: 'task',
  label: 'Task',
  fields: [
    { key: 'parent', type: 'reference', target: 'incident', on_delete: 'cascade' },
    { key: 'title', type: 'text', required: true },
    { key: 'due', type: 'datetime' },
  ],
};

/** The issue's example definition. */
export const INCIDENT_LIFECYCLE = ISSUE_EXAMPLE;

function callOf(owner: { tenantId: string; userId: string }, role: 'gestor' | 'cliente' = 'gestor'): TenantCall {
  return {
    scope: { tenantId: owner.tenantId, userId: owner.userId, role },
    actor: { type: 'user', id: owner.userId },
    origin: { requestId: null, ip: null },
    role,
  };
}

describe('records in a workflow', () => {
  let app: TestApp;
  let admin: AdminDb;
  let records: RecordsService;

  before(async () => {
    app = await startTestApp({ TESSERA_INDEX_BUILD_WORKER: 'false' });
    admin = await AdminDb.connect(app);
    records = new RecordsService(app.db);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  async function organisation(): Promise<SignedUp> {
    const owner = await signup(app);
    await defineType(app, owner.token, ASSET);
    await defineType(app, owner.token, INCIDENT);
    await defineType(app, owner.token, TASK);
    return owner;
  }

  async function create(token: string, type: string, body: unknown) {
    const response = await app.request({ method: 'POST', url: `/api/records/${type}`, token, body });
    assert.equal(response.statusCode, 201, response.body);
    return response.json();
  }

  async function publish(owner: SignedUp, definition: unknown) {
    const created = await app.request({ method: 'POST', url: '/api/workflows', token: owner.token, body: definition });
    assert.equal(created.statusCode, 201, created.body);
    const published = await app.request({ method: 'POST', url: `/api/workflows/${(definition as { key: string }).key}/publish`, token: owner.token });
    assert.equal(published.statusCode, 200, published.body);
    return published.json();
  }

  test('a type without a workflow: state fields are null', async () => {
    const owner = await organisation();
    const record = await create(owner.token, 'incident', { title: 'No workflow' });
    assert.equal(record.state, null);
    assert.equal(record.state_category, null);
    assert.equal(record.workflow_version, null);
    assert.equal(record.sla_status, null);
    assert.equal(record.sla_due_at, null);
    assert.equal(record.sla_remaining_seconds, null);
  });

  test('new records start in the initial state of the latest version, with a history entry', async () => {
    const owner = await organisation();
    await publish(owner, INCIDENT_LIFECYCLE);
    const record = await create(owner.token, 'incident', { title: 'Printer on fire' });
    assert.equal(record.state, 'new');
    assert.equal(record.state_category, 'new');
    assert.equal(record.workflow_version, 1);
    assert.equal(record.sla_status, null);
    const read = await app.request({ method: 'GET', url: `/api/records/incident/${record.id}`, token: owner.token });
    assert.equal(read.json().state, 'new');
    const history = await admin.query('select kind, from_state, to_state, workflow_key, workflow_version, actor_type, actor_id from record_history where record_id = $1', [record.id]);
    assert.deepEqual(history.rows, [
      { kind: 'create', from_state: null, to_state: 'new', workflow_key: 'incident-lifecycle', workflow_version: 1, actor_type: 'user', actor_id: owner.userId },
    ]);

    const bulk = await app.request({ method: 'POST', url: '/api/records/incident/bulk', token: owner.token, body: { records: [{ title: 'a' }, { title: 'b' }, {}] } });
    assert.equal(bulk.statusCode, 200, bulk.body);
    const results = bulk.json().results;
    assert.deepEqual(results.map((r: { status: number }) => r.status), [201, 201, 422]);
    const placed = await admin.query<{ state: string; n: number }>(
      'select state, count(*)::int as n from records where id = any($1::uuid[]) and workflow_version = 1 group by state',
      [results.filter((r: { id?: string }) => r.id).map((r: { id: string }) => r.id)],
    );
    assert.deepEqual(placed.rows, [{ state: 'new', n: 2 }]);
    const bulkHistory = await admin.query<{ n: number }>("select count(*)::int as n from record_history where kind = 'create' and record_id = any($1::uuid[])", [
      results.filter((r: { id?: string }) => r.id).map((r: { id: string }) => r.id),
    ]);
    assert.equal(bulkHistory.rows[0]?.n, 2);
  });

  test('the first publish attaches existing records; later publishes leave records on their version', async () => {
    const owner = await organisation();
    const before = await create(owner.token, 'incident', { title: 'Before any workflow' });
    assert.equal(before.state, null);
    const published = await publish(owner, INCIDENT_LIFECYCLE);
    assert.deepEqual(published, { key: 'incident-lifecycle', version: 1, attached: 1, unchanged: false });
    const attached = await app.request({ method: 'GET', url: `/api/records/incident/${before.id}`, token: owner.token });
    assert.equal(attached.json().state, 'new');
    assert.equal(attached.json().workflow_version, 1);
    assert.equal(attached.headers.etag, '"2"', 'the view changed, so the version did');
    const history = await admin.query('select kind, from_state, to_state, workflow_version, actor_type, actor_id from record_history where record_id = $1', [before.id]);
    assert.deepEqual(history.rows, [{ kind: 'attach', from_state: null, to_state: 'new', workflow_version: 1, actor_type: 'user', actor_id: owner.userId }]);

    const onFirst = await create(owner.token, 'incident', { title: 'On version 1' });
    assert.equal(onFirst.workflow_version, 1);
    // Version 2 adds a state; publishing it moves nobody.
    const second = structuredClone(INCIDENT_LIFECYCLE) as { states: object[]; transitions: object[] };
    second.states.push({ key: 'cancelled', category: 'cancelled', final: true });
    second.transitions.push({ key: 'cancel', from: ['new'], to: 'cancelled' });
    const put = await app.request({ method: 'PUT', url: '/api/workflows/incident-lifecycle', token: owner.token, body: second });
    assert.equal(put.statusCode, 200, put.body);
    const republished = await app.request({ method: 'POST', url: '/api/workflows/incident-lifecycle/publish', token: owner.token });
    assert.deepEqual(republished.json(), { key: 'incident-lifecycle', version: 2, attached: 0, unchanged: false });
    const onSecond = await create(owner.token, 'incident', { title: 'On version 2' });
    assert.equal(onSecond.workflow_version, 2);
    const versions = await admin.query<{ id: string; workflow_version: number; version: number }>(
      'select id, workflow_version, version from records where id = any($1::uuid[]) order by created_at',
      [[before.id, onFirst.id, onSecond.id]],
    );
    assert.deepEqual(
      versions.rows.map((row) => [row.workflow_version, row.version]),
      [
        [1, 2],
        [1, 1],
        [2, 1],
      ],
    );
    // Bulk creations follow the latest version too.
    const bulk = await app.request({ method: 'POST', url: '/api/records/incident/bulk', token: owner.token, body: { records: [{ title: 'x' }] } });
    const id = bulk.json().results[0].id;
    assert.equal((await admin.query<{ workflow_version: number }>('select workflow_version from records where id = $1', [id])).rows[0]?.workflow_version, 2);
  });

  test('attached records get the initial state\'s SLA and timers, those `at` a field per record', async () => {
    const owner = await organisation();
    const due = '2031-06-01T12:00:00.000Z';
    const withDue = await create(owner.token, 'task', { title: 'With a due date', due });
    const without = await create(owner.token, 'task', { title: 'Without' });
    const published = await publish(owner, {
      key: 'task-flow',
      entity_type: 'task',
      initial: 'open',
      states: [
        { key: 'open', category: 'active', sla: { within: '3h' }, timeouts: [{ key: 'expire', transition: 'expire', at: 'due' }] },
        { key: 'done', category: 'closed', final: true },
        { key: 'expired', category: 'cancelled', final: true },
      ],
      transitions: [
        { key: 'finish', from: ['open'], to: 'done' },
        { key: 'expire', from: ['open'], to: 'expired' },
      ],
    });
    assert.equal(published.attached, 2);
    const timers = await admin.query<{ record_id: string; kind: string; transition_key: string | null; due_at: Date; same_stay: boolean; since: number }>(
      `select t.record_id, t.kind, t.transition_key, t.due_at, t.state_entered_at = r.state_entered_at as same_stay,
         extract(epoch from t.due_at - r.state_entered_at)::int as since
       from workflow_timers t join records r on r.id = t.record_id where t.tenant_id = $1 and t.status = 'pending' order by t.record_id, t.kind`,
      [owner.tenantId],
    );
    const of = (id: string) => timers.rows.filter((row) => row.record_id === id).map((row) => `${row.kind}:${row.transition_key ?? ''}:${row.same_stay}`);
    assert.deepEqual(of(withDue.id), ['sla_at_risk::true', 'sla_breached::true', 'transition:expire:true']);
    assert.deepEqual(of(without.id), ['sla_at_risk::true', 'sla_breached::true']);
    const expire = timers.rows.find((row) => row.kind === 'transition');
    assert.equal(expire?.due_at.toISOString(), due);
    assert.equal(timers.rows.find((row) => row.kind === 'sla_breached')?.since, 3 * 3600);
    const read = await app.request({ method: 'GET', url: `/api/records/task/${without.id}`, token: owner.token });
    assert.equal(read.json().state, 'open');
    assert.equal(read.json().sla_status, 'ok');
  });

  test('records created while a workflow is first published all end up in it', async () => {
    const owner = await organisation();
    await app.request({ method: 'POST', url: '/api/workflows', token: owner.token, body: INCIDENT_LIFECYCLE });
    const creations = Array.from({ length: 30 }, (_, index) =>
      app.request({ method: 'POST', url: '/api/records/incident', token: owner.token, body: { title: `Racing ${index}` } }),
    );
    const publishing = app.request({ method: 'POST', url: '/api/workflows/incident-lifecycle/publish', token: owner.token });
    const answers = await Promise.all([...creations, publishing]);
    for (const answer of answers) assert.ok(answer.statusCode === 201 || answer.statusCode === 200, answer.body);
    const outside = await admin.query<{ n: number }>("select count(*)::int as n from records where tenant_id = $1 and type_key = 'incident' and state is null", [owner.tenantId]);
    assert.equal(outside.rows[0]?.n, 0);
    const entries = await admin.query<{ n: number }>("select count(distinct record_id)::int as n from record_history where tenant_id = $1 and kind in ('create', 'attach')", [owner.tenantId]);
    assert.equal(entries.rows[0]?.n, 30);
  });

  test('an initial state with an SLA: due instants on the record and its timers armed', async () => {
    const owner = await organisation();
    const definition = {
      key: 'task-flow',
      entity_type: 'task',
      initial: 'open',
      states: [
        { key: 'open', category: 'active', sla: { within: '2h' } },
        { key: 'done', category: 'closed', final: true },
      ],
      transitions: [{ key: 'finish', from: ['open'], to: 'done' }],
    };
    await publish(owner, definition);
    const task = await create(owner.token, 'task', { title: 'Call back' });
    assert.equal(task.state, 'open');
    assert.equal(task.sla_status, 'ok');
    const due = Date.parse(task.sla_due_at);
    const created = Date.parse(task.created_at);
    assert.ok(Math.abs(due - created - 2 * 3600_000) < 60_000, `${task.sla_due_at} is about 2h after ${task.created_at}`);
    assert.ok(task.sla_remaining_seconds > 7000 && task.sla_remaining_seconds <= 7200);
    const timers = await admin.query<{ kind: string; state: string; same_stay: boolean }>(
      `select t.kind, t.state, t.state_entered_at = r.state_entered_at as same_stay
       from workflow_timers t join records r on r.id = t.record_id where t.record_id = $1 order by t.due_at`,
      [task.id],
    );
    assert.deepEqual(timers.rows, [
      { kind: 'sla_at_risk', state: 'open', same_stay: true },
      { kind: 'sla_breached', state: 'open', same_stay: true },
    ]);
  });

  test('withLockedRecord + updateLocked change data and state in one write, audited with the given action', async () => {
    const owner = await organisation();
    await publish(owner, INCIDENT_LIFECYCLE);
    const record = await create(owner.token, 'incident', { title: 'Locked' });
    const call = callOf(owner);
    const enteredAt = new Date('2030-01-01T10:00:00.000Z');
    const done = await records.withLockedRecord(call, 'incident', record.id, { ifMatch: '"1"' }, async (tx, locked) => {
      assert.equal(locked.row.state, 'new');
      assert.equal(locked.row.workflow_version, 1);
      assert.equal(locked.state.workflow?.version, 1);
      return records.updateLocked(
        tx,
        call,
        locked,
        { assignee: owner.userId },
        {
          workflow_key: 'incident-lifecycle',
          workflow_version: 1,
          state: 'in_progress',
          state_category: 'active',
          state_entered_at: enteredAt,
          sla_due_at: new Date('2030-01-01T14:00:00.000Z'),
          sla_at_risk_at: new Date('2030-01-01T13:12:00.000Z'),
          sla_status: 'ok',
        },
        { action: 'record.transitioned', extra: { transition: 'start', from: 'new', to: 'in_progress' } },
      );
    });
    assert.equal(done.version, 2);
    assert.equal(done.record.state, 'in_progress');
    assert.equal(done.record.assignee, owner.userId);
    assert.equal(done.row.state_entered_at?.toISOString(), enteredAt.toISOString());
    const read = await app.request({ method: 'GET', url: `/api/records/incident/${record.id}`, token: owner.token });
    assert.equal(read.headers.etag, '"2"');
    assert.equal(read.json().state, 'in_progress');
    assert.equal(read.json().sla_due_at, '2030-01-01T14:00:00.000Z');
    const audit = await admin.query<{ after: Record<string, unknown> }>(
      "select after from audit_log where tenant_id = $1 and action = 'record.transitioned' and target_id = $2",
      [owner.tenantId, record.id],
    );
    assert.equal(audit.rows.length, 1);
    assert.equal(audit.rows[0]?.after.transition, 'start');
    assert.equal(audit.rows[0]?.after.state, 'in_progress');
    const events = await admin.query<{ payload: Record<string, unknown> }>(
      "select payload from outbox where tenant_id = $1 and event_type = 'record.transitioned' and subject_id = $2",
      [owner.tenantId, record.id],
    );
    assert.equal(events.rows[0]?.payload.to, 'in_progress');

    // A stale If-Match is PATCH's 412; invalid changes PATCH's 422 (nothing written).
    await assert.rejects(
      records.withLockedRecord(call, 'incident', record.id, { ifMatch: '"1"' }, async () => 'never'),
      (error: unknown) => error instanceof AppError && error.definition.code === 'record-version-mismatch',
    );
    await assert.rejects(
      records.withLockedRecord(call, 'incident', record.id, {}, (tx, locked) => records.updateLocked(tx, call, locked, { title: null }, null)),
      (error: unknown) => error instanceof AppError && error.definition.status === 422 && error.errors.some((e) => e.pointer === '/title'),
    );
    const after = await app.request({ method: 'GET', url: `/api/records/incident/${record.id}`, token: owner.token });
    assert.equal(after.headers.etag, '"2"');
  });

  test('withLockedRecord: another organisation is 404, a cliente without update permission 403, the system skips checks', async () => {
    const owner = await organisation();
    const other = await organisation();
    const record = await create(owner.token, 'incident', { title: 'Mine' });
    await assert.rejects(
      records.withLockedRecord(callOf(other), 'incident', record.id, {}, async () => 'never'),
      (error: unknown) => error instanceof AppError && error.definition.status === 404,
    );
    const permissions = await app.request({
      method: 'PUT',
      url: '/api/entity-types/incident/permissions',
      token: owner.token,
      body: { visibility: 'organisation', roles: { cliente: { read: true, create: true, update: false, delete: false } } },
    });
    assert.equal(permissions.statusCode, 200, permissions.body);
    const cliente = await addMember(app, owner, 'cliente');
    await assert.rejects(
      records.withLockedRecord(callOf(cliente, 'cliente'), 'incident', record.id, {}, async () => 'never'),
      (error: unknown) => error instanceof AppError && error.definition.code === 'type-permission-denied',
    );
    assert.equal(await records.withLockedRecord(callOf(cliente, 'cliente'), 'incident', record.id, { action: 'read' }, async (_tx, locked) => locked.row.id), record.id);
    const system: TenantCall = { scope: { tenantId: owner.tenantId, userId: null, role: 'gestor' }, actor: { type: 'system' }, origin: { requestId: null, ip: null }, role: null };
    assert.equal(await records.withLockedRecord(system, 'incident', record.id, { system: true }, async (_tx, locked) => locked.row.id), record.id);
  });

  test('createWithin creates a child in the caller transaction; a refused child leaves the transaction usable', async () => {
    const owner = await organisation();
    await publish(owner, {
      key: 'task-flow',
      entity_type: 'task',
      initial: 'todo',
      states: [
        { key: 'todo', category: 'new' },
        { key: 'done', category: 'closed', final: true },
      ],
      transitions: [{ key: 'finish', from: ['todo'], to: 'done' }],
    });
    const parent = await create(owner.token, 'incident', { title: 'Parent', code: 'P-1' });
    const other = await create(owner.token, 'incident', { title: 'Other', code: 'P-2' });
    const call = callOf(owner);
    const child = await records.withLockedRecord(call, 'incident', parent.id, {}, async (tx) => {
      await assert.rejects(
        records.createWithin(tx, call, 'task', { parent: parent.id }),
        (error: unknown) => error instanceof AppError && error.definition.status === 422 && error.errors.some((e) => e.pointer === '/title'),
      );
      await assert.rejects(records.createWithin(tx, call, 'nothing', {}), (error: unknown) => error instanceof AppError && error.definition.status === 404);
      // A duplicate unique value is 409 naming the field, and the transaction goes on.
      await assert.rejects(
        records.createWithin(tx, call, 'incident', { title: 'Dup', code: 'P-2' }),
        (error: unknown) => error instanceof AppError && error.definition.status === 409,
      );
      return records.createWithin(tx, call, 'task', { parent: parent.id, title: 'Child' });
    });
    assert.equal(child.record.state, 'todo');
    assert.equal(child.record.parent, parent.id);
    const stored = await admin.query<{ state: string; n: number }>("select state from records where type_key = 'task' and tenant_id = $1", [owner.tenantId]);
    assert.deepEqual(stored.rows, [{ state: 'todo' }]);
    assert.ok(other.id);
  });
});
