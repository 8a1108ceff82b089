// The records service caches each type's definition and permissions per
// process (src/records/type-state.ts) and checks them with the first
// statement of every request. Two app instances on one database: a change of
// the type or of its permissions made through one applies to the very next
// request through the other. And the round trips the cache and the queued
// writes save, counted as PostgreSQL ReadyForQuery messages (one per Sync).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { buildApp, type BuiltApp } from '../../src/app.ts';
import { defineType } from '../helpers/entities.ts';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb, addMember, type Joined } from '../members/helpers.ts';

const NOTE = {
  key: 'note',
  label: 'Note',
  fields: [
    { key: 'title', type: 'text', required: true },
    { key: 'city', type: 'text', indexed: true },
  ],
};

let roundTrips = 0;
{
  // Counts every ReadyForQuery on node-postgres connections in this process (as bench/round-trips.ts does).
  const prototype = (pg as unknown as { Connection: { prototype: { emit(event: string | symbol, ...args: unknown[]): boolean } } }).Connection.prototype;
  const emit = prototype.emit;
  prototype.emit = function counted(this: unknown, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'readyForQuery') roundTrips += 1;
    return emit.call(this, event, ...args);
  };
}

describe('records: the per-process type cache', () => {
  let a: TestApp;
  let b: BuiltApp;
  let admin: AdminDb;

  before(async () => {
    // No background workers: their polls would count as round trips of the requests measured here.
    a = await startTestApp({ TESSERA_TIMER_WORKER: 'false', TESSERA_INDEX_BUILD_WORKER: 'false' });
    b = await buildApp(a.config, { appUrl: a.database.appUrl, operatorUrl: a.database.operatorUrl });
    await b.app.ready();
    admin = await AdminDb.connect(a);
  });
  after(async () => {
    await admin.close();
    await b.close();
    await a.stop();
  });

  /** A request to the second instance, as TestApp.request does it for the first. */
  function viaB(options: { method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'; url: string; token: string; body?: unknown; headers?: Record<string, string> }) {
    return b.app.inject({
      method: options.method,
      url: options.url,
      headers: { authorization: `Bearer ${options.token}`, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(options.headers ?? {}) },
      ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
    });
  }

  async function organisation(): Promise<{ owner: SignedUp; cliente: Joined }> {
    const owner = await signup(a);
    await defineType(a, owner.token, NOTE);
    return { owner, cliente: await addMember(a, owner, 'cliente') };
  }

  test('cache is not stale after a change made through another app instance: type changes', async () => {
    const { owner } = await organisation();
    const created = await viaB({ method: 'POST', url: '/api/records/note', token: owner.token, body: { title: 'one' } });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id;
    // B has the type cached now. A adds a required-free field and renames nothing.
    const fields = [...NOTE.fields, { key: 'priority', type: 'enum', values: ['low', 'high'] }];
    const changed = await a.request({ method: 'PATCH', url: '/api/entity-types/note', token: owner.token, body: { fields } });
    assert.equal(changed.statusCode, 200, changed.body);
    // The very next request through B validates, reads and lists with the new definition.
    const withField = await viaB({ method: 'POST', url: '/api/records/note', token: owner.token, body: { title: 'two', priority: 'high' } });
    assert.equal(withField.statusCode, 201, withField.body);
    const read = await viaB({ method: 'GET', url: `/api/records/note/${id}`, token: owner.token });
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(read.json().priority, null, 'the new field reads as null on an old record');
    const patched = await viaB({ method: 'PATCH', url: `/api/records/note/${id}`, token: owner.token, body: { priority: 'low' } });
    assert.equal(patched.statusCode, 200, patched.body);
    const listed = await viaB({ method: 'GET', url: '/api/records/note?filter[priority]=low', token: owner.token });
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(listed.json().data.map((record: { title: string }) => record.title), ['one']);

    // A removes the field again: B refuses it at once (422 from a state a stamp confirmed).
    const removed = await a.request({ method: 'PATCH', url: '/api/entity-types/note', token: owner.token, body: { fields: NOTE.fields } });
    assert.equal(removed.statusCode, 200, removed.body);
    const refused = await viaB({ method: 'POST', url: '/api/records/note', token: owner.token, body: { title: 'three', priority: 'low' } });
    assertProblem(refused, 422, 'validation-failed');
    const bulk = await viaB({ method: 'POST', url: '/api/records/note/bulk', token: owner.token, body: { records: [{ title: 'four', priority: 'low' }, { title: 'five' }] } });
    assert.equal(bulk.statusCode, 200, bulk.body);
    assert.deepEqual(bulk.json().results.map((result: { status: number }) => result.status), [422, 201]);
    // The records written through B carry the type version current at A.
    const versions = await admin.query<{ type_version: number }>(`select distinct type_version from records where tenant_id = $1 and data->>'title' in ('two', 'five') order by 1`, [owner.tenantId]);
    assert.deepEqual(versions.rows.map((row) => row.type_version), [2, 3]);
  });

  test('cache is not stale after a change made through another app instance: permissions and visibility', async () => {
    const { owner, cliente } = await organisation();
    const created = await viaB({ method: 'POST', url: '/api/records/note', token: owner.token, body: { title: 'mine' } });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id;
    // B caches the defaults: the cliente reads, lists, creates and changes.
    assert.equal((await viaB({ method: 'GET', url: `/api/records/note/${id}`, token: cliente.token })).statusCode, 200);
    assert.equal((await viaB({ method: 'GET', url: '/api/records/note', token: cliente.token })).json().data.length, 1);

    const put = (body: unknown) => a.request({ method: 'PUT', url: '/api/entity-types/note/permissions', token: owner.token, body });
    const denied = await put({ visibility: 'organisation', roles: { cliente: { read: false, create: false, update: false, delete: false } } });
    assert.equal(denied.statusCode, 200, denied.body);
    assertProblem(await viaB({ method: 'GET', url: `/api/records/note/${id}`, token: cliente.token }), 403, 'type-permission-denied');
    assertProblem(await viaB({ method: 'GET', url: '/api/records/note', token: cliente.token }), 403, 'type-permission-denied');
    assertProblem(await viaB({ method: 'POST', url: '/api/records/note', token: cliente.token, body: { title: 'x' } }), 403, 'type-permission-denied');
    assertProblem(await viaB({ method: 'PATCH', url: `/api/records/note/${id}`, token: cliente.token, body: { title: 'x' } }), 403, 'type-permission-denied');
    assertProblem(await viaB({ method: 'POST', url: '/api/records/note/bulk', token: cliente.token, body: { records: [{ title: 'x' }] } }), 403, 'type-permission-denied');

    // Granted again through A: B allows at once (its cached state denied).
    const granted = await put({ visibility: 'organisation', roles: { cliente: { read: true, create: true, update: true, delete: false } } });
    assert.equal(granted.statusCode, 200, granted.body);
    assert.equal((await viaB({ method: 'GET', url: `/api/records/note/${id}`, token: cliente.token })).statusCode, 200);
    const byCliente = await viaB({ method: 'POST', url: '/api/records/note', token: cliente.token, body: { title: 'theirs' } });
    assert.equal(byCliente.statusCode, 201, byCliente.body);

    // Restricted through A: the cliente no longer sees the owner's record through B, only their own.
    const restricted = await put({ visibility: 'restricted', roles: { cliente: { read: true, create: true, update: true, delete: false } } });
    assert.equal(restricted.statusCode, 200, restricted.body);
    assertProblem(await viaB({ method: 'GET', url: `/api/records/note/${id}`, token: cliente.token }), 404, 'not-found');
    assert.deepEqual((await viaB({ method: 'GET', url: '/api/records/note', token: cliente.token })).json().data.map((r: { title: string }) => r.title), ['theirs']);
    // ... and may not change the owner's record even where the row ACL would let them see it (nothing is shared).
    assertProblem(await viaB({ method: 'PATCH', url: `/api/records/note/${id}`, token: cliente.token, body: { title: 'x' } }), 404, 'not-found');
  });

  test('round trips: read by id 1, list by an indexed field 1, create 2, update 3, bulk create a few whatever its size', async () => {
    const { owner } = await organisation();
    const count = async (send: () => Promise<{ statusCode: number; body: string }>, status: number): Promise<number> => {
      const start = roundTrips;
      const response = await send();
      assert.equal(response.statusCode, status, response.body);
      return roundTrips - start;
    };
    // Warm the cache (a miss reads the type's state in one statement of its own).
    const first = await a.request({ method: 'POST', url: '/api/records/note', token: owner.token, body: { title: 'warm', city: 'Porto' } });
    assert.equal(first.statusCode, 201, first.body);
    const id = first.json().id;
    await a.request({ method: 'GET', url: '/api/records/note?filter[city]=Porto', token: owner.token });

    assert.equal(await count(() => a.request({ method: 'GET', url: `/api/records/note/${id}`, token: owner.token }), 200), 1);
    assert.equal(await count(() => a.request({ method: 'GET', url: '/api/records/note?filter[city]=Porto', token: owner.token }), 200), 1);
    assert.equal(await count(() => a.request({ method: 'POST', url: '/api/records/note', token: owner.token, body: { title: 't', city: 'Braga' } }), 201), 2);
    assert.equal(
      await count(() => a.request({ method: 'PATCH', url: `/api/records/note/${id}`, token: owner.token, body: { city: 'Faro' }, headers: { 'if-match': '"1"' } }), 200),
      3,
    );
    const records = Array.from({ length: 200 }, (_, i) => ({ title: `bulk ${i}`, city: `c${i % 7}` }));
    assert.equal(await count(() => a.request({ method: 'POST', url: '/api/records/note/bulk', token: owner.token, body: { records } }), 200), 2);

    // What the queued writes stored is all there.
    const stored = await admin.query<{ records: number; entries: number; audit: number; events: number }>(
      `select (select count(*)::int from records where tenant_id = $1) as records,
              (select count(*)::int from record_index where tenant_id = $1) as entries,
              (select count(*)::int from audit_log where tenant_id = $1 and action like 'record.%') as audit,
              (select count(*)::int from outbox where tenant_id = $1 and event_type like 'record.%') as events`,
      [owner.tenantId],
    );
    assert.deepEqual(stored.rows[0], { records: 202, entries: 202, audit: 203, events: 203 });
  });

  test('bulk create falls back to per-item results when the fast path meets a unique value', async () => {
    const owner = await signup(a);
    await defineType(a, owner.token, { key: 'tagged', label: 'Tagged', fields: [{ key: 'code', type: 'text', unique: true }, { key: 'city', type: 'text', indexed: true }] });
    const taken = await a.request({ method: 'POST', url: '/api/records/tagged', token: owner.token, body: { code: 'T' } });
    assert.equal(taken.statusCode, 201, taken.body);
    const response = await viaB({
      method: 'POST',
      url: '/api/records/tagged/bulk',
      token: owner.token,
      body: { records: [{ code: 'A', city: 'x' }, { code: 'T' }, { code: 'B', nope: 1 }, { code: 'C' }, { code: 'C' }] },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().results.map((result: { status: number }) => result.status), [201, 409, 422, 201, 409]);
    const codes = await admin.query<{ code: string }>(`select data->>'code' as code from records where tenant_id = $1 order by 1`, [owner.tenantId]);
    assert.deepEqual(codes.rows.map((row) => row.code), ['A', 'C', 'T']);
    const entries = await admin.query<{ n: number }>(`select count(*)::int as n from record_index where tenant_id = $1`, [owner.tenantId]);
    assert.equal(entries.rows[0]?.n, 4, 'code for A, C and T, city for A');
  });
});
