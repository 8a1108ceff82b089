// Teams through the HTTP API on a real database: who may do what, validation,
// conflicts, audit and events, and ids of another organisation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signup, startTestApp, type SignedUp, type TestApp } from '../helpers/test-app.ts';
import { AdminDb, addMember, createApiKey, type Joined } from '../members/helpers.ts';

describe('teams', () => {
  let app: TestApp;
  let admin: AdminDb;
  let owner: SignedUp;
  let cliente: Joined;
  let other: SignedUp;
  let otherMember: Joined;
  let apiKey: string;
  let names = 0;

  const freshName = (label = 'Team') => `${label} ${++names}`;

  async function createTeam(body: Record<string, unknown> = { name: freshName() }) {
    const response = await app.request({ method: 'POST', url: '/api/teams', token: owner.token, body });
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as { id: string; name: string; description: string | null; members: unknown[] };
  }

  before(async () => {
    app = await startTestApp();
    admin = await AdminDb.connect(app);
    owner = await signup(app);
    cliente = await addMember(app, owner, 'cliente');
    other = await signup(app);
    otherMember = await addMember(app, other, 'cliente');
    apiKey = await createApiKey(app, owner);
  });
  after(async () => {
    await admin.close();
    await app.stop();
  });

  test('a gestor creates a team: 201, audited, with an event', async () => {
    const response = await app.request({ method: 'POST', url: '/api/teams', token: owner.token, body: { name: 'Support', description: 'First line' } });
    assert.equal(response.statusCode, 201, response.body);
    const team = response.json();
    assert.equal(team.name, 'Support');
    assert.equal(team.description, 'First line');
    assert.equal(team.member_count, 0);
    assert.equal(team.is_member, false);
    assert.deepEqual(team.members, []);
    assert.match(team.created_at, /^\d{4}-\d\d-\d\dT/);
    const audit = await admin.audit(owner.tenantId, 'team.created', team.id);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.actor_id, owner.userId);
    assert.equal(audit[0]?.after?.name, 'Support');
    assert.equal((await admin.events(owner.tenantId, 'team.created', team.id)).length, 1);
  });

  test('names are unique in the organisation, ignoring case: 409; another organisation may use the same name', async () => {
    const name = freshName('Unique');
    await createTeam({ name });
    const again = await app.request({ method: 'POST', url: '/api/teams', token: owner.token, body: { name: name.toUpperCase() } });
    assert.equal(again.statusCode, 409, again.body);
    assert.equal(again.json().type, '/problems/conflict');
    const elsewhere = await app.request({ method: 'POST', url: '/api/teams', token: other.token, body: { name } });
    assert.equal(elsewhere.statusCode, 201, elsewhere.body);
  });

  test('invalid bodies are 422 naming every field', async () => {
    const response = await app.request({ method: 'POST', url: '/api/teams', token: owner.token, body: { name: ' padded ', description: 5, colour: 'red' } });
    assert.equal(response.statusCode, 422, response.body);
    // A nullable field's union reports each branch; every bad field is named.
    const pointers = new Set(response.json().errors.map((error: { pointer: string }) => error.pointer));
    assert.deepEqual([...pointers].sort(), ['/colour', '/description', '/name']);
    const missing = await app.request({ method: 'POST', url: '/api/teams', token: owner.token, body: {} });
    assert.equal(missing.statusCode, 422);
    assert.deepEqual(missing.json().errors.map((error: { pointer: string }) => error.pointer), ['/name']);
    const long = await app.request({ method: 'POST', url: '/api/teams', token: owner.token, body: { name: 'x'.repeat(101) } });
    assert.equal(long.statusCode, 422);
    const team = await createTeam();
    const empty = await app.request({ method: 'PATCH', url: `/api/teams/${team.id}`, token: owner.token, body: {} });
    assert.equal(empty.statusCode, 422);
    const badId = await app.request({ method: 'GET', url: '/api/teams/not-a-uuid', token: owner.token });
    assert.equal(badId.statusCode, 422);
    const badUser = await app.request({ method: 'POST', url: `/api/teams/${team.id}/members`, token: owner.token, body: { user_id: 'nope' } });
    assert.equal(badUser.statusCode, 422);
    assert.deepEqual(badUser.json().errors.map((error: { pointer: string }) => error.pointer), ['/user_id']);
  });

  test('every member lists the teams and sees whether they are in each; API keys are refused', async () => {
    const team = await createTeam();
    await app.request({ method: 'POST', url: `/api/teams/${team.id}/members`, token: owner.token, body: { user_id: cliente.userId } });
    const listed = await app.request({ method: 'GET', url: '/api/teams', token: cliente.token });
    assert.equal(listed.statusCode, 200, listed.body);
    const entry = listed.json().data.find((row: { id: string }) => row.id === team.id);
    assert.equal(entry.is_member, true);
    assert.equal(entry.member_count, 1);
    const byOwner = await app.request({ method: 'GET', url: '/api/teams', token: owner.token });
    assert.equal(byOwner.json().data.find((row: { id: string }) => row.id === team.id).is_member, false);
    const byKey = await app.request({ method: 'GET', url: '/api/teams', token: apiKey });
    assert.equal(byKey.statusCode, 403);
  });

  test('GET one team: a gestor sees every member, a cliente only their own membership', async () => {
    const team = await createTeam();
    const second = await addMember(app, owner, 'cliente');
    for (const user of [cliente.userId, second.userId]) {
      const added = await app.request({ method: 'POST', url: `/api/teams/${team.id}/members`, token: owner.token, body: { user_id: user } });
      assert.equal(added.statusCode, 201, added.body);
    }
    const asGestor = await app.request({ method: 'GET', url: `/api/teams/${team.id}`, token: owner.token });
    assert.equal(asGestor.statusCode, 200);
    assert.deepEqual(asGestor.json().members.map((m: { user_id: string }) => m.user_id).sort(), [cliente.userId, second.userId].sort());
    assert.equal(asGestor.json().members.find((m: { user_id: string }) => m.user_id === cliente.userId).email, cliente.email);
    const asCliente = await app.request({ method: 'GET', url: `/api/teams/${team.id}`, token: cliente.token });
    assert.equal(asCliente.statusCode, 200);
    assert.deepEqual(asCliente.json().members.map((m: { user_id: string }) => m.user_id), [cliente.userId]);
    assert.equal(asCliente.json().member_count, 2);
    const missing = await app.request({ method: 'GET', url: '/api/teams/00000000-0000-7000-8000-000000000000', token: owner.token });
    assert.equal(missing.statusCode, 404);
    const byKey = await app.request({ method: 'GET', url: `/api/teams/${team.id}`, token: apiKey });
    assert.equal(byKey.statusCode, 403);
  });

  test('clientes and API keys cannot manage teams: 403', async () => {
    const team = await createTeam();
    const calls = [
      { method: 'POST', url: '/api/teams', body: { name: freshName() } },
      { method: 'PATCH', url: `/api/teams/${team.id}`, body: { name: freshName() } },
      { method: 'DELETE', url: `/api/teams/${team.id}` },
      { method: 'POST', url: `/api/teams/${team.id}/members`, body: { user_id: cliente.userId } },
      { method: 'DELETE', url: `/api/teams/${team.id}/members/${cliente.userId}` },
    ] as const;
    for (const token of [cliente.token, apiKey]) {
      for (const call of calls) {
        const response = await app.request({ ...call, token });
        assert.equal(response.statusCode, 403, `${call.method} ${call.url}: ${response.body}`);
      }
    }
    const unauthenticated = await app.request({ method: 'GET', url: '/api/teams' });
    assert.equal(unauthenticated.statusCode, 401);
  });

  test('PATCH renames and changes the description, audited; a taken name is 409; no change changes nothing', async () => {
    const team = await createTeam({ name: freshName(), description: 'old' });
    const taken = await createTeam();
    const renamed = await app.request({ method: 'PATCH', url: `/api/teams/${team.id}`, token: owner.token, body: { name: 'Renamed team', description: null } });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal(renamed.json().name, 'Renamed team');
    assert.equal(renamed.json().description, null);
    const audit = await admin.audit(owner.tenantId, 'team.updated', team.id);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.before?.description, 'old');
    assert.equal(audit[0]?.after?.name, 'Renamed team');
    assert.equal((await admin.events(owner.tenantId, 'team.updated', team.id)).length, 1);
    const clash = await app.request({ method: 'PATCH', url: `/api/teams/${team.id}`, token: owner.token, body: { name: taken.name } });
    assert.equal(clash.statusCode, 409, clash.body);
    const same = await app.request({ method: 'PATCH', url: `/api/teams/${team.id}`, token: owner.token, body: { name: 'Renamed team' } });
    assert.equal(same.statusCode, 200);
    assert.equal((await admin.audit(owner.tenantId, 'team.updated', team.id)).length, 1);
  });

  test('members: add (201), again (409), a user of another organisation (422), remove (204), remove again (404)', async () => {
    const team = await createTeam();
    const added = await app.request({ method: 'POST', url: `/api/teams/${team.id}/members`, token: owner.token, body: { user_id: cliente.userId } });
    assert.equal(added.statusCode, 201, added.body);
    assert.equal(added.json().user_id, cliente.userId);
    assert.equal(added.json().role, 'cliente');
    assert.equal((await admin.audit(owner.tenantId, 'team.member_added', team.id)).length, 1);
    assert.equal((await admin.events(owner.tenantId, 'team.member_added', team.id)).length, 1);

    const again = await app.request({ method: 'POST', url: `/api/teams/${team.id}/members`, token: owner.token, body: { user_id: cliente.userId } });
    assert.equal(again.statusCode, 409, again.body);

    for (const foreign of [otherMember.userId, other.userId, '00000000-0000-7000-8000-000000000000']) {
      const response = await app.request({ method: 'POST', url: `/api/teams/${team.id}/members`, token: owner.token, body: { user_id: foreign } });
      assert.equal(response.statusCode, 422, response.body);
      assert.deepEqual(response.json().errors.map((error: { pointer: string }) => error.pointer), ['/user_id']);
    }
    const stored = await admin.query('select user_id from team_members where team_id = $1', [team.id]);
    assert.deepEqual(stored.rows.map((row) => row.user_id), [cliente.userId]);

    const removed = await app.request({ method: 'DELETE', url: `/api/teams/${team.id}/members/${cliente.userId}`, token: owner.token });
    assert.equal(removed.statusCode, 204, removed.body);
    assert.equal((await admin.audit(owner.tenantId, 'team.member_removed', team.id)).length, 1);
    assert.equal((await admin.events(owner.tenantId, 'team.member_removed', team.id)).length, 1);
    const twice = await app.request({ method: 'DELETE', url: `/api/teams/${team.id}/members/${cliente.userId}`, token: owner.token });
    assert.equal(twice.statusCode, 404);
  });

  test('removing a member from the organisation removes their team memberships', async () => {
    const team = await createTeam();
    const leaving = await addMember(app, owner, 'cliente');
    await app.request({ method: 'POST', url: `/api/teams/${team.id}/members`, token: owner.token, body: { user_id: leaving.userId } });
    const removed = await app.request({ method: 'DELETE', url: `/api/tenants/atual/members/${leaving.userId}`, token: owner.token });
    assert.equal(removed.statusCode, 204, removed.body);
    const detail = await app.request({ method: 'GET', url: `/api/teams/${team.id}`, token: owner.token });
    assert.deepEqual(detail.json().members, []);
  });

  test('DELETE removes the team and its memberships, audited; then 404', async () => {
    const team = await createTeam();
    await app.request({ method: 'POST', url: `/api/teams/${team.id}/members`, token: owner.token, body: { user_id: cliente.userId } });
    const deleted = await app.request({ method: 'DELETE', url: `/api/teams/${team.id}`, token: owner.token });
    assert.equal(deleted.statusCode, 204, deleted.body);
    const audit = await admin.audit(owner.tenantId, 'team.deleted', team.id);
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0]?.before?.members, [cliente.userId]);
    assert.equal((await admin.events(owner.tenantId, 'team.deleted', team.id)).length, 1);
    const memberships = await admin.query('select 1 from team_members where team_id = $1', [team.id]);
    assert.equal(memberships.rows.length, 0);
    for (const call of [
      { method: 'GET', url: `/api/teams/${team.id}` },
      { method: 'DELETE', url: `/api/teams/${team.id}` },
      { method: 'PATCH', url: `/api/teams/${team.id}`, body: { name: freshName() } },
      { method: 'POST', url: `/api/teams/${team.id}/members`, body: { user_id: cliente.userId } },
    ] as const) {
      const response = await app.request({ ...call, token: owner.token });
      assert.equal(response.statusCode, 404, `${call.method} ${call.url}`);
    }
  });

  test("another organisation's team ids answer 404 and change nothing", async () => {
    const foreign = await app.request({ method: 'POST', url: '/api/teams', token: other.token, body: { name: freshName('Foreign') } });
    const id = foreign.json().id as string;
    await app.request({ method: 'POST', url: `/api/teams/${id}/members`, token: other.token, body: { user_id: otherMember.userId } });
    const calls = [
      { method: 'GET', url: `/api/teams/${id}` },
      { method: 'PATCH', url: `/api/teams/${id}`, body: { name: 'Taken over' } },
      { method: 'POST', url: `/api/teams/${id}/members`, body: { user_id: cliente.userId } },
      { method: 'DELETE', url: `/api/teams/${id}/members/${otherMember.userId}` },
      { method: 'DELETE', url: `/api/teams/${id}` },
    ] as const;
    for (const call of calls) {
      const response = await app.request({ ...call, token: owner.token });
      assert.equal(response.statusCode, 404, `${call.method} ${call.url}: ${response.body}`);
      assert.equal(response.json().type, '/problems/not-found');
    }
    const listed = await app.request({ method: 'GET', url: '/api/teams', token: owner.token });
    assert.ok(!listed.body.includes(id));
    const still = await app.request({ method: 'GET', url: `/api/teams/${id}`, token: other.token });
    assert.equal(still.json().name, foreign.json().name);
    assert.deepEqual(still.json().members.map((m: { user_id: string }) => m.user_id), [otherMember.userId]);
  });
});
