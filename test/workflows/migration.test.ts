// Migrating in-flight records between workflow versions (issue #6, "In-flight
// protection"): the dry run counts per state and writes nothing; the move
// changes version, state and category, keeps the stay (and SLA) of a state
// whose key is unchanged, cancels the old stay's timers and arms the new
// state's, writes a history entry per record, bumps the records' versions,
// and is audited once. Records in final states never move.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../helpers/problem.ts';
import { defineType } from '../helpers/entities.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { addMember, AdminDb } from '../members/helpers.ts';

const TICKET = { key: 'ticket', label: 'Ticket', fields: [{ key: 'title', type: 'text', required: true }] };

const V1 = {
  key: 'ticket-flow',
  entity_type: 'ticket',
  initial: 'new',
  states: [
    { key: 'new', category: 'new', sla: { within: '1d' } },
    { key: 'in_progress', category: 'active' },
    { key: 'resolved', category: 'resolved' },
    { key: 'closed', category: 'closed', final: true },
  ],
  transitions: [
    { key: 'start', from: ['new'], to: 'in_progress' },
    { key: 'resolve', from: ['in_progress'], to: 'resolved' },
    { key: 'close', from: ['resolved'], to: 'closed' },
  ],
};

/** in_progress becomes `working` (with an SLA), resolved becomes `waiting` in category; a cancelled final state. */
const V2 = {
  key: 'ticket-flow',
  entity_type: 'ticket',
  initial: 'new',
  states: [
    { key: 'new', category: 'new', sla: { within: '1d' } },
    { key: 'working', category: 'active', sla: { within: '2h' } },
    { key: 'resolved', category: 'waiting' },
    { key: 'closed', category: 'closed', final: true },
    { key: 'cancelled', category: 'cancelled', final: true },
  ],
  transitions: [
    { key: 'start', from: ['new'], to: 'working' },
    { key: 'resolve', from: ['working'], to: 'resolved' },
    { key: 'close', from: ['resolved'], to: 'closed' },
    { key: 'cancel', from: ['new', 'working'], to: 'cancelled' },
  ],
};

