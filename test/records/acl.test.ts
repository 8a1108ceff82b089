// Per-type permissions and the row-level ACL on records, on a real database:
// restricted records hidden by PostgreSQL itself (every listing, filtered
// listings, ?expand, writes, and a plain SELECT as the runtime role), seen by
// their creator, the members named in their user fields, shared teams and
// members, and gestores; read shares cannot write, write shares can; the
// share routes; RBAC per type for roles and API key scopes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { assertProblem } from '../helpers/problem.ts';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb, addMember, type Joined } from '../members/helpers.ts';

const SECRET = {
  key: 'secret',
  label: 'Secret',
  fields: [
    { key: 'title', type: 'text', required: true },
    { key: 'priority', type: 'enum', values: ['p1', 'p2'], indexed: true },
    { key: 'assignee', type: 'user' },
    { key: 'topic', type: 'reference', target: 'topic', on_delete: 'set_null' },
  ],
};
const TOPIC = { key: 'topic', label: 'Topic', fields: [{ key: 'title', type: 'text' }] };
const MEMO = {
  key: 'memo',
  label: 'Memo',
  fields: [
    { key: 'title', type: 'text', required: true },
    { key: 'about', type: 'reference', target: 'secret', on_delete: 'set_null' },
  ],
};
const LOCKED = { key: 'locked', label: 'Locked', fields: [{ key: 'title', type: 'text' }] };

const ALL = { read: true, create: true, update: true, delete: true };
const READ = { read: true, create: false, update: false, delete: false };

