// Background index builds (migrations/0008_index_builds.sql,
// src/entities/index-builds/): a change on a type with records queues a build
// that a worker completes in batches, the type reports it, listings use the
// entries afterwards; obsolete builds are cancelled; two workers never build
// the same thing; a worker that died is taken over; repeated values of a
// unique field fail the build (in the background) or refuse the change (in
// the request).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import pg from 'pg';
import { IndexBuildWorker, type IndexBuildWorkerOptions } from '../../src/entities/index.ts';
import type { RunOutcome } from '../../src/entities/index-builds/index.ts';
import { Database } from '../../src/platform/db/database.ts';
import { defineType } from '../helpers/entities.ts';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb } from '../members/helpers.ts';
import { completeFields, entryDifferences, listIds, settledType, type BuildItem } from './index-check.ts';

const TICKET = {
  key: 'ticket',
  label: 'Ticket',
  fields: [
    { key: 'code', type: 'text' },
    { key: 'city', type: 'text' },
    { key: 'score', type: 'integer' },
  ],
};
const CITIES = ['Porto', 'Braga', 'Lisboa'];

const silent = { info: () => undefined, warn: () => undefined };

async function post(app: TestApp, token: string, url: string, body: unknown, status = 200): Promise<Record<string, unknown>> {
  const response = await app.request({ method: 'POST', url, token, body });
  assert.equal(response.statusCode, status, response.body);
  return response.json();
}

async function patchType(app: TestApp, token: string, type: string, body: unknown, status = 200) {
  const response = await app.request({ method: 'PATCH', url: `/api/entity-types/${type}`, token, body });
  assert.equal(response.statusCode, status, response.body);
  return response.json();
}

/** n tickets, city by turns, as one bulk request; answers their ids in order. */
async function tickets(app: TestApp, token: string, n: number, from = 0): Promise<string[]> {
  const records = Array.from({ length: n }, (_, i) => ({ code: `T-${from + i}`, city: CITIES[(from + i) % CITIES.length], score: from + i }));
  const body = await post(app, token, '/api/records/ticket/bulk', { records });
  return (body.results as { id: string; status: number }[]).map((result) => {
    assert.equal(result.status, 201);
    return result.id;
  });
}

const withField = (key: string, options: Record<string, unknown>) => TICKET.fields.map((field) => (field.key === key ? { ...field, ...options } : field));