describe('workflow migration', () => {
  let app: TestApp;
  let admin: AdminDb;

  before(async () => {
    app = await startTestApp({ TESSERA_INDEX_BUILD_WORKER: 'false' });
    admin = await AdminDb.connect(app);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  async function request(token: string, method: 'POST' | 'PUT' | 'GET', url: string, body?: unknown) {
    return app.request({ method, url, token, ...(body === undefined ? {} : { body }) });
  }

  /** An organisation with v1 and v2 published and a ticket in each state of v1 (plus a second `new` one). */
  async function setUp(): Promise<{ owner: SignedUp; ids: Record<string, string> }> {
    const owner = await signup(app);
    await defineType(app, owner.token, TICKET);
    assert.equal((await request(owner.token, 'POST', '/api/workflows', V1)).statusCode, 201);
    assert.equal((await request(owner.token, 'POST', '/api/workflows/ticket-flow/publish')).statusCode, 200);
    const ids: Record<string, string> = {};
    for (const name of ['new1', 'new2', 'in_progress', 'resolved', 'closed']) {
      const created = await request(owner.token, 'POST', '/api/records/ticket', { title: name });
      assert.equal(created.statusCode, 201, created.body);
      ids[name] = created.json().id;
    }
    // Put three of them where their names say (as transitions would), with a stay that began an hour ago.
    const categories: Record<string, string> = { in_progress: 'active', resolved: 'resolved', closed: 'closed' };
    for (const [state, category] of Object.entries(categories)) {
      await admin.query("update records set state = $2, state_category = $3, state_entered_at = now() - interval '1 hour', sla_due_at = null, sla_at_risk_at = null, sla_status = null where id = $1", [
        ids[state],
        state,
        category,
      ]);
      await admin.query('delete from workflow_timers where record_id = $1', [ids[state]]);
    }
    assert.equal((await request(owner.token, 'PUT', '/api/workflows/ticket-flow', V2)).statusCode, 200);
    assert.equal((await request(owner.token, 'POST', '/api/workflows/ticket-flow/publish')).json().version, 2);
    return { owner, ids };
  }

  async function rows(ids: Record<string, string>) {
    const { rows } = await admin.query<{
      id: string;
      workflow_version: number;
      state: string;
      state_category: string;
      state_entered_at: Date;
      sla_due_at: Date | null;
      sla_status: string | null;
      version: number;
    }>('select id, workflow_version, state, state_category, state_entered_at, sla_due_at, sla_status, version from records where id = any($1::uuid[])', [Object.values(ids)]);
    const byName = Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, rows.find((row) => row.id === id)]));
    return byName as Record<string, (typeof rows)[number]>;
  }

  test('the dry run counts the moves per state and changes nothing', async () => {
    const { owner, ids } = await setUp();
    const before = await rows(ids);
    const dry = await request(owner.token, 'POST', '/api/workflows/ticket-flow/migrate', { from_version: 1, to_version: 2, state_map: { in_progress: 'working' }, dry_run: true });
    assert.equal(dry.statusCode, 200, dry.body);
    assert.deepEqual(dry.json(), {
      key: 'ticket-flow',
      from_version: 1,
      to_version: 2,
      dry_run: true,
      moves: [
        { from_state: 'new', to_state: 'new', records: 2 },
        { from_state: 'in_progress', to_state: 'working', records: 1 },
        { from_state: 'resolved', to_state: 'resolved', records: 1 },
      ],
      total: 4,
    });
    assert.deepEqual(await rows(ids), before);
    const audit = await admin.query("select 1 from audit_log where tenant_id = $1 and action = 'workflow.migrated'", [owner.tenantId]);
    assert.equal(audit.rows.length, 0);
  });

  test('a state map that leaves a state without a target, or names unknown states or versions, is 422 with pointers', async () => {
    const { owner } = await setUp();
    const migrate = (body: unknown) => request(owner.token, 'POST', '/api/workflows/ticket-flow/migrate', body);
    const unmapped = assertProblem(await migrate({ from_version: 1, to_version: 2, dry_run: true }), 422, 'validation-failed');
    assert.deepEqual((unmapped.errors as { pointer: string }[]).map((e) => e.pointer), ['/state_map/in_progress']);
    const unknown = assertProblem(await migrate({ from_version: 1, to_version: 2, state_map: { in_progress: 'limbo' } }), 422, 'validation-failed');
    assert.deepEqual((unknown.errors as { pointer: string }[]).map((e) => e.pointer), ['/state_map/in_progress']);
    const versions = assertProblem(await migrate({ from_version: 1, to_version: 7, state_map: {} }), 422, 'validation-failed');
    assert.deepEqual((versions.errors as { pointer: string }[]).map((e) => e.pointer), ['/to_version']);
    assertProblem(await migrate({ from_version: 1, to_version: 2, state_map: {}, extra: true }), 422, 'validation-failed');
    const cliente = await addMember(app, owner, 'cliente');
    assert.equal((await request(cliente.token, 'POST', '/api/workflows/ticket-flow/migrate', { from_version: 1, to_version: 2, dry_run: true })).statusCode, 403);
    assertProblem(await request(owner.token, 'POST', '/api/workflows/nothing/migrate', { from_version: 1, to_version: 2 }), 404, 'not-found');
  });

  test('the move: versions, states, categories, stays, SLAs, timers, history, ETags and one audit entry', async () => {
    const { owner, ids } = await setUp();
    const before = await rows(ids);
    // A pending timer of the in_progress stay, which the move must cancel.
    await admin.query(
      `insert into workflow_timers (tenant_id, id, record_id, kind, transition_key, state, state_entered_at, due_at)
       select tenant_id, gen_random_uuid(), id, 'transition', 'resolve', state, state_entered_at, now() + interval '1 day' from records where id = $1`,
      [ids.in_progress],
    );
    const moved = await request(owner.token, 'POST', '/api/workflows/ticket-flow/migrate', { from_version: 1, to_version: 2, state_map: { in_progress: 'working' } });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.equal(moved.json().dry_run, false);
    assert.equal(moved.json().total, 4);
    const after = await rows(ids);

    for (const name of ['new1', 'new2', 'in_progress', 'resolved']) {
      assert.equal(after[name]?.workflow_version, 2, name);
      assert.equal(after[name]?.version, (before[name]?.version ?? 0) + 1, `${name}'s ETag moves`);
    }
    assert.equal(after.closed?.workflow_version, 1, 'a final record stays on its version');
    assert.equal(after.closed?.version, before.closed?.version);

    // Same key: the stay and its SLA are kept.
    assert.equal(after.new1?.state, 'new');
    assert.equal(after.new1?.state_entered_at.toISOString(), before.new1?.state_entered_at.toISOString());
    assert.equal(after.new1?.sla_due_at?.toISOString(), before.new1?.sla_due_at?.toISOString());
    assert.equal(after.new1?.sla_status, 'ok');
    // Same key, new category.
    assert.equal(after.resolved?.state_category, 'waiting');
    assert.equal(after.resolved?.state_entered_at.toISOString(), before.resolved?.state_entered_at.toISOString());
    // A new state: a new stay, with the new state's SLA.
    assert.equal(after.in_progress?.state, 'working');
    assert.equal(after.in_progress?.state_category, 'active');
    assert.ok((after.in_progress?.state_entered_at.getTime() ?? 0) > (before.in_progress?.state_entered_at.getTime() ?? 0));
    const due = (after.in_progress?.sla_due_at?.getTime() ?? 0) - (after.in_progress?.state_entered_at.getTime() ?? 0);
    assert.equal(due, 2 * 3600_000);

    const timers = await admin.query<{ kind: string; status: string; state: string; current: boolean }>(
      `select t.kind, t.status, t.state, t.state_entered_at = r.state_entered_at as current
       from workflow_timers t join records r on r.id = t.record_id where t.record_id = $1 order by t.status, t.kind`,
      [ids.in_progress],
    );
    assert.deepEqual(timers.rows, [
      { kind: 'transition', status: 'cancelled', state: 'in_progress', current: false },
      { kind: 'sla_at_risk', status: 'pending', state: 'working', current: true },
      { kind: 'sla_breached', status: 'pending', state: 'working', current: true },
    ]);
    // The kept stay of `new`: its SLA timers re-armed for the same stay (the old ones cancelled).
    const kept = await admin.query<{ status: string; n: number }>(
      'select status, count(*)::int as n from workflow_timers where record_id = $1 group by status order by status',
      [ids.new1],
    );
    assert.deepEqual(kept.rows, [
      { status: 'cancelled', n: 2 },
      { status: 'pending', n: 2 },
    ]);

    const history = await admin.query<{ record_id: string; kind: string; from_state: string; to_state: string; workflow_version: number; actor_id: string }>(
      "select record_id, kind, from_state, to_state, workflow_version, actor_id from record_history where tenant_id = $1 and kind = 'migrate' order by from_state, record_id",
      [owner.tenantId],
    );
    assert.equal(history.rows.length, 4);
    assert.ok(history.rows.every((row) => row.workflow_version === 2 && row.actor_id === owner.userId));
    assert.deepEqual(
      history.rows.map((row) => `${row.from_state}>${row.to_state}`),
      ['in_progress>working', 'new>new', 'new>new', 'resolved>resolved'],
    );

    const audit = await admin.query<{ after: Record<string, unknown> }>("select after from audit_log where tenant_id = $1 and action = 'workflow.migrated'", [owner.tenantId]);
    assert.equal(audit.rows.length, 1);
    assert.equal(audit.rows[0]?.after.total, 4);
    assert.deepEqual(audit.rows[0]?.after.state_map, { new: 'new', in_progress: 'working', resolved: 'resolved' });
    const events = await admin.query("select 1 from outbox where tenant_id = $1 and event_type = 'workflow.migrated'", [owner.tenantId]);
    assert.equal(events.rows.length, 1);

    // The API shows it too; and nothing is left on version 1 to move.
    const read = await request(owner.token, 'GET', `/api/records/ticket/${ids.in_progress}`);
    assert.equal(read.json().state, 'working');
    assert.equal(read.json().workflow_version, 2);
    assert.equal(read.headers.etag, `"${after.in_progress?.version}"`);
    const again = await request(owner.token, 'POST', '/api/workflows/ticket-flow/migrate', { from_version: 1, to_version: 2, state_map: { in_progress: 'working' } });
    assert.deepEqual(again.json().moves, []);
    assert.equal(again.json().total, 0);
  });
});