describe('records: per-type permissions and row-level ACL', () => {
  let app: TestApp;
  let admin: AdminDb;
  let owner: SignedUp;
  /** c1 creates the secret; c2 is unrelated; c3 is its assignee; c4 in the shared team; c5 shared read; c6 shared write. */
  let c: Joined[];
  let secretId: string;
  let memoId: string;
  let teamId: string;

  const request = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, token: string, body?: unknown) =>
    app.request({ method, url, token, ...(body === undefined ? {} : { body }) });

  async function created(method: 'POST' | 'PUT', url: string, token: string, body: unknown, status = 201) {
    const response = await request(method, url, token, body);
    assert.equal(response.statusCode, status, response.body);
    return response.json();
  }

  async function apiKey(escopo: string): Promise<string> {
    return (await created('POST', '/api/tenants/atual/api-keys', owner.token, { nome: escopo, escopo })).secret;
  }

  async function listIds(token: string, query = ''): Promise<string[]> {
    const response = await request('GET', `/api/records/secret${query}`, token);
    assert.equal(response.statusCode, 200, response.body);
    return response.json().data.map((record: { id: string }) => record.id);
  }

  before(async () => {
    app = await startTestApp();
    admin = await AdminDb.connect(app);
    owner = await signup(app);
    c = [];
    for (let i = 0; i < 6; i += 1) c.push(await addMember(app, owner, 'cliente'));
    await created('POST', '/api/entity-types', owner.token, TOPIC);
    await created('POST', '/api/entity-types', owner.token, SECRET);
    await created('POST', '/api/entity-types', owner.token, MEMO);
    await created('PUT', '/api/entity-types/secret/permissions', owner.token, { visibility: 'restricted' }, 200);
    const secret = await created('POST', '/api/records/secret', c[0]!.token, { title: 'Hidden', priority: 'p1', assignee: c[2]!.userId });
    secretId = secret.id;
    memoId = (await created('POST', '/api/records/memo', c[0]!.token, { title: 'Public', about: secretId })).id;
    teamId = (await created('POST', '/api/teams', owner.token, { name: 'Insiders' })).id;
    await created('POST', `/api/teams/${teamId}/members`, owner.token, { user_id: c[3]!.userId });
    await created('POST', `/api/records/secret/${secretId}/access`, c[0]!.token, { principal: { team: teamId }, access: 'read' });
    await created('POST', `/api/records/secret/${secretId}/access`, owner.token, { principal: { user: c[4]!.userId }, access: 'read' });
    await created('POST', `/api/records/secret/${secretId}/access`, owner.token, { principal: { user: c[5]!.userId }, access: 'write' });
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  test('a cliente who is neither creator, named, nor shared does not see the record anywhere, nor change it', async () => {
    const other = c[1]!.token;
    assertProblem(await request('GET', `/api/records/secret/${secretId}`, other), 404, 'not-found');
    assert.deepEqual(await listIds(other), []);
    // The gestor's filtered listing first, so the indexed field's entries are complete and used.
    assert.deepEqual(await listIds(owner.token, '?filter[priority]=p1'), [secretId]);
    assert.deepEqual(await listIds(other, '?filter[priority]=p1'), []);
    assert.deepEqual(await listIds(other, '?filter[title]=Hidden'), []);
    const memo = await request('GET', `/api/records/memo/${memoId}?expand=about`, other);
    assert.equal(memo.statusCode, 200, memo.body);
    assert.equal(memo.json().about, secretId, 'the hidden record is not expanded');
    const expanded = await request('GET', `/api/records/memo/${memoId}?expand=about`, c[0]!.token);
    assert.equal(expanded.json().about.title, 'Hidden');
    assertProblem(await request('PATCH', `/api/records/secret/${secretId}`, other, { title: 'Mine now' }), 404, 'not-found');
    assertProblem(await request('DELETE', `/api/records/secret/${secretId}`, other), 404, 'not-found');
    assertProblem(await request('GET', `/api/records/secret/${secretId}/access`, other), 404, 'not-found');
    // A reference to a record one cannot see is as if it did not exist.
    assertProblem(await request('POST', '/api/records/memo', other, { title: 'x', about: secretId }), 422, 'validation-failed');
  });

  test('the creator, the assignee, a shared team member, shared members and gestores all see it', async () => {
    for (const token of [c[0]!.token, c[2]!.token, c[3]!.token, c[4]!.token, c[5]!.token, owner.token]) {
      const response = await request('GET', `/api/records/secret/${secretId}`, token);
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(await listIds(token), [secretId]);
    }
  });

  test('a read share cannot change or delete; a write share can change; an organisation type is visible to all', async () => {
    for (const reader of [c[3]!, c[4]!]) {
      assertProblem(await request('PATCH', `/api/records/secret/${secretId}`, reader.token, { title: 'No' }), 403, 'record-access-denied');
      assertProblem(await request('DELETE', `/api/records/secret/${secretId}`, reader.token), 403, 'record-access-denied');
    }
    const changed = await request('PATCH', `/api/records/secret/${secretId}`, c[5]!.token, { title: 'Changed by writer' });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json().title, 'Changed by writer');
    const assignee = await request('PATCH', `/api/records/secret/${secretId}`, c[2]!.token, { priority: 'p2' });
    assert.equal(assignee.statusCode, 200, assignee.body);
    const memo = await request('GET', `/api/records/memo/${memoId}`, c[1]!.token);
    assert.equal(memo.statusCode, 200, memo.body);
  });

  test('the user field decides who is named: reassigning moves the visibility', async () => {
    const record = await created('POST', '/api/records/secret', c[0]!.token, { title: 'Moving', assignee: c[2]!.userId });
    assert.equal((await request('GET', `/api/records/secret/${record.id}`, c[2]!.token)).statusCode, 200);
    const moved = await request('PATCH', `/api/records/secret/${record.id}`, c[0]!.token, { assignee: c[1]!.userId });
    assert.equal(moved.statusCode, 200, moved.body);
    assertProblem(await request('GET', `/api/records/secret/${record.id}`, c[2]!.token), 404, 'not-found');
    assert.equal((await request('GET', `/api/records/secret/${record.id}`, c[1]!.token)).statusCode, 200);
    const bulk = await created('POST', '/api/records/secret/bulk', c[0]!.token, { records: [{ title: 'Bulk', assignee: c[3]!.userId }] }, 200);
    assert.equal((await request('GET', `/api/records/secret/${bulk.results[0].id}`, c[3]!.token)).statusCode, 200);
    assertProblem(await request('GET', `/api/records/secret/${bulk.results[0].id}`, c[2]!.token), 404, 'not-found');
  });

  test('share routes: creator or gestor; 403 for a reader, 422 for a foreign principal; list and remove, audited with events', async () => {
    const record = await created('POST', '/api/records/secret', c[0]!.token, { title: 'Shared' });
    const url = `/api/records/secret/${record.id}/access`;
    assertProblem(await request('POST', url, c[1]!.token, { principal: { user: c[1]!.userId }, access: 'read' }), 404, 'not-found');
    const share = await created('POST', url, c[0]!.token, { principal: { user: c[1]!.userId }, access: 'read' });
    assert.deepEqual(share.principal, { user: c[1]!.userId });
    assert.equal(share.access, 'read');
    assert.equal(share.created_by, c[0]!.userId);
    // Sharing again changes the access: 200.
    const again = await created('POST', url, owner.token, { principal: { user: c[1]!.userId }, access: 'write' }, 200);
    assert.equal(again.id, share.id);
    assert.equal(again.access, 'write');
    // c2 now sees it but did not create it: cannot manage its shares.
    assertProblem(await request('POST', url, c[1]!.token, { principal: { team: teamId }, access: 'read' }), 403, 'record-access-denied');
    assertProblem(await request('GET', url, c[1]!.token), 403, 'record-access-denied');
    const foreign = await signup(app);
    const refused = assertProblem(await request('POST', url, c[0]!.token, { principal: { user: foreign.userId }, access: 'read' }), 422, 'validation-failed');
    assert.deepEqual((refused.errors as { pointer: string }[]).map((e) => e.pointer), ['/principal/user']);
    assertProblem(await request('POST', url, c[0]!.token, { principal: { team: teamId, user: c[1]!.userId }, access: 'read' }), 422, 'validation-failed');
    const key = await apiKey('agentes');
    assertProblem(await request('GET', url, key), 403, 'scope-not-allowed');
    const listed = await request('GET', url, c[0]!.token);
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(listed.json().data.map((s: { id: string }) => s.id), [share.id]);
    const removed = await request('DELETE', `${url}/${share.id}`, c[0]!.token);
    assert.equal(removed.statusCode, 204, removed.body);
    assertProblem(await request('DELETE', `${url}/${share.id}`, c[0]!.token), 404, 'not-found');
    assertProblem(await request('GET', `/api/records/secret/${record.id}`, c[1]!.token), 404, 'not-found');
    assert.equal((await admin.audit(owner.tenantId, 'record.shared', record.id)).length, 2);
    assert.equal((await admin.audit(owner.tenantId, 'record.unshared', record.id)).length, 1);
    assert.equal((await admin.events(owner.tenantId, 'record.shared', record.id)).length, 2);
    assert.equal((await admin.events(owner.tenantId, 'record.unshared', record.id)).length, 1);
  });

  test('deleting a record that a hidden record references is 409: its on_delete cannot be applied by someone who cannot see it', async () => {
    const topic = await created('POST', '/api/records/topic', c[1]!.token, { title: 'Shared topic' });
    await created('POST', '/api/records/secret', c[0]!.token, { title: 'Refers', topic: topic.id });
    const refused = assertProblem(await request('DELETE', `/api/records/topic/${topic.id}`, c[1]!.token), 409, 'record-in-use');
    assert.deepEqual(refused.blockers, []);
    const deleted = await request('DELETE', `/api/records/topic/${topic.id}`, owner.token);
    assert.equal(deleted.statusCode, 204, deleted.body);
  });

  test('API keys never see restricted records and cannot create them', async () => {
    const key = await apiKey('read-write');
    assertProblem(await request('GET', `/api/records/secret/${secretId}`, key), 404, 'not-found');
    assert.deepEqual(await listIds(key), []);
    assertProblem(await request('POST', '/api/records/secret', key, { title: 'x' }), 403, 'type-permission-denied');
    assert.equal((await request('GET', `/api/records/memo/${memoId}`, key)).statusCode, 200);
  });

  test('RBAC per type: a cliente without create, a read-only key, and an agentes key narrowed by stored permissions', async () => {
    await created('POST', '/api/entity-types', owner.token, LOCKED);
    await created('PUT', '/api/entity-types/locked/permissions', owner.token, {
      visibility: 'organisation',
      roles: { cliente: { ...ALL, create: false } },
      scopes: { agentes: READ },
    }, 200);
    assertProblem(await request('POST', '/api/records/locked', c[1]!.token, { title: 'x' }), 403, 'type-permission-denied');
    assertProblem(await request('POST', '/api/records/locked/bulk', c[1]!.token, { records: [{ title: 'x' }] }), 403, 'type-permission-denied');
    const record = await created('POST', '/api/records/locked', owner.token, { title: 'By the gestor' });
    const patched = await request('PATCH', `/api/records/locked/${record.id}`, c[1]!.token, { title: 'By a cliente' });
    assert.equal(patched.statusCode, 200, patched.body);
    const readOnly = await apiKey('read-only');
    assertProblem(await request('POST', '/api/records/locked', readOnly, { title: 'x' }), 403, 'scope-not-allowed');
    assert.equal((await request('GET', `/api/records/locked/${record.id}`, readOnly)).statusCode, 200);
    const agent = await apiKey('agentes');
    assertProblem(await request('POST', '/api/records/locked', agent, { title: 'x' }), 403, 'type-permission-denied');
    assertProblem(await request('PATCH', `/api/records/locked/${record.id}`, agent, { title: 'x' }), 403, 'type-permission-denied');
    assertProblem(await request('DELETE', `/api/records/locked/${record.id}`, agent), 403, 'type-permission-denied');
    assert.equal((await request('GET', `/api/records/locked/${record.id}`, agent)).statusCode, 200);
    // Removing read hides nothing by row but refuses the type: 403 on reads.
    await created('PUT', '/api/entity-types/locked/permissions', owner.token, { visibility: 'organisation', roles: { cliente: { ...ALL, read: false } } }, 200);
    assertProblem(await request('GET', '/api/records/locked', c[1]!.token), 403, 'type-permission-denied');
    assertProblem(await request('GET', `/api/records/locked/${record.id}`, c[1]!.token), 403, 'type-permission-denied');
  });

  test('the database itself hides restricted records from a plain SELECT as the runtime role', async () => {
    const runtime = new pg.Client({ connectionString: app.database.appUrl });
    await runtime.connect();
    try {
      const visible = async (userId: string, role: string) => {
        await runtime.query('begin');
        try {
          await runtime.query(
            `select set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true), set_config('app.role', $3, true)`,
            [owner.tenantId, userId, role],
          );
          const { rows } = await runtime.query<{ id: string }>('select * from records');
          const updated = await runtime.query('update records set updated_at = updated_at where id = $1', [secretId]);
          return { ids: rows.map((row) => row.id), updated: updated.rowCount };
        } finally {
          await runtime.query('rollback');
        }
      };
      const other = await visible(c[1]!.userId, 'cliente');
      assert.ok(other.ids.includes(memoId), 'organisation records are visible');
      assert.ok(!other.ids.includes(secretId), 'the restricted record is hidden');
      assert.equal(other.updated, 0, 'and cannot be updated');
      const creator = await visible(c[0]!.userId, 'cliente');
      assert.ok(creator.ids.includes(secretId));
      assert.equal(creator.updated, 1);
      assert.ok((await visible(c[3]!.userId, 'cliente')).ids.includes(secretId), 'through the team');
      assert.ok((await visible(c[1]!.userId, 'gestor')).ids.includes(secretId), 'gestores see everything');
      assert.ok(!(await visible('', '')).ids.includes(secretId), 'no user (an API key) sees no restricted record');
    } finally {
      await runtime.end();
    }
  });

  test('entering a tenant sets app.role only for a member whose role the database confirms', async () => {
    const runtime = new pg.Client({ connectionString: app.database.appUrl });
    await runtime.connect();
    try {
      const roleAfter = async (userId: string | null, role: string | null) => {
        await runtime.query('begin');
        try {
          await runtime.query('select tessera_enter_tenant($1, $2, $3, true)', [owner.tenantId, userId, role]);
          return (await runtime.query<{ role: string }>(`select current_setting('app.role', true) as role`)).rows[0]?.role;
        } finally {
          await runtime.query('rollback');
        }
      };
      assert.equal(await roleAfter(owner.userId, 'gestor'), 'gestor');
      assert.equal(await roleAfter(c[0]!.userId, 'cliente'), 'cliente');
      assert.equal(await roleAfter(null, 'gestor'), '', 'no member, no role');
      await assert.rejects(roleAfter(c[0]!.userId, 'gestor'), /membership changed/);
    } finally {
      await runtime.end();
    }
  });
});