describe('background index builds', () => {
  // Every build of a change goes to the background (threshold 0), in batches of 7; the worker polls often.
  let app: TestApp;
  // No worker of its own, and the default threshold: tests start workers themselves, and builds inside changes run in the request.
  let quiet: TestApp;
  let admin: AdminDb;
  let quietAdmin: AdminDb;
  const workers: { worker: IndexBuildWorker; db: Database }[] = [];

  before(async () => {
    app = await startTestApp({ TESSERA_INDEX_REQUEST_BUILD_MAX: '0', TESSERA_INDEX_BUILD_POLL_MS: '50', TESSERA_INDEX_BUILD_BATCH: '7' });
    quiet = await startTestApp({ TESSERA_INDEX_BUILD_WORKER: 'false' });
    admin = await AdminDb.connect(app);
    quietAdmin = await AdminDb.connect(quiet);
  });
  // Workers a test starts stop with it.
  afterEach(async () => {
    for (const { worker, db } of workers.splice(0)) {
      await worker.stop();
      await db.close();
    }
  });
  after(async () => {
    await admin.close();
    await quietAdmin.close();
    await app.stop();
    await quiet.stop();
  });

  /** A worker of its own (its own pool, as another process would have) on the quiet app's database. */
  function startWorker(options: Partial<IndexBuildWorkerOptions> = {}): IndexBuildWorker {
    const db = new Database({ appUrl: quiet.database.appUrl, operatorUrl: quiet.database.operatorUrl, poolSize: 3 });
    const worker = new IndexBuildWorker(db, { pollMs: 20, batch: 5, ...options }, silent);
    workers.push({ worker, db });
    worker.start();
    return worker;
  }

  async function buildRows(db: AdminDb, tenantId: string) {
    const { rows } = await db.query<{ id: string; field_key: string; status: string; attempts: number; records_done: number; records_total: number | null }>(
      `select id, field_key, status, attempts, records_done, records_total from index_builds where tenant_id = $1 order by requested_at, field_key`,
      [tenantId],
    );
    return rows;
  }

  async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
    for (let round = 0; !(await check()); round++) {
      assert.ok(round < 400, `still waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  test('a field made indexed on a type with records: built in the background, reported on the type, then used by listings', async () => {
    const owner = await signup(app);
    await defineType(app, owner.token, TICKET);
    await tickets(app, owner.token, 30);

    const patched = await patchType(app, owner.token, 'ticket', { fields: withField('city', { indexed: true }) });
    assert.equal(patched.version, 2);
    // Answered inside the change's transaction: queued, nothing done yet.
    assert.deepEqual(
      patched.index_builds.map((build: BuildItem) => [build.field, build.status, build.records_done, build.records_total, build.error, build.completed_at]),
      [['city', 'pending', 0, null, null, null]],
    );
    // A record written while the build runs enters its own value.
    const [fresh] = await tickets(app, owner.token, 1, 30);

    const settled = await settledType(app, owner.token, 'ticket');
    const [build] = settled.index_builds ?? [];
    assert.equal(build?.field, 'city');
    assert.equal(build?.status, 'ready');
    assert.equal(build?.error, null);
    assert.ok(build?.records_total !== null && build.records_total >= 30 && build.records_done >= build.records_total, JSON.stringify(build));
    assert.ok(build.started_at !== null && build.completed_at !== null && build.completed_at >= build.started_at);
    const list = await app.request({ method: 'GET', url: '/api/entity-types', token: owner.token });
    assert.deepEqual(list.json().data[0].index_builds, settled.index_builds);

    assert.deepEqual(await completeFields(admin, owner.tenantId, 'ticket'), ['city']);
    const differences = await entryDifferences(admin, owner.tenantId, settled);
    assert.deepEqual(differences, { missing: [], extra: [], records: 31 });
    const porto = await admin.query<{ id: string }>(`select id from records where tenant_id = $1 and data->>'city' = 'Porto' order by id`, [owner.tenantId]);
    assert.equal(porto.rows.length, 11);
    assert.ok(porto.rows.some((row) => row.id === fresh));
    assert.deepEqual(await listIds(app, owner.token, 'ticket', 'filter[city]=Porto'), porto.rows.map((row) => row.id));

    // The listing reads the entries: one removed behind the service's back hides its record.
    await admin.query(`delete from record_index where record_id = $1 and field_key = 'city'`, [porto.rows[0]!.id]);
    assert.deepEqual(await listIds(app, owner.token, 'ticket', 'filter[city]=Porto'), porto.rows.slice(1).map((row) => row.id));
  });

  test('in the request (a small type): entries are complete when the change answers, and no build is listed', async () => {
    const owner = await signup(quiet);
    await defineType(quiet, owner.token, TICKET);
    await tickets(quiet, owner.token, 12);
    const patched = await patchType(quiet, owner.token, 'ticket', { fields: withField('score', { indexed: true }) });
    assert.equal(patched.index_builds, undefined);
    assert.deepEqual(await completeFields(quietAdmin, owner.tenantId, 'ticket'), ['score']);
    assert.deepEqual(await entryDifferences(quietAdmin, owner.tenantId, patched), { missing: [], extra: [], records: 12 });
    assert.deepEqual(await buildRows(quietAdmin, owner.tenantId), []);
    // A new type's indexed fields are complete from the start.
    await defineType(quiet, owner.token, { key: 'place', label: 'Place', fields: [{ key: 'name', type: 'text', unique: true }] });
    assert.deepEqual(await completeFields(quietAdmin, owner.tenantId, 'place'), ['name']);
  });

  test('records the row ACL hides from members and API keys are built too (the worker sees every record)', async () => {
    const owner = await signup(app);
    await defineType(app, owner.token, TICKET);
    const visibility = await app.request({ method: 'PUT', url: '/api/entity-types/ticket/permissions', token: owner.token, body: { visibility: 'restricted' } });
    assert.equal(visibility.statusCode, 200, visibility.body);
    await tickets(app, owner.token, 12);
    await patchType(app, owner.token, 'ticket', { fields: withField('city', { indexed: true }) });
    const settled = await settledType(app, owner.token, 'ticket');
    assert.equal(settled.index_builds?.[0]?.status, 'ready');
    assert.equal(settled.index_builds?.[0]?.records_total, 12);
    assert.deepEqual(await entryDifferences(admin, owner.tenantId, settled), { missing: [], extra: [], records: 12 });
  });

  test('a new field whose key no version had is complete at once, however many records the type has', async () => {
    const owner = await signup(app);
    await defineType(app, owner.token, TICKET);
    await tickets(app, owner.token, 15);
    const added = await post(app, owner.token, '/api/entity-types/ticket/fields', { key: 'ref', type: 'text', unique: true }, 201);
    assert.equal(added.index_builds, undefined);
    assert.deepEqual(await completeFields(admin, owner.tenantId, 'ticket'), ['ref']);
    assert.deepEqual(await buildRows(admin, owner.tenantId), []);
  });

  test('in the request: values repeated only as the unique index compares them refuse the change (409), even with accept', async () => {
    const owner = await signup(quiet);
    await defineType(quiet, owner.token, { key: 'slot', label: 'Slot', fields: [{ key: 'at', type: 'datetime' }, { key: 'room', type: 'text' }] });
    for (const at of ['2026-01-01T00:00:00Z', '2026-01-01T01:00:00+01:00', '2026-01-02T00:00:00Z']) await post(quiet, owner.token, '/api/records/slot', { at, room: 'a' }, 201);
    const unique = { fields: [{ key: 'at', type: 'datetime', unique: true }, { key: 'room', type: 'text' }] };
    for (const url of ['/api/entity-types/slot', '/api/entity-types/slot?on_invalid=accept']) {
      const refused = await quiet.request({ method: 'PATCH', url, token: owner.token, body: unique });
      const problem = assertProblem(refused, 409, 'change-breaks-records');
      assert.deepEqual(problem.unique_conflicts, [{ field: 'at', value: '2026-01-01T00:00:00Z', count: 2 }]);
    }
    const type = await quiet.request({ method: 'GET', url: '/api/entity-types/slot', token: owner.token });
    assert.equal(type.json().version, 1, 'nothing applied');
    assert.deepEqual(await completeFields(quietAdmin, owner.tenantId, 'slot'), []);
    const entries = await quietAdmin.query(`select 1 from record_index where tenant_id = $1 and field_key = 'at'`, [owner.tenantId]);
    assert.equal(entries.rows.length, 0, 'the build was undone with the change');
  });

  test('a unique field whose values repeat (a rollback to a unique version): the background build fails naming the values', async () => {
    const owner = await signup(app);
    await defineType(app, owner.token, { ...TICKET, fields: withField('code', { unique: true }) });
    await tickets(app, owner.token, 10);
    // Version 2: code no longer unique, so a repeat can be written.
    await patchType(app, owner.token, 'ticket', { fields: TICKET.fields });
    await post(app, owner.token, '/api/records/ticket', { code: 'T-3', city: 'Porto' }, 201);
    await post(app, owner.token, '/api/records/ticket', { code: 'T-3', city: 'Braga' }, 201);
    const rolled = await post(app, owner.token, '/api/entity-types/ticket/rollback', { to_version: 1 });
    assert.equal(rolled.version, 3);

    const settled = await settledType(app, owner.token, 'ticket');
    const build = settled.index_builds?.find((item) => item.field === 'code');
    assert.equal(build?.status, 'failed', JSON.stringify(settled.index_builds));
    assert.deepEqual(build.conflicts, [{ value: 'T-3', count: 3 }]);
    assert.match(build.error ?? '', /code is unique but several records hold the same value: "T-3"/);
    assert.ok(build.completed_at !== null);
    // Not complete: listings by code filter on the data, which is always right.
    assert.deepEqual(await completeFields(admin, owner.tenantId, 'ticket'), []);
    assert.equal((await listIds(app, owner.token, 'ticket', 'filter[code]=T-3')).length, 3);

    // Building it again, once the values are fixed, is a change of the field (here: unique off, then on).
    const repeats = await admin.query<{ id: string }>(`select id from records where tenant_id = $1 and data->>'code' = 'T-3' order by id`, [owner.tenantId]);
    for (const [index, row] of repeats.rows.slice(1).entries()) {
      const fixed = await app.request({ method: 'PATCH', url: `/api/records/ticket/${row.id}`, token: owner.token, body: { code: `T-3-${index}` } });
      assert.equal(fixed.statusCode, 200, fixed.body);
    }
    await patchType(app, owner.token, 'ticket', { fields: TICKET.fields });
    const again = await patchType(app, owner.token, 'ticket', { fields: withField('code', { unique: true }) });
    assert.equal(again.index_builds.find((item: BuildItem) => item.field === 'code').status, 'pending');
    const rebuilt = await settledType(app, owner.token, 'ticket');
    assert.equal(rebuilt.index_builds?.find((item) => item.field === 'code')?.status, 'ready');
    assert.deepEqual(await completeFields(admin, owner.tenantId, 'ticket'), ['code']);
    assert.deepEqual(await entryDifferences(admin, owner.tenantId, rebuilt), { missing: [], extra: [], records: 12 });
    // Enforced by the database now.
    const duplicate = await app.request({ method: 'POST', url: '/api/records/ticket', token: owner.token, body: { code: 'T-4' } });
    assertProblem(duplicate, 409, 'conflict');
  });

  test('a build made obsolete is cancelled: the field no longer indexed, or the type rolled back', async () => {
    const owner = await signup(quiet);
    await defineType(quiet, owner.token, { ...TICKET, fields: withField('city', { indexed: true }) });
    await tickets(quiet, owner.token, 20);
    await patchType(quiet, owner.token, 'ticket', { fields: TICKET.fields });
    // Rollbacks always build in the background; there is no worker yet.
    const rolled = await post(quiet, owner.token, '/api/entity-types/ticket/rollback', { to_version: 1 });
    assert.equal(rolled.version, 3);
    assert.deepEqual((rolled.index_builds as BuildItem[]).map((build) => [build.field, build.status]), [['city', 'pending']]);

    // The field no longer indexed: cancelled, and no longer reported.
    const unindexed = await patchType(quiet, owner.token, 'ticket', { fields: TICKET.fields });
    assert.equal(unindexed.index_builds, undefined);
    assert.deepEqual((await buildRows(quietAdmin, owner.tenantId)).map((row) => [row.field_key, row.status]), [['city', 'cancelled']]);

    // Queued again (the finished builds of the field are forgotten then), then the type rolled back to a version without it.
    await post(quiet, owner.token, '/api/entity-types/ticket/rollback', { to_version: 1 });
    const back = await post(quiet, owner.token, '/api/entity-types/ticket/rollback', { to_version: 2 });
    assert.equal(back.index_builds, undefined);
    assert.deepEqual((await buildRows(quietAdmin, owner.tenantId)).map((row) => [row.field_key, row.status, row.records_done]), [['city', 'cancelled', 0]]);

    // A worker finds nothing to do, and a build queued for a field the type no longer indexes is cancelled by it.
    const type = await quietAdmin.query<{ current_version: number }>(`select current_version from entity_types where tenant_id = $1 and key = 'ticket'`, [owner.tenantId]);
    const stray = '01900000-0000-7000-8000-000000000001';
    await quietAdmin.query(`insert into index_builds (tenant_id, id, type_key, field_key, type_version) values ($1, $2, 'ticket', 'city', $3)`, [
      owner.tenantId,
      stray,
      type.rows[0]!.current_version,
    ]);
    const outcomes: RunOutcome[] = [];
    startWorker({ onBuild: (build) => build.buildId === stray && outcomes.push(build.outcome) });
    await waitFor(async () => outcomes.length > 0, 'the stray build');
    assert.deepEqual(outcomes, ['cancelled']);
    assert.deepEqual((await buildRows(quietAdmin, owner.tenantId)).map((row) => row.status), ['cancelled', 'cancelled']);
    assert.deepEqual(await completeFields(quietAdmin, owner.tenantId, 'ticket'), []);
  });

  test('two workers never build the same thing: each build is claimed once, and every one completes exactly', async () => {
    const owners: SignedUp[] = [];
    for (let n = 0; n < 3; n++) {
      const owner = await signup(quiet);
      owners.push(owner);
      await defineType(quiet, owner.token, { ...TICKET, fields: TICKET.fields.map((field) => ({ ...field, indexed: true })) });
      await tickets(quiet, owner.token, 40);
      await patchType(quiet, owner.token, 'ticket', { fields: TICKET.fields });
      await post(quiet, owner.token, '/api/entity-types/ticket/rollback', { to_version: 1 });
    }
    const queued = (await quietAdmin.query<{ id: string }>(`select id from index_builds where status = 'pending'`)).rows.map((row) => row.id).sort();
    assert.equal(queued.length, 9);
    const claims = new Map<string, string[]>();
    for (const name of ['a', 'b']) {
      claims.set(name, []);
      startWorker({ workerId: name, onBuild: (build) => build.outcome !== 'lost' && claims.get(name)!.push(build.buildId) });
    }
    await waitFor(async () => (await quietAdmin.query(`select 1 from index_builds where status in ('pending', 'building')`)).rows.length === 0, 'the builds');
    const [a, b] = [claims.get('a')!, claims.get('b')!];
    assert.deepEqual(a.filter((id) => b.includes(id)), [], 'no build claimed by both');
    assert.deepEqual([...a, ...b].sort(), queued);
    for (const owner of owners) {
      for (const row of await buildRows(quietAdmin, owner.tenantId)) {
        assert.deepEqual([row.status, row.attempts, row.records_done, row.records_total], ['ready', 1, 40, 40], row.field_key);
      }
      const type = await quiet.request({ method: 'GET', url: '/api/entity-types/ticket', token: owner.token });
      assert.deepEqual(await entryDifferences(quietAdmin, owner.tenantId, type.json()), { missing: [], extra: [], records: 40 });
      assert.deepEqual(await completeFields(quietAdmin, owner.tenantId, 'ticket'), ['city', 'code', 'score']);
    }
  });

  test('a build whose worker stopped renewing its claim is taken over and resumed where it was', async () => {
    const owner = await signup(quiet);
    await defineType(quiet, owner.token, { ...TICKET, fields: withField('city', { indexed: true }) });
    const ids = await tickets(quiet, owner.token, 30);
    await patchType(quiet, owner.token, 'ticket', { fields: TICKET.fields });
    await post(quiet, owner.token, '/api/entity-types/ticket/rollback', { to_version: 1 });
    // A worker that died after its first 10 records (their entries date from their creation under version 1).
    await quietAdmin.query(
      `update index_builds set status = 'building', claimed_by = 'gone', attempts = 1, heartbeat_at = now() - interval '10 minutes',
         started_at = now() - interval '10 minutes', records_done = 10, last_record_id = $2 where tenant_id = $1`,
      [owner.tenantId, ids[9]],
    );
    const outcomes: RunOutcome[] = [];
    startWorker({ workerId: 'heir', onBuild: (build) => outcomes.push(build.outcome) });
    await waitFor(async () => outcomes.includes('ready'), 'the take-over');
    const [row] = await buildRows(quietAdmin, owner.tenantId);
    assert.deepEqual([row?.status, row?.attempts, row?.records_done], ['ready', 2, 30]);
    const type = await quiet.request({ method: 'GET', url: '/api/entity-types/ticket', token: owner.token });
    assert.deepEqual(await entryDifferences(quietAdmin, owner.tenantId, type.json()), { missing: [], extra: [], records: 30 });
  });

  test('isolation: the runtime role sees its own organisation\'s builds only; the queue function tells only where to look', async () => {
    const [one, two] = [await signup(quiet), await signup(quiet)];
    for (const owner of [one, two]) {
      await defineType(quiet, owner.token, { ...TICKET, fields: withField('city', { indexed: true }) });
      await patchType(quiet, owner.token, 'ticket', { fields: TICKET.fields });
      await post(quiet, owner.token, '/api/entity-types/ticket/rollback', { to_version: 1 });
    }
    const client = new pg.Client({ connectionString: quiet.database.appUrl });
    await client.connect();
    try {
      assert.equal((await client.query('select * from index_builds')).rows.length, 0, 'no organisation entered: nothing');
      const due = await client.query<{ tenant_id: string; build_id: string }>('select * from index_builds_due(60, 100)');
      assert.deepEqual(Object.keys(due.rows[0] ?? {}).sort(), ['build_id', 'tenant_id']);
      assert.ok(due.rows.some((row) => row.tenant_id === one.tenantId) && due.rows.some((row) => row.tenant_id === two.tenantId));
      const twoBuild = due.rows.find((row) => row.tenant_id === two.tenantId)!.build_id;
      await client.query('begin');
      await client.query('select tessera_enter_tenant($1, null, null, true)', [one.tenantId]);
      const visible = await client.query<{ tenant_id: string }>('select tenant_id from index_builds');
      assert.ok(visible.rows.length > 0 && visible.rows.every((row) => row.tenant_id === one.tenantId));
      // Another organisation's build cannot widen this transaction's visibility.
      assert.equal((await client.query('select index_build_scope($1, $2) as ok', [twoBuild, 'anyone'])).rows[0].ok, false);
      assert.equal((await client.query(`select current_setting('app.role', true) as role`)).rows[0].role, '');
      await client.query('rollback');
    } finally {
      await client.end();
    }
  });
});
