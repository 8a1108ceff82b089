// POST /api/records/{type}/bulk: create and upsert (by a unique field or by
// id) in one transaction, each item in its own savepoint so one item's 422,
// 409, 404 or 403 is reported by index while the others commit, with their
// audit entries, events, index entries and user refs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb, addMember } from '../members/helpers.ts';
import { defineType } from '../helpers/entities.ts';

const CONTACT = {
  key: 'contact',
  label: 'Contact',
  fields: [
    { key: 'email', type: 'text', unique: true },
    { key: 'name', type: 'text', required: true },
    { key: 'city', type: 'text', indexed: true },
    { key: 'assignee', type: 'user' },
  ],
};

interface Result {
  index: number;
  status: number;
  id?: string;
  version?: number;
  detail?: string;
  errors?: { pointer: string; message: string }[];
}

describe('records: bulk create and upsert', () => {
  let app: TestApp;
  let admin: AdminDb;

  before(async () => {
    app = await startTestApp();
    admin = await AdminDb.connect(app);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  async function organisation(): Promise<SignedUp> {
    const owner = await signup(app);
    await defineType(app, owner.token, CONTACT);
    return owner;
  }

  async function create(token: string, body: Record<string, unknown>): Promise<{ id: string; version: number }> {
    const response = await app.request({ method: 'POST', url: '/api/records/contact', token, body });
    assert.equal(response.statusCode, 201, response.body);
    return response.json();
  }

  async function bulk(token: string, body: unknown): Promise<Result[]> {
    const response = await app.request({ method: 'POST', url: '/api/records/contact/bulk', token, body });
    assert.equal(response.statusCode, 200, response.body);
    return response.json().results;
  }

  async function read(token: string, id: string): Promise<Record<string, unknown>> {
    const response = await app.request({ method: 'GET', url: `/api/records/contact/${id}`, token });
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  }

  async function list(token: string, query = ''): Promise<Record<string, unknown>[]> {
    const response = await app.request({ method: 'GET', url: `/api/records/contact?${query}`, token });
    assert.equal(response.statusCode, 200, response.body);
    return response.json().data;
  }

  const statuses = (results: Result[]) => results.map((r) => [r.index, r.status]);

  test('upsert_by a unique field: new values create (201), existing ones update like PATCH (200), audited with events', async () => {
    const owner = await organisation();
    const member = await addMember(app, owner);
    const ana = await create(owner.token, { email: 'ana@x.pt', name: 'Ana', city: 'Lisboa' });
    const rui = await create(owner.token, { email: 'rui@x.pt', name: 'Rui' });
    const results = await bulk(owner.token, {
      upsert_by: 'email',
      records: [
        { email: 'ana@x.pt', city: 'Porto', assignee: member.userId },
        { email: 'eva@x.pt', name: 'Eva', city: 'Porto' },
        { email: 'rui@x.pt', name: 'Rui Silva' },
      ],
    });
    assert.deepEqual(statuses(results), [[0, 200], [1, 201], [2, 200]]);
    assert.equal(results[0]!.id, ana.id);
    assert.equal(results[0]!.version, ana.version + 1);
    assert.equal(results[2]!.id, rui.id);
    const merged = await read(owner.token, ana.id);
    assert.equal(merged.name, 'Ana', 'fields the item does not set are kept');
    assert.equal(merged.city, 'Porto');
    assert.equal(merged.assignee, member.userId);
    // Index entries follow the update; the new owner sees it through record_user_refs.
    assert.deepEqual((await list(owner.token, 'filter[city]=Porto')).map((r) => r.name).sort(), ['Ana', 'Eva']);
    const refs = await admin.query<{ user_id: string }>('select user_id from record_user_refs where record_id = $1', [ana.id]);
    assert.deepEqual(refs.rows.map((row) => row.user_id), [member.userId]);
    assert.equal((await list(owner.token)).length, 3);

    assert.equal((await admin.audit(owner.tenantId, 'record.updated', ana.id)).length, 1);
    assert.equal((await admin.audit(owner.tenantId, 'record.updated', rui.id)).length, 1);
    assert.equal((await admin.audit(owner.tenantId, 'record.created', results[1]!.id)).length, 1);
    assert.equal((await admin.events(owner.tenantId, 'record.updated', ana.id)).length, 1);
    assert.equal((await admin.events(owner.tenantId, 'record.created', results[1]!.id)).length, 1);

    // An upserted item is validated as a whole, after the merge.
    const cleared = await bulk(owner.token, { upsert_by: 'email', records: [{ email: 'eva@x.pt', name: null }] });
    assert.deepEqual(statuses(cleared), [[0, 422]]);
    assert.deepEqual(cleared[0]!.errors!.map((e) => e.pointer), ['/name']);
  });

  test('per-item 422 and 409 (against a stored record and inside the request) leave the rest committed', async () => {
    const owner = await organisation();
    await create(owner.token, { email: 'taken@x.pt', name: 'Taken' });
    const results = await bulk(owner.token, {
      records: [
        { email: 'a@x.pt', name: 'A' },
        { email: 'taken@x.pt', name: 'Clash' },
        { name: 'Bad', nope: 1 },
        { email: 'twin@x.pt', name: 'Twin 1' },
        { email: 'twin@x.pt', name: 'Twin 2' },
        { email: 'b@x.pt', name: 'B' },
      ],
    });
    assert.deepEqual(statuses(results), [[0, 201], [1, 409], [2, 422], [3, 201], [4, 409], [5, 201]]);
    assert.deepEqual(results[1]!.errors, [{ pointer: '/email', message: 'is already used by another record' }]);
    assert.deepEqual(results[4]!.errors, [{ pointer: '/email', message: 'is already used by another record' }]);
    assert.deepEqual(results[2]!.errors!.map((e) => e.pointer), ['/nope']);
    assert.deepEqual((await list(owner.token)).map((r) => r.name).sort(), ['A', 'B', 'Taken', 'Twin 1']);
    assert.equal((await admin.audit(owner.tenantId, 'record.created')).length, 4);
    assert.equal((await admin.events(owner.tenantId, 'record.created')).length, 4);
  });

  test('upsert by id: 200 for a record of the organisation, 404 for another organisation\'s, 422 for a non-uuid', async () => {
    const owner = await organisation();
    const other = await organisation();
    const mine = await create(owner.token, { email: 'm@x.pt', name: 'Mine' });
    const theirs = await create(other.token, { email: 't@x.pt', name: 'Theirs' });
    const results = await bulk(owner.token, {
      records: [{ id: mine.id, name: 'Mine 2' }, { id: theirs.id, name: 'Stolen' }, { id: 'nope', name: 'x' }, { name: 'New' }],
    });
    assert.deepEqual(statuses(results), [[0, 200], [1, 404], [2, 422], [3, 201]]);
    assert.equal(results[0]!.version, mine.version + 1);
    assert.equal((await read(owner.token, mine.id)).name, 'Mine 2');
    assert.equal((await read(other.token, theirs.id)).name, 'Theirs');
    assert.deepEqual(results[2]!.errors!.map((e) => e.pointer), ['/id']);
  });

  test('upsert_by must name a unique field; more than 1,000 items is 422', async () => {
    const owner = await organisation();
    const response = await app.request({ method: 'POST', url: '/api/records/contact/bulk', token: owner.token, body: { upsert_by: 'city', records: [{ name: 'x' }] } });
    const problem = assertProblem(response, 422, 'validation-failed');
    assert.deepEqual((problem.errors as { pointer: string }[]).map((e) => e.pointer), ['/upsert_by']);
    const missing = await app.request({ method: 'POST', url: '/api/records/contact/bulk', token: owner.token, body: { upsert_by: 'nothing', records: [{ name: 'x' }] } });
    assertProblem(missing, 422, 'validation-failed');
    const tooMany = await app.request({
      method: 'POST',
      url: '/api/records/contact/bulk',
      token: owner.token,
      body: { records: Array.from({ length: 1001 }, (_, i) => ({ name: `n${i}` })) },
    });
    const many = assertProblem(tooMany, 422, 'validation-failed');
    assert.ok(JSON.stringify(many.errors).includes('/records'), JSON.stringify(many));
    assert.equal((await list(owner.token)).length, 0);
  });

  test('permissions per item: a cliente without update gets 403 for upserted items and 201 for new ones', async () => {
    const owner = await organisation();
    const cliente = await addMember(app, owner);
    const permissions = await app.request({
      method: 'PUT',
      url: '/api/entity-types/contact/permissions',
      token: owner.token,
      body: { visibility: 'organisation', roles: { cliente: { read: true, create: true, update: false, delete: false } } },
    });
    assert.equal(permissions.statusCode, 200, permissions.body);
    const existing = await create(owner.token, { email: 'e@x.pt', name: 'Existing' });
    const results = await bulk(cliente.token, {
      upsert_by: 'email',
      records: [{ email: 'e@x.pt', name: 'Changed' }, { email: 'n@x.pt', name: 'New' }, { id: existing.id, name: 'Changed' }],
    });
    assert.deepEqual(statuses(results), [[0, 403], [1, 201], [2, 403]]);
    assert.equal((await read(owner.token, existing.id)).name, 'Existing');
  });
});
